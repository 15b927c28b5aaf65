from hub.migrations import run_env
from open_svc.models import Base

run_env(Base.metadata)

from hub.migrations import run_env
from share_svc.models import Base

run_env(Base.metadata)

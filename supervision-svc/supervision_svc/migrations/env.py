from hub.migrations import run_env
from supervision_svc.models import Base

run_env(Base.metadata)

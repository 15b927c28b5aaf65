from catalog_svc.models import Base
from hub.migrations import run_env

run_env(Base.metadata)

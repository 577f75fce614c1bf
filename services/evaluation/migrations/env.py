from evaluation.config import Settings
from evaluation.models import Base
from sanquan_kernel.migrate import run_env

run_env(Base.metadata, Settings().database_url)

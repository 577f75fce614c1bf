from hall.config import Settings
from hall.models import Base, load_all_models
from sanquan_kernel.migrate import run_env

load_all_models()
run_env(Base.metadata, Settings().database_url)

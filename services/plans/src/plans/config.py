from pydantic import Field
from pydantic_settings import SettingsConfigDict

from sanquan_kernel.settings import ServiceSettings


class Settings(ServiceSettings):
    """Environment variables prefixed PLANS_ (e.g. PLANS_DATABASE_URL)."""

    model_config = SettingsConfigDict(env_prefix="PLANS_", extra="ignore")
    service_name: str = "plans"
    port: int = 8001
    #: P2/P4: a plan of year Y holds work due until 31 December of Y + this many years (decisions.md)
    task_years_after_plan: int = Field(default=1, ge=0, le=10)

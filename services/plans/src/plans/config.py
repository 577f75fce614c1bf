from pydantic_settings import SettingsConfigDict

from sanquan_kernel.settings import ServiceSettings


class Settings(ServiceSettings):
    """Environment variables prefixed PLANS_ (e.g. PLANS_DATABASE_URL)."""

    model_config = SettingsConfigDict(env_prefix="PLANS_", extra="ignore")
    service_name: str = "plans"
    port: int = 8001

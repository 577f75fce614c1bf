from pydantic_settings import SettingsConfigDict

from sanquan_kernel.settings import ServiceSettings


class Settings(ServiceSettings):
    """Environment variables prefixed EVALUATION_ (e.g. EVALUATION_DATABASE_URL)."""

    model_config = SettingsConfigDict(env_prefix="EVALUATION_", extra="ignore")
    service_name: str = "evaluation"
    port: int = 8003

from pydantic_settings import SettingsConfigDict

from sanquan_kernel.settings import ServiceSettings


class Settings(ServiceSettings):
    """Environment variables prefixed TRAINING_ (e.g. TRAINING_DATABASE_URL)."""

    model_config = SettingsConfigDict(env_prefix="TRAINING_", extra="ignore")
    service_name: str = "training"
    port: int = 8002

from pydantic_settings import SettingsConfigDict

from sanquan_kernel.settings import ServiceSettings


class Settings(ServiceSettings):
    """Environment variables prefixed EVALUATION_ (e.g. EVALUATION_DATABASE_URL, EVALUATION_PLANS_URL)."""

    model_config = SettingsConfigDict(env_prefix="EVALUATION_", extra="ignore")
    service_name: str = "evaluation"
    port: int = 8003
    #: where the plans and training services answer (indicators, the staff register), called with our own token
    plans_url: str = "http://127.0.0.1:8001"
    training_url: str = "http://127.0.0.1:8002"
    #: seconds before a call to another service counts as failed
    source_timeout: float = 5.0

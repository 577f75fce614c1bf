from pydantic import Field
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
    #: the service hall (S1): promise kept and satisfaction per university (``/api/hall/indicators``)
    hall_url: str = "http://127.0.0.1:8004"
    #: seconds before a call to another service counts as failed
    source_timeout: float = 5.0
    #: E2: a publicity period (公示) lasts at least this many working days (Monday to Friday)
    publicity_min_working_days: int = Field(default=5, ge=1, le=60)
    #: accept a publicity period that has already begun or ended at publication: only for recording campaigns
    #: decided before the platform existed (migrations, demo history); never on in production
    record_past_publicity: bool = False

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from sanquan_kernel.settings import ServiceSettings


class Settings(ServiceSettings):
    """Environment variables prefixed HALL_ (e.g. HALL_DATABASE_URL, HALL_PORT)."""

    model_config = SettingsConfigDict(env_prefix="HALL_", extra="ignore")
    service_name: str = "hall"
    port: int = 8004
    #: S1: how often the promise-timer job looks for breached promises (the durable schedule)
    escalation_interval_seconds: int = Field(default=300, ge=30, le=86400)
    #: How often the schedule thread looks for due jobs.
    schedule_poll_seconds: float = Field(default=30.0, gt=0, le=3600)
    #: S1: a requester may reopen a closed request within this many days
    reopen_within_days: int = Field(default=7, ge=0, le=90)

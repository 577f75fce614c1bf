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
    #: Issue #18: a milestone overdue more than this many days is escalated (the university's admins, then the
    #: province's alert list).
    escalate_after_days: int = Field(default=7, ge=1, le=365)
    #: How often the reminder job runs (the durable schedule; each run emits only what was not emitted before).
    reminder_interval_seconds: int = Field(default=3600, ge=60, le=7 * 86400)
    #: How often the schedule thread looks for due jobs.
    schedule_poll_seconds: float = Field(default=30.0, gt=0, le=3600)

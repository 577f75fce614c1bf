from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

#: The event types named in the events contract (docs/webhooks.md); a type outside it is still taken (a service
#: newer than the gateway must not block its relay), but webhook endpoints can only subscribe to these.
EVENT_TYPES = (
    "plan.submitted",
    "plan.returned",
    "plan.approved",
    "change_request.decided",
    "letter.to_sign",
    "milestone.due_soon",
    "milestone.overdue",
    "milestone.escalated",
    "plan.not_submitted",
    "deadline.soon",
    "self_report.submitted",
    "self_report.decided",
    "record.accepted",
    "record.rejected",
    "import.finished",
    "nomination.phase_opened",
    "nomination.phase_closing",
    "expert.assigned",
    "objection.received",
    "results.published",
    "notice.issued",
    "webhook.endpoint_disabled",
    "rectification.assigned",
    "rectification.overdue",
    "annual_summary.submitted",
    "annual_summary.returned",
    "annual_summary.accepted",
    # the service hall (S1, #20): ids, category and timers only — never the requester (webhooks/worker.py)
    "hall.request.created",
    "hall.request.answered",
    "hall.request.closed",
    "hall.request.escalated",
    # events (E4, #19): the province's, the association's or a university's meetings and conferences
    "event.scheduled",
    "event.held",
    "event.cancelled",
    "event.training_declared",
)

Source = Literal["plans", "training", "evaluation", "hall"]


class EventIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: Annotated[str, Field(min_length=5, max_length=64, pattern=r"^evt_[A-Za-z0-9_-]+$")]
    type: Annotated[str, Field(max_length=64, pattern=r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$")]
    source: Source
    university_id: Annotated[int | None, Field(ge=1, le=2**31 - 1)] = None
    department_id: Annotated[int | None, Field(ge=1, le=2**31 - 1)] = None
    subject: Annotated[str, Field(min_length=1, max_length=200)]
    occurred_at: AwareDatetime
    data: dict[str, Any] = Field(default_factory=dict)


class EventBatch(BaseModel):
    events: Annotated[list[EventIn], Field(max_length=1000)]


class IntakeResult(BaseModel):
    accepted: int
    duplicates: int


__all__ = ["EVENT_TYPES", "EventBatch", "EventIn", "IntakeResult", "datetime"]

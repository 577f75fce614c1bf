from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hall.rules.schemas import Category
from sanquan_kernel.storage.api import AttachmentOut, AttachmentRef

Id = int
_ids: list[AttachmentRef] = Field(default_factory=list, max_length=9)


class RequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: Category
    place_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    description: str = Field(min_length=5, max_length=2000)
    anonymous: bool = False
    attachment_ids: list[AttachmentRef] = _ids


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: int = Field(ge=1, le=2**31 - 1)


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    department_id: int = Field(ge=1, le=2**31 - 1)
    reason: str = Field(min_length=2, max_length=500)


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=2, max_length=2000)
    attachment_ids: list[AttachmentRef] = _ids


class InfoIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=2000)
    attachment_ids: list[AttachmentRef] = _ids


class RateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=1000)


class ReopenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=2, max_length=1000)


class Requester(BaseModel):
    """Who reported it: shown to staff only when the request is not anonymous."""

    id: int
    kind: str
    name: str | None


class RequestOut(BaseModel):
    id: int
    number: str
    university_id: int
    department_id: int | None
    category: str
    place_id: int | None
    place_name: str | None
    description: str
    anonymous: bool
    #: null for staff when the request is anonymous; the requester reads their own
    requester: Requester | None
    mine: bool
    status: str
    assignee_id: int | None
    answer: str | None
    accept_due_at: datetime
    resolve_due_at: datetime
    accepted_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    #: a promise missed (or missing now): accepting or resolving later than promised
    breached: bool
    escalation_level: int
    score: int | None
    rating_comment: str | None
    created_at: datetime
    version: int


class EventOut(BaseModel):
    id: int
    kind: str
    at: datetime
    #: ``requester`` or ``staff`` (the staff account id in ``actor_id``); ``system`` for the promise timers
    actor: str
    actor_id: int | None
    actor_role: str
    text: str | None
    data: dict[str, Any]


class RequestDetail(RequestOut):
    events: list[EventOut]
    attachments: list[AttachmentOut]


class RequestPage(BaseModel):
    items: list[RequestOut]
    #: pass as ``cursor`` for the next page; null on the last page
    next_cursor: str | None
    limit: int

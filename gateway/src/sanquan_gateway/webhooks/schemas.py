from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from sanquan_gateway.events.schemas import EVENT_TYPES

EventType = Literal[EVENT_TYPES]  # type: ignore[valid-type]
Url = Annotated[str, Field(min_length=8, max_length=2000)]
EventTypes = Annotated[list[EventType], Field(min_length=1, max_length=len(EVENT_TYPES))]


class EndpointCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: The integration client (its ``id`` in /api/clients) of the caller's university the endpoint belongs to.
    #: An administrator names it; an integration client leaves it out (its endpoints are its own).
    client_pk: int | None = Field(default=None, ge=1, le=2**31 - 1)
    url: Url
    event_types: EventTypes
    description: str = Field(default="", max_length=200)


class EndpointUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Url | None = None
    event_types: EventTypes | None = None
    description: str | None = Field(default=None, max_length=200)
    active: StrictBool | None = None


class EndpointOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    university_id: int
    client_pk: int
    client_id: str = ""
    url: str
    description: str
    event_types: list[str]
    active: bool
    disabled_reason: str | None
    disabled_at: datetime | None
    consecutive_failures: int
    previous_secret_until: datetime | None
    version: int
    created_at: datetime


class EndpointWithSecret(EndpointOut):
    #: Shown once, here: the receiver verifies signatures with it (docs/webhooks.md).
    secret: str


class SecretOut(BaseModel):
    secret: str
    previous_secret_until: datetime | None


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    endpoint_id: int
    event_id: str
    event_type: str
    subject: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    response_status: int | None
    last_error: str | None
    delivered_at: datetime | None
    replay_of: int | None
    created_at: datetime

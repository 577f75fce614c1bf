from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

Kind = Literal["student", "teacher"]


class SsoProvider(BaseModel):
    university_id: int
    name: str
    #: Campus SSO (a button); otherwise the roster's number and password.
    sso: bool = True


class SsoConfigIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    issuer: str = Field(min_length=8, max_length=500)
    client_id: str = Field(min_length=1, max_length=255)
    #: Required the first time; omitted afterwards keeps the stored one (it is never returned).
    client_secret: str | None = Field(default=None, min_length=1, max_length=500)
    number_claim: str = Field(default="preferred_username", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    kind_claim: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    default_kind: Kind = "student"
    scopes: str = Field(default="openid profile", min_length=6, max_length=255, pattern=r"^[\x21\x23-\x5b\x5d-\x7e ]+$")
    enabled: StrictBool = True


class SsoConfigOut(BaseModel):
    university_id: int
    configured: bool
    issuer: str | None = None
    client_id: str | None = None
    #: Whether a secret is stored (the secret itself is never returned).
    has_client_secret: bool = False
    number_claim: str = "preferred_username"
    kind_claim: str | None = None
    default_kind: Kind = "student"
    scopes: str = "openid profile"
    enabled: bool = False
    #: The address to register at the campus identity provider as the redirect URI.
    redirect_uri: str
    version: int = 0
    updated_at: datetime | None = None


class RosterEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: str = Field(min_length=1, max_length=64, pattern=r"^[^\s]+$")
    name: str = Field(min_length=1, max_length=100)
    kind: Kind = "student"
    #: ``false`` disables the identity (a student who left): no sign-in, and every token of theirs stops.
    active: StrictBool = True


class RosterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[RosterEntry] = Field(min_length=1, max_length=5000)


class ActivationCode(BaseModel):
    number: str
    activation_code: str
    expires_at: datetime


class RosterOut(BaseModel):
    created: int
    updated: int
    disabled: int
    #: One-time codes for the identities created now (and those still waiting to activate when ``reissue`` is
    #: asked): shown once, only the hash is kept.
    codes: list[ActivationCode]


class HallActivate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    university_id: int
    number: str = Field(min_length=1, max_length=64)
    code: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=128)


class HallLogin(BaseModel):
    model_config = ConfigDict(extra="forbid")

    university_id: int
    number: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=128)


class HallIdentityOut(BaseModel):
    """A hall identity as its university's administrator sees it (no password, no code, no SSO subject)."""

    id: int
    number: str
    display_name: str
    kind: Kind
    #: ``sso`` (signs in at the campus; no password here) or ``roster`` (number + password).
    source: Literal["sso", "roster"]
    #: ``active`` (signs in), ``pending`` (a one-time code waits to be used), ``disabled``.
    status: Literal["active", "pending", "disabled"]
    code_expires_at: datetime | None = None
    last_sign_in_at: datetime | None = None

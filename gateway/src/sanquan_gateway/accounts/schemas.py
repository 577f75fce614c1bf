from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationInfo, field_validator

from sanquan_gateway.auth.passwords import password_problems
from sanquan_kernel.principal import Role

_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
PERSON_ROLE_NAMES = ("province_admin", "inspector", "expert", "university_admin", "department_manager", "staff")


def _check_password(v: str, username: str | None = None) -> str:
    problem = password_problems(v, username)
    if problem:
        raise ValueError(f"the password needs {problem}")
    return v


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=2, max_length=64)
    password: str = Field(max_length=128)
    display_name: str = Field(min_length=1, max_length=100)
    role: Role
    org_id: int
    #: The person sets their own password at first sign-in (default); false only for accounts whose password is
    #: handed over by a process, not a person (demo seeding, test harnesses) — docs/decisions.md.
    must_change_password: StrictBool = True

    @field_validator("username")
    @classmethod
    def _username(cls, v: str) -> str:
        if not _USERNAME.match(v):
            raise ValueError("letters, digits and . _ @ - only, starting with a letter or digit")
        return v.lower()

    @field_validator("password")
    @classmethod
    def _password(cls, v: str, info: ValidationInfo) -> str:
        return _check_password(v, info.data.get("username"))


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(default=None, min_length=1, max_length=100)
    active: StrictBool | None = None
    org_id: int | None = None
    role: Role | None = None


class PasswordReset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    new_password: str = Field(max_length=128)
    #: The person must set their own password at their next sign-in (default).
    must_change_password: StrictBool = True

    @field_validator("new_password")
    @classmethod
    def _password(cls, v: str) -> str:
        return _check_password(v)


class PasswordChange(BaseModel):
    """One's own password (the username is checked by the endpoint, which knows it)."""

    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(max_length=128)
    new_password: str = Field(max_length=128)

    @field_validator("new_password")
    @classmethod
    def _password(cls, v: str) -> str:
        return _check_password(v)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: str
    org_id: int
    university_id: int | None
    department_id: int | None
    active: bool
    must_change_password: bool
    created_at: datetime
    version: int


INTEGRATION_SCOPES = (
    "training:read",
    "training:write",
    "plans:read",
    "plans:write",
    "hall:roster",
    "webhooks:manage",
)


class ClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    org_id: int
    scopes: list[str] = Field(min_length=1, max_length=10)

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, v: list[str]) -> list[str]:
        unknown = sorted(set(v) - set(INTEGRATION_SCOPES))
        if unknown:
            raise ValueError(f"unknown scopes {unknown}; allowed: {list(INTEGRATION_SCOPES)}")
        return sorted(set(v))


class ClientUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active: StrictBool | None = None
    name: str | None = Field(default=None, min_length=1, max_length=100)


class ClientOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    client_id: str
    name: str
    role: str
    org_id: int | None
    university_id: int | None
    scopes: list[str]
    active: bool
    created_at: datetime
    version: int

    @field_validator("scopes", mode="before")
    @classmethod
    def _split(cls, v: object) -> object:
        return v.split() if isinstance(v, str) else v


class ClientCreated(ClientOut):
    client_secret: str

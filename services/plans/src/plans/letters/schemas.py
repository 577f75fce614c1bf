"""Request and response bodies of responsibility letters."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

LetterStatus = Literal["unsigned", "signed", "needs_resign"]


class LetterCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: Literal["department", "person"]
    department_id: int | None = Field(default=None, description="For a department letter")
    responsible_user_id: int | None = Field(default=None, description="For a person letter: the account id")

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if self.target == "department" and self.department_id is None:
            raise ValueError("a department letter needs department_id")
        if self.target == "person" and self.responsible_user_id is None:
            raise ValueError("a person letter needs responsible_user_id")
        return self


class SignBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, description="The letter version the signer read")


class SignatureOut(BaseModel):
    version: int
    content_hash: str
    signed_by: str
    signer_name: str
    signed_at: datetime


class LetterVersionOut(BaseModel):
    version: int
    content_hash: str
    created_at: datetime
    task_count: int


class LetterOut(BaseModel):
    id: int
    plan_id: int
    university_id: int
    target: Literal["department", "person"]
    department_id: int | None
    department_name: str
    responsible_user_id: int | None
    responsible_name: str
    current_version: int
    content_hash: str
    status: LetterStatus = Field(description="needs_resign: a covered task changed after the letter was signed")
    signed_version: int | None
    version: int


class LetterDetail(LetterOut):
    versions: list[LetterVersionOut]
    signatures: list[SignatureOut]

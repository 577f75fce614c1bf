"""A person's e-mail preference (issue #18)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

Mode = Literal["off", "immediate", "daily"]
Language = Literal["zh-CN", "en"]
_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class MailPreferenceIn(BaseModel):
    mode: Mode = "off"
    language: Language = "zh-CN"
    email: str = Field(default="", max_length=254, validate_default=True)

    @field_validator("email")
    @classmethod
    def _address(cls, value: str, info: ValidationInfo) -> str:
        value = value.strip()
        if value and not _ADDRESS.fullmatch(value):
            raise ValueError("not an e-mail address")
        if not value and info.data.get("mode", "off") != "off":
            raise ValueError("an e-mail address is needed to receive e-mail")
        return value


class MailPreferenceOut(BaseModel):
    email: str
    mode: Mode
    language: Language
    #: Whether the platform has an SMTP relay configured (else nothing is sent whatever the preference).
    enabled: bool

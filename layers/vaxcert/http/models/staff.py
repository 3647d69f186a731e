"""Requests and answers of the staff sign-in routes (functions/download)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from vaxcert.http.cognito import ChallengeKind
from vaxcert.http.models.base import Answer, Request

MAX_TEXT = 256
# Cognito's limit for a session (RespondToAuthChallenge, VerifySoftwareToken).
MAX_SESSION_CHARS = 2048
_SESSION_REQUIRED = "is required (from the previous sign-in answer)"
_CHALLENGES = "must be one of " + ", ".join(k.value for k in ChallengeKind)


def _text(raw: Any, max_len: int = MAX_TEXT) -> str | None:
    return raw if isinstance(raw, str) and raw and len(raw) <= max_len else None


def _required_text(raw: Any) -> str:
    text = _text(raw)
    if text is None:
        raise ValueError("is required")
    return text


class StaffSessionRequest(Request):
    username: str = Field(min_length=1, max_length=MAX_TEXT)
    password: str = Field(min_length=1, max_length=MAX_TEXT)

    _required = field_validator("username", "password", mode="before")(_required_text)


class StaffChallengeRequest(Request):
    missing_problems: ClassVar[dict[str, str]] = {"session": _SESSION_REQUIRED, "challenge": _CHALLENGES}

    username: str = Field(min_length=1, max_length=MAX_TEXT, description="the username from the challenge")
    session: str = Field(
        min_length=1, max_length=MAX_SESSION_CHARS, description="the session from the challenge"
    )
    challenge: Literal["MFA_CODE", "MFA_SETUP", "NEW_PASSWORD"]
    code: str | None = Field(default=None, description="MFA_CODE, MFA_SETUP: 6 digits (spaces allowed)")
    newPassword: str | None = Field(default=None, max_length=MAX_TEXT, description="NEW_PASSWORD only")

    _username = field_validator("username", mode="before")(_required_text)

    @field_validator("session", mode="before")
    @classmethod
    def _session(cls, raw: Any) -> str:
        text = _text(raw, MAX_SESSION_CHARS)
        if text is None:
            raise ValueError(_SESSION_REQUIRED)
        return text

    @field_validator("challenge", mode="before")
    @classmethod
    def _challenge(cls, raw: Any) -> str:
        try:
            return ChallengeKind(str(raw)).value
        except ValueError:
            raise ValueError(_CHALLENGES) from None

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, raw: Any) -> str | None:
        # People type "123 456" as the app shows it.
        return "".join(raw.split()) or None if isinstance(raw, str) else None

    @field_validator("newPassword", mode="before")
    @classmethod
    def _new_password(cls, raw: Any) -> str | None:
        return _text(raw)

    @model_validator(mode="after")
    def _answer_of_the_challenge(self) -> StaffChallengeRequest:
        if self.kind in (ChallengeKind.MFA_CODE, ChallengeKind.MFA_SETUP):
            if not self.code:
                raise ValueError("code: is required: the 6-digit code from the authenticator app")
            if not (len(self.code) == 6 and self.code.isascii() and self.code.isdigit()):
                raise ValueError("code: must be the 6-digit code from the authenticator app")
        elif self.newPassword is None:
            raise ValueError("newPassword: is required")
        return self

    @property
    def kind(self) -> ChallengeKind:
        return ChallengeKind(self.challenge)


class StaffSignedIn(Answer):
    token: str = Field(description="the Cognito ID token: Bearer for the staff and admin routes")
    expiresIn: int = Field(description="seconds")
    groups: list[str] = Field(examples=[["facility-staff"]])


class SignInChallenge(Answer):
    """401: a further step (MFA code, authenticator set-up, new password); answer it at
    POST /v1/staff/session/challenge."""

    omitted_when_none = frozenset({"secretCode", "otpauthUri"})

    message: str
    challenge: Literal["MFA_CODE", "MFA_SETUP", "NEW_PASSWORD"]
    session: str
    username: str
    secretCode: str | None = Field(default=None, description="MFA_SETUP only: the TOTP secret (base32)")
    otpauthUri: str | None = Field(default=None, description="MFA_SETUP only: otpauth:// key URI")

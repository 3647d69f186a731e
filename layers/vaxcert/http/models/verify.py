"""`POST /v1/verify`'s request and response models: the handler parses and answers with them, the API
document shows them (one place for each limit). The published documents: vaxcert.http.models.published."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

from vaxcert.verification.models import VerificationResult

__all__ = ["VerificationResult", "VerifyRequest"]

MAX_QR_CHARS = 16_384
_AT_PROBLEM = "must be an ISO 8601 date-time such as 2026-01-31T12:00:00Z"


class VerifyRequest(BaseModel):
    """`{"qr": "<scanned text>", "at": "<optional ISO 8601>"}`; other fields are ignored."""

    # Built on first use, not at import (cold start): so are the models below.
    model_config = ConfigDict(defer_build=True)
    body_problem: ClassVar[str] = "must be a JSON object with a qr field"

    qr: str = Field(min_length=1, max_length=MAX_QR_CHARS, description="the text read from the QR code")
    at: dt.datetime | None = Field(
        default=None, description="verify as of this time (default: now; UTC when it names no offset)"
    )

    @model_validator(mode="before")
    @classmethod
    def _qr_present(cls, data: Any) -> Any:
        # A missing qr is answered like a null one: with what the field is for.
        if isinstance(data, dict) and "qr" not in data:
            return {**data, "qr": None}
        return data

    @field_validator("qr", mode="wrap")
    @classmethod
    def _qr(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> str:
        if value is None:
            raise ValueError("is required: the text read from the QR code")
        if not isinstance(value, str):
            raise ValueError("must be a string: the text read from the QR code")
        if not value.strip() or len(value) > MAX_QR_CHARS:
            raise ValueError(f"must be 1 to {MAX_QR_CHARS} characters")
        return str(handler(value))

    @field_validator("at", mode="wrap")
    @classmethod
    def _at(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> dt.datetime | None:
        # ISO 8601 text only (pydantic's own datetime parsing would also take numbers as epoch seconds).
        if value is None:
            return None
        try:
            at = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            at = None
        if at is None:
            raise ValueError(_AT_PROBLEM)
        return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)


REQUEST_BODIES: dict[tuple[str, str], type[BaseModel]] = {("POST", "/v1/verify"): VerifyRequest}
RESPONSES: dict[tuple[str, str], dict[int, type[BaseModel]]] = {
    ("POST", "/v1/verify"): {200: VerificationResult}
}

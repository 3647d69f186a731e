"""Requests and answers of the citizen portal routes (functions/download)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field, field_validator

from vaxcert.http.models.base import Answer, Request
from vaxcert.http.models.facility import CertificateRow
from vaxcert.sources.phone import InvalidMobile, normalise_mobile

if TYPE_CHECKING:  # the portal's own imports stay out of the models' cold start
    from vaxcert.citizen.portal import OwnCertificate

MOBILE_EXAMPLE = "876-555-0123"
MAX_MOBILE_CHARS = 40  # longer is not a phone number: only the start is read
OTP_DIGITS = 6


def _mobile(raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError(f"is required, e.g. {MOBILE_EXAMPLE}")
    try:
        return normalise_mobile(raw[:MAX_MOBILE_CHARS])
    except InvalidMobile as exc:
        raise ValueError(str(exc)) from None


class OtpRequest(Request):
    missing_problems: ClassVar[dict[str, str]] = {"mobile": f"is required, e.g. {MOBILE_EXAMPLE}"}

    mobile: str = Field(
        examples=[MOBILE_EXAMPLE], description="a Jamaican mobile number, any format; read as E.164"
    )

    _mobile = field_validator("mobile", mode="before")(_mobile)


class CitizenSessionRequest(Request):
    missing_problems: ClassVar[dict[str, str]] = {
        "mobile": f"is required, e.g. {MOBILE_EXAMPLE}",
        "otp": "must be the 6-digit code from the SMS",
    }

    mobile: str = Field(examples=[MOBILE_EXAMPLE])
    otp: str = Field(
        description="the 6-digit code from the SMS",
        json_schema_extra={"pattern": rf"^[0-9]{{{OTP_DIGITS}}}$"},
    )

    _mobile = field_validator("mobile", mode="before")(_mobile)

    @field_validator("otp", mode="before")
    @classmethod
    def _otp(cls, raw: Any) -> str:
        code = raw.strip() if isinstance(raw, str) else ""
        if len(code) != OTP_DIGITS or not code.isdigit():
            raise ValueError(cls.missing_problems["otp"])
        return code


class OtpSent(Answer):
    message: str


class CitizenSession(Answer):
    token: str = Field(description="Bearer token for the citizen routes")
    expiresIn: int = Field(description="seconds")


class CitizenRow(CertificateRow):
    qr: str = Field(description="the HC1 QR text")
    shcQr: str | None = Field(description="the SMART Health Card QR text, when it fits one QR")

    @classmethod
    def of(cls, own: OwnCertificate) -> CitizenRow:
        return cls(**cls.fields_of(own.summary), qr=own.qr, shcQr=own.shc_qr)


class CitizenCertificates(Answer):
    certificates: list[CitizenRow]

    @classmethod
    def of(cls, certificates: list[OwnCertificate]) -> CitizenCertificates:
        return cls(certificates=[CitizenRow.of(c) for c in certificates])

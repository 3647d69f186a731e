"""The verification result: one JSON contract for the API, the CLI and the verifier app."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

Status = Literal[
    "VALID", "REVOKED", "EXPIRED", "NOT_YET_VALID", "SIGNATURE_INVALID", "UNKNOWN_ISSUER", "MALFORMED"
]
Format = Literal["HC1", "DIVOC", "SHC", "WHO"]

# Worst first: when several checks fail, the result reports the first status of this list that applies.
PRECEDENCE: tuple[Status, ...] = (
    "MALFORMED",
    "UNKNOWN_ISSUER",
    "SIGNATURE_INVALID",
    "REVOKED",
    "EXPIRED",
    "NOT_YET_VALID",
    "VALID",
)


class CertificateSummary(BaseModel):
    """Minimal disclosure: what a person checking the certificate needs to see, nothing more."""

    model_config = ConfigDict(frozen=True)

    name: str | None = None
    dateOfBirth: str | None = None  # camelCase: JSON contract
    hcid: str | None = None
    vaccine: str | None = None
    dose: int | None = None
    totalDoses: int | None = None
    date: str | None = None
    country: str | None = None


class VerificationResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    valid: bool
    status: Status
    format: Format | None = None
    issuer: str | None = None
    kid: str | None = None  # base64 of the COSE kid
    certificate: CertificateSummary | None = None
    reason: str
    # Beyond the contract: which individual checks passed (None = not checked), for diagnostics and tests.
    checks: dict[str, bool | None] | None = None

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

"""The verification result: one JSON contract for the API, the CLI and the verifier app."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from vaxcert.formats.summary import CertificateContent

Status = Literal[
    "VALID", "REVOKED", "EXPIRED", "NOT_YET_VALID", "SIGNATURE_INVALID", "UNKNOWN_ISSUER", "MALFORMED"
]
Format = Literal["HC1", "WHO", "DIVOC", "SHC", "ICAO"]

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


# One content type for every format (formats.summary); the old name stays for existing imports.
CertificateSummary = CertificateContent


class VerificationResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    valid: bool
    status: Status
    format: Format | None = None
    issuer: str | None = None
    kid: str | None = None  # base64 of the COSE kid
    certificate: CertificateContent | None = None
    reason: str
    # Beyond the contract: which individual checks passed (None = not checked), for diagnostics and tests.
    checks: dict[str, bool | None] | None = None

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

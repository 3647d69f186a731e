"""verify_qr: one QR string in, one VerificationResult out. Never raises on bad input.

The engine only dispatches on the QR's prefix to its format module (formats.hc1 / who / divoc / shc /
icao_vds), each of which decodes, maps to the one CertificateContent and checks its own signature given
trusted keys; trust, dates and revocation are applied here, the same way for every format.

Status precedence (worst first): MALFORMED > UNKNOWN_ISSUER > SIGNATURE_INVALID > REVOKED > EXPIRED /
NOT_YET_VALID > VALID. UNKNOWN_ISSUER only when no trusted key matches what the certificate names (kid,
DID, iss + kid, CSCA country); SIGNATURE_INVALID when trusted keys exist and none verifies. Signature
checks only use keys whose id matches: never a trial of every trusted key (slow, and it would hide a
wrong kid).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from vaxcert.formats.decoded import DecodedCertificate, FormatName
from vaxcert.formats.divoc import PREFIX as DIVOC_PREFIX
from vaxcert.formats.errors import FormatError
from vaxcert.formats.hc1 import PREFIX as HC1_PREFIX
from vaxcert.formats.shc import PREFIX as SHC_PREFIX
from vaxcert.formats.summary import CertificateContent
from vaxcert.verification.models import PRECEDENCE, Format, Status, VerificationResult
from vaxcert.verification.trust import (
    CertificateRevocations,
    RevocationCheck,
    RevocationQuery,
    Revocations,
    TrustedCertificate,
    TrustStore,
    normalize_issuer,
)

if TYPE_CHECKING:
    from vaxcert.catalogue import Catalogue

# Clocks of issuing systems and phones drift; an iat a few minutes in the future is not a forgery.
CLOCK_SKEW = timedelta(minutes=5)

_FORMAT_NAMES = {
    "HC1": "HC1",
    "WHO": "WHO DDCC",
    "DIVOC": "DIVOC",
    "SHC": "SMART Health Card",
    "ICAO": "ICAO",
}


def verify_qr(
    text: str,
    trust: TrustStore,
    *,
    at: datetime,
    revocation: RevocationCheck | CertificateRevocations | None = None,
    catalogue: Catalogue | None = None,
) -> VerificationResult:
    """`catalogue`: the deployment's vaccine catalogue (VACCINE_CATALOGUE_FILE) naming the vaccines
    shown; None shows the packaged catalogue's names."""
    try:
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        return _verify(text, trust, at, revocation, catalogue)
    except Exception as exc:  # the contract: bad input of any kind is MALFORMED, never an exception
        return _result("MALFORMED", reason=f"unreadable QR content ({type(exc).__name__})")


def decode_certificate(qr: str, catalogue: Catalogue | None = None) -> DecodedCertificate:
    """Dispatch on the prefix to the format's module; FormatError when the QR is not one we read."""
    if qr.startswith(HC1_PREFIX):
        from vaxcert.formats.hc1 import decode_hc1, hc1_certificate
        from vaxcert.formats.who import who_certificate

        doc = decode_hc1(qr)
        return who_certificate(doc) if doc.who_ddcc is not None else hc1_certificate(doc, catalogue)
    if qr.startswith(DIVOC_PREFIX):
        from vaxcert.formats.divoc import divoc_certificate

        return divoc_certificate(qr)
    if qr.startswith(SHC_PREFIX):
        from vaxcert.formats.shc import shc_certificate

        return shc_certificate(qr)
    from vaxcert.formats.icao_vds import icao_certificate, looks_like_icao

    if looks_like_icao(qr):
        return icao_certificate(qr)
    raise FormatError("not a recognised vaccination certificate QR")


def _format_of(qr: str) -> FormatName | None:
    for prefix, name in ((HC1_PREFIX, "HC1"), (DIVOC_PREFIX, "DIVOC"), (SHC_PREFIX, "SHC")):
        if qr.startswith(prefix):
            return name  # type: ignore[return-value]
    from vaxcert.formats.icao_vds import looks_like_icao

    return "ICAO" if looks_like_icao(qr) else None


def _verify(
    qr: str,
    trust: TrustStore,
    at: datetime,
    revocation: RevocationCheck | CertificateRevocations | None,
    catalogue: Catalogue | None,
) -> VerificationResult:
    if not isinstance(qr, str):
        return _result("MALFORMED", reason="QR content must be text")
    qr = qr.strip()
    try:
        decoded = decode_certificate(qr, catalogue)
    except FormatError as exc:
        fmt = _format_of(qr)
        if fmt is None:
            return _result("MALFORMED", reason=str(exc))
        label = f"{exc.stage}" if fmt == "HC1" else _FORMAT_NAMES[fmt]
        return _result("MALFORMED", fmt=fmt, reason=f"{label}: {exc}")

    common: dict[str, Any] = {"fmt": decoded.format, "issuer": decoded.issuer, "kid": decoded.kid}
    request = decoded.key
    if request is None:
        return _result("UNKNOWN_ISSUER", reason="no key identifier (kid) in the certificate", **common)
    anchors = [
        key
        for key in trust.keys_for(
            request.framework, key_id=request.key_id, issuer=request.issuer, country=request.country
        )
        if key.certificate_type == request.certificate_type and _bound_to(key, request.bound_issuer)
    ]
    if not anchors:
        return _result("UNKNOWN_ISSUER", reason=decoded.no_key_reason, **common)
    try:
        signer = decoded.check_signature(anchors)
    except FormatError as exc:  # e.g. a DIVOC credential too complex to canonicalise
        return _result("MALFORMED", reason=f"{_FORMAT_NAMES[decoded.format]}: {exc}", **common)
    if signer is None:
        return _result(
            "SIGNATURE_INVALID",
            reason="signature does not match the trusted key",
            checks=_checks(False),
            **common,
        )

    expired = decoded.not_after is not None and decoded.not_after < at
    premature = decoded.not_before is not None and decoded.not_before > at + CLOCK_SKEW
    signer_valid = (signer.not_before is None or signer.not_before <= at) and (
        signer.not_after is None or at <= signer.not_after
    )
    revoked_reason = _revocation_reason(revocation, decoded)

    failures: dict[Status, str] = {}
    if revoked_reason is not None:
        failures["REVOKED"] = revoked_reason
    if expired:
        failures["EXPIRED"] = "certificate has expired"
    elif signer.not_after is not None and at > signer.not_after:
        failures["EXPIRED"] = f"{signer.what} has expired"
    if premature:
        failures["NOT_YET_VALID"] = "certificate is not valid yet"
    elif signer.not_before is not None and at < signer.not_before:
        failures["NOT_YET_VALID"] = f"{signer.what} is not valid yet"
    status: Status = next((s for s in PRECEDENCE if s in failures), "VALID")
    checks = _checks(
        True,
        expiry=not (expired or premature),
        dsc=signer_valid,
        revocation=None if revocation is None else revoked_reason is None,
    )
    return _result(
        status,
        certificate=decoded.content,
        reason=failures.get(status, "signature and validity checked"),
        checks=checks,
        legacy=True if decoded.format == "DIVOC" else None,
        **common,
    )


def _bound_to(key: TrustedCertificate, issuer: str | None) -> bool:
    return key.issuer is None or issuer is None or key.issuer == normalize_issuer(issuer)


def _revocation_reason(
    revocation: RevocationCheck | CertificateRevocations | None, decoded: DecodedCertificate
) -> str | None:
    """Why the certificate is revoked (no personal data), or None."""
    if revocation is None:
        return None
    query = RevocationQuery(
        format=decoded.format,
        issuer=decoded.issuer,
        kid=decoded.kid,
        identifier=decoded.identifier,
        country=decoded.country,
        signature=decoded.signature,
    )
    return Revocations(revocation).revoked(query)


def _checks(
    signature: bool, *, expiry: bool | None = None, dsc: bool | None = None, revocation: bool | None = None
) -> dict[str, bool | None]:
    return {"signature": signature, "expiry": expiry, "signerValidity": dsc, "notRevoked": revocation}


def _result(
    status: Status,
    *,
    reason: str,
    fmt: Format | None = None,
    issuer: str | None = None,
    kid: str | None = None,
    certificate: CertificateContent | None = None,
    checks: dict[str, bool | None] | None = None,
    legacy: bool | None = None,
) -> VerificationResult:
    return VerificationResult.model_construct(
        valid=status == "VALID",
        status=status,
        format=fmt,
        issuer=issuer,
        kid=kid,
        certificate=certificate,
        reason=reason,
        checks=checks,
        legacy=legacy,
    )


__all__ = ["CLOCK_SKEW", "TrustedCertificate", "decode_certificate", "verify_qr"]

"""verify_qr: one QR string in, one VerificationResult out. Never raises on bad input.

Status precedence (worst first): MALFORMED > UNKNOWN_ISSUER > SIGNATURE_INVALID > REVOKED > EXPIRED /
NOT_YET_VALID > VALID. Signature checks only use certificates whose kid matches: without a match the result is
UNKNOWN_ISSUER, never a trial of every trusted key (slow, and it would hide a wrong kid).
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib.resources import files
from typing import Any

from vaxcert.formats import cose
from vaxcert.formats.divoc import PREFIX as DIVOC_PREFIX
from vaxcert.formats.divoc import decode_divoc, divoc_content
from vaxcert.formats.errors import FormatError
from vaxcert.formats.hc1 import PREFIX as HC1_PREFIX
from vaxcert.formats.hc1 import Hc1Document, decode_hc1
from vaxcert.formats.shc import PREFIX as SHC_PREFIX
from vaxcert.formats.shc import decode_shc, shc_content
from vaxcert.formats.summary import CertificateContent, content, day, integer, mapping, text
from vaxcert.formats.uvci import split_uci
from vaxcert.verification.models import PRECEDENCE, Format, Status, VerificationResult
from vaxcert.verification.trust import RevocationCheck, TrustedCertificate, TrustStore

# Clocks of issuing systems and phones drift; an iat a few minutes in the future is not a forgery.
CLOCK_SKEW = timedelta(minutes=5)


def verify_qr(
    text: str, trust: TrustStore, *, at: datetime, revocation: RevocationCheck | None = None
) -> VerificationResult:
    try:
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        return _verify(text, trust, at, revocation)
    except Exception as exc:  # the contract: bad input of any kind is MALFORMED, never an exception
        return _result("MALFORMED", reason=f"unreadable QR content ({type(exc).__name__})")


def _verify(
    qr: str, trust: TrustStore, at: datetime, revocation: RevocationCheck | None
) -> VerificationResult:
    if not isinstance(qr, str):
        return _result("MALFORMED", reason="QR content must be text")
    qr = qr.strip()
    if qr.startswith(HC1_PREFIX):
        return _verify_hc1(qr, trust, at, revocation)
    if qr.startswith(DIVOC_PREFIX):
        try:
            document = decode_divoc(qr)
            divoc_content(document)
        except FormatError as exc:
            return _result("MALFORMED", fmt="DIVOC", reason=f"DIVOC: {exc}")
        return _result(
            "UNKNOWN_ISSUER",
            fmt="DIVOC",
            reason=f"DIVOC certificate from {text(document.get('issuer'))}: no trusted key",
        )
    if qr.startswith(SHC_PREFIX):
        try:
            card = decode_shc(qr)
            shc_content(card)
        except FormatError as exc:
            return _result("MALFORMED", fmt="SHC", reason=f"SMART Health Card: {exc}")
        return _result(
            "UNKNOWN_ISSUER",
            fmt="SHC",
            kid=card.kid,
            reason=f"SMART Health Card from {text(card.payload.get('iss'))}: no trusted key",
        )
    if qr.startswith("{") and '"icao.' in qr[:200]:
        return _result("MALFORMED", reason="ICAO VDS-NC is not a supported format")
    return _result("MALFORMED", reason="not a recognised vaccination certificate QR")


def _verify_hc1(
    qr: str, trust: TrustStore, at: datetime, revocation: RevocationCheck | None
) -> VerificationResult:
    try:
        doc = decode_hc1(qr)
    except FormatError as exc:
        return _result("MALFORMED", fmt="HC1", reason=f"{exc.stage}: {exc}")
    fmt: Format = "WHO" if doc.who_ddcc is not None else "HC1"
    kid = base64.b64encode(doc.kid).decode() if doc.kid else None
    common: dict[str, Any] = {"fmt": fmt, "issuer": doc.issuer, "kid": kid}
    if doc.kid is None:
        return _result("UNKNOWN_ISSUER", reason="no key identifier (kid) in the COSE headers", **common)
    candidates = [c for c in trust.certificates_for(doc.kid) if c.certificate_type == "DSC"]
    if not candidates:
        return _result("UNKNOWN_ISSUER", reason="signing key not in the trust list", **common)
    signer = _signer(doc, candidates)
    if signer is None:
        return _result(
            "SIGNATURE_INVALID",
            reason="signature does not match the trusted key",
            checks=_checks(False),
            **common,
        )

    content = _hc1_content(doc, fmt)
    now = at.timestamp()
    expired = doc.expires_at is not None and doc.expires_at < now
    premature = doc.issued_at is not None and doc.issued_at > now + CLOCK_SKEW.total_seconds()
    dsc_valid = signer.valid_at(at)
    revoked = False
    if revocation is not None:
        uci = content.hcid_source or ""
        revoked = revocation.is_revoked(uci, content.summary.country or "", doc.signature)

    failures: dict[Status, str] = {}
    if revoked:
        # A revocation source may say more (e.g. superseded by a correction); never personal data.
        why = getattr(revocation, "why_revoked", None)
        failures["REVOKED"] = (
            why(content.hcid_source or "") if why else None
        ) or "certificate has been revoked"
    if expired:
        failures["EXPIRED"] = "certificate has expired"
    elif at > signer.not_after:
        failures["EXPIRED"] = "signing certificate (DSC) has expired"
    if premature:
        failures["NOT_YET_VALID"] = "certificate is not valid yet"
    elif at < signer.not_before:
        failures["NOT_YET_VALID"] = "signing certificate (DSC) is not valid yet"
    status: Status = next((s for s in PRECEDENCE if s in failures), "VALID")
    checks = _checks(
        True,
        expiry=not (expired or premature),
        dsc=dsc_valid,
        revocation=None if revocation is None else not revoked,
    )
    return _result(
        status,
        certificate=content.summary,
        reason=failures.get(status, "signature and validity checked"),
        checks=checks,
        **common,
    )


def _signer(doc: Hc1Document, candidates: list[TrustedCertificate]) -> TrustedCertificate | None:
    for certificate in candidates:
        if cose.verify_signature(doc.alg, certificate.public_key, doc.sig_structure, doc.signature):
            return certificate
    return None


def _checks(
    signature: bool, *, expiry: bool | None = None, dsc: bool | None = None, revocation: bool | None = None
) -> dict[str, bool | None]:
    return {"signature": signature, "expiry": expiry, "signerValidity": dsc, "notRevoked": revocation}


class _Hc1Content:
    __slots__ = ("hcid_source", "summary")

    def __init__(self, summary: CertificateContent, hcid_source: str | None) -> None:
        self.summary = summary
        self.hcid_source = hcid_source  # the UVCI, for revocation


def _hc1_content(doc: Hc1Document, fmt: Format) -> _Hc1Content:
    if fmt == "WHO":
        return _Hc1Content(_who_content(doc.who_ddcc or {}), None)
    eu = doc.eu or {}
    nam = mapping(eu.get("nam"))
    entries = eu.get("v")
    entry = mapping(entries[0]) if isinstance(entries, list) and entries else {}
    uci = text(entry.get("ci"))
    ext = doc.ddcc or {}
    hcid = text(ext.get(11)) or _hcid_from_uci(uci)
    name = " ".join(
        p
        for p in (text(nam.get("gn")) or text(nam.get("gnt")), text(nam.get("fn")) or text(nam.get("fnt")))
        if p
    )
    summary = content(
        name=name or None,
        date_of_birth=text(eu.get("dob")),
        hcid=hcid,
        vaccine=_vaccine_name(text(entry.get("mp"))),
        dose=integer(entry.get("dn")),
        total_doses=integer(entry.get("sd")),
        date=day(entry.get("dt")),
        country=text(entry.get("co")),
    )
    return _Hc1Content(summary, uci)


def _who_content(claims: dict[Any, Any]) -> CertificateContent:
    def code(value: Any) -> str | None:
        return text(value.get("display") or value.get("code")) if isinstance(value, dict) else text(value)

    return content(
        name=text(claims.get("name")),
        date_of_birth=day(claims.get("birthDate")),
        hcid=text(claims.get("hcid")),
        vaccine=code(claims.get("brand")) or code(claims.get("vaccine")),
        dose=integer(claims.get("dose")),
        total_doses=integer(claims.get("total_doses")),
        date=day(claims.get("date")),
        country=code(claims.get("country")),
    )


def _hcid_from_uci(uci: str | None) -> str | None:
    """Our UVCIs are URN:UVCI:01:<CC>:<HCID>#<check>; for others the UVCI is the identifier."""
    if not uci:
        return None
    split = split_uci(uci)
    return split[1] if split else uci


@cache
def _vaccine_names() -> dict[str, str]:
    catalogue = json.loads((files("vaxcert") / "config" / "vaccines.json").read_text())
    return {v["eu"]["mp"]: v["display"] for v in catalogue["vaccines"].values() if "eu" in v}


def _vaccine_name(mp: str | None) -> str | None:
    return _vaccine_names().get(mp, mp) if mp else None


def _result(
    status: Status,
    *,
    reason: str,
    fmt: Format | None = None,
    issuer: str | None = None,
    kid: str | None = None,
    certificate: CertificateContent | None = None,
    checks: dict[str, bool | None] | None = None,
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
    )

"""The signed revocation list (EU DCC style): truncated UCI hashes, no personal data.

Document (`GET /v1/revocation-list`):

    {"version": 1, "issuer": "JM", "issuedAt": "...Z", "expiresAt": "...Z", "hashType": "UCI",
     "hashes": ["<base64 of SHA-256(UCI)[0:16]>", ...],
     "divocHashes": ["<base64 of SHA-256(DIVOC certificateId)[0:16]>", ...],
     "kid": "<base64 kid>", "jws": "<compact JWS>"}

The JWS (ES256, header `{"alg": "ES256", "kid": ..., "typ": "vaxcert-revocation-list+json"}`) signs
the JSON of every other field; a verifier checks it against the trust-list certificate with that kid
and then uses the JWS payload, never the unsigned copy beside it. Hash input: the UCI exactly as in
the HC1 `ci`, e.g. `URN:UVCI:01:JM:7Q2K9M4XHD3R8T6WB1NC#X` (UTF-8), prefix and check character included.
`divocHashes`: the legacy DIVOC certificates migrated into vaxcert whose certificate is now revoked or
superseded; input the DIVOC `certificateId` exactly as in the VC's `evidence[].certificateId` (UTF-8),
so offline verifiers refuse the old DIVOC QR too.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric import ec

from vaxcert.formats.jws import BadJws, BadSignature, check_signature
from vaxcert.formats.jws import read as read_jws
from vaxcert.verification.trust import RevocationQuery, TrustStore, uci_hash

FORMAT_VERSION = 1
HASH_TYPE = "UCI"
JWS_TYPE = "vaxcert-revocation-list+json"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def hashes_for(ucis: Iterable[str]) -> list[str]:
    """Sorted, de-duplicated: the order says nothing about when or what was revoked."""
    return sorted({base64.b64encode(uci_hash(u)).decode() for u in ucis})


def build_payload(
    ucis: Iterable[str],
    *,
    issuer: str,
    kid: bytes,
    now: datetime,
    validity: timedelta,
    divoc_ids: Iterable[str] = (),
) -> dict[str, Any]:
    issued = now.replace(microsecond=0)
    return {
        "version": FORMAT_VERSION,
        "issuer": issuer,
        "issuedAt": _iso(issued),
        "expiresAt": _iso(issued + validity),
        "hashType": HASH_TYPE,
        "hashes": hashes_for(ucis),
        "divocHashes": hashes_for(divoc_ids),
        "kid": base64.b64encode(kid).decode(),
    }


def sign_document(payload: dict[str, Any], sign: Callable[[bytes], bytes]) -> dict[str, Any]:
    """The published document: the payload plus its compact JWS; `sign` returns raw r||s (ES256)."""
    header = {"alg": "ES256", "kid": payload["kid"], "typ": JWS_TYPE}
    signing_input = (
        _b64url(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + _b64url(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    )
    signature = sign(signing_input.encode("ascii"))
    return {**payload, "jws": f"{signing_input}.{_b64url(signature)}"}


class RevocationListError(Exception):
    """The document is not a valid, signed, current revocation list (the message says why)."""


@dataclass(frozen=True)
class VerifiedList:
    payload: dict[str, Any]
    hashes: frozenset[str]
    issued_at: datetime
    expires_at: datetime
    kid: str
    divoc_hashes: frozenset[str] = frozenset()

    @property
    def count(self) -> int:
        return len(self.hashes)

    def contains_uci(self, uci: str) -> bool:
        return base64.b64encode(uci_hash(uci)).decode() in self.hashes

    def is_revoked(self, uci: str, country: str, signature: bytes) -> bool:
        """The verification engine's RevocationCheck: offline, from the signed list."""
        return bool(uci) and self.contains_uci(uci)

    def revoked(self, query: RevocationQuery) -> str | None:
        """The engine's revocation source for each format listed: HC1/WHO by UCI, DIVOC by certificateId."""
        if query.format in ("HC1", "WHO"):
            return (
                "certificate has been revoked" if self.is_revoked(query.identifier or "", "", b"") else None
            )
        if query.format == "DIVOC" and self.is_legacy_revoked("DIVOC", query.identifier or ""):
            return "the certificate this DIVOC certificate was migrated to is revoked or was replaced"
        return None

    def is_legacy_revoked(self, system: str, certificate_id: str) -> bool:
        """A migrated legacy certificate (DIVOC certificateId) whose vaxcert certificate was revoked."""
        return (
            system == "DIVOC"
            and bool(certificate_id)
            and base64.b64encode(uci_hash(certificate_id)).decode() in self.divoc_hashes
        )


def verify_document(
    document: Any, trust: TrustStore, *, at: datetime, issuer: str | None = None
) -> VerifiedList:
    """Check the JWS against the trust-list certificate named by its kid, then the validity period.

    Returns the SIGNED payload. `issuer`: the country the signing certificate must belong to.
    """
    if not isinstance(document, dict) or not isinstance(document.get("jws"), str):
        raise RevocationListError("not a revocation list: no jws")
    try:
        jws = read_jws(document["jws"])
    except BadJws as exc:
        raise RevocationListError(f"jws is unreadable ({exc})") from None
    header, payload, signature = jws.header, jws.payload, jws.signature
    if header.get("alg") != "ES256":
        raise RevocationListError("jws must be ES256 without critical headers")
    try:
        kid = base64.b64decode(str(header.get("kid")), validate=True)
    except ValueError:
        raise RevocationListError("jws kid is not base64") from None
    candidates = trust.certificates_for(kid)
    if issuer is not None:
        candidates = [c for c in candidates if c.country in (None, issuer)]
    if not candidates:
        raise RevocationListError("signing key not in the trust list")
    if len(signature) != 64:
        raise RevocationListError("ES256 signature must be 64 bytes")
    signer = None
    for certificate in candidates:
        key = certificate.public_key
        if not isinstance(key, ec.EllipticCurvePublicKey):
            continue
        try:
            check_signature(document["jws"], key, "ES256")
        except BadSignature:
            continue
        signer = certificate
        break
    if signer is None:
        raise RevocationListError("signature does not match the trusted key")
    try:
        issued_at = datetime.fromisoformat(str(payload["issuedAt"]).replace("Z", "+00:00"))
        expires_at = datetime.fromisoformat(str(payload["expiresAt"]).replace("Z", "+00:00"))
        hashes_ = payload["hashes"]
        divoc_hashes = payload.get("divocHashes", [])  # absent in lists published before migration
        if not isinstance(hashes_, list) or not isinstance(divoc_hashes, list):
            raise ValueError
        if payload.get("hashType") != HASH_TYPE:
            raise ValueError
    except (KeyError, ValueError):
        raise RevocationListError("payload lacks issuedAt, expiresAt, hashType UCI or hashes") from None
    if issuer is not None and payload.get("issuer") != issuer:
        raise RevocationListError(f"issued by {payload.get('issuer')!r}, not {issuer!r}")
    if at > expires_at:
        raise RevocationListError(f"expired at {_iso(expires_at)}")
    if at < issued_at - timedelta(minutes=5):
        raise RevocationListError("issued in the future")
    if not signer.valid_at(at):
        raise RevocationListError("signing certificate is not valid at this time")
    return VerifiedList(
        payload,
        frozenset(map(str, hashes_)),
        issued_at,
        expires_at,
        str(header["kid"]),
        frozenset(map(str, divoc_hashes)),
    )


class RevokedUcis(Protocol):
    def revoked_ucis(self) -> list[str]: ...


def _revoked_divoc_ids(source: RevokedUcis) -> set[str]:
    read = getattr(source, "revoked_legacy_ids", None)  # sources without migrated certificates
    return set(read()) if read else set()


class ListSigner(Protocol):
    @property
    def kid(self) -> bytes: ...

    def sign(self, message: bytes) -> bytes: ...


class ListStore(Protocol):
    def save(self, document: dict[str, Any]) -> None: ...


def publish(
    source: RevokedUcis,
    signer: ListSigner,
    store: ListStore,
    *,
    issuer: str,
    now: datetime,
    validity: timedelta,
    include: Iterable[str] = (),
    include_divoc: Iterable[str] = (),
) -> dict[str, Any]:
    """Rebuild the whole list from the revoked certificates, sign it, store it; returns the document.

    Rebuilding (not appending) keeps every publication complete and idempotent. `include`: UCIs the
    caller has just revoked, which the (eventually consistent) index may not show yet. Two publishers
    racing could leave the older state last: so after saving, the state is read again and, if it has
    grown, published once more.
    """
    extra, extra_divoc = set(include), set(include_divoc)
    document: dict[str, Any] = {}
    for _ in range(2):
        ucis = set(source.revoked_ucis()) | extra
        divoc_ids = _revoked_divoc_ids(source) | extra_divoc
        payload = build_payload(
            ucis, issuer=issuer, kid=signer.kid, now=now, validity=validity, divoc_ids=divoc_ids
        )
        document = sign_document(payload, signer.sign)
        store.save(document)
        grown = not set(hashes_for(set(source.revoked_ucis()) | extra)) <= set(payload["hashes"])
        grown = grown or not set(hashes_for(_revoked_divoc_ids(source) | extra_divoc)) <= set(
            payload["divocHashes"]
        )
        if not grown:
            break
    return document

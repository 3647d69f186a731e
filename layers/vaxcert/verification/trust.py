"""Trusted signing certificates and revocation lists, behind small Protocols the engine depends on."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol, cast

from cryptography import x509
from cryptography.x509.oid import NameOID

from vaxcert.formats.hc1 import kid_for_certificate
from vaxcert.formats.lenient_der import load_certificate

CertificateType = Literal["DSC", "CSCA"]
Framework = Literal["hc1", "shc", "divoc", "icao"]
FRAMEWORKS: tuple[Framework, ...] = ("hc1", "shc", "divoc", "icao")


@dataclass(frozen=True)
class TrustedCertificate:
    """A trusted public key of one framework, with its X.509 certificate when it came as one.

    How each framework names its keys (``key_id``): hc1 the base64 EU kid (``kid`` holds its 8 bytes),
    divoc the DID of ``proof.verificationMethod``, shc the JWK ``kid`` under its ``issuer`` (the ``iss``
    URL), icao any id of a CSCA key (certificate_type CSCA) of ``country``.
    """

    kid: bytes  # hc1: the 8-byte kid; other frameworks: the UTF-8 of key_id
    country: str | None
    certificate_type: CertificateType
    der: bytes  # the X.509 certificate, b"" for a bare key (JWK, PEM public key)
    public_key: Any  # loaded once, so verification does not parse certificates on the hot path
    not_before: datetime | None  # None: a bare key has no validity period of its own
    not_after: datetime | None
    framework: Framework = "hc1"
    issuer: str | None = None  # shc: the iss URL the key signs for
    jwk: dict[str, Any] | None = None  # as imported (public members only)

    @property
    def key_id(self) -> str:
        """The key's id as the trust list publishes it."""
        return base64.b64encode(self.kid).decode() if self.framework == "hc1" else self.kid.decode()

    @classmethod
    def from_der(
        cls,
        der: bytes,
        *,
        country: str | None = None,
        certificate_type: CertificateType = "DSC",
        kid: bytes | None = None,
        framework: Framework = "hc1",
        issuer: str | None = None,
        key_id: str | None = None,
    ) -> TrustedCertificate:
        cert = load_certificate(der)
        if country is None:
            attrs = cert.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)
            country = str(attrs[0].value) if attrs else None
        if framework == "hc1":
            kid = kid if kid is not None else kid_for_certificate(der)
        else:
            kid = (key_id or base64.b64encode(kid_for_certificate(der)).decode()).encode()
        return cls(
            kid=kid,
            country=country,
            certificate_type=certificate_type,
            der=der,
            public_key=cert.public_key(),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            framework=framework,
            issuer=normalize_issuer(issuer),
        )

    @classmethod
    def from_public_key(
        cls,
        public_key: Any,
        *,
        framework: Framework,
        key_id: str,
        country: str | None = None,
        issuer: str | None = None,
        certificate_type: CertificateType = "DSC",
        jwk: dict[str, Any] | None = None,
    ) -> TrustedCertificate:
        """A bare public key (a JWK without x5c, a PEM public key)."""
        kid = base64.b64decode(key_id) if framework == "hc1" else key_id.encode()
        return cls(
            kid=kid,
            country=country,
            certificate_type=certificate_type,
            der=b"",
            public_key=public_key,
            not_before=None,
            not_after=None,
            framework=framework,
            issuer=normalize_issuer(issuer),
            jwk=jwk,
        )

    def valid_at(self, at: datetime) -> bool:
        return (self.not_before is None or self.not_before <= at) and (
            self.not_after is None or at <= self.not_after
        )


TrustedKey = TrustedCertificate  # what it is for the frameworks whose keys are not certificates


def normalize_issuer(issuer: str | None) -> str | None:
    """SHC ``iss`` URLs compare without a trailing slash (the spec forbids one; some issuers add it)."""
    return issuer.rstrip("/") if issuer else None


class TrustStore(Protocol):
    def certificates_for(self, kid: bytes) -> list[TrustedCertificate]:
        """HC1 keys (DSCs and CSCAs) with this 8-byte kid."""
        ...

    def keys_for(
        self,
        framework: Framework,
        *,
        key_id: str | None = None,
        issuer: str | None = None,
        country: str | None = None,
    ) -> list[TrustedCertificate]:
        """Trusted keys of a framework; each given criterion must match (None: any)."""
        ...


class InMemoryTrustStore:
    """Trusted keys indexed by framework and kid; built from DER/PEM files, a trust list or a JWKS."""

    def __init__(self, certificates: Iterable[TrustedCertificate] = ()) -> None:
        self._by_kid: dict[bytes, list[TrustedCertificate]] = {}
        self._others: dict[str, list[TrustedCertificate]] = {}
        # (framework, key id) of the other frameworks: SHC directories and DIVOC DIDs run to hundreds.
        self._by_key_id: dict[tuple[str, bytes], list[TrustedCertificate]] = {}
        for certificate in certificates:
            self.add(certificate)

    def add(self, certificate: TrustedCertificate) -> None:
        if certificate.framework == "hc1":
            self._by_kid.setdefault(certificate.kid, []).append(certificate)
        else:
            self._others.setdefault(certificate.framework, []).append(certificate)
            names = {certificate.kid}
            if certificate.framework == "divoc":
                # A key listed under a DID URL with a fragment ("did:jamaica#key-1") also answers proofs
                # naming the bare DID, as the offline page does.
                names.add(certificate.kid.split(b"#")[0])
            for name in names:
                self._by_key_id.setdefault((certificate.framework, name), []).append(certificate)

    def certificates_for(self, kid: bytes) -> list[TrustedCertificate]:
        return self._by_kid.get(kid, [])

    def keys_for(
        self,
        framework: Framework,
        *,
        key_id: str | None = None,
        issuer: str | None = None,
        country: str | None = None,
    ) -> list[TrustedCertificate]:
        if framework == "hc1":
            if key_id is not None:
                try:
                    pool = self.certificates_for(base64.b64decode(key_id, validate=True))
                except ValueError:
                    return []
            else:
                pool = [c for group in self._by_kid.values() for c in group]
        else:
            if key_id is not None:
                pool = self._by_key_id.get((framework, key_id.encode()), [])
            else:
                pool = self._others.get(framework, [])
        if issuer is not None:
            pool = [c for c in pool if c.issuer == normalize_issuer(issuer)]
        if country is not None:
            pool = [c for c in pool if (c.country or "").upper() == country.upper()]
        return pool

    def all(self) -> list[TrustedCertificate]:
        return [c for group in (*self._by_kid.values(), *self._others.values()) for c in group]

    def __len__(self) -> int:
        return len(self.all())

    def certificates(self) -> list[TrustedCertificate]:
        return self.all()

    @classmethod
    def from_file_bytes(
        cls,
        blob: bytes,
        *,
        framework: Framework = "hc1",
        issuer: str | None = None,
        country: str | None = None,
        key_id: str | None = None,
    ) -> InMemoryTrustStore:
        """A trust list JSON (EU gateway style / our GET /v1/trust-list), a JWKS, the WHO GDHCN trust list
        (DID documents), a PEM public key, or PEM/DER certificates, as keys of ``framework``."""
        from vaxcert.verification.trust_files import read_trust_file

        return cls(read_trust_file(blob, framework=framework, issuer=issuer, country=country, key_id=key_id))

    @classmethod
    def from_certificates(
        cls, blobs: Iterable[bytes], certificate_type: CertificateType = "DSC"
    ) -> InMemoryTrustStore:
        """From DER or PEM bytes (a PEM blob may hold several certificates)."""
        store = cls()
        for blob in blobs:
            for der in _der_certificates(blob):
                store.add(TrustedCertificate.from_der(der, certificate_type=certificate_type))
        return store

    @classmethod
    def from_files(cls, paths: Iterable[str | Path]) -> InMemoryTrustStore:
        return cls.from_certificates(Path(p).read_bytes() for p in paths)

    @classmethod
    def from_trust_list(cls, trust_list: str | bytes | dict[str, Any]) -> InMemoryTrustStore:
        """From ``{"certificates": [{"kid", "country", "certificateType", "rawData", "framework", "jwk",
        "issuer"}]}``: our ``GET /v1/trust-list``, EU gateway style (kid and rawData base64; no framework
        means hc1). An entry without rawData is read from its jwk. Unreadable entries are skipped."""
        document = json.loads(trust_list) if isinstance(trust_list, str | bytes) else trust_list
        store = cls()
        for entry in document.get("certificates", []):
            certificate = trust_list_entry(entry)
            if certificate is not None:
                store.add(certificate)
        return store


def trust_list_entry(entry: Any) -> TrustedCertificate | None:
    """One entry of a trust list document, or None when it cannot be read."""
    if not isinstance(entry, dict):
        return None
    try:
        framework = str(entry.get("framework") or "hc1").lower()
        if framework not in FRAMEWORKS:
            return None
        fw = cast(Framework, framework)
        kind: CertificateType = "CSCA" if str(entry.get("certificateType")).upper() == "CSCA" else "DSC"
        country = entry.get("country") or None
        issuer = entry.get("issuer") or None
        kid_text = entry.get("kid")
        if entry.get("rawData"):
            der = base64.b64decode(entry["rawData"])
            if fw == "hc1":
                kid = base64.b64decode(kid_text) if kid_text else None
                return TrustedCertificate.from_der(der, country=country, certificate_type=kind, kid=kid)
            return TrustedCertificate.from_der(
                der, country=country, certificate_type=kind, framework=fw, issuer=issuer, key_id=kid_text
            )
        if isinstance(entry.get("jwk"), dict) and kid_text:
            from vaxcert.trust.keys import public_key_from_jwk

            return TrustedCertificate.from_public_key(
                public_key_from_jwk(entry["jwk"]),
                framework=fw,
                key_id=str(kid_text),
                country=country,
                issuer=issuer,
                certificate_type=kind,
                jwk=entry["jwk"],
            )
    except (KeyError, TypeError, ValueError):
        return None
    return None


def _der_certificates(blob: bytes) -> list[bytes]:
    if b"-----BEGIN CERTIFICATE-----" in blob:
        from cryptography.hazmat.primitives.serialization import Encoding

        return [c.public_bytes(Encoding.DER) for c in x509.load_pem_x509_certificates(blob)]
    return [blob]


# --- revocation (EU DCC revocation list style: no personal data, only truncated hashes) ---------------------


class RevocationCheck(Protocol):
    """EU DCC style: applies to the HC1 envelope (formats HC1 and WHO)."""

    def is_revoked(self, uci: str, country: str, signature: bytes) -> bool: ...


@dataclass(frozen=True)
class RevocationQuery:
    """What the engine knows of a verified certificate for revocation checks, in every format."""

    format: str  # HC1 | WHO | DIVOC | SHC | ICAO
    issuer: str | None  # country code, SHC iss URL, DIVOC issuer URL, ICAO alpha-3
    kid: str | None  # as in the verify result (SHC: the JWK kid, DIVOC: the DID)
    identifier: str | None  # UVCI, SHC rid, DIVOC certificateId, ICAO uvci
    country: str | None
    signature: bytes


class CertificateRevocations(Protocol):
    """A revocation source for any format: the public reason when revoked (never personal data), else None."""

    def revoked(self, query: RevocationQuery) -> str | None: ...


class Revocations:
    """Several revocation sources as one (e.g. our own HC1 certificates, our SMART Health Card ``rid`` list,
    legacy DIVOC certificates): the first that says revoked answers."""

    def __init__(self, *sources: RevocationCheck | CertificateRevocations) -> None:
        self.sources = sources

    def revoked(self, query: RevocationQuery) -> str | None:
        for source in self.sources:
            reason = _reason(source, query)
            if reason is not None:
                return reason
        return None


def _reason(source: RevocationCheck | CertificateRevocations, query: RevocationQuery) -> str | None:
    revoked = getattr(source, "revoked", None)
    if callable(revoked):
        reason = revoked(query)
        return None if reason is None else str(reason)
    if query.format not in ("HC1", "WHO"):
        return None
    uci = query.identifier or ""
    if not source.is_revoked(uci, query.country or "", query.signature):  # type: ignore[union-attr]
        return None
    why = getattr(source, "why_revoked", None)
    return (why(uci) if why else None) or "certificate has been revoked"


def _hash16(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()[:16]


def uci_hash(uci: str) -> bytes:
    return _hash16(uci.encode())


def country_uci_hash(country: str, uci: str) -> bytes:
    return _hash16((country + uci).encode())


def signature_hash(signature: bytes) -> bytes:
    # For ES256 (64-byte r||s) the EU list hashes r only: s can be replaced by n - s without breaking the
    # signature, so hashing all of it would let a revoked certificate slip through.
    return _hash16(signature[:32] if len(signature) == 64 else signature)


class InMemoryRevocationList:
    """Revoked certificates as base64 hashes of any of the three EU kinds (UCI, country+UCI, signature)."""

    def __init__(self, hashes: Iterable[str | bytes]) -> None:
        self._hashes = {base64.b64decode(h) if isinstance(h, str) else bytes(h) for h in hashes}

    def is_revoked(self, uci: str, country: str, signature: bytes) -> bool:
        candidates = [signature_hash(signature)] if signature else []
        if uci:
            candidates += [uci_hash(uci), country_uci_hash(country, uci)]
        return any(c in self._hashes for c in candidates)

"""Trusted signing certificates and revocation lists, behind small Protocols the engine depends on."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from cryptography import x509
from cryptography.x509.oid import NameOID

from vaxcert.formats.hc1 import kid_for_certificate

CertificateType = Literal["DSC", "CSCA"]


@dataclass(frozen=True)
class TrustedCertificate:
    kid: bytes
    country: str | None
    certificate_type: CertificateType
    der: bytes
    public_key: Any  # loaded once, so verification does not parse certificates on the hot path
    not_before: datetime
    not_after: datetime

    @classmethod
    def from_der(
        cls,
        der: bytes,
        *,
        country: str | None = None,
        certificate_type: CertificateType = "DSC",
        kid: bytes | None = None,
    ) -> TrustedCertificate:
        cert = x509.load_der_x509_certificate(der)
        if country is None:
            attrs = cert.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)
            country = str(attrs[0].value) if attrs else None
        return cls(
            kid=kid if kid is not None else kid_for_certificate(der),
            country=country,
            certificate_type=certificate_type,
            der=der,
            public_key=cert.public_key(),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
        )

    def valid_at(self, at: datetime) -> bool:
        return self.not_before <= at <= self.not_after


class TrustStore(Protocol):
    def certificates_for(self, kid: bytes) -> list[TrustedCertificate]: ...


class InMemoryTrustStore:
    """Certificates indexed by kid; built from DER/PEM files or an EU-gateway style trust list."""

    def __init__(self, certificates: Iterable[TrustedCertificate] = ()) -> None:
        self._by_kid: dict[bytes, list[TrustedCertificate]] = {}
        for certificate in certificates:
            self.add(certificate)

    def add(self, certificate: TrustedCertificate) -> None:
        self._by_kid.setdefault(certificate.kid, []).append(certificate)

    def certificates_for(self, kid: bytes) -> list[TrustedCertificate]:
        return self._by_kid.get(kid, [])

    def all(self) -> list[TrustedCertificate]:
        return [c for certificates in self._by_kid.values() for c in certificates]

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_kid.values())

    def certificates(self) -> list[TrustedCertificate]:
        return [c for group in self._by_kid.values() for c in group]

    @classmethod
    def from_file_bytes(cls, blob: bytes) -> InMemoryTrustStore:
        """A trust list JSON (EU gateway style / our GET /v1/trust-list), or PEM/DER certificates."""
        if blob.lstrip().startswith((b"{", b"[")):
            document = json.loads(blob)
            return cls.from_trust_list({"certificates": document} if isinstance(document, list) else document)
        return cls.from_certificates([blob])

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
        """From ``{"certificates": [{"kid", "country", "certificateType", "rawData"}]}``: our
        ``GET /v1/trust-list``, EU gateway style, kid and rawData base64. Unreadable entries are skipped."""
        document = json.loads(trust_list) if isinstance(trust_list, str | bytes) else trust_list
        store = cls()
        for entry in document.get("certificates", []):
            try:
                der = base64.b64decode(entry["rawData"])
                kid = base64.b64decode(entry["kid"]) if entry.get("kid") else None
                kind: CertificateType = (
                    "CSCA" if str(entry.get("certificateType")).upper() == "CSCA" else "DSC"
                )
                store.add(
                    TrustedCertificate.from_der(
                        der, country=entry.get("country"), certificate_type=kind, kid=kid
                    )
                )
            except (KeyError, TypeError, ValueError):
                continue
        return store


def _der_certificates(blob: bytes) -> list[bytes]:
    if b"-----BEGIN CERTIFICATE-----" in blob:
        from cryptography.hazmat.primitives.serialization import Encoding

        return [c.public_bytes(Encoding.DER) for c in x509.load_pem_x509_certificates(blob)]
    return [blob]


# --- revocation (EU DCC revocation list style: no personal data, only truncated hashes) ---------------------


class RevocationCheck(Protocol):
    def is_revoked(self, uci: str, country: str, signature: bytes) -> bool: ...


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

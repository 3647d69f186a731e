"""The signed revocation list: building, JWS signing, offline verification."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from vaxcert.formats.cose import der_to_raw_ecdsa
from vaxcert.formats.hc1 import kid_for_certificate
from vaxcert.lifecycle.revocation_list import (
    RevocationListError,
    build_payload,
    hashes_for,
    publish,
    sign_document,
    verify_document,
)
from vaxcert.verification import InMemoryTrustStore
from vaxcert.verification.trust import TrustedCertificate

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
UCI = "URN:UVCI:01:JM:7Q2K9M4XHD3R8T6WB1NC#X"


class Signer:
    def __init__(self, country: str = "JM") -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, country),
                x509.NameAttribute(NameOID.COMMON_NAME, "DSC"),
            ]
        )
        cert = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(self.key.public_key())
            .serial_number(1).not_valid_before(NOW - timedelta(days=1))
            .not_valid_after(NOW + timedelta(days=365))
            .sign(self.key, hashes.SHA256())
        )  # fmt: skip
        self.der = cert.public_bytes(serialization.Encoding.DER)
        self.kid = kid_for_certificate(self.der)

    def sign(self, message: bytes) -> bytes:
        return der_to_raw_ecdsa(self.key.sign(message, ec.ECDSA(hashes.SHA256())))

    def trust(self) -> InMemoryTrustStore:
        return InMemoryTrustStore([TrustedCertificate.from_der(self.der, certificate_type="DSC")])


def document(signer: Signer, ucis: list[str] | None = None, now: datetime = NOW) -> dict[str, Any]:
    payload = build_payload(ucis or [UCI], issuer="JM", kid=signer.kid, now=now, validity=timedelta(hours=48))
    return sign_document(payload, signer.sign)


def test_hash_is_the_eu_uci_hash_of_the_full_uci() -> None:
    expected = base64.b64encode(hashlib.sha256(UCI.encode()).digest()[:16]).decode()
    assert hashes_for([UCI, UCI]) == [expected]
    assert hashes_for(["B", "A"]) == sorted(hashes_for(["A", "B"]))


def test_signed_document_verifies_and_carries_its_fields() -> None:
    signer = Signer()
    doc = document(signer)
    assert doc["version"] == 1 and doc["hashType"] == "UCI" and doc["issuer"] == "JM"
    assert doc["issuedAt"] == "2026-01-10T12:00:00Z" and doc["expiresAt"] == "2026-01-12T12:00:00Z"
    assert doc["kid"] == base64.b64encode(signer.kid).decode()
    verified = verify_document(doc, signer.trust(), at=NOW + timedelta(hours=1), issuer="JM")
    assert verified.contains_uci(UCI) and verified.count == 1
    assert verified.is_revoked(UCI, "JM", b"") and not verified.is_revoked(
        "URN:UVCI:01:JM:OTHER#A", "JM", b""
    )
    # The JWS payload is exactly the other fields.
    payload = json.loads(base64.urlsafe_b64decode(doc["jws"].split(".")[1] + "=="))
    assert payload == {k: v for k, v in doc.items() if k != "jws"}


def test_the_unsigned_copy_is_never_trusted() -> None:
    signer = Signer()
    doc = document(signer)
    doc["hashes"] = []  # editing the plain fields changes nothing: the JWS payload is used
    assert verify_document(doc, signer.trust(), at=NOW).contains_uci(UCI)


@pytest.mark.parametrize("where", ["payload", "signature"])
def test_tampering_is_detected(where: str) -> None:
    signer = Signer()
    header, payload, signature = document(signer)["jws"].split(".")
    if where == "payload":
        body = json.loads(base64.urlsafe_b64decode(payload + "=="))
        body["hashes"] = []
        payload = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    else:
        signature = signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")
    with pytest.raises(RevocationListError, match="signature"):
        verify_document({"jws": f"{header}.{payload}.{signature}"}, signer.trust(), at=NOW)


def test_unknown_key_expiry_and_issuer_are_refused() -> None:
    signer, other = Signer(), Signer()
    with pytest.raises(RevocationListError, match="trust list"):
        verify_document(document(signer), other.trust(), at=NOW)
    with pytest.raises(RevocationListError, match="expired"):
        verify_document(document(signer), signer.trust(), at=NOW + timedelta(hours=49))
    foreign = Signer("DE")
    with pytest.raises(RevocationListError, match="trust list"):
        verify_document(document(foreign), foreign.trust(), at=NOW, issuer="JM")
    with pytest.raises(RevocationListError):
        verify_document({"hashes": []}, signer.trust(), at=NOW)


def test_publish_rebuilds_and_republishes_when_the_state_grew_meanwhile() -> None:
    signer = Signer()

    class Source:
        def __init__(self) -> None:
            self.reads = 0

        def revoked_ucis(self) -> list[str]:
            self.reads += 1
            return ["A"] if self.reads == 1 else ["A", "B"]  # B revoked while A's list was signed

    saved: list[dict[str, Any]] = []

    class Store:
        def save(self, doc: dict[str, Any]) -> None:
            saved.append(doc)

    published = publish(
        Source(), signer, Store(), issuer="JM", now=NOW, validity=timedelta(hours=48), include=["C"]
    )
    assert len(saved) == 2 and published is saved[-1]
    assert set(published["hashes"]) == set(hashes_for(["A", "B", "C"]))


def test_the_list_carries_migrated_divoc_ids_as_hashes_only() -> None:
    signer = Signer()

    class Source:
        def revoked_ucis(self) -> list[str]:
            return [UCI]

        def revoked_legacy_ids(self) -> list[str]:
            return ["891244125"]

    saved: list[dict[str, Any]] = []

    class Store:
        def save(self, doc: dict[str, Any]) -> None:
            saved.append(doc)

    published = publish(
        Source(), signer, Store(), issuer="JM", now=NOW, validity=timedelta(hours=48), include_divoc=["77"]
    )
    assert published["divocHashes"] == hashes_for(["891244125", "77"])
    assert "891244125" not in json.dumps(published)
    verified = verify_document(published, signer.trust(), at=NOW)
    assert verified.is_legacy_revoked("DIVOC", "891244125") and verified.is_legacy_revoked("DIVOC", "77")
    assert not verified.is_legacy_revoked("DIVOC", "891244126")
    assert not verified.is_legacy_revoked("SHC", "891244125")
    # A list signed before divocHashes existed still verifies, with nothing legacy in it.
    old = sign_document({k: v for k, v in published.items() if k not in ("jws", "divocHashes")}, signer.sign)
    assert not verify_document(old, signer.trust(), at=NOW).is_legacy_revoked("DIVOC", "891244125")

"""Trust anchors from files for every framework (JWKS, JWK, GDHCN DID documents, PEM), and the trust-list
entries they publish (the contract the offline page reads)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from tests.signing import self_signed_dsc
from tests.vectors import (
    DIVOC_DID,
    SHC_ISSUER,
    divoc_ed25519_key,
    divoc_rsa_key,
    divoc_vector,
    icao_authority,
    icao_seal,
    public_pem,
    shc_jwks,
    shc_qr,
)
from vaxcert.commands.trust import imported_entry
from vaxcert.formats.hc1 import kid_for_certificate
from vaxcert.trust.jwks import jwks_document, trust_list_document
from vaxcert.trust.keys import jwk_from_public_key, public_key_from_jwk, thumbprint
from vaxcert.verification import InMemoryTrustStore, verify_qr
from vaxcert.verification.trust_files import read_trust_file

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _jwks(*keys: dict[str, object]) -> bytes:
    return json.dumps({"keys": list(keys)}).encode()


@pytest.mark.parametrize(
    "key",
    [
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP384R1()),
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        ed25519.Ed25519PrivateKey.generate(),
    ],
    ids=["P-256", "P-384", "RSA", "Ed25519"],
)
def test_jwk_round_trip_for_every_key_type(key: object) -> None:
    public = key.public_key()  # type: ignore[attr-defined]
    jwk = jwk_from_public_key(public)
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    assert public_key_from_jwk(jwk).public_bytes(*spki) == public.public_bytes(*spki)


def test_shc_jwks_under_its_issuer_verifies_the_card() -> None:
    keys = read_trust_file(json.dumps(shc_jwks()).encode(), framework="shc", issuer=SHC_ISSUER)
    assert [(k.framework, k.issuer, k.key_id) for k in keys] == [
        ("shc", SHC_ISSUER, shc_jwks()["keys"][0]["kid"])
    ]
    assert verify_qr(shc_qr(), InMemoryTrustStore(keys), at=NOW).status == "VALID"
    with pytest.raises(ValueError, match="--issuer"):
        read_trust_file(json.dumps(shc_jwks()).encode(), framework="shc")


def test_shc_jwk_without_kid_gets_its_thumbprint() -> None:
    jwk = {k: v for k, v in shc_jwks()["keys"][0].items() if k != "kid"}
    (key,) = read_trust_file(_jwks(jwk), framework="shc", issuer=SHC_ISSUER)
    assert key.key_id == thumbprint(jwk)


def test_divoc_jwks_names_keys_by_did() -> None:
    ed = {**jwk_from_public_key(divoc_ed25519_key().public_key()), "kid": DIVOC_DID}
    keys = read_trust_file(_jwks(ed), framework="divoc")
    assert keys[0].key_id == DIVOC_DID
    assert verify_qr(divoc_vector().qr, InMemoryTrustStore(keys), at=NOW).status == "VALID"
    with pytest.raises(ValueError, match="kid"):
        read_trust_file(_jwks(jwk_from_public_key(divoc_ed25519_key().public_key())), framework="divoc")


def test_divoc_pem_public_key_with_its_did() -> None:
    keys = read_trust_file(public_pem(divoc_rsa_key()).encode(), framework="divoc", key_id="did:jamaica:rsa")
    assert verify_qr(divoc_vector("RSA").qr, InMemoryTrustStore(keys), at=NOW).status == "VALID"
    with pytest.raises(ValueError, match="--kid"):
        read_trust_file(public_pem(divoc_rsa_key()).encode(), framework="divoc")


def test_divoc_did_document_with_base58_key() -> None:
    raw = (
        divoc_ed25519_key()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    number, text = int.from_bytes(raw, "big"), ""
    while number:
        number, digit = divmod(number, 58)
        text = alphabet[digit] + text
    text = "1" * (len(raw) - len(raw.lstrip(b"\0"))) + text
    document = {
        "id": DIVOC_DID,
        "verificationMethod": [
            {"id": DIVOC_DID, "type": "Ed25519VerificationKey2018", "publicKeyBase58": text}
        ],
    }
    keys = read_trust_file(json.dumps(document).encode(), framework="divoc")
    assert verify_qr(divoc_vector().qr, InMemoryTrustStore(keys), at=NOW).status == "VALID"


def test_private_jwks_are_refused() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    jwk = {**jwk_from_public_key(key.public_key()), "d": "AAAA", "kid": "x"}
    with pytest.raises(ValueError, match="private"):
        read_trust_file(_jwks(jwk), framework="icao", country="JM")


def test_gdhcn_did_document_with_x5c_gives_hc1_dscs() -> None:
    _, der = self_signed_dsc(country="JM")
    kid = base64.b64encode(kid_for_certificate(der)).decode()
    cert_key = InMemoryTrustStore.from_certificates([der]).all()[0].public_key
    jwk = {**jwk_from_public_key(cert_key), "x5c": [base64.b64encode(der).decode()]}
    did = "did:web:tng-cdn.who.int:v2:trustlist:-:JAM:DSC"
    fragment = kid.replace("/", "%2F").replace("+", "%2B")
    document = {
        "id": did,
        "verificationMethod": [
            {
                "id": f"{did}#{fragment}",
                "type": "JsonWebKey2020",
                "controller": "did:web:tng-cdn.who.int:v2:trustlist:-:JAM",
                "publicKeyJwk": jwk,
            }
        ],
    }
    (key,) = read_trust_file(json.dumps([document]).encode())
    assert (key.framework, key.key_id, key.country, key.der) == ("hc1", kid, "JM", der)
    assert key.certificate_type == "DSC"
    # The participant's SCA document holds its signing authorities (CSCAs), not DSCs.
    sca = json.loads(json.dumps(document).replace(":JAM:DSC", ":JAM:SCA"))
    (authority,) = read_trust_file(json.dumps(sca).encode())
    assert authority.certificate_type == "CSCA"
    # A bare JWK takes its country from the DID (JAM -> JM).
    bare = {k: v for k, v in jwk.items() if k != "x5c"}
    sca["verificationMethod"][0]["publicKeyJwk"] = bare
    (bare_key,) = read_trust_file(json.dumps(sca).encode())
    assert (bare_key.country, bare_key.key_id) == ("JM", kid)


def test_icao_certificates_are_cscas() -> None:
    authority = icao_authority("RSA")
    body = base64.encodebytes(authority.csca_der).decode()
    pem = f"-----BEGIN CERTIFICATE-----\n{body}-----END CERTIFICATE-----\n"
    (key,) = read_trust_file(pem.encode(), framework="icao")
    assert (key.certificate_type, key.country, key.framework) == ("CSCA", "JM", "icao")
    assert verify_qr(icao_seal("RSA"), InMemoryTrustStore([key]), at=NOW).status == "VALID"


def test_published_entries_carry_framework_and_jwk_and_read_back() -> None:
    shc_keys = read_trust_file(json.dumps(shc_jwks()).encode(), framework="shc", issuer=SHC_ISSUER)
    icao_keys = read_trust_file(icao_authority("EC").csca_der, framework="icao")
    _, der = self_signed_dsc(country="JM")
    hc1_keys = read_trust_file(der)
    divoc_keys = read_trust_file(
        public_pem(divoc_ed25519_key()).encode(), framework="divoc", key_id=DIVOC_DID
    )
    entries = [
        imported_entry(k, k.country or "", "IMPORTED")
        for k in (*shc_keys, *icao_keys, *hc1_keys, *divoc_keys)
    ]
    document = json.loads(json.dumps(trust_list_document(entries)))
    by_framework = {e["framework"]: e for e in document["certificates"]}
    assert set(by_framework) == {"shc", "icao", "hc1", "divoc"}
    for entry in document["certificates"]:
        assert {"kid", "country", "certificateType", "notBefore", "notAfter", "framework", "jwk"} <= set(
            entry
        )
        assert entry["jwk"]["kid"] == entry["kid"]
    assert by_framework["shc"]["issuer"] == SHC_ISSUER and "rawData" not in by_framework["shc"]
    assert by_framework["shc"]["notBefore"] is None
    assert by_framework["divoc"]["kid"] == DIVOC_DID and by_framework["divoc"]["jwk"]["kty"] == "OKP"
    assert by_framework["hc1"]["rawData"] == base64.b64encode(der).decode()
    assert by_framework["icao"]["certificateType"] == "CSCA" and by_framework["icao"]["rawData"]
    # What the page and `vaxcert verify --trust-list-file` read back verifies every format.
    store = InMemoryTrustStore.from_trust_list(document)
    assert verify_qr(shc_qr(), store, at=NOW).status == "VALID"
    assert verify_qr(divoc_vector().qr, store, at=NOW).status == "VALID"
    assert verify_qr(icao_seal(), store, at=NOW).status == "VALID"


def test_our_jwks_holds_hc1_keys_only() -> None:
    """Imported SHC/DIVOC/ICAO keys must never look like keys that sign for our origin."""
    shc_keys = read_trust_file(json.dumps(shc_jwks()).encode(), framework="shc", issuer=SHC_ISSUER)
    _, der = self_signed_dsc(country="JM")
    entries = [imported_entry(k, k.country or "", "IMPORTED") for k in (*shc_keys, *read_trust_file(der))]
    (only,) = jwks_document(entries)["keys"]
    assert only["kid"] == base64.b64encode(kid_for_certificate(der)).decode() and only["x5c"]

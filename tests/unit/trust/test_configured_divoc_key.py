"""vaxcert:divocPublicKey (DIVOC_PUBLIC_KEY): every accepted form gives a trusted DIVOC key with its DID."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tests.vectors import DIVOC_DID, DIVOC_RSA_DID, divoc_ed25519_key, divoc_rsa_key, divoc_vector, public_pem
from vaxcert.trust.configured import CONFIGURED, divoc_entries
from vaxcert.trust.jwks import trust_list_document
from vaxcert.trust.keys import jwk_from_public_key
from vaxcert.verification import InMemoryTrustStore, verify_qr

NOW = datetime(2026, 12, 1, tzinfo=UTC)
ED_JWK = {**jwk_from_public_key(divoc_ed25519_key().public_key()), "kid": DIVOC_DID}


@pytest.mark.parametrize(
    ("value", "did"),
    [
        (json.dumps(ED_JWK), None),
        (json.dumps({"did": DIVOC_DID, "publicKeyPem": public_pem(divoc_ed25519_key())}), None),
        (public_pem(divoc_ed25519_key()), DIVOC_DID),
        (json.dumps([ED_JWK, {"did": DIVOC_RSA_DID, "publicKeyPem": public_pem(divoc_rsa_key())}]), None),
    ],
    ids=["jwk", "pem-object", "pem-and-did", "list"],
)
def test_configured_key_verifies_the_ministry_divoc_certificates(value: str, did: str | None) -> None:
    entries = divoc_entries(value, did, "JM")
    assert all(e.origin == CONFIGURED and e.framework == "divoc" for e in entries)
    store = InMemoryTrustStore.from_trust_list(trust_list_document(entries))
    assert verify_qr(divoc_vector().qr, store, at=NOW).status == "VALID"
    (published, *_) = trust_list_document(entries)["certificates"]
    assert (published["kid"], published["framework"], published["country"]) == (DIVOC_DID, "divoc", "JM")


def test_no_value_no_key_and_bad_values_are_named() -> None:
    assert divoc_entries("") == []
    with pytest.raises(ValueError, match="DIVOC_DID"):
        divoc_entries(public_pem(divoc_ed25519_key()))
    with pytest.raises(ValueError, match="DID"):
        divoc_entries(json.dumps({k: v for k, v in ED_JWK.items() if k != "kid"}))
    ec_jwk = {**jwk_from_public_key(ec.generate_private_key(ec.SECP256R1()).public_key()), "kid": DIVOC_DID}
    with pytest.raises(ValueError, match="Ed25519"):
        divoc_entries(json.dumps(ec_jwk))
    with pytest.raises(ValueError, match="PEM public key, a JWK"):
        divoc_entries("did:jamaica")


def test_configured_key_bound_to_the_ministry_issuer() -> None:
    pem = public_pem(divoc_ed25519_key())
    bound = divoc_entries(
        json.dumps({"did": DIVOC_DID, "publicKeyPem": pem, "issuer": "https://www.moh.gov.jm/"})
    )
    document = trust_list_document(bound)
    assert document["certificates"][0]["issuer"] == "https://www.moh.gov.jm"
    assert (
        verify_qr(divoc_vector().qr, InMemoryTrustStore.from_trust_list(document), at=NOW).status == "VALID"
    )
    elsewhere = divoc_entries(
        json.dumps({"did": DIVOC_DID, "publicKeyPem": pem, "issuer": "https://other.example"})
    )
    store = InMemoryTrustStore.from_trust_list(trust_list_document(elsewhere))
    assert verify_qr(divoc_vector().qr, store, at=NOW).status == "UNKNOWN_ISSUER"

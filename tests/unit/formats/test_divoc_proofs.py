"""DIVOC linked-data proofs: our own Ed25519 and RSA signatures through the URDNA2015 canonicalisation."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.conformance_data import conformance_path
from tests.vectors import DIVOC_DID, divoc_ed25519_key, divoc_rsa_key, divoc_vector, tampered_divoc
from vaxcert.formats.divoc import (
    CONTEXT_FILES,
    canonicalize,
    decode_divoc,
    divoc_content,
    sign_divoc_credential,
    verify_divoc_credential,
)
from vaxcert.formats.errors import PayloadError


def _trusting(*keys: object) -> Callable[[str], list[object]]:
    return lambda method: list(keys)


@pytest.mark.parametrize("key_type", ["Ed25519", "RSA"])
def test_own_signature_verifies_and_a_tampered_credential_fails(key_type: str) -> None:
    vector = divoc_vector(key_type)
    key = (divoc_ed25519_key() if key_type == "Ed25519" else divoc_rsa_key()).public_key()
    decoded = decode_divoc(vector.qr)
    assert verify_divoc_credential(decoded, _trusting(key)).outcome == "VALID"
    assert verify_divoc_credential(decode_divoc(tampered_divoc(vector)), _trusting(key)).outcome == "INVALID"


def test_proof_names_the_suite_and_detached_unencoded_jws() -> None:
    proof = divoc_vector("RSA").credential["proof"]
    assert proof["type"] == "RsaSignature2018"
    assert proof["verificationMethod"] == "did:jamaica:rsa"
    header, payload, _ = proof["jws"].split(".")
    assert payload == ""
    assert json.loads(__import__("base64").urlsafe_b64decode(header + "==")) == {
        "alg": "PS256",
        "b64": False,
        "crit": ["b64"],
    }


def test_changing_the_proof_options_breaks_the_signature() -> None:
    credential = copy.deepcopy(divoc_vector().credential)
    credential["proof"]["created"] = "2022-01-01T00:00:00Z"
    check = verify_divoc_credential(credential, _trusting(divoc_ed25519_key().public_key()))
    assert check.outcome == "INVALID"


def test_no_trusted_key_and_wrong_key_type() -> None:
    credential = divoc_vector().credential
    assert verify_divoc_credential(credential, _trusting()).outcome == "NO_KEY"
    # An RSA key for an Ed25519 proof is no key for it (never a trial with the wrong algorithm).
    assert verify_divoc_credential(credential, _trusting(divoc_rsa_key().public_key())).outcome == "NO_KEY"
    other = ed25519.Ed25519PrivateKey.generate().public_key()
    assert verify_divoc_credential(credential, _trusting(other)).outcome == "INVALID"


def test_resolver_is_asked_for_the_verification_method() -> None:
    asked: list[str] = []

    def resolve(method: str) -> list[object]:
        asked.append(method)
        return []

    verify_divoc_credential(divoc_vector().credential, resolve)
    assert asked == [DIVOC_DID]


def test_unreadable_proofs_are_payload_errors() -> None:
    credential = divoc_vector().credential
    for proof in (None, {"type": "Ed25519Signature2018", "jws": "a.b.c", "verificationMethod": "did:x"}, {}):
        broken = {**credential, "proof": proof}
        with pytest.raises(PayloadError):
            verify_divoc_credential(broken, _trusting())


def test_contexts_are_never_fetched() -> None:
    credential = copy.deepcopy(divoc_vector().credential)
    credential["@context"].append("https://example.org/unbundled/v1")
    with pytest.raises(PayloadError, match="not bundled"):
        canonicalize({k: v for k, v in credential.items() if k != "proof"})
    # A trusted key cannot verify a credential we cannot canonicalise: INVALID, not an exception.
    check = verify_divoc_credential(credential, _trusting(divoc_ed25519_key().public_key()))
    assert check.outcome == "INVALID"


@pytest.mark.parametrize(
    "url",
    [
        "https://divoc.prod/vaccine/credentials/vaccination/v1",
        "https://www.pedulilindungi.id/credentials/vaccination/v2",
        "https://divoc.lgcc.gov.lk/credentials/vaccination/v1",
        "https://cowin.gov.in/credentials/vaccination/v1",
    ],
)
def test_deployment_context_aliases_canonicalise_and_sign(url: str) -> None:
    assert url in CONTEXT_FILES
    credential = copy.deepcopy(divoc_vector().credential)
    credential["@context"][1] = url
    key = divoc_ed25519_key()
    signed = sign_divoc_credential(credential, key, DIVOC_DID)
    assert verify_divoc_credential(signed, _trusting(key.public_key())).outcome == "VALID"


@pytest.mark.parametrize("name", ["DIVOCJamaica", "DIVOCIndonesia", "DIVOCQR1"])
def test_real_divoc_credentials_canonicalise_and_resign(name: str) -> None:
    """Real credentials (no public keys here): their canonical form is computable offline, and re-signed
    with our key they verify, while their own proofs never verify with our key."""
    qr = conformance_path("ddcc-validator", "qr", f"{name}Contents.txt").read_text()
    credential = decode_divoc(qr)
    key = divoc_ed25519_key()
    nquads = canonicalize({k: v for k, v in credential.items() if k != "proof"})
    assert f'"{credential["credentialSubject"]["name"]}"' in nquads
    own = verify_divoc_credential(credential, lambda m: [key.public_key(), divoc_rsa_key().public_key()])
    assert own.outcome == "INVALID"
    resigned = sign_divoc_credential(credential, key, credential["proof"]["verificationMethod"])
    assert verify_divoc_credential(resigned, _trusting(key.public_key())).outcome == "VALID"


def test_jamaica_content_is_the_minimal_disclosure() -> None:
    qr = conformance_path("ddcc-validator", "qr", "DIVOCJamaicaContents.txt").read_text()
    content = divoc_content(decode_divoc(qr))
    assert content.name == "test user"
    assert content.dateOfBirth == "1998-01-05"
    assert content.hcid == "891244125"
    assert (content.dose, content.totalDoses, content.date) == (2, 2, "2021-04-15")

"""Every format through the one engine: our own vectors for each format and key type, tampered variants,
unknown issuers, each format's own dates, and revocation for every format."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tests.vectors import (
    SHC_ISSUER,
    all_vectors,
    divoc_credential,
    divoc_ed25519_key,
    divoc_vector,
    icao_data,
    icao_seal,
    shc_chunked_qrs,
    shc_jwk,
    shc_payload,
    shc_qr,
    trust_list_entries,
    trust_store,
)
from vaxcert.formats.divoc import encode_divoc, sign_divoc_credential
from vaxcert.formats.shc import encode_shc
from vaxcert.verification import InMemoryTrustStore, RevocationQuery, Revocations, verify_qr

NOW = datetime(2026, 12, 1, tzinfo=UTC)
VECTORS = all_vectors()
FORMATS = {"hc1": "HC1", "who": "WHO", "divoc": "DIVOC", "shc": "SHC", "icao": "ICAO"}


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_own_vectors_verify_and_tampered_ones_do_not(name: str) -> None:
    qr, expected = VECTORS[name]
    result = verify_qr(qr, trust_store(), at=NOW)
    assert (result.status, result.format) == (expected, FORMATS[name.split("-")[0]]), result.reason
    if expected == "VALID":
        assert result.valid and result.certificate is not None
        assert result.certificate.dateOfBirth == "1984-03-07"
        assert result.checks == {
            "signature": True,
            "expiry": True,
            "signerValidity": True,
            "notRevoked": None,
        }
    else:
        assert result.certificate is None  # nothing of an unverified certificate is disclosed


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_without_trusted_keys_every_vector_is_unknown_issuer(name: str) -> None:
    result = verify_qr(VECTORS[name][0], InMemoryTrustStore(), at=NOW)
    assert result.status == "UNKNOWN_ISSUER", result.reason
    assert result.format == FORMATS[name.split("-")[0]]


def test_minimal_disclosure_per_format() -> None:
    store = trust_store()
    divoc = verify_qr(VECTORS["divoc-ed25519"][0], store, at=NOW).to_json_dict()
    assert divoc["certificate"] == {
        "name": "Marcia Campbell",
        "dateOfBirth": "1984-03-07",
        "hcid": "891244125",
        "vaccine": "Pfizer",
        "dose": 2,
        "totalDoses": 2,
        "date": "2021-12-14",
        "country": "JAM",
    }
    assert (divoc["issuer"], divoc["kid"]) == ("https://www.moh.gov.jm", "did:jamaica")
    shc = verify_qr(shc_qr(), store, at=NOW).to_json_dict()
    assert shc["certificate"]["name"] == "Marcia Campbell" and shc["certificate"]["dose"] == 2
    assert (shc["issuer"], shc["kid"]) == (SHC_ISSUER, shc_jwk()["kid"])
    icao = verify_qr(icao_seal(), store, at=NOW).to_json_dict()
    assert icao["certificate"]["hcid"] == "JM0000001234" and icao["certificate"]["date"] == "2022-01-04"
    assert icao["issuer"] == "JAM"


def test_shc_key_is_looked_up_by_issuer_and_kid() -> None:
    other_issuer = [
        {**e, "issuer": "https://other.example/issuer"} if e["framework"] == "shc" else e
        for e in trust_list_entries()
    ]
    store = InMemoryTrustStore.from_trust_list({"certificates": other_issuer})
    assert verify_qr(shc_qr(), store, at=NOW).status == "UNKNOWN_ISSUER"
    # A trailing slash on either side is the same issuer.
    slashed = [
        {**e, "issuer": SHC_ISSUER + "/"} if e["framework"] == "shc" else e for e in trust_list_entries()
    ]
    store = InMemoryTrustStore.from_trust_list({"certificates": slashed})
    assert verify_qr(shc_qr(), store, at=NOW).status == "VALID"


def test_shc_signed_by_another_key_with_our_kid_is_signature_invalid() -> None:
    from tests import vectors

    forged = vectors.shc_jws(shc_payload(), ec.generate_private_key(ec.SECP256R1()))
    header = vectors.shc_jws().split(".")[0]
    _, body, signature = forged.split(".")
    (qr,) = encode_shc(f"{header}.{body}.{signature}")
    assert verify_qr(qr, trust_store(), at=NOW).status == "SIGNATURE_INVALID"


def test_shc_chunks_in_any_order_and_a_missing_chunk() -> None:
    chunks = shc_chunked_qrs()
    assert len(chunks) == 2 and chunks[0].startswith("shc:/1/2/")
    assert verify_qr(" ".join(reversed(chunks)), trust_store(), at=NOW).status == "VALID"
    missing = verify_qr(chunks[0], trust_store(), at=NOW)
    assert (missing.status, missing.format) == ("MALFORMED", "SHC")
    assert "1 of 2" in missing.reason


def test_shc_dates() -> None:
    expired = shc_qr({**shc_payload(), "exp": int(NOW.timestamp()) - 60})
    assert verify_qr(expired, trust_store(), at=NOW).status == "EXPIRED"
    future = shc_qr({**shc_payload(), "nbf": int(NOW.timestamp()) + 3600})
    assert verify_qr(future, trust_store(), at=NOW).status == "NOT_YET_VALID"


def test_divoc_dates_are_the_credential_own() -> None:
    key = divoc_ed25519_key()
    expiring = {**divoc_credential(), "expirationDate": "2025-12-31T00:00:00Z"}
    qr = encode_divoc(sign_divoc_credential(expiring, key, "did:jamaica"))
    assert verify_qr(qr, trust_store(), at=NOW).status == "EXPIRED"
    future = {**divoc_credential(), "issuanceDate": "2027-01-01T00:00:00Z"}
    qr = encode_divoc(sign_divoc_credential(future, key, "did:jamaica"))
    assert verify_qr(qr, trust_store(), at=NOW).status == "NOT_YET_VALID"
    # effectiveUntil is how long the vaccination protects, not the certificate's validity.
    old = divoc_vector(effective_until="2022-04-15").qr
    assert verify_qr(old, trust_store(), at=NOW).status == "VALID"


def test_divoc_did_not_trusted_is_unknown_issuer() -> None:
    key = divoc_ed25519_key()
    qr = encode_divoc(sign_divoc_credential(divoc_credential(), key, "did:elsewhere"))
    result = verify_qr(qr, trust_store(), at=NOW)
    assert result.status == "UNKNOWN_ISSUER" and "did:elsewhere" in result.reason


def test_icao_needs_a_csca_of_the_issuing_country() -> None:
    seal = icao_seal(data=icao_data(issuer="AUS"))
    result = verify_qr(seal, trust_store(), at=NOW)
    assert result.status == "UNKNOWN_ISSUER" and "AUS" in result.reason
    # Past the signer certificate's validity (2031): expired.
    assert verify_qr(icao_seal(), trust_store(), at=datetime(2032, 1, 1, tzinfo=UTC)).status == "EXPIRED"


def test_icao_issuing_state_codes() -> None:
    """Germany is "D" in Doc 9303: its seals verify with a German (DE) CSCA; an unknown code is an
    unknown issuer, not a malformed seal."""
    from cryptography.hazmat.primitives import hashes

    from tests.vectors import icao_authority
    from vaxcert.formats.cose import der_to_raw_ecdsa
    from vaxcert.formats.icao_vds import encode_seal
    from vaxcert.verification.trust_files import read_trust_file

    german = icao_authority("EC", "DE")
    store = InMemoryTrustStore(read_trust_file(german.csca_der, framework="icao"))
    for code in ("D", "D<<"):
        seal = encode_seal(
            icao_data(issuer=code),
            lambda m: der_to_raw_ecdsa(german.signer_key.sign(m, ec.ECDSA(hashes.SHA256()))),
            german.signer_der,
        )
        assert verify_qr(seal, store, at=NOW).status == "VALID", code
    unknown = verify_qr(icao_seal(data=icao_data(issuer="XYZ")), trust_store(), at=NOW)
    assert (unknown.status, unknown.format) == ("UNKNOWN_ISSUER", "ICAO")


def test_icao_signer_certificate_trusted_on_its_own() -> None:
    """As WHO's validator allows: a trusted key that is the signer's own (its certificate) verifies."""
    from tests.vectors import icao_authority
    from vaxcert.verification.trust_files import read_trust_file

    store = InMemoryTrustStore(read_trust_file(icao_authority("EC").signer_der, framework="icao"))
    assert verify_qr(icao_seal(), store, at=NOW).status == "VALID"


def test_icao_malformed_seals() -> None:
    seal = json.loads(icao_seal())
    seal["sig"]["alg"] = "RS256"
    result = verify_qr(json.dumps(seal), trust_store(), at=NOW)
    assert (result.status, result.format) == ("MALFORMED", "ICAO")
    broken = copy.deepcopy(json.loads(icao_seal()))
    broken["sig"]["cer"] = "AAAA"
    assert verify_qr(json.dumps(broken), trust_store(), at=NOW).status == "MALFORMED"


class _Revoked:
    def __init__(self, fmt: str, identifier: str) -> None:
        self.fmt, self.identifier = fmt, identifier
        self.asked: list[RevocationQuery] = []

    def revoked(self, query: RevocationQuery) -> str | None:
        self.asked.append(query)
        match = (query.format, query.identifier) == (self.fmt, self.identifier)
        return "certificate has been revoked by its issuer" if match else None


@pytest.mark.parametrize(
    ("qr", "fmt", "identifier"),
    [
        (shc_qr(shc_payload(rid="r1d-0001")), "SHC", "r1d-0001"),
        (VECTORS["divoc-rsa"][0], "DIVOC", "891244125"),
        (icao_seal(), "ICAO", "JM0000001234"),
    ],
)
def test_revocation_applies_to_every_format(qr: str, fmt: str, identifier: str) -> None:
    source = _Revoked(fmt, identifier)
    result = verify_qr(qr, trust_store(), at=NOW, revocation=Revocations(source))
    assert result.status == "REVOKED" and result.reason == "certificate has been revoked by its issuer"
    assert result.checks and result.checks["notRevoked"] is False
    other = verify_qr(qr, trust_store(), at=NOW, revocation=_Revoked(fmt, "someone else"))
    assert other.status == "VALID"
    assert source.asked[0].kid is not None


def test_divoc_credential_too_complex_to_canonicalise_is_refused_quickly() -> None:
    """URDNA2015 is exponential on graphs of look-alike blank nodes: a bounded budget refuses them."""
    import time

    from vaxcert.formats.divoc import decode_divoc

    signed = decode_divoc(VECTORS["divoc-ed25519"][0])
    look_alike = {"type": ["Vaccination"], "verifier": {"name": "A"}, "facility": {"address": {"c": "J"}}}
    signed["evidence"] = [copy.deepcopy(look_alike) for _ in range(100)]
    started = time.perf_counter()
    result = verify_qr(encode_divoc(signed), trust_store(), at=NOW)
    assert (result.status, result.format) == ("MALFORMED", "DIVOC")
    assert "too complex" in result.reason
    assert time.perf_counter() - started < 10


def test_divoc_keys_bound_to_an_issuer_only_verify_that_issuer() -> None:
    """DIVOC's default DID did:india is used by several deployments: a key imported with --issuer only
    answers for credentials of that issuer."""
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from tests.vectors import public_pem
    from vaxcert.verification.trust_files import read_trust_file

    jamaica, india = divoc_ed25519_key(), ed25519.Ed25519PrivateKey.generate()
    keys = [
        *read_trust_file(
            public_pem(jamaica).encode(),
            framework="divoc",
            key_id="did:india",
            issuer="https://www.moh.gov.jm",
        ),
        *read_trust_file(
            public_pem(india).encode(), framework="divoc", key_id="did:india", issuer="https://cowin.gov.in/"
        ),
    ]
    store = InMemoryTrustStore(keys)
    ours = encode_divoc(sign_divoc_credential(divoc_credential(), jamaica, "did:india"))
    assert verify_qr(ours, store, at=NOW).status == "VALID"
    indian = {**divoc_credential(), "issuer": "https://cowin.gov.in/"}
    assert (
        verify_qr(encode_divoc(sign_divoc_credential(indian, india, "did:india")), store, at=NOW).status
        == "VALID"
    )
    # India's key signing a credential that claims to be Jamaica's: only Jamaica's key may answer for it.
    forged = encode_divoc(sign_divoc_credential(divoc_credential(), india, "did:india"))
    assert verify_qr(forged, store, at=NOW).status == "SIGNATURE_INVALID"
    # A credential of an issuer no key is bound to, under a DID whose keys are all bound: unknown issuer.
    other = {**divoc_credential(), "issuer": "https://elsewhere.example"}
    result = verify_qr(encode_divoc(sign_divoc_credential(other, india, "did:india")), store, at=NOW)
    assert result.status == "UNKNOWN_ISSUER"


def test_divoc_key_listed_with_a_fragment_answers_the_bare_did() -> None:
    from tests.vectors import public_pem
    from vaxcert.verification.trust_files import read_trust_file

    keys = read_trust_file(
        public_pem(divoc_ed25519_key()).encode(), framework="divoc", key_id="did:jamaica#key-1"
    )
    store = InMemoryTrustStore(keys)
    assert verify_qr(divoc_vector().qr, store, at=NOW).status == "VALID"  # proof names did:jamaica
    exact = encode_divoc(sign_divoc_credential(divoc_credential(), divoc_ed25519_key(), "did:jamaica#key-1"))
    assert verify_qr(exact, store, at=NOW).status == "VALID"
    other = encode_divoc(sign_divoc_credential(divoc_credential(), divoc_ed25519_key(), "did:jamaica#key-2"))
    assert verify_qr(other, store, at=NOW).status == "UNKNOWN_ISSUER"

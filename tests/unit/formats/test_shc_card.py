"""SMART Health Card issuance (formats/shc_card): JWS, kid, DEFLATE, FHIR content, QR, rid, CRL."""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from datetime import UTC, date, datetime

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from tests.factories import EXAMPLE_HCID, example_record
from tests.signing import es256_signer
from vaxcert.formats import shc_card
from vaxcert.formats.shc import decode_shc

KEY = ec.generate_private_key(ec.SECP256R1())
ISS = "https://vaxcert.example/shc"
ISSUED = datetime(2021, 12, 14, 15, 2, 11, tzinfo=UTC)


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _card(**overrides: dict) -> str:
    jwk = shc_card.issuer_jwk(KEY.public_key())
    return shc_card.issue_card(
        example_record(**overrides),
        iss=ISS,
        kid=jwk["kid"],
        cvx="208",
        issued_at=ISSUED,
        sign=es256_signer(KEY),
    )


def test_jws_header_signature_and_deflated_payload() -> None:
    jws = _card()
    header_b64, payload_b64, signature_b64 = jws.split(".")
    header = json.loads(_b64(header_b64))
    assert header == {"alg": "ES256", "zip": "DEF", "kid": shc_card.issuer_jwk(KEY.public_key())["kid"]}
    signature = _b64(signature_b64)
    assert len(signature) == 64
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    KEY.public_key().verify(der, f"{header_b64}.{payload_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    payload = json.loads(zlib.decompress(_b64(payload_b64), -15))  # raw DEFLATE, no zlib header
    assert payload["iss"] == ISS
    assert payload["nbf"] == int(ISSUED.timestamp())
    assert "https://smarthealth.cards#health-card" in payload["vc"]["type"]
    assert payload["vc"]["credentialSubject"]["fhirVersion"] == "4.0.1"


def test_kid_is_the_rfc7638_thumbprint() -> None:
    jwk = shc_card.public_jwk(KEY.public_key())
    canonical = '{"crv":"P-256","kty":"EC","x":"' + jwk["x"] + '","y":"' + jwk["y"] + '"}'
    expected = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()
    assert shc_card.thumbprint(jwk) == expected
    published = shc_card.issuer_jwk(KEY.public_key(), crl_version=3)
    assert published == {**jwk, "kid": expected, "use": "sig", "alg": "ES256", "crlVersion": 3}


def test_fhir_bundle_is_minified_patient_and_immunization() -> None:
    record = example_record(person={"given_name": "Marcia Ann"}, vaccination={"dose": 2})
    bundle = shc_card.fhir_bundle(record, cvx="208")
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    (patient_entry, immunization_entry) = bundle["entry"]
    assert patient_entry == {
        "fullUrl": "resource:0",
        "resource": {
            "resourceType": "Patient",
            "name": [{"family": "Campbell", "given": ["Marcia", "Ann"]}],
            "birthDate": "1984-03-07",
        },
    }
    immunization = immunization_entry["resource"]
    assert immunization_entry["fullUrl"] == "resource:1"
    assert immunization["status"] == "completed"
    assert immunization["vaccineCode"]["coding"] == [
        {"system": "http://hl7.org/fhir/sid/cvx", "code": "208"},
        {"system": "http://id.who.int/icd11/mms", "code": "XM8NQ0"},
    ]
    assert immunization["patient"] == {"reference": "resource:0"}
    assert immunization["occurrenceDateTime"] == "2021-12-14"
    assert immunization["lotNumber"] == "FK5127"
    assert immunization["performer"] == [{"actor": {"display": "St. Jago Park Health Centre"}}]
    assert immunization["protocolApplied"] == [{"doseNumberPositiveInt": 2}]
    text = json.dumps(bundle)
    for forbidden in ('"id"', '"meta"', '"text"', '"display": "Comirnaty"'):
        assert forbidden not in text


def test_unknown_cvx_is_the_unspecified_covid_vaccine_and_no_centre_no_performer() -> None:
    bundle = shc_card.fhir_bundle(example_record(vaccination={"centre": None}), cvx=None)
    immunization = bundle["entry"][1]["resource"]
    assert immunization["vaccineCode"]["coding"][0]["code"] == "213"
    assert "performer" not in immunization


def test_qr_text_is_one_numeric_chunk_within_version_22() -> None:
    jws = _card()
    text = shc_card.qr_text(jws)
    assert text.startswith("shc:/") and text[5:].isdigit() and len(text) == 5 + 2 * len(jws)
    assert shc_card.qr_version(text) <= 22
    card = decode_shc(text)  # the verification side's decoder reads it back
    assert card.header["kid"] == shc_card.issuer_jwk(KEY.public_key())["kid"]
    assert card.payload["vc"]["rid"] == shc_card.rid_for(EXAMPLE_HCID)


def test_qr_scans_back_to_the_text() -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    import io

    from PIL import Image

    text = shc_card.qr_text(_card())
    png = io.BytesIO()
    shc_card.qr_code(text).save(png, kind="png", scale=4, border=4)
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.getvalue())).convert("L"))
    assert [r.text for r in found] == [text]


def test_too_long_card_is_refused_not_chunked() -> None:
    with pytest.raises(ValueError, match="one QR chunk"):
        shc_card.qr_text("a" * 1196)


def test_rid_is_short_opaque_and_per_certificate() -> None:
    rid = shc_card.rid_for(EXAMPLE_HCID)
    assert rid == shc_card.rid_for(EXAMPLE_HCID)
    assert rid != shc_card.rid_for("7Q2K9M4XHD3R8T6WB1ND")
    assert len(rid) <= 24 and "." not in rid and "=" not in rid
    assert EXAMPLE_HCID not in rid


def test_crl_counter_rises_with_every_revocation() -> None:
    empty = shc_card.crl_document("kid1", [])
    assert empty == {"kid": "kid1", "method": "rid", "ctr": 1, "rids": []}
    two = shc_card.crl_document("kid1", ["b", "a", "a"])
    assert two == {"kid": "kid1", "method": "rid", "ctr": 3, "rids": ["a", "b"]}


def test_iss_must_not_end_with_a_slash() -> None:
    with pytest.raises(ValueError):
        shc_card.card_payload(example_record(), iss=ISS + "/", cvx="208", issued_at=ISSUED)


def test_non_ascii_names_survive() -> None:
    person = {"given_name": "Zoë", "family_name": "O'Brien-Campbell", "birth_date": date(1990, 1, 2)}
    jws = _card(person=person)
    payload = json.loads(zlib.decompress(_b64(jws.split(".")[1]), -15))
    patient = payload["vc"]["credentialSubject"]["fhirBundle"]["entry"][0]["resource"]
    assert patient["name"] == [{"family": "O'Brien-Campbell", "given": ["Zoë"]}]


def test_longest_fields_still_fit_one_qr_chunk() -> None:
    import random
    import string

    rng = random.Random(4)

    def noise(n: int) -> str:  # incompressible: the worst case for DEFLATE
        return "".join(rng.choice(string.ascii_letters) for _ in range(n))

    record = example_record(
        person={"given_name": noise(80), "family_name": noise(80)},
        vaccination={"centre": noise(120), "lot": noise(60)},
    )
    long_iss = "https://vaxcert.moh.gov.jm.example-ministry-of-health-and-wellness.org/shc"
    jwk = shc_card.issuer_jwk(KEY.public_key())
    jws = shc_card.issue_card(
        record, iss=long_iss, kid=jwk["kid"], cvx="208", issued_at=ISSUED, sign=es256_signer(KEY)
    )
    assert len(jws) <= shc_card.MAX_SINGLE_CHUNK_JWS
    assert shc_card.qr_version(shc_card.qr_text(jws)) <= 22
    assert shc_card.qr_text_if_one_chunk("a" * 1196) is None

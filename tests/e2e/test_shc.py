"""SMART Health Cards end to end over the local stack, checked the way an outside wallet or verifier would:
with the specification and the JWKS fetched from the card's own `iss`, importing no vaxcert code.

ingest -> citizen download of the `.smart-health-card` file -> signature (ES256 over the JWS), kid =
RFC 7638 thumbprint, raw DEFLATE, FHIR content against the CommCare form -> `shcQr` is the same JWS ->
`/v1/verify` VALID -> admin revocation -> REVOKED, and the key's CRL lists the card's rid.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import urllib.request
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e

CVX = {"comirnaty": "208", "spikevax": "207", "vaxzevria": "210", "janssen": "212"}


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _get_json(url: str) -> tuple[dict[str, str], Any]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return dict(response.headers.items()), json.loads(response.read())


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _citizen_token(stack: LocalStack, local: str, e164: str) -> str:
    assert stack.request("POST", "/v1/citizen/otp", {"mobile": local}).status == 202
    sms = stack.wait_for(lambda: [m for m in stack.sms() if m["to"] == e164 and "login code" in m["message"]])
    code = sms[-1]["message"].split("login code is ")[1][:6]
    response = stack.request("POST", "/v1/citizen/session", {"mobile": local, "otp": code})
    assert response.status == 200, response.body
    return str(response.json()["token"])


def _staff_token(stack: LocalStack, role: str) -> str:
    response = stack.request("POST", "/v1/staff/session", dict(stack.credentials[role]))
    assert response.status == 200, response.body
    return str(response.json()["token"])


def _verify_card(jws: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Per the specification only: (header, payload, the issuer's JWK); raises when anything fails."""
    header_b64, payload_b64, signature_b64 = jws.split(".")
    header = json.loads(_b64(header_b64))
    assert header["alg"] == "ES256" and header["zip"] == "DEF"
    payload = json.loads(zlib.decompress(_b64(payload_b64), wbits=-15))  # raw DEFLATE
    iss = payload["iss"]
    assert not iss.endswith("/")
    headers, jwks = _get_json(iss + "/.well-known/jwks.json")
    assert headers.get("Access-Control-Allow-Origin") == "*"
    [jwk] = [k for k in jwks["keys"] if k["kid"] == header["kid"]]
    assert (jwk["kty"], jwk["crv"], jwk["use"], jwk["alg"]) == ("EC", "P-256", "sig", "ES256")
    # RFC 7638: the required members in lexicographic order, no whitespace.
    canonical = json.dumps({m: jwk[m] for m in ("crv", "kty", "x", "y")}, separators=(",", ":"))
    assert (
        base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()
        == jwk["kid"]
    )
    public = ec.EllipticCurvePublicNumbers(
        int.from_bytes(_b64(jwk["x"]), "big"), int.from_bytes(_b64(jwk["y"]), "big"), ec.SECP256R1()
    ).public_key()
    raw = _b64(signature_b64)
    assert len(raw) == 64
    signature = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(signature, f"{header_b64}.{payload_b64}".encode("ascii"), ec.ECDSA(hashes.SHA256()))
    return header, payload, jwk


def _jws_of_qr(text: str) -> str:
    assert text.startswith("shc:/")
    digits = text[len("shc:/") :]
    assert digits.isdigit() and "/" not in digits  # one chunk
    return "".join(chr(int(digits[i : i + 2]) + 45) for i in range(0, len(digits), 2))


def test_card_verifies_with_the_spec_alone_then_revocation_lists_its_rid(
    stack: LocalStack, new_form: Callable[..., dict[str, Any]]
) -> None:
    local = f"876-6{random.randint(10, 99)}-{random.randint(0, 9999):04d}"
    e164 = "+1" + local.replace("-", "")
    form = new_form(
        mobile_number=local, first_name="Keisha Ann", last_name=f"Spence{random.randint(100, 999)}"
    )
    assert stack.ingest(form).status == 202
    stack.wait_for(lambda: [m for m in stack.sms() if m["to"] == e164])
    citizen = _bearer(_citizen_token(stack, local, e164))
    [row] = stack.request("GET", "/v1/citizen/certificates", headers=citizen).json()["certificates"]
    hcid = row["hcid"]
    assert row["qr"].startswith("HC1:")  # existing fields stay

    # The wallet file.
    response = stack.request("GET", f"/v1/citizen/certificates/{hcid}/shc", headers=citizen)
    assert response.status == 200, response.body
    assert response.headers["Content-Type"] == "application/smart-health-card"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{hcid}.smart-health-card"'
    body = response.json()
    assert list(body) == ["verifiableCredential"]
    [jws] = body["verifiableCredential"]

    header, payload, jwk = _verify_card(jws)
    assert payload["iss"].startswith(stack.api)
    assert isinstance(payload["nbf"], int)
    vc = payload["vc"]
    assert "https://smarthealth.cards#health-card" in vc["type"]
    assert vc["credentialSubject"]["fhirVersion"] == "4.0.1"
    rid = vc["rid"]
    assert 0 < len(rid) <= 24 and "." not in rid

    # FHIR content against the form.
    bundle = vc["credentialSubject"]["fhirBundle"]
    assert (bundle["resourceType"], bundle["type"]) == ("Bundle", "collection")
    resources = [e["resource"] for e in bundle["entry"]]
    assert [e["fullUrl"] for e in bundle["entry"]] == [f"resource:{i}" for i in range(len(resources))]
    [patient] = [r for r in resources if r["resourceType"] == "Patient"]
    recipient, vaccination = form["form"]["recipient"], form["form"]["vaccination"]
    assert patient["name"] == [{"family": recipient["last_name"], "given": recipient["first_name"].split()}]
    assert patient["birthDate"] == recipient["date_of_birth"]
    [immunization] = [r for r in resources if r["resourceType"] == "Immunization"]
    assert immunization["status"] == "completed"
    codings = {c["system"]: c["code"] for c in immunization["vaccineCode"]["coding"]}
    assert codings["http://hl7.org/fhir/sid/cvx"] == CVX[vaccination["vaccine_brand"]]
    assert codings["http://id.who.int/icd11/mms"] == "XM8NQ0"
    assert immunization["patient"] == {"reference": "resource:0"}
    assert immunization["occurrenceDateTime"] == vaccination["vaccination_date"]
    assert immunization["lotNumber"] == vaccination["lot_number"]
    assert immunization["performer"][0]["actor"]["display"] == vaccination["facility_name"]
    for resource in resources:  # minified per the specification
        assert not {"id", "meta", "text"} & set(resource)

    # The QR text of the list row is the same JWS, in one numeric chunk.
    assert _jws_of_qr(row["shcQr"]) == jws

    # Staff get the same file; someone else's or an unknown certificate is 404, no token 401.
    staff = _bearer(_staff_token(stack, "facility"))
    response = stack.request("GET", f"/v1/facility/certificates/{hcid}/shc", headers=staff)
    assert response.status == 200 and response.json() == body
    assert response.headers["Content-Type"] == "application/smart-health-card"
    unknown = "0000000000000000XXXX"
    assert stack.request("GET", f"/v1/citizen/certificates/{unknown}/shc", headers=citizen).status == 404
    assert stack.request("GET", f"/v1/facility/certificates/{unknown}/shc", headers=staff).status == 404
    assert stack.request("GET", f"/v1/citizen/certificates/{hcid}/shc").status == 401
    assert stack.request("GET", f"/v1/facility/certificates/{hcid}/shc").status == 401

    # The trust list offline verifiers read names the same key under our iss.
    listed = stack.request("GET", "/v1/trust-list").json()["certificates"]
    [entry] = [e for e in listed if e.get("framework") == "shc" and e["kid"] == header["kid"]]
    assert entry["issuer"] == payload["iss"]
    assert (entry["jwk"]["x"], entry["jwk"]["y"]) == (jwk["x"], jwk["y"])

    # Verified online: VALID for the card.
    verdict = stack.request("POST", "/v1/verify", {"qr": row["shcQr"]}).json()
    assert (verdict["status"], verdict["format"]) == ("VALID", "SHC"), verdict

    # Revoked by an admin: REVOKED, and the key's CRL lists the rid with a new version on the JWK.
    crl_url = f"{payload['iss']}/.well-known/crl/{header['kid']}.json"
    headers, before = _get_json(crl_url)
    assert headers.get("Access-Control-Allow-Origin") == "*"
    assert before["kid"] == header["kid"] and before["method"] == "rid"
    assert rid not in before["rids"] and before["ctr"] == jwk["crlVersion"]
    admin = _bearer(_staff_token(stack, "admin"))
    response = stack.request(
        "POST", f"/v1/admin/certificates/{hcid}/revoke", {"reason": "issued in error"}, admin
    )
    assert response.status == 200, response.body
    verdict = stack.request("POST", "/v1/verify", {"qr": row["shcQr"]}).json()
    assert verdict["status"] == "REVOKED", verdict
    _, after = _get_json(crl_url)
    assert rid in after["rids"] and after["ctr"] > before["ctr"]
    _, jwks = _get_json(payload["iss"] + "/.well-known/jwks.json")
    [published] = [k for k in jwks["keys"] if k["kid"] == header["kid"]]
    assert published["crlVersion"] == after["ctr"]
    # Nothing personal on the public list.
    text = json.dumps(after)
    for personal in (recipient["last_name"], recipient["date_of_birth"], hcid, local[-4:]):
        assert personal not in text


def test_unknown_crl_is_404_with_cors(stack: LocalStack) -> None:
    response = stack.request("GET", "/shc/.well-known/crl/not-a-key.json")
    assert response.status == 404 and response.headers.get("Access-Control-Allow-Origin") == "*"
    assert stack.request("GET", "/shc/.well-known/crl/whatever").status == 404

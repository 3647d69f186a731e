"""SMART Health Cards on the exactly-once issuance path (moto, handlers in-process): one card per
certificate version through redeliveries and crashes, re-issued with corrections and after key rotation,
published under the signing key's thumbprint, and the superseded card's rid on that key's CRL."""

from __future__ import annotations

import base64
import copy
import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from tests.conftest import EXAMPLE_FORM, require_shared
from tests.integration.conftest import Invoker


@pytest.fixture
def form() -> dict[str, Any]:
    return dict(json.loads(require_shared(EXAMPLE_FORM).read_text()))


def _ingest(invoke: Invoker, aws: dict[str, str], form: dict[str, Any]) -> None:
    key = boto3.client("secretsmanager").get_secret_value(SecretId=aws["INGEST_SECRET_ARN"])["SecretString"]
    status, _, body = invoke.http("POST", "/v1/ingest/commcare", form, {"X-Vaxcert-Key": key})
    assert status in (200, 202), body
    invoke.drain_issue_queue(aws["ISSUE_QUEUE_URL"])


def _items(aws: dict[str, str]) -> list[dict[str, Any]]:
    table = boto3.resource("dynamodb").Table(aws["CERTIFICATES_TABLE"])
    return sorted(table.scan(ConsistentRead=True)["Items"], key=lambda i: int(i["version"]))


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _kid(jws: str) -> str:
    return str(json.loads(_b64(jws.split(".")[0]))["kid"])


def _rid(jws: str) -> str:
    import zlib

    return str(json.loads(zlib.decompress(_b64(jws.split(".")[1]), -15))["vc"]["rid"])


def _verifies(jws: str, jwks: dict[str, Any]) -> bool:
    [jwk] = [k for k in jwks["keys"] if k["kid"] == _kid(jws)]
    public = ec.EllipticCurvePublicNumbers(
        int.from_bytes(_b64(jwk["x"]), "big"), int.from_bytes(_b64(jwk["y"]), "big"), ec.SECP256R1()
    ).public_key()
    head, payload, signature = jws.split(".")
    raw = _b64(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(der, f"{head}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))
    return True


def _jwks(invoke: Invoker) -> dict[str, Any]:
    status, headers, body = invoke.http("GET", "/shc/.well-known/jwks.json")
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"
    return dict(body)


def test_one_card_per_certificate_through_redeliveries(aws, trust_material, invoke: Invoker, form) -> None:
    _ingest(invoke, aws, form)
    [item] = _items(aws)
    card = item["shc"]
    assert _verifies(card, _jwks(invoke))
    # CommCare delivers the form again and SQS the message again: the same card, not a second one.
    _ingest(invoke, aws, form)
    boto3.client("sqs").send_message(
        QueueUrl=aws["ISSUE_QUEUE_URL"], MessageBody=json.dumps({"eventId": form["id"], "revision": "0"})
    )
    invoke.drain_issue_queue(aws["ISSUE_QUEUE_URL"])
    [again] = _items(aws)
    assert again["shc"] == card


@pytest.mark.parametrize("crash_after_call", [1, 2])
def test_a_crash_after_signing_still_stores_one_verifiable_card(
    aws, trust_material, invoke: Invoker, form, monkeypatch, crash_after_call: int
) -> None:
    """KMS Sign call 1 is the HC1, call 2 the card: a crash after either re-signs both, one card is stored."""
    from vaxcert.signing.kms import KmsSigner

    original = KmsSigner.sign
    calls = {"n": 0}

    def crash(self: KmsSigner, message: bytes) -> bytes:
        result = original(self, message)
        calls["n"] += 1
        if calls["n"] == crash_after_call:
            raise RuntimeError("crash after signing")
        return result

    monkeypatch.setattr(KmsSigner, "sign", crash)
    _ingest(invoke, aws, form)
    [item] = _items(aws)
    assert calls["n"] > crash_after_call  # retried
    assert _verifies(item["shc"], _jwks(invoke))


def test_correction_reissues_the_card_and_the_old_rid_goes_on_the_crl(
    aws, trust_material, invoke: Invoker, form
) -> None:
    _ingest(invoke, aws, form)
    edited = copy.deepcopy(form)
    edited["edited_on"] = "2021-12-15T09:00:00.000000Z"
    edited["form"]["vaccination"]["lot_number"] = "FK5128"
    _ingest(invoke, aws, edited)
    old, new = _items(aws)
    assert (old["status"], new["status"]) == ("SUPERSEDED", "VALID")
    assert old["shc"] != new["shc"] and _rid(old["shc"]) != _rid(new["shc"])
    payload = json.loads(__import__("zlib").decompress(_b64(new["shc"].split(".")[1]), -15))
    immunization = payload["vc"]["credentialSubject"]["fhirBundle"]["entry"][1]["resource"]
    assert immunization["lotNumber"] == "FK5128"

    jwks = _jwks(invoke)
    assert _verifies(new["shc"], jwks)
    status, headers, crl = invoke.http("GET", f"/shc/.well-known/crl/{_kid(old['shc'])}.json")
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"
    assert crl["method"] == "rid" and crl["kid"] == _kid(old["shc"])
    assert _rid(old["shc"]) in crl["rids"] and _rid(new["shc"]) not in crl["rids"]
    [key] = [k for k in jwks["keys"] if k["kid"] == crl["kid"]]
    assert key["crlVersion"] == crl["ctr"] == 1 + len(crl["rids"])

    # /v1/verify: the corrected card VALID, the superseded one REVOKED (and says why).
    def verify(jws: str) -> dict[str, Any]:
        qr = "shc:/" + "".join(f"{ord(c) - 45:02d}" for c in jws)
        status, _, body = invoke.http("POST", "/v1/verify", {"qr": qr})
        assert status == 200
        return dict(body)

    assert verify(new["shc"])["status"] == "VALID"
    superseded = verify(old["shc"])
    assert superseded["status"] == "REVOKED" and "superseded" in superseded["reason"]


def test_after_key_rotation_new_cards_use_the_new_key_and_both_are_published(
    aws, trust_material, invoke: Invoker, form, monkeypatch
) -> None:
    from vaxcert.signing.trust_material import issue_dsc
    from vaxcert.store.trust import TrustRepository

    _ingest(invoke, aws, form)
    [first] = _items(aws)
    key = boto3.client("kms").create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    trust = TrustRepository()
    csca = trust.own_csca()
    assert csca is not None
    issue_dsc(trust, signing_key_id=key["KeyId"], csca=csca, country="JM", now=datetime.now(UTC), number=2)
    # Re-read the signing DSC now (deployed: within SIGNER_CACHE_S, 5 minutes).
    from vaxcert.runtime.issue import services

    monkeypatch.setattr(services().signer, "ttl_s", -1)

    later = copy.deepcopy(form)
    later["id"] = later["form"]["meta"]["instanceID"] = "7d2e3b0f-5c8e-4f1b-8d4c-3a9e62b8f012"
    _ingest(invoke, aws, later)
    second = next(i for i in _items(aws) if i["eventId"] == later["id"])
    assert _kid(second["shc"]) != _kid(first["shc"])
    jwks = _jwks(invoke)
    assert {_kid(first["shc"]), _kid(second["shc"])} <= {k["kid"] for k in jwks["keys"]}
    assert _verifies(first["shc"], jwks) and _verifies(second["shc"], jwks)


def test_backfill_signs_cards_for_certificates_issued_before_cards(
    aws, trust_material, invoke: Invoker, form, capsys
) -> None:
    import argparse

    from vaxcert.commands.shc import run_backfill

    _ingest(invoke, aws, form)
    [item] = _items(aws)
    table = boto3.resource("dynamodb").Table(aws["CERTIFICATES_TABLE"])
    table.update_item(Key={"hcid": item["hcid"]}, UpdateExpression="REMOVE shc")  # as issued before cards
    assert run_backfill(argparse.Namespace(local=None)) == 0
    [backfilled] = _items(aws)
    assert _kid(backfilled["shc"]) == _kid(item["shc"])  # the HC1's own DSC key signs it
    assert _rid(backfilled["shc"]) == _rid(item["shc"])
    assert _verifies(backfilled["shc"], _jwks(invoke))
    assert run_backfill(argparse.Namespace(local=None)) == 0  # idempotent
    assert _items(aws)[0]["shc"] == backfilled["shc"]
    assert "0 SMART Health Cards signed" in capsys.readouterr().out.splitlines()[-1]

"""Verify: public certificate verification and the published trust material (trust list, JWKS)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response

from vaxcert.errors import InvalidInput, Problem
from vaxcert.http.api import Api, json_response
from vaxcert.routes import SHC_ISSUER_PATH
from vaxcert.runtime.wiring import settings
from vaxcert.store.artefacts import S3Blobs
from vaxcert.store.aws import transient_on_aws_errors
from vaxcert.store.certificates import CertificateRepository
from vaxcert.store.revocation import RevocationListObjects
from vaxcert.store.trust import TrustRepository
from vaxcert.trust import shc_keys
from vaxcert.trust.configured import divoc_entries
from vaxcert.verification.engine import verify_qr
from vaxcert.verification.models import VerificationResult
from vaxcert.verification.own_cards import OwnCardRevocations
from vaxcert.verification.sources import LegacyRevocations, OwnRevocations, StoredTrustStore
from vaxcert.verification.trust import Revocations

logger = Logger(service="vaxcert-verify")
_settings = settings()
api = Api("verify")


def _configured_keys() -> list[Any]:
    """The ministry's DIVOC key from the deployment: verified with and published in the trust list.
    `cdk synth` refuses a bad value; should one reach here, verification of everything else goes on."""
    try:
        return divoc_entries(_settings.divoc_public_key, _settings.divoc_did or None, _settings.country)
    except ValueError as exc:
        logger.error("DIVOC_PUBLIC_KEY is not usable", extra={"problem": str(exc)})
        return []


_configured = _configured_keys()
_trust_entries = TrustRepository()
_certificates = CertificateRepository()
_trust = StoredTrustStore(_trust_entries, configured=_configured, own_card_issuer=_settings.shc_issuer)
# Our HC1 certificates by UCI, our SMART Health Cards by rid (both read live), and legacy DIVOC
# certificates migrated into vaxcert (by certificateId).
_revocations = Revocations(
    OwnRevocations(_settings.country, _certificates),
    OwnCardRevocations(_settings.shc_issuer, _certificates, _trust_entries),
    LegacyRevocations(_certificates),
)
# Public, cacheable documents: CloudFront and verifier apps may keep them for a few minutes.
PUBLIC_CACHE = {"Cache-Control": "public, max-age=300"}
# The revocation list changes within a minute of a revocation: short caches, here and downstream.
REVOCATION_CACHE = {"Cache-Control": "public, max-age=60"}
REVOCATION_READ_S = 30
_revocation_objects = RevocationListObjects(S3Blobs(_settings.artefacts_bucket))
_revocation_list: tuple[float, dict[str, Any] | None] | None = None


MAX_QR_CHARS = 16_384


def parse_request(body: Any) -> tuple[str, datetime | None]:
    """`{"qr": "<scanned text>", "at": "<optional ISO 8601>"}`; every problem named by field."""
    if not isinstance(body, dict):
        raise InvalidInput([Problem("body", "must be a JSON object with a qr field")])
    problems: list[Problem] = []
    qr = body.get("qr")
    if qr is None:
        problems.append(Problem("qr", "is required: the text read from the QR code"))
    elif not isinstance(qr, str):
        problems.append(Problem("qr", "must be a string: the text read from the QR code"))
    elif not qr.strip() or len(qr) > MAX_QR_CHARS:
        problems.append(Problem("qr", f"must be 1 to {MAX_QR_CHARS} characters"))
    at: datetime | None = None
    raw_at = body.get("at")
    if raw_at is not None:
        try:
            at = datetime.fromisoformat(raw_at) if isinstance(raw_at, str) else None
        except ValueError:
            at = None
        if at is None:
            problems.append(Problem("at", "must be an ISO 8601 date-time such as 2026-01-31T12:00:00Z"))
        elif at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
    if problems:
        raise InvalidInput(problems)
    return str(qr), at


@api.route("POST", "/v1/verify")
def verify() -> Response:
    qr, at = parse_request(api.json_body())
    result = _verify(qr, at or datetime.now(UTC))
    logger.info("verified", extra={"status": result.status, "format": result.format, "issuer": result.issuer})
    return json_response(200, result.to_json_dict())


@transient_on_aws_errors
def _verify(qr: str, at: datetime) -> VerificationResult:
    return verify_qr(qr, _trust, at=at, revocation=_revocations)


@api.route("GET", "/v1/trust-list")
def trust_list() -> Response:
    from vaxcert.trust.jwks import trust_list_document  # the trust list is fetched rarely: import on use

    active = _active()
    # Our own SMART Health Card keys too (our DSCs' keys under our iss), for offline verifiers.
    own_cards = shc_keys.card_trust_entries(active, _settings.shc_issuer)
    return json_response(200, trust_list_document([*active, *own_cards]), PUBLIC_CACHE)


@api.route("GET", "/.well-known/jwks.json")
def jwks() -> Response:
    from vaxcert.trust.jwks import jwks_document

    return json_response(200, jwks_document(_active()), PUBLIC_CACHE)


# The SMART Health Cards specification: the issuer's keys must be readable from any web page.
SHC_HEADERS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=60"}


@api.route("GET", f"{SHC_ISSUER_PATH}/.well-known/jwks.json")
def shc_jwks() -> Response:
    keys, rids = _card_keys_and_rids()
    return json_response(200, shc_keys.jwks_document(keys, rids), SHC_HEADERS)


@api.route("GET", f"{SHC_ISSUER_PATH}/.well-known/crl/{{file}}")
def shc_crl(file: str) -> Response:
    kid = file[: -len(".json")] if file.endswith(".json") else ""
    document = None
    if kid:
        keys, rids = _card_keys_and_rids()
        document = shc_keys.crl_for(kid, keys, rids)
    if document is None:
        return json_response(404, {"message": "no revocation list for this key"}, SHC_HEADERS)
    return json_response(200, document, SHC_HEADERS)


@transient_on_aws_errors
def _card_keys_and_rids() -> tuple[list[shc_keys.CardKey], dict[str, list[str]]]:
    """Read live (one trust scan, one sparse-index query): a revocation shows on the CRL at once;
    CloudFront and verifiers cache the documents for a minute."""
    keys = shc_keys.card_keys(TrustRepository().all())
    return keys, shc_keys.revoked_rids(keys, CertificateRepository().revoked_cards())


@api.route("GET", "/v1/revocation-list")
def revocation_list() -> Response:
    document = _latest_revocation_list()
    if document is None:
        return json_response(404, {"message": "no revocation list has been published yet"}, REVOCATION_CACHE)
    return json_response(200, document, REVOCATION_CACHE)


@api.route("GET", "/v1/openapi.json")
def openapi() -> Response:
    global _openapi
    if _openapi is None:  # built once per environment: it only changes with a deployment
        # Imported here: it loads every endpoint's models (~100 ms), too much for every cold start.
        from vaxcert.http.openapi import openapi_document

        _openapi = openapi_document(_settings.ingest_header)
    return json_response(200, _openapi, PUBLIC_CACHE)


_openapi: dict[str, Any] | None = None


def _latest_revocation_list() -> dict[str, Any] | None:
    global _revocation_list
    if _revocation_list is None or time.monotonic() - _revocation_list[0] > REVOCATION_READ_S:
        _revocation_list = (time.monotonic(), _revocation_objects.latest())
    return _revocation_list[1]


@transient_on_aws_errors
def _active() -> list[Any]:
    stored = TrustRepository().active()
    keys = {e.item_key for e in stored}
    return [*stored, *(e for e in _configured if e.item_key not in keys)]


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return api.handler(event, context)

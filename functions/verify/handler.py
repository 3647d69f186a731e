"""Verify: public certificate verification and the published trust material (trust list, JWKS)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response

from vaxcert.http.api import Api, NotPublished, json_response
from vaxcert.http.models.verify import VerifyRequest
from vaxcert.routes import SHC_ISSUER_PATH
from vaxcert.runtime.verify import services
from vaxcert.store.aws import transient_on_aws_errors
from vaxcert.trust import shc_keys
from vaxcert.types.trust import TrustEntry
from vaxcert.verification.engine import verify_qr
from vaxcert.verification.models import VerificationResult

logger = Logger(service="vaxcert-verify")
api = Api("verify")

# Public, cacheable documents: CloudFront and verifier apps may keep them for a few minutes.
PUBLIC_CACHE = {"Cache-Control": "public, max-age=300"}
# The revocation list changes within a minute of a revocation: short caches, here and downstream.
REVOCATION_CACHE = {"Cache-Control": "public, max-age=60"}
# The SMART Health Cards specification: the issuer's keys must be readable from any web page.
SHC_HEADERS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=60"}


@api.route("POST", "/v1/verify", body=VerifyRequest)
def verify() -> Response:
    request = api.body(VerifyRequest)
    result = _verify(request.qr, request.at or datetime.now(UTC))
    logger.info("verified", extra={"status": result.status, "format": result.format, "issuer": result.issuer})
    return json_response(200, result)


@transient_on_aws_errors
def _verify(qr: str, at: datetime) -> VerificationResult:
    s = services()
    return verify_qr(qr, s.trust, at=at, revocation=s.revocations, catalogue=s.catalogue)


@api.route("GET", "/v1/trust-list")
def trust_list() -> Response:
    # The trust list is fetched rarely: its code and models are imported on use.
    from vaxcert.http.models.published import TrustList
    from vaxcert.trust.jwks import trust_list_document

    active = _active()
    # Our own SMART Health Card keys too (our DSCs' keys under our iss), for offline verifiers.
    own_cards = shc_keys.card_trust_entries(active, services().shc_issuer)
    document = TrustList.model_validate(trust_list_document([*active, *own_cards]))
    return json_response(200, document, PUBLIC_CACHE, exclude_unset=True)


@api.route("GET", "/.well-known/jwks.json")
def jwks() -> Response:
    from vaxcert.http.models.published import Jwks
    from vaxcert.trust.jwks import jwks_document

    return json_response(200, Jwks.model_validate(jwks_document(_active())), PUBLIC_CACHE, exclude_unset=True)


@api.route("GET", f"{SHC_ISSUER_PATH}/.well-known/jwks.json")
def shc_jwks() -> Response:
    from vaxcert.http.models.published import CardJwks

    keys, rids = _card_keys_and_rids()
    document = CardJwks.model_validate(shc_keys.jwks_document(keys, rids))
    return json_response(200, document, SHC_HEADERS, exclude_unset=True)


@api.route("GET", f"{SHC_ISSUER_PATH}/.well-known/crl/{{file}}")
def shc_crl(file: str) -> Response:
    from vaxcert.http.models.published import CardCrl

    kid = file[: -len(".json")] if file.endswith(".json") else ""
    document = None
    if kid:
        keys, rids = _card_keys_and_rids()
        document = shc_keys.crl_for(kid, keys, rids)
    if document is None:
        raise NotPublished("no revocation list for this key", SHC_HEADERS)
    return json_response(200, CardCrl.model_validate(document), SHC_HEADERS, exclude_unset=True)


@transient_on_aws_errors
def _card_keys_and_rids() -> tuple[list[shc_keys.CardKey], dict[str, list[str]]]:
    """Read live (one trust scan, one sparse-index query): a revocation shows on the CRL at once;
    CloudFront and verifiers cache the documents for a minute."""
    s = services()
    keys = shc_keys.card_keys(s.trust_entries.all())
    return keys, shc_keys.revoked_rids(keys, s.certificates.revoked_cards())


@api.route("GET", "/v1/revocation-list")
def revocation_list() -> Response:
    document = services().revocation_list.get()
    if document is None:
        raise NotPublished("no revocation list has been published yet", REVOCATION_CACHE)
    return json_response(200, document, REVOCATION_CACHE, exclude_unset=True)


@api.route("GET", "/v1/openapi.json")
def openapi() -> Response:
    return json_response(200, services().openapi.get(), PUBLIC_CACHE, exclude_unset=True)


@transient_on_aws_errors
def _active() -> list[TrustEntry]:
    s = services()
    stored = s.trust_entries.active()
    keys = {e.item_key for e in stored}
    return [*stored, *(e for e in s.configured if e.item_key not in keys)]


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return api.handler(event, context)

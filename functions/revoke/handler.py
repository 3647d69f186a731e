"""Revoke: certificate lifecycle (corrections, revocation: to come) and the admin audit trail query."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response

from vaxcert.audit.trail import Action, AuditTrail, RequestInfo
from vaxcert.citizen.otp import OtpHasher
from vaxcert.errors import InvalidInput, Problem
from vaxcert.http.api import Api, json_response
from vaxcert.http.auth import SecretValue, token_authenticator
from vaxcert.http.cognito import CognitoIdTokens, Jwks, jwks_url, pool_issuer
from vaxcert.resources import ADMIN_GROUP
from vaxcert.routes import Auth
from vaxcert.runtime.wiring import settings
from vaxcert.sources.phone import InvalidMobile, normalise_mobile
from vaxcert.store.audit import DynamoAuditStore

logger = Logger(service="vaxcert-revoke")
_settings = settings()
_id_tokens = CognitoIdTokens(
    Jwks(jwks_url(_settings.region, _settings.user_pool_id)),
    issuer=pool_issuer(_settings.region, _settings.user_pool_id),
    client_id=_settings.user_pool_client_id,
)
_pepper = SecretValue(_settings.otp_pepper_secret_arn)
_audit = AuditTrail(DynamoAuditStore())

api = Api("revoke", {Auth.ADMIN: token_authenticator(_id_tokens.verify, frozenset({ADMIN_GROUP}))})

DEFAULT_LIMIT = 100
MAX_LIMIT = 500


def _request() -> RequestInfo:
    event = api.app.current_event
    identity = event.request_context.identity
    user_agent = identity.user_agent or (event.headers or {}).get("User-Agent")
    return RequestInfo(source_ip=identity.source_ip, user_agent=user_agent)


def _limit(raw: str | None) -> int:
    if not raw:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise InvalidInput([Problem("limit", f"must be a number from 1 to {MAX_LIMIT}")])
    return int(raw)


@api.route("GET", "/v1/admin/audit")
def audit_entries() -> Response:
    params = api.app.current_event.query_string_parameters or {}
    hcid = (params.get("hcid") or "").strip()
    actor = (params.get("actor") or "").strip()
    mobile = (params.get("mobile") or "").strip()
    limit = _limit(params.get("limit"))
    if sum(bool(v) for v in (hcid, actor, mobile)) != 1:
        raise InvalidInput([Problem("hcid", "give exactly one of hcid, actor or mobile")])
    query: dict[str, Any] = {}
    if hcid:
        query["hcid"] = hcid
    elif actor:
        query["actor"] = actor
    else:
        try:
            e164 = normalise_mobile(mobile)
        except InvalidMobile as exc:
            raise InvalidInput([Problem("mobile", str(exc))]) from None
        # Citizens are recorded under a keyed hash of their number (see vaxcert.audit.trail).
        actor = "citizen:" + OtpHasher(_pepper.get().encode()).ref(e164)
        query["mobile"] = e164
    _audit.record(api.principal.actor, Action.ADMIN_AUDIT, _request(), query=query)
    entries = _audit.find(hcid=hcid or None, actor=actor or None, limit=limit)
    logger.info("audit queried", extra={"count": len(entries)})
    return json_response(200, {"entries": [e.as_json() for e in entries]})


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return api.handler(event, context)

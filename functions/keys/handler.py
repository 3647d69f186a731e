"""Keys: the trust list's keys for ministry admins, and rotation / withdrawal from the admin page.

Its own function because rotating needs what no other function has: the CSCA key (to sign a DSC)
and kms:CreateKey for tagged document-signing keys. Every call is audited before it acts.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response

from vaxcert.audit.trail import Action, AuditTrail, Outcome, RequestInfo
from vaxcert.errors import Conflict, InvalidInput, NotFound, Problem
from vaxcert.http.api import Api, json_response
from vaxcert.http.auth import SecretValue, request_info, token_authenticator
from vaxcert.http.cognito import StaffAccounts, pool_id_tokens
from vaxcert.lifecycle.corrections import MAX_REASON
from vaxcert.resources import ADMIN_GROUP
from vaxcert.routes import Auth
from vaxcert.runtime.wiring import settings
from vaxcert.signing import rotation
from vaxcert.store.audit import DynamoAuditStore
from vaxcert.store.aws import client, transient_on_aws_errors
from vaxcert.store.trust import TrustRepository

logger = Logger(service="vaxcert-keys")
_settings = settings()
# As functions/revoke: a disabled or signed-out admin's ID token stops working at once.
_id_tokens = pool_id_tokens(
    _settings.region,
    _settings.user_pool_id,
    _settings.user_pool_client_id,
    accounts=StaffAccounts(_settings.user_pool_id, cache_s=_settings.staff_status_cache_s),
)
# See functions/download: CloudFront-Viewer-Address counts only with CloudFront's origin header.
_origin_secret = SecretValue(_settings.origin_secret_arn) if _settings.origin_secret_arn else None
_audit = AuditTrail(DynamoAuditStore())
_trust = TrustRepository()

api = Api("keys", {Auth.ADMIN: token_authenticator(_id_tokens.verify, frozenset({ADMIN_GROUP}))})


def _request() -> RequestInfo:
    return request_info(api.app.current_event, _origin_secret)


def _reason(required: bool) -> str | None:
    """The body `{"reason": "..."}` (a JSON object; nothing else in it)."""
    body = api.json_body()
    if not isinstance(body, dict):
        raise InvalidInput([Problem("body", 'must be a JSON object: {"reason": "..."}')])
    unknown = sorted(set(body) - {"reason"})
    if unknown:
        raise InvalidInput(
            [Problem(name, "is not a field of this request (only reason)") for name in unknown]
        )
    reason = body.get("reason")
    if reason is None and not required:
        return None
    if not isinstance(reason, str) or not reason.strip():
        why = "is required: why the key is withdrawn" if required else "must be text (or left out)"
        raise InvalidInput([Problem("reason", why)])
    if len(reason) > MAX_REASON:
        raise InvalidInput([Problem("reason", f"at most {MAX_REASON} characters")])
    return reason.strip()


@api.route("GET", "/v1/admin/keys")
def list_keys() -> Response:
    _audit.record(api.principal.actor, Action.ADMIN_KEYS, _request())
    entries = _call(_trust.all)
    order = {"CSCA": 0, "DSC": 1}
    entries.sort(key=lambda e: (e.origin != "OWN", order.get(e.certificate_type, 2), e.country, e.not_before))
    return json_response(200, {"keys": [rotation.describe(e) for e in entries]})


@api.route("POST", "/v1/admin/keys/rotate")
def rotate_key() -> Response:
    reason = _reason(required=False)
    now = datetime.now(UTC)
    entry, _key_id = _call(
        rotation.rotate,
        _trust,
        new_key=lambda: rotation.create_signing_key(client("kms"), _settings.stage, now),
        country=_settings.country,
        now=now,
    )
    query: dict[str, Any] = {"kid": entry.kid_b64}
    if reason:
        query["reason"] = reason
    _audit.record(api.principal.actor, Action.ADMIN_KEY_ROTATE, _request(), query=query)
    logger.info("signing key rotated", extra={"kid": entry.kid_b64})
    return json_response(201, {"key": rotation.describe(entry)})


@api.route("POST", "/v1/admin/keys/{kid}/withdraw")
def withdraw_key(kid: str) -> Response:
    reason = _reason(required=True)
    kid_b64 = standard_kid(kid)
    query = {"kid": kid_b64[:64], "reason": reason}
    try:
        entry = _call(rotation.withdraw, _trust, kid_b64, datetime.now(UTC))
    except (NotFound, Conflict) as exc:
        outcome = Outcome.NOT_FOUND if isinstance(exc, NotFound) else Outcome.CONFLICT
        _audit.record(
            api.principal.actor, Action.ADMIN_KEY_WITHDRAW, _request(), outcome=outcome, query=query
        )
        raise
    _audit.record(api.principal.actor, Action.ADMIN_KEY_WITHDRAW, _request(), query=query)
    logger.info("DSC withdrawn", extra={"kid": entry.kid_b64})
    return json_response(200, {"key": rotation.describe(entry)})


def standard_kid(raw: str) -> str:
    """The kid as the trust list writes it (standard base64). In a path it comes base64url (no `/`
    to escape), or percent-encoded standard base64."""
    text = unquote(raw).strip().replace("-", "+").replace("_", "/").rstrip("=")
    return text + "=" * (-len(text) % 4)


@transient_on_aws_errors
def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    return fn(*args, **kwargs)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return api.handler(event, context)

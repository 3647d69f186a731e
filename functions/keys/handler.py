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

from vaxcert.errors import Conflict, NotFound
from vaxcert.http.api import Api, json_response
from vaxcert.http.auth import request_info, token_authenticator
from vaxcert.http.models.keys import KeyRotateRequest, KeyWithdrawRequest, TrustKey, TrustKeyAnswer, TrustKeys
from vaxcert.resources import ADMIN_GROUP
from vaxcert.routes import Auth
from vaxcert.runtime.keys import services
from vaxcert.signing import rotation
from vaxcert.store.aws import transient_on_aws_errors
from vaxcert.types.audit import Action, Outcome, RequestInfo

logger = Logger(service="vaxcert-keys")

api = Api(
    "keys",
    {
        Auth.ADMIN: token_authenticator(
            lambda token: services().id_tokens.verify(token), frozenset({ADMIN_GROUP})
        )
    },
)


def _request() -> RequestInfo:
    return request_info(api.app.current_event, services().origin_secret)


@api.route("GET", "/v1/admin/keys")
def list_keys() -> Response:
    s = services()
    s.audit.record(api.principal.actor, Action.ADMIN_KEYS, _request())
    entries = _call(s.trust.all)
    order = {"CSCA": 0, "DSC": 1}
    entries.sort(key=lambda e: (e.origin != "OWN", order.get(e.certificate_type, 2), e.country, e.not_before))
    return json_response(200, TrustKeys(keys=[TrustKey.of(e) for e in entries]))


@api.route("POST", "/v1/admin/keys/rotate")
def rotate_key() -> Response:
    reason = api.body(KeyRotateRequest).reason
    s = services()
    now = datetime.now(UTC)
    entry, _key_id = _call(
        rotation.rotate, s.trust, new_key=lambda: s.new_signing_key(now), country=s.country, now=now
    )
    query: dict[str, Any] = {"kid": entry.kid_b64}
    if reason:
        query["reason"] = reason
    s.audit.record(api.principal.actor, Action.ADMIN_KEY_ROTATE, _request(), query=query)
    logger.info("signing key rotated", extra={"kid": entry.kid_b64})
    return json_response(201, TrustKeyAnswer(key=TrustKey.of(entry)))


@api.route("POST", "/v1/admin/keys/{kid}/withdraw")
def withdraw_key(kid: str) -> Response:
    reason = api.body(KeyWithdrawRequest).reason
    s = services()
    kid_b64 = standard_kid(kid)
    query = {"kid": kid_b64[:64], "reason": reason}
    try:
        entry = _call(rotation.withdraw, s.trust, kid_b64, datetime.now(UTC))
    except (NotFound, Conflict) as exc:
        outcome = Outcome.NOT_FOUND if isinstance(exc, NotFound) else Outcome.CONFLICT
        s.audit.record(
            api.principal.actor, Action.ADMIN_KEY_WITHDRAW, _request(), outcome=outcome, query=query
        )
        raise
    s.audit.record(api.principal.actor, Action.ADMIN_KEY_WITHDRAW, _request(), query=query)
    logger.info("DSC withdrawn", extra={"kid": entry.kid_b64})
    return json_response(200, TrustKeyAnswer(key=TrustKey.of(entry)))


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

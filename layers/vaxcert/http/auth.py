"""Authenticators per auth kind of the route table (see Api)."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from vaxcert.cache import TtlCache
from vaxcert.errors import Forbidden, Unauthorized
from vaxcert.resources import ORIGIN_HEADER, VIEWER_ADDRESS_HEADER
from vaxcert.store.aws import client, transient_on_aws_errors
from vaxcert.types.audit import RequestInfo

SECRET_CACHE_S = 300


class SecretValue:
    """A Secrets Manager secret, cached for a few minutes so rotation takes effect without redeploys."""

    def __init__(self, secret_id: str, loader: Callable[[str], str] | None = None):
        self.secret_id = secret_id
        load = loader or _load_secret
        self._cache = TtlCache(lambda: load(secret_id), SECRET_CACHE_S)

    def get(self) -> str:
        return self._cache.get()


@transient_on_aws_errors
def _load_secret(secret_id: str) -> str:
    return str(client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"])


def ingest_key_authenticator(header: str, secret: SecretValue) -> Callable[[APIGatewayRestResolver], str]:
    """CommCare's "API Key" option: a fixed header carrying a shared secret."""
    wanted = header.lower()

    def authenticate(app: APIGatewayRestResolver) -> str:
        headers = app.current_event.headers or {}
        given = next((v for k, v in headers.items() if k.lower() == wanted), None)
        if not given or not hmac.compare_digest(given.encode(), secret.get().encode()):
            raise Unauthorized(f"missing or wrong {header} header")
        return "ingest"

    return authenticate


def bearer_token(app: APIGatewayRestResolver) -> str:
    value = (app.current_event.headers or {}).get("Authorization") or ""  # case-insensitive in v3
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("a Bearer token is required")
    return token.strip()


def token_authenticator(
    verify: Callable[[str], Any], groups: frozenset[str] | None = None
) -> Callable[[APIGatewayRestResolver], Any]:
    """Bearer token -> principal via `verify` (raising InvalidToken); `groups`: any one is required."""
    from vaxcert.formats.tokens import InvalidToken

    def authenticate(app: APIGatewayRestResolver) -> Any:
        try:
            principal = verify(bearer_token(app))
        except InvalidToken:
            raise Unauthorized("invalid or expired token") from None
        if groups is not None and not groups & getattr(principal, "groups", frozenset()):
            raise Forbidden("your account may not use this")
        return principal

    return authenticate


def _header(event: APIGatewayProxyEvent, name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in (event.headers or {}).items() if k.lower() == wanted), None)


def viewer_ip(value: str | None) -> str | None:
    """The IP of CloudFront-Viewer-Address ("198.51.100.7:46532", "2001:db8::1:46532"); None if malformed."""
    if not value:
        return None
    host, sep, port = value.strip().rpartition(":")
    if not sep or not port.isdigit():
        return None
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def client_address(event: APIGatewayProxyEvent, origin_secret: SecretValue | None) -> str | None:
    """The caller's own address: CloudFront-Viewer-Address when the request carries CloudFront's origin
    secret (so the header was set by the project's distribution, not by the caller), else the socket
    address API Gateway saw (locally, or a request that did not come through CloudFront)."""
    socket_ip = event.request_context.identity.source_ip
    if origin_secret is None:
        return socket_ip
    given = _header(event, ORIGIN_HEADER)
    if given and hmac.compare_digest(given.encode(), origin_secret.get().encode()):
        return viewer_ip(_header(event, VIEWER_ADDRESS_HEADER)) or socket_ip
    return socket_ip


def request_info(event: APIGatewayProxyEvent, origin_secret: SecretValue | None) -> RequestInfo:
    """Who is calling, for rate limits and the audit trail."""
    identity = event.request_context.identity
    user_agent = identity.user_agent or _header(event, "User-Agent")
    return RequestInfo(source_ip=client_address(event, origin_secret), user_agent=user_agent)

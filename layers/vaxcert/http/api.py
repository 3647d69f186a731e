"""`Api`: a Powertools REST resolver bound to the route table.

A handler can only register a route that the route table gives its function, and the route's auth
kind is enforced before the handler runs, so no endpoint can be added without its authorization.
Domain errors map to one status code each; nothing unexpected becomes a 500 or a stack trace.
"""

from __future__ import annotations

import json
import re
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from pydantic import BaseModel

from vaxcert.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    Problem,
    RejectedSubmission,
    TooManyRequests,
    TransientFailure,
    Unauthorized,
    parsed_as,
)
from vaxcert.logs import get_logger, set_correlation_id
from vaxcert.routes import Auth, Route, routes_for

JSON = "application/json"
MAX_BODY_BYTES = 256 * 1024
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}

# Checks a request for one auth kind; returns the principal (or raises Unauthorized/Forbidden).
Authenticator = Callable[[APIGatewayRestResolver], Any]

logger = get_logger()
M = TypeVar("M", bound=BaseModel)


def json_response(
    status: int,
    body: Any,
    headers: dict[str, str] | None = None,
    *,
    exclude_none: bool = False,
    exclude_unset: bool = False,
) -> Response:
    """`body` as JSON: a response model (dumped by its aliases, as the API document shows it) or
    plain JSON values. `exclude_unset`: a published document read into its model is written back
    with exactly the members it had (an optional one absent stays absent, a null stays null)."""
    if isinstance(body, BaseModel):
        body = body.model_dump(
            mode="json", by_alias=True, exclude_none=exclude_none, exclude_unset=exclude_unset
        )
    return Response(
        status_code=status,
        content_type=JSON,
        body=json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        headers={**SECURITY_HEADERS, **(headers or {})},
    )


def no_content() -> Response:
    return Response(status_code=204, body="", headers=dict(SECURITY_HEADERS))


def error_response(
    status: int, message: str, problems: list[Problem] | None = None, headers: dict[str, str] | None = None
) -> Response:
    body: dict[str, Any] = {"message": message}
    if problems is not None:
        body["errors"] = [p.as_dict() for p in problems]
    return json_response(status, body, headers)


def _cors_config() -> CORSConfig | None:
    """CORS headers on every response to a page of an allowed origin (the portal's, extraCorsOrigins);
    API Gateway answers the preflights itself (infra/api.py)."""
    from vaxcert.settings import get_settings

    settings = get_settings()
    origins = settings.cors_origins
    if not origins:
        return None
    return CORSConfig(
        allow_origin=origins[0],
        extra_origins=origins[1:],
        allow_headers=["Authorization", "Content-Type", settings.ingest_header],
        expose_headers=["Retry-After"],
        max_age=3600,
    )


# Every Api of this process, so that vaxcert.runtime.wiring.rebind() can reset their resolvers.
_apis: weakref.WeakSet[Api] = weakref.WeakSet()


def reset_resolvers() -> None:
    """Every Api builds its resolver afresh (CORS origins from the settings of then) on next use."""
    for api in list(_apis):
        api.reset()


class Api:
    def __init__(self, function: str, authenticators: dict[Auth, Authenticator] | None = None):
        _apis.add(self)
        self.function = function
        self._app: APIGatewayRestResolver | None = None
        # Registered on the resolver when it is built (first use): its CORS origins come from settings,
        # which are never read at import time.
        self._handlers: list[tuple[str, str, Callable[..., Any], Callable[..., Any]]] = []
        self._declared: dict[tuple[str, str], Route] = {(r.method, r.path): r for r in routes_for(function)}
        self._registered: set[tuple[str, str]] = set()
        self._authenticators = authenticators or {}
        # (method, path) -> the request models its handler parses with (declared in `route`).
        self.models: dict[tuple[str, str], RouteModels] = {}

    @property
    def app(self) -> APIGatewayRestResolver:
        if self._app is None:
            app = APIGatewayRestResolver(cors=_cors_config())
            for resolver_path, method, middleware, fn in self._handlers:
                app.route(resolver_path, method, middlewares=[middleware])(fn)
            self._app = app
            self._install_error_handlers()
        return self._app

    def reset(self) -> None:
        """The resolver is built again on next use; the registered routes stay."""
        self._app = None

    # --- routing -------------------------------------------------------------------------------
    def route(
        self,
        method: str,
        path: str,
        *,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register a handler; `body` / `query`: the models `Api.body()` / `Api.query()` parse this
        route's request with (the API document must show the same ones: tests/unit/http/test_openapi.py)."""
        route = self._declared.get((method, path))
        if route is None:
            raise RuntimeError(f"{method} {path} is not in the route table for function {self.function!r}")
        models = RouteModels(body, query)

        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            # The route table writes path parameters as API Gateway does ({hcid}); Powertools wants <hcid>.
            resolver_path = re.sub(r"\{(\w+)\}", r"<\1>", path)
            if self._app is not None:
                raise RuntimeError(f"{method} {path}: routes are registered before the first request")
            self._handlers.append((resolver_path, method, self._auth_middleware(route, models), fn))
            self._registered.add((method, path))
            self.models[(method, path)] = models
            return fn

        return register

    def _auth_middleware(
        self, route: Route, models: RouteModels
    ) -> Callable[[APIGatewayRestResolver, NextMiddleware], Response]:
        def check(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response:
            app.append_context(route_models=models)
            # Before authentication: a cross-site form or `no-cors` fetch (text/plain, form types,
            # no type at all) never reaches a handler, whatever credentials it carries.
            require_json_body(app.current_event)
            if route.auth is not Auth.PUBLIC:
                authenticate = self._authenticators.get(route.auth)
                if authenticate is None:  # fail closed
                    raise Unauthorized("authentication is not available for this route")
                app.append_context(principal=authenticate(app))
            return next_middleware(app)

        return check

    def handler(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        missing = set(self._declared) - self._registered
        if missing:
            raise RuntimeError(f"routes without a handler in {self.function!r}: {sorted(missing)}")
        request_id = (event.get("requestContext") or {}).get("requestId")
        set_correlation_id(logger, request_id if isinstance(request_id, str) else None)
        return self.app.resolve(event, context)

    # --- request helpers -----------------------------------------------------------------------
    def json_body(self) -> Any:
        """The request body as JSON; 413/415/400 with a clear message otherwise."""
        event = self.app.current_event
        require_json_body(event)
        try:
            raw = event.decoded_body or ""
        except ValueError:  # a binary (base64) body that is not UTF-8: UnicodeDecodeError, bad base64
            raise _HttpError(400, Problem("body", "is not UTF-8 text; a JSON object is required")) from None
        if len(raw.encode("utf-8", "surrogatepass")) > MAX_BODY_BYTES:
            raise _HttpError(413, Problem("body", f"larger than {MAX_BODY_BYTES} bytes"))
        if not raw.strip():
            raise InvalidInput([Problem("body", "is empty; a JSON object is required")])
        try:
            return json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise _HttpError(400, Problem("body", f"is not valid JSON ({type(exc).__name__})")) from None

    def body(self, model: type[M], field_names: dict[str, str] | None = None) -> M:
        """The JSON body parsed by its request model (422 naming each wrong field by its path)."""
        self._check_declared("body", model)
        return parsed_as(model, self.json_body(), field_names)

    def query(self, model: type[M]) -> M:
        """The query string parsed by its model (422 naming each wrong parameter)."""
        self._check_declared("query", model)
        return parsed_as(model, dict(self.app.current_event.query_string_parameters or {}))

    def _check_declared(self, kind: str, model: type[BaseModel]) -> None:
        # The model a route declares is the one the API document shows: parsing with another is a bug.
        declared = self.app.context.get("route_models")
        wanted = getattr(declared, kind, None)
        if wanted is not None and wanted is not model:
            raise RuntimeError(f"the route declares {wanted.__name__} for its {kind}, not {model.__name__}")

    @property
    def principal(self) -> Any:
        return self.app.context.get("principal")

    # --- errors --------------------------------------------------------------------------------
    def _install_error_handlers(self) -> None:
        app = self.app

        @app.exception_handler(_HttpError)
        def _http(exc: _HttpError) -> Response:
            return error_response(exc.status, str(exc.problem.problem), [exc.problem])

        @app.exception_handler(InvalidInput)
        def _invalid(exc: InvalidInput) -> Response:
            return error_response(422, "the request has invalid fields", exc.problems)

        @app.exception_handler(RejectedSubmission)
        def _rejected(exc: RejectedSubmission) -> Response:
            return json_response(422, [p.as_dict() for p in exc.problems])

        @app.exception_handler(Unauthorized)
        def _unauthorized(exc: Unauthorized) -> Response:
            body: dict[str, Any] = {"message": str(exc) or "authentication required"}
            if exc.reason is not None:  # a sign-in refusal: why, for the page to act on
                body["reason"] = exc.reason
            if exc.tries_left is not None:
                body["triesLeft"] = exc.tries_left
            return json_response(401, body, {"WWW-Authenticate": "Bearer"} if exc.bearer else None)

        @app.exception_handler(Forbidden)
        def _forbidden(exc: Forbidden) -> Response:
            return error_response(403, str(exc) or "not allowed")

        @app.exception_handler(NotFound)
        def _not_found(exc: NotFound) -> Response:
            return error_response(404, str(exc) or "not found", headers=getattr(exc, "headers", None))

        @app.not_found
        def _no_route(exc: NotFoundError) -> Response:
            return error_response(404, "no such route")

        @app.exception_handler(Conflict)
        def _conflict(exc: Conflict) -> Response:
            return error_response(409, str(exc))

        @app.exception_handler(TooManyRequests)
        def _too_many(exc: TooManyRequests) -> Response:
            return error_response(429, str(exc), headers={"Retry-After": str(exc.retry_after_s)})

        @app.exception_handler(TransientFailure)
        def _transient(exc: TransientFailure) -> Response:
            logger.warning("transient failure", extra={"error": str(exc)})
            return error_response(503, "temporarily unavailable, please retry", headers={"Retry-After": "30"})

        @app.exception_handler(Exception)
        def _unexpected(exc: Exception) -> Response:
            # Log the type and trace only (no request data: it may hold personal data).
            logger.exception("unexpected error", extra={"error_type": type(exc).__name__})
            return error_response(503, "temporarily unavailable, please retry", headers={"Retry-After": "30"})


def require_json_body(event: Any) -> None:
    """415 for a request with a body that is not declared `application/json` (any route, any method)."""
    body = event.get("body")
    if body is None or body == "":
        return
    headers = event.get("headers") or {}
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None) or ""
    media_type = content_type.split(";")[0].strip().lower()
    if media_type != JSON:
        got = f"got {media_type[:60]}" if media_type else "none was given"
        raise _HttpError(415, Problem("Content-Type", f"must be {JSON} for a request with a body; {got}"))


@dataclass(frozen=True)
class RouteModels:
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None


class NotPublished(NotFound):
    """404 for a public document not published (yet), with the headers the document would carry
    (CORS, caching)."""

    def __init__(self, message: str, headers: dict[str, str]):
        super().__init__(message)
        self.headers = headers


class _HttpError(Exception):
    def __init__(self, status: int, problem: Problem):
        super().__init__(problem.problem)
        self.status = status
        self.problem = problem

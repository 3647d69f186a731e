"""The API document shows the models the handlers use: for every operation of functions download,
revoke and keys, the request model the document names is the one the handler parses with (same class,
same refusals), and every 2xx answer has a schema (JSON: the handler's response model; PDF, CSV and
the SMART Health Card file: their media type)."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from types import ModuleType, SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import pytest
from pydantic import BaseModel

from vaxcert.citizen.sessions import CitizenPrincipal
from vaxcert.errors import InvalidInput, parsed_as
from vaxcert.http.openapi import QUERY_PARAMETERS, REQUEST_BODIES, RESPONSE_BODIES, openapi_document
from vaxcert.resources import ADMIN_GROUP, STAFF_GROUP
from vaxcert.routes import ROUTES, Route
from vaxcert.types.staff import StaffPrincipal

FUNCTIONS = ("download", "revoke", "keys")
OURS = [r for r in ROUTES if r.function in FUNCTIONS]
JSON = "application/json"
OTHER_MEDIA = {"application/pdf", "application/smart-health-card", "text/csv"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return openapi_document("X-Vaxcert-Key", servers=["https://vaxcert.example"])


def _operation(document: dict[str, Any], route: Route) -> dict[str, Any]:
    operation: dict[str, Any] = document["paths"][route.path][route.method.lower()]
    return operation


def _name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


@pytest.mark.parametrize("route", OURS, ids=lambda r: f"{r.method} {r.path}")
def test_every_2xx_has_a_schema_and_every_input_a_model(document: dict[str, Any], route: Route) -> None:
    operation = _operation(document, route)
    key = (route.method, route.path)
    successes = {s: r for s, r in operation["responses"].items() if s.startswith("2")}
    assert successes, route
    for status, response in successes.items():
        if status == "204":
            assert "content" not in response
            continue
        [(media, content)] = response["content"].items()
        if media == JSON:
            model = RESPONSE_BODIES[key][int(status)]
            assert content["schema"] == {"$ref": f"#/components/schemas/{model.__name__}"}, route
            assert document["components"]["schemas"][model.__name__]["properties"]
        else:
            assert media in OTHER_MEDIA and content["schema"], route
    if key in REQUEST_BODIES:
        body = operation["requestBody"]["content"][JSON]["schema"]
        assert _name(body["$ref"]) == REQUEST_BODIES[key].__name__
    if key in QUERY_PARAMETERS:
        names = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
        aliases = {f.alias or n for n, f in QUERY_PARAMETERS[key].model_fields.items()}
        assert names == aliases
    if route.method == "GET" and route.path in ("/v1/facility/certificates", "/v1/admin/audit"):
        assert key in QUERY_PARAMETERS  # searches and the audit take parameters


# --- the handlers parse with the documented models ------------------------------------------------


class _Tokens:
    def __init__(self, principal: Any):
        self.principal = principal

    def verify(self, token: str) -> Any:
        return self.principal


@pytest.fixture(scope="module")
def handlers() -> Iterator[dict[str, ModuleType]]:
    """Each handler with services that only authenticate: a request refused by its model never
    reaches anything else (nothing else is there)."""
    staff = _Tokens(StaffPrincipal("admin.models", frozenset({ADMIN_GROUP, STAFF_GROUP})))
    citizen = _Tokens(CitizenPrincipal(mobile="+18765550123", jti="j", expires_at=2**31))
    fake = SimpleNamespace(id_tokens=staff, sessions=citizen, origin_secret=None)
    modules = {f: importlib.import_module(f"functions.{f}.handler") for f in FUNCTIONS}
    for module in modules.values():
        module.services.use(fake)
    yield modules
    for module in modules.values():
        module.services.reset()


def _call(module: ModuleType, route: Route, body: Any = None, query: dict[str, str] | None = None) -> Any:
    from local_stack.gateway import proxy_event
    from local_stack.lambda_runtime import LocalContext

    path = route.path.replace("{hcid}", "0123456789ABCDEFGHJK").replace("{kid}", "AAAAAAAAAAA")
    if query:
        path += "?" + urlencode(query)
    headers = {"Content-Type": JSON, "Authorization": "Bearer t"}
    payload = json.dumps(body).encode() if body is not None else b""
    event = proxy_event(route.method, path, headers, payload, "192.0.2.10")
    answer = module.handler(event, LocalContext(route.function, 512, 10))
    return answer["statusCode"], json.loads(answer["body"] or "null")


def _refusals(model: type[BaseModel], data: dict[str, Any]) -> list[dict[str, str]]:
    with pytest.raises(InvalidInput) as refused:
        parsed_as(model, data)
    return [p.as_dict() for p in refused.value.problems]


# Inputs each documented model refuses (bodies, or query strings).
BAD_BODIES: dict[tuple[str, str], list[dict[str, Any]]] = {
    ("POST", "/v1/citizen/otp"): [{}, {"mobile": "555-0123"}, {"mobile": 8765550123}],
    ("POST", "/v1/citizen/session"): [{"mobile": "876-555-0123", "otp": "12345"}, {"otp": "123456"}],
    ("POST", "/v1/staff/session"): [{"username": "a"}, {"username": "x" * 257, "password": "p"}],
    ("POST", "/v1/staff/session/challenge"): [
        {},
        {"username": "a", "session": "s", "challenge": "MFA_CODE", "code": "12ab56"},
        {"username": "a", "session": "s" * 2049, "challenge": "NEW_PASSWORD", "newPassword": "p"},
    ],
    ("POST", "/v1/admin/certificates/{hcid}/corrections"): [
        {"reason": "r"},
        {"lot": "A"},
        {"eventId": "x", "reason": "r"},
        {"reissue": "yes", "reason": "r"},
    ],
    ("POST", "/v1/admin/certificates/{hcid}/revoke"): [{}, {"reason": " "}, {"reason": "r" * 501}],
    ("POST", "/v1/admin/keys/rotate"): [{"reason": 5}, {"why": "x"}],
    ("POST", "/v1/admin/keys/{kid}/withdraw"): [{}, {"reason": ""}],
}
BAD_QUERIES: dict[tuple[str, str], list[dict[str, str]]] = {
    ("GET", "/v1/admin/audit"): [
        {"limit": "0"},
        {"limit": "501"},
        {"limit": "ten"},
        {"hcid": "A", "actor": "b"},
        {"mobile": "555-0123"},
    ],
    ("GET", "/v1/admin/audit/export"): [{}, {"to": "2026-12-01"}],
}


@pytest.mark.parametrize(
    ("key", "body"), [(k, b) for k, bodies in BAD_BODIES.items() for b in bodies], ids=str
)
def test_handlers_refuse_a_body_as_its_documented_model_does(
    handlers: dict[str, ModuleType], key: tuple[str, str], body: dict[str, Any]
) -> None:
    route = next(r for r in OURS if (r.method, r.path) == key)
    status, answer = _call(handlers[route.function], route, body=body)
    assert status == 422, answer
    assert answer["errors"] == _refusals(REQUEST_BODIES[key], body)


@pytest.mark.parametrize(
    ("key", "query"), [(k, q) for k, queries in BAD_QUERIES.items() for q in queries], ids=str
)
def test_handlers_refuse_a_query_as_its_documented_model_does(
    handlers: dict[str, ModuleType], key: tuple[str, str], query: dict[str, str]
) -> None:
    route = next(r for r in OURS if (r.method, r.path) == key)
    status, answer = _call(handlers[route.function], route, query=query)
    assert status == 422, answer
    assert answer["errors"] == _refusals(QUERY_PARAMETERS[key], query)


def test_the_handlers_use_the_documented_classes(handlers: dict[str, ModuleType]) -> None:
    # Same class, not a look-alike: the document and the handler read one definition.
    for route in OURS:
        key = (route.method, route.path)
        module = handlers[route.function]
        models = [REQUEST_BODIES.get(key), QUERY_PARAMETERS.get(key), *RESPONSE_BODIES.get(key, {}).values()]
        for model in filter(None, models):
            assert getattr(module, model.__name__, None) is model, (key, model.__name__)


def _written(model: BaseModel) -> Any:
    from vaxcert.http.api import json_response

    return json.loads(str(json_response(200, model).body))


def test_answers_keep_their_shape() -> None:
    from vaxcert.http.models.admin import AuditEntries, AuditPage
    from vaxcert.http.models.facility import SearchResults
    from vaxcert.http.models.staff import SignInChallenge

    row = {
        "hcid": "H",
        "name": "N",
        "dob": "1980-01-01",
        "vaccine": "V",
        "dose": 1,
        "totalDoses": None,
        "date": "2021-06-01",
        "status": "VALID",
        "mobileMasked": None,
        "identifierMasked": None,
        "centre": None,
        "version": 1,
        "supersededBy": None,
        "reason": None,
    }
    results = SearchResults.model_validate({"certificates": [row], "truncated": False})
    assert _written(results) == {"certificates": [row], "truncated": False}  # no legacyId unless migrated
    migrated = {**row, "legacyId": "123", "notNamedByTheModel": True}
    results = SearchResults.model_validate({"certificates": [migrated], "truncated": True})
    assert _written(results)["certificates"] == [migrated]
    assert _written(AuditPage(entries=[], next=None)) == {"entries": [], "next": None}
    assert _written(AuditEntries(entries=[])) == {"entries": []}
    challenge = {"message": "m", "challenge": "MFA_CODE", "session": "s", "username": "u"}
    assert _written(SignInChallenge.model_validate(challenge)) == challenge

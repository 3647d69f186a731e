"""The OpenAPI document: generated from the route table, valid, and complete for request bodies."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from vaxcert.http.openapi import QUERY_PARAMETERS, REQUEST_BODIES, RESPONSE_BODIES, openapi_document
from vaxcert.routes import ROUTES, Auth


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return openapi_document("X-Vaxcert-Key")


def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    from openapi_spec_validator import validate

    validate(document)
    json.dumps(document)  # served as JSON


def test_every_route_and_nothing_else(document: dict[str, Any]) -> None:
    operations = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    assert operations == {(r.method, r.path) for r in ROUTES}


def test_every_route_with_a_body_has_a_schema() -> None:
    # A POST handler reads a JSON body (api.json_body): it must be described, and fuzzed from it.
    with_body = {(r.method, r.path) for r in ROUTES if r.method in ("POST", "PUT", "PATCH")}
    assert with_body == set(REQUEST_BODIES), "register the request model in vaxcert.http.openapi"
    assert set(QUERY_PARAMETERS) <= {(r.method, r.path) for r in ROUTES}


def test_security_per_auth_kind(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["ingestKey"] == {"type": "apiKey", "in": "header", "name": "X-Vaxcert-Key"}
    want: dict[Auth, list[dict[str, list[str]]]] = {
        Auth.PUBLIC: [],
        Auth.INGEST_KEY: [{"ingestKey": []}],
        Auth.CITIZEN: [{"citizenToken": []}],
        Auth.STAFF: [{"staffToken": []}],
        Auth.ADMIN: [{"adminToken": []}],
    }
    for route in ROUTES:
        operation = document["paths"][route.path][route.method.lower()]
        assert operation["security"] == want[route.auth], route
        if route.auth is not Auth.PUBLIC:
            assert "401" in operation["responses"]
        if "{hcid}" in route.path:
            assert [p["name"] for p in operation["parameters"] if p["in"] == "path"] == ["hcid"]


def test_documented_errors(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert schemas["Error"]["required"] == ["message"]
    assert schemas["Problems"]["type"] == "array"
    for (method, path), _ in REQUEST_BODIES.items():
        responses = document["paths"][path][method.lower()]["responses"]
        assert {"400", "413", "415", "422", "503"} <= set(responses), path
        ref = responses["422"]["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith("Problems" if path.startswith(("/v1/ingest", "/v1/vaccinations")) else "Error")


def test_vaccinations_reuses_the_intake_model(document: dict[str, Any]) -> None:
    body = document["paths"]["/v1/vaccinations"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/VaccinationEvent"}
    person = document["components"]["schemas"]["PersonIn"]
    assert {"givenName", "familyName", "birthDate", "mobile"} <= set(person["properties"])


@pytest.mark.parametrize(
    "model, valid",
    [
        (REQUEST_BODIES[("POST", "/v1/verify")], {"qr": "HC1:X"}),
        (REQUEST_BODIES[("POST", "/v1/citizen/session")], {"mobile": "8765550123", "otp": "123456"}),
        (REQUEST_BODIES[("POST", "/v1/admin/certificates/{hcid}/corrections")], {"lot": "A", "reason": "r"}),
        (REQUEST_BODIES[("POST", "/v1/admin/certificates/{hcid}/revoke")], {"reason": "wrong person"}),
    ],
)
def test_models_accept_the_documented_examples(model: type[BaseModel], valid: dict[str, Any]) -> None:
    model.model_validate(valid)
    with pytest.raises(ValidationError):
        model.model_validate({"unrelated": 1} if "reason" in model.model_fields else {})


# Functions whose routes declare their models (`api.route(..., body=...)`); download, revoke and keys
# check the same by their own test (test_openapi_models.py: the handler's classes, by behaviour).
_CONVERTED = ("ingest", "verify")


def _json_schema(response: dict[str, Any]) -> dict[str, Any] | None:
    content = response.get("content", {})
    return content.get("application/json", {}).get("schema")


def test_every_operation_has_request_and_response_schemas(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for route in ROUTES:
        key = (route.method, route.path)
        operation = document["paths"][route.path][route.method.lower()]
        if key in REQUEST_BODIES:
            ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            assert ref.rsplit("/", 1)[1] in schemas, route
        if key in QUERY_PARAMETERS:
            assert any(p["in"] == "query" for p in operation["parameters"]), route
        successes = {s: r for s, r in operation["responses"].items() if s.startswith("2")}
        assert successes, route
        for status, response in successes.items():
            if status == "204":  # no body
                assert "content" not in response, route
                continue
            schema = _json_schema(response)
            if schema is None:  # a PDF or a .smart-health-card file: a typed non-JSON body
                assert response["content"], route
                continue
            assert schema != {"type": "object"}, f"{route}: {status} documents no shape"
            assert RESPONSE_BODIES[key][int(status)].__name__ == schema["$ref"].rsplit("/", 1)[1]
            assert schemas[schema["$ref"].rsplit("/", 1)[1]].get("properties"), route


@pytest.mark.parametrize("function", _CONVERTED)
def test_handlers_parse_with_the_documented_models(function: str) -> None:
    # The model a route declares (Api.route(..., body=...)) is the one Api.body accepts for it, and the
    # very class the document shows: not a copy, not a look-alike.
    import importlib

    api = importlib.import_module(f"functions.{function}.handler").api
    for route in (r for r in ROUTES if r.function == function):
        key = (route.method, route.path)
        declared = api.models[key]
        assert declared.body is REQUEST_BODIES.get(key), key
        assert declared.query is QUERY_PARAMETERS.get(key), key


def test_api_body_refuses_a_model_the_route_does_not_declare() -> None:
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

    from vaxcert.http.api import Api, RouteModels

    api = Api("verify")
    api.app.current_event = APIGatewayProxyEvent(
        {"headers": {"Content-Type": "application/json"}, "body": '{"qr": "HC1:X"}'}
    )
    api.app.append_context(route_models=RouteModels(body=REQUEST_BODIES[("POST", "/v1/verify")]))
    assert api.body(REQUEST_BODIES[("POST", "/v1/verify")]).qr == "HC1:X"  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError, match="declares VerifyRequest"):
        api.body(REQUEST_BODIES[("POST", "/v1/ingest/commcare")])


def test_the_published_documents_round_trip_through_their_models() -> None:
    # A document read into its model is written back exactly (absent stays absent, null stays null).
    from vaxcert.http.api import json_response
    from vaxcert.http.models.published import TrustList

    entry = {
        "kid": "AAECAwQFBgc=",
        "country": None,
        "certificateType": "DSC",
        "notBefore": None,
        "notAfter": None,
        "framework": "hc1",
        "jwk": {"kty": "EC", "crv": "P-256", "x": "x", "y": "y", "kid": "AAECAwQFBgc=", "use": "sig"},
    }
    document = {"certificates": [entry]}
    written = json_response(200, TrustList.model_validate(document), exclude_unset=True)
    assert json.loads(str(written.body)) == document

"""The OpenAPI document: generated from the route table, valid, and complete for request bodies."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from vaxcert.http.openapi import QUERY_PARAMETERS, REQUEST_BODIES, openapi_document
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

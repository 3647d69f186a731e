"""The API's edge: real responses carry CORS headers for the allowed origins (the portal's and
vaxcert:extraCorsOrigins), and GET /v1/openapi.json is a valid OpenAPI document naming its server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from openapi_spec_validator import validate

from tests.integration.conftest import Invoker

PORTAL = "https://certificates.moh.gov.jm"
PARTNER = "https://partner.example.org"


@pytest.fixture
def invoke_with_origins(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch, invoke: Invoker
) -> Iterator[Invoker]:
    from vaxcert.runtime import wiring

    monkeypatch.setenv("PORTAL_URL", PORTAL + "/")
    monkeypatch.setenv("EXTRA_CORS_ORIGINS", f"{PARTNER}/, https://other.example.org")
    wiring.rebind()
    yield invoke
    wiring.rebind()


def test_openapi_json_validates_and_names_its_server(invoke_with_origins: Invoker) -> None:
    status, headers, document = invoke_with_origins.http(
        "GET", "/v1/openapi.json", headers={"Origin": PORTAL}
    )
    assert status == 200
    validate(document)
    assert document["servers"] == [{"url": PORTAL, "description": "this deployment"}]
    assert headers["Access-Control-Allow-Origin"] == PORTAL


def test_cors_headers_on_real_responses_for_allowed_origins_only(invoke_with_origins: Invoker) -> None:
    for origin in (PORTAL, PARTNER):
        status, headers, _ = invoke_with_origins.http(
            "POST", "/v1/verify", {"qr": "HC1:xx"}, {"Origin": origin}
        )
        assert status == 200
        assert headers["Access-Control-Allow-Origin"] == origin
        assert "Authorization" in headers["Access-Control-Allow-Headers"]
    status, headers, _ = invoke_with_origins.http("POST", "/v1/verify", {"qr": 5}, {"Origin": PARTNER})
    assert status == 422 and headers["Access-Control-Allow-Origin"] == PARTNER  # errors too
    _, headers, _ = invoke_with_origins.http(
        "POST", "/v1/verify", {"qr": "HC1:xx"}, {"Origin": "https://evil.example"}
    )
    assert "Access-Control-Allow-Origin" not in headers
    _, headers, _ = invoke_with_origins.http("POST", "/v1/verify", {"qr": "HC1:xx"})
    assert "Access-Control-Allow-Origin" not in headers  # same-origin requests need none

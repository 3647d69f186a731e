"""Before any handler runs: a body must be declared JSON (415), and the caller's address is the
CloudFront viewer's only when the request carries CloudFront's origin secret."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from vaxcert.http.api import Api, _HttpError, json_response, require_json_body
from vaxcert.http.auth import SecretValue, client_address, request_info, viewer_ip
from vaxcert.resources import ORIGIN_HEADER, VIEWER_ADDRESS_HEADER
from vaxcert.routes import Auth

SOCKET_IP = "130.176.0.10"  # a CloudFront origin-facing address
SECRET = "s3cret-origin-value"


def _event(headers: dict[str, str], body: str | None = None, method: str = "POST", path: str = "/v1/verify"):
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "pathParameters": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            "stage": "test",
            "requestId": "r",
            "identity": {"sourceIp": SOCKET_IP, "userAgent": "agent/1"},
        },
        "body": body,
        "isBase64Encoded": False,
    }


@pytest.mark.parametrize(
    "content_type",
    [
        None,  # `fetch(url, {mode: "no-cors", body})` from another site's page
        "text/plain",  # a CORS "simple" request: never preflighted
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",  # an HTML form
        "multipart/form-data; boundary=x",
        "text/json",
        "application/jsonp",
    ],
)
def test_a_body_that_is_not_declared_json_is_415(content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    with pytest.raises(_HttpError) as refused:
        require_json_body(APIGatewayProxyEvent(_event(headers, '{"qr": "HC1:X"}')))
    assert refused.value.status == 415
    assert refused.value.problem.field == "Content-Type"
    assert "application/json" in refused.value.problem.problem


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON"]
)
def test_json_bodies_and_bodiless_requests_pass(content_type: str) -> None:
    require_json_body(APIGatewayProxyEvent(_event({"content-type": content_type}, "{}")))
    require_json_body(APIGatewayProxyEvent(_event({"Content-Type": "text/plain"}, None, method="GET")))
    require_json_body(APIGatewayProxyEvent(_event({}, "", method="DELETE")))


def _api_with_a_route_that_never_reads_the_body() -> Api:
    api = Api("download", {Auth.CITIZEN: lambda app: (_ for _ in ()).throw(AssertionError("auth ran"))})
    for route in ("POST /v1/citizen/otp", "POST /v1/citizen/session", "DELETE /v1/citizen/session"):
        method, path = route.split()
        api.route(method, path)(lambda: json_response(200, {"ok": True}))
    for method, path in sorted(api._declared):
        if (method, path) not in api._registered:
            api.route(method, path)(lambda **_: json_response(200, {}))
    return api


def test_415_comes_before_authentication_on_every_route_with_a_body() -> None:
    api = _api_with_a_route_that_never_reads_the_body()
    event = _event({"Content-Type": "text/plain"}, "x", method="DELETE", path="/v1/citizen/session")
    response = api.handler(event, None)
    assert response["statusCode"] == 415
    assert json.loads(response["body"])["errors"] == [
        {
            "field": "Content-Type",
            "problem": "must be application/json for a request with a body; got text/plain",
        }
    ]
    ok = api.handler(_event({"Content-Type": "application/json"}, "{}", path="/v1/citizen/otp"), None)
    assert ok["statusCode"] == 200


class _Secret(SecretValue):
    def __init__(self, value: str) -> None:
        super().__init__("arn:secret", loader=lambda _: value)


ORIGIN_SECRET = _Secret(SECRET)


def _address(headers: dict[str, str], secret: SecretValue | None = ORIGIN_SECRET) -> Any:
    return client_address(APIGatewayProxyEvent(_event(headers)), secret)


def test_viewer_address_is_used_only_with_the_origin_secret() -> None:
    viewer = {VIEWER_ADDRESS_HEADER: "198.51.100.7:46532"}
    assert _address({**viewer, ORIGIN_HEADER: SECRET}) == "198.51.100.7"
    assert _address({**viewer, ORIGIN_HEADER.lower(): SECRET}) == "198.51.100.7"
    # A caller who writes the header itself (a direct execute-api call) gets the socket address.
    assert _address(viewer) == SOCKET_IP
    assert _address({**viewer, ORIGIN_HEADER: "guess"}) == SOCKET_IP
    # Locally there is no distribution: the socket address is the caller's.
    assert _address({**viewer, ORIGIN_HEADER: SECRET}, secret=None) == SOCKET_IP
    info = request_info(APIGatewayProxyEvent(_event({**viewer, ORIGIN_HEADER: SECRET})), _Secret(SECRET))
    assert (info.source_ip, info.user_agent) == ("198.51.100.7", "agent/1")


@pytest.mark.parametrize(
    "value, ip",
    [
        ("198.51.100.7:46532", "198.51.100.7"),
        ("2001:db8::1:46532", "2001:db8::1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("198.51.100.7", None),  # no port: not CloudFront's format
        ("not-an-ip:80", None),
        ("", None),
        (None, None),
    ],
)
def test_viewer_ip_parses_cloudfronts_format(value: str | None, ip: str | None) -> None:
    assert viewer_ip(value) == ip


def test_a_malformed_viewer_address_falls_back_to_the_socket() -> None:
    assert _address({VIEWER_ADDRESS_HEADER: "garbage", ORIGIN_HEADER: SECRET}) == SOCKET_IP

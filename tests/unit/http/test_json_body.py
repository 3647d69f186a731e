"""`Api.json_body`: every kind of bad body is a 4xx naming the body, never an exception (503)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from vaxcert.errors import InvalidInput
from vaxcert.http.api import Api, _HttpError


def _body_of(body: str | None, *, b64: bool = False, content_type: str = "application/json") -> Any:
    api = Api("verify")
    event = {"headers": {"Content-Type": content_type}, "body": body, "isBase64Encoded": b64}
    api.app.current_event = APIGatewayProxyEvent(event)
    return api.json_body()


def test_a_json_object() -> None:
    assert _body_of('{"qr": "Zoë"}') == {"qr": "Zoë"}


@pytest.mark.parametrize(
    "body, b64, status",
    [
        # The local gateway and API Gateway pass a body that is not UTF-8 base64-encoded.
        (base64.b64encode(b'\xff\xfe{"qr": 1}').decode(), True, 400),
        ("not base64!", True, 400),
        ("{", False, 400),
        ("[" * 100_000, False, 400),
        ("x" * (256 * 1024 + 1), False, 413),
    ],
)
def test_bad_bodies_are_4xx(body: str, b64: bool, status: int) -> None:
    with pytest.raises(_HttpError) as caught:
        _body_of(body, b64=b64)
    assert caught.value.status == status
    assert caught.value.problem.field == "body"


def test_wrong_content_type_and_empty_body() -> None:
    with pytest.raises(_HttpError) as caught:
        _body_of("{}", content_type="text/plain")
    assert caught.value.status == 415
    with pytest.raises(InvalidInput):
        _body_of("  ")

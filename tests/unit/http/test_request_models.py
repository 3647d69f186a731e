"""Request models are the parsers: `Api.body` / `Api.query` turn a model's refusal into the one 422
shape, each wrong field named by its JSON path; response models are written by their aliases."""

from __future__ import annotations

import json

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from pydantic import BaseModel, ConfigDict, Field, field_validator

from vaxcert.errors import InvalidInput
from vaxcert.http.api import Api, json_response


class Dose(BaseModel):
    number: int = Field(ge=1, le=10)


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    doses: list[Dose] = []

    @field_validator("name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


class Limit(BaseModel):
    limit: int = Field(default=50, ge=1, le=500)


class Answer(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    event_id: str = Field(alias="eventId")
    note: str | None = None


def _api(body: str | None = None, query: dict[str, str] | None = None) -> Api:
    api = Api("verify")
    event = {"headers": {"Content-Type": "application/json"}, "body": body, "queryStringParameters": query}
    api.app.current_event = APIGatewayProxyEvent(event)
    return api


def _problems(exc: pytest.ExceptionInfo[InvalidInput]) -> dict[str, str]:
    return {p.field: p.problem for p in exc.value.problems}


def test_a_valid_body_becomes_the_model() -> None:
    parsed = _api('{"name": "Zoë", "doses": [{"number": 2}]}').body(Request)
    assert parsed == Request(name="Zoë", doses=[Dose(number=2)])


def test_every_wrong_field_is_named_by_its_path() -> None:
    with pytest.raises(InvalidInput) as refused:
        _api('{"name": " ", "doses": [{"number": 0}], "extra": 1}').body(Request)
    problems = _problems(refused)
    assert problems["name"] == "must not be blank"
    assert set(problems) == {"name", "doses.0.number", "extra"}


def test_a_missing_field_is_required_and_a_non_object_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        _api("{}").body(Request)
    assert _problems(refused) == {"name": "is required"}
    with pytest.raises(InvalidInput) as refused:
        _api("[1]").body(Request)
    assert _problems(refused) == {"body": "must be a JSON object"}


def test_query_parameters_parse_by_their_model() -> None:
    assert _api(query={"limit": "20"}).query(Limit).limit == 20
    assert _api().query(Limit).limit == 50
    with pytest.raises(InvalidInput) as refused:
        _api(query={"limit": "0"}).query(Limit)
    assert set(_problems(refused)) == {"limit"}


def test_a_response_model_is_written_by_its_aliases() -> None:
    answer = Answer(eventId="e-1")
    assert json.loads(str(json_response(200, answer, exclude_none=True).body)) == {"eventId": "e-1"}
    assert json.loads(str(json_response(200, answer).body)) == {"eventId": "e-1", "note": None}

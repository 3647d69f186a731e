"""Domain errors. The HTTP layer maps each to one status code (vaxcert.http.api)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: which field and why (the shape every 4xx body uses)."""

    field: str
    problem: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "problem": self.problem}


class VaxcertError(Exception):
    """Base of the errors the HTTP layer turns into 4xx/503 answers."""


class InvalidInput(VaxcertError):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"{p.field}: {p.problem}" for p in problems))
        self.problems = problems


class RejectedSubmission(InvalidInput):
    """A source system's submission refused (422 with the bare list of problems: CommCare shows it to
    the form designer and never retries a 422)."""


class Unauthorized(VaxcertError):
    """No or bad credentials (401). `reason`: why, machine-readable, for a page to act on (a sign-in
    refusal); `bearer`: whether the answer asks for a Bearer token (WWW-Authenticate)."""

    bearer = True

    def __init__(self, message: str = "", reason: str | None = None, *, tries_left: int | None = None):
        super().__init__(message)
        self.reason = reason
        self.tries_left = tries_left  # a wrong one-time code: how many more may be tried


class Forbidden(VaxcertError):
    """Valid credentials, wrong role (403)."""


class NotFound(VaxcertError):
    """Unknown resource, or one the caller may not see (404: never reveal which)."""


class Conflict(VaxcertError):
    """The request conflicts with the resource's state (409)."""


class TooManyRequests(VaxcertError):
    def __init__(self, message: str, retry_after_s: int):
        super().__init__(message)
        self.retry_after_s = retry_after_s


class TransientFailure(VaxcertError):
    """A dependency failed in a way worth retrying (503: CommCare and clients retry)."""


def problems_from(
    exc: ValidationError,
    field_names: dict[str, str] | None = None,
    *,
    missing: Mapping[str, str] | None = None,
    unknown: str | None = None,
) -> list[Problem]:
    """pydantic errors -> [{field, problem}], naming fields by their JSON path (or a source's own name).

    Model-level checks raise "field: problem" so the field is named, not the model. `missing`: what
    to say of a required field that is absent (by path; default "is required"); `unknown`: what to
    say of a field the model does not have (extra="forbid").
    """
    names = field_names or {}
    missing = missing or {}
    problems: list[Problem] = []
    for err in exc.errors():
        path = ".".join(str(p) for p in err["loc"])
        message = (
            str(err.get("ctx", {}).get("error", err["msg"])) if err["type"] == "value_error" else err["msg"]
        )
        message = message.removeprefix("Value error, ")
        if err["type"] == "value_error" and ": " in message and " " not in message.split(": ", 1)[0]:
            sub, message = message.split(": ", 1)
            path = f"{path}.{sub}" if path else sub
        if err["type"] == "missing":
            message = missing.get(path, "is required")
        elif err["type"] == "extra_forbidden" and unknown:
            message = unknown
        problems.append(Problem(names.get(path, path), message))
    return problems


M = TypeVar("M", bound=BaseModel)


def parsed_as(model: type[M], data: Any, field_names: dict[str, str] | None = None) -> M:
    """`data` validated by `model` (the same model the API document shows); InvalidInput naming
    every field that is wrong, by its JSON path, otherwise. A model may say what the body must be
    when it is not an object (a class attribute `body_problem`), what a missing field lacks
    (`missing_problems`, by path) and what an unknown field is (`unknown_problem`)."""
    if not isinstance(data, dict):
        raise InvalidInput([Problem("body", getattr(model, "body_problem", "must be a JSON object"))])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = problems_from(
            exc,
            field_names,
            missing=getattr(model, "missing_problems", None),
            unknown=getattr(model, "unknown_problem", None),
        )
        raise InvalidInput(problems) from None

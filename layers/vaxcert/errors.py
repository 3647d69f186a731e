"""Domain errors. The HTTP layer maps each to one status code (vaxcert.http.api)."""

from __future__ import annotations

from dataclasses import dataclass


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


class Unauthorized(VaxcertError):
    """No or bad credentials (401)."""


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

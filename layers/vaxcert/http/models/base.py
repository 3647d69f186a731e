"""The bases of the edge models. Requests: the models that parse a body or query string. Answers:
written by their aliases (`json_response`), and lenient about keys they do not name, so an answer
never loses a field of the contract. Both build their validators on first use, not at import (cold
start)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer


class Request(BaseModel):
    model_config = ConfigDict(defer_build=True)


class Answer(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)
    # Fields the contract leaves out, rather than writes as null, when they have no value.
    omitted_when_none: ClassVar[frozenset[str]] = frozenset()

    @model_serializer(mode="wrap")
    def _written(self, write: SerializerFunctionWrapHandler) -> dict[str, Any]:
        out: dict[str, Any] = write(self)
        for name in self.omitted_when_none:
            if out.get(name, 0) is None:
                del out[name]
        return out

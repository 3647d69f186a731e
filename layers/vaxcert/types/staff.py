"""A signed-in member of staff (facility or ministry admin), as the Cognito token names them."""

from __future__ import annotations

from dataclasses import dataclass

from vaxcert.resources import ADMIN_GROUP
from vaxcert.types.audit import Actor, Role


@dataclass(frozen=True)
class StaffPrincipal:
    username: str
    groups: frozenset[str]

    @property
    def actor(self) -> Actor:
        return Actor(self.username, Role.ADMIN if ADMIN_GROUP in self.groups else Role.STAFF)

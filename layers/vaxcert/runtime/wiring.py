"""Build each function's dependencies once per process (Lambda cold start or local gateway)."""

from __future__ import annotations

from functools import cache

from vaxcert.runtime.root import reset_all
from vaxcert.settings import Settings, get_settings
from vaxcert.store.aws import client
from vaxcert.store.models import bind_tables


@cache
def settings() -> Settings:
    """The settings, with every table model bound to this stage's tables (and region). The region
    reaches the AWS clients as an argument (vaxcert.store.aws.client), never through os.environ."""
    s = get_settings()
    bind_tables(s)
    return s


def rebind() -> None:
    """Forget all this process built from its environment: the settings (and the tables bound to them),
    the AWS clients, every function's services and every API's resolver (its CORS origins); each is
    built afresh from os.environ on next use. For tests and tools that change the environment within
    one process (a fresh moto account): a warm Lambda's environment never changes, so it never calls this."""
    from vaxcert.http.api import reset_resolvers  # imported on use: the issue function has no HTTP API

    get_settings.cache_clear()
    settings.cache_clear()
    client.cache_clear()
    reset_all()
    reset_resolvers()

"""Build each function's dependencies once per process (Lambda cold start or local gateway)."""

from __future__ import annotations

from functools import cache

from vaxcert.settings import Settings, get_settings
from vaxcert.store.models import bind_tables


@cache
def settings() -> Settings:
    """The settings, with every table model bound to this stage's tables (and region). The region
    reaches the AWS clients as an argument (vaxcert.store.aws.client), never through os.environ."""
    s = get_settings()
    bind_tables(s)
    return s

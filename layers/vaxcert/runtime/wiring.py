"""Build each function's dependencies once per process (Lambda cold start or local gateway)."""

from __future__ import annotations

import os
from functools import cache

from vaxcert.settings import Settings, get_settings
from vaxcert.store.models import bind_tables


@cache
def settings() -> Settings:
    s = get_settings()
    os.environ.setdefault("AWS_DEFAULT_REGION", s.region)
    bind_tables(s)
    return s

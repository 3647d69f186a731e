"""The functions' environment, generated from the one settings model (vaxcert.settings.Settings).

Every setting is an environment variable (`max_corrections` <- `MAX_CORRECTIONS`) and a CDK context
value (`vaxcert:maxCorrections`, in cdk.json or `-c vaxcert:maxCorrections=3`), except those the stack
sets itself: resource names (tables, bucket, queues, keys, secrets, user pool), the portal's URL,
and the region (the Lambda runtime's AWS_REGION). A setting left unset keeps the model's default.
Context values are checked against the model at synth time, so a typo in a value fails `cdk synth`.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from vaxcert import resources as r
from vaxcert.settings import Settings

# Filled by the stack (a resource's name or URL), never from context.
STACK_OWNED = frozenset(
    {
        *(t.env for t in r.TABLES),
        *(b.env for b in r.BUCKETS),
        *(q.env for q in r.QUEUES),
        *(q.dead_letter_env for q in r.QUEUES),
        *(k.env for k in r.KEYS),
        *(s.env for s in r.SECRETS),
        r.USER_POOL.env,
        r.USER_POOL.client_env,
        "PORTAL_URL",
        "REGION",  # AWS_REGION, set by the Lambda runtime
    }
)


def context_key(field: str) -> str:
    """`hc1_issuer_name` -> `vaxcert:hc1IssuerName`."""
    first, *rest = field.split("_")
    return "vaxcert:" + first + "".join(part[:1].upper() + part[1:] for part in rest)


def settable() -> dict[str, str]:
    """Settings a deployment may set, as {ENV_NAME: context key}."""
    return {f.upper(): context_key(f) for f in Settings.model_fields if f.upper() not in STACK_OWNED}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


def settings_environment(context: Any, stack_values: dict[str, str]) -> dict[str, str]:
    """The environment of every function: `stack_values` (resources, and what DeployConfig already
    read from the same context keys) plus any other setting given as a context value.

    `context(key)` returns a context value or None (a construct's `node.try_get_context`).
    """
    given: dict[str, str] = {}
    for env, key in settable().items():
        if env in stack_values:
            continue
        value = context(key)
        if value is not None and value != "":
            given[env] = _text(value)
    for env in STACK_OWNED:
        key = context_key(env.lower())
        if context(key) not in (None, ""):
            raise ValueError(
                f"{key} is set by the stack itself (a resource name); remove it from the context"
            )
    try:
        Settings.from_env(given)
    except ValidationError as exc:
        problems = "; ".join(
            f"{context_key(str(e['loc'][0]))}={given.get(str(e['loc'][0]).upper())!r}: {e['msg']}"
            for e in exc.errors()
        )
        raise ValueError(f"invalid deployment settings: {problems}") from None
    return {**stack_values, **given}


def markdown_table() -> str:
    """The settable settings as a Markdown table (docs/deployment.md embeds it; a test keeps it current)."""
    rows = ["| context key | environment variable | default |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        if name.upper() in STACK_OWNED:
            continue
        default = field.default if field.default not in (None, "") else "(none)"
        rows.append(f"| `{context_key(name)}` | `{name.upper()}` | {default} |")
    return "\n".join(rows)

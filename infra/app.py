"""CDK entry point: `python infra/app.py` (or `cdk synth`) writes the vaxcert stack to cdk.out/."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

if not __package__:
    # Run as a script, Python puts infra/ first on sys.path; `infra.*` imports need the repo root.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from infra import prefer_node22

prefer_node22()

import aws_cdk as cdk  # noqa: E402

from infra.nag import add_checks  # noqa: E402
from infra.vaxcert_stack import VaxcertStack  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def cdk_json_context() -> dict[str, object]:
    """cdk.json's context (feature flags, vaxcert:* settings): the CLI passes it, a bare
    `python infra/app.py` would not, and both must synthesize the same template."""
    with (ROOT / "cdk.json").open() as f:
        return dict(json.load(f).get("context", {}))


def build_app(outdir: str | None = None, context: dict[str, object] | None = None) -> cdk.App:
    # The CLI says where it wants the assembly (CDK_OUTDIR, e.g. `cdk synth -o dir`); a bare
    # `python infra/app.py` would otherwise write to a temporary directory.
    outdir = outdir or os.environ.get("CDK_OUTDIR") or "cdk.out"
    # Values the CLI passes (cdk.json, cdk.context.json, -c k=v) take precedence over these defaults.
    app = cdk.App(outdir=outdir, context={**cdk_json_context(), **(context or {})})
    stack_name = str(app.node.try_get_context("vaxcert:stackName") or "Vaxcert")
    VaxcertStack(
        app,
        stack_name,
        description="vaxcert: WHO DDCC:VS vaccination certificates (issue, serve, correct, revoke, verify)",
        # Environment-agnostic (one template, any account and region) unless vaxcert:account/region set.
        env=cdk.Environment(
            account=app.node.try_get_context("vaxcert:account") or None,
            region=app.node.try_get_context("vaxcert:region") or None,
        ),
        termination_protection=bool(app.node.try_get_context("vaxcert:terminationProtection") or False),
    )
    cdk.Tags.of(app).add("application", "vaxcert")
    add_checks(app)
    return app


if __name__ == "__main__":
    build_app().synth()

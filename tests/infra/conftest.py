"""Synthesizes the CDK app once per test module (each synth takes a few seconds; the layer's pip
install is cached in build/layer-cache/ and only the first run on a machine pays for it)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra import prefer_node22

prefer_node22()  # before aws_cdk is imported anywhere in this process


@dataclass
class Synth:
    outdir: Path
    template: dict[str, Any]

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.template["Resources"]

    def of_type(self, cfn_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v["Type"] == cfn_type}

    def logical_id(self, prefix: str, cfn_type: str) -> str:
        """The one logical id CDK derived from a construct path that starts with `prefix`."""
        hits = [k for k in self.of_type(cfn_type) if k.startswith(prefix) and len(k) == len(prefix) + 8]
        assert len(hits) == 1, (prefix, cfn_type, hits)
        return hits[0]


def synthesize(outdir: Path, context: dict[str, object] | None = None) -> Synth:
    from infra.app import build_app

    assembly = build_app(outdir=str(outdir), context=context).synth()
    stack = assembly.get_stack_by_name("Vaxcert")
    template = json.loads((outdir / stack.template_file).read_text())
    return Synth(outdir=outdir, template=template)

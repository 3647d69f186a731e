"""lambda_zip_mb.<function> and layer_mb: the deployment packages of `python infra/app.py` (cdk.out).

The template names each function's and the layer's asset (Code/Content S3Key = <asset hash>.zip); the
asset manifest maps the hash to its folder under cdk.out, which CDK zips on upload. Sizes here are that
folder zipped (deflate) in memory, plus the unzipped size (Lambda's 250 MB limit counts function + layers).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

from bench.common import ROOT, log, rounded

CDK_OUT = ROOT / "cdk.out"
TEMPLATE = CDK_OUT / "Vaxcert.template.json"
ASSETS = CDK_OUT / "Vaxcert.assets.json"
MB = 1024 * 1024


def synth() -> None:
    log("artefacts: cdk.out is missing: running `python infra/app.py` (CDK synth, offline)")
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "1"}
    done = subprocess.run(
        [sys.executable, "infra/app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    if done.returncode != 0:
        raise RuntimeError(f"CDK synth failed:\n{done.stderr[-3000:]}")


def _zipped_size(path: Path) -> tuple[int, int]:
    """(zip bytes, unzipped bytes) of a file or a folder."""
    if path.is_file():
        return path.stat().st_size, path.stat().st_size
    buffer = io.BytesIO()
    unzipped = 0
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for file in sorted(path.rglob("*")):
            if file.is_file():
                unzipped += file.stat().st_size
                archive.write(file, file.relative_to(path).as_posix())
    return buffer.tell(), unzipped


def _asset_hash(code: dict[str, Any]) -> str:
    key = code.get("S3Key")
    if not isinstance(key, str):
        raise ValueError(f"asset without a literal S3Key: {code}")
    return key.removesuffix(".zip")


def run(allow_synth: bool = True) -> dict[str, Any]:
    if not TEMPLATE.exists() or not ASSETS.exists():
        if not allow_synth:
            return {"lambda_zip_mb": None, "layer_mb": None, "artefacts_note": "cdk.out missing"}
        synth()
    log("artefacts: zipping the function and layer assets named by cdk.out/Vaxcert.template.json")
    template = json.loads(TEMPLATE.read_text())
    assets = json.loads(ASSETS.read_text())["files"]
    functions: dict[str, float] = {}
    unzipped: dict[str, float] = {}
    layer: float | None = None
    layer_unzipped: float | None = None
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        description = str(props.get("Description") or "")
        if resource["Type"] == "AWS::Lambda::Function" and description.startswith("vaxcert "):
            name = description.removeprefix("vaxcert ")
            zipped, raw = _zipped_size(CDK_OUT / assets[_asset_hash(props["Code"])]["source"]["path"])
            functions[name] = rounded(zipped / MB, 4)
            unzipped[name] = rounded(raw / MB, 4)
        elif resource["Type"] == "AWS::Lambda::LayerVersion" and description.startswith("vaxcert "):
            zipped, raw = _zipped_size(CDK_OUT / assets[_asset_hash(props["Content"])]["source"]["path"])
            layer, layer_unzipped = rounded(zipped / MB, 2), rounded(raw / MB, 2)
    return {
        "lambda_zip_mb": dict(sorted(functions.items())),
        "lambda_unzipped_mb": dict(sorted(unzipped.items())),
        "layer_mb": layer,
        "layer_unzipped_mb": layer_unzipped,
        "cdk_out_age_s": round(time.time() - TEMPLATE.stat().st_mtime),
    }

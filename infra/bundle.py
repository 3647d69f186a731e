"""The Lambda assets as `cdk synth` builds them (infra/layer_bundling.py, infra/functions.py), for this
machine's architecture, so that tests can run every handler from the built bundle alone.

`build(out)` writes out/layer/python (what Lambda mounts at /opt/python) and out/functions/<name> (what
it unpacks to /var/task). The layer's dependency tree comes from the same pip recipe and cache as the
deployed layer (only the platform differs); nothing from the repository is on the path but these.
"""

from __future__ import annotations

import platform
import shutil
from dataclasses import dataclass
from pathlib import Path

from infra import ROOT
from infra.functions import FUNCTION_IGNORED
from infra.layer_bundling import ARCH_PLATFORMS, LayerBundler
from vaxcert.resources import FUNCTIONS


def machine_arch() -> str:
    machine = platform.machine().lower()
    arch = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}.get(machine)
    if arch not in ARCH_PLATFORMS:
        raise RuntimeError(f"no Lambda architecture for this machine ({machine})")
    return arch


@dataclass(frozen=True)
class Bundle:
    layer: Path  # the layer's python/ directory (/opt/python on Lambda)
    functions: dict[str, Path]  # function name -> its code directory (/var/task on Lambda)


def build(out: Path, arch: str | None = None) -> Bundle:
    arch = arch or machine_arch()
    shutil.rmtree(out, ignore_errors=True)
    (out / "layer").mkdir(parents=True)
    LayerBundler(arch).try_bundle(str(out / "layer"), image=None)  # type: ignore[arg-type]
    functions = {}
    for name in FUNCTIONS:
        target = out / "functions" / name
        shutil.copytree(ROOT / "functions" / name, target, ignore=shutil.ignore_patterns(*FUNCTION_IGNORED))
        functions[name] = target
    return Bundle(layer=out / "layer" / "python", functions=functions)

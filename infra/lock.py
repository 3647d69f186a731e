"""The lock files `make lock` writes from pyproject.toml, read without CDK (tests and the layer build).

requirements/dev.lock: the venv (runtime + cli + dev extras); requirements/layer.lock: the Lambda
layer (runtime `dependencies` only, at the same versions). Both pin exact versions with hashes.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from infra import ROOT

LOCK = ROOT / "requirements" / "layer.lock"
DEV_LOCK = ROOT / "requirements" / "dev.lock"


def runtime_dependencies() -> list[str]:
    """The `[project] dependencies` of pyproject.toml: the one list of what the functions import."""
    with (ROOT / "pyproject.toml").open("rb") as f:
        return list(tomllib.load(f)["project"]["dependencies"])


def name_of(requirement: str) -> str:
    """The normalised distribution name of a requirement line (`PyJWT==2.1` -> `pyjwt`)."""
    return re.split(r"[\s=<>!~;\[]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def locked_versions(lock: Path = LOCK) -> dict[str, str]:
    """name -> pinned version of every package in a `uv pip compile` lock file."""
    pins = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", lock.read_text(), flags=re.MULTILINE)
    return {name_of(name): version for name, version in pins}


def check_lock(lock: Path = LOCK) -> None:
    """The lock must pin every runtime dependency at pyproject's version, else the layer would differ."""
    if not lock.is_file():
        raise RuntimeError(f"{lock.relative_to(ROOT)} is missing: run `make lock`")
    pins = locked_versions(lock)
    stale = []
    for requirement in runtime_dependencies():
        name, wanted = name_of(requirement), requirement.partition("==")[2].strip()
        if name not in pins or (wanted and pins[name] != wanted):
            stale.append(requirement)
    if stale:
        raise RuntimeError(
            f"{lock.relative_to(ROOT)} does not match pyproject.toml ({stale}): run `make lock`"
        )

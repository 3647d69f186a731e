"""The lock files (`make lock`) pin what pyproject.toml asks for, with hashes, and the layer's holds
the runtime dependencies only, at the versions the venv runs."""

from __future__ import annotations

import re
import tomllib

from infra.lock import DEV_LOCK, check_lock, locked_versions
from infra.lock import LOCK as LAYER_LOCK
from infra.lock import name_of as _name
from tests.conftest import ROOT


def _pyproject() -> dict:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["project"]


def _pins(requirements: list[str]) -> dict[str, str]:
    return {_name(r): r.partition("==")[2].strip() for r in requirements if "==" in r}


def test_every_declared_dependency_is_locked_at_its_version() -> None:
    project = _pyproject()
    declared = [
        *project["dependencies"],
        *(r for extra in project["optional-dependencies"].values() for r in extra),
    ]
    locked = locked_versions(DEV_LOCK)
    wrong = {
        name: (version, locked.get(name))
        for name, version in _pins(declared).items()
        if locked.get(name) != version
    }
    assert wrong == {}, "pyproject.toml changed: run `make lock`"
    check_lock()  # the layer lock pins every runtime dependency at pyproject's version


def test_layer_lock_is_the_runtime_closure_at_the_venv_versions() -> None:
    layer, dev = locked_versions(LAYER_LOCK), locked_versions(DEV_LOCK)
    assert {name: dev.get(name) for name in layer} == layer
    cli = _pins(_pyproject()["optional-dependencies"]["cli"])
    assert set(layer) & set(cli) == set(), "the CLI extra would land in the Lambda layer"
    assert "tqdm" not in layer and "moto" not in layer and "pytest" not in layer


def test_every_pin_carries_hashes() -> None:
    for lock in (DEV_LOCK, LAYER_LOCK):
        entries = re.split(r"\n(?=[A-Za-z0-9])", lock.read_text().split("\n", 2)[2])
        for entry in entries:
            if "==" in entry.split("\n", 1)[0]:
                assert "--hash=sha256:" in entry, f"{lock.name}: {entry.splitlines()[0]} has no hash"


def test_cdk_cli_is_pinned_with_its_integrity() -> None:
    import json

    package = json.loads((ROOT / "package.json").read_text())
    wanted = package["devDependencies"]["aws-cdk"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", wanted), "pin an exact CDK CLI version"
    locked = json.loads((ROOT / "package-lock.json").read_text())["packages"]["node_modules/aws-cdk"]
    assert locked["version"] == wanted and locked["integrity"].startswith("sha512-")

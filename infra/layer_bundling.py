"""The shared Lambda layer, built without Docker: `pip install --platform ...` plus the vaxcert package.

What is installed is requirements/layer.lock (`make lock` writes it from pyproject.toml's runtime
`dependencies`): exact versions, every file checked against its hash (`--require-hashes`).
The pip install is cached in build/layer-cache/<hash of the lock file, platform and exclusions> so
repeated synths (the infra tests synthesize into fresh directories) copy a ready tree in a second
instead of resolving and unpacking ~80 MB of wheels again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
import jsii
from aws_cdk import aws_lambda as lambda_

from infra import ROOT
from infra.lock import LOCK, check_lock, locked_versions, runtime_dependencies

LAYER_SOURCE = ROOT / "layers"
CACHE_ROOT = ROOT / "build" / "layer-cache"
PYTHON_VERSION = "3.12"

# The Lambda python3.12 runtime (Amazon Linux 2023, glibc 2.34) already ships boto3, botocore and
# s3transfer. botocore alone is ~30 MB (most of it service models) of the 250 MB unzipped limit and
# slows every cold start's layer extraction, and the code only calls long-stable APIs (DynamoDB, S3,
# SQS, KMS Sign, SNS Publish, Secrets Manager) that every runtime boto3 has. pynamodb still imports
# botocore: it finds the runtime's. Console scripts (bin/) and data for them (share/) are never used.
EXCLUDED = ("boto3", "botocore", "s3transfer", "bin", "share")
# Never ship caches or tests from our own package.
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "tests", "*.egg-info", ".mypy_cache")

ARCH_PLATFORMS = {
    # Lambda's glibc is 2.34, so every manylinux tag up to 2_34 is compatible; cryptography and
    # Pillow publish 2_28/2_34 wheels only, hence more than manylinux2014.
    "arm64": ("manylinux2014_aarch64", "manylinux_2_28_aarch64", "manylinux_2_34_aarch64"),
    "x86_64": ("manylinux2014_x86_64", "manylinux_2_28_x86_64", "manylinux_2_34_x86_64"),
}


def cache_key(deps: list[str], arch: str) -> str:
    # The compiler's version is in the key because the .pyc files it writes are version specific.
    spec = {
        "deps": sorted(deps),
        "lock": hashlib.sha256(LOCK.read_bytes()).hexdigest(),
        "platforms": ARCH_PLATFORMS[arch],
        "python": PYTHON_VERSION,
        "excluded": EXCLUDED,
        "compiled_by": list(sys.version_info[:2]),
        "recipe": 1,
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:20]


def _compile(path: Path) -> None:
    """Precompile for the runtime when this interpreter is the runtime's version (else Lambda compiles).

    `unchecked-hash` because CDK zips assets with a fixed 1980 timestamp: timestamp-checked .pyc would
    look stale on Lambda and be recompiled (in memory, /opt is read-only) on every cold start.
    """
    if f"{sys.version_info[0]}.{sys.version_info[1]}" != PYTHON_VERSION:
        return
    subprocess.run(  # noqa: S603 - fixed argument list, no shell
        [
            sys.executable,
            "-m",
            "compileall",
            "-q",
            "-j",
            "0",
            "--invalidation-mode",
            "unchecked-hash",
            str(path),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _pip_install(deps: list[str], arch: str, target: Path) -> None:
    check_lock()
    platforms = [arg for p in ARCH_PLATFORMS[arch] for arg in ("--platform", p)]
    cmd = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
        "--target", str(target), *platforms, "--only-binary=:all:", "--python-version", PYTHON_VERSION,
        "--implementation", "cp", "--no-deps", "--require-hashes", "-r", str(LOCK),
    ]  # fmt: skip
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise RuntimeError(f"layer pip install failed ({' '.join(cmd)}):\n{result.stdout}\n{result.stderr}")
    for name in os.listdir(target):
        dist = name.split("-")[0].lower() if name.endswith(".dist-info") else None
        if name in EXCLUDED or dist in EXCLUDED:
            shutil.rmtree(target / name)


def cached_dependencies(deps: list[str], arch: str) -> Path:
    """The installed dependency tree for `deps`, built once per cache key (safe under pytest-xdist)."""
    final = CACHE_ROOT / cache_key(deps, arch)
    if (final / "python").is_dir():
        return final
    CACHE_ROOT.mkdir(parents=True, exist_ok=True)
    tmp = CACHE_ROOT / f"{final.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    _pip_install(deps, arch, tmp / "python")
    _compile(tmp / "python")
    try:
        tmp.rename(final)  # atomic: a concurrent builder either wins or finds the finished tree
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not (final / "python").is_dir():
            raise
    return final


def _link_or_copy(src: str, dst: str) -> object:
    # Hard links make staging the ~80 MB tree nearly free; CDK only reads (zips) staged assets.
    try:
        os.link(src, dst)
    except FileExistsError:
        # Staged again into a tree that already holds this file (a re-run or a concurrent stager).
        if not os.path.samefile(src, dst):
            os.unlink(dst)
            shutil.copy2(src, dst)
    except OSError:
        shutil.copy2(src, dst)
    return dst


@jsii.implements(cdk.ILocalBundling)
class LayerBundler:
    def __init__(self, arch: str) -> None:
        self.arch = arch
        self.deps = runtime_dependencies()

    def try_bundle(self, output_dir: str, *, image: cdk.DockerImage, **_: object) -> bool:
        out = Path(output_dir) / "python"
        deps_tree = cached_dependencies(self.deps, self.arch) / "python"
        shutil.copytree(deps_tree, out, copy_function=_link_or_copy, dirs_exist_ok=True)
        shutil.copytree(LAYER_SOURCE / "vaxcert", out / "vaxcert", ignore=IGNORED, dirs_exist_ok=True)
        _compile(out / "vaxcert")
        return True


def layer_code(arch: str) -> lambda_.Code:
    deps = runtime_dependencies()
    platforms = " ".join(f"--platform {p}" for p in ARCH_PLATFORMS[arch])
    docker_command = (
        f"pip install --target /asset-output/python {platforms} --only-binary=:all: "
        + " ".join(f"'{name}=={version}'" for name, version in sorted(locked_versions().items()))
        + " && cp -r vaxcert /asset-output/python/"
    )
    return lambda_.Code.from_asset(
        str(LAYER_SOURCE),
        exclude=["**/__pycache__", "**/*.pyc", "**/*.egg-info"],
        bundling=cdk.BundlingOptions(
            # Never pulled: local bundling always succeeds or raises. The image and command say what
            # the equivalent Docker build would be, and put the dependency list into the asset hash so
            # a dependency change re-bundles even when layers/ itself is unchanged.
            image=cdk.DockerImage.from_registry(f"public.ecr.aws/sam/build-python{PYTHON_VERSION}"),
            command=["bash", "-c", docker_command],
            environment={"VAXCERT_LAYER_KEY": cache_key(deps, arch)},
            local=LayerBundler(arch),
        ),
    )

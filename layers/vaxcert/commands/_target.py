"""Which deployment an operator command acts on: the local stack, or a deployed stack's settings.

Not a subcommand (no `register`): shared by the commands that touch AWS.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from vaxcert.settings import Settings, get_settings

LOCAL_CREDENTIALS = ".local/credentials.json"


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--local",
        nargs="?",
        const=LOCAL_CREDENTIALS,
        metavar="CREDENTIALS",
        help=f"act on the running local stack (reads {LOCAL_CREDENTIALS}); default: the AWS account and "
        "settings in the environment (see `vaxcert env`)",
    )


def local_credentials(path: str) -> dict[str, Any]:
    file = Path(path)
    if not file.exists():
        raise SystemExit(f"{file} not found: start the local stack with `make run` first")
    return dict(json.loads(file.read_text()))


def target_settings(args: argparse.Namespace) -> Settings:
    """Settings for the chosen target, with tables bound; exports the local endpoint when --local."""
    if getattr(args, "local", None):
        credentials = local_credentials(args.local)
        aws = credentials["aws"]
        os.environ.update(aws["env"])
        os.environ.update(
            AWS_ENDPOINT_URL=aws["endpoint"],
            AWS_DEFAULT_REGION=aws["region"],
            AWS_ACCESS_KEY_ID="local",
            AWS_SECRET_ACCESS_KEY="local",  # noqa: S106 - moto accepts any credentials
        )
    get_settings.cache_clear()
    from vaxcert.runtime import wiring

    wiring.settings.cache_clear()
    return wiring.settings()

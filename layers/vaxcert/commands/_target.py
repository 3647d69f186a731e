"""Which deployment an operator command acts on: the local stack, or a deployed stack's settings.

Not a subcommand (no `register`): shared by the commands that touch AWS.

`--local` is a flag: it never takes the next word, so `vaxcert keys withdraw --local KID` keeps KID
as the positional argument. Another credentials file is given as `--local=FILE` or `--credentials FILE`
(vaxcert.cli also accepts the older `--local FILE` when FILE is not one of the command's positionals).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from vaxcert.settings import Settings, get_settings

LOCAL_CREDENTIALS = ".local/credentials.json"


class EnvironmentProblem(Exception):
    """The command cannot reach or find its deployment (missing file, setting or connection): exit 2."""


class _LocalFlag(argparse.Action):
    """`--local` alone: the default credentials file (a file given with --credentials wins)."""

    def __call__(self, parser: Any, namespace: argparse.Namespace, values: Any, option: Any = None) -> None:
        if not getattr(namespace, self.dest, None):
            setattr(namespace, self.dest, LOCAL_CREDENTIALS)


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--local",
        action=_LocalFlag,
        nargs=0,
        default=None,
        help=f"act on the running local stack (reads {LOCAL_CREDENTIALS}); default: the AWS account and "
        "settings in the environment (see `vaxcert env`)",
    )
    parser.add_argument(
        "--credentials",
        dest="local",
        metavar="FILE",
        help="like --local, with another local stack credentials file (also: --local=FILE)",
    )


def local_credentials(path: str) -> dict[str, Any]:
    file = Path(path)
    if not file.exists():
        raise EnvironmentProblem(f"{file} not found: start the local stack with `make run` first")
    try:
        return dict(json.loads(file.read_text()))
    except (OSError, ValueError) as exc:
        raise EnvironmentProblem(f"{file}: not a local stack credentials file ({exc})") from None


def target_settings(args: argparse.Namespace) -> Settings:
    """Settings for the chosen target, with tables bound; exports the local endpoint when --local."""
    if getattr(args, "local", None):
        credentials = local_credentials(args.local)
        try:
            aws = credentials["aws"]
            os.environ.update(aws["env"])
            os.environ.update(
                AWS_ENDPOINT_URL=aws["endpoint"],
                AWS_DEFAULT_REGION=aws["region"],
                AWS_ACCESS_KEY_ID="local",
                AWS_SECRET_ACCESS_KEY="local",  # noqa: S106 - moto accepts any credentials
            )
        except (KeyError, TypeError):
            raise EnvironmentProblem(f"{args.local}: not a local stack credentials file") from None
    get_settings.cache_clear()
    from vaxcert.runtime import wiring

    wiring.settings.cache_clear()
    return wiring.settings()


def require(value: str, variable: str) -> str:
    """A setting the command needs; empty means the environment is not loaded for a deployed stack."""
    if not value:
        raise EnvironmentProblem(
            f"{variable} is not set: load a deployed stack's settings with "
            '`eval "$(vaxcert env --stack NAME)"`, or add --local'
        )
    return value

"""`vaxcert`: the operators' command line.

Each subcommand lives in vaxcert/commands/<name>.py and exposes ``register(subparsers)``, adding a
parser whose ``func`` default takes the parsed args and returns an exit code.

Exit codes: 0 done / valid, 1 the command's own "no" (invalid, rejected rows, ...), 2 usage or
environment problem (no credentials, endpoint unreachable, missing setting): one line on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from typing import Any, NoReturn

from vaxcert import commands

EXIT_ENVIRONMENT = 2


class _ProbeFailed(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that can try a reading of the command line without printing an error."""

    probing = False  # class-wide: subparsers are instances of this class too

    def error(self, message: str) -> NoReturn:
        if _Parser.probing:
            raise _ProbeFailed(message)
        super().error(message)


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as package_version

    try:
        return package_version("vaxcert")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="vaxcert", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"vaxcert {version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):  # shared helpers, not subcommands
            continue
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(sub)
    return parser


def parse_args(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """`--local` is a flag; `--local=FILE` names another credentials file. The older `--local FILE`
    still works, but only when FILE is not needed as one of the command's positional arguments."""
    argv = [f"--credentials={a.split('=', 1)[1]}" if a.startswith("--local=") else a for a in argv]
    pairs = [i for i in range(len(argv) - 1) if argv[i] == "--local" and not argv[i + 1].startswith("-")]
    if pairs:
        _Parser.probing = True
        try:
            return parser.parse_args(argv)  # the word after --local read as a positional
        except _ProbeFailed:
            for i in pairs:
                argv[i] = "--credentials"
        finally:
            _Parser.probing = False
    return parser.parse_args(argv)


def environment_problem(exc: BaseException) -> str | None:
    """One line for an error of the environment (credentials, settings, network), else None.

    Wrapped errors count too: pynamodb raises its own exception with the botocore one as `cause`.
    """
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(seen) < 5 and current not in seen:
        seen.append(current)
        message = _one_problem(current)
        if message is not None:
            return message
        cause = getattr(current, "cause", None)
        current = cause if isinstance(cause, BaseException) else current.__cause__ or current.__context__
    return None


def _one_problem(exc: BaseException) -> str | None:
    from vaxcert.commands._target import EnvironmentProblem

    message: str | None = None
    botocore: Any = sys.modules.get("botocore.exceptions")  # only imported if AWS was called
    pydantic: Any = sys.modules.get("pydantic")
    if isinstance(exc, EnvironmentProblem):
        message = str(exc)
    elif botocore is not None and isinstance(exc, botocore.ClientError):
        error = exc.response.get("Error", {})
        message = f"AWS refused {exc.operation_name}: {error.get('Code')}: {error.get('Message')}"
    elif botocore is not None and isinstance(exc, botocore.BotoCoreError):
        message = f"AWS: {exc}"
    elif pydantic is not None and isinstance(exc, pydantic.ValidationError) and exc.title == "Settings":
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        message = f"invalid settings in the environment: {problems}"
    elif isinstance(exc, ConnectionError | TimeoutError):
        message = f"connection failed: {exc}"
    else:
        import urllib.error

        if isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError):
            message = f"cannot reach the server: {exc.reason}"
    return None if message is None else " ".join(message.split())


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parse_args(parser, list(sys.argv[1:] if argv is None else argv))
    try:
        return int(args.func(args) or 0)
    except Exception as exc:
        message = environment_problem(exc)
        if message is None:
            raise
        print(f"vaxcert {args.command}: {message}", file=sys.stderr)
        return EXIT_ENVIRONMENT


if __name__ == "__main__":
    sys.exit(main())

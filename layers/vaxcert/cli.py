"""`vaxcert`: the operators' command line.

Each subcommand lives in vaxcert/commands/<name>.py and exposes ``register(subparsers)``, adding a
parser whose ``func`` default takes the parsed args and returns an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from vaxcert import commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vaxcert", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):  # shared helpers, not subcommands
            continue
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())

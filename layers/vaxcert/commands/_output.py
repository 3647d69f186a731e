"""How a command prints its result: a line of text for a person, or one JSON document with `--json`.

Not a subcommand (no `register`). Progress and warnings go to stderr, so stdout stays parseable.
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def add_json_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the result as one JSON document")


def emit(args: argparse.Namespace, result: Any, text: str) -> None:
    """Print `result` as JSON when --json was given, else `text`."""
    if getattr(args, "json", False):
        print(json.dumps(result, indent=2, default=str))
    else:
        print(text)

"""`vaxcert env --stack NAME`: print the deployed stack's settings as shell exports.

The functions' environment is the one settings model (vaxcert.settings); operators load the same
values with `eval "$(vaxcert env --stack Vaxcert)"` before `vaxcert keys ...` or `vaxcert trust ...`.
"""

from __future__ import annotations

import argparse
import shlex
from typing import Any

from vaxcert.commands._output import add_json_argument, emit
from vaxcert.settings import Settings

# Never exported: Lambda-internal and logging variables that are not settings.
_SETTING_NAMES = {name.upper() for name in Settings.model_fields}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("env", help="print a deployed stack's settings as shell exports")
    parser.add_argument("--stack", required=True, help="CloudFormation stack name (e.g. Vaxcert)")
    parser.add_argument("--region", help="AWS region (default: from the AWS configuration)")
    add_json_argument(parser)
    parser.set_defaults(func=run)


def stack_settings(stack: str, region: str | None) -> dict[str, str]:
    import boto3

    session = boto3.session.Session(region_name=region)
    cloudformation, lambda_ = session.client("cloudformation"), session.client("lambda")
    values: dict[str, str] = {}
    paginator = cloudformation.get_paginator("list_stack_resources")
    for page in paginator.paginate(StackName=stack):
        for resource in page["StackResourceSummaries"]:
            if resource["ResourceType"] != "AWS::Lambda::Function":
                continue
            config = lambda_.get_function_configuration(FunctionName=resource["PhysicalResourceId"])
            for key, value in config.get("Environment", {}).get("Variables", {}).items():
                if key in _SETTING_NAMES:
                    values.setdefault(key, value)
    values.setdefault("AWS_REGION", session.region_name or "")
    return values


def run(args: argparse.Namespace) -> int:
    values = dict(sorted(stack_settings(args.stack, args.region).items()))
    emit(args, values, "\n".join(f"export {key}={shlex.quote(value)}" for key, value in values.items()))
    return 0

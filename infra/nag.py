"""cdk-nag (3.x) wiring: every acknowledgement goes through here so each carries a specific reason."""

from __future__ import annotations

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge a cdk-nag finding on `scope` and everything under it.

    `rule` is a rule id ("AwsSolutions-S1") or one finding of it ("AwsSolutions-IAM5[Resource::*]").
    """
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=rule, reason=reason))


def logical_id(construct: IConstruct) -> str:
    """The CloudFormation logical id of an L2 construct's resource, as cdk-nag names it in findings."""
    stack = cdk.Stack.of(construct)
    cfn = construct.node.default_child
    assert isinstance(cfn, cdk.CfnElement)
    return str(stack.resolve(stack.get_logical_id(cfn)))


def add_checks(app: cdk.App) -> None:
    # cdk-nag 3 runs as a CDK policy-validation plugin: any unacknowledged finding (error or
    # warning) fails `app.synth()` and is written to cdk.out/policy-validation-report.json.
    # `Aspects.of(app).add(AwsSolutionsChecks())` (the 2.x way) crashes with 3.x.
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))

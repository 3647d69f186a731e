"""The REST API: one resource and method per route of vaxcert.routes.ROUTES, nothing hand-listed."""

from __future__ import annotations

import re

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra.config import DeployConfig
from infra.nag import acknowledge
from vaxcert.resources import ORIGIN_HEADER
from vaxcert.routes import ROUTES, Auth, Route

# Why a route has no API Gateway authorizer (cdk-nag APIG4/COG4), per auth kind. No route has one:
# every non-public route is checked in its function before the handler runs (vaxcert.http.api.Api
# fails closed for an auth kind without an authenticator), which the integration tests exercise.
_IN_FUNCTION_STAFF_CHECK = (
    "The function verifies the Cognito ID token itself on every request: RS256 signature against the "
    "user pool's JWKS, exp, aud (the app client), iss (the pool), token_use=id and the cognito:groups "
    "this route needs. A COGNITO_USER_POOLS authorizer is not used because the pages send "
    "'Authorization: Bearer <token>', and whether that authorizer accepts a 'Bearer ' prefix is not "
    "documented (and it would not check groups anyway). WAF and stage throttling bound "
    "the cost of unauthenticated calls."
)
UNAUTHORIZED_REASONS = {
    Auth.PUBLIC: "Public by design: trust lists, public keys, revocation lists and verification must be "
    "reachable by any verifier app without an account.",
    Auth.INGEST_KEY: "CommCare's data forwarder can only send a fixed header (its 'API Key' option); the "
    "function compares it in constant time with the Secrets Manager ingest secret.",
    Auth.CITIZEN: "Citizens have no Cognito account: the function verifies the KMS-signed (ES256) session "
    "token issued by POST /v1/citizen/session after an SMS one-time code.",
    Auth.STAFF: _IN_FUNCTION_STAFF_CHECK,
    Auth.ADMIN: _IN_FUNCTION_STAFF_CHECK,
}

PATH_PARAM = re.compile(r"^\{([A-Za-z0-9_]+)\+?\}$")


# The header WAF's rate-based rules count by: CloudFront puts the viewer's address last in
# X-Forwarded-For, and the distribution's viewer-request function (infra/web.py) first replaces whatever
# the viewer sent, so its first (the only viewer-supplied position WAF reads) is the viewer's own address.
RATE_KEY_HEADER = "X-Forwarded-For"


def _rule_visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeployConfig,
        origin_secret: secretsmanager.ISecret | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.config = config
        self.origin_secret = origin_secret
        access_logs = logs.LogGroup(
            self, "AccessLogs", retention=config.log_retention, removal_policy=cdk.RemovalPolicy.RETAIN
        )
        self.stage_name = config.stage
        api = self.rest_api = apigw.RestApi(
            self,
            "RestApi",
            rest_api_name=f"{cdk.Stack.of(self).stack_name}-api",
            description="vaxcert: issue, serve, correct, revoke and verify DDCC:VS certificates",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            binary_media_types=["application/pdf"],
            min_compression_size=cdk.Size.kibibytes(1),
            # Execution logging (below) needs the account-level API Gateway CloudWatch role.
            cloud_watch_role=True,
            deploy_options=apigw.StageOptions(
                stage_name=config.stage,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                # No caller identity or body: access logs must not become a second store of PII.
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=False,
                ),
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
                metrics_enabled=True,
                tracing_enabled=False,
                throttling_rate_limit=config.api_rate_limit,
                throttling_burst_limit=config.api_burst_limit,
                method_options=self._ingest_throttling(),
            ),
        )
        self._execution_logs(api)
        acknowledge(
            api,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonAPIGatewayPushToCloudWatchLogs]",
            "The account-level role API Gateway uses to write execution logs; AWS documents this managed "
            "policy for it and it grants nothing beyond CloudWatch Logs writes.",
        )
        # Required path parameters are checked by API Gateway; bodies are validated by the functions'
        # pydantic models, which answer CommCare with the status codes it needs (see NOTES.md).
        self.validator = api.add_request_validator(
            "RequestValidator", validate_request_body=True, validate_request_parameters=True
        )
        self._web_acl(api)

    def _web_acl(self, api: apigw.RestApi) -> None:
        def managed(
            name: str, priority: int, overrides: list[str] | None = None
        ) -> wafv2.CfnWebACL.RuleProperty:
            return wafv2.CfnWebACL.RuleProperty(
                name=name,
                priority=priority,
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS",
                        name=name,
                        rule_action_overrides=[
                            wafv2.CfnWebACL.RuleActionOverrideProperty(
                                name=o, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
                            )
                            for o in overrides or []
                        ]
                        or None,
                    )
                ),
                override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
                    cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
                ),
            )

        acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
                cloud_watch_metrics_enabled=True, metric_name="vaxcert-api", sampled_requests_enabled=True
            ),
            rules=[
                *self._origin_rules(),
                # CommCare form submissions are routinely larger than the 8 KB body-size rule allows.
                managed("AWSManagedRulesCommonRuleSet", 10, overrides=["SizeRestrictions_BODY"]),
                managed("AWSManagedRulesKnownBadInputsRuleSet", 11),
                *self._rate_rules(20),
            ],
        )
        wafv2.CfnWebACLAssociation(
            self,
            "WebAclAssociation",
            resource_arn=api.deployment_stage.stage_arn,
            web_acl_arn=acl.attr_arn,
        )

    def _ingest_throttling(self) -> dict[str, apigw.MethodDeploymentOptions]:
        """CommCare's routes get their own method throttling, apart from the stage's default for the
        public routes: a flood of public requests uses up the public budget, never CommCare's."""
        return {
            f"{route.path}/{route.method}": apigw.MethodDeploymentOptions(
                throttling_rate_limit=self.config.ingest_rate_limit,
                throttling_burst_limit=self.config.ingest_burst_limit,
            )
            for route in ROUTES
            if route.auth is Auth.INGEST_KEY
        }

    def _execution_logs(self, api: apigw.RestApi) -> None:
        """API Gateway writes execution logs to a group of this exact name, which it would otherwise
        create itself with no retention (kept forever): create it first, with the stack's retention."""
        group = logs.LogGroup(
            self,
            "ExecutionLogs",
            log_group_name=f"API-Gateway-Execution-Logs_{api.rest_api_id}/{self.stage_name}",
            retention=self.config.log_retention,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        api.deployment_stage.node.add_dependency(group)

    def _origin_rules(self) -> list[wafv2.CfnWebACL.RuleProperty]:
        """Block every request without CloudFront's origin header (direct execute-api calls): limits
        and the audit trail then always see the viewer's own address, and no one skips the edge."""
        if self.origin_secret is None:
            return []
        carries_secret = wafv2.CfnWebACL.StatementProperty(
            byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
                field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(
                    single_header={"Name": ORIGIN_HEADER.lower()}
                ),
                positional_constraint="EXACTLY",
                # A dynamic reference: CloudFormation resolves it at deploy time; the template holds none.
                search_string=self.origin_secret.secret_value.unsafe_unwrap(),
                text_transformations=[wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")],
            )
        )
        return [
            wafv2.CfnWebACL.RuleProperty(
                name="RequireCloudFrontOrigin",
                priority=0,
                action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    not_statement=wafv2.CfnWebACL.NotStatementProperty(statement=carries_secret)
                ),
                visibility_config=_rule_visibility("RequireCloudFrontOrigin"),
            )
        ]

    def _rate_rules(self, first_priority: int) -> list[wafv2.CfnWebACL.RuleProperty]:
        """One rate-based rule per public path that costs money or guesses secrets (SMS codes, sign-in,
        verification), counted per viewer address over WAF's 5-minute window."""
        rules = []
        for i, (path, limit) in enumerate(self.config.waf_rate_limits):
            name = "Rate" + "".join(part.title() for part in path.replace("/", "-").split("-") if part)
            rules.append(
                wafv2.CfnWebACL.RuleProperty(
                    name=name,
                    priority=first_priority + i,
                    action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                            limit=limit,
                            evaluation_window_sec=300,
                            aggregate_key_type="FORWARDED_IP",
                            forwarded_ip_config=wafv2.CfnWebACL.ForwardedIPConfigurationProperty(
                                header_name=RATE_KEY_HEADER, fallback_behavior="NO_MATCH"
                            ),
                            scope_down_statement=wafv2.CfnWebACL.StatementProperty(
                                byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
                                    field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
                                    # The stage name comes first in the path API Gateway sees.
                                    positional_constraint="ENDS_WITH",
                                    search_string=path,
                                    text_transformations=[
                                        wafv2.CfnWebACL.TextTransformationProperty(
                                            priority=0, type="LOWERCASE"
                                        )
                                    ],
                                )
                            ),
                        )
                    ),
                    visibility_config=_rule_visibility(name),
                )
            )
        return rules

    @property
    def execute_api_domain(self) -> str:
        stack = cdk.Stack.of(self)
        # Built from the API id only (not api.url, which references the stage): the functions' PORTAL_URL
        # references the distribution, and a distribution depending on the stage would close a cycle
        # function -> distribution -> stage -> deployment -> method -> function.
        return f"{self.rest_api.rest_api_id}.execute-api.{stack.region}.{stack.url_suffix}"

    def add_routes(self, functions: dict[str, lambda_.IFunction], cors_origins: list[str]) -> None:
        api = self.rest_api
        integrations = {
            name: apigw.LambdaIntegration(fn, proxy=True, allow_test_invoke=False)
            for name, fn in functions.items()
        }
        methods_by_resource: dict[str, list[Route]] = {}
        for route in ROUTES:
            methods_by_resource.setdefault(route.path, []).append(route)
            if route.function not in integrations:
                raise ValueError(f"route {route.method} {route.path}: no function {route.function!r}")

        for path, routes in methods_by_resource.items():
            resource = api.root.resource_for_path(path)
            params = {
                f"method.request.path.{m.group(1)}": True
                for part in path.split("/")
                if (m := PATH_PARAM.match(part))
            }
            for route in routes:
                method = resource.add_method(
                    route.method,
                    integrations[route.function],
                    authorization_type=apigw.AuthorizationType.NONE,
                    request_validator=self.validator,
                    request_parameters=params or None,
                )
                reason = UNAUTHORIZED_REASONS[route.auth]
                acknowledge(method, "AwsSolutions-APIG4", reason)
                acknowledge(method, "AwsSolutions-COG4", reason)
            preflight = resource.add_cors_preflight(
                allow_origins=cors_origins,
                allow_methods=sorted({r.method for r in routes}),
                allow_headers=["Authorization", "Content-Type", self.config.ingest_header],
                max_age=cdk.Duration.hours(1),
            )
            cors_reason = "CORS preflight (OPTIONS) requests never carry credentials (Fetch standard)."
            acknowledge(preflight, "AwsSolutions-APIG4", cors_reason)
            acknowledge(preflight, "AwsSolutions-COG4", cors_reason)

        # API Gateway's own 4xx/5xx answers (throttling, WAF blocks) must be readable by the page.
        for rtype, rid in (
            (apigw.ResponseType.DEFAULT_4_XX, "Default4xx"),
            (apigw.ResponseType.DEFAULT_5_XX, "Default5xx"),
        ):
            api.add_gateway_response(
                rid, type=rtype, response_headers={"Access-Control-Allow-Origin": f"'{cors_origins[0]}'"}
            )

"""Issue 17 in the template: what a first real deployment on a new AWS account needs.

No reserved concurrency by default; CloudFront forwards the viewer's address and a secret origin header
that the API's web ACL requires; rate rules per viewer address; CommCare's own throttling; SQS
visibility, execution log retention; no unused OAuth flows; SES and SMS origination settings.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra.config import DEFAULT_WAF_RATE_LIMITS, ISSUE_CONCURRENCY
from tests.infra.conftest import Synth, synthesize
from vaxcert import resources as r
from vaxcert.routes import ROUTES, Auth

pytestmark = pytest.mark.xdist_group("infra")


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synthesize(tmp_path_factory.mktemp("cdk-out"))


# An operator's settings, all in one synth (each synth costs seconds of CI).
OPERATOR_CONTEXT: dict[str, object] = {
    "vaxcert:issueReservedConcurrency": 3,
    "vaxcert:ingestHeader": "Authorization",
    "vaxcert:wafRateLimits": {"/v1/citizen/otp": 50},
    "vaxcert:sesIdentity": "moh.gov.jm",
    "vaxcert:smsSenderId": "MOHJamaica",
    "vaxcert:smsOriginationNumber": "+18885550100",
}


@pytest.fixture(scope="module")
def operator(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synthesize(tmp_path_factory.mktemp("cdk-out-operator"), OPERATOR_CONTEXT)


def _only(synth: Synth, cfn_type: str) -> tuple[str, dict[str, Any]]:
    [(logical_id, resource)] = synth.of_type(cfn_type).items()
    return logical_id, resource["Properties"]


def _function(synth: Synth, name: str) -> dict[str, Any]:
    prefix = "Functions" + name.title() + "Function"
    return synth.resources[synth.logical_id(prefix, "AWS::Lambda::Function")]["Properties"]


def _distribution(synth: Synth) -> dict[str, Any]:
    return _only(synth, "AWS::CloudFront::Distribution")[1]["DistributionConfig"]


def _api_behavior(synth: Synth) -> dict[str, Any]:
    return next(b for b in _distribution(synth)["CacheBehaviors"] if b["PathPattern"] == "/v1/*")


def _secret_id(synth: Synth) -> str:
    return synth.logical_id(r.ORIGIN_SECRET.logical_id, "AWS::SecretsManager::Secret")


def _resolves_secret(value: Any, secret_id: str) -> bool:
    """A CloudFormation dynamic reference to the secret's value (never the value itself)."""
    text = json.dumps(value)
    return "{{resolve:secretsmanager:" in text and secret_id in text


# --- 1. deploys on a new account ----------------------------------------------------------------


def test_no_function_reserves_concurrency_by_default(synth: Synth) -> None:
    for name in r.FUNCTIONS:
        assert "ReservedConcurrentExecutions" not in _function(synth, name), name
    [mapping] = synth.of_type("AWS::Lambda::EventSourceMapping").values()
    assert mapping["Properties"]["ScalingConfig"]["MaximumConcurrency"] == ISSUE_CONCURRENCY


def test_a_context_value_may_reserve_issue_concurrency(operator: Synth) -> None:
    synth = operator
    assert _function(synth, "issue")["ReservedConcurrentExecutions"] == 3
    [mapping] = synth.of_type("AWS::Lambda::EventSourceMapping").values()
    # Pollers never exceed the reservation (no throttled message bounces towards the DLQ).
    assert mapping["Properties"]["ScalingConfig"]["MaximumConcurrency"] == 3


# --- 2. the citizen's own address ---------------------------------------------------------------


def test_api_behaviour_forwards_the_viewer_address_and_authorization_but_not_host(synth: Synth) -> None:
    behavior = _api_behavior(synth)
    policy = synth.resources[behavior["OriginRequestPolicyId"]["Ref"]]["Properties"]
    config = policy["OriginRequestPolicyConfig"]
    headers = config["HeadersConfig"]
    assert headers["HeaderBehavior"] == "whitelist"
    names = {h.lower() for h in headers["Headers"]}
    assert r.VIEWER_ADDRESS_HEADER.lower() in names
    assert "host" not in names  # API Gateway routes on its own Host
    assert {"content-type", "user-agent", "x-vaxcert-key"} <= names
    assert len(headers["Headers"]) <= 10  # CloudFront's limit per origin request policy
    assert config["QueryStringsConfig"]["QueryStringBehavior"] == "all"
    # Authorization reaches the API only through the cache policy; nothing is cached.
    cache = synth.resources[behavior["CachePolicyId"]["Ref"]]["Properties"]["CachePolicyConfig"]
    assert cache["MinTTL"] == 0 and cache["DefaultTTL"] == 0 and cache["MaxTTL"] <= 1
    key = cache["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["HeadersConfig"] == {"HeaderBehavior": "whitelist", "Headers": ["Authorization"]}


def test_the_ingest_header_fallback_authorization_still_reaches_the_api(operator: Synth) -> None:
    """`-c vaxcert:ingestHeader=Authorization` (CommCare's fallback): forwarded by the cache policy, and
    the origin request policy does not list it (CloudFront refuses Authorization there)."""
    synth = operator
    behavior = _api_behavior(synth)
    policy = synth.resources[behavior["OriginRequestPolicyId"]["Ref"]]["Properties"]
    names = {h.lower() for h in policy["OriginRequestPolicyConfig"]["HeadersConfig"]["Headers"]}
    assert "authorization" not in names
    cache = synth.resources[behavior["CachePolicyId"]["Ref"]]["Properties"]["CachePolicyConfig"]
    assert cache["ParametersInCacheKeyAndForwardedToOrigin"]["HeadersConfig"]["Headers"] == ["Authorization"]
    for fn in ("ingest", "download"):
        assert _function(synth, fn)["Environment"]["Variables"]["INGEST_HEADER"] == "Authorization"


def test_cloudfront_sends_the_origin_secret_and_the_web_acl_requires_it(synth: Synth) -> None:
    secret_id = _secret_id(synth)
    api_origin = next(o for o in _distribution(synth)["Origins"] if "CustomOriginConfig" in o)
    [header] = [h for h in api_origin["OriginCustomHeaders"] if h["HeaderName"] == r.ORIGIN_HEADER]
    assert _resolves_secret(header["HeaderValue"], secret_id)

    _, acl = _only(synth, "AWS::WAFv2::WebACL")
    rule = next(rule for rule in acl["Rules"] if rule["Name"] == "RequireCloudFrontOrigin")
    assert rule["Priority"] == min(x["Priority"] for x in acl["Rules"])  # before everything else
    assert rule["Action"] == {"Block": {}}
    match = rule["Statement"]["NotStatement"]["Statement"]["ByteMatchStatement"]
    assert match["FieldToMatch"] == {"SingleHeader": {"Name": r.ORIGIN_HEADER.lower()}}
    assert match["PositionalConstraint"] == "EXACTLY"
    assert _resolves_secret(match["SearchString"], secret_id)
    # The functions that record addresses may read the secret to trust the viewer address header.
    for fn in ("download", "revoke"):
        assert r.ORIGIN_SECRET.logical_id in r.FUNCTIONS[fn].secrets
        env = _function(synth, fn)["Environment"]["Variables"]
        assert env[r.ORIGIN_SECRET.env] == {"Ref": secret_id}


def test_origin_secret_is_generated_and_its_rotation_documented(synth: Synth) -> None:
    props = synth.resources[_secret_id(synth)]["Properties"]
    assert props["GenerateSecretString"]["PasswordLength"] >= 32
    assert "X-Vaxcert-Origin" in (Path(__file__).parents[2] / "docs" / "deployment.md").read_text()


# --- 3. limits that hold under a flood ----------------------------------------------------------


def test_rate_rules_per_viewer_address_for_the_public_paths(synth: Synth) -> None:
    _, acl = _only(synth, "AWS::WAFv2::WebACL")
    rate = {
        rule["Statement"]["RateBasedStatement"]["ScopeDownStatement"]["ByteMatchStatement"][
            "SearchString"
        ]: rule
        for rule in acl["Rules"]
        if "RateBasedStatement" in rule["Statement"]
    }
    assert set(rate) == {"/v1/citizen/otp", "/v1/citizen/session", "/v1/staff/session", "/v1/verify"}
    for path, rule in rate.items():
        statement = rule["Statement"]["RateBasedStatement"]
        assert rule["Action"] == {"Block": {}}
        assert statement["Limit"] == DEFAULT_WAF_RATE_LIMITS[path]
        assert statement["AggregateKeyType"] == "FORWARDED_IP"
        assert statement["ForwardedIPConfig"]["HeaderName"] == "X-Forwarded-For"
        scope = statement["ScopeDownStatement"]["ByteMatchStatement"]
        assert scope["FieldToMatch"] == {"UriPath": {}} and scope["PositionalConstraint"] == "ENDS_WITH"
    # The first X-Forwarded-For address is the viewer's: the API behaviour's viewer-request function
    # overwrites whatever the viewer sent (CloudFront then appends the same address).
    [association] = _api_behavior(synth)["FunctionAssociations"]
    assert association["EventType"] == "viewer-request"
    function = synth.resources[association["FunctionARN"]["Fn::GetAtt"][0]]["Properties"]
    assert "request.headers['x-forwarded-for'] = { value: event.viewer.ip }" in function["FunctionCode"]


def test_rate_limits_are_context_values(operator: Synth) -> None:
    synth = operator
    _, acl = _only(synth, "AWS::WAFv2::WebACL")
    limits = {
        rule["Name"]: rule["Statement"]["RateBasedStatement"]["Limit"]
        for rule in acl["Rules"]
        if "RateBasedStatement" in rule["Statement"]
    }
    assert (
        limits["RateV1CitizenOtp"] == 50 and limits["RateV1Verify"] == DEFAULT_WAF_RATE_LIMITS["/v1/verify"]
    )


def test_commcare_ingest_has_its_own_method_throttling(synth: Synth) -> None:
    _, stage = _only(synth, "AWS::ApiGateway::Stage")
    settings = {(s["ResourcePath"], s["HttpMethod"]): s for s in stage["MethodSettings"]}
    default = settings[("/*", "*")]
    ingest_routes = [route for route in ROUTES if route.auth is Auth.INGEST_KEY]
    assert ingest_routes
    for route in ingest_routes:
        # API Gateway writes method paths with "~1" for "/".
        own = settings[("/" + route.path.replace("/", "~1"), route.method)]
        assert own["ThrottlingRateLimit"] == 50 and own["ThrottlingBurstLimit"] == 100
        assert own["ThrottlingRateLimit"] < default["ThrottlingRateLimit"]


# --- 5. what Lambda lacks, and the operator's settings -------------------------------------------


def test_sqs_visibility_covers_six_function_timeouts_and_the_batching_window(synth: Synth) -> None:
    [mapping] = synth.of_type("AWS::Lambda::EventSourceMapping").values()
    props = mapping["Properties"]
    queue = synth.resources[props["EventSourceArn"]["Fn::GetAtt"][0]]["Properties"]
    timeout = _function(synth, "issue")["Timeout"]
    assert queue["VisibilityTimeout"] >= 6 * timeout + props["MaximumBatchingWindowInSeconds"]


def test_api_execution_logs_have_a_retention(synth: Synth) -> None:
    _, stage = _only(synth, "AWS::ApiGateway::Stage")
    assert stage["MethodSettings"][0]["LoggingLevel"] == "ERROR"  # execution logs are on
    api_id = next(iter(synth.of_type("AWS::ApiGateway::RestApi")))
    groups = [
        (k, g)
        for k, g in synth.of_type("AWS::Logs::LogGroup").items()
        if "API-Gateway-Execution-Logs_" in json.dumps(g["Properties"].get("LogGroupName"))
    ]
    [(group_id, group)] = groups
    name = group["Properties"]["LogGroupName"]["Fn::Join"][1]
    assert name == ["API-Gateway-Execution-Logs_", {"Ref": api_id}, f"/{stage['StageName']}"]
    assert group["Properties"]["RetentionInDays"] == 365
    stage_id = next(iter(synth.of_type("AWS::ApiGateway::Stage")))
    assert group_id in synth.resources[stage_id].get("DependsOn", [])


def test_app_client_has_no_oauth_flows_or_callback(synth: Synth) -> None:
    _, client = _only(synth, "AWS::Cognito::UserPoolClient")
    for unused in ("AllowedOAuthFlows", "AllowedOAuthScopes", "CallbackURLs", "LogoutURLs"):
        assert unused not in client, unused
    assert client.get("AllowedOAuthFlowsUserPoolClient") in (None, False)
    assert client["ExplicitAuthFlows"] == ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    # Users cannot overwrite their own sign-out time with an access token.
    assert "custom:signed_out_at" not in client["WriteAttributes"]
    _, pool = _only(synth, "AWS::Cognito::UserPool")
    assert {"Name": "signed_out_at", "AttributeDataType": "String", "Mutable": True}.items() <= next(
        a for a in pool["Schema"] if a["Name"] == "signed_out_at"
    ).items()
    assert "EmailConfiguration" not in pool or pool["EmailConfiguration"].get("EmailSendingAccount") in (
        None,
        "COGNITO_DEFAULT",
    )


def test_staff_account_checks_are_granted_where_used(synth: Synth) -> None:
    def pool_actions(fn: str) -> set[str]:
        role_id = _function(synth, fn)["Role"]["Fn::GetAtt"][0]
        role = synth.resources[role_id]["Properties"]
        return {
            a
            for p in role["Policies"]
            for s in p["PolicyDocument"]["Statement"]
            for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
            if a.startswith("cognito-idp:Admin")
        }

    assert pool_actions("download") == {
        "cognito-idp:AdminGetUser",
        "cognito-idp:AdminUserGlobalSignOut",
        "cognito-idp:AdminUpdateUserAttributes",
    }
    assert pool_actions("revoke") == {"cognito-idp:AdminGetUser"}
    assert pool_actions("verify") == pool_actions("ingest") == pool_actions("issue") == set()


def test_ses_identity_and_sms_origination_context(operator: Synth) -> None:
    synth = operator
    _, pool = _only(synth, "AWS::Cognito::UserPool")
    email = pool["EmailConfiguration"]
    assert email["EmailSendingAccount"] == "DEVELOPER"
    assert "no-reply@moh.gov.jm" in json.dumps(email["From"])
    assert "identity/moh.gov.jm" in json.dumps(email["SourceArn"])
    for fn in ("issue", "download"):
        env = _function(synth, fn)["Environment"]["Variables"]
        assert env["SMS_SENDER_ID"] == "MOHJamaica"
        assert env["SMS_ORIGINATION_NUMBER"] == "+18885550100"


def test_the_layer_ships_the_pdf_fonts(synth: Synth) -> None:
    layer = next(
        v for k, v in synth.of_type("AWS::Lambda::LayerVersion").items() if k.startswith("FunctionsVaxcert")
    )
    asset = synth.outdir / ("asset." + layer["Properties"]["Content"]["S3Key"].removesuffix(".zip"))
    fonts = asset / "python" / "vaxcert" / "documents" / "fonts"
    assert {p.name for p in fonts.iterdir()} >= {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "LICENSE"}

"""The synthesized vaxcert stack, checked against the shared definitions it is generated from."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from infra import ROOT
from infra.config import ISSUE_CONCURRENCY
from tests.infra.conftest import Synth, synthesize
from vaxcert import resources as r
from vaxcert.routes import ROUTES, Auth
from vaxcert.settings import Settings
from vaxcert.store.models import table_shape

# One xdist worker for the whole module, so the module fixture synthesizes once.
pytestmark = pytest.mark.xdist_group("infra")


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synthesize(tmp_path_factory.mktemp("cdk-out"))


@pytest.fixture(scope="module")
def template(synth: Synth) -> Template:
    return Template.from_json(synth.template)


def ref(logical_id: str) -> dict[str, str]:
    return {"Ref": logical_id}


def arn(logical_id: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def app_functions(synth: Synth) -> dict[str, dict[str, Any]]:
    """Our functions by FUNCTIONS name (not CDK's own BucketDeployment handler)."""
    out = {}
    for name in r.FUNCTIONS:
        prefix = "Functions" + "".join(p.title() for p in name.split("-")) + "Function"
        out[name] = synth.resources[synth.logical_id(prefix, "AWS::Lambda::Function")]
    return out


def role_statements(synth: Synth, fn: dict[str, Any]) -> list[dict[str, Any]]:
    role_id = fn["Properties"]["Role"]["Fn::GetAtt"][0]
    role = synth.resources[role_id]
    statements = [s for p in role["Properties"].get("Policies", []) for s in p["PolicyDocument"]["Statement"]]
    # Nothing may widen the role outside its inline policy (no managed or attached policies).
    assert "ManagedPolicyArns" not in role["Properties"]
    for policy in synth.of_type("AWS::IAM::Policy").values():
        assert {"Ref": role_id} not in policy["Properties"]["Roles"]
    return statements


def actions(statement: dict[str, Any]) -> list[str]:
    a = statement["Action"]
    return [a] if isinstance(a, str) else list(a)


def referenced_ids(value: Any) -> set[str]:
    """Logical ids referenced anywhere in a CloudFormation value."""
    text = json.dumps(value)
    return set(re.findall(r'"Ref": "(\w+)"', text)) | set(re.findall(r'"Fn::GetAtt": \["(\w+)"', text))


# --- data -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", r.TABLES, ids=lambda t: t.logical_id)
def test_table(synth: Synth, table: r.Table) -> None:
    res = synth.resources[synth.logical_id(table.logical_id, "AWS::DynamoDB::Table")]
    props = res["Properties"]
    assert res["DeletionPolicy"] == "Retain"
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["DeletionProtectionEnabled"] is True
    data_key = synth.logical_id(r.DATA_KEY.logical_id, "AWS::KMS::Key")
    assert props["SSESpecification"] == {
        "SSEEnabled": True,
        "SSEType": "KMS",
        "KMSMasterKeyId": arn(data_key),
    }

    shape = table_shape(table)  # the keys and indexes the models declare
    keys = [{"AttributeName": shape.partition.name, "KeyType": "HASH"}]
    if shape.sort:
        keys.append({"AttributeName": shape.sort.name, "KeyType": "RANGE"})
    assert props["KeySchema"] == keys
    if table.ttl_attribute:
        assert props["TimeToLiveSpecification"] == {"AttributeName": table.ttl_attribute, "Enabled": True}
    else:
        assert "TimeToLiveSpecification" not in props

    gsis = {g["IndexName"]: g for g in props.get("GlobalSecondaryIndexes", [])}
    assert set(gsis) == {i.name for i in shape.indexes}
    attr_types = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
    for index in shape.indexes:
        want = [{"AttributeName": index.partition.name, "KeyType": "HASH"}]
        if index.sort:
            want.append({"AttributeName": index.sort.name, "KeyType": "RANGE"})
        assert gsis[index.name]["KeySchema"] == want
        assert gsis[index.name]["Projection"] == {"ProjectionType": "ALL"}
        for key in (index.partition, index.sort):
            if key:
                assert attr_types[key.name] == key.type


@pytest.mark.parametrize("key", r.KEYS, ids=lambda k: k.logical_id)
def test_kms_key(synth: Synth, key: r.KmsKey) -> None:
    res = synth.resources[synth.logical_id(key.logical_id, "AWS::KMS::Key")]
    props = res["Properties"]
    assert res["DeletionPolicy"] == "Retain"
    assert props["KeyUsage"] == key.usage
    assert props.get("KeySpec", "SYMMETRIC_DEFAULT") == key.spec
    assert props.get("EnableKeyRotation", False) is (key.spec == "SYMMETRIC_DEFAULT")


@pytest.mark.parametrize("queue", r.QUEUES, ids=lambda q: q.logical_id)
def test_queue_and_dead_letter_queue(synth: Synth, template: Template, queue: r.Queue) -> None:
    qid = synth.logical_id(queue.logical_id, "AWS::SQS::Queue")
    dlq = synth.logical_id(queue.dead_letter_logical_id, "AWS::SQS::Queue")
    data_key = synth.logical_id(r.DATA_KEY.logical_id, "AWS::KMS::Key")
    props = synth.resources[qid]["Properties"]
    assert props["RedrivePolicy"] == {
        "deadLetterTargetArn": arn(dlq),
        "maxReceiveCount": queue.max_receive_count,
    }
    assert props["VisibilityTimeout"] == queue.visibility_timeout_s
    for q in (qid, dlq):
        assert synth.resources[q]["Properties"]["KmsMasterKeyId"] == arn(data_key)
        template.has_resource_properties(
            "AWS::SQS::QueuePolicy",
            {
                "Queues": [ref(q)],
                "PolicyDocument": {
                    "Statement": Match.array_with(
                        [
                            Match.object_like(
                                {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
                            )
                        ]
                    )
                },
            },
        )


def test_buckets_private_ssl_only_and_versioned_as_declared(synth: Synth, template: Template) -> None:
    buckets = synth.of_type("AWS::S3::Bucket")
    assert len(buckets) == len(r.BUCKETS) + 2  # + access logs + web
    for bucket_id, bucket in buckets.items():
        assert bucket["Properties"]["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }, bucket_id
        template.has_resource_properties(
            "AWS::S3::BucketPolicy",
            {
                "Bucket": ref(bucket_id),
                "PolicyDocument": {
                    "Statement": Match.array_with(
                        [
                            Match.object_like(
                                {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
                            )
                        ]
                    )
                },
            },
        )
    data_key = synth.logical_id(r.DATA_KEY.logical_id, "AWS::KMS::Key")
    for b in r.BUCKETS:
        props = buckets[synth.logical_id(b.logical_id, "AWS::S3::Bucket")]["Properties"]
        assert (props.get("VersioningConfiguration") == {"Status": "Enabled"}) is b.versioned
        rule = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
        assert rule["ServerSideEncryptionByDefault"] == {
            "SSEAlgorithm": "aws:kms",
            "KMSMasterKeyID": arn(data_key),
        }
        assert "LoggingConfiguration" in props


def test_secrets_generated(synth: Synth) -> None:
    for s in r.SECRETS:
        props = synth.resources[synth.logical_id(s.logical_id, "AWS::SecretsManager::Secret")]["Properties"]
        assert props["GenerateSecretString"]["PasswordLength"] == 40
        assert props["GenerateSecretString"]["ExcludePunctuation"] is True


# --- functions and roles ----------------------------------------------------------------------------


def test_one_function_per_definition_on_python312_with_the_layer(synth: Synth) -> None:
    layer_ids = [
        k for k in synth.of_type("AWS::Lambda::LayerVersion") if k.startswith("FunctionsVaxcertLayer")
    ]
    assert len(layer_ids) == 1
    functions = app_functions(synth)
    assert len(functions) == len(r.FUNCTIONS)
    for name, fn in functions.items():
        props = fn["Properties"]
        grants = r.FUNCTIONS[name]
        assert props["Runtime"] == "python3.12"
        assert props["Architectures"] == ["arm64"]
        assert props["Handler"] == "handler.handler"
        assert props["Layers"] == [ref(layer_ids[0])]
        assert props["MemorySize"] == grants.memory_mb
        assert props["Timeout"] == grants.timeout_s
        assert props["LoggingConfig"]["LogFormat"] == "JSON"
        assert props["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"] == f"vaxcert-{name}"
    roles = {json.dumps(fn["Properties"]["Role"]) for fn in functions.values()}
    assert len(roles) == len(functions), "every function has its own role"


def test_functions_get_resource_names_and_deployment_settings(synth: Synth) -> None:
    settings_vars = {name.upper() for name in Settings.model_fields}
    resource_envs = {
        *(t.env for t in r.TABLES),
        *(b.env for b in r.BUCKETS),
        *(q.env for q in r.QUEUES),
        *(q.dead_letter_env for q in r.QUEUES),
        *(k.env for k in r.KEYS),
        *(s.env for s in r.SECRETS),
        r.USER_POOL.env,
        r.USER_POOL.client_env,
    }
    assert resource_envs <= settings_vars, "resources.py names env vars the settings model does not read"
    deployment = {"STAGE", "COUNTRY", "COUNTRY_ALPHA3", "ISSUER_NAME", "PORTAL_URL", "INGEST_HEADER"}
    for name, fn in app_functions(synth).items():
        env = fn["Properties"]["Environment"]["Variables"]
        assert resource_envs | deployment <= set(env), (name, (resource_envs | deployment) - set(env))
        # Every other variable is a setting (no typo silently falls back to a default) or Powertools'.
        stray = {k for k in env if k not in settings_vars and not k.startswith("POWERTOOLS_")} - {"LOG_LEVEL"}
        assert not stray, (name, stray)
        assert env["COUNTRY"] == "JM"
        assert "WebDistribution" in json.dumps(env["PORTAL_URL"])
        assert "AWS_REGION" not in env  # reserved: the runtime sets it


def test_roles_grant_exactly_what_function_grants_declare(synth: Synth) -> None:
    ids = {
        **{t.logical_id: synth.logical_id(t.logical_id, "AWS::DynamoDB::Table") for t in r.TABLES},
        **{b.logical_id: synth.logical_id(b.logical_id, "AWS::S3::Bucket") for b in r.BUCKETS},
        **{q.logical_id: synth.logical_id(q.logical_id, "AWS::SQS::Queue") for q in r.QUEUES},
        **{k.logical_id: synth.logical_id(k.logical_id, "AWS::KMS::Key") for k in r.KEYS},
        **{s.logical_id: synth.logical_id(s.logical_id, "AWS::SecretsManager::Secret") for s in r.SECRETS},
    }
    data_key = ids[r.DATA_KEY.logical_id]
    for name, fn in app_functions(synth).items():
        grants = r.FUNCTIONS[name]
        statements = role_statements(synth, fn)
        allow = [s for s in statements if s["Effect"] == "Allow"]
        touched = set().union(*(referenced_ids(s["Resource"]) for s in allow))
        declared = {
            *grants.tables,
            *grants.buckets,
            *grants.send_queues,
            *([grants.consume_queue] if grants.consume_queue else []),
            *grants.sign_keys,
            *grants.verify_keys,
            *grants.secrets,
        }
        expected = {ids[d] for d in declared}
        for q in r.QUEUES:
            if q.logical_id in grants.queue_metrics:  # depth of the queue and of its dead-letter queue
                expected |= {ids[q.logical_id], synth.logical_id(q.dead_letter_logical_id, "AWS::SQS::Queue")}
        if grants.tables or grants.buckets or grants.send_queues or grants.consume_queue:
            expected.add(data_key)
        if grants.user_pool_auth or grants.user_pool_status or grants.user_pool_sign_out:
            expected.add(synth.logical_id(r.USER_POOL.logical_id, "AWS::Cognito::UserPool"))
        resource_ids = {i for i in touched if not i.startswith("Functions") and i != "AWS"}
        assert resource_ids == expected, name

        def allowed(action: str, allow: list[dict[str, Any]] = allow) -> list[dict[str, Any]]:
            return [s for s in allow if action in actions(s)]

        # Signing: only the named keys, only ES256; the data key never directly.
        sign = allowed("kms:Sign")
        tagged = [s for s in sign if s.get("Sid") == "SignWithTaggedSigningKeys"]
        named = [s for s in sign if s.get("Sid") != "SignWithTaggedSigningKeys"]
        assert bool(named) is bool(grants.sign_keys), name
        assert bool(tagged) is grants.sign_tagged_keys, name
        for s in named:
            assert referenced_ids(s["Resource"]) == {ids[k] for k in grants.sign_keys}
            assert s["Condition"] == {"StringEquals": {"kms:SigningAlgorithm": "ECDSA_SHA_256"}}
        for s in allow:
            if data_key in referenced_ids(s["Resource"]):
                assert "kms:ViaService" in s["Condition"]["StringEquals"]
        # Table writes only where declared.
        for s in allowed("dynamodb:PutItem"):
            for table_id in referenced_ids(s["Resource"]):
                logical = next(k for k, v in ids.items() if v == table_id)
                assert grants.tables[logical] in ("write", "readwrite", "append", "query-append"), (
                    name,
                    logical,
                )
        # Append-only tables: PutItem alone, no update, delete or batch write.
        for s in allow:
            for table_id in referenced_ids(s["Resource"]):
                declared_as = next((k for k, v in ids.items() if v == table_id), None)
                if declared_as and grants.tables.get(declared_as) in ("append", "query-append"):
                    assert set(actions(s)) <= {"dynamodb:PutItem", "dynamodb:Query"}, (name, s)
        sms = allowed("sns:Publish")
        assert bool(sms) is grants.sms
        if grants.sms:
            deny = [s for s in statements if s["Effect"] == "Deny" and "sns:Publish" in actions(s)]
            assert deny, "SMS-only: topics are denied"
        for s in allow:
            assert not any("*" in a for a in actions(s)), (name, s)


def test_named_least_privilege_examples(synth: Synth) -> None:
    functions = app_functions(synth)
    certificates = synth.logical_id(r.CERTIFICATES.logical_id, "AWS::DynamoDB::Table")
    verify_actions = {a for s in role_statements(synth, functions["verify"]) for a in actions(s)}
    assert "kms:Sign" not in verify_actions
    assert not any(
        a.startswith(("dynamodb:Put", "dynamodb:Update", "dynamodb:Delete")) for a in verify_actions
    )
    ingest = role_statements(synth, functions["ingest"])
    assert certificates not in referenced_ids(ingest)


def test_issue_signs_with_keys_rotated_in_later_by_tag(synth: Synth) -> None:
    """`vaxcert keys rotate` creates tagged keys after deployment: Sign/GetPublicKey by tag, ES256 only."""
    tag_key, tag_value = r.SIGNING_KEY_TAG
    key = synth.resources[synth.logical_id(r.SIGNING_KEY.logical_id, "AWS::KMS::Key")]
    assert {"Key": tag_key, "Value": tag_value} in key["Properties"]["Tags"]
    for other in (r.CSCA_KEY, r.SESSION_KEY, r.DATA_KEY):
        tags = synth.resources[synth.logical_id(other.logical_id, "AWS::KMS::Key")]["Properties"]["Tags"]
        assert {"Key": tag_key, "Value": tag_value} not in tags, other.logical_id

    any_key = {
        "Fn::Join": [
            "",
            ["arn:", {"Ref": "AWS::Partition"}, ":kms:", {"Ref": "AWS::Region"}, ":",
             {"Ref": "AWS::AccountId"}, ":key/*"],
        ]
    }  # fmt: skip
    for name, fn in app_functions(synth).items():
        statements = role_statements(synth, fn)
        by_tag = [s for s in statements if s["Resource"] == any_key]
        if r.FUNCTIONS[name].create_signing_keys:  # rotation from the admin page: see below
            by_tag = [s for s in by_tag if s["Sid"] not in ("TagNewSigningKeys", "ReadNewSigningPublicKeys")]
        if not r.FUNCTIONS[name].sign_tagged_keys:
            assert not by_tag, name
            continue
        assert {(s["Sid"], json.dumps(s["Condition"], sort_keys=True)) for s in by_tag} == {
            (
                "SignWithTaggedSigningKeys",
                json.dumps(
                    {
                        "StringEquals": {
                            f"aws:ResourceTag/{tag_key}": tag_value,
                            "kms:SigningAlgorithm": "ECDSA_SHA_256",
                        }
                    },
                    sort_keys=True,
                ),
            ),
            (
                "ReadTaggedSigningPublicKeys",
                json.dumps({"StringEquals": {f"aws:ResourceTag/{tag_key}": tag_value}}, sort_keys=True),
            ),
        }
        assert {a for s in by_tag for a in actions(s)} == {"kms:Sign", "kms:GetPublicKey"}
        # The named grant on the stack's own key stays.
        own = synth.logical_id(r.SIGNING_KEY.logical_id, "AWS::KMS::Key")
        assert any(own in referenced_ids(s["Resource"]) for s in statements if "kms:Sign" in actions(s))
    assert r.FUNCTIONS["issue"].sign_tagged_keys


def test_audit_table_is_append_only_for_every_function(synth: Synth) -> None:
    """No role may update or delete an audit entry; revoke may Query the indexes, nothing more."""
    audit = synth.logical_id(r.AUDIT.logical_id, "AWS::DynamoDB::Table")
    functions = app_functions(synth)
    writers = set()
    for name, fn in functions.items():
        on_audit = [
            s
            for s in role_statements(synth, fn)
            if s["Effect"] == "Allow" and audit in referenced_ids(s["Resource"])
        ]
        granted = {a for s in on_audit for a in actions(s)}
        assert granted <= {"dynamodb:PutItem", "dynamodb:Query"}, (name, granted)
        if "dynamodb:PutItem" in granted:
            writers.add(name)
        for s in on_audit:
            if "dynamodb:Query" in actions(s):
                # Only the ByHcid/ByActor indexes, never the base table.
                resources = s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]]
                assert all("/index/" in json.dumps(res) for res in resources), (name, s)
    assert {"download", "revoke"} <= writers
    assert r.FUNCTIONS["download"].tables[r.AUDIT.logical_id] == "append"


def test_issue_consumes_the_queue_with_partial_batch_failures(synth: Synth) -> None:
    issue_id = synth.logical_id("FunctionsIssueFunction", "AWS::Lambda::Function")
    queue = synth.logical_id(r.ISSUE_QUEUE.logical_id, "AWS::SQS::Queue")
    mappings = list(synth.of_type("AWS::Lambda::EventSourceMapping").values())
    assert len(mappings) == 1
    props = mappings[0]["Properties"]
    assert props["FunctionName"] == ref(issue_id)
    assert props["EventSourceArn"] == arn(queue)
    assert props["BatchSize"] == 10
    assert 1 <= props["MaximumBatchingWindowInSeconds"] <= 10
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # No reserved concurrency by default (a deployment on a new account's quota of 10 would fail):
    # the event source's MaximumConcurrency caps issuance instead.
    assert "ReservedConcurrentExecutions" not in synth.resources[issue_id]["Properties"]
    assert props["ScalingConfig"]["MaximumConcurrency"] == ISSUE_CONCURRENCY
    # KMS ECC Sign quota 300/s; one Sign round trip is >= ~20 ms, so one worker signs <= 50/s.
    assert ISSUE_CONCURRENCY * 50 <= 300


def test_layer_bundle_contents(synth: Synth) -> None:
    layer = next(
        v for k, v in synth.of_type("AWS::Lambda::LayerVersion").items() if k.startswith("FunctionsVaxcert")
    )
    asset = synth.outdir / ("asset." + layer["Properties"]["Content"]["S3Key"].removesuffix(".zip"))
    python = asset / "python"
    assert (python / "vaxcert" / "__init__.py").is_file()
    assert (python / "vaxcert" / "resources.py").is_file()
    for package in (
        "aws_lambda_powertools",
        "pynamodb",
        "pydantic",
        "cryptography",
        "segno",
        "fpdf",
        "cbor2",
        "pyld",
        "lxml",
    ):
        assert (python / package).is_dir(), package
    # DIVOC canonicalisation never fetches a context: the documents ship in the layer.
    assert (python / "vaxcert" / "formats" / "jsonld" / "security-v2.jsonld").is_file()
    assert (python / "vaxcert" / "formats" / "jsonld" / "NOTICE").is_file()
    for excluded in ("boto3", "botocore", "s3transfer"):
        assert not (python / excluded).exists(), excluded
    native = list((python / "pydantic_core").glob("*.so"))
    assert native and all("aarch64" in p.name for p in native)
    assert not list((python / "vaxcert").rglob("__pycache__/*.cpython-311.pyc"))


# --- API ----------------------------------------------------------------------------------------------


def api_methods(synth: Synth) -> dict[tuple[str, str], dict[str, Any]]:
    """API Gateway methods by (HTTP method, full path), resolving the resource tree."""
    resources = synth.of_type("AWS::ApiGateway::Resource")
    root = {"Fn::GetAtt": [next(iter(synth.of_type("AWS::ApiGateway::RestApi"))), "RootResourceId"]}

    def path_of(resource_ref: Any) -> str:
        if resource_ref == root:
            return ""
        res = resources[resource_ref["Ref"]]["Properties"]
        return path_of(res["ParentId"]) + "/" + res["PathPart"]

    return {
        (m["Properties"]["HttpMethod"], path_of(m["Properties"]["ResourceId"]) or "/"): m
        for m in synth.of_type("AWS::ApiGateway::Method").values()
    }


def check_routes(synth: Synth, routes: tuple[Any, ...]) -> None:
    methods = api_methods(synth)
    assert {k for k in methods if k[0] != "OPTIONS"} == {(rt.method, rt.path) for rt in routes}
    functions = {
        name: synth.logical_id(f"Functions{name.title()}Function", "AWS::Lambda::Function")
        for name in r.FUNCTIONS
    }
    for route in routes:
        props = methods[(route.method, route.path)]["Properties"]
        assert props["Integration"]["Type"] == "AWS_PROXY"
        assert referenced_ids(props["Integration"]["Uri"]) & set(functions.values()) == {
            functions[route.function]
        }
        # Every route is checked in its function (staff/admin: the Cognito ID token and groups), none by
        # an API Gateway authorizer (see infra/api.py for why).
        assert props["AuthorizationType"] == "NONE", route
        assert "AuthorizerId" not in props, route
        assert "RequestValidatorId" in props
        for param in re.findall(r"\{(\w+)\}", route.path):
            assert props["RequestParameters"][f"method.request.path.{param}"] is True
        assert ("OPTIONS", route.path) in methods, "CORS preflight"


def test_every_route_is_an_api_method_with_its_auth(synth: Synth) -> None:
    check_routes(synth, ROUTES)


def test_routes_added_later_need_no_stack_changes(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Routes added to routes.py later appear without stack changes (here: staff and admin ones)."""
    import infra.api
    from vaxcert.routes import Route

    extra = (
        Route("GET", "/v1/staff/test-only/{hcid}", "download", Auth.STAFF),
        Route("POST", "/v1/admin/test-only/{hcid}/act", "revoke", Auth.ADMIN),
    )
    monkeypatch.setattr(infra.api, "ROUTES", ROUTES + extra)
    check_routes(synthesize(tmp_path_factory.mktemp("cdk-staff")), ROUTES + extra)


def test_no_api_gateway_authorizer(synth: Synth) -> None:
    assert not synth.of_type("AWS::ApiGateway::Authorizer")


def test_api_stage_logging_throttling_binary_and_waf(synth: Synth, template: Template) -> None:
    template.has_resource_properties("AWS::ApiGateway::RestApi", {"BinaryMediaTypes": ["application/pdf"]})
    stage = next(iter(synth.of_type("AWS::ApiGateway::Stage").values()))["Properties"]
    assert "AccessLogSetting" in stage
    settings = stage["MethodSettings"][0]
    assert settings["LoggingLevel"] == "ERROR" and settings["ThrottlingRateLimit"] > 0
    assert settings["DataTraceEnabled"] is False
    template.resource_count_is("AWS::WAFv2::WebACLAssociation", 1)
    template.has_resource_properties("AWS::ApiGateway::RequestValidator", {"ValidateRequestParameters": True})


# --- identity, web, outputs ---------------------------------------------------------------------------


def test_cognito_pool_groups_and_client(synth: Synth, template: Template) -> None:
    pool = synth.logical_id(r.USER_POOL.logical_id, "AWS::Cognito::UserPool")
    props = synth.resources[pool]["Properties"]
    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert props["MfaConfiguration"] == "ON"
    policy = props["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12 and policy["RequireSymbols"] and policy["RequireNumbers"]
    groups = {g["Properties"]["GroupName"] for g in synth.of_type("AWS::Cognito::UserPoolGroup").values()}
    assert groups == set(r.USER_POOL.groups)
    template.has_resource_properties(
        "AWS::Cognito::UserPoolClient",
        {
            "UserPoolId": ref(pool),
            "GenerateSecret": False,
            "ExplicitAuthFlows": Match.array_with(["ALLOW_USER_PASSWORD_AUTH"]),
            # First sign-in (new password + authenticator enrolment) within one session.
            "AuthSessionValidity": 15,
        },
    )


def test_cloudfront_serves_web_and_fronts_the_api(synth: Synth) -> None:
    dist = next(iter(synth.of_type("AWS::CloudFront::Distribution").values()))["Properties"][
        "DistributionConfig"
    ]
    assert dist["DefaultRootObject"] == "index.html"
    assert dist["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert "ResponseHeadersPolicyId" in dist["DefaultCacheBehavior"]
    s3_origin = next(o for o in dist["Origins"] if "S3OriginConfig" in o)
    assert "OriginAccessControlId" in s3_origin
    patterns = [b["PathPattern"] for b in dist["CacheBehaviors"]]
    assert patterns.index("/v1/trust-list*") < patterns.index("/v1/*")
    assert patterns.index("/v1/revocation-list*") < patterns.index("/v1/*")
    assert "/.well-known/*" in patterns
    assert "/shc/.well-known/*" in patterns  # the SMART Health Card issuer's JWKS and CRLs
    assert all(b["ViewerProtocolPolicy"] == "https-only" for b in dist["CacheBehaviors"])
    assert "Logging" in dist


def test_cloudfront_serves_every_page_path(synth: Synth) -> None:
    """A viewer-request function maps each WEB_PAGES path to its file, as the local gateway does."""
    from vaxcert.routes import WEB_PAGES

    functions = [
        (k, v)
        for k, v in synth.of_type("AWS::CloudFront::Function").items()
        if "var PAGES" in v["Properties"]["FunctionCode"]
    ]
    assert len(functions) == 1
    function_id, function = functions[0]
    code = function["Properties"]["FunctionCode"]
    assert function["Properties"]["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    for path, name in WEB_PAGES.items():
        assert f'"{path}": "/{name}"' in code, path
    dist = next(iter(synth.of_type("AWS::CloudFront::Distribution").values()))["Properties"][
        "DistributionConfig"
    ]
    assert dist["DefaultCacheBehavior"]["FunctionAssociations"] == [
        {"EventType": "viewer-request", "FunctionARN": {"Fn::GetAtt": [function_id, "FunctionARN"]}}
    ]
    # Only on the web files: the API behaviours never see it.
    assert all(
        function_id not in json.dumps(b.get("FunctionAssociations", [])) for b in dist["CacheBehaviors"]
    )


def test_web_security_headers_allow_blob_pdf_preview(synth: Synth) -> None:
    policy = next(iter(synth.of_type("AWS::CloudFront::ResponseHeadersPolicy").values()))
    config = policy["Properties"]["ResponseHeadersPolicyConfig"]
    csp = config["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    if isinstance(csp, dict):  # Fn::Join around the region (connect-src names the Cognito endpoint)
        csp = "".join(part if isinstance(part, str) else "REGION" for part in csp["Fn::Join"][1])
    directives = {d.split()[0]: d.split()[1:] for d in (x.strip() for x in csp.split(";")) if d}
    assert directives["frame-src"] == ["blob:"]
    assert directives["img-src"] == ["'self'", "data:", "blob:"]
    # No inline scripts, no eval: 'wasm-unsafe-eval' only compiles the verifier's QR reader (zxing-wasm).
    assert directives["script-src"] == ["'self'", "'wasm-unsafe-eval'"]
    assert directives["frame-ancestors"] == ["'none'"]
    from vaxcert.routes import web_content_security_policy

    assert csp == web_content_security_policy("REGION")  # the one the local gateway sends too


def test_web_files_cache_control_and_content_types(synth: Synth) -> None:
    """Pages, config.json and sw.js are revalidated on every load; scripts are text/javascript."""
    deployments = [d["Properties"] for d in synth.of_type("Custom::CDKBucketDeployment").values()]
    by_include = {tuple(d.get("Include") or ()): d for d in deployments}
    assert by_include[("*.html", "config.json")]["SystemMetadata"] == {"cache-control": "no-cache"}
    assert by_include[("sw.js",)]["SystemMetadata"] == {
        "cache-control": "no-cache",
        "content-type": "text/javascript",
    }
    assert by_include[("*.js",)]["SystemMetadata"]["content-type"] == "text/javascript"
    assert by_include[("*.wasm",)]["SystemMetadata"]["content-type"] == "application/wasm"
    rest = by_include[()]
    assert {"*.html", "*.js", "*.wasm", "sw.js", "config.json"} <= set(rest["Exclude"])
    assert rest["SystemMetadata"]["cache-control"].startswith("public, max-age=")
    # sw.js is also uploaded by the *.js part: the no-cache upload must run after it.
    ids = {
        tuple(d["Properties"].get("Include") or ()): k
        for k, d in synth.of_type("Custom::CDKBucketDeployment").items()
    }
    sw = synth.resources[ids[("sw.js",)]]
    assert ids[("*.js",)] in sw["DependsOn"]
    # One invalidation, by the part that runs last.
    assert [bool(d.get("DistributionId")) for d in deployments].count(True) == 1
    assert rest.get("DistributionId")
    # The default behaviour honours those headers (min TTL 0) instead of a fixed TTL.
    dist = next(iter(synth.of_type("AWS::CloudFront::Distribution").values()))["Properties"][
        "DistributionConfig"
    ]
    policy_id = dist["DefaultCacheBehavior"]["CachePolicyId"]["Ref"]
    assert synth.resources[policy_id]["Properties"]["CachePolicyConfig"]["MinTTL"] == 0


def test_outputs(synth: Synth) -> None:
    outputs = synth.template["Outputs"]
    for name in (
        "WebUrl",
        "ApiUrl",
        "UserPoolId",
        "UserPoolClientId",
        "IssueQueueUrl",
        "IngestSecretArn",
        "AlarmTopicArn",
    ):
        assert name in outputs
    for k in r.KEYS:
        assert f"{k.logical_id}Id" in outputs


def test_dead_letter_queues_alarm(synth: Synth, template: Template) -> None:
    topic = next(iter(synth.of_type("AWS::SNS::Topic")))
    for q in r.QUEUES:
        dlq = synth.logical_id(q.dead_letter_logical_id, "AWS::SQS::Queue")
        template.has_resource_properties(
            "AWS::CloudWatch::Alarm",
            {
                "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq, "QueueName"]}}],
                "AlarmActions": [ref(topic)],
                "Threshold": 1,
            },
        )


def test_issue_function_errors_and_throttles_alarm(synth: Synth, template: Template) -> None:
    topic = next(iter(synth.of_type("AWS::SNS::Topic")))
    issue = synth.logical_id("FunctionsIssueFunction", "AWS::Lambda::Function")
    for metric in ("Errors", "Throttles"):
        template.has_resource_properties(
            "AWS::CloudWatch::Alarm",
            {
                "Namespace": "AWS/Lambda",
                "MetricName": metric,
                "Dimensions": [{"Name": "FunctionName", "Value": ref(issue)}],
                "AlarmActions": [ref(topic)],
            },
        )


def test_sms_budget_reaches_the_functions_and_alarms_at_80_percent_and_on_refusals(
    synth: Synth, template: Template
) -> None:
    from vaxcert.metrics import METRIC_NAMESPACE
    from vaxcert.notify.budget import REFUSED_METRIC, USED_METRIC

    budget = Settings().sms_daily_budget
    functions = app_functions(synth)
    for name in ("issue", "download"):  # the two functions that send SMS
        assert functions[name]["Properties"]["Environment"]["Variables"]["SMS_DAILY_BUDGET"] == str(budget)
    topic = next(iter(synth.of_type("AWS::SNS::Topic")))
    for metric, statistic, threshold in ((USED_METRIC, "Maximum", budget * 0.8), (REFUSED_METRIC, "Sum", 1)):
        template.has_resource_properties(
            "AWS::CloudWatch::Alarm",
            {
                "Namespace": METRIC_NAMESPACE,
                "MetricName": metric,
                "Statistic": statistic,
                "Threshold": threshold,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "AlarmActions": [ref(topic)],
            },
        )
        # The functions emit these without dimensions (vaxcert.metrics.emit_metric): an alarm
        # with a dimension would watch a metric that never exists.
        alarms = [
            a
            for a in synth.of_type("AWS::CloudWatch::Alarm").values()
            if a["Properties"].get("MetricName") == metric
        ]
        assert len(alarms) == 1 and "Dimensions" not in alarms[0]["Properties"]


def test_sms_budget_context_is_validated(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="smsDailyBudget"):
        synthesize(tmp_path, {"vaxcert:smsDailyBudget": 0})


def test_divoc_public_key_reaches_the_functions_and_is_validated(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from vaxcert.trust.keys import jwk_from_public_key

    jwk = {**jwk_from_public_key(ed25519.Ed25519PrivateKey.generate().public_key()), "kid": "did:jamaica"}
    with pytest.raises(ValueError, match="divocPublicKey"):
        synthesize(tmp_path / "bad", {"vaxcert:divocPublicKey": {"kty": "OKP", "crv": "Ed25519"}})
    synth = synthesize(tmp_path / "good", {"vaxcert:divocPublicKey": jwk})
    variables = app_functions(synth)["verify"]["Properties"]["Environment"]["Variables"]
    assert json.loads(variables["DIVOC_PUBLIC_KEY"]) == jwk


def test_staff_sign_in_does_not_reveal_which_users_exist(synth: Synth, template: Template) -> None:
    # Cognito answers NotAuthorizedException for unknown users too (not UserNotFoundException).
    template.has_resource_properties(
        "AWS::Cognito::UserPoolClient", {"PreventUserExistenceErrors": "ENABLED"}
    )


# --- linters --------------------------------------------------------------------------------------------


def test_cfn_lint_passes(synth: Synth) -> None:
    templates = [str(p) for p in synth.outdir.glob("*.template.json")]
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run(
        [str(cfn_lint), *templates], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_cdk_nag_fails_synth_on_an_unacknowledged_finding(tmp_path: Path) -> None:
    """The fixture's synth succeeding means zero unacknowledged findings, because a finding fails it."""
    import aws_cdk as cdk
    from aws_cdk import aws_sqs as sqs

    from infra.nag import add_checks

    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Probe")
    sqs.Queue(stack, "PlainQueue")  # no DLQ, no SSL enforcement: AwsSolutions-SQS3/SQS4
    add_checks(app)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    nag = next(p for p in report["pluginReports"] if p["pluginName"] == "AwsSolutions")
    assert {"AwsSolutions-SQS3", "AwsSolutions-SQS4"} <= {v["ruleName"] for v in nag["violations"]}


def test_scheduled_functions_have_rules(template) -> None:
    from vaxcert import resources as r

    rules = template.find_resources("AWS::Events::Rule")
    for schedule in r.SCHEDULES:
        matching = [
            rule
            for rule in rules.values()
            if rule["Properties"].get("ScheduleExpression") == f"rate({schedule.every_hours} hours)"
        ]
        assert matching, schedule
        assert matching[0]["Properties"]["State"] == "ENABLED"


def test_sms_failure_and_kms_throttling_alarms(template) -> None:
    from vaxcert.metrics import METRIC_NAMESPACE
    from vaxcert.notify.budget import FAILED_METRIC
    from vaxcert.signing.kms import KMS_THROTTLED_METRIC

    alarms = template.find_resources("AWS::CloudWatch::Alarm")
    watched = {
        (a["Properties"].get("Namespace"), a["Properties"].get("MetricName")): a["Properties"]
        for a in alarms.values()
    }
    for metric in (FAILED_METRIC, KMS_THROTTLED_METRIC):
        alarm = watched[(METRIC_NAMESPACE, metric)]
        assert alarm["Statistic"] == "Sum" and alarm["AlarmActions"], metric

"""One Lambda function and one least-privilege role per entry of vaxcert.resources.FUNCTIONS."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import ROOT
from infra.config import ISSUE_CONCURRENCY, DeployConfig
from infra.data import DataResources
from infra.layer_bundling import layer_code
from infra.nag import acknowledge, logical_id
from vaxcert import resources as r
from vaxcert.routes import QUEUE_FUNCTIONS
from vaxcert.store.models import table_shape

# Graviton: ~20% cheaper per GB-second than x86_64 and every dependency ships aarch64 wheels.
ARCHITECTURE = lambda_.Architecture.ARM_64
LAYER_ARCH = "arm64"
RUNTIME = lambda_.Runtime.PYTHON_3_12

TABLE_DEFS = {t.logical_id: t for t in r.TABLES}
QUEUE_DEFS = {q.logical_id: q for q in r.QUEUES}

TABLE_READ = [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
]
TABLE_WRITE = [
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
]
TABLE_APPEND = ["dynamodb:PutItem"]
TABLE_QUERY = ["dynamodb:Query"]
DATA_KEY_READ = ["kms:Decrypt", "kms:DescribeKey"]
DATA_KEY_WRITE = ["kms:Encrypt", "kms:GenerateDataKey"]


def pascal(name: str) -> str:
    return "".join(part.title() for part in name.replace("_", "-").split("-"))


def function_statements(
    name: str,
    grants: r.FunctionGrants,
    data: DataResources,
    user_pool: cognito.IUserPool,
    log_group: logs.ILogGroup,
) -> list[iam.PolicyStatement]:
    """The whole IAM policy of one function, derived from its FunctionGrants and nothing else."""
    stack = cdk.Stack.of(log_group)
    st: list[iam.PolicyStatement] = [
        iam.PolicyStatement(
            sid="WriteOwnLogs",
            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
            resources=[log_group.log_group_arn],
        )
    ]
    # Which services use the data key on this function's behalf, and whether it encrypts new data.
    via: set[str] = set()
    key_writes = False

    for table_id, access in sorted(grants.tables.items()):
        table = data.tables[table_id]
        indexes = [f"{table.table_arn}/index/{i.name}" for i in table_shape(TABLE_DEFS[table_id]).indexes]
        if access in ("read", "readwrite"):
            st.append(
                iam.PolicyStatement(
                    sid=f"Read{table_id}", actions=TABLE_READ, resources=[table.table_arn, *indexes]
                )
            )
        if access in ("write", "readwrite"):
            st.append(
                iam.PolicyStatement(sid=f"Write{table_id}", actions=TABLE_WRITE, resources=[table.table_arn])
            )
            key_writes = True
        if access == "query-append":
            if not indexes:
                raise ValueError(f"{name}: 'query-append' on {table_id}, which has no indexes")
            # The indexes only: enough for "entries about X", no GetItem/Scan of the whole table.
            st.append(
                iam.PolicyStatement(sid=f"Query{table_id}Indexes", actions=TABLE_QUERY, resources=indexes)
            )
        if access in ("append", "query-append"):
            # Conditional PutItem on a fresh key (PynamoDB needs no DescribeTable): nothing can be
            # changed or deleted, even by a compromised function.
            st.append(
                iam.PolicyStatement(
                    sid=f"Append{table_id}", actions=TABLE_APPEND, resources=[table.table_arn]
                )
            )
            key_writes = True
        via.add("dynamodb")

    for bucket_id, access in sorted(grants.buckets.items()):
        bucket = data.buckets[bucket_id]
        if access in ("read", "readwrite"):
            # ListBucket so that a missing object is a 404 (NoSuchKey), not a 403.
            st.append(
                iam.PolicyStatement(
                    sid=f"List{bucket_id}", actions=["s3:ListBucket"], resources=[bucket.bucket_arn]
                )
            )
            st.append(
                iam.PolicyStatement(
                    sid=f"Read{bucket_id}", actions=["s3:GetObject"], resources=[bucket.arn_for_objects("*")]
                )
            )
        if access in ("write", "readwrite"):
            st.append(
                iam.PolicyStatement(
                    sid=f"Write{bucket_id}",
                    actions=["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
                    resources=[bucket.arn_for_objects("*")],
                )
            )
            key_writes = True
        via.add("s3")

    for queue_id in grants.send_queues:
        st.append(
            iam.PolicyStatement(
                sid=f"SendTo{queue_id}",
                actions=["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
                resources=[data.queues[queue_id].queue_arn],
            )
        )
        via.add("sqs")
        key_writes = True
    if grants.consume_queue:
        st.append(
            iam.PolicyStatement(
                sid=f"Consume{grants.consume_queue}",
                actions=[
                    "sqs:ReceiveMessage",
                    "sqs:DeleteMessage",
                    "sqs:ChangeMessageVisibility",
                    "sqs:GetQueueAttributes",
                    "sqs:GetQueueUrl",
                ],
                resources=[data.queues[grants.consume_queue].queue_arn],
            )
        )
        via.add("sqs")

    if grants.queue_metrics:
        # Queue depths for the admin dashboard: attributes only, no message is read or sent.
        st.append(
            iam.PolicyStatement(
                sid="ReadQueueDepths",
                actions=["sqs:GetQueueAttributes"],
                resources=[
                    arn
                    for q in grants.queue_metrics
                    for arn in (data.queues[q].queue_arn, data.dead_letter_queues[q].queue_arn)
                ],
            )
        )

    if via:
        # The data key only through the services that encrypt with it, never directly.
        st.append(
            iam.PolicyStatement(
                sid="UseDataKeyViaServices",
                actions=DATA_KEY_READ + (DATA_KEY_WRITE if key_writes else []),
                resources=[data.data_key.key_arn],
                conditions={
                    "StringEquals": {
                        "kms:ViaService": [f"{svc}.{stack.region}.amazonaws.com" for svc in sorted(via)]
                    }
                },
            )
        )

    if grants.sign_keys:
        st.append(
            iam.PolicyStatement(
                sid="SignWithNamedKeys",
                actions=["kms:Sign"],
                resources=[data.keys[k].key_arn for k in grants.sign_keys],
                # ES256 only: the one algorithm COSE/JWS signatures here use.
                conditions={"StringEquals": {"kms:SigningAlgorithm": "ECDSA_SHA_256"}},
            )
        )
    if grants.sign_tagged_keys:
        # Keys `vaxcert keys rotate` creates after deployment: any key of this account and region, but
        # only with the document-signing tag (which only key administrators can set) and only ES256.
        tag_key, tag_value = r.SIGNING_KEY_TAG
        tagged = {f"aws:ResourceTag/{tag_key}": tag_value}
        any_key = f"arn:{stack.partition}:kms:{stack.region}:{stack.account}:key/*"
        st.append(
            iam.PolicyStatement(
                sid="SignWithTaggedSigningKeys",
                actions=["kms:Sign"],
                resources=[any_key],
                conditions={"StringEquals": {**tagged, "kms:SigningAlgorithm": "ECDSA_SHA_256"}},
            )
        )
        st.append(
            iam.PolicyStatement(
                sid="ReadTaggedSigningPublicKeys",
                actions=["kms:GetPublicKey"],
                resources=[any_key],
                conditions={"StringEquals": tagged},
            )
        )
    if grants.create_signing_keys:
        # The admin page's rotation: new ES256 signing keys only, created with the document-signing
        # tag (and a stage tag, nothing else), and the public key of such keys to build their DSC.
        tag_key, tag_value = r.SIGNING_KEY_TAG
        any_key = f"arn:{stack.partition}:kms:{stack.region}:{stack.account}:key/*"
        st.append(
            iam.PolicyStatement(
                sid="CreateTaggedSigningKeys",
                actions=["kms:CreateKey"],
                resources=["*"],
                conditions={
                    "StringEquals": {
                        "kms:KeySpec": "ECC_NIST_P256",
                        "kms:KeyUsage": "SIGN_VERIFY",
                        f"aws:RequestTag/{tag_key}": tag_value,
                    },
                    "ForAllValues:StringEquals": {"aws:TagKeys": [tag_key, "vaxcert:stage"]},
                },
            )
        )
        st.append(
            iam.PolicyStatement(
                sid="TagNewSigningKeys",
                actions=["kms:TagResource"],
                resources=[any_key],
                conditions={
                    "StringEquals": {f"aws:RequestTag/{tag_key}": tag_value},
                    "ForAllValues:StringEquals": {"aws:TagKeys": [tag_key, "vaxcert:stage"]},
                },
            )
        )
        st.append(
            iam.PolicyStatement(
                sid="ReadNewSigningPublicKeys",
                actions=["kms:GetPublicKey"],
                resources=[any_key],
                conditions={"StringEquals": {f"aws:ResourceTag/{tag_key}": tag_value}},
            )
        )
    if grants.verify_keys:
        st.append(
            iam.PolicyStatement(
                sid="VerifyWithNamedKeys",
                actions=["kms:Verify"],
                resources=[data.keys[k].key_arn for k in grants.verify_keys],
            )
        )
    public_keys = dict.fromkeys((*grants.sign_keys, *grants.verify_keys))
    if public_keys:
        # Public keys are public, but only of the keys this function signs or verifies with.
        st.append(
            iam.PolicyStatement(
                sid="ReadNamedPublicKeys",
                actions=["kms:GetPublicKey"],
                resources=[data.keys[k].key_arn for k in public_keys],
            )
        )
    if grants.secrets:
        st.append(
            iam.PolicyStatement(
                sid="ReadNamedSecrets",
                actions=["secretsmanager:GetSecretValue"],
                resources=[data.secrets[s].secret_arn for s in grants.secrets],
            )
        )
    if grants.sms:
        # Publishing straight to a phone number has no resource ARN (IAM evaluates it against "*"),
        # and SNS has no condition key for the destination number. The Deny keeps the "*" to SMS:
        # no topic or platform endpoint (every such ARN starts with arn:<partition>:sns:) is reachable.
        st.append(iam.PolicyStatement(sid="SendSms", actions=["sns:Publish"], resources=["*"]))
        st.append(
            iam.PolicyStatement(
                sid="NoTopicsOrEndpoints",
                effect=iam.Effect.DENY,
                actions=["sns:Publish"],
                resources=[f"arn:{stack.partition}:sns:*"],
            )
        )
    if grants.user_pool_auth:
        # Sign-in and TOTP enrolment are Cognito APIs that IAM does not evaluate (a public client's
        # InitiateAuth/RespondToAuthChallenge; Associate/VerifySoftwareToken are authorized by the
        # sign-in session). The statement records (and limits to this pool) what the code calls.
        st.append(
            iam.PolicyStatement(
                sid="StaffSignIn",
                actions=[
                    "cognito-idp:InitiateAuth",
                    "cognito-idp:RespondToAuthChallenge",
                    "cognito-idp:AssociateSoftwareToken",
                    "cognito-idp:VerifySoftwareToken",
                ],
                resources=[user_pool.user_pool_arn],
            )
        )
    if grants.user_pool_status:
        # Is the account still enabled, when did it sign out (vaxcert.http.cognito.StaffAccounts).
        st.append(
            iam.PolicyStatement(
                sid="ReadStaffAccountStatus",
                actions=["cognito-idp:AdminGetUser"],
                resources=[user_pool.user_pool_arn],
            )
        )
    if grants.user_pool_sign_out:
        st.append(
            iam.PolicyStatement(
                sid="SignOutStaffAccounts",
                actions=["cognito-idp:AdminUserGlobalSignOut", "cognito-idp:AdminUpdateUserAttributes"],
                resources=[user_pool.user_pool_arn],
            )
        )
    return st


# What a function's asset leaves out (CDK globs; infra/bundle.py builds the same tree for tests).
FUNCTION_IGNORED = ("__pycache__", "*.pyc", "tests", "test_*.py", "*.egg-info")


def function_code(name: str) -> lambda_.Code:
    folder = ROOT / "functions" / name
    if not folder.is_dir():
        # A clean checkout before the function is written: an empty asset still synthesizes.
        folder = _placeholder(name)
    return lambda_.Code.from_asset(str(folder), exclude=[f"**/{pattern}" for pattern in FUNCTION_IGNORED])


def _placeholder(name: str) -> Path:
    folder = ROOT / "build" / "missing-functions" / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "handler.py").write_text(
        f'def handler(event, context):\n    raise NotImplementedError("functions/{name} is missing")\n'
    )
    return folder


class Functions(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        data: DataResources,
        user_pool: cognito.IUserPool,
        environment: dict[str, str],
        config: DeployConfig,
    ) -> None:
        super().__init__(scope, construct_id)
        self.functions: dict[str, lambda_.Function] = {}
        self.roles: dict[str, iam.Role] = {}
        self.layer = lambda_.LayerVersion(
            self,
            "VaxcertLayer",
            code=layer_code(LAYER_ARCH),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="vaxcert package and its runtime dependencies (boto3 comes from the runtime)",
        )

        for name, grants in r.FUNCTIONS.items():
            pname = pascal(name)
            log_group = logs.LogGroup(
                self,
                f"{pname}Logs",
                retention=config.log_retention,
                removal_policy=cdk.RemovalPolicy.RETAIN,
            )
            role = iam.Role(
                self,
                f"{pname}Role",
                assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                description=f"vaxcert {name} function (least privilege from vaxcert.resources.FUNCTIONS)",
                inline_policies={
                    "least-privilege": iam.PolicyDocument(
                        statements=function_statements(name, grants, data, user_pool, log_group)
                    )
                },
            )
            _acknowledge_role(role, grants, data)
            env = {
                **environment,
                "POWERTOOLS_SERVICE_NAME": f"vaxcert-{name}",
                "POWERTOOLS_LOG_LEVEL": "INFO",
                "POWERTOOLS_METRICS_NAMESPACE": "vaxcert",
                # Tracer is not used (its import costs ~180 ms of cold start); logs carry no events (PII).
                "POWERTOOLS_TRACE_DISABLED": "true",
                "POWERTOOLS_LOGGER_LOG_EVENT": "false",
                "LOG_LEVEL": "INFO",
            }
            reserved = issue_reserved = None
            if name == "issue":
                issue_reserved = reserved = config.issue_reserved_concurrency
            reserved = grants.reserved_concurrency if reserved is None else reserved
            fn = lambda_.Function(
                self,
                f"{pname}Function",
                description=f"vaxcert {name}",
                runtime=RUNTIME,
                architecture=ARCHITECTURE,
                handler="handler.handler",
                code=function_code(name),
                layers=[self.layer],
                role=role,
                memory_size=grants.memory_mb,
                timeout=cdk.Duration.seconds(grants.timeout_s),
                reserved_concurrent_executions=reserved,
                environment=env,
                log_group=log_group,
                logging_format=lambda_.LoggingFormat.JSON,
                application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
                system_log_level_v2=lambda_.SystemLogLevel.WARN,
                tracing=lambda_.Tracing.DISABLED,
            )
            acknowledge(
                fn,
                "AwsSolutions-L1",
                "python3.12 is the project's declared Lambda runtime: the code, layer wheels and .pyc files "
                "are built and tested for it (moving to a newer runtime is a deliberate upgrade).",
            )
            if grants.consume_queue:
                queue = data.queues[grants.consume_queue]
                # Not SqsEventSource: it would add its own (broader) grants to the role.
                fn.add_event_source_mapping(
                    f"{grants.consume_queue}Source",
                    event_source_arn=queue.queue_arn,
                    batch_size=10,
                    max_batching_window=cdk.Duration.seconds(QUEUE_DEFS[grants.consume_queue].batch_window_s),
                    report_batch_item_failures=True,
                    # The cap on issuance (KMS Sign quota, see ISSUE_CONCURRENCY) without reserving
                    # concurrency; with a reservation, pollers never exceed it, so no message is
                    # throttled back to the queue (and towards the DLQ) for want of an instance.
                    max_concurrency=max(2, min(ISSUE_CONCURRENCY, issue_reserved or ISSUE_CONCURRENCY)),
                )
            self.functions[name] = fn
            self.roles[name] = role
        missing = set(QUEUE_FUNCTIONS) - set(self.functions)
        if missing:
            raise ValueError(f"QUEUE_FUNCTIONS not in FUNCTIONS: {sorted(missing)}")
        for schedule in r.SCHEDULES:
            events.Rule(
                self,
                schedule.logical_id,
                description=f"vaxcert: {schedule.description}",
                schedule=events.Schedule.rate(cdk.Duration.hours(schedule.every_hours)),
                targets=[events_targets.LambdaFunction(self.functions[schedule.function], retry_attempts=2)],
            )


def _acknowledge_role(role: iam.Role, grants: r.FunctionGrants, data: DataResources) -> None:
    for bucket_id in grants.buckets:
        acknowledge(
            role,
            f"AwsSolutions-IAM5[Resource::<{logical_id(data.buckets[bucket_id])}.Arn>/*]",
            "Object keys are per certificate (hcid) and created at run time; the grant is limited to "
            "this one bucket and to the object actions the function needs.",
        )
    if grants.sign_tagged_keys:
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]",
            "Document-signing keys are created by `vaxcert keys rotate` after deployment, so their ARNs "
            "are unknown here; the aws:ResourceTag/vaxcert:purpose=document-signing condition limits the "
            "grant to those keys (kms:Sign only with ECDSA_SHA_256, and kms:GetPublicKey).",
        )
    if grants.create_signing_keys:
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "kms:CreateKey has no resource ARN (the key does not exist yet); conditions limit it to ES256 "
            "SIGN_VERIFY keys created with the document-signing tag, the kind `vaxcert keys rotate` makes.",
        )
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]",
            "A rotated key's ARN exists only after CreateKey; tagging and reading the public key are limited "
            "to keys carrying the document-signing tag.",
        )
    if grants.sms:
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "SMS publishing to phone numbers has no resource ARN; a Deny statement in the same policy "
            "excludes every SNS topic and endpoint, so only direct SMS is allowed.",
        )

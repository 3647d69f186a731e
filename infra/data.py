"""Keys, tables, buckets, queues and secrets, one per definition in vaxcert.resources."""

from __future__ import annotations

from dataclasses import dataclass, field

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.nag import acknowledge
from vaxcert import resources as r
from vaxcert.store.models import table_shape

_ATTR = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER}


def _attr(key: r.Key) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=key.name, type=_ATTR[key.type])


# Why a secret has no automatic rotation (cdk-nag AwsSolutions-SMG4), per secret.
NO_ROTATION_REASONS = {
    r.INGEST_SECRET.logical_id: "The ingest key is typed into CommCare's data forwarder by a person; "
    "automatic rotation would silently break forwarding. It is rotated by hand (docs/deployment.md).",
    r.OTP_PEPPER.logical_id: "The pepper keys the HMACs stored for OTPs and mobile numbers (CitizenAuth and "
    "Audit tables); rotating it would orphan every stored HMAC, so it is rotated only deliberately.",
    r.ORIGIN_SECRET.logical_id: "CloudFront's origin header and the API web ACL's rule take its value at "
    "deploy time; a rotation outside a deployment would block every request until the next one. Rotate by "
    "putting a new value and redeploying (docs/deployment.md).",
}


@dataclass
class DataResources:
    """The constructs by their resources.py logical id, and the env vars that name them."""

    keys: dict[str, kms.Key] = field(default_factory=dict)
    tables: dict[str, dynamodb.Table] = field(default_factory=dict)
    buckets: dict[str, s3.Bucket] = field(default_factory=dict)
    queues: dict[str, sqs.Queue] = field(default_factory=dict)
    dead_letter_queues: dict[str, sqs.Queue] = field(default_factory=dict)
    secrets: dict[str, secretsmanager.Secret] = field(default_factory=dict)
    environment: dict[str, str] = field(default_factory=dict)
    log_bucket: s3.Bucket | None = None

    @property
    def data_key(self) -> kms.Key:
        return self.keys[r.DATA_KEY.logical_id]


class Data(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, log_retention_days: int) -> None:
        super().__init__(scope, construct_id)
        res = self.resources = DataResources()
        stack = cdk.Stack.of(self)

        for k in r.KEYS:
            symmetric = k.spec == "SYMMETRIC_DEFAULT"
            key = kms.Key(
                stack,
                k.logical_id,
                description=k.description,
                alias=f"alias/{stack.stack_name}/{k.logical_id}",
                key_spec=kms.KeySpec.SYMMETRIC_DEFAULT if symmetric else kms.KeySpec.ECC_NIST_P256,
                key_usage=kms.KeyUsage.ENCRYPT_DECRYPT if symmetric else kms.KeyUsage.SIGN_VERIFY,
                # KMS rotates only symmetric keys; signing keys are rotated by issuing a new DSC.
                enable_key_rotation=symmetric,
                # Losing a key loses every table it encrypts or every certificate it signed.
                removal_policy=cdk.RemovalPolicy.RETAIN,
                pending_window=cdk.Duration.days(30),
            )
            for tag_key, tag_value in k.tags:
                cdk.Tags.of(key).add(tag_key, tag_value)
            res.keys[k.logical_id] = key
            res.environment[k.env] = key.key_id

        # Server access logs (S3) and CloudFront standard logs: SSE-S3 because neither log delivery
        # service can write to SSE-KMS buckets; ACLs on because CloudFront standard logging uses them.
        log_bucket = res.log_bucket = s3.Bucket(
            stack,
            "AccessLogBucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.OBJECT_WRITER,
            lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(log_retention_days))],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        cfn_log_bucket = log_bucket.node.default_child
        assert isinstance(cfn_log_bucket, s3.CfnBucket)
        # CDK sets the legacy AccessControl=LogDeliveryWrite ACL that CloudFront standard logs need.
        cfn_log_bucket.add_metadata("cfn-lint", {"config": {"ignore_checks": ["W3045"]}})
        acknowledge(
            log_bucket,
            "AwsSolutions-S1",
            "This is the access log bucket itself; logging its own accesses into itself would loop.",
        )

        for t in r.TABLES:
            shape = table_shape(t)
            table = dynamodb.Table(
                stack,
                t.logical_id,
                partition_key=_attr(shape.partition),
                sort_key=_attr(shape.sort) if shape.sort else None,
                billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
                point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                    point_in_time_recovery_enabled=True
                ),
                encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
                encryption_key=res.data_key,
                time_to_live_attribute=t.ttl_attribute,
                deletion_protection=True,
                removal_policy=cdk.RemovalPolicy.RETAIN,
            )
            for index in shape.indexes:
                table.add_global_secondary_index(
                    index_name=index.name,
                    partition_key=_attr(index.partition),
                    sort_key=_attr(index.sort) if index.sort else None,
                    projection_type=dynamodb.ProjectionType.ALL,
                )
            res.tables[t.logical_id] = table
            res.environment[t.env] = table.table_name

        for b in r.BUCKETS:
            bucket = s3.Bucket(
                stack,
                b.logical_id,
                encryption=s3.BucketEncryption.KMS,
                encryption_key=res.data_key,
                # One KMS call per bucket key period instead of one per object.
                bucket_key_enabled=True,
                block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
                enforce_ssl=True,
                versioned=b.versioned,
                object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
                server_access_logs_bucket=log_bucket,
                server_access_logs_prefix=f"s3/{b.logical_id}/",
                lifecycle_rules=(
                    [s3.LifecycleRule(noncurrent_version_expiration=cdk.Duration.days(90))]
                    if b.versioned
                    else None
                ),
                removal_policy=cdk.RemovalPolicy.RETAIN,
            )
            res.buckets[b.logical_id] = bucket
            res.environment[b.env] = bucket.bucket_name

        for q in r.QUEUES:
            dlq = sqs.Queue(
                stack,
                q.dead_letter_logical_id,
                encryption=sqs.QueueEncryption.KMS,
                encryption_master_key=res.data_key,
                enforce_ssl=True,
                retention_period=cdk.Duration.days(14),
            )
            queue = sqs.Queue(
                stack,
                q.logical_id,
                encryption=sqs.QueueEncryption.KMS,
                encryption_master_key=res.data_key,
                # Reuse a data key for 5 minutes: one KMS call per 5 minutes instead of per message.
                data_key_reuse=cdk.Duration.minutes(5),
                enforce_ssl=True,
                visibility_timeout=cdk.Duration.seconds(q.visibility_timeout_s),
                retention_period=cdk.Duration.days(14),
                dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=q.max_receive_count, queue=dlq),
            )
            res.queues[q.logical_id] = queue
            res.dead_letter_queues[q.logical_id] = dlq
            res.environment[q.env] = queue.queue_url
            res.environment[q.dead_letter_env] = dlq.queue_url

        for s in r.SECRETS:
            secret = secretsmanager.Secret(
                stack,
                s.logical_id,
                description=s.description,
                generate_secret_string=secretsmanager.SecretStringGenerator(
                    password_length=40, exclude_punctuation=True, include_space=False
                ),
            )
            if s.logical_id in NO_ROTATION_REASONS:
                # A secret without a reason here fails cdk-nag (SMG4) until it gets rotation or one.
                acknowledge(secret, "AwsSolutions-SMG4", NO_ROTATION_REASONS[s.logical_id])
            res.secrets[s.logical_id] = secret
            res.environment[s.env] = secret.secret_arn

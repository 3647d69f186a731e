"""Create the resources of vaxcert.resources in moto, and the environment the functions read."""

from __future__ import annotations

import json
import secrets
from typing import Any

import boto3

from vaxcert import resources
from vaxcert.http.cognito import SIGNED_OUT_ATTRIBUTE
from vaxcert.store.models import table_shape

LOCAL_STAGE = "local"


def _name(logical_id: str) -> str:
    return f"vaxcert-{LOCAL_STAGE}-{logical_id}"


def create_table(ddb: Any, table: resources.Table) -> str:
    name = _name(table.logical_id)
    shape = table_shape(table)
    attrs: dict[str, str] = {shape.partition.name: shape.partition.type}
    schema = [{"AttributeName": shape.partition.name, "KeyType": "HASH"}]
    if shape.sort:
        attrs[shape.sort.name] = shape.sort.type
        schema.append({"AttributeName": shape.sort.name, "KeyType": "RANGE"})
    indexes = []
    for index in shape.indexes:
        attrs[index.partition.name] = index.partition.type
        key_schema = [{"AttributeName": index.partition.name, "KeyType": "HASH"}]
        if index.sort:
            attrs[index.sort.name] = index.sort.type
            key_schema.append({"AttributeName": index.sort.name, "KeyType": "RANGE"})
        indexes.append(
            {"IndexName": index.name, "KeySchema": key_schema, "Projection": {"ProjectionType": "ALL"}}
        )
    kwargs: dict[str, Any] = {
        "TableName": name,
        "KeySchema": schema,
        "AttributeDefinitions": [{"AttributeName": k, "AttributeType": t} for k, t in attrs.items()],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if indexes:
        kwargs["GlobalSecondaryIndexes"] = indexes
    ddb.create_table(**kwargs)
    if table.ttl_attribute:
        ddb.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute}
        )
    return name


def create_queue(sqs: Any, queue: resources.Queue) -> tuple[str, str]:
    dlq_url = sqs.create_queue(QueueName=_name(queue.dead_letter_logical_id))["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    url = sqs.create_queue(
        QueueName=_name(queue.logical_id),
        Attributes={
            "VisibilityTimeout": str(queue.visibility_timeout_s),
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": queue.max_receive_count}
            ),
        },
    )["QueueUrl"]
    return url, dlq_url


def create_key(kms: Any, key: resources.KmsKey) -> str:
    meta = kms.create_key(KeySpec=key.spec, KeyUsage=key.usage, Description=key.description)["KeyMetadata"]
    return str(meta["KeyId"])


def provision(region: str) -> dict[str, str]:
    """Create everything; return the environment variables the settings model reads."""
    session = boto3.session.Session(region_name=region)
    env: dict[str, str] = {"STAGE": LOCAL_STAGE, "AWS_REGION": region}
    ddb = session.client("dynamodb")
    for table in resources.TABLES:
        env[table.env] = create_table(ddb, table)
    s3 = session.client("s3")
    for bucket in resources.BUCKETS:
        name = _name(bucket.logical_id).lower()
        s3.create_bucket(Bucket=name)
        if bucket.versioned:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        env[bucket.env] = name
    sqs = session.client("sqs")
    for queue in resources.QUEUES:
        env[queue.env], env[queue.dead_letter_env] = create_queue(sqs, queue)
    kms = session.client("kms")
    for key in resources.KEYS:
        env[key.env] = create_key(kms, key)
    sm = session.client("secretsmanager")
    for secret in resources.SECRETS:
        env[secret.env] = sm.create_secret(
            Name=_name(secret.logical_id),
            SecretString=secrets.token_urlsafe(32),
            Description=secret.description,
        )["ARN"]
    cognito = session.client("cognito-idp")
    pool_id = cognito.create_user_pool(
        PoolName=_name(resources.USER_POOL.logical_id),
        Policies={
            "PasswordPolicy": {
                "MinimumLength": 12,
                "RequireUppercase": True,
                "RequireLowercase": True,
                "RequireNumbers": True,
                "RequireSymbols": True,
            }
        },
        # As deployed (infra/identity.py): when each account last signed out.
        Schema=[
            {
                "Name": SIGNED_OUT_ATTRIBUTE.removeprefix("custom:"),
                "AttributeDataType": "String",
                "Mutable": True,
            }
        ],
    )["UserPool"]["Id"]
    for group in resources.USER_POOL.groups:
        cognito.create_group(UserPoolId=pool_id, GroupName=group)
    env[resources.USER_POOL.env] = pool_id
    env[resources.USER_POOL.client_env] = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName="vaxcert-web", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    return env


def create_user(region: str, pool_id: str, username: str, group: str) -> str:
    """A demo staff user with a random password (never a constant in code)."""
    password = "Vx-" + secrets.token_urlsafe(12) + "9a!"
    cognito = boto3.session.Session(region_name=region).client("cognito-idp")
    cognito.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=password, Permanent=True)
    cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)
    return password

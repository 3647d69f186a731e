"""The AWS resources vaxcert needs, declared once.

Both the CDK stack (infra/) and the local stack (local_stack/) build their tables, buckets, queues,
keys, secrets and user pool from these definitions, so the two cannot drift. Each resource names the
environment variable through which the functions learn its name/id (see settings.Settings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

AttrType = Literal["S", "N"]


@dataclass(frozen=True)
class Key:
    name: str
    type: AttrType = "S"


@dataclass(frozen=True)
class Index:
    name: str
    partition: Key
    sort: Key | None = None


@dataclass(frozen=True)
class Table:
    """A table; its keys and indexes are declared once, by its pynamodb models
    (vaxcert.store.models.table_shape gives them as a TableShape)."""

    logical_id: str
    env: str
    ttl_attribute: str | None = None


@dataclass(frozen=True)
class TableShape:
    partition: Key
    sort: Key | None = None
    indexes: tuple[Index, ...] = ()


@dataclass(frozen=True)
class Bucket:
    logical_id: str
    env: str
    versioned: bool


@dataclass(frozen=True)
class Queue:
    logical_id: str
    env: str
    dead_letter_logical_id: str
    dead_letter_env: str
    visibility_timeout_s: int
    max_receive_count: int
    # How long the event source gathers messages before invoking the consumer (batching window).
    batch_window_s: int = 0


@dataclass(frozen=True)
class KmsKey:
    logical_id: str
    env: str
    spec: Literal["ECC_NIST_P256", "SYMMETRIC_DEFAULT"]
    usage: Literal["SIGN_VERIFY", "ENCRYPT_DECRYPT"]
    description: str
    tags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Secret:
    logical_id: str
    env: str
    description: str


@dataclass(frozen=True)
class UserPool:
    logical_id: str
    env: str
    client_env: str
    groups: tuple[str, ...]


# Keys and indexes: see the models (vaxcert.store.models).
CERTIFICATES = Table("CertificatesTable", "CERTIFICATES_TABLE")
# Events: "0" for the original delivery, the CommCare `edited_on` for each edit (the sort key).
EVENTS = Table("EventsTable", "EVENTS_TABLE")
CITIZEN_AUTH = Table("CitizenAuthTable", "CITIZEN_AUTH_TABLE", ttl_attribute="expiresAt")
# Audit entries, and index items (store.models.AuditIndexItem) in the same table.
AUDIT = Table("AuditTable", "AUDIT_TABLE")
TRUST = Table("TrustTable", "TRUST_TABLE")
# Dashboard counters (`day#YYYY-MM-DD`, `totals`), incremented atomically where certificates change.
STATS = Table("StatsTable", "STATS_TABLE")

TABLES: tuple[Table, ...] = (CERTIFICATES, EVENTS, CITIZEN_AUTH, AUDIT, TRUST, STATS)

ARTEFACTS = Bucket("ArtefactsBucket", "ARTEFACTS_BUCKET", versioned=True)
BUCKETS: tuple[Bucket, ...] = (ARTEFACTS,)

ISSUE_QUEUE = Queue(
    "IssueQueue",
    "ISSUE_QUEUE_URL",
    dead_letter_logical_id="IssueDeadLetterQueue",
    dead_letter_env="ISSUE_DLQ_URL",
    # Six times the issue function timeout (30 s) plus the batching window, as AWS recommends for SQS
    # event sources: a message is never handed to a second instance while the first may still run.
    visibility_timeout_s=6 * 30 + 5,
    max_receive_count=5,
    batch_window_s=5,
)
QUEUES: tuple[Queue, ...] = (ISSUE_QUEUE,)

# Every document-signing key carries this tag: the stack's own and those `vaxcert keys rotate` creates
# after deployment. IAM grants Sign on keys by this tag (FunctionGrants.sign_tagged_keys), so a rotated
# key needs no redeploy.
SIGNING_KEY_TAG = ("vaxcert:purpose", "document-signing")

SIGNING_KEY = KmsKey(
    "DocumentSigningKey",
    "SIGNING_KEY_ID",
    "ECC_NIST_P256",
    "SIGN_VERIFY",
    "vaxcert document signing key (DSC private key, ES256)",
    tags=(SIGNING_KEY_TAG,),
)
CSCA_KEY = KmsKey(
    "CscaKey",
    "CSCA_KEY_ID",
    "ECC_NIST_P256",
    "SIGN_VERIFY",
    "vaxcert country signing certificate authority (signs DSCs)",
)
SESSION_KEY = KmsKey(
    "CitizenSessionKey",
    "SESSION_KEY_ID",
    "ECC_NIST_P256",
    "SIGN_VERIFY",
    "vaxcert citizen session token signing key",
)
DATA_KEY = KmsKey(
    "DataKey",
    "DATA_KEY_ID",
    "SYMMETRIC_DEFAULT",
    "ENCRYPT_DECRYPT",
    "vaxcert data-at-rest key (tables, buckets, queues)",
)
KEYS: tuple[KmsKey, ...] = (SIGNING_KEY, CSCA_KEY, SESSION_KEY, DATA_KEY)

INGEST_SECRET = Secret(
    "IngestSecret",
    "INGEST_SECRET_ARN",
    "Shared secret CommCare sends in the ingest header (API Key auth)",
)
OTP_PEPPER = Secret(
    "OtpPepperSecret",
    "OTP_PEPPER_SECRET_ARN",
    "Key of the HMACs over citizen OTPs and mobile numbers (CitizenAuth and Audit tables)",
)
ORIGIN_SECRET = Secret(
    "OriginSecret",
    "ORIGIN_SECRET_ARN",
    "Value CloudFront adds in the X-Vaxcert-Origin header: the API refuses requests without it",
)
SECRETS: tuple[Secret, ...] = (INGEST_SECRET, OTP_PEPPER, ORIGIN_SECRET)
# The header CloudFront adds to every request it sends to the API (value: ORIGIN_SECRET). The API's
# web ACL blocks requests without it (direct execute-api calls), and the functions trust
# CloudFront-Viewer-Address (the caller's own address) only on requests that carry it.
ORIGIN_HEADER = "X-Vaxcert-Origin"
VIEWER_ADDRESS_HEADER = "CloudFront-Viewer-Address"

STAFF_GROUP = "facility-staff"
ADMIN_GROUP = "ministry-admin"
USER_POOL = UserPool("StaffUserPool", "USER_POOL_ID", "USER_POOL_CLIENT_ID", (STAFF_GROUP, ADMIN_GROUP))


@dataclass(frozen=True)
class Schedule:
    """A function also invoked on a timer (EventBridge deployed, a thread in the local stack)."""

    logical_id: str
    function: str
    every_hours: int
    description: str


# The signed revocation list is valid for 48 hours (settings.revocation_list_validity_hours): re-sign
# it well before then, even when nothing was revoked, so offline verifiers never hold an expired one.
SCHEDULES: tuple[Schedule, ...] = (
    Schedule("RevocationListRefresh", "revoke", 12, "re-sign and publish the revocation list"),
)
SCHEDULED_EVENT_SOURCE = "aws.events"


Access = Literal["read", "write", "readwrite"]
# Tables only: "append" may add items (PutItem, conditional on a fresh key) and nothing else, so an
# append-only table stays append-only at the IAM level; "query-append" may also Query its indexes.
TableAccess = Literal["read", "write", "readwrite", "append", "query-append"]


@dataclass(frozen=True)
class FunctionGrants:
    """What one Lambda function may touch: the source of its least-privilege IAM role."""

    tables: dict[str, TableAccess] = field(default_factory=dict)
    buckets: dict[str, Access] = field(default_factory=dict)
    send_queues: tuple[str, ...] = ()
    consume_queue: str | None = None
    sign_keys: tuple[str, ...] = ()
    # Also sign with any key of this account and region tagged SIGNING_KEY_TAG (rotated DSC keys).
    sign_tagged_keys: bool = False
    verify_keys: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    sms: bool = False
    user_pool_auth: bool = False
    # cognito-idp:AdminGetUser: is a staff account still enabled, when did it sign out.
    user_pool_status: bool = False
    # cognito-idp:AdminUserGlobalSignOut and AdminUpdateUserAttributes (the sign-out time).
    user_pool_sign_out: bool = False
    # sqs:GetQueueAttributes on these queues and their dead-letter queues (depth for the dashboard).
    queue_metrics: tuple[str, ...] = ()
    # kms:CreateKey for new document-signing keys (ES256, tagged SIGNING_KEY_TAG) and their public keys.
    create_signing_keys: bool = False
    memory_mb: int = 512
    timeout_s: int = 10
    reserved_concurrency: int | None = None


FUNCTIONS: dict[str, FunctionGrants] = {
    "ingest": FunctionGrants(
        tables={EVENTS.logical_id: "readwrite"},
        send_queues=(ISSUE_QUEUE.logical_id,),
        secrets=(INGEST_SECRET.logical_id,),
        memory_mb=512,
        timeout_s=10,
    ),
    "issue": FunctionGrants(
        tables={
            EVENTS.logical_id: "readwrite",
            CERTIFICATES.logical_id: "readwrite",
            TRUST.logical_id: "read",
            STATS.logical_id: "write",
            # ingest.issue / ingest.edit / ingest.edit_conflict entries.
            AUDIT.logical_id: "append",
        },
        # The revocation list, republished after a batch that superseded certificates.
        buckets={ARTEFACTS.logical_id: "readwrite"},
        consume_queue=ISSUE_QUEUE.logical_id,
        sign_keys=(SIGNING_KEY.logical_id,),
        sign_tagged_keys=True,
        sms=True,
        memory_mb=1024,
        timeout_s=30,
    ),
    "verify": FunctionGrants(
        tables={TRUST.logical_id: "read", CERTIFICATES.logical_id: "read"},
        buckets={ARTEFACTS.logical_id: "read"},
        memory_mb=1024,
        timeout_s=10,
    ),
    "download": FunctionGrants(
        tables={
            CERTIFICATES.logical_id: "read",
            CITIZEN_AUTH.logical_id: "readwrite",
            AUDIT.logical_id: "append",
            # The daily SMS budget counter (login codes are SMS too).
            STATS.logical_id: "write",
        },
        buckets={ARTEFACTS.logical_id: "readwrite"},
        sign_keys=(SESSION_KEY.logical_id,),
        verify_keys=(SESSION_KEY.logical_id,),
        secrets=(OTP_PEPPER.logical_id, ORIGIN_SECRET.logical_id),
        sms=True,
        user_pool_auth=True,
        user_pool_status=True,
        user_pool_sign_out=True,
        memory_mb=1024,
        timeout_s=15,
    ),
    "revoke": FunctionGrants(
        tables={
            CERTIFICATES.logical_id: "readwrite",
            EVENTS.logical_id: "readwrite",
            # Admin audit queries (ByHcid/ByActor) and their own audit entries; never an update or delete.
            AUDIT.logical_id: "query-append",
            TRUST.logical_id: "read",
            STATS.logical_id: "readwrite",
        },
        buckets={ARTEFACTS.logical_id: "readwrite"},
        send_queues=(ISSUE_QUEUE.logical_id,),
        queue_metrics=(ISSUE_QUEUE.logical_id,),
        # The revocation list is signed with the current DSC key, as the issue function does: this
        # function can already have any certificate issued through a correction, so the DSC key adds
        # no power to it, while the CSCA key would let it mint DSCs. After a rotation that DSC's key is
        # one `vaxcert keys rotate` created: tagged, like the issue function's.
        sign_keys=(SIGNING_KEY.logical_id,),
        sign_tagged_keys=True,
        # The audit query by a citizen's mobile number needs the same keyed hash the actor is stored as.
        secrets=(OTP_PEPPER.logical_id, ORIGIN_SECRET.logical_id),
        user_pool_status=True,
        memory_mb=512,
        timeout_s=15,
    ),
    # The admin page's keys (GET /v1/admin/keys, rotate, withdraw): the only function that holds the
    # CSCA key (it signs the new DSC) and may create signing keys; it touches no certificate.
    "keys": FunctionGrants(
        tables={TRUST.logical_id: "readwrite", AUDIT.logical_id: "append"},
        sign_keys=(CSCA_KEY.logical_id,),
        create_signing_keys=True,
        secrets=(ORIGIN_SECRET.logical_id,),
        user_pool_status=True,
        memory_mb=512,
        timeout_s=15,
    ),
}

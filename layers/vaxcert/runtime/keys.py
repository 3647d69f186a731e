"""The composition root of functions/keys: its services, built on first use (never at import), once
per process. In the layer beside the other roots: on Lambda a function's folder is /var/task, no package."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from vaxcert.audit.trail import AuditTrail
from vaxcert.http.auth import SecretValue
from vaxcert.http.cognito import CognitoIdTokens, StaffAccounts, pool_id_tokens
from vaxcert.runtime.root import Root
from vaxcert.runtime.wiring import settings
from vaxcert.signing import rotation
from vaxcert.store.audit import DynamoAuditStore
from vaxcert.store.aws import client
from vaxcert.store.trust import TrustRepository


@dataclass(frozen=True)
class Services:
    id_tokens: CognitoIdTokens
    # The header CloudFront adds (see functions/download): None locally.
    origin_secret: SecretValue | None
    audit: AuditTrail
    trust: TrustRepository
    # A new tagged KMS signing key (its KeyId) for a DSC made at that time.
    new_signing_key: Callable[[datetime], str]
    country: str


def build() -> Services:
    s = settings()
    return Services(
        # As functions/revoke: a disabled or signed-out admin's ID token stops working at once.
        id_tokens=pool_id_tokens(
            s.region,
            s.user_pool_id,
            s.user_pool_client_id,
            accounts=StaffAccounts(s.user_pool_id, cache_s=s.staff_status_cache_s),
        ),
        origin_secret=SecretValue(s.origin_secret_arn) if s.origin_secret_arn else None,
        audit=AuditTrail(DynamoAuditStore()),
        trust=TrustRepository(),
        new_signing_key=lambda now: rotation.create_signing_key(client("kms"), s.stage, now),
        country=s.country,
    )


services = Root(build)

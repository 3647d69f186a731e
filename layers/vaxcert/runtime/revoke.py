"""The composition root of functions/revoke: its services, built on first use (never at import), once
per process (see vaxcert.runtime.keys)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from vaxcert.audit.queries import AuditQueries
from vaxcert.audit.trail import AuditTrail
from vaxcert.catalogue import load_catalogue
from vaxcert.citizen.otp import OtpHasher
from vaxcert.http.auth import SecretValue
from vaxcert.http.cognito import CognitoIdTokens, StaffAccounts, pool_id_tokens
from vaxcert.lifecycle.publisher import RevocationPublisher
from vaxcert.lifecycle.service import Lifecycle
from vaxcert.notify.texts import SmsTexts
from vaxcert.runtime.root import Root
from vaxcert.runtime.wiring import settings
from vaxcert.sources.phone import NumberingPlan
from vaxcert.store.audit import DynamoAuditStore
from vaxcert.store.certificates import CertificateRepository
from vaxcert.store.events import EventLog
from vaxcert.store.queue import IssueQueue, queue_depths
from vaxcert.store.stats import IssuanceMix, Stats


@dataclass(frozen=True)
class Services:
    id_tokens: CognitoIdTokens
    # The header CloudFront adds (see functions/download): None locally.
    origin_secret: SecretValue | None
    audit_queries: AuditQueries
    publisher: RevocationPublisher
    lifecycle: Lifecycle


def build() -> Services:
    s = settings()
    pepper = SecretValue(s.otp_pepper_secret_arn)

    @cache
    def hasher() -> OtpHasher:
        # Read on the first audit query by mobile, not at start: most calls never need it.
        return OtpHasher(pepper.get().encode())

    def mobile_ref(e164: str) -> str:
        return hasher().ref(e164)

    audit_days = DynamoAuditStore()
    audit = AuditTrail(audit_days, mobile_ref=mobile_ref)
    publisher = RevocationPublisher(
        bucket=s.artefacts_bucket,
        country=s.country,
        validity=timedelta(hours=s.revocation_list_validity_hours),
    )
    lifecycle = Lifecycle(
        certificates=CertificateRepository(),
        events=EventLog(),
        queue=IssueQueue(s.issue_queue_url),
        audit=audit,
        catalogue=load_catalogue(s.vaccine_catalogue_file),
        stats=Stats(),
        mix=IssuanceMix(),
        portal_url=s.portal_url,
        texts=SmsTexts.from_settings(s),
        plan=NumberingPlan.from_settings(s),
        publish_revocations=lambda ucis, divoc_ids: publisher.publish(ucis, include_divoc=divoc_ids),
        queue_depths=lambda: queue_depths(s.issue_queue_url, s.issue_dlq_url),
        max_corrections=s.max_corrections,
    )
    return Services(
        id_tokens=pool_id_tokens(
            s.region,
            s.user_pool_id,
            s.user_pool_client_id,
            accounts=StaffAccounts(s.user_pool_id, cache_s=s.staff_status_cache_s),
        ),
        origin_secret=SecretValue(s.origin_secret_arn) if s.origin_secret_arn else None,
        audit_queries=AuditQueries(audit, audit_days, mobile_ref),
        publisher=publisher,
        lifecycle=lifecycle,
    )


services = Root(build)

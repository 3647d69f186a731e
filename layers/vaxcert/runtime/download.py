"""The composition root of functions/download: its services, built on first use (never at import),
once per process (see vaxcert.runtime.keys)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from vaxcert.audit.trail import AuditTrail
from vaxcert.catalogue import load_catalogue
from vaxcert.citizen.otp import OtpHasher, OtpService
from vaxcert.citizen.portal import CitizenPortal
from vaxcert.citizen.sessions import SessionTokens
from vaxcert.documents.service import CertificateDocuments
from vaxcert.facility.desk import FacilityDesk
from vaxcert.http.auth import SecretValue
from vaxcert.http.cognito import CognitoIdTokens, CognitoPasswordLogin, StaffAccounts, pool_id_tokens
from vaxcert.http.staff_sign_in import StaffSignIn
from vaxcert.notify.budget import BudgetedSms
from vaxcert.notify.sms import SnsSms
from vaxcert.notify.texts import SmsTexts
from vaxcert.runtime.root import Root
from vaxcert.runtime.wiring import settings
from vaxcert.signing.kms import KmsSigner
from vaxcert.sources.phone import NumberingPlan
from vaxcert.store.artefacts import S3Blobs
from vaxcert.store.audit import DynamoAuditStore
from vaxcert.store.certificates import CertificateRepository
from vaxcert.store.citizen_auth import DynamoOtpStore, DynamoSessionDenylist
from vaxcert.store.sms_budget import DynamoSmsBudgetCounter


@dataclass(frozen=True)
class Services:
    sessions: SessionTokens
    accounts: StaffAccounts
    id_tokens: CognitoIdTokens
    sign_in: StaffSignIn
    audit: AuditTrail
    # The header CloudFront adds to every request it forwards: only then is CloudFront-Viewer-Address the
    # caller's own address (None locally, where the socket address is the caller's).
    origin_secret: SecretValue | None
    # Built on the first citizen call: it reads the OTP pepper, which staff routes never need.
    portal: Callable[[], CitizenPortal]
    desk: FacilityDesk


def build() -> Services:
    s = settings()
    session_key = KmsSigner(s.session_key_id)
    sessions = SessionTokens(session_key, session_key.public_key_der, denylist=DynamoSessionDenylist())
    accounts = StaffAccounts(s.user_pool_id, cache_s=s.staff_status_cache_s)
    pepper = SecretValue(s.otp_pepper_secret_arn)

    @cache
    def hasher() -> OtpHasher:
        # The pepper is read once per process, when first needed: rotating it takes effect at the
        # next cold start.
        return OtpHasher(pepper.get().encode())

    # Searched numbers are indexed by the same keyed hash citizens are recorded under.
    audit = AuditTrail(DynamoAuditStore(), mobile_ref=lambda e164: hasher().ref(e164))
    certificates = CertificateRepository()
    catalogue = load_catalogue(s.vaccine_catalogue_file)
    documents = CertificateDocuments(
        S3Blobs(s.artefacts_bucket),
        catalogue,
        issuer_name=s.issuer_name,
        verify_url=s.portal_url.rstrip("/") + "/verify",
        shc_qr=s.pdf_shc_qr,
    )
    id_tokens = pool_id_tokens(s.region, s.user_pool_id, s.user_pool_client_id, accounts=accounts)
    plan = NumberingPlan.from_settings(s)  # the country's mobile numbers
    return Services(
        sessions=sessions,
        accounts=accounts,
        id_tokens=id_tokens,
        sign_in=StaffSignIn(CognitoPasswordLogin(s.user_pool_client_id), id_tokens, audit),
        audit=audit,
        origin_secret=SecretValue(s.origin_secret_arn) if s.origin_secret_arn else None,
        portal=cache(
            lambda: CitizenPortal(
                otps=OtpService(DynamoOtpStore(), hasher()),
                sessions=sessions,
                certificates=certificates,
                documents=documents,
                catalogue=catalogue,
                sms=BudgetedSms(
                    SnsSms(s.sms_sender_id, origination_number=s.sms_origination_number),
                    DynamoSmsBudgetCounter(),
                    s.sms_daily_budget,
                    purpose="otp",
                    share=s.sms_otp_budget_share,
                    plan=plan,
                ),
                audit=audit,
                texts=SmsTexts.from_settings(s),
            )
        ),
        desk=FacilityDesk(
            certificates=certificates, documents=documents, catalogue=catalogue, audit=audit, plan=plan
        ),
    )


services = Root(build)

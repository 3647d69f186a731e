"""The citizen portal: OTP request, session, own certificate list and PDFs, each audited.

No enumeration: requesting a code does the same work (rate limits, store a code, audit, look the
number up) whether or not the number has certificates, and answers the same; only the SMS
differs, and when none is sent the request waits about as long as sending would have taken.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from vaxcert.audit.trail import AuditTrail
from vaxcert.catalogue import Catalogue
from vaxcert.citizen.otp import OtpOutcome, OtpService
from vaxcert.citizen.sessions import CitizenPrincipal, SessionTokens
from vaxcert.documents.people import CertificateSummary, linked_certificates, ordered, summary
from vaxcert.documents.service import CertificateDocuments, dose_certificates
from vaxcert.errors import NotFound, Unauthorized
from vaxcert.facility.search import CertificateFinder
from vaxcert.formats.shc_card import qr_text_if_one_chunk
from vaxcert.logs import get_logger
from vaxcert.notify.budget import SmsBudgetExhausted
from vaxcert.notify.texts import SmsTexts, default_texts
from vaxcert.sources.phone import mask_mobile
from vaxcert.types.audit import Action, Actor, Outcome, RequestInfo, Role
from vaxcert.types.certificate import Certificate

logger = get_logger()


@dataclass(frozen=True)
class OwnCertificate:
    """A row of the citizen's own list, with the QR texts the page shows without the PDF."""

    summary: CertificateSummary
    qr: str  # HC1
    shc_qr: str | None  # the SMART Health Card, when it fits one QR


OTP_MESSAGES = {
    OtpOutcome.WRONG: "wrong code, check the SMS and try again",
    OtpOutcome.EXPIRED: "code expired, send a new one",
    OtpOutcome.LOCKED: "too many wrong codes, send a new one",
    OtpOutcome.NONE: "no active code for this number, send a new one",
}


class SmsSender(Protocol):
    def send(self, to_e164: str, message: str) -> str: ...


class OtpRejected(Unauthorized):
    """A code refused (401 with the reason and, for a wrong code, the tries left; no Bearer scheme
    asked for: the answer is to send a new code or type it again)."""

    bearer = False

    def __init__(self, outcome: OtpOutcome, tries_left: int | None = None):
        super().__init__(OTP_MESSAGES[outcome], outcome.value, tries_left=tries_left)
        self.outcome = outcome


def otp_sms_text(code: str, minutes: int, texts: SmsTexts | None = None) -> str:
    return (texts or default_texts()).login_code(code, minutes)


@dataclass
class SendTimer:
    """Estimate of how long an SMS send takes (moving average), to wait that long when none is sent."""

    estimate_s: float = 0.08
    sleep: Callable[[float], None] = time.sleep

    def observe(self, seconds: float) -> None:
        self.estimate_s = 0.8 * self.estimate_s + 0.2 * min(seconds, 2.0)

    def pad(self) -> None:
        self.sleep(self.estimate_s * random.uniform(0.85, 1.15))


@dataclass
class CitizenPortal:
    otps: OtpService
    sessions: SessionTokens
    certificates: CertificateFinder
    documents: CertificateDocuments
    catalogue: Catalogue
    sms: SmsSender
    audit: AuditTrail
    timer: SendTimer = field(default_factory=SendTimer)
    texts: SmsTexts = field(default_factory=default_texts)  # settings.sms_otp_text

    def actor(self, mobile: str) -> Actor:
        return Actor(f"citizen:{self.otps.hasher.ref(mobile)}", Role.CITIZEN, mask_mobile(mobile))

    def request_otp(self, mobile: str, request: RequestInfo) -> None:
        """`mobile`: E.164 (the request model normalised it)."""
        code = self.otps.issue(mobile, request.source_ip)
        self.audit.record(self.actor(mobile), Action.CITIZEN_OTP, request)
        has_certificates = bool(self.certificates.by_mobile(mobile))
        if not has_certificates:
            self.timer.pad()
            return
        started = time.monotonic()
        try:
            self.sms.send(mobile, otp_sms_text(code, self.otps.ttl_s // 60, self.texts))
        except SmsBudgetExhausted:
            # Refused in one quick counter update: wait as a send would, and keep that out of the estimate.
            logger.warning("otp sms not sent: daily budget spent")
            self.timer.pad()
            return
        except Exception as exc:
            # Answer as usual (a 503 here would tell who has certificates); the citizen asks again.
            logger.warning("otp sms failed", extra={"error_type": type(exc).__name__})
        self.timer.observe(time.monotonic() - started)

    def start_session(self, mobile: str, code: str, request: RequestInfo) -> tuple[str, int]:
        """A session token and its lifetime (s) for a right code; OtpRejected otherwise."""
        check = self.otps.check(mobile, code, request.source_ip)
        if check.outcome is not OtpOutcome.OK:
            self.audit.record(self.actor(mobile), Action.CITIZEN_SESSION, request, outcome=Outcome.DENIED)
            raise OtpRejected(check.outcome, check.tries_left if check.outcome is OtpOutcome.WRONG else None)
        self.audit.record(self.actor(mobile), Action.CITIZEN_SESSION, request)
        return self.sessions.issue(mobile)

    def sign_out(self, principal: CitizenPrincipal, request: RequestInfo) -> None:
        self.sessions.sign_out(principal)
        self.audit.record(self.actor(principal.mobile), Action.CITIZEN_SIGN_OUT, request)

    def list_certificates(self, principal: CitizenPrincipal, request: RequestInfo) -> list[OwnCertificate]:
        found = ordered(self.certificates.by_mobile(principal.mobile))
        self.audit.record(
            self.actor(principal.mobile), Action.CITIZEN_LIST, request, result_hcids=[c.hcid for c in found]
        )
        # The citizen's own HC1 and SMART Health Card QR texts, so the page shows the QR without the PDF.
        return [OwnCertificate(summary(c, self.catalogue), c.qr, _card_qr(c)) for c in found]

    def pdf(self, principal: CitizenPrincipal, hcid: str, request: RequestInfo) -> tuple[Certificate, bytes]:
        certificate = self.certificates.get(hcid) if _plausible_hcid(hcid) else None
        actor = self.actor(principal.mobile)
        if certificate is None or certificate.mobile != principal.mobile:
            # Same answer for "no such certificate" and "someone else's": never confirm an HCID.
            self.audit.record(actor, Action.CITIZEN_PDF, request, outcome=Outcome.NOT_FOUND, hcid=hcid[:40])
            raise NotFound("no such certificate for this mobile number")
        # Only doses linked by a person key join it; the audit names every certificate the PDF shows.
        shown = dose_certificates(certificate, linked_certificates(certificate, self.certificates))
        self.audit.record(actor, Action.CITIZEN_PDF, request, hcid=hcid, result_hcids=[c.hcid for c in shown])
        return certificate, self.documents.pdf(certificate, shown)

    def health_card(self, principal: CitizenPrincipal, hcid: str, request: RequestInfo) -> Certificate:
        """The certificate whose SMART Health Card file is downloaded (NotFound when it has none)."""
        certificate = self._own(principal, hcid, Action.CITIZEN_SHC, request, needs_card=True)
        return certificate

    def _own(
        self,
        principal: CitizenPrincipal,
        hcid: str,
        action: Action,
        request: RequestInfo,
        *,
        needs_card: bool = False,
    ) -> Certificate:
        certificate = self.certificates.get(hcid) if _plausible_hcid(hcid) else None
        actor = self.actor(principal.mobile)
        theirs = certificate is not None and certificate.mobile == principal.mobile
        if certificate is None or not theirs or (needs_card and not certificate.shc):
            # Same answer for "no such certificate" and "someone else's": never confirm an HCID.
            self.audit.record(actor, action, request, outcome=Outcome.NOT_FOUND, hcid=hcid[:40])
            raise NotFound("no such certificate for this mobile number")
        self.audit.record(actor, action, request, hcid=hcid)
        return certificate


def _card_qr(certificate: Certificate) -> str | None:
    return qr_text_if_one_chunk(certificate.shc) if certificate.shc else None


def _plausible_hcid(hcid: str) -> bool:
    return 16 <= len(hcid) <= 32 and hcid.isascii() and hcid.isalnum()

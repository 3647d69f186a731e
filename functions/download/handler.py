"""Download: citizen OTP login, own certificates and PDFs; staff sign-in, search and print.

Logs carry hcids, counts and outcomes only: never names, dates of birth, mobile numbers, codes or tokens.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response

from vaxcert.audit.trail import Action, AuditTrail, Outcome, RequestInfo
from vaxcert.catalogue import load_catalogue
from vaxcert.citizen.otp import OtpHasher, OtpService
from vaxcert.citizen.portal import CitizenPortal, OtpRejected
from vaxcert.citizen.sessions import SessionTokens
from vaxcert.documents.service import CertificateDocuments
from vaxcert.errors import InvalidInput, Problem, Unauthorized
from vaxcert.facility.desk import FacilityDesk, StaffPrincipal
from vaxcert.formats.shc_card import FILE_MEDIA_TYPE, card_file
from vaxcert.http.api import SECURITY_HEADERS, Api, json_response, no_content
from vaxcert.http.auth import SecretValue, request_info, token_authenticator
from vaxcert.http.cognito import (
    Challenge,
    ChallengeKind,
    CognitoPasswordLogin,
    SignedIn,
    StaffAccounts,
    pool_id_tokens,
)
from vaxcert.http.models.facility import CertificateSearch
from vaxcert.issuance.certificate import Certificate
from vaxcert.notify.budget import BudgetedSms
from vaxcert.notify.sms import SnsSms
from vaxcert.resources import ADMIN_GROUP, STAFF_GROUP
from vaxcert.routes import Auth
from vaxcert.runtime.wiring import settings
from vaxcert.signing.kms import KmsSigner
from vaxcert.store.artefacts import S3Blobs
from vaxcert.store.audit import DynamoAuditStore
from vaxcert.store.certificates import CertificateRepository
from vaxcert.store.citizen_auth import DynamoOtpStore, DynamoSessionDenylist
from vaxcert.store.sms_budget import DynamoSmsBudgetCounter

logger = Logger(service="vaxcert-download")
_settings = settings()
_session_key = KmsSigner(_settings.session_key_id)
_sessions = SessionTokens(_session_key, _session_key.public_key_der, denylist=DynamoSessionDenylist())
_accounts = StaffAccounts(_settings.user_pool_id, cache_s=_settings.staff_status_cache_s)
_id_tokens = pool_id_tokens(
    _settings.region, _settings.user_pool_id, _settings.user_pool_client_id, accounts=_accounts
)
_pepper = SecretValue(_settings.otp_pepper_secret_arn)


@cache
def _hasher() -> OtpHasher:
    # The pepper is read once per process: rotating it takes effect at the next cold start.
    return OtpHasher(_pepper.get().encode())


# Searched numbers are indexed by the same keyed hash citizens are recorded under.
_audit = AuditTrail(DynamoAuditStore(), mobile_ref=lambda e164: _hasher().ref(e164))
_certificates = CertificateRepository()
_login = CognitoPasswordLogin(_settings.user_pool_client_id)
# The header CloudFront adds to every request it forwards: only then is CloudFront-Viewer-Address the
# caller's own address (unset locally, where the socket address is the caller's).
_origin_secret = SecretValue(_settings.origin_secret_arn) if _settings.origin_secret_arn else None

api = Api(
    "download",
    {
        Auth.CITIZEN: token_authenticator(_sessions.verify),
        Auth.STAFF: token_authenticator(_id_tokens.verify, frozenset({STAFF_GROUP, ADMIN_GROUP})),
    },
)


@cache
def _documents() -> CertificateDocuments:
    return CertificateDocuments(
        S3Blobs(_settings.artefacts_bucket),
        load_catalogue(_settings.vaccine_catalogue_file),
        issuer_name=_settings.issuer_name,
        verify_url=_settings.portal_url.rstrip("/") + "/verify",
        shc_qr=_settings.pdf_shc_qr,
    )


@cache
def _portal() -> CitizenPortal:
    otps = OtpService(DynamoOtpStore(), _hasher())
    return CitizenPortal(
        otps=otps,
        sessions=_sessions,
        certificates=_certificates,
        documents=_documents(),
        catalogue=load_catalogue(_settings.vaccine_catalogue_file),
        sms=BudgetedSms(
            SnsSms(_settings.sms_sender_id, origination_number=_settings.sms_origination_number),
            DynamoSmsBudgetCounter(),
            _settings.sms_daily_budget,
            purpose="otp",
            share=_settings.sms_otp_budget_share,
        ),
        audit=_audit,
    )


@cache
def _desk() -> FacilityDesk:
    return FacilityDesk(
        certificates=_certificates,
        documents=_documents(),
        catalogue=load_catalogue(_settings.vaccine_catalogue_file),
        audit=_audit,
    )


def _request() -> RequestInfo:
    return request_info(api.app.current_event, _origin_secret)


def _body() -> dict[str, Any]:
    body = api.json_body()
    if not isinstance(body, dict):
        raise InvalidInput([Problem("body", "must be a JSON object")])
    return body


def _pdf(hcid: str, pdf: bytes, disposition: str) -> Response:
    return Response(
        status_code=200,
        content_type="application/pdf",
        body=pdf,  # bytes: the resolver base64-encodes it and sets isBase64Encoded
        headers={
            **SECURITY_HEADERS,
            "Content-Disposition": f'{disposition}; filename="vaccination-certificate-{hcid}.pdf"',
        },
    )


def _health_card(certificate: Certificate) -> Response:
    """The `.smart-health-card` file health wallets import."""
    return Response(
        status_code=200,
        content_type=FILE_MEDIA_TYPE,
        body=json.dumps(card_file([certificate.shc or ""]), separators=(",", ":")),
        headers={
            **SECURITY_HEADERS,
            "Content-Disposition": f'attachment; filename="{certificate.hcid}.smart-health-card"',
        },
    )


# --- citizen -------------------------------------------------------------------------------------


@api.route("POST", "/v1/citizen/otp")
def request_otp() -> Response:
    _portal().request_otp(_body().get("mobile"), _request())
    logger.info("otp requested")
    return json_response(202, {"message": "If this number has certificates, a code has been sent by SMS."})


@api.route("POST", "/v1/citizen/session")
def start_session() -> Response:
    body = _body()
    try:
        token, expires_in = _portal().start_session(body.get("mobile"), body.get("otp"), _request())
    except OtpRejected as exc:
        logger.info("citizen session refused", extra={"reason": exc.outcome.value})
        refused: dict[str, Any] = {"message": str(exc), "reason": exc.outcome.value}
        if exc.tries_left is not None:
            refused["triesLeft"] = exc.tries_left
        return json_response(401, refused)
    logger.info("citizen session started")
    return json_response(200, {"token": token, "expiresIn": expires_in})


@api.route("DELETE", "/v1/citizen/session")
def end_session() -> Response:
    _portal().sign_out(api.principal, _request())
    logger.info("citizen signed out")
    return no_content()


@api.route("GET", "/v1/citizen/certificates")
def citizen_certificates() -> Response:
    certificates = _portal().list_certificates(api.principal, _request())
    logger.info("citizen certificates listed", extra={"count": len(certificates)})
    return json_response(200, {"certificates": certificates})


@api.route("GET", "/v1/citizen/certificates/{hcid}/pdf")
def citizen_pdf(hcid: str) -> Response:
    certificate, pdf = _portal().pdf(api.principal, hcid, _request())
    logger.info("citizen pdf served", extra={"hcid": certificate.hcid, "bytes": len(pdf)})
    return _pdf(certificate.hcid, pdf, "attachment")


@api.route("GET", "/v1/citizen/certificates/{hcid}/shc")
def citizen_shc(hcid: str) -> Response:
    certificate = _portal().health_card(api.principal, hcid, _request())
    logger.info("citizen health card served", extra={"hcid": certificate.hcid})
    return _health_card(certificate)


# --- staff ---------------------------------------------------------------------------------------


def _staff_actor(username: str) -> Any:
    # Before a token proves who it is, the actor is the name given (as for a wrong password).
    return StaffPrincipal(username[:128], frozenset()).actor


def _text(body: dict[str, Any], name: str, max_len: int = 256) -> str | None:
    value = body.get(name)
    return value if isinstance(value, str) and value and len(value) <= max_len else None


def _signed_in(outcome: SignedIn) -> Response:
    principal = _id_tokens.verify(outcome.id_token)
    _audit.record(principal.actor, Action.STAFF_LOGIN, _request())
    logger.info("staff signed in")
    return json_response(
        200, {"token": outcome.id_token, "expiresIn": outcome.expires_in, "groups": sorted(principal.groups)}
    )


def _challenged(challenge: Challenge) -> Response:
    # Never logged: the body carries Cognito's session and, for MFA_SETUP, the TOTP secret.
    logger.info("staff sign-in challenge", extra={"challenge": challenge.kind.value})
    return json_response(401, challenge.as_json())


def _refused(exc: Unauthorized) -> Response:
    body = {"message": str(exc), "reason": getattr(exc, "reason", "denied")}
    return json_response(401, body, {"WWW-Authenticate": "Bearer"})


@api.route("POST", "/v1/staff/session")
def staff_session() -> Response:
    body = _body()
    username, password = _text(body, "username"), _text(body, "password")
    problems = [
        Problem(name, "is required")
        for name, value in (("username", username), ("password", password))
        if value is None
    ]
    if problems:
        raise InvalidInput(problems)
    assert username is not None and password is not None
    try:
        outcome = _login.start(username, password)
    except Unauthorized as exc:
        _audit.record(_staff_actor(username), Action.STAFF_LOGIN, _request(), outcome=Outcome.DENIED)
        logger.info("staff sign-in refused", extra={"reason": getattr(exc, "reason", "denied")})
        return _refused(exc)
    if isinstance(outcome, Challenge):
        _audit.record(_staff_actor(username), Action.STAFF_LOGIN, _request(), outcome=Outcome.CHALLENGED)
        return _challenged(outcome)
    return _signed_in(outcome)


_CHALLENGE_ACTIONS = {
    ChallengeKind.MFA_CODE: Action.STAFF_MFA,
    ChallengeKind.MFA_SETUP: Action.STAFF_MFA_SETUP,
    ChallengeKind.NEW_PASSWORD: Action.STAFF_PASSWORD_CHANGE,
}
# Cognito's limit for a session (RespondToAuthChallenge, VerifySoftwareToken).
MAX_SESSION_CHARS = 2048


@api.route("POST", "/v1/staff/session/challenge")
def staff_challenge() -> Response:
    body = _body()
    username = _text(body, "username")
    session = _text(body, "session", MAX_SESSION_CHARS)
    problems = []
    if username is None:
        problems.append(Problem("username", "is required"))
    if session is None:
        problems.append(Problem("session", "is required (from the previous sign-in answer)"))
    try:
        kind: ChallengeKind | None = ChallengeKind(str(body.get("challenge")))
    except ValueError:
        kind = None
        problems.append(Problem("challenge", "must be one of " + ", ".join(k.value for k in ChallengeKind)))
    code = new_password = None
    if kind in (ChallengeKind.MFA_CODE, ChallengeKind.MFA_SETUP):
        raw = body.get("code")
        # People type "123 456" as the app shows it.
        code = "".join(raw.split()) if isinstance(raw, str) else None
        if not code:
            problems.append(Problem("code", "is required: the 6-digit code from the authenticator app"))
        elif not (len(code) == 6 and code.isascii() and code.isdigit()):
            problems.append(Problem("code", "must be the 6-digit code from the authenticator app"))
    elif kind is ChallengeKind.NEW_PASSWORD:
        new_password = _text(body, "newPassword")
        if new_password is None:
            problems.append(Problem("newPassword", "is required"))
    if problems:
        raise InvalidInput(problems)
    assert username is not None and session is not None and kind is not None
    action = _CHALLENGE_ACTIONS[kind]
    try:
        outcome = _login.answer(username, kind, session, code=code, new_password=new_password)
    except (Unauthorized, InvalidInput) as exc:
        _audit.record(_staff_actor(username), action, _request(), outcome=Outcome.DENIED)
        reason = getattr(exc, "reason", "invalid")
        logger.info("staff challenge refused", extra={"challenge": kind.value, "reason": reason})
        if isinstance(exc, InvalidInput):
            raise
        return _refused(exc)
    _audit.record(_staff_actor(username), action, _request())
    if isinstance(outcome, Challenge):
        return _challenged(outcome)
    return _signed_in(outcome)


@api.route("DELETE", "/v1/staff/session")
def end_staff_session() -> Response:
    principal = api.principal
    _accounts.sign_out(principal.username)
    _audit.record(principal.actor, Action.STAFF_SIGN_OUT, _request())
    logger.info("staff signed out")
    return no_content()


@api.route("GET", "/v1/facility/certificates")
def facility_search() -> Response:
    result = _desk().search(api.principal, api.query(CertificateSearch).terms(), _request())
    logger.info("facility search", extra={"count": len(result["certificates"])})
    return json_response(200, result)


@api.route("GET", "/v1/facility/certificates/{hcid}/pdf")
def facility_pdf(hcid: str) -> Response:
    params = api.app.current_event.query_string_parameters or {}
    anyway = (params.get("printAnyway") or "").strip().lower() in ("true", "1", "yes")
    certificate, pdf = _desk().pdf(api.principal, hcid, _request(), print_anyway=anyway)
    logger.info("facility pdf served", extra={"hcid": certificate.hcid, "bytes": len(pdf)})
    return _pdf(certificate.hcid, pdf, "inline")


@api.route("GET", "/v1/facility/certificates/{hcid}/shc")
def facility_shc(hcid: str) -> Response:
    certificate = _desk().health_card(api.principal, hcid, _request())
    logger.info("facility health card served", extra={"hcid": certificate.hcid})
    return _health_card(certificate)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return api.handler(event, context)

"""Download: citizen OTP login, own certificates and PDFs; staff sign-in, search and print.

Logs carry hcids, counts and outcomes only: never names, dates of birth, mobile numbers, codes or tokens.
"""

from __future__ import annotations

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
from vaxcert.http.api import SECURITY_HEADERS, Api, json_response
from vaxcert.http.auth import SecretValue, token_authenticator
from vaxcert.http.cognito import CognitoIdTokens, CognitoPasswordLogin, Jwks, jwks_url, pool_issuer
from vaxcert.notify.sms import SnsSms
from vaxcert.resources import ADMIN_GROUP, STAFF_GROUP
from vaxcert.routes import Auth
from vaxcert.runtime.wiring import settings
from vaxcert.signing.kms import KmsSigner
from vaxcert.store.artefacts import S3Blobs
from vaxcert.store.audit import DynamoAuditStore
from vaxcert.store.certificates import CertificateRepository
from vaxcert.store.citizen_auth import DynamoOtpStore

logger = Logger(service="vaxcert-download")
_settings = settings()
_session_key = KmsSigner(_settings.session_key_id)
_sessions = SessionTokens(_session_key, _session_key.public_key_der)
_id_tokens = CognitoIdTokens(
    Jwks(jwks_url(_settings.region, _settings.user_pool_id)),
    issuer=pool_issuer(_settings.region, _settings.user_pool_id),
    client_id=_settings.user_pool_client_id,
)
_pepper = SecretValue(_settings.otp_pepper_secret_arn)
_audit = AuditTrail(DynamoAuditStore())
_certificates = CertificateRepository()
_login = CognitoPasswordLogin(_settings.user_pool_client_id)

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
    )


@cache
def _portal() -> CitizenPortal:
    # The pepper is read once per process: rotating it takes effect at the next cold start.
    otps = OtpService(DynamoOtpStore(), OtpHasher(_pepper.get().encode()))
    return CitizenPortal(
        otps=otps,
        sessions=_sessions,
        certificates=_certificates,
        documents=_documents(),
        catalogue=load_catalogue(_settings.vaccine_catalogue_file),
        sms=SnsSms(),
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
    event = api.app.current_event
    identity = event.request_context.identity
    user_agent = identity.user_agent or (event.headers or {}).get("User-Agent")
    return RequestInfo(source_ip=identity.source_ip, user_agent=user_agent)


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
        return json_response(401, {"message": str(exc), "reason": exc.outcome.value})
    logger.info("citizen session started")
    return json_response(200, {"token": token, "expiresIn": expires_in})


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


# --- staff ---------------------------------------------------------------------------------------


@api.route("POST", "/v1/staff/session")
def staff_session() -> Response:
    body = _body()
    username, password = body.get("username"), body.get("password")
    problems = [
        Problem(name, "is required")
        for name, value in (("username", username), ("password", password))
        if not isinstance(value, str) or not value or len(value) > 256
    ]
    if problems:
        raise InvalidInput(problems)
    assert isinstance(username, str) and isinstance(password, str)
    try:
        token, expires_in = _login.login(username, password)
    except Unauthorized:
        _audit.record(
            StaffPrincipal(username[:128], frozenset()).actor,
            Action.STAFF_LOGIN,
            _request(),
            outcome=Outcome.DENIED,
        )
        raise
    principal = _id_tokens.verify(token)
    _audit.record(principal.actor, Action.STAFF_LOGIN, _request())
    logger.info("staff signed in")
    return json_response(200, {"token": token, "expiresIn": expires_in, "groups": sorted(principal.groups)})


@api.route("GET", "/v1/facility/certificates")
def facility_search() -> Response:
    result = _desk().search(api.principal, api.app.current_event.query_string_parameters, _request())
    logger.info("facility search", extra={"count": len(result["certificates"])})
    return json_response(200, result)


@api.route("GET", "/v1/facility/certificates/{hcid}/pdf")
def facility_pdf(hcid: str) -> Response:
    certificate, pdf = _desk().pdf(api.principal, hcid, _request())
    logger.info("facility pdf served", extra={"hcid": certificate.hcid, "bytes": len(pdf)})
    return _pdf(certificate.hcid, pdf, "inline")


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return api.handler(event, context)

"""Download: citizen OTP login, own certificates and PDFs; staff sign-in, search and print.

Logs carry hcids, counts and outcomes only: never names, dates of birth, mobile numbers, codes or tokens.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response

from vaxcert.citizen.portal import OtpRejected
from vaxcert.formats.shc_card import FILE_MEDIA_TYPE, card_file
from vaxcert.http.api import SECURITY_HEADERS, Api, json_response, no_content
from vaxcert.http.auth import request_info, token_authenticator
from vaxcert.http.cognito import Challenge
from vaxcert.http.models.citizen import (
    CitizenCertificates,
    CitizenSession,
    CitizenSessionRequest,
    OtpRequest,
    OtpSent,
)
from vaxcert.http.models.facility import CertificateSearch, FacilityPdfQuery, SearchResults
from vaxcert.http.models.staff import (
    SignInChallenge,
    StaffChallengeRequest,
    StaffSessionRequest,
    StaffSignedIn,
)
from vaxcert.http.staff_sign_in import StaffSession
from vaxcert.resources import ADMIN_GROUP, STAFF_GROUP
from vaxcert.routes import Auth
from vaxcert.runtime.download import services
from vaxcert.types.audit import Action, RequestInfo
from vaxcert.types.certificate import Certificate

logger = Logger(service="vaxcert-download")

api = Api(
    "download",
    {
        Auth.CITIZEN: token_authenticator(lambda token: services().sessions.verify(token)),
        Auth.STAFF: token_authenticator(
            lambda token: services().id_tokens.verify(token), frozenset({STAFF_GROUP, ADMIN_GROUP})
        ),
    },
)


def _request() -> RequestInfo:
    return request_info(api.app.current_event, services().origin_secret)


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
    mobile = api.body(OtpRequest).mobile
    services().portal().request_otp(mobile, _request())
    logger.info("otp requested")
    return json_response(
        202, OtpSent(message="If this number has certificates, a code has been sent by SMS.")
    )


@api.route("POST", "/v1/citizen/session")
def start_session() -> Response:
    asked = api.body(CitizenSessionRequest)
    try:
        token, expires_in = services().portal().start_session(asked.mobile, asked.otp, _request())
    except OtpRejected as exc:
        logger.info("citizen session refused", extra={"reason": exc.outcome.value})
        raise
    logger.info("citizen session started")
    return json_response(200, CitizenSession(token=token, expiresIn=expires_in))


@api.route("DELETE", "/v1/citizen/session")
def end_session() -> Response:
    services().portal().sign_out(api.principal, _request())
    logger.info("citizen signed out")
    return no_content()


@api.route("GET", "/v1/citizen/certificates")
def citizen_certificates() -> Response:
    certificates = services().portal().list_certificates(api.principal, _request())
    logger.info("citizen certificates listed", extra={"count": len(certificates)})
    return json_response(200, CitizenCertificates.of(certificates))


@api.route("GET", "/v1/citizen/certificates/{hcid}/pdf")
def citizen_pdf(hcid: str) -> Response:
    certificate, pdf = services().portal().pdf(api.principal, hcid, _request())
    logger.info("citizen pdf served", extra={"hcid": certificate.hcid, "bytes": len(pdf)})
    return _pdf(certificate.hcid, pdf, "attachment")


@api.route("GET", "/v1/citizen/certificates/{hcid}/shc")
def citizen_shc(hcid: str) -> Response:
    certificate = services().portal().health_card(api.principal, hcid, _request())
    logger.info("citizen health card served", extra={"hcid": certificate.hcid})
    return _health_card(certificate)


# --- staff ---------------------------------------------------------------------------------------


def _signed_in(outcome: StaffSession | Challenge) -> Response:
    if isinstance(outcome, Challenge):  # a documented 401 answer (the next sign-in step), not an error
        return json_response(401, SignInChallenge.model_validate(outcome.as_json()))
    groups = sorted(outcome.principal.groups)
    return json_response(
        200, StaffSignedIn(token=outcome.id_token, expiresIn=outcome.expires_in, groups=groups)
    )


@api.route("POST", "/v1/staff/session")
def staff_session() -> Response:
    asked = api.body(StaffSessionRequest)
    return _signed_in(services().sign_in.start(asked.username, asked.password, _request()))


@api.route("POST", "/v1/staff/session/challenge")
def staff_challenge() -> Response:
    asked = api.body(StaffChallengeRequest)
    outcome = services().sign_in.answer(
        asked.username, asked.kind, asked.session, _request(), code=asked.code, new_password=asked.newPassword
    )
    return _signed_in(outcome)


@api.route("DELETE", "/v1/staff/session")
def end_staff_session() -> Response:
    s = services()
    principal = api.principal
    s.accounts.sign_out(principal.username)
    s.audit.record(principal.actor, Action.STAFF_SIGN_OUT, _request())
    logger.info("staff signed out")
    return no_content()


@api.route("GET", "/v1/facility/certificates")
def facility_search() -> Response:
    terms = api.query(CertificateSearch).terms()
    result = services().desk.search(api.principal, terms, _request())
    logger.info("facility search", extra={"count": len(result.rows)})
    return json_response(200, SearchResults.of(result))


@api.route("GET", "/v1/facility/certificates/{hcid}/pdf")
def facility_pdf(hcid: str) -> Response:
    anyway = api.query(FacilityPdfQuery).print_anyway
    certificate, pdf = services().desk.pdf(api.principal, hcid, _request(), print_anyway=anyway)
    logger.info("facility pdf served", extra={"hcid": certificate.hcid, "bytes": len(pdf)})
    return _pdf(certificate.hcid, pdf, "inline")


@api.route("GET", "/v1/facility/certificates/{hcid}/shc")
def facility_shc(hcid: str) -> Response:
    certificate = services().desk.health_card(api.principal, hcid, _request())
    logger.info("facility health card served", extra={"hcid": certificate.hcid})
    return _health_card(certificate)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return api.handler(event, context)

"""Revoke: certificate lifecycle (corrections, revocation, history, search, dashboard) and audit query."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response

from vaxcert.audit.browse import (
    EXPORT_COLUMNS,
    MAX_BROWSE_DAYS,
    MAX_EXPORT_DAYS,
    Cursor,
    ExportTooLarge,
    parse_range,
)
from vaxcert.audit.queries import AuditSubject
from vaxcert.errors import InvalidInput, Problem
from vaxcert.http.api import SECURITY_HEADERS, Api, json_response
from vaxcert.http.auth import request_info, token_authenticator
from vaxcert.http.models.admin import (
    AdminSearch,
    AdminSearchResults,
    AuditEntries,
    AuditEntryOut,
    AuditExportQuery,
    AuditPage,
    AuditQuery,
    CertificateDetails,
    CorrectionPreview,
    CorrectionQuery,
    CorrectionQueued,
    Dashboard,
    Revoked,
    RevokeRequest,
)
from vaxcert.lifecycle.corrections import CorrectionRequest
from vaxcert.resources import ADMIN_GROUP, SCHEDULED_EVENT_SOURCE
from vaxcert.routes import Auth
from vaxcert.runtime.revoke import services
from vaxcert.spreadsheet import write_csv
from vaxcert.store.aws import transient_on_aws_errors
from vaxcert.types.audit import RequestInfo

logger = Logger(service="vaxcert-revoke")

api = Api(
    "revoke",
    {
        Auth.ADMIN: token_authenticator(
            lambda token: services().id_tokens.verify(token), frozenset({ADMIN_GROUP})
        )
    },
)


def _request() -> RequestInfo:
    return request_info(api.app.current_event, services().origin_secret)


@api.route("GET", "/v1/admin/audit")
def audit_entries() -> Response:
    wanted = api.query(AuditQuery)
    queries = services().audit_queries
    admin = api.principal.actor
    if wanted.by_time:
        period = parse_range(
            datetime.now(UTC),
            start=wanted.from_,
            end=wanted.to,
            action=wanted.action,
            max_days=MAX_BROWSE_DAYS,
        )
        cursor = Cursor.decode(wanted.next) if wanted.next else None
        entries, after = _call(queries.by_time, admin, period, wanted.limit, cursor, _request())
        logger.info("audit browsed", extra={"count": len(entries)})
        page = AuditPage(
            entries=[AuditEntryOut.of(e) for e in entries], next=after.encode() if after else None
        )
        return json_response(200, page)
    subject = AuditSubject(hcid=wanted.hcid, actor=wanted.actor, mobile=wanted.mobile)
    entries = _call(queries.about, admin, subject, wanted.limit, _request())
    logger.info("audit queried", extra={"count": len(entries)})
    return json_response(200, AuditEntries(entries=[AuditEntryOut.of(e) for e in entries]))


@api.route("GET", "/v1/admin/audit/export")
def audit_export() -> Response:
    asked = api.query(AuditExportQuery)
    wanted = parse_range(
        datetime.now(UTC),
        start=asked.from_,
        end=asked.to,
        action=asked.action,
        max_days=MAX_EXPORT_DAYS,
        require_from=True,
    )
    try:
        rows = _call(services().audit_queries.export, api.principal.actor, wanted, _request())
    except ExportTooLarge:
        raise InvalidInput(
            [Problem("from", "this range holds more than one export can carry (5 MB): export fewer days")]
        ) from None
    logger.info("audit exported", extra={"count": len(rows)})
    name = f"vaxcert-audit-{wanted.start:%Y%m%d}-{wanted.end:%Y%m%d}.csv"
    return Response(
        status_code=200,
        content_type="text/csv; charset=utf-8",
        body=_csv(rows),
        headers={**SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'},
    )


def _csv(rows: list[list[Any]]) -> str:
    out = io.StringIO()
    write_csv(out, EXPORT_COLUMNS, rows)
    return out.getvalue()


@api.route("GET", "/v1/admin/certificates")
def search_certificates() -> Response:
    terms = api.query(AdminSearch).terms()
    result = _call(services().lifecycle.search, api.principal, terms, _request())
    logger.info("admin search", extra={"count": len(result.rows)})
    return json_response(200, AdminSearchResults.of(result))


@api.route("GET", "/v1/admin/certificates/{hcid}")
def certificate_details(hcid: str) -> Response:
    details = _call(services().lifecycle.details, api.principal, hcid, _request())
    return json_response(200, CertificateDetails.of(details))


@api.route("POST", "/v1/admin/certificates/{hcid}/corrections")
def correct_certificate(hcid: str) -> Response:
    preview = api.query(CorrectionQuery).is_preview
    correction = api.body(CorrectionRequest)
    lifecycle = services().lifecycle
    if preview:
        # The admin page's confirmation: what would change and the SMS, nothing issued.
        changes = _call(lifecycle.preview_correction, api.principal, hcid, correction, _request())
        return json_response(200, CorrectionPreview.model_validate(changes))
    result = _call(lifecycle.correct, api.principal, hcid, correction, _request())
    logger.info("correction queued", extra={"hcid": hcid, "newHcid": result.hcid})
    return json_response(202, CorrectionQueued.of(result))


@api.route("POST", "/v1/admin/certificates/{hcid}/revoke")
def revoke_certificate(hcid: str) -> Response:
    reason = api.body(RevokeRequest).reason
    certificate = _call(services().lifecycle.revoke, api.principal, hcid, reason, _request())
    logger.info("certificate revoked", extra={"hcid": hcid})
    return json_response(200, Revoked.of(certificate))


@api.route("GET", "/v1/admin/dashboard")
def dashboard() -> Response:
    counts = _call(services().lifecycle.dashboard, api.principal, _request())
    return json_response(200, Dashboard.of(counts))


@transient_on_aws_errors
def _call(fn: Any, *args: Any) -> Any:
    return fn(*args)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event.get("source") == SCHEDULED_EVENT_SOURCE:  # resources.SCHEDULES: keep the list fresh
        document = services().publisher.publish()
        logger.info("revocation list republished", extra={"hashes": len(document["hashes"])})
        return {"published": document["issuedAt"], "hashes": len(document["hashes"])}
    return api.handler(event, context)

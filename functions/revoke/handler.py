"""Revoke: certificate lifecycle (corrections, revocation, history, search, dashboard) and audit query."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response

from vaxcert.audit.browse import (
    EXPORT_COLUMNS,
    MAX_BROWSE_DAYS,
    MAX_EXPORT_DAYS,
    Cursor,
    ExportTooLarge,
    browse,
    export_rows,
    parse_range,
)
from vaxcert.audit.trail import Action, AuditTrail, RequestInfo
from vaxcert.catalogue import load_catalogue
from vaxcert.citizen.otp import OtpHasher
from vaxcert.errors import InvalidInput, Problem
from vaxcert.http.api import SECURITY_HEADERS, Api, json_response
from vaxcert.http.auth import SecretValue, request_info, token_authenticator
from vaxcert.http.cognito import StaffAccounts, pool_id_tokens
from vaxcert.lifecycle.service import Lifecycle
from vaxcert.resources import ADMIN_GROUP, SCHEDULED_EVENT_SOURCE
from vaxcert.routes import Auth
from vaxcert.runtime.wiring import settings
from vaxcert.sources.phone import InvalidMobile, normalise_mobile
from vaxcert.spreadsheet import write_csv
from vaxcert.store.audit import DynamoAuditStore
from vaxcert.store.aws import transient_on_aws_errors
from vaxcert.store.certificates import CertificateRepository
from vaxcert.store.events import EventLog
from vaxcert.store.queue import IssueQueue, queue_depths
from vaxcert.store.revocation import RevocationPublisher
from vaxcert.store.stats import IssuanceMix, Stats

logger = Logger(service="vaxcert-revoke")
_settings = settings()
_id_tokens = pool_id_tokens(
    _settings.region,
    _settings.user_pool_id,
    _settings.user_pool_client_id,
    accounts=StaffAccounts(_settings.user_pool_id, cache_s=_settings.staff_status_cache_s),
)
# See functions/download: CloudFront-Viewer-Address counts only with CloudFront's origin header.
_origin_secret = SecretValue(_settings.origin_secret_arn) if _settings.origin_secret_arn else None
_pepper = SecretValue(_settings.otp_pepper_secret_arn)
_pepper_hasher: list[OtpHasher] = []


def _mobile_ref(e164: str) -> str:
    """The keyed hash citizens and searched numbers are recorded under (see vaxcert.audit.trail)."""
    if not _pepper_hasher:
        _pepper_hasher.append(OtpHasher(_pepper.get().encode()))
    return _pepper_hasher[0].ref(e164)


_audit_days = DynamoAuditStore()
_audit = AuditTrail(_audit_days, mobile_ref=_mobile_ref)

_publisher = RevocationPublisher(
    bucket=_settings.artefacts_bucket,
    country=_settings.country,
    validity=timedelta(hours=_settings.revocation_list_validity_hours),
)
_lifecycle = Lifecycle(
    certificates=CertificateRepository(),
    events=EventLog(),
    queue=IssueQueue(_settings.issue_queue_url),
    audit=_audit,
    catalogue=load_catalogue(_settings.vaccine_catalogue_file),
    stats=Stats(),
    mix=IssuanceMix(),
    portal_url=_settings.portal_url,
    publish_revocations=lambda ucis, divoc_ids: _publisher.publish(ucis, include_divoc=divoc_ids),
    queue_depths=lambda: queue_depths(_settings.issue_queue_url, _settings.issue_dlq_url),
    max_corrections=_settings.max_corrections,
)

api = Api("revoke", {Auth.ADMIN: token_authenticator(_id_tokens.verify, frozenset({ADMIN_GROUP}))})

DEFAULT_LIMIT = 100
MAX_LIMIT = 500


def _request() -> RequestInfo:
    return request_info(api.app.current_event, _origin_secret)


def _limit(raw: str | None) -> int:
    if not raw:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise InvalidInput([Problem("limit", f"must be a number from 1 to {MAX_LIMIT}")])
    return int(raw)


@api.route("GET", "/v1/admin/audit")
def audit_entries() -> Response:
    params = api.app.current_event.query_string_parameters or {}
    hcid = (params.get("hcid") or "").strip()
    actor = (params.get("actor") or "").strip()
    mobile = (params.get("mobile") or "").strip()
    limit = _limit(params.get("limit"))
    if not (hcid or actor or mobile):
        return _audit_by_time(params, limit)
    if sum(bool(v) for v in (hcid, actor, mobile)) != 1:
        raise InvalidInput(
            [Problem("hcid", "give at most one of hcid, actor or mobile (none: entries by time)")]
        )
    query: dict[str, Any] = {}
    e164 = ""
    if hcid:
        query["hcid"] = hcid
    elif actor:
        query["actor"] = actor
    else:
        try:
            e164 = normalise_mobile(mobile)
        except InvalidMobile as exc:
            raise InvalidInput([Problem("mobile", str(exc))]) from None
        query["mobile"] = e164
    _audit.record(api.principal.actor, Action.ADMIN_AUDIT, _request(), query=query)
    if hcid:  # every action that disclosed or changed it (searches, prints, views, ingest, ...)
        entries = _audit.disclosing(hcid[:64], limit)
    elif e164:  # the citizen's own actions and every search for the number
        entries = _audit.about_mobile(_mobile_ref(e164), limit)
    else:
        entries = _audit.find(actor=actor, limit=limit)
    logger.info("audit queried", extra={"count": len(entries)})
    return json_response(200, {"entries": [e.as_json() for e in entries]})


def _audit_by_time(params: dict[str, str], limit: int) -> Response:
    """Recent entries newest first, within from/to, of one action; paged with the opaque `next`."""
    wanted = parse_range(params, datetime.now(UTC), max_days=MAX_BROWSE_DAYS)
    raw_next = (params.get("next") or "").strip()
    cursor = Cursor.decode(raw_next) if raw_next else None
    query = {**wanted.describe(), **({"next": "yes"} if cursor else {})}
    _audit.record(api.principal.actor, Action.ADMIN_AUDIT, _request(), query=query)
    entries, after = _call(browse, _audit_days, wanted, limit, cursor)
    logger.info("audit browsed", extra={"count": len(entries)})
    return json_response(
        200, {"entries": [e.as_json() for e in entries], "next": after.encode() if after else None}
    )


@api.route("GET", "/v1/admin/audit/export")
def audit_export() -> Response:
    params = api.app.current_event.query_string_parameters or {}
    wanted = parse_range(params, datetime.now(UTC), max_days=MAX_EXPORT_DAYS, require_from=True)
    # Audited before anything is read, like every disclosure.
    _audit.record(api.principal.actor, Action.ADMIN_AUDIT_EXPORT, _request(), query=wanted.describe())
    try:
        rows = _call(export_rows, _audit_days, wanted)
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
    params = api.app.current_event.query_string_parameters or {}
    result = _call(_lifecycle.search, api.principal, params, _request())
    logger.info("admin search", extra={"count": len(result["certificates"])})
    return json_response(200, result)


@api.route("GET", "/v1/admin/certificates/{hcid}")
def certificate_details(hcid: str) -> Response:
    return json_response(200, _call(_lifecycle.details, api.principal, hcid, _request()))


@api.route("POST", "/v1/admin/certificates/{hcid}/corrections")
def correct_certificate(hcid: str) -> Response:
    params = api.app.current_event.query_string_parameters or {}
    if (params.get("preview") or "").strip().lower() in ("true", "1", "yes"):
        # The admin page's confirmation: what would change and the SMS, nothing issued.
        return json_response(
            200, _call(_lifecycle.preview_correction, api.principal, hcid, api.json_body(), _request())
        )
    result = _call(_lifecycle.correct, api.principal, hcid, api.json_body(), _request())
    logger.info("correction queued", extra={"hcid": hcid, "newHcid": result["hcid"]})
    return json_response(202, result)


@api.route("POST", "/v1/admin/certificates/{hcid}/revoke")
def revoke_certificate(hcid: str) -> Response:
    result = _call(_lifecycle.revoke, api.principal, hcid, api.json_body(), _request())
    logger.info("certificate revoked", extra={"hcid": hcid})
    return json_response(200, result)


@api.route("GET", "/v1/admin/dashboard")
def dashboard() -> Response:
    return json_response(200, _call(_lifecycle.dashboard, api.principal, _request()))


@transient_on_aws_errors
def _call(fn: Any, *args: Any) -> Any:
    return fn(*args)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event.get("source") == SCHEDULED_EVENT_SOURCE:  # resources.SCHEDULES: keep the list fresh
        document = _publisher.publish()
        logger.info("revocation list republished", extra={"hashes": len(document["hashes"])})
        return {"published": document["issuedAt"], "hashes": len(document["hashes"])}
    return api.handler(event, context)

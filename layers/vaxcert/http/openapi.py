"""The OpenAPI 3 document of the API, generated from the one route table plus request schemas.

Paths, methods, path parameters and security come from `vaxcert.routes.ROUTES`; request bodies and
query parameters and 2xx bodies from the pydantic models registered per route (vaxcert.http.models.*,
and the sources' and the lifecycle's own models that parse: VaccinationEvent, CommCareForm,
CorrectionRequest); status codes as each route documents them (docs/api-*.md). The registered model is
the one the handler parses with (`Api.body` / `Api.query`) and answers with (`json_response`):
tests/unit/http/test_openapi_models.py and test_openapi.py check, and fail when a route with a body has
no model.
Served at `GET /v1/openapi.json` (functions/verify); the local stack shows it with Swagger UI at /docs.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from vaxcert.http.models import ingest, published, verify
from vaxcert.http.models.admin import (
    AdminSearch,
    AdminSearchResults,
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
from vaxcert.http.models.citizen import (
    CitizenCertificates,
    CitizenSession,
    CitizenSessionRequest,
    OtpRequest,
    OtpSent,
)
from vaxcert.http.models.facility import CertificateSearch, FacilityPdfQuery, SearchResults
from vaxcert.http.models.keys import KeyRotateRequest, KeyWithdrawRequest, TrustKeyAnswer, TrustKeys
from vaxcert.http.models.staff import (
    SignInChallenge,
    StaffChallengeRequest,
    StaffSessionRequest,
    StaffSignedIn,
)
from vaxcert.lifecycle.corrections import CorrectionRequest
from vaxcert.routes import ROUTES, Auth, Route

OPENAPI_PATH = "/v1/openapi.json"
MOBILE_EXAMPLE = "876-555-0123"


# (method, path) -> the request body model. Every POST route needs one (a unit test checks).
REQUEST_BODIES: dict[tuple[str, str], type[BaseModel]] = {
    **ingest.REQUEST_BODIES,
    **verify.REQUEST_BODIES,
    ("POST", "/v1/citizen/otp"): OtpRequest,
    ("POST", "/v1/citizen/session"): CitizenSessionRequest,
    ("POST", "/v1/staff/session"): StaffSessionRequest,
    ("POST", "/v1/staff/session/challenge"): StaffChallengeRequest,
    ("POST", "/v1/admin/certificates/{hcid}/corrections"): CorrectionRequest,
    ("POST", "/v1/admin/certificates/{hcid}/revoke"): RevokeRequest,
    ("POST", "/v1/admin/keys/rotate"): KeyRotateRequest,
    ("POST", "/v1/admin/keys/{kid}/withdraw"): KeyWithdrawRequest,
}

QUERY_PARAMETERS: dict[tuple[str, str], type[BaseModel]] = {
    ("GET", "/v1/facility/certificates"): CertificateSearch,
    ("GET", "/v1/admin/certificates"): AdminSearch,
    ("GET", "/v1/admin/audit"): AuditQuery,
    ("GET", "/v1/admin/audit/export"): AuditExportQuery,
    ("GET", "/v1/facility/certificates/{hcid}/pdf"): FacilityPdfQuery,
    ("POST", "/v1/admin/certificates/{hcid}/corrections"): CorrectionQuery,
}

# --- responses -----------------------------------------------------------------------------------

# (method, path) -> status -> the model of that JSON answer (the one the handler writes).
RESPONSE_BODIES: dict[tuple[str, str], dict[int, type[BaseModel]]] = {
    **ingest.RESPONSES,
    **verify.RESPONSES,
    **published.RESPONSES,
    ("POST", "/v1/citizen/otp"): {202: OtpSent},
    ("POST", "/v1/citizen/session"): {200: CitizenSession},
    ("GET", "/v1/citizen/certificates"): {200: CitizenCertificates},
    ("POST", "/v1/staff/session"): {200: StaffSignedIn},
    ("POST", "/v1/staff/session/challenge"): {200: StaffSignedIn},
    ("GET", "/v1/facility/certificates"): {200: SearchResults},
    ("GET", "/v1/admin/audit"): {200: AuditPage},
    ("GET", "/v1/admin/certificates"): {200: AdminSearchResults},
    ("GET", "/v1/admin/certificates/{hcid}"): {200: CertificateDetails},
    ("POST", "/v1/admin/certificates/{hcid}/corrections"): {202: CorrectionQueued, 200: CorrectionPreview},
    ("POST", "/v1/admin/certificates/{hcid}/revoke"): {200: Revoked},
    ("GET", "/v1/admin/dashboard"): {200: Dashboard},
    ("GET", "/v1/admin/keys"): {200: TrustKeys},
    ("POST", "/v1/admin/keys/rotate"): {201: TrustKeyAnswer},
    ("POST", "/v1/admin/keys/{kid}/withdraw"): {200: TrustKeyAnswer},
}

_SUCCESS: dict[tuple[str, str], dict[int, str]] = {
    ("DELETE", "/v1/citizen/session"): {204: "signed out: the token no longer works"},
    ("DELETE", "/v1/staff/session"): {204: "signed out: every ID token of the account stops working"},
    ("POST", "/v1/ingest/commcare"): {
        202: "accepted (a new vaccination) or correction (an edited form), queued",
        200: "duplicate: the same form again; stale: an edit not later than one already received",
    },
    ("POST", "/v1/vaccinations"): {202: "accepted, queued", 200: "duplicate, or stale (an older edit)"},
    ("POST", "/v1/citizen/otp"): {202: "a code was sent if the number has certificates (always 202)"},
    ("POST", "/v1/admin/certificates/{hcid}/corrections"): {
        202: "the correction is being issued",
        200: "preview=true: what would change and the SMS; nothing issued",
    },
    ("GET", "/v1/revocation-list"): {200: "the signed revocation list"},
    ("POST", "/v1/admin/keys/rotate"): {201: "the new signing DSC"},
    ("GET", "/v1/admin/audit/export"): {200: "text/csv, one row per entry, newest first"},
}
_CSV_ROUTES = {("GET", "/v1/admin/audit/export")}
_PDF_ROUTES = {"/v1/citizen/certificates/{hcid}/pdf", "/v1/facility/certificates/{hcid}/pdf"}
_HEALTH_CARD_ROUTES = {"/v1/citizen/certificates/{hcid}/shc", "/v1/facility/certificates/{hcid}/shc"}
_HEALTH_CARD_FILE = {
    "type": "object",
    "properties": {"verifiableCredential": {"type": "array", "items": {"type": "string"}}},
}
_EXTRA_ERRORS: dict[tuple[str, str], dict[int, str]] = {
    ("GET", "/v1/revocation-list"): {404: "no revocation list has been published yet"},
    ("GET", "/shc/.well-known/crl/{file}"): {404: "not `<kid>.json` of one of our SMART Health Card keys"},
    ("POST", "/v1/citizen/otp"): {429: "too many requests (Retry-After)"},
    ("POST", "/v1/citizen/session"): {
        401: "refused: wrong, expired, locked or no code (reason)",
        429: "too many code checks (Retry-After)",
    },
    ("POST", "/v1/staff/session"): {401: "a challenge (has `challenge`) or a refusal (has `reason`)"},
    ("POST", "/v1/staff/session/challenge"): {401: "a further challenge or a refusal"},
    ("POST", "/v1/admin/certificates/{hcid}/corrections"): {
        409: "superseded, revoked, in progress or at the correction limit"
    },
    ("POST", "/v1/admin/certificates/{hcid}/revoke"): {409: "superseded: revoke the current version"},
    ("GET", "/v1/facility/certificates/{hcid}/pdf"): {
        409: "REVOKED or SUPERSEDED: printAnyway=true to print"
    },
    ("POST", "/v1/admin/keys/rotate"): {409: "no CSCA yet (vaxcert keys init)"},
    ("POST", "/v1/admin/keys/{kid}/withdraw"): {409: "the signing DSC: rotate first"},
}
_SIGN_IN_ROUTES = {("POST", "/v1/staff/session"), ("POST", "/v1/staff/session/challenge")}
_SCHEMES = {
    Auth.INGEST_KEY: "ingestKey",
    Auth.CITIZEN: "citizenToken",
    Auth.STAFF: "staffToken",
    Auth.ADMIN: "adminToken",
}


def _error_schemas() -> dict[str, Any]:
    problem = {
        "type": "object",
        "required": ["field", "problem"],
        "properties": {"field": {"type": "string"}, "problem": {"type": "string"}},
    }
    return {
        "Problem": problem,
        "Error": {
            "type": "object",
            "required": ["message"],
            "properties": {
                "message": {"type": "string"},
                "errors": {"type": "array", "items": {"$ref": "#/components/schemas/Problem"}},
                "reason": {"type": "string", "description": "sign-in refusals: why"},
                "triesLeft": {"type": "integer", "description": "a wrong one-time code: tries left"},
            },
        },
        # Ingest answers 422 with the bare list: CommCare shows it to the form designer.
        "Problems": {"type": "array", "items": {"$ref": "#/components/schemas/Problem"}},
    }


def to_openapi30(schema: Any) -> Any:
    """pydantic's JSON Schema (2020-12) -> OpenAPI 3.0 schema objects: `anyOf [X, null]` becomes
    `nullable`, `const` an enum, `examples` one `example` (Swagger UI 4 renders 3.0 only)."""
    if isinstance(schema, list):
        return [to_openapi30(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: to_openapi30(v) for k, v in schema.items()}
    options = out.get("anyOf")
    if isinstance(options, list) and {"type": "null"} in options:
        rest = [o for o in options if o != {"type": "null"}]
        del out["anyOf"]
        if len(rest) == 1 and "$ref" in rest[0]:
            out["allOf"] = rest  # a $ref takes no siblings in 3.0
        elif len(rest) == 1:
            out = {**rest[0], **out}
        else:
            out["anyOf"] = rest
        out["nullable"] = True
    if "const" in out:
        out["enum"] = [out.pop("const")]
    if "examples" in out and isinstance(out["examples"], list):
        examples = out.pop("examples")
        if examples:
            out["example"] = examples[0]
    return out


def _schema_of(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        components[name] = to_openapi30(definition)
    components[model.__name__] = to_openapi30(schema)
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _error(description: str, schema: str = "Error") -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def _operation(route: Route, components: dict[str, Any]) -> dict[str, Any]:
    key = (route.method, route.path)
    operation: dict[str, Any] = {
        "operationId": re.sub(r"\W+", "_", f"{route.method} {route.path}".lower()).strip("_"),
        "tags": [route.function],
        "security": [{_SCHEMES[route.auth]: []}] if route.auth in _SCHEMES else [],
        "x-vaxcert-auth": route.auth.value,
    }
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
        for name in re.findall(r"\{(\w+)\}", route.path)
    ]
    query = QUERY_PARAMETERS.get(key)
    if query is not None:
        schema = query.model_json_schema(by_alias=True)
        for name, prop in schema["properties"].items():
            prop = {k: v for k, v in to_openapi30(prop).items() if k not in ("title", "default", "nullable")}
            description = prop.pop("description", None)
            parameter = {"name": name, "in": "query", "required": False, "schema": prop}
            if description:
                parameter["description"] = description
            parameters.append(parameter)
    if parameters:
        operation["parameters"] = parameters
    body = REQUEST_BODIES.get(key)
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema_of(body, components)}},
        }

    responses: dict[str, Any] = {}
    for status, description in (_SUCCESS.get(key) or {200: "OK"}).items():
        if status == 204:
            responses[str(status)] = {"description": description}
        elif route.path in _HEALTH_CARD_ROUTES:
            responses[str(status)] = {
                "description": "the .smart-health-card file (attachment) health wallets import",
                "content": {"application/smart-health-card": {"schema": _HEALTH_CARD_FILE}},
            }
        elif key in _CSV_ROUTES:
            responses[str(status)] = {
                "description": description,
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        elif route.path in _PDF_ROUTES:
            responses[str(status)] = {
                "description": "the certificate PDF",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        else:
            model = RESPONSE_BODIES.get(key, {}).get(status)
            schema = _schema_of(model, components) if model is not None else {"type": "object"}
            responses[str(status)] = {
                "description": description,
                "content": {"application/json": {"schema": schema}},
            }
    if body is not None:
        responses["400"] = _error("the body is not valid JSON")
        responses["413"] = _error("the body is larger than 256 KB")
        responses["415"] = _error("Content-Type is not application/json")
    if body is not None or query is not None:
        if route.function == "ingest":
            responses["422"] = _error("invalid fields, by (CommCare question) path", "Problems")
        else:
            responses["422"] = _error("invalid fields: `errors` names each")
    if route.auth is not Auth.PUBLIC:
        responses["401"] = _error("missing, invalid or expired credentials")
    if route.auth is Auth.ADMIN or route.auth is Auth.STAFF:
        responses["403"] = _error("signed in, but not in a group this route admits")
    if "{" in route.path:
        responses["404"] = _error("no such certificate (or not the caller's)")
    for status, description in _EXTRA_ERRORS.get(key, {}).items():
        responses[str(status)] = _error(description)
    if key in _SIGN_IN_ROUTES:  # 401: the next sign-in step, or a refusal
        ref = _schema_of(SignInChallenge, components)
        schema = {"oneOf": [ref, {"$ref": "#/components/schemas/Error"}]}
        responses["401"]["content"] = {"application/json": {"schema": schema}}
    responses["503"] = _error("a dependency failed; retry after Retry-After seconds")
    operation["responses"] = dict(sorted(responses.items()))
    return operation


def openapi_document(
    ingest_header: str, version: str = "1", servers: list[str] | None = None
) -> dict[str, Any]:
    """The OpenAPI 3.0 document of every route in ROUTES.

    `servers`: base URLs of the API (paths start with /v1); default: this deployment's portal
    origin (PORTAL_URL), where CloudFront serves the API beside the pages.
    """
    if servers is None:
        from vaxcert.settings import get_settings

        servers = get_settings().cors_origins[:1]
    components: dict[str, Any] = _error_schemas()
    paths: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, components)
    bearer = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "vaxcert",
            "version": version,
            "description": "Issue, serve, correct, revoke and verify WHO DDCC:VS COVID-19 certificates.",
        },
        "servers": [{"url": url, "description": "this deployment"} for url in servers],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(components.items())),
            "securitySchemes": {
                "ingestKey": {"type": "apiKey", "in": "header", "name": ingest_header},
                "citizenToken": {**bearer, "description": "from POST /v1/citizen/session"},
                "staffToken": {**bearer, "description": "Cognito ID token: facility-staff or ministry-admin"},
                "adminToken": {**bearer, "description": "Cognito ID token of a ministry-admin"},
            },
        },
    }

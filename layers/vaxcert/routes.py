"""The one route table: method, path, function and auth kind of every HTTP route.

The CDK stack creates API Gateway resources and methods from it; the local gateway dispatches
from it; the authorization tests iterate over it. Add a route here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Auth(StrEnum):
    PUBLIC = "public"
    INGEST_KEY = "ingest-key"  # shared secret header (CommCare "API Key")
    CITIZEN = "citizen"  # Bearer token from POST /v1/citizen/session
    STAFF = "staff"  # Cognito ID token, group facility-staff or ministry-admin
    ADMIN = "admin"  # Cognito ID token, group ministry-admin


# SMART Health Cards: `iss` is the public URL + this path; the issuer's keys and revocation lists are
# served below it, as the specification requires (`<iss>/.well-known/...`).
SHC_ISSUER_PATH = "/shc"


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: str
    auth: Auth


ROUTES: tuple[Route, ...] = (
    # Issuance (functions/ingest)
    Route("POST", "/v1/ingest/commcare", "ingest", Auth.INGEST_KEY),
    Route("POST", "/v1/vaccinations", "ingest", Auth.INGEST_KEY),
    # Trust material and verification (functions/verify)
    Route("GET", "/v1/trust-list", "verify", Auth.PUBLIC),
    Route("GET", "/.well-known/jwks.json", "verify", Auth.PUBLIC),
    Route("POST", "/v1/verify", "verify", Auth.PUBLIC),
    Route("GET", "/v1/revocation-list", "verify", Auth.PUBLIC),
    # SMART Health Cards: the issuer's JWKS and the per-key revocation lists (`{file}` = "<kid>.json").
    Route("GET", f"{SHC_ISSUER_PATH}/.well-known/jwks.json", "verify", Auth.PUBLIC),
    Route("GET", f"{SHC_ISSUER_PATH}/.well-known/crl/{{file}}", "verify", Auth.PUBLIC),
    # This API's OpenAPI 3 document, generated from this table (vaxcert.http.openapi).
    Route("GET", "/v1/openapi.json", "verify", Auth.PUBLIC),
    # Citizen portal and facility print (functions/download)
    Route("POST", "/v1/citizen/otp", "download", Auth.PUBLIC),
    Route("POST", "/v1/citizen/session", "download", Auth.PUBLIC),
    # Sign-out: the session token is refused from then on.
    Route("DELETE", "/v1/citizen/session", "download", Auth.CITIZEN),
    Route("GET", "/v1/citizen/certificates", "download", Auth.CITIZEN),
    Route("GET", "/v1/citizen/certificates/{hcid}/pdf", "download", Auth.CITIZEN),
    Route("GET", "/v1/citizen/certificates/{hcid}/shc", "download", Auth.CITIZEN),
    Route("POST", "/v1/staff/session", "download", Auth.PUBLIC),
    # Sign-out: every session of the account ends (its ID tokens are refused within 5 minutes everywhere).
    Route("DELETE", "/v1/staff/session", "download", Auth.STAFF),
    # Second sign-in step: authenticator code, authenticator enrolment or new password.
    Route("POST", "/v1/staff/session/challenge", "download", Auth.PUBLIC),
    Route("GET", "/v1/facility/certificates", "download", Auth.STAFF),
    Route("GET", "/v1/facility/certificates/{hcid}/pdf", "download", Auth.STAFF),
    Route("GET", "/v1/facility/certificates/{hcid}/shc", "download", Auth.STAFF),
    # Certificate lifecycle and audit (functions/revoke)
    Route("GET", "/v1/admin/audit", "revoke", Auth.ADMIN),
    Route("GET", "/v1/admin/audit/export", "revoke", Auth.ADMIN),
    Route("GET", "/v1/admin/certificates", "revoke", Auth.ADMIN),
    Route("GET", "/v1/admin/certificates/{hcid}", "revoke", Auth.ADMIN),
    Route("POST", "/v1/admin/certificates/{hcid}/corrections", "revoke", Auth.ADMIN),
    Route("POST", "/v1/admin/certificates/{hcid}/revoke", "revoke", Auth.ADMIN),
    Route("GET", "/v1/admin/dashboard", "revoke", Auth.ADMIN),
    # Keys of the trust list; rotation and withdrawal as `vaxcert keys` does (functions/keys).
    Route("GET", "/v1/admin/keys", "keys", Auth.ADMIN),
    Route("POST", "/v1/admin/keys/rotate", "keys", Auth.ADMIN),
    Route("POST", "/v1/admin/keys/{kid}/withdraw", "keys", Auth.ADMIN),
)

# Pages of the hosted web app: URL path -> file in web/. The local gateway serves them; CloudFront
# rewrites the same paths to the same files.
WEB_PAGES: dict[str, str] = {
    "/": "index.html",
    "/verify": "verify.html",
    "/facility": "facility.html",
    "/admin": "admin.html",
}

# Functions that serve no HTTP route (queue consumers).
QUEUE_FUNCTIONS: tuple[str, ...] = ("issue",)


def routes_for(function: str) -> tuple[Route, ...]:
    return tuple(r for r in ROUTES if r.function == function)


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """Find the route for a concrete request path; returns it with its path parameters."""
    parts = path.rstrip("/").split("/") if path != "/" else [""]
    for route in ROUTES:
        if route.method != method.upper():
            continue
        template = route.path.split("/")
        if len(template) != len(parts):
            continue
        params: dict[str, str] = {}
        for want, got in zip(template, parts, strict=True):
            if want.startswith("{") and want.endswith("}"):
                if not got:
                    break
                params[want[1:-1]] = got
            elif want != got:
                break
        else:
            return route, params
    return None


def web_content_security_policy(region: str) -> str:
    """The pages' Content-Security-Policy: CloudFront sends it (infra/web.py), the local gateway too.

    'wasm-unsafe-eval' lets the verifier compile its vendored QR reader (zxing-wasm, served from our
    own origin) in browsers without BarcodeDetector; it allows no JavaScript eval. frame-src blob: the
    certificate PDF is previewed and printed in an iframe from a blob URL.
    """
    return (
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; media-src 'self' blob:; worker-src 'self' blob:; frame-src blob:; "
        f"connect-src 'self' https://cognito-idp.{region}.amazonaws.com; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
    )

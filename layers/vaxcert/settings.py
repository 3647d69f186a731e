"""The one settings model, read from environment variables, identical in Lambda and locally.

Every field is read from the upper-cased field name (``certificates_table`` <- ``CERTIFICATES_TABLE``).
The CDK stack sets these on each function; the local stack sets them in its own process.
"""

from __future__ import annotations

import os
from functools import lru_cache
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    stage: str = "local"
    region: str = Field(default="us-east-1")

    # Issuer identity.
    country: str = Field(default="JM", min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    country_alpha3: str = Field(default="JAM", min_length=3, max_length=3)
    issuer_name: str = "Ministry of Health and Wellness, Jamaica"
    # The EU DCC `is` (<= 80 chars) shown by verifier apps. Every character costs QR size: with the
    # full name the DDCC extension (lot, next dose, ...) would not fit in QR version 18.
    hc1_issuer_name: str = Field(default="Ministry of Health, Jamaica", max_length=80)
    # Largest QR version (level Q) an HC1 may need; DDCC extension fields are dropped, least
    # important first, to stay within it (see docs/hc1-profile.md).
    hc1_max_qr_version: int = Field(default=18, ge=10, le=40)
    portal_url: str = "http://127.0.0.1:8000/"
    # Draw the SMART Health Card QR on the PDF too (beside the main HC1 QR).
    pdf_shc_qr: bool = True
    certificate_validity_days: int = Field(default=365, ge=1, le=3650)

    # Resource names (see resources.py for the env var of each).
    certificates_table: str = "vaxcert-certificates"
    events_table: str = "vaxcert-events"
    citizen_auth_table: str = "vaxcert-citizen-auth"
    audit_table: str = "vaxcert-audit"
    trust_table: str = "vaxcert-trust"
    stats_table: str = "vaxcert-stats"
    artefacts_bucket: str = "vaxcert-artefacts"
    issue_queue_url: str = ""
    issue_dlq_url: str = ""
    signing_key_id: str = ""
    csca_key_id: str = ""
    session_key_id: str = ""
    data_key_id: str = ""
    ingest_secret_arn: str = ""
    otp_pepper_secret_arn: str = ""
    user_pool_id: str = ""
    user_pool_client_id: str = ""
    # Secrets Manager secret CloudFront sends in ORIGIN_HEADER: requests that carry it came through
    # the project's distribution, so their CloudFront-Viewer-Address is the caller's address. Unset
    # locally (the socket address is the caller's).
    origin_secret_arn: str = ""
    # How long a function instance trusts what the user pool said about a staff account (disabled,
    # signed out): a disabled or signed-out user is refused within this time. At most 5 minutes.
    staff_status_cache_s: int = Field(default=300, ge=0, le=300)

    # Certificate lifecycle: corrections per certificate chain (version - 1), revocation list validity.
    max_corrections: int = Field(default=5, ge=0, le=50)
    revocation_list_validity_hours: int = Field(default=48, ge=1, le=24 * 14)
    # How long the issue function keeps using the signing DSC it read (key rotation takes this long).
    signer_cache_s: int = Field(default=300, ge=0, le=3600)

    # Global daily SMS budget (UTC day), shared by login codes and certificate notifications. Set it to
    # at most the SNS monthly spend limit / (price of one SMS x 31), e.g. USD 30,000 / (USD 0.048 x 31)
    # = 20,161: then no day can spend more than its share of the month. Login codes may use only
    # `sms_otp_budget_share` of it, so a flood of code requests cannot hold back certificate SMS.
    sms_daily_budget: int = Field(default=20_000, ge=0, le=10_000_000)
    sms_otp_budget_share: float = Field(default=0.8, gt=0, le=1)
    # Sent with every SMS (docs/deployment.md, SMS registration): the alphanumeric sender ID where the
    # destination country supports one, and the registered origination identity (E.164 number or its
    # ARN) that +1 numbers need. Unset: SNS picks from the account's identities.
    sms_sender_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9-]{1,11}$")
    sms_origination_number: str | None = Field(default=None, max_length=256)

    # The ministry's DIVOC public key (PEM or JWK, with its DID; see vaxcert.trust.configured): certificates
    # DIVOC issued before vaxcert verify from the first day. DIVOC_DID names the DID of a bare PEM key.
    divoc_public_key: str = ""
    divoc_did: str = ""

    # CommCare "API Key" auth: the header name is configured in CommCare alongside the secret.
    ingest_header: str = "X-Vaxcert-Key"
    # Path of a JSON field mapping overriding the packaged default (config/commcare-mapping.json).
    field_mapping_file: str | None = None
    # Path of a JSON vaccine catalogue overriding the packaged default (config/vaccines.json).
    vaccine_catalogue_file: str | None = None
    # Web origins besides the portal's own allowed to call the API from a page (CORS), comma-separated.
    extra_cors_origins: str = ""

    @property
    def cors_origins(self) -> list[str]:
        """The portal's origin first, then the extra ones (what API responses may name in CORS)."""
        portal = urlsplit(self.portal_url)
        own = [f"{portal.scheme}://{portal.netloc}"] if portal.scheme and portal.netloc else []
        extra = [o.strip().rstrip("/") for o in self.extra_cors_origins.split(",") if o.strip()]
        return list(dict.fromkeys(own + extra))

    @property
    def shc_issuer(self) -> str:
        """SMART Health Card `iss`: the public URL (CloudFront; locally the local stack) + SHC_ISSUER_PATH,
        so `<iss>/.well-known/jwks.json` and `<iss>/.well-known/crl/<kid>.json` are ours to serve."""
        from vaxcert.routes import SHC_ISSUER_PATH

        return self.portal_url.rstrip("/") + SHC_ISSUER_PATH

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, str] = {}
        for name in cls.model_fields:
            raw = env.get(name.upper())
            if raw is not None and raw != "":
                values[name] = raw
        if "region" not in values and env.get("AWS_REGION"):
            values["region"] = env["AWS_REGION"]
        return cls.model_validate(values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings for this process; cached because Lambda environments do not change while warm."""
    return Settings.from_env()

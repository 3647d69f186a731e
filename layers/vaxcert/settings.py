"""The one settings model, read from environment variables, identical in Lambda and locally.

Every field is read from the upper-cased field name (``certificates_table`` <- ``CERTIFICATES_TABLE``).
The CDK stack sets these on each function; the local stack sets them in its own process.
"""

from __future__ import annotations

import os
from functools import lru_cache
from string import Formatter
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

# The SMS text settings: {field: (placeholders it may use, placeholders it must use)}.
SMS_PLACEHOLDERS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "sms_otp_text": (frozenset({"code", "minutes"}), frozenset({"code"})),
    "sms_ready_text": (frozenset({"given", "dose", "portal_url"}), frozenset()),
    "sms_corrected_text": (frozenset({"given", "portal_url"}), frozenset()),
    "sms_replaced_text": (frozenset({"portal_url"}), frozenset()),
    "sms_revoked_text": (frozenset({"portal_url"}), frozenset()),
}


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

    # The country's mobile numbering rule: numbers are accepted, stored and texted only when they are
    # +<mobile_country_code> followed by `mobile_national_digits` digits starting with one of the
    # `mobile_area_codes` (comma-separated). Country code 1 (NANP) also refuses exchanges starting
    # with 0 or 1. `mobile_country_name` and `mobile_example` appear in the error messages.
    mobile_country_code: str = Field(default="1", pattern=r"^[1-9][0-9]{0,2}$")
    mobile_area_codes: str = Field(default="876,658", pattern=r"^[0-9]{1,5}(,[0-9]{1,5})*$")
    mobile_national_digits: int = Field(default=10, ge=6, le=14)
    mobile_country_name: str = Field(default="Jamaican", min_length=1, max_length=40)
    mobile_example: str = Field(default="876-555-0123", min_length=1, max_length=20)
    # SMS texts, with {placeholders} (docs/deployment.md lists them): the login code, the certificate
    # ready / corrected messages, and the notices to a number whose certificate was replaced / revoked.
    sms_otp_text: str = Field(
        default="Your vaccination certificate login code is {code}. It expires in {minutes} minutes. "
        "Never share it; the Ministry will never ask for it. - Ministry of Health",
        max_length=600,
    )
    sms_ready_text: str = Field(
        default="Hello {given}, your COVID-19 vaccination certificate ({dose}) is ready. "
        "Download it at {portal_url} using this mobile number. - Ministry of Health",
        max_length=600,
    )
    sms_corrected_text: str = Field(
        default="Hello {given}, a corrected COVID-19 vaccination certificate is ready and replaces the "
        "previous one. Download it at {portal_url} using this mobile number. - Ministry of Health",
        max_length=600,
    )
    sms_replaced_text: str = Field(
        default="A COVID-19 vaccination certificate sent to this number was changed: the previous one is "
        "no longer valid. The current certificate is at {portal_url}. - Ministry of Health",
        max_length=600,
    )
    sms_revoked_text: str = Field(
        default="A COVID-19 vaccination certificate sent to this number has been revoked and is no "
        "longer valid. See {portal_url} for your current certificates. - Ministry of Health",
        max_length=600,
    )

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

    @field_validator(*SMS_PLACEHOLDERS)
    @classmethod
    def _known_placeholders(cls, text: str, info: ValidationInfo) -> str:
        allowed, required = SMS_PLACEHOLDERS[str(info.field_name)]
        try:
            used = {name for _, name, _, _ in Formatter().parse(text) if name is not None}
        except ValueError as exc:
            raise ValueError(
                f"is not a valid template ({exc}); write a literal brace as {{{{ or }}}}"
            ) from None
        if unknown := sorted(used - allowed):
            raise ValueError(f"unknown placeholder {{{unknown[0]}}}: use {', '.join(sorted(allowed))}")
        if missing := sorted(required - used):
            raise ValueError(f"must contain {{{missing[0]}}}")
        return text

    @property
    def mobile_area_code_list(self) -> tuple[str, ...]:
        return tuple(code for code in self.mobile_area_codes.split(",") if code)

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

"""Deployment settings a ministry may change, read from CDK context (cdk.json or `-c key=value`)."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_logs as logs
from constructs import Construct

# Issue function concurrency (the SQS event source's MaximumConcurrency: no function concurrency is
# reserved unless vaxcert:issueReservedConcurrency says so, since a reservation fails the deployment on
# accounts whose Lambda concurrency quota is small, as new accounts' often is: 10), sized to the KMS
# quota for asymmetric ECC Sign calls (300/s per account and region, Sign and Verify counted together,
# shared by every ECC key in the account).
# One KMS Sign round trip takes >= ~20 ms, so one issue worker (messages of a batch are processed in
# sequence) signs at most 1 / 0.020 = 50 times a second; 4 workers x 50/s = 200/s, leaving 100/s for
# citizen session tokens (download function) and `vaxcert keys` commands. At a realistic ~50 ms per
# certificate this still issues ~80 certificates/s (~290,000 an hour): far above Jamaica's peak.
ISSUE_CONCURRENCY = 4

LOG_RETENTION = {
    30: logs.RetentionDays.ONE_MONTH,
    90: logs.RetentionDays.THREE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    731: logs.RetentionDays.TWO_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}


@dataclass(frozen=True)
class DeployConfig:
    stage: str
    country: str
    country_alpha3: str
    issuer_name: str
    certificate_validity_days: int
    ingest_header: str
    log_retention_days: int
    api_rate_limit: int
    api_burst_limit: int
    staff_mfa: str
    # Optional custom domain for the web/API distribution (needs an ACM certificate in us-east-1).
    domain_name: str | None
    certificate_arn: str | None
    # Extra origins allowed by CORS besides the CloudFront one (e.g. a ministry portal).
    extra_cors_origins: tuple[str, ...]
    content_security_policy: str | None
    # Who is told when certificates fail to issue (dead-letter queue alarm); confirm the SNS e-mail.
    alarm_email: str | None
    # Global daily SMS budget (vaxcert.notify.budget): set to at most the SNS monthly spend limit /
    # (price of one SMS x 31). The functions enforce it; alarms fire at 80% and on any refusal.
    sms_daily_budget: int = 20_000
    # The ministry's DIVOC public key (PEM or JWK, with its DID; vaxcert.trust.configured) and the DID
    # of a bare PEM key: DIVOC certificates issued before vaxcert verify from the first day.
    divoc_public_key: str = ""
    divoc_did: str = ""
    # Reserved concurrency of the issue function: none by default (see ISSUE_CONCURRENCY).
    issue_reserved_concurrency: int | None = None
    # CommCare ingest's own method throttling (requests/s): a public flood cannot use it up.
    ingest_rate_limit: int = 50
    ingest_burst_limit: int = 100
    # WAF rate-based rules: requests per viewer address per 5 minutes, per path (see infra/api.py).
    waf_rate_limits: tuple[tuple[str, int], ...] = ()
    # Cognito e-mail through SES: a verified SES identity (an address, or a domain: no-reply@domain).
    ses_identity: str | None = None
    # SNS SMS origination: sender ID and/or registered origination number (docs/deployment.md).
    sms_sender_id: str | None = None
    sms_origination_number: str | None = None

    @property
    def log_retention(self) -> logs.RetentionDays:
        try:
            return LOG_RETENTION[self.log_retention_days]
        except KeyError:
            allowed = sorted(LOG_RETENTION)
            raise ValueError(
                f"vaxcert:logRetentionDays must be one of {allowed}, got {self.log_retention_days}"
            ) from None

    @classmethod
    def from_context(cls, scope: Construct) -> DeployConfig:
        node = scope.node

        def get(key: str, default: object) -> object:
            value = node.try_get_context(f"vaxcert:{key}")
            return default if value is None or value == "" else value

        mfa = str(get("staffMfa", "required"))
        if mfa not in ("required", "optional"):
            raise ValueError("vaxcert:staffMfa must be 'required' or 'optional'")
        origins = get("extraCorsOrigins", [])
        if isinstance(origins, str):
            origins = [o for o in origins.split(",") if o]
        domain = get("domainName", None)
        cert = get("certificateArn", None)
        if bool(domain) != bool(cert):
            raise ValueError("vaxcert:domainName and vaxcert:certificateArn must be set together")
        csp = get("contentSecurityPolicy", None)
        return cls(
            stage=str(get("stage", "prod")),
            country=str(get("country", "JM")),
            country_alpha3=str(get("countryAlpha3", "JAM")),
            issuer_name=str(get("issuerName", "Ministry of Health and Wellness, Jamaica")),
            certificate_validity_days=int(str(get("certificateValidityDays", 365))),
            ingest_header=str(get("ingestHeader", "X-Vaxcert-Key")),
            log_retention_days=int(str(get("logRetentionDays", 365))),
            api_rate_limit=int(str(get("apiRateLimit", 200))),
            api_burst_limit=int(str(get("apiBurstLimit", 400))),
            staff_mfa=mfa,
            domain_name=str(domain) if domain else None,
            certificate_arn=str(cert) if cert else None,
            extra_cors_origins=tuple(str(o) for o in origins),  # type: ignore[attr-defined]
            content_security_policy=str(csp) if csp else None,
            alarm_email=str(get("alarmEmail", "")) or None,
            sms_daily_budget=_positive_int("smsDailyBudget", get("smsDailyBudget", 20_000)),
            **_divoc_key(get("divocPublicKey", ""), str(get("divocDid", ""))),
            issue_reserved_concurrency=_optional_positive_int(
                "issueReservedConcurrency", get("issueReservedConcurrency", None)
            ),
            ingest_rate_limit=_positive_int("ingestRateLimit", get("ingestRateLimit", 50)),
            ingest_burst_limit=_positive_int("ingestBurstLimit", get("ingestBurstLimit", 100)),
            waf_rate_limits=_rate_limits(get("wafRateLimits", {})),
            ses_identity=str(get("sesIdentity", "")) or None,
            sms_sender_id=str(get("smsSenderId", "")) or None,
            sms_origination_number=str(get("smsOriginationNumber", "")) or None,
        )


# Requests per viewer address per 5 minutes (WAF's window) before WAF blocks that address on that path
# for a while. Well above what one person does (a citizen logs in with 2-3 requests), loose enough for
# many phones behind one carrier-grade NAT address; the functions' own per-number limits do the rest.
DEFAULT_WAF_RATE_LIMITS: dict[str, int] = {
    "/v1/citizen/otp": 300,
    "/v1/citizen/session": 600,
    "/v1/staff/session": 300,
    "/v1/verify": 3000,
}


def _rate_limits(value: object) -> tuple[tuple[str, int], ...]:
    """vaxcert:wafRateLimits: {path: limit} over the defaults (WAF accepts 10 .. 2,000,000,000)."""
    if isinstance(value, str):
        import json

        value = json.loads(value) if value.strip() else {}
    if not isinstance(value, dict):
        raise ValueError("vaxcert:wafRateLimits must be an object {path: requests per 5 minutes}")
    merged = {**DEFAULT_WAF_RATE_LIMITS, **{str(k): int(str(v)) for k, v in value.items()}}
    unknown = set(merged) - set(DEFAULT_WAF_RATE_LIMITS)
    if unknown:
        raise ValueError(f"vaxcert:wafRateLimits: unknown paths {sorted(unknown)}")
    for path, limit in merged.items():
        if not 10 <= limit <= 2_000_000_000:
            raise ValueError(f"vaxcert:wafRateLimits[{path}] must be 10 .. 2000000000, got {limit}")
    return tuple(sorted(merged.items()))


def _optional_positive_int(key: str, value: object) -> int | None:
    return None if value is None else _positive_int(key, value)


def _positive_int(key: str, value: object) -> int:
    number = int(str(value))
    if number < 1:
        raise ValueError(f"vaxcert:{key} must be a positive integer, got {number}")
    return number


def _divoc_key(value: object, did: str) -> dict[str, str]:
    """vaxcert:divocPublicKey as the DIVOC_PUBLIC_KEY text (an object or list in cdk.json becomes JSON),
    checked now so a bad key fails the synth, not the verify function."""
    import json

    from vaxcert.trust.configured import divoc_entries

    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    try:
        divoc_entries(text, did or None)
    except ValueError as exc:
        raise ValueError(f"vaxcert:divocPublicKey: {exc}") from None
    return {"divoc_public_key": text, "divoc_did": did}

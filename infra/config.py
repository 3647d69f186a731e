"""Deployment settings a ministry may change, read from CDK context (cdk.json or `-c key=value`)."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_logs as logs
from constructs import Construct

# Issue function concurrency, sized to the KMS quota for asymmetric ECC Sign calls (300/s per account
# and region, Sign and Verify counted together, shared by every ECC key in the account).
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
        )


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

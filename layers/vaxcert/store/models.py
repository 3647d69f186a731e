"""pynamodb models of the tables declared in vaxcert.resources.

Table names come from settings at run time (`bind_tables`), so one code base serves every stage.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from vaxcert import resources
from vaxcert.settings import Settings


class _Index(GlobalSecondaryIndex):
    class Meta:
        projection = AllProjection()


class CertificatesByMobile(_Index):
    class Meta(_Index.Meta):
        index_name = "ByMobile"

    mobile = UnicodeAttribute(hash_key=True)
    issuedAt = UnicodeAttribute(range_key=True)


class CertificatesByDob(_Index):
    class Meta(_Index.Meta):
        index_name = "ByDob"

    dob = UnicodeAttribute(hash_key=True)
    hcid = UnicodeAttribute(range_key=True)


class CertificatesByEvent(_Index):
    class Meta(_Index.Meta):
        index_name = "ByEvent"

    eventId = UnicodeAttribute(hash_key=True)
    version = NumberAttribute(range_key=True)


class CertificateItem(Model):
    class Meta:
        table_name = "vaxcert-certificates"

    hcid = UnicodeAttribute(hash_key=True)
    uci = UnicodeAttribute()
    eventId = UnicodeAttribute()
    revision = UnicodeAttribute()
    version = NumberAttribute()
    status = UnicodeAttribute()
    # Index keys: mobile (E.164, absent when none was given) and date of birth (ISO).
    mobile = UnicodeAttribute(null=True)
    dob = UnicodeAttribute()
    issuedAt = UnicodeAttribute()
    expiresAt = UnicodeAttribute()
    vaccineKey = UnicodeAttribute()
    kid = UnicodeAttribute()
    qr = UnicodeAttribute()
    record = JSONAttribute()  # the DDCC:VS record
    smsStatus = UnicodeAttribute()
    smsClaimedAt = UnicodeAttribute(null=True)
    smsSentAt = UnicodeAttribute(null=True)
    smsMessageId = UnicodeAttribute(null=True)
    supersedes = UnicodeAttribute(null=True)
    supersededBy = UnicodeAttribute(null=True)

    by_mobile = CertificatesByMobile()
    by_dob = CertificatesByDob()
    by_event = CertificatesByEvent()


class EventItem(Model):
    """One delivery of a vaccination event (revision "0") or of an edit (revision = edited_on)."""

    class Meta:
        table_name = "vaxcert-events"

    eventId = UnicodeAttribute(hash_key=True)
    revision = UnicodeAttribute(range_key=True)
    source = UnicodeAttribute()
    contentHash = UnicodeAttribute()
    event = JSONAttribute()  # the validated VaccinationEvent (camelCase JSON)
    receivedAt = UnicodeAttribute()
    deliveries = NumberAttribute(default=1)
    status = UnicodeAttribute()  # RECEIVED -> QUEUED -> ISSUED
    queuedAt = UnicodeAttribute(null=True)
    hcid = UnicodeAttribute(null=True)
    issuedAt = UnicodeAttribute(null=True)


class TrustItem(Model):
    """A certificate of the trust list: our CSCA and DSCs, and imported foreign DSCs."""

    class Meta:
        table_name = "vaxcert-trust"

    kid = UnicodeAttribute(hash_key=True)  # base64 of the 8-byte kid
    country = UnicodeAttribute()
    certificateType = UnicodeAttribute()  # DSC | CSCA
    rawData = UnicodeAttribute()  # base64 DER
    origin = UnicodeAttribute()  # OWN | IMPORTED
    status = UnicodeAttribute(default="ACTIVE")  # ACTIVE | WITHDRAWN
    keyId = UnicodeAttribute(null=True)  # KMS key of our own DSCs
    signing = BooleanAttribute(default=False)  # the DSC new certificates are signed with
    notBefore = UnicodeAttribute()
    notAfter = UnicodeAttribute()
    createdAt = UnicodeAttribute()


_MODELS: dict[str, type[Model]] = {
    resources.CERTIFICATES.logical_id: CertificateItem,
    resources.EVENTS.logical_id: EventItem,
    resources.TRUST.logical_id: TrustItem,
}


def bind_tables(settings: Settings) -> None:
    """Point every model at this stage's table (names from settings; env vars from resources)."""
    names = {
        resources.CERTIFICATES.logical_id: settings.certificates_table,
        resources.EVENTS.logical_id: settings.events_table,
        resources.TRUST.logical_id: settings.trust_table,
    }
    for logical_id, model in _MODELS.items():
        model.Meta.table_name = names[logical_id]
        model.Meta.region = settings.region

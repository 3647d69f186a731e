"""pynamodb models of the tables declared in vaxcert.resources.

The models are the one declaration of each table's keys and indexes: `table_shape` reads them for the
CDK stack and the local stack (vaxcert.resources names the tables: logical id, environment variable,
TTL attribute). Table names come from settings at run time (`bind_tables`), so one code base serves
every stage.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    Attribute,
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


class CertificatesByCase(_Index):
    class Meta(_Index.Meta):
        index_name = "ByCase"

    caseKey = UnicodeAttribute(hash_key=True)
    hcid = UnicodeAttribute(range_key=True)


class CertificatesByIdentity(_Index):
    class Meta(_Index.Meta):
        index_name = "ByIdentity"

    identityKey = UnicodeAttribute(hash_key=True)
    hcid = UnicodeAttribute(range_key=True)


class CertificatesByRevocation(_Index):
    class Meta(_Index.Meta):
        index_name = "ByRevocation"

    revocationList = UnicodeAttribute(hash_key=True)
    hcid = UnicodeAttribute(range_key=True)


class CertificatesByLegacyId(_Index):
    class Meta(_Index.Meta):
        index_name = "ByLegacyId"

    legacyId = UnicodeAttribute(hash_key=True)
    hcid = UnicodeAttribute(range_key=True)


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
    shc = UnicodeAttribute(null=True)  # the SMART Health Card JWS
    record = JSONAttribute()  # the DDCC:VS record
    smsStatus = UnicodeAttribute()
    smsClaimedAt = UnicodeAttribute(null=True)
    smsClaim = UnicodeAttribute(null=True)  # the claiming attempt's token (a lost reply is still ours)
    smsSentAt = UnicodeAttribute(null=True)
    smsMessageId = UnicodeAttribute(null=True)
    supersedes = UnicodeAttribute(null=True)
    supersededBy = UnicodeAttribute(null=True)
    # Revocation: set with status REVOKED (revokedAt, revocationReason) or SUPERSEDED (revokedAt);
    # `revocationList` (a constant) puts the certificate into the sparse ByRevocation index.
    revokedAt = UnicodeAttribute(null=True)
    revocationReason = UnicodeAttribute(null=True)
    revocationList = UnicodeAttribute(null=True)
    # DIVOC certificateId of a migrated certificate (`vaxcert migrate divoc`); ByLegacyId key.
    legacyId = UnicodeAttribute(null=True)
    # Person link keys (vaxcert.sources.person_keys); sparse index keys, absent when unknown.
    caseKey = UnicodeAttribute(null=True)
    identityKey = UnicodeAttribute(null=True)
    # The notice SMS (types.certificate.SmsSlot.NOTICE): revoked, or replaced by a correction that
    # goes to another number (or none). Same claim protocol as the sms* attributes.
    noticeStatus = UnicodeAttribute(null=True)
    noticeClaimedAt = UnicodeAttribute(null=True)
    noticeClaim = UnicodeAttribute(null=True)
    noticeSentAt = UnicodeAttribute(null=True)
    noticeMessageId = UnicodeAttribute(null=True)

    # Indexes, in the order the stack declares them. Citizen login and facility search by mobile number.
    by_mobile = CertificatesByMobile()
    # Facility search by date of birth, narrowed by name in code (a DOB partition is small).
    by_dob = CertificatesByDob()
    # Every certificate version issued for one vaccination event.
    by_event = CertificatesByEvent()
    # Sparse: only REVOKED and SUPERSEDED certificates carry `revocationList`, so the revocation
    # list is rebuilt from this index without scanning the table.
    by_revocation = CertificatesByRevocation()
    # Sparse: migrated DIVOC certificates carry `legacyId` (their DIVOC certificateId).
    by_legacy_id = CertificatesByLegacyId()
    # Sparse: person link keys (sources.person_keys), so "the same person's other doses" is a
    # query: the same case of a source system, or the same identifier.
    by_case = CertificatesByCase()
    by_identity = CertificatesByIdentity()


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
    # A correction (admin or CommCare edit): the certificate it replaces and the new version number.
    supersedes = UnicodeAttribute(null=True)
    version = NumberAttribute(null=True)
    correctionReason = UnicodeAttribute(null=True)
    # Why an edit was not issued (e.g. the certificate was revoked); status REJECTED.
    rejectedReason = UnicodeAttribute(null=True)
    # A source's edit applied on top of an admin correction (issuance.edits): `event` then holds what
    # is issued, `form` the edit as the source sent it, `editConflicts` the fields both changed.
    form = JSONAttribute(null=True)
    editConflicts = JSONAttribute(null=True)


class TrustItem(Model):
    """A trusted key: our CSCA and DSCs, imported DSCs, and other frameworks' keys (shc, divoc, icao)."""

    class Meta:
        table_name = "vaxcert-trust"

    kid = UnicodeAttribute(hash_key=True)  # hc1: base64 of the 8-byte kid; others: framework#issuer#keyRef
    country = UnicodeAttribute()  # "" when a key names none (SMART Health Card issuers)
    certificateType = UnicodeAttribute()  # DSC | CSCA
    rawData = UnicodeAttribute()  # base64 DER, "" for a bare key (JWK, PEM public key)
    framework = UnicodeAttribute(null=True)  # hc1 (also when absent) | shc | divoc | icao
    keyRef = UnicodeAttribute(null=True)  # the key id as its framework names it (not hc1)
    issuer = UnicodeAttribute(null=True)  # shc: the iss URL
    jwk = UnicodeAttribute(null=True)  # JSON of the public JWK (bare keys)
    origin = UnicodeAttribute()  # OWN | IMPORTED
    status = UnicodeAttribute(default="ACTIVE")  # ACTIVE | WITHDRAWN
    keyId = UnicodeAttribute(null=True)  # KMS key of our own DSCs
    signing = BooleanAttribute(default=False)  # the DSC new certificates are signed with
    notBefore = UnicodeAttribute(null=True)  # absent for a bare key
    notAfter = UnicodeAttribute(null=True)
    createdAt = UnicodeAttribute()


class CitizenAuthItem(Model):
    """Citizen login state: up to 3 OTPs per mobile (`otp#<ref>#<slot>`), rate-limit counters (`rl#...`)
    and signed-out session tokens (`jti#<jti>`).

    `ref` is a keyed hash of the mobile number, so the table holds no phone numbers; DynamoDB's TTL
    removes expired items (lazily: the code checks expiry itself).
    """

    class Meta:
        table_name = "vaxcert-citizen-auth"

    pk = UnicodeAttribute(hash_key=True)
    expiresAt = NumberAttribute()  # epoch seconds (DynamoDB TTL)
    # OTP items
    salt = UnicodeAttribute(null=True)
    digest = UnicodeAttribute(null=True)
    issuedAt = NumberAttribute(null=True)
    attempts = NumberAttribute(null=True)
    usedAt = NumberAttribute(null=True)
    sourceRef = UnicodeAttribute(null=True)  # keyed hash of the address the code was asked from
    # Rate-limit counters
    hits = NumberAttribute(null=True)


class AuditByHcid(_Index):
    class Meta(_Index.Meta):
        index_name = "ByHcid"

    hcid = UnicodeAttribute(hash_key=True)
    at = UnicodeAttribute(range_key=True)


class AuditByActor(_Index):
    class Meta(_Index.Meta):
        index_name = "ByActor"

    actor = UnicodeAttribute(hash_key=True)
    at = UnicodeAttribute(range_key=True)


class AuditByDay(_Index):
    class Meta(_Index.Meta):
        index_name = "ByDay"

    day = UnicodeAttribute(hash_key=True)
    at = UnicodeAttribute(range_key=True)


class AuditItem(Model):
    """One audit entry; written once with a conditional put, never updated or deleted."""

    class Meta:
        table_name = "vaxcert-audit"

    entryId = UnicodeAttribute(hash_key=True)
    at = UnicodeAttribute()
    actor = UnicodeAttribute()
    actorLabel = UnicodeAttribute(null=True)
    role = UnicodeAttribute()
    action = UnicodeAttribute()
    outcome = UnicodeAttribute()
    hcid = UnicodeAttribute(null=True)
    # Python name differs: Model.query is pynamodb's query method.
    searchQuery = JSONAttribute(null=True, attr_name="query")
    resultHcids = JSONAttribute(null=True)
    sourceIp = UnicodeAttribute(null=True)
    userAgent = UnicodeAttribute(null=True)
    # UTC day of `at` (YYYY-MM-DD): the ByDay partition (vaxcert.audit.browse).
    day = UnicodeAttribute(null=True)

    by_hcid = AuditByHcid()
    by_actor = AuditByActor()
    # Browsing by time (GET /v1/admin/audit with no hcid/actor/mobile, and the CSV export):
    # one partition per UTC day keeps each page a query.
    by_day = AuditByDay()


class AuditByIndexKey(_Index):
    class Meta(_Index.Meta):
        index_name = "ByIndexKey"

    indexKey = UnicodeAttribute(hash_key=True)
    at = UnicodeAttribute(range_key=True)


class AuditIndexItem(Model):
    """An index item of the audit table: one per HCID an entry disclosed and per number it searched.

    It lives in the audit table (append-only like the entries) under `<entryId>#<key hash>`, carries
    the entry as written (`entry`) and nothing else, so it shows only through the ByIndexKey index:
    a listing of entries skips items that have `indexOf`.
    """

    class Meta:
        table_name = "vaxcert-audit"

    entryId = UnicodeAttribute(hash_key=True)
    indexKey = UnicodeAttribute()
    at = UnicodeAttribute()
    indexOf = UnicodeAttribute()  # the entry's own id
    entry = JSONAttribute()

    # "hcid#<HCID>" for each certificate an entry disclosed or changed, "mobile#<keyed hash>" for each
    # number searched.
    by_index_key = AuditByIndexKey()


class StatsItem(Model):
    """Dashboard counters: `day#YYYY-MM-DD` (issued that day) and `totals`; atomic ADD updates only."""

    class Meta:
        table_name = "vaxcert-stats"

    pk = UnicodeAttribute(hash_key=True)
    issued = NumberAttribute(null=True)
    valid = NumberAttribute(null=True)
    revoked = NumberAttribute(null=True)
    superseded = NumberAttribute(null=True)
    smsExpected = NumberAttribute(null=True)
    smsSent = NumberAttribute(null=True)
    smsFailed = NumberAttribute(null=True)
    # The daily SMS budget (`sms#YYYY-MM-DD`, vaxcert.store.sms_budget): SMS counted, SMS refused.
    smsUsed = NumberAttribute(null=True)
    smsRefused = NumberAttribute(null=True)
    # Source edits that changed a field an administrator had corrected (ingest.edit_conflict).
    editConflicts = NumberAttribute(null=True)


_MODELS: dict[str, type[Model]] = {
    resources.CERTIFICATES.logical_id: CertificateItem,
    resources.EVENTS.logical_id: EventItem,
    resources.TRUST.logical_id: TrustItem,
    resources.CITIZEN_AUTH.logical_id: CitizenAuthItem,
    resources.AUDIT.logical_id: AuditItem,
    resources.STATS.logical_id: StatsItem,
}
# Further models on the same tables.
_SHARED_TABLE_MODELS: dict[str, tuple[type[Model], ...]] = {resources.AUDIT.logical_id: (AuditIndexItem,)}


def bind_tables(settings: Settings) -> None:
    """Point every model at this stage's table (names from settings; env vars from resources)."""
    names = {
        resources.CERTIFICATES.logical_id: settings.certificates_table,
        resources.EVENTS.logical_id: settings.events_table,
        resources.TRUST.logical_id: settings.trust_table,
        resources.CITIZEN_AUTH.logical_id: settings.citizen_auth_table,
        resources.AUDIT.logical_id: settings.audit_table,
        resources.STATS.logical_id: settings.stats_table,
    }
    for logical_id, model in _MODELS.items():
        for m in (model, *_SHARED_TABLE_MODELS.get(logical_id, ())):
            m.Meta.table_name = names[logical_id]
            m.Meta.region = settings.region


def _key(attribute: Attribute[Any]) -> resources.Key:
    kind = attribute.attr_type
    if kind not in ("S", "N"):
        raise TypeError(f"{attribute.attr_name}: key attributes are strings or numbers, not {kind}")
    return resources.Key(attribute.attr_name, kind)  # type: ignore[arg-type]


def _index(index: GlobalSecondaryIndex[Any]) -> resources.Index:
    keys = index.Meta.attributes.values()
    partition = next(a for a in keys if a.is_hash_key)
    sort = next((a for a in keys if a.is_range_key), None)
    return resources.Index(index.Meta.index_name, _key(partition), _key(sort) if sort else None)


def table_shape(table: resources.Table) -> resources.TableShape:
    """The keys and indexes of `table`, as its models declare them (indexes in declaration order)."""
    models = (_MODELS[table.logical_id], *_SHARED_TABLE_MODELS.get(table.logical_id, ()))
    main = models[0]
    attributes = main.get_attributes()
    partition = next(a for a in attributes.values() if a.is_hash_key)
    sort = next((a for a in attributes.values() if a.is_range_key), None)
    indexes = [
        _index(value)
        for model in models
        for value in vars(model).values()
        if isinstance(value, GlobalSecondaryIndex)
    ]
    return resources.TableShape(_key(partition), _key(sort) if sort else None, tuple(indexes))

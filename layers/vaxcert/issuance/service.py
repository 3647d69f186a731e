"""Issue one certificate for one stored vaccination event: idempotent, safe to retry at any step.

Steps, each safe to repeat after a crash or a redelivered message:
1. claim an HCID for the event (conditional write: the first claim wins, later ones read it);
2. build the DDCC record and sign the HC1, store the certificate unless that HCID is stored;
3. send the SMS once (PENDING -> SENDING claim; released only if SNS refused it);
4. mark the event issued.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from vaxcert.catalogue import Catalogue, VaccineProduct
from vaxcert.errors import InvalidInput, TransientFailure, VaxcertError
from vaxcert.formats.ddcc import CertificateMeta, DdccRecord, Identifier, Person, Vaccination
from vaxcert.formats.eu_dcc import EuVaccineCodes
from vaxcert.formats.hc1 import encode_hc1, hcert_from_record
from vaxcert.formats.shc_card import issue_card
from vaxcert.formats.uvci import make_uci
from vaxcert.issuance.edits import apply_edit, changed_fields, touches_identity
from vaxcert.issuance.hcid import new_hcid
from vaxcert.notify.texts import SmsTexts, default_texts
from vaxcert.sources.person_keys import person_keys
from vaxcert.sources.vaccination import VaccinationEvent, edit_time, is_source_edit
from vaxcert.types.audit import Action, Actor, Outcome, Role
from vaxcert.types.certificate import Certificate, CertificateStatus, SmsSlot, SmsStatus
from vaxcert.types.ports import CardIssuer, DocumentSigner, IssuanceStore, SmsSender, StoredEvent

# Longer than an issue invocation can run (function timeout 30 s) with its SDK retries: a SENDING
# claim older than this has no live worker behind it.
SMS_CLAIM_LIFETIME = timedelta(minutes=2)
SMS_RECORD_ATTEMPTS = 5


class PermanentIssueFailure(VaxcertError):
    """Retrying cannot help (e.g. the event is missing): the message goes to the DLQ with this reason."""


@dataclass(frozen=True)
class IssuerProfile:
    country: str  # alpha-2, HC1 `iss`
    name: str  # DDCC issuer
    validity_days: int
    portal_url: str
    eu_issuer: str  # EU DCC `is`: shorter, it is paid for in QR size
    max_qr_version: int
    texts: SmsTexts = field(default_factory=default_texts)  # settings.sms_*_text


def build_record(
    event: VaccinationEvent,
    product: VaccineProduct,
    *,
    hcid: str,
    version: int,
    issued_at: datetime,
    expires_at: datetime,
    issuer: IssuerProfile,
    kid: bytes,
) -> DdccRecord:
    p, v = event.person, event.vaccination
    identifier = Identifier(type=p.identifier.type, value=p.identifier.value) if p.identifier else None
    return DdccRecord(
        person=Person(
            given_name=p.given_name,
            family_name=p.family_name,
            birth_date=p.birth_date,
            sex=p.sex,
            identifier=identifier,
        ),
        vaccination=Vaccination(
            vaccine=product.vaccine,
            brand=product.brand,
            manufacturer=product.manufacturer,
            lot=v.lot,
            date=v.date,
            dose=v.dose,
            total_doses=v.total_doses or product.default_total_doses,
            country=v.country,
            centre=v.centre,
            practitioner=v.practitioner,
            next_dose=v.next_dose,
            valid_from=v.date,
        ),
        certificate=CertificateMeta(
            issuer=issuer.name,
            hcid=hcid,
            version=version,
            period_start=issued_at,
            period_end=expires_at,
            kid=base64.b64encode(kid).decode(),
        ),
    )


def sign_certificate(
    event: VaccinationEvent,
    *,
    hcid: str,
    version: int,
    catalogue: Catalogue,
    signer: DocumentSigner,
    issuer: IssuerProfile,
    now: datetime,
    supersedes: str | None = None,
    card: CardIssuer | None = None,
) -> Certificate:
    """Build the DDCC record, its signed HC1 and (with `card`) SMART Health Card: no I/O but the signer."""
    product = catalogue.find(event.vaccination.vaccine)
    if product is None:
        raise PermanentIssueFailure(f"vaccine {event.vaccination.vaccine!r} is not in the catalogue")
    issued_at = now.replace(microsecond=0)
    # HC1 `exp` must not outlive the DSC that signs it.
    expires_at = min(issued_at + timedelta(days=issuer.validity_days), signer.dsc_not_after)
    record = build_record(
        event,
        product,
        hcid=hcid,
        version=version,
        issued_at=issued_at,
        expires_at=expires_at,
        issuer=issuer,
        kid=signer.kid,
    )
    uci = make_uci(issuer.country, hcid)
    hcert = hcert_from_record(
        record,
        EuVaccineCodes(product.eu_vp, product.eu_mp, product.eu_ma),
        uci,
        eu_issuer=issuer.eu_issuer,
        max_qr_version=issuer.max_qr_version,
    )
    qr = encode_hc1(
        hcert,
        issuer_country=issuer.country,
        issued_at=issued_at,
        expires_at=expires_at,
        kid=signer.kid,
        sign=signer.sign,
    )
    # Signed with the same key in the same step: the card is stored with the certificate by one
    # conditional put, so a retry or a duplicate never yields a second card for this version.
    shc = (
        issue_card(record, iss=card.iss, kid=card.kid, cvx=product.cvx, issued_at=issued_at, sign=signer.sign)
        if card
        else None
    )
    keys = person_keys(event)
    return Certificate(
        hcid=hcid,
        uci=uci,
        event_id=event.event_id,
        revision=event.revision,
        version=version,
        status=CertificateStatus.VALID,
        record=record,
        vaccine_key=product.key,
        mobile=event.person.mobile,
        qr=qr,
        shc=shc,
        kid=base64.b64encode(signer.kid).decode(),
        issued_at=issued_at,
        expires_at=expires_at,
        sms_status=SmsStatus.PENDING if event.person.mobile and event.notify else SmsStatus.NONE,
        supersedes=supersedes,
        case_key=keys.case,
        identity_key=keys.identity,
        legacy_id=event.legacy.certificate_id if event.legacy else None,
    )


def ready_sms_text(certificate: Certificate, portal_url: str, texts: SmsTexts | None = None) -> str:
    given = certificate.record.person.given_name.split(" ")[0] or certificate.record.person.family_name
    v = certificate.record.vaccination
    dose = f"dose {v.dose} of {v.total_doses}" if v.total_doses else f"dose {v.dose}"
    return (texts or default_texts()).certificate_ready(given, dose, portal_url)


def send_sms_once(
    certificate: Certificate,
    *,
    store: IssuanceStore,
    sms: SmsSender,
    text: str,
    now: datetime,
    slot: SmsSlot = SmsSlot.ISSUE,
) -> bool:
    """Send at most once per certificate and slot; a failed send is released for the next retry.

    A claim (PENDING -> SENDING) is taken before SNS is called. A claim older than any worker can
    live belongs to a worker that died, perhaps after SNS accepted the message: it becomes
    UNCONFIRMED and is never resent. A younger one may still be sending: retry later.
    """
    status, claimed_at = certificate.sms_state(slot)
    if not certificate.mobile or status in (SmsStatus.NONE, SmsStatus.SENT):
        return False
    if status is SmsStatus.SENDING:
        if claimed_at is not None and now - claimed_at > SMS_CLAIM_LIFETIME:
            store.sms_unconfirmed(certificate.hcid, claimed_at, slot)
            return False
        raise TransientFailure("the SMS is being sent by another attempt; checking again later")
    if status is not SmsStatus.PENDING:
        return False
    if not store.claim_sms(certificate.hcid, now, secrets.token_hex(8), slot):
        return False  # another worker holds or finished it
    try:
        message_id = sms.send(certificate.mobile, text)
    except TransientFailure:  # the sender is sure nothing went out (SmsNotSent): retry later
        store.release_sms(certificate.hcid, slot)
        raise
    # Any other failure may have come after SNS accepted the SMS: the claim stays, and ends
    # UNCONFIRMED rather than risk a second message.
    _record_sent(store, certificate.hcid, message_id, now, slot)
    return True


def _record_sent(store: IssuanceStore, hcid: str, message_id: str, now: datetime, slot: SmsSlot) -> None:
    """SNS accepted the SMS: recording it is worth a few more tries than the SDK's own, since a
    claim left in SENDING would end UNCONFIRMED although the citizen has the message."""
    for attempt in range(SMS_RECORD_ATTEMPTS):
        try:
            store.sms_sent(hcid, message_id, now, slot)
            return
        except Exception:
            if attempt == SMS_RECORD_ATTEMPTS - 1:
                raise
            time.sleep(0.05 * 2**attempt)


def corrected_sms_text(certificate: Certificate, portal_url: str, texts: SmsTexts | None = None) -> str:
    given = certificate.record.person.given_name.split(" ")[0] or certificate.record.person.family_name
    return (texts or default_texts()).certificate_corrected(given, portal_url)


def replaced_notice_text(portal_url: str, texts: SmsTexts | None = None) -> str:
    """To the number of a certificate a correction replaced, when the new one goes elsewhere (or
    nowhere): nothing personal, the number may no longer be the holder's."""
    return (texts or default_texts()).certificate_replaced(portal_url)


def revoked_notice_text(portal_url: str, texts: SmsTexts | None = None) -> str:
    return (texts or default_texts()).certificate_revoked(portal_url)


def notice_text(certificate: Certificate, portal_url: str, texts: SmsTexts | None = None) -> str:
    if certificate.status is CertificateStatus.REVOKED:
        return revoked_notice_text(portal_url, texts)
    return replaced_notice_text(portal_url, texts)


def send_notice_once(
    certificate: Certificate,
    *,
    store: IssuanceStore,
    sms: SmsSender,
    portal_url: str,
    now: datetime,
    texts: SmsTexts | None = None,
) -> bool:
    """The holder's number is told once that this certificate stopped being valid (if it is owed)."""
    return send_sms_once(
        certificate,
        store=store,
        sms=sms,
        text=notice_text(certificate, portal_url, texts),
        now=now,
        slot=SmsSlot.NOTICE,
    )


def source_base(current: Certificate, store: IssuanceStore) -> Certificate:
    """The newest version of the chain issued from the source's own content (its original or an
    edit), behind any admin corrections: the form revision an edit is compared with."""
    seen = 0
    base = current
    while not is_source_revision(base.revision) and base.supersedes and seen < 20:
        older = store.get_certificate(base.supersedes)
        if older is None:
            break
        base, seen = older, seen + 1
    return base


def is_source_revision(revision: str) -> bool:
    return revision == "0" or is_source_edit(revision)


class IssueAudit(Protocol):
    def record_once(
        self,
        key: str,
        actor: Actor,
        action: Action,
        *,
        hcid: str,
        query: dict[str, Any] | None = None,
        result_hcids: Sequence[str] | None = None,
        outcome: Outcome = Outcome.OK,
    ) -> bool: ...


def prepare_edit(
    stored: StoredEvent, *, store: IssuanceStore, max_corrections: int, audit: IssueAudit | None = None
) -> StoredEvent | None:
    """A CommCare edit corrects the event's current certificate: claim it, record it and the version.

    None when the edit must not be issued (recorded as rejected); TransientFailure to retry later when
    the original is not issued yet or another correction of it is in progress. Safe to repeat.
    A rejected edit is audited `ingest.edit` with outcome `conflict` on the current certificate.
    """
    event = stored.event
    current = store.latest_certificate(event.event_id)

    def reject(reason: str) -> None:
        store.reject_event(event.event_id, event.revision, reason)
        if audit is not None and current is not None:
            audit.record_once(
                f"{current.hcid}:{event.revision}",
                Actor(f"source:{event.source}", Role.SYSTEM),
                Action.INGEST_EDIT,
                hcid=current.hcid,
                query={"eventId": event.event_id, "revision": event.revision, "rejected": reason},
                outcome=Outcome.CONFLICT,
            )

    if current is None:
        if store.load_event(event.event_id, "0") is None:
            return stored  # the original never arrived: the edit is the first version
        raise TransientFailure("the original certificate is not issued yet; the edit waits for it")
    if current.status is CertificateStatus.REVOKED:
        reject(f"certificate {current.hcid} is revoked")
        return None
    hcid = stored.hcid or store.claim_hcid(event.event_id, event.revision, new_hcid())
    if current.status is CertificateStatus.SUPERSEDED or current.superseded_by not in (None, hcid):
        raise TransientFailure("another correction of this certificate is in progress")
    base = source_base(current, store)
    if is_source_edit(base.revision) and edit_time(base.revision) >= edit_time(event.revision):
        # An older edit delivered late must not undo a newer one (ingest answers "stale" to most;
        # this catches two edits that raced past it). Compared as times, not as text.
        reject(f"stale: {base.hcid} holds a newer edit")
        return None
    if current.version - 1 >= max_corrections:
        reject(f"more than {max_corrections} corrections")
        return None
    previous = store.load_event(event.event_id, base.revision)
    now_issued = store.load_event(event.event_id, current.revision)
    if previous is None or now_issued is None:
        raise TransientFailure("the events of the current certificate are missing from the event log")
    try:
        applied = apply_edit(previous.as_sent, event, now_issued.event)
    except InvalidInput as exc:
        fields = ", ".join(p.field for p in exc.problems)
        reject(f"the edit does not fit the corrected certificate: {fields}")
        return None
    if not store.claim_supersession(current.hcid, hcid):
        raise TransientFailure("another correction of this certificate is in progress")
    return store.attach_correction(
        event.event_id,
        event.revision,
        current.hcid,
        current.version + 1,
        applied=applied.event,
        conflicts=applied.conflicts,
    )


def issue_for_event(
    event_id: str,
    revision: str,
    *,
    store: IssuanceStore,
    signer: DocumentSigner,
    sms: SmsSender,
    catalogue: Catalogue,
    issuer: IssuerProfile,
    now: datetime,
    max_corrections: int = 5,
    audit: IssueAudit | None = None,
    card: CardIssuer | None = None,
) -> Certificate | None:
    """Issue the certificate of one event revision; None when an edit was rejected (nothing to issue).

    A correction (an admin's, or a CommCare edit) goes through the same steps with version + 1, then
    marks the certificate it replaces SUPERSEDED, so at most one version of a chain is ever VALID.
    """
    stored = store.load_event(event_id, revision)
    if stored is None:
        raise PermanentIssueFailure("event not found in the event log")
    if is_source_edit(revision) and stored.supersedes is None:
        prepared = prepare_edit(stored, store=store, max_corrections=max_corrections, audit=audit)
        if prepared is None:
            return None
        stored = prepared
    hcid = stored.hcid or store.claim_hcid(event_id, revision, new_hcid())
    if stored.supersedes and not store.claim_supersession(stored.supersedes, hcid):
        # Corrections claim the old certificate before they are queued: another claim means a bug.
        raise PermanentIssueFailure(f"certificate {stored.supersedes} is claimed by another correction")
    certificate = store.get_certificate(hcid)
    if certificate is None:
        candidate = sign_certificate(
            stored.event,
            hcid=hcid,
            version=stored.version or 1,
            catalogue=catalogue,
            signer=signer,
            issuer=issuer,
            now=now,
            supersedes=stored.supersedes,
            card=card,
        )
        if store.put_certificate(candidate):
            certificate = candidate
        else:  # a concurrent worker stored it first: use theirs
            certificate = store.get_certificate(hcid) or candidate
    replaced = store.get_certificate(certificate.supersedes) if certificate.supersedes else None
    if replaced is not None:
        # One SMS per correction: the corrected certificate's own when it goes to the same number;
        # otherwise the old number is told its certificate was changed (NOTICE slot, at most once).
        notify = bool(replaced.mobile) and replaced.mobile != certificate.mobile
        store.mark_superseded(replaced.hcid, hcid, now, notify=notify)
        text = corrected_sms_text(certificate, issuer.portal_url, issuer.texts)
    else:
        text = ready_sms_text(certificate, issuer.portal_url, issuer.texts)
    if audit is not None and is_source_revision(revision):
        _audit_source_event(audit, store, stored, certificate, replaced)
    send_sms_once(certificate, store=store, sms=sms, text=text, now=now)
    if replaced is not None:
        current = store.get_certificate(replaced.hcid) or replaced
        send_notice_once(
            current, store=store, sms=sms, portal_url=issuer.portal_url, now=now, texts=issuer.texts
        )
    store.mark_event_issued(event_id, revision, hcid, now)
    return certificate


def _audit_source_event(
    audit: IssueAudit,
    store: IssuanceStore,
    stored: StoredEvent,
    certificate: Certificate,
    replaced: Certificate | None,
) -> None:
    """ingest.issue for a new certificate; ingest.edit (changed field names, never values) and, when it
    met an admin correction, ingest.edit_conflict for an edit. Once each, however often retried."""
    event = stored.event
    actor = Actor(f"source:{event.source}", Role.SYSTEM)
    ref = {"eventId": event.event_id, "revision": event.revision}
    if replaced is None:
        audit.record_once(certificate.hcid, actor, Action.INGEST_ISSUE, hcid=certificate.hcid, query=ref)
        return
    before = store.load_event(replaced.event_id, replaced.revision)
    fields = changed_fields(before.event, event) if before else ()
    both = [certificate.hcid, replaced.hcid]
    audit.record_once(
        certificate.hcid,
        actor,
        Action.INGEST_EDIT,
        hcid=certificate.hcid,
        query={**ref, "fields": list(fields), "identity": touches_identity(fields)},
        result_hcids=both,
    )
    if stored.conflicts and audit.record_once(
        certificate.hcid,
        actor,
        Action.INGEST_EDIT_CONFLICT,
        hcid=certificate.hcid,
        query={**ref, "fields": list(stored.conflicts)},
        result_hcids=both,
    ):
        store.count_edit_conflict()

"""CommCare edits through the issue path (in-memory store): chain limits, stale and revoked edits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.factories import example_record
from vaxcert.errors import TransientFailure
from vaxcert.issuance.service import prepare_edit
from vaxcert.sources.vaccination import VaccinationEvent
from vaxcert.types.certificate import Certificate, CertificateStatus
from vaxcert.types.ports import StoredEvent

NOW = datetime(2026, 1, 10, tzinfo=UTC)


def event(revision: str) -> VaccinationEvent:
    return VaccinationEvent.model_validate(
        {"eventId": "form-1", "revision": revision,
         "person": {"familyName": "Campbell", "birthDate": "1984-03-07"},
         "vaccination": {"vaccine": "comirnaty", "lot": "L1", "date": "2021-12-14", "dose": 1}}
    )  # fmt: skip


def certificate(hcid: str, version: int, revision: str, **changes: Any) -> Certificate:
    base = dict(
        hcid=hcid, uci=f"URN:UVCI:01:JM:{hcid}#A", event_id="form-1", revision=revision, version=version,
        status=CertificateStatus.VALID, record=example_record(), vaccine_key="comirnaty", mobile=None,
        qr="HC1:", kid="a2lk", issued_at=NOW, expires_at=NOW, sms_status="NONE",
    )  # fmt: skip
    return Certificate(**{**base, **changes})


class Store:
    def __init__(self, latest: Certificate | None, original: bool = True):
        self.latest = latest
        self.original = original
        self.rejected: list[str] = []
        self.claims: list[tuple[str, str]] = []

    def latest_certificate(self, event_id: str) -> Certificate | None:
        return self.latest

    def load_event(self, event_id: str, revision: str) -> StoredEvent | None:
        return StoredEvent(event("0"), "OLD") if self.original else None

    def reject_event(self, event_id: str, revision: str, reason: str) -> None:
        self.rejected.append(reason)

    def claim_hcid(self, event_id: str, revision: str, candidate: str) -> str:
        return "NEW"

    def claim_supersession(self, old: str, new: str) -> bool:
        self.claims.append((old, new))
        return True

    def get_certificate(self, hcid: str) -> Certificate | None:
        return None

    def attach_correction(
        self, event_id: str, revision: str, supersedes: str, version: int, **applied: Any
    ) -> StoredEvent:
        return StoredEvent(applied["applied"], "NEW", supersedes=supersedes, version=version)


EDIT = "2021-12-15T09:00:00Z"


def test_edit_supersedes_the_current_version() -> None:
    store = Store(certificate("OLD", 2, "admin-v2-OLD"))
    prepared = prepare_edit(StoredEvent(event(EDIT), None), store=store, max_corrections=5)  # type: ignore[arg-type]
    assert prepared is not None and (prepared.supersedes, prepared.version) == ("OLD", 3)
    assert store.claims == [("OLD", "NEW")]


def test_edit_waits_for_the_original_but_not_for_a_missing_one() -> None:
    with pytest.raises(TransientFailure):
        prepare_edit(StoredEvent(event(EDIT), None), store=Store(None), max_corrections=5)  # type: ignore[arg-type]
    alone = prepare_edit(StoredEvent(event(EDIT), None), store=Store(None, original=False), max_corrections=5)  # type: ignore[arg-type]
    assert alone is not None and alone.supersedes is None


@pytest.mark.parametrize(
    ("current", "reason"),
    [
        (certificate("OLD", 1, "0", status=CertificateStatus.REVOKED), "revoked"),
        (certificate("OLD", 2, "2021-12-16T00:00:00Z"), "stale"),
        (certificate("OLD", 6, "admin-v6-OLD"), "corrections"),
    ],
)
def test_edits_that_must_not_issue_are_rejected(current: Certificate, reason: str) -> None:
    store = Store(current)
    assert prepare_edit(StoredEvent(event(EDIT), None), store=store, max_corrections=5) is None  # type: ignore[arg-type]
    assert reason in store.rejected[0] and not store.claims


def test_edit_retries_while_another_correction_is_pending() -> None:
    pending = certificate("OLD", 1, "0", superseded_by="OTHER")
    with pytest.raises(TransientFailure):
        prepare_edit(StoredEvent(event(EDIT), None), store=Store(pending), max_corrections=5)  # type: ignore[arg-type]

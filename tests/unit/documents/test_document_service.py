"""Certificate PDFs: the dose table gathers the person's doses; the S3 cache key follows the content."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.factories import example_record
from vaxcert.catalogue import load_catalogue
from vaxcert.documents.models import CertificateDocument
from vaxcert.documents.service import CertificateDocuments, build_document, mask_identifier
from vaxcert.sources.person_keys import identity_key
from vaxcert.types.certificate import Certificate, CertificateStatus, SmsStatus

CATALOGUE = load_catalogue()


def certificate(hcid: str, *, dose: int = 1, day: date = date(2021, 12, 14), status=CertificateStatus.VALID,
                version: int = 1, **person) -> Certificate:  # fmt: skip
    record = example_record(
        person=person, vaccination={"dose": dose, "date": day, "next_dose": None}, certificate={"hcid": hcid}
    )
    issued = datetime(2021, 12, 14, tzinfo=UTC)
    return Certificate(
        hcid=hcid,
        uci=f"URN:UVCI:01:JM:{hcid}",
        event_id=f"e-{hcid}",
        revision="0",
        version=version,
        status=status,
        record=record,
        vaccine_key="comirnaty",
        mobile="+18765550123",
        qr=f"HC1:{hcid}",
        kid="AAAAAAAAAAA=",
        issued_at=issued,
        expires_at=issued + timedelta(days=365),
        sms_status=SmsStatus.SENT,
        identity_key=identity_key(record.person.identifier.type, record.person.identifier.value)
        if record.person.identifier
        else None,
    )


D1 = certificate("AAAAAAAAAAAAAAAAAAA1")
D2 = certificate("AAAAAAAAAAAAAAAAAAA2", dose=2, day=date(2022, 1, 5))
D2_OLD = certificate(
    "AAAAAAAAAAAAAAAAAAA3", dose=2, day=date(2022, 1, 4), status=CertificateStatus.SUPERSEDED
)
SON = certificate("AAAAAAAAAAAAAAAAAAA4", given_name="Jerome", identifier=None, birth_date=date(1984, 3, 7))


def doc(cert: Certificate, others: list[Certificate]) -> CertificateDocument:
    return build_document(cert, others, catalogue=CATALOGUE, issuer_name="MoH", verify_url="https://x/verify")


def test_dose_table_has_every_current_dose_of_the_person_only() -> None:
    d = doc(D1, [D1, D2, D2_OLD, SON])
    assert [(line.dose, line.date) for line in d.doses] == [(1, date(2021, 12, 14)), (2, date(2022, 1, 5))]
    assert d.this_dose == 1 and d.identifier == "TRN ••••••445"
    assert d.doses[0].vaccine == "Comirnaty (Pfizer-BioNTech)"
    # A superseded certificate's own PDF still shows its own dose (with the banner).
    old = doc(D2_OLD, [D1, D2, D2_OLD])
    assert old.status == "SUPERSEDED"
    assert (2, date(2022, 1, 4)) in [(line.dose, line.date) for line in old.doses]


def test_mask_identifier() -> None:
    assert mask_identifier("TRN", "112233445") == "TRN ••••••445"
    assert mask_identifier("PPN", "123") == "PPN •••"


class Blobs:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.gets = 0

    def get(self, key: str) -> bytes | None:
        self.gets += 1
        return self.objects.get(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.objects[key] = data


def test_rendered_once_and_rerendered_when_content_changes() -> None:
    rendered: list[CertificateDocument] = []
    qrs: list[str] = []

    def render(d: CertificateDocument, png: bytes, shc_png: bytes | None) -> bytes:
        rendered.append(d)
        return b"%PDF-" + png

    def qr(payload: str) -> bytes:
        qrs.append(payload)
        return payload.encode()

    blobs = Blobs()
    documents = CertificateDocuments(
        blobs, CATALOGUE, "MoH", "https://x/verify", render_pdf=render, render_qr=qr
    )
    first = documents.pdf(D1, [D1])
    assert documents.pdf(D1, [D1]) == first and len(rendered) == 1
    # A second dose of the same person changes the table: a new rendering, the QR from cache.
    documents.pdf(D1, [D1, D2])
    assert len(rendered) == 2 and qrs == [D1.qr]
    # Revoked: new key, banner status.
    documents.pdf(D1.model_copy(update={"status": CertificateStatus.REVOKED}), [D1, D2])
    assert len(rendered) == 3 and rendered[-1].status == "REVOKED"
    keys = sorted(k for k in blobs.objects if k.startswith("pdf/"))
    assert len(keys) == 3 and all(k.startswith(f"pdf/{D1.hcid}/v1-") for k in keys)
    assert any("-REVOKED-" in k for k in keys)
    assert all("Marcia" not in k and "1984" not in k for k in blobs.objects)

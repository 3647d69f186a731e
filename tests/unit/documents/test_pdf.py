"""Certificate PDF: the QR and the Code 39 barcode decode from a 200 dpi rendering of the page."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pypdfium2 as pdfium
import pytest
import zxingcpp

from vaxcert.documents import pdf as pdf_module
from vaxcert.documents.models import CertificateDocument, DoseLine
from vaxcert.documents.pdf import qr_png, render_certificate_pdf

BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
HCID = "01HZ3K7M9QRSTV4WXY5A"
A4_PT = (595.28, 841.89)


def hc1_payload(seed: int = 7, length: int = 596) -> str:
    rng = random.Random(seed)
    return "HC1:" + "".join(rng.choice(BASE45) for _ in range(length))


PAYLOAD = hc1_payload()


def document(**changes: object) -> CertificateDocument:
    doses = [
        DoseLine(
            dose=1,
            total_doses=2,
            vaccine="Comirnaty (Pfizer-BioNTech)",
            date=date(2021, 7, 1),
            lot="FF2593",
            centre="National Arena, Kingston",
            country="JAM",
        ),
        DoseLine(
            dose=2,
            total_doses=2,
            vaccine="Comirnaty (Pfizer-BioNTech)",
            date=date(2021, 7, 29),
            lot="FE8162",
            centre="Cornwall Regional Hospital, Montego Bay",
            country="JAM",
        ),
    ]
    fields: dict[str, object] = {
        "hcid": HCID,
        "qr_payload": PAYLOAD,
        "status": "VALID",
        "issuer_name": "Ministry of Health and Wellness, Jamaica",
        "holder_name": "Zoë Marie O'Brien-Campbell",
        "date_of_birth": date(1984, 3, 9),
        "sex": "female",
        "identifier": "TRN ••••••445",
        "doses": doses,
        "this_dose": 2,
        "issued_at": datetime(2024, 5, 2, 14, 5, tzinfo=UTC),
        "valid_until": None,
        "version": 2,
        "verify_url": "https://verify.example/verify",
    }
    fields.update(changes)
    return CertificateDocument.model_validate(fields)


def page_text(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    return doc[0].get_textpage().get_text_range()


def barcodes(pdf: bytes, dpi: int = 200) -> list[zxingcpp.Barcode]:
    image = pdfium.PdfDocument(pdf)[0].render(scale=dpi / 72).to_pil()
    return zxingcpp.read_barcodes(image)


@pytest.fixture(scope="module")
def valid_pdf() -> bytes:
    return render_certificate_pdf(document())


def test_one_a4_page(valid_pdf: bytes) -> None:
    assert valid_pdf.startswith(b"%PDF-")
    doc = pdfium.PdfDocument(valid_pdf)
    assert len(doc) == 1
    width, height = doc[0].get_size()
    assert width == pytest.approx(A4_PT[0], abs=0.5)
    assert height == pytest.approx(A4_PT[1], abs=0.5)


def test_qr_decodes_to_exact_payload(valid_pdf: bytes) -> None:
    qrs = [b for b in barcodes(valid_pdf) if b.format == zxingcpp.BarcodeFormat.QRCode]
    assert [b.text for b in qrs] == [PAYLOAD]
    # Printable: >= 60 mm wide including the quiet zone, modules >= 0.5 mm.
    assert pdf_module._QR_SIZE >= 60


def test_code39_decodes_to_hcid(valid_pdf: bytes) -> None:
    codes = [b for b in barcodes(valid_pdf) if b.format == zxingcpp.BarcodeFormat.Code39]
    assert [b.text for b in codes] == [HCID]


def test_content(valid_pdf: bytes) -> None:
    text = page_text(valid_pdf)
    for expected in (
        "Ministry of Health and Wellness, Jamaica".upper(),
        "COVID-19 Vaccination Certificate",
        "WHO DDCC:VS",
        "Zoë Marie O'Brien-Campbell",
        "09 Mar 1984",
        "TRN ••••••445",
        "Comirnaty (Pfizer-BioNTech)",
        "FF2593",
        "FE8162",
        "2 of 2",
        "01HZ 3K7M 9QRS TV4W XY5A",
        "02 May 2024",
        "https://verify.example/verify",
        "verifier app",
    ):
        assert expected in text, expected
    assert "REVOKED" not in text


def test_module_size_for_paper() -> None:
    import io

    from PIL import Image

    png = qr_png(PAYLOAD)
    width_px = Image.open(io.BytesIO(png)).size[0]
    modules = width_px // pdf_module.QR_SCALE  # quiet zone included
    assert pdf_module._QR_SIZE / modules >= 0.5


@pytest.mark.parametrize(
    ("status", "banner"),
    [
        ("REVOKED", "REVOKED — NOT VALID"),
        ("SUPERSEDED", "SUPERSEDED — a corrected certificate replaces this one"),
    ],
)
def test_inactive_banner(status: str, banner: str) -> None:
    pdf = render_certificate_pdf(document(status=status))
    assert banner in page_text(pdf)
    assert len(pdfium.PdfDocument(pdf)) == 1


@pytest.mark.parametrize(
    "name",
    [
        "Zoë O'Brien",
        "Seán Ó Súilleabháin",
        "Łukasz Dvořák-Nguyễn",
        "李小龍",
        "محمد علي",
        "Ngozi\u200b\u202eEze\nLine",  # zero-width, bidi override, newline
        "👩🏽‍⚕️ Emoji",
        "X" * 160,
    ],
)
def test_any_unicode_name_renders(name: str) -> None:
    pdf = render_certificate_pdf(document(holder_name=name), qr_png=qr_png(PAYLOAD))
    assert pdf.startswith(b"%PDF-")
    assert len(pdfium.PdfDocument(pdf)) == 1


def test_unicode_name_without_any_font_file(monkeypatch: pytest.MonkeyPatch) -> None:
    # As on the Lambda runtime: no TTF anywhere, so unencodable letters fold to Windows-1252.
    monkeypatch.setattr(pdf_module, "_unicode_font_dir", lambda: None)
    pdf = render_certificate_pdf(document(holder_name="Łukasz Dvořák 李"), qr_png=qr_png(PAYLOAD))
    assert "Lukasz Dvorák ?" in page_text(pdf)  # á is in Windows-1252; ř, Ł and 李 are not


def test_pre_rendered_qr_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    other = hc1_payload(seed=99)
    png = qr_png(other)

    def must_not_run(payload: str) -> bytes:
        raise AssertionError("render_certificate_pdf made its own QR although one was given")

    monkeypatch.setattr(pdf_module, "_qr_png", must_not_run)
    pdf = render_certificate_pdf(document(), qr_png=png)
    qrs = [b.text for b in barcodes(pdf) if b.format == zxingcpp.BarcodeFormat.QRCode]
    assert qrs == [other]


def test_same_input_same_bytes() -> None:
    png = qr_png(PAYLOAD)
    assert render_certificate_pdf(document(), qr_png=png) == render_certificate_pdf(document(), qr_png=png)


def test_many_doses_stay_on_one_page() -> None:
    doses = [
        DoseLine(
            dose=n,
            total_doses=None,
            vaccine="Spikevax (Moderna)",
            date=date(2022, 1, n),
            lot=f"L{n}",
            centre=None,
            country="JAM",
        )
        for n in range(1, 10)
    ]
    pdf = render_certificate_pdf(document(doses=doses, this_dose=9, status="REVOKED"), qr_png=qr_png(PAYLOAD))
    assert len(pdfium.PdfDocument(pdf)) == 1
    assert "REVOKED — NOT VALID" in page_text(pdf)

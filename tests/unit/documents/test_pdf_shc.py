"""The certificate PDF with the SMART Health Card QR (PDF_SHC_QR): both decode, HC1 stays the main one."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pypdfium2 as pdfium
import zxingcpp
from cryptography.hazmat.primitives.asymmetric import ec

from tests.factories import example_record
from tests.signing import es256_signer
from tests.unit.documents.test_pdf import PAYLOAD, document
from vaxcert.documents.models import DoseLine
from vaxcert.documents.pdf import qr_png, render_certificate_pdf, shc_qr_png
from vaxcert.formats import shc_card

KEY = ec.generate_private_key(ec.SECP256R1())
SHC = shc_card.qr_text(
    shc_card.issue_card(
        example_record(),
        iss="https://vaxcert.example/shc",
        kid=shc_card.issuer_jwk(KEY.public_key())["kid"],
        cvx="208",
        issued_at=datetime(2021, 12, 14, tzinfo=UTC),
        sign=es256_signer(KEY),
    )
)


def _codes(pdf: bytes, page: int = 0) -> list[zxingcpp.Barcode]:
    image = pdfium.PdfDocument(pdf)[page].render(scale=200 / 72).to_pil()
    return [b for b in zxingcpp.read_barcodes(image) if b.format == zxingcpp.BarcodeFormat.QRCode]


def _width(barcode: zxingcpp.Barcode) -> int:
    p = barcode.position
    return abs(p.top_right.x - p.top_left.x)


def test_both_qr_codes_on_the_page_hc1_the_larger() -> None:
    pdf = render_certificate_pdf(
        document(shc_qr_payload=SHC), qr_png=qr_png(PAYLOAD), shc_qr_png=shc_qr_png(SHC)
    )
    assert len(pdfium.PdfDocument(pdf)) == 1
    codes = {b.text: b for b in _codes(pdf)}
    assert set(codes) == {PAYLOAD, SHC}
    assert _width(codes[PAYLOAD]) > _width(codes[SHC])
    text = pdfium.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert "SMART Health Card" in text


def test_without_a_card_the_page_is_as_before() -> None:
    pdf = render_certificate_pdf(document(), qr_png=qr_png(PAYLOAD))
    assert [b.text for b in _codes(pdf)] == [PAYLOAD]


def test_many_doses_put_the_card_on_a_second_page() -> None:
    doses = [
        DoseLine(dose=n, vaccine="Spikevax (Moderna)", date=date(2022, 1, n), lot=f"L{n}", country="JAM")
        for n in range(1, 10)
    ]
    doc = document(doses=doses, this_dose=9, shc_qr_payload=SHC)
    pdf = render_certificate_pdf(doc, qr_png=qr_png(PAYLOAD))
    assert [b.text for b in _codes(pdf, 0)] == [PAYLOAD]
    assert [b.text for b in _codes(pdf, 1)] == [SHC]

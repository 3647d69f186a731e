"""The printable certificate: one A4 page with the HC1 QR code, rendered with fpdf2 (no browser).

fpdf2 and segno are imported inside the functions: importing them costs ~180 ms of cold start, and
only the PDF path needs them. The QR is the slow step (segno, pure Python, ~15-25 ms), so it is a
separate function whose PNG callers can cache beside the PDF and pass back in.

Text: the core Helvetica font (Windows-1252, no font file, fast) for everything it can encode. A
value it cannot encode (e.g. "Dvořák", "Παπαδόπουλος", "Иванова") is drawn with DejaVu Sans (Latin
Extended, Greek, Cyrillic and more), which ships inside the package (vaxcert/documents/fonts, with its
licence) because the Lambda runtime has no fonts; it is loaded by path (`_unicode_font_dir`).
Characters that font lacks (e.g. "李"), or every unencodable character if the files were missing, become
the closest Windows-1252 letter (accents dropped) or "?". A name never makes rendering fail.
"""

from __future__ import annotations

import io
import os
import unicodedata
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from vaxcert.documents.models import CertificateDocument, DoseLine

if TYPE_CHECKING:
    from fpdf import FPDF

__all__ = ["QR_BORDER_MODULES", "QR_SCALE", "qr_png", "render_certificate_pdf", "shc_qr_png"]

QR_SCALE = 4  # pixels per module: crisp when a viewer smooths the image; ~4 ms more than scale 1
QR_BORDER_MODULES = 4  # ISO/IEC 18004 quiet zone

# Page geometry (mm). A4 portrait.
_PAGE_W, _PAGE_H = 210.0, 297.0
_MARGIN = 15.0
_CONTENT_W = _PAGE_W - 2 * _MARGIN
# QR drawn 72 mm wide including the quiet zone: HC1 payloads are QR version 16-22 at level Q
# (89-113 modules with the quiet zone), so a module is 0.64-0.8 mm; version 27 still gets 0.54 mm.
_QR_SIZE = 72.0
# Code 39: fpdf2's `w` is the wide-bar width, narrow = w / 3 -> 0.27 mm narrow bars, 5.33 w per char.
_CODE39_WIDE = 0.8

_GREEN = (0, 98, 51)  # Jamaica green, darkened for contrast with white text
_GOLD = (254, 209, 0)
_INK = (33, 37, 41)
_MUTED = (98, 106, 114)
_RULE = (206, 212, 218)
_ROW_TINT = (232, 244, 236)
_HEADER_TINT = (241, 243, 245)
_RED = (200, 16, 46)

_CORE = "helvetica"
_UNI = "vaxcert-unicode"
_CORE_ENCODING = "windows-1252"  # what fpdf2's core fonts are written with (/WinAnsiEncoding)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Letters NFKD does not decompose to ASCII.
_ASCII_FOLD = {
    "\u0142": "l",  # l with stroke
    "\u0141": "L",
    "\u0111": "d",  # d with stroke
    "\u0110": "D",
    "\u0131": "i",  # dotless i
    "\u0127": "h",  # h with stroke
    "\u0126": "H",
}

_BANNERS = {
    "REVOKED": ("REVOKED — NOT VALID", "This certificate has been revoked and must not be accepted."),
    "SUPERSEDED": (
        "SUPERSEDED — a corrected certificate replaces this one",
        "Use the newest version of this certificate; this one must not be accepted.",
    ),
}


# --- QR ---------------------------------------------------------------------------------------


def qr_png(payload: str) -> bytes:
    """PNG of the QR code for an HC1 string: error correction Q (the HC1 profile), quiet zone included.

    Slow (~15-25 ms, pure Python): cache the result with the PDF and pass it to render_certificate_pdf.
    """
    import segno

    # boost_error=False: HC1 prescribes level Q; a silently higher level would only grow the symbol.
    qr = segno.make(payload, error="q", micro=False, boost_error=False)
    out = io.BytesIO()
    qr.save(out, kind="png", scale=QR_SCALE, border=QR_BORDER_MODULES)
    return out.getvalue()


# --- text helpers -------------------------------------------------------------------------------


# The fonts the package ships (DejaVu Sans 2.37, Bitstream Vera licence: fonts/LICENSE).
PACKAGED_FONT_DIR = Path(__file__).with_name("fonts")
_FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")


@cache
def _unicode_font_dir() -> Path | None:
    """The directory of DejaVuSans.ttf and DejaVuSans-Bold.ttf: VAXCERT_PDF_FONT_DIR if set (an operator's
    own copy), else the package's own; never the system's, so the PDF is the same locally and on Lambda."""
    for directory in (os.environ.get("VAXCERT_PDF_FONT_DIR", ""), str(PACKAGED_FONT_DIR)):
        path = Path(directory) if directory else None
        if path is not None and all((path / name).is_file() for name in _FONT_FILES):
            return path
    return None


def _fold_char(ch: str) -> str:
    """Closest Windows-1252 spelling of one character, else '?'."""
    if ch in _ASCII_FOLD:
        return _ASCII_FOLD[ch]
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    try:
        base.encode(_CORE_ENCODING)
    except UnicodeEncodeError:
        return "?"
    return base or "?"


def _encodable(ch: str) -> bool:
    try:
        ch.encode(_CORE_ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def _clean(text: str) -> str:
    """NFC, and control/format characters (newlines, bidi overrides, zero-width) replaced by spaces."""
    text = unicodedata.normalize("NFC", text)
    return "".join(" " if unicodedata.category(c).startswith("C") else c for c in text).strip()


def _fmt_date(d: date) -> str:
    return f"{d.day:02d} {_MONTHS[d.month - 1]} {d.year}"  # not strftime: independent of the locale


def _utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC) if dt.tzinfo else dt


def _fmt_datetime(dt: datetime) -> str:
    if dt.tzinfo is None:
        return _fmt_date(dt)
    dt = dt.astimezone(UTC)
    return f"{_fmt_date(dt)}, {dt:%H:%M} UTC"


def _group(hcid: str, size: int = 4) -> str:
    return " ".join(hcid[i : i + size] for i in range(0, len(hcid), size))


def _dose_label(line: DoseLine) -> str:
    return f"{line.dose} of {line.total_doses}" if line.total_doses else str(line.dose)


# --- the page -----------------------------------------------------------------------------------


class _Page:
    """fpdf2 with per-string font choice, so one odd name cannot break (or slow) the whole page."""

    def __init__(self, pdf: FPDF) -> None:
        self.pdf = pdf
        self._uni_dir = _unicode_font_dir()
        self._uni_styles: set[str] = set()

    def font(self, size: float, style: Literal["", "B"] = "", family: str = _CORE) -> None:
        self.pdf.set_font(family, style, size)

    def _prepare(self, text: str) -> str:
        """Pick the font for `text` (keeping style and size) and return what can be drawn with it."""
        text = _clean(text)
        pdf = self.pdf
        style = "B" if "B" in pdf.font_style else ""
        size = pdf.font_size_pt
        if all(_encodable(c) for c in text):
            if pdf.font_family == _UNI:
                pdf.set_font(_CORE, style, size)
            return text
        if self._uni_dir is None:
            if pdf.font_family == _UNI:
                pdf.set_font(_CORE, style, size)
            return "".join(c if _encodable(c) else _fold_char(c) for c in text)
        if style not in self._uni_styles:
            name = "DejaVuSans-Bold.ttf" if style else "DejaVuSans.ttf"
            pdf.add_font(_UNI, style, str(self._uni_dir / name))
            self._uni_styles.add(style)
        pdf.set_font(_UNI, style, size)
        cmap = getattr(pdf.current_font, "cmap", {})
        return "".join(c if ord(c) in cmap or c == " " else _fold_char(c) for c in text)

    def fit(self, text: str, width: float) -> str:
        """`text` prepared for drawing and shortened with an ellipsis to fit `width` mm."""
        text = self._prepare(text)
        pdf = self.pdf
        if pdf.get_string_width(text) <= width:
            return text
        while text and pdf.get_string_width(text + "…") > width:
            text = text[:-1]
        return text.rstrip() + "…"

    def text_at(
        self,
        x: float,
        y: float,
        text: str,
        *,
        w: float = 0,
        h: float = 5,
        align: Literal["L", "C", "R"] = "L",
        fill: bool = False,
    ) -> None:
        pdf = self.pdf
        pdf.set_xy(x, y)
        width = w or (_PAGE_W - _MARGIN - x)
        pdf.cell(width, h, self.fit(text, width - 2 * pdf.c_margin), align=align, fill=fill)

    def shrink_to_fit(
        self, text: str, width: float, size: float, minimum: float, style: Literal["", "B"]
    ) -> None:
        """Set a font size at which `text` fits in `width` (down to `minimum`; `fit` truncates beyond)."""
        self.font(size, style)
        prepared = self._prepare(text)
        while size > minimum and self.pdf.get_string_width(prepared) > width:
            size -= 0.5
            self.pdf.set_font(self.pdf.font_family, style, size)

    def label_value(
        self,
        x: float,
        y: float,
        w: float,
        label: str,
        value: str,
        size: float = 11,
        color: tuple[int, int, int] = _INK,
    ) -> None:
        self.pdf.set_text_color(*_MUTED)
        self.font(7.5)
        self.text_at(x, y, label.upper(), w=w, h=4)
        self.pdf.set_text_color(*color)
        self.font(size, "B")
        self.text_at(x, y + 4, value, w=w, h=size * 0.45)
        self.pdf.set_text_color(*_INK)

    def section(self, y: float, title: str) -> None:
        pdf = self.pdf
        pdf.set_text_color(*_GREEN)
        self.font(8.5, "B")
        self.text_at(_MARGIN, y, title.upper(), h=5)
        pdf.set_draw_color(*_GREEN)
        pdf.set_line_width(0.4)
        pdf.line(_MARGIN, y + 5.5, _PAGE_W - _MARGIN, y + 5.5)


def render_certificate_pdf(
    doc: CertificateDocument, *, qr_png: bytes | None = None, shc_qr_png: bytes | None = None
) -> bytes:
    """One A4 page. Pass `qr_png` (from `qr_png(doc.qr_payload)`, cached) to skip the slow QR step, and
    `shc_qr_png` (from `shc_qr_png(doc.shc_qr_payload)`) likewise for the SMART Health Card QR."""
    from fpdf import FPDF

    png = qr_png if qr_png is not None else _qr_png(doc.qr_payload)
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.core_fonts_encoding = _CORE_ENCODING
    pdf.set_auto_page_break(False)
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.c_margin = 1.0
    pdf.set_title(f"COVID-19 Vaccination Certificate {doc.hcid}")
    pdf.set_author(_fold_ascii(doc.issuer_name))
    pdf.set_subject("WHO DDCC:VS COVID-19 vaccination certificate (EU DCC / HC1)")
    pdf.set_creator("vaxcert")
    pdf.set_creation_date(doc.issued_at)  # same input, same bytes: the PDF can be cached and ETagged
    pdf.add_page()
    page = _Page(pdf)
    inactive = doc.status != "VALID"

    y = _header(page, doc)
    if inactive:
        y = _banner(page, doc.status, y)
    y = _holder_and_qr(page, doc, png, y + 6, crossed=inactive)
    y = _doses(page, doc, y + 6)
    y = _certificate(page, doc, y + 6)
    _footer(page, doc)
    if inactive:
        _watermark(page, doc.status)  # last, so it lies over the QR and the table too
    if doc.shc_qr_payload:
        shc_png = shc_qr_png if shc_qr_png is not None else _shc_qr_png(doc.shc_qr_payload)
        _health_card(page, shc_png, y + 1, crossed=inactive)
    return bytes(pdf.output())


_qr_png = qr_png  # render_certificate_pdf's keyword argument shadows the function


def shc_qr_png(payload: str) -> bytes:
    """PNG of a SMART Health Card QR (`shc:/` byte + numeric segments, level L, as the spec sizes it)."""
    from vaxcert.formats.shc_card import qr_code

    out = io.BytesIO()
    qr_code(payload).save(out, kind="png", scale=QR_SCALE, border=QR_BORDER_MODULES)
    return out.getvalue()


_shc_qr_png = shc_qr_png


def _fold_ascii(text: str) -> str:
    return "".join(c if _encodable(c) else _fold_char(c) for c in _clean(text))


def _header(page: _Page, doc: CertificateDocument) -> float:
    pdf = page.pdf
    pdf.set_fill_color(*_GREEN)
    pdf.rect(0, 0, _PAGE_W, 38, "F")
    pdf.set_fill_color(*_GOLD)
    pdf.rect(0, 38, _PAGE_W, 1.6, "F")

    pdf.set_text_color(255, 255, 255)
    page.font(10, "B")
    page.text_at(_MARGIN, 9, doc.issuer_name.upper(), w=130, h=5)
    page.font(21, "B")
    page.text_at(_MARGIN, 16, "COVID-19 Vaccination Certificate", w=140, h=10)
    page.font(8)
    page.text_at(
        _MARGIN, 27, "Digital Documentation of COVID-19 Certificates: Vaccination Status", w=140, h=4
    )

    # Standard badge, top right.
    bx, bw = _PAGE_W - _MARGIN - 34, 34
    pdf.set_draw_color(255, 255, 255)
    pdf.set_line_width(0.5)
    pdf.rect(bx, 10, bw, 19, "D")
    page.font(11, "B")
    page.text_at(bx, 12.5, "WHO DDCC:VS", w=bw, h=6, align="C")
    page.font(7)
    page.text_at(bx, 19, "EU DCC compatible", w=bw, h=3.5, align="C")
    page.text_at(bx, 22.5, "HC1 QR code", w=bw, h=3.5, align="C")
    pdf.set_text_color(*_INK)
    return 39.6


def _banner(page: _Page, status: str, y: float) -> float:
    pdf = page.pdf
    title, detail = _BANNERS[status]
    top = y + 5
    pdf.set_fill_color(*_RED)
    pdf.rect(_MARGIN, top, _CONTENT_W, 20, "F")
    pdf.set_text_color(255, 255, 255)
    page.font(20 if status == "REVOKED" else 13.5, "B")
    page.text_at(_MARGIN, top + 2.5, title, w=_CONTENT_W, h=9, align="C")
    page.font(9)
    page.text_at(_MARGIN, top + 12.5, detail, w=_CONTENT_W, h=5, align="C")
    pdf.set_text_color(*_INK)
    return top + 20


def _watermark(page: _Page, status: str) -> None:
    pdf = page.pdf
    word = "REVOKED" if status == "REVOKED" else "SUPERSEDED"
    page.font(100 if status == "REVOKED" else 76, "B")
    cx, cy = _PAGE_W / 2, _PAGE_H / 2 + 10
    with pdf.local_context(fill_opacity=0.12, text_color=_RED), pdf.rotation(angle=50, x=cx, y=cy):
        width = pdf.get_string_width(word)
        pdf.text(cx - width / 2, cy + 12, word)


def _holder_and_qr(page: _Page, doc: CertificateDocument, png: bytes, y: float, *, crossed: bool) -> float:
    pdf = page.pdf
    qx = _PAGE_W - _MARGIN - _QR_SIZE
    left_w = qx - _MARGIN - 6

    page.section(y, "Certificate holder")
    ty = y + 10
    pdf.set_text_color(*_MUTED)
    page.font(7.5)
    page.text_at(_MARGIN, ty, "NAME", w=left_w, h=4)
    pdf.set_text_color(*_INK)
    page.shrink_to_fit(doc.holder_name, left_w - 2, 17, 10, "B")
    page.text_at(_MARGIN, ty + 4.5, doc.holder_name, w=left_w, h=8)

    ty += 17
    half = left_w / 2
    page.label_value(_MARGIN, ty, half, "Date of birth", _fmt_date(doc.date_of_birth))
    page.label_value(_MARGIN + half, ty, half, "Sex", (doc.sex or "Not stated").capitalize())
    ty += 14
    page.label_value(_MARGIN, ty, left_w, "Identifier", doc.identifier or "Not stated")
    ty += 14
    this = next((d for d in doc.doses if d.dose == doc.this_dose), None)
    qr_for = f"Dose {_dose_label(this)}" if this else f"Dose {doc.this_dose}"
    if this:
        qr_for += f", {_fmt_date(this.date)}"
    page.label_value(_MARGIN, ty, left_w, "QR code attests", qr_for)

    # QR (image includes its quiet zone), framed lightly so the quiet zone stays white.
    qy = y + 8
    pdf.image(io.BytesIO(png), x=qx, y=qy, w=_QR_SIZE, h=_QR_SIZE)
    pdf.set_draw_color(*_RULE)
    pdf.set_line_width(0.2)
    pdf.rect(qx, qy, _QR_SIZE, _QR_SIZE, "D")
    if crossed:
        pdf.set_draw_color(*_RED)
        pdf.set_line_width(1.6)
        pdf.line(qx + 3, qy + 3, qx + _QR_SIZE - 3, qy + _QR_SIZE - 3)
        pdf.line(qx + 3, qy + _QR_SIZE - 3, qx + _QR_SIZE - 3, qy + 3)
    pdf.set_text_color(*_MUTED)
    page.font(7.5)
    page.text_at(qx, qy + _QR_SIZE + 1, "Scan with an EU DCC / WHO DDCC verifier", w=_QR_SIZE, h=4, align="C")
    pdf.set_text_color(*_INK)
    return max(ty + 12, qy + _QR_SIZE + 5)


_COLUMNS: tuple[tuple[str, float, Literal["L", "C", "R"]], ...] = (
    ("Dose", 16, "L"),
    ("Vaccine", 47, "L"),
    ("Date", 22, "L"),
    ("Lot", 22, "L"),
    ("Vaccination centre", 57, "L"),
    ("Country", 16, "L"),
)


def _doses(page: _Page, doc: CertificateDocument, y: float) -> float:
    pdf = page.pdf
    page.section(y, "Vaccination record")
    y += 8
    # At most 9 doses (DDCC:VS dose <= 9); shrink rows rather than spill onto a second page.
    row_h = 7.0 if len(doc.doses) <= 7 else max(4.5, 52 / max(len(doc.doses), 1))
    pdf.set_fill_color(*_HEADER_TINT)
    pdf.rect(_MARGIN, y, _CONTENT_W, 6, "F")
    pdf.set_text_color(*_MUTED)
    page.font(7.5, "B")
    x = _MARGIN
    for title, width, align in _COLUMNS:
        page.text_at(x, y, title.upper(), w=width, h=6, align=align)
        x += width
    y += 6
    pdf.set_draw_color(*_RULE)
    pdf.set_line_width(0.2)
    for line in doc.doses:
        current = line.dose == doc.this_dose
        if current:
            pdf.set_fill_color(*_ROW_TINT)
            pdf.rect(_MARGIN, y, _CONTENT_W, row_h, "F")
            pdf.set_fill_color(*_GREEN)
            pdf.rect(_MARGIN, y, 1.0, row_h, "F")
        pdf.set_text_color(*_INK)
        cells = (
            _dose_label(line),
            line.vaccine,
            _fmt_date(line.date),
            line.lot,
            line.centre or "—",
            line.country,
        )
        x = _MARGIN
        for (_, width, align), value in zip(_COLUMNS, cells, strict=True):
            page.font(9, "B" if current else "")
            page.text_at(x + (1.5 if x == _MARGIN else 0), y, value, w=width, h=row_h, align=align)
            x += width
        pdf.line(_MARGIN, y + row_h, _PAGE_W - _MARGIN, y + row_h)
        y += row_h
    if not doc.doses:
        pdf.set_text_color(*_MUTED)
        page.font(9)
        page.text_at(_MARGIN, y, "No vaccination recorded.", h=row_h)
        y += row_h
    pdf.set_text_color(*_MUTED)
    page.font(7)
    page.text_at(_MARGIN, y + 1, "Highlighted: the dose this certificate's QR code attests.", h=4)
    pdf.set_text_color(*_INK)
    return y + 5


def _certificate(page: _Page, doc: CertificateDocument, y: float) -> float:
    pdf = page.pdf
    page.section(y, "Certificate")
    y += 10
    pdf.set_text_color(*_MUTED)
    page.font(7.5)
    page.text_at(_MARGIN, y, "CERTIFICATE ID (HCID)", w=100, h=4)
    pdf.set_text_color(*_INK)
    page.font(14, "B", family="courier")
    pdf.set_xy(_MARGIN, y + 4.5)
    pdf.cell(110, 7, _group(doc.hcid))
    # 1D barcode of the HCID (DDCC:VS: "printable as a 1D barcode"); quiet zone left of it = margin.
    pdf.set_fill_color(0, 0, 0)
    pdf.code39(f"*{doc.hcid}*", x=_MARGIN + 1, y=y + 13, w=_CODE39_WIDE, h=13)

    rx, rw = _PAGE_W - _MARGIN - 72, 72
    page.label_value(rx, y, rw, "Issued by", doc.issuer_name, size=9)
    page.label_value(rx, y + 11, rw / 2, "Issued on", _fmt_date(_utc(doc.issued_at)), size=9)
    page.label_value(rx + rw / 2, y + 11, rw / 2, "Version", str(doc.version), size=9)
    valid = _fmt_date(doc.valid_until) if doc.valid_until else "No expiry date"
    page.label_value(rx, y + 22, rw / 2, "Valid until", valid, size=9)
    status_color = _GREEN if doc.status == "VALID" else _RED
    page.label_value(
        rx + rw / 2, y + 22, rw / 2, "Status", doc.status.capitalize(), size=9, color=status_color
    )
    return y + 34


# The SMART Health Card QR: second to the HC1 (version ~19 at level L: 0.45 mm a module at 46 mm).
_SHC_QR_SIZE = 46.0
_SHC_QR_MIN = 36.0


def _health_card(page: _Page, png: bytes, y: float, *, crossed: bool) -> None:
    pdf = page.pdf
    size = min(_SHC_QR_SIZE, _PAGE_H - 31 - (y + 7))  # above the footer
    if size < _SHC_QR_MIN:  # many doses or a banner left no room: its own page, not an unreadable code
        pdf.add_page()
        y, size = _MARGIN, _SHC_QR_SIZE
    page.section(y, "SMART Health Card")
    qx, qy = _PAGE_W - _MARGIN - size, y + 7
    pdf.image(io.BytesIO(png), x=qx, y=qy, w=size, h=size)
    pdf.set_draw_color(*_RULE)
    pdf.set_line_width(0.2)
    pdf.rect(qx, qy, size, size, "D")
    if crossed:
        pdf.set_draw_color(*_RED)
        pdf.set_line_width(1.2)
        pdf.line(qx + 2, qy + 2, qx + size - 2, qy + size - 2)
        pdf.line(qx + 2, qy + size - 2, qx + size - 2, qy + 2)
    pdf.set_text_color(*_INK)
    page.font(9)
    lines = (
        "The same certificate as a SMART Health Card, for health wallet apps",
        "and for verifiers that read SMART Health Cards (used in the US and Canada).",
        "The QR code above is the main one: use it wherever an EU DCC / WHO DDCC",
        "certificate is accepted.",
    )
    for i, line in enumerate(lines):
        page.text_at(_MARGIN, qy + 2 + i * 5, line, w=qx - _MARGIN - 4, h=5)


def _footer(page: _Page, doc: CertificateDocument) -> None:
    pdf = page.pdf
    y = _PAGE_H - 30
    pdf.set_draw_color(*_RULE)
    pdf.set_line_width(0.3)
    pdf.line(_MARGIN, y, _PAGE_W - _MARGIN, y)
    pdf.set_text_color(*_INK)
    page.font(8.5, "B")
    page.text_at(_MARGIN, y + 2.5, "How to verify", h=4.5)
    page.font(8.5)
    page.text_at(
        _MARGIN,
        y + 7,
        "Scan the QR code with any EU DCC / WHO DDCC verifier app or open " + doc.verify_url,
        h=4.5,
    )
    pdf.set_text_color(*_MUTED)
    page.font(7)
    page.text_at(
        _MARGIN,
        y + 13,
        "This certificate is signed electronically and is valid without a signature or stamp. "
        "It records vaccination against COVID-19;",
        h=3.5,
    )
    page.text_at(
        _MARGIN,
        y + 16.5,
        "it is not proof of immunity. The QR code is authoritative: a verifier shows the details it holds.",
        h=3.5,
    )
    page.text_at(
        _MARGIN,
        y + 22,
        f"{_group(doc.hcid)}  ·  version {doc.version}  ·  issued {_fmt_datetime(doc.issued_at)}",
        h=3.5,
    )

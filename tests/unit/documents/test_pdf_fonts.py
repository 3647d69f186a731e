"""The PDF's fonts ship with the package (the Lambda runtime has none): names in Latin Extended, Greek
and Cyrillic keep every letter with every system font hidden, and the PDF's text says so."""

from __future__ import annotations

import builtins
import os
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from tests.unit.documents.test_pdf import PAYLOAD, document
from vaxcert.documents import pdf as pdf_module
from vaxcert.documents.pdf import PACKAGED_FONT_DIR, qr_png, render_certificate_pdf

NAMES = [
    "Antonín Dvořák",  # Latin Extended-A
    "Łukasz Żółć-Nguyễn",  # Latin Extended-A and Additional
    "Γεώργιος Παπαδόπουλος",  # Greek
    "Наталья Иванова",  # Cyrillic
    "Şükrü Çağlar",  # Turkish
]
SYSTEM_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", str(Path.home() / ".fonts"), "/opt/fonts")


@pytest.fixture
def no_system_fonts(monkeypatch: pytest.MonkeyPatch):
    """Every font directory of the machine looks empty and cannot be opened, as on Lambda."""

    def hidden(path: object) -> bool:
        text = os.fspath(path) if isinstance(path, str | os.PathLike) else ""
        return any(str(text).startswith(d) for d in SYSTEM_FONT_DIRS) or "matplotlib" in str(text)

    real_open, real_is_file, real_exists = builtins.open, Path.is_file, os.path.exists

    def guarded_open(file, *args, **kwargs):
        if hidden(file):
            raise FileNotFoundError(file)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(Path, "is_file", lambda self: not hidden(self) and real_is_file(self))
    monkeypatch.setattr(os.path, "exists", lambda p: not hidden(p) and real_exists(p))
    monkeypatch.delenv("VAXCERT_PDF_FONT_DIR", raising=False)
    pdf_module._unicode_font_dir.cache_clear()
    yield
    pdf_module._unicode_font_dir.cache_clear()


def _text(pdf: bytes) -> str:
    page = pdfium.PdfDocument(pdf)[0]
    return page.get_textpage().get_text_range()


def test_the_package_ships_the_fonts_and_their_licence() -> None:
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        assert (PACKAGED_FONT_DIR / name).stat().st_size > 500_000
    assert "Bitstream Vera" in (PACKAGED_FONT_DIR / "LICENSE").read_text()


@pytest.mark.usefixtures("no_system_fonts")
@pytest.mark.parametrize("name", NAMES)
def test_names_in_several_scripts_keep_every_letter(name: str) -> None:
    assert pdf_module._unicode_font_dir() == PACKAGED_FONT_DIR
    pdf = render_certificate_pdf(document(holder_name=name), qr_png=qr_png(PAYLOAD))
    text = _text(pdf)
    assert name in text, text


@pytest.mark.usefixtures("no_system_fonts")
def test_a_character_no_shipped_font_has_still_renders() -> None:
    pdf = render_certificate_pdf(document(holder_name="Dvořák 李"), qr_png=qr_png(PAYLOAD))
    assert "Dvořák ?" in _text(pdf)


def test_an_operator_may_point_at_other_font_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        (tmp_path / name).write_bytes((PACKAGED_FONT_DIR / name).read_bytes())
    monkeypatch.setenv("VAXCERT_PDF_FONT_DIR", str(tmp_path))
    pdf_module._unicode_font_dir.cache_clear()
    try:
        assert pdf_module._unicode_font_dir() == tmp_path
    finally:
        pdf_module._unicode_font_dir.cache_clear()

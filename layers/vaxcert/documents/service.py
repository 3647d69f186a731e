"""Certificate PDFs: rendered on first request, cached in the artefacts bucket.

The cache key names the certificate (hcid) and a fingerprint of everything drawn on the page
(status, version, every dose of the person, the QR payload, the layout version), so a revoked or
superseded certificate, a new dose of the same person, or a layout change all get a fresh
rendering, while repeated downloads cost one S3 GET. The QR PNG (the slow step) is cached on its
own, keyed by the payload. Keys hold the hcid and hashes only: no personal data in object names.

fpdf2/segno are imported only when something must actually be rendered (cold-start cost).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from vaxcert.catalogue import Catalogue
from vaxcert.documents.models import CertificateDocument, DoseLine
from vaxcert.documents.people import vaccine_name
from vaxcert.formats.shc_card import qr_text_if_one_chunk
from vaxcert.types.certificate import Certificate, CertificateStatus

LAYOUT_VERSION = "2"  # bump when documents/pdf.py changes what it draws


class BlobStore(Protocol):
    def get(self, key: str) -> bytes | None: ...

    def put(self, key: str, data: bytes, content_type: str) -> None: ...


def mask_identifier(kind: str, value: str) -> str:
    """ "TRN 112233445" -> "TRN ••••••445": enough to tell documents apart, not to reuse the number."""
    value = value.strip()
    shown = value[-3:] if len(value) > 4 else ""
    return f"{kind} {'•' * max(len(value) - len(shown), 3)}{shown}"


def dose_certificates(certificate: Certificate, others: list[Certificate]) -> list[Certificate]:
    """The certificates whose doses this certificate's PDF lists: its own, plus the other current
    certificates linked to it by person keys (`others` from documents.people.linked_certificates,
    which follows the keys transitively), one per dose."""
    chosen: dict[tuple[int, str], Certificate] = {}
    for c in [certificate, *others]:
        # Superseded versions are replaced by their correction (which is linked too); a revoked
        # certificate's dose is not vouched for.
        other = c.hcid != certificate.hcid
        if other and c.status is not CertificateStatus.VALID:
            continue
        v = c.record.vaccination
        key = (v.dose, v.date.isoformat())
        if key not in chosen or c.hcid == certificate.hcid:
            chosen[key] = c
    return list(chosen.values())


def dose_lines(certificate: Certificate, others: list[Certificate], catalogue: Catalogue) -> list[DoseLine]:
    """Every dose of this certificate's person: its own, plus the linked certificates' doses."""
    lines = [
        DoseLine(
            dose=c.record.vaccination.dose,
            total_doses=c.record.vaccination.total_doses,
            vaccine=vaccine_name(c, catalogue),
            date=c.record.vaccination.date,
            lot=c.record.vaccination.lot,
            centre=c.record.vaccination.centre,
            country=c.record.vaccination.country,
        )
        for c in dose_certificates(certificate, others)
    ]
    return sorted(lines, key=lambda d: (d.date, d.dose))


def build_document(
    certificate: Certificate,
    others: list[Certificate],
    *,
    catalogue: Catalogue,
    issuer_name: str,
    verify_url: str,
    shc_qr: bool = True,
) -> CertificateDocument:
    person = certificate.record.person
    return CertificateDocument(
        hcid=certificate.hcid,
        qr_payload=certificate.qr,
        shc_qr_payload=qr_text_if_one_chunk(certificate.shc) if shc_qr and certificate.shc else None,
        status=certificate.status.value,
        issuer_name=issuer_name,
        holder_name=person.name,
        date_of_birth=person.birth_date,
        sex=person.sex,
        identifier=mask_identifier(person.identifier.type, person.identifier.value)
        if person.identifier
        else None,
        doses=dose_lines(certificate, others, catalogue),
        this_dose=certificate.record.vaccination.dose,
        issued_at=certificate.issued_at,
        valid_until=certificate.expires_at,
        version=certificate.version,
        verify_url=verify_url,
    )


@dataclass
class CertificateDocuments:
    blobs: BlobStore
    catalogue: Catalogue
    issuer_name: str
    verify_url: str
    render_pdf: Callable[[CertificateDocument, bytes, bytes | None], bytes] | None = None
    render_qr: Callable[[str], bytes] | None = None
    render_shc_qr: Callable[[str], bytes] | None = None
    shc_qr: bool = True  # settings.pdf_shc_qr: the SMART Health Card QR on the page too

    def pdf(self, certificate: Certificate, others: list[Certificate]) -> bytes:
        """The PDF of `certificate`; `others`: certificates linked to it (people.linked_certificates)."""
        doc = build_document(
            certificate,
            others,
            catalogue=self.catalogue,
            issuer_name=self.issuer_name,
            verify_url=self.verify_url,
            shc_qr=self.shc_qr,
        )
        fingerprint = _sha256(f"{LAYOUT_VERSION}\n{doc.model_dump_json()}")[:24]
        key = f"pdf/{certificate.hcid}/v{certificate.version}-{certificate.status.value}-{fingerprint}.pdf"
        cached = self.blobs.get(key)
        if cached is not None:
            return cached
        shc_png = self._shc_qr(certificate.hcid, doc.shc_qr_payload) if doc.shc_qr_payload else None
        pdf = self._render(doc, self._qr(certificate), shc_png)
        self.blobs.put(key, pdf, "application/pdf")
        return pdf

    def _qr(self, certificate: Certificate) -> bytes:
        key = f"qr/{certificate.hcid}/{_sha256(certificate.qr)[:24]}.png"
        cached = self.blobs.get(key)
        if cached is not None:
            return cached
        if self.render_qr is None:
            from vaxcert.documents.pdf import qr_png

            self.render_qr = qr_png
        png = self.render_qr(certificate.qr)
        self.blobs.put(key, png, "image/png")
        return png

    def _shc_qr(self, hcid: str, payload: str) -> bytes:
        key = f"qr/{hcid}/shc-{_sha256(payload)[:24]}.png"
        cached = self.blobs.get(key)
        if cached is not None:
            return cached
        if self.render_shc_qr is None:
            from vaxcert.documents.pdf import shc_qr_png

            self.render_shc_qr = shc_qr_png
        png = self.render_shc_qr(payload)
        self.blobs.put(key, png, "image/png")
        return png

    def _render(self, doc: CertificateDocument, png: bytes, shc_png: bytes | None) -> bytes:
        if self.render_pdf is None:
            from vaxcert.documents.pdf import render_certificate_pdf

            self.render_pdf = lambda d, p, s: render_certificate_pdf(d, qr_png=p, shc_qr_png=s)
        return self.render_pdf(doc, png, shc_png)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()

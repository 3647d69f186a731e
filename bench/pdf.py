"""pdf_p50_ms (cached QR PNG) and pdf_with_qr_p50_ms (QR generated too) for the example certificate."""

from __future__ import annotations

from typing import Any

from bench.common import log, median, rounded, time_calls
from bench.issue import local_signer, sign_example
from vaxcert.catalogue import load_catalogue
from vaxcert.documents.models import CertificateDocument, DoseLine
from vaxcert.documents.pdf import qr_png, render_certificate_pdf


def example_document() -> CertificateDocument:
    certificate = sign_example(local_signer())
    person, v = certificate.record.person, certificate.record.vaccination
    product = load_catalogue().find(certificate.vaccine_key)
    identifier = person.identifier
    return CertificateDocument(
        hcid=certificate.hcid,
        qr_payload=certificate.qr,
        status="VALID",
        issuer_name=certificate.record.certificate.issuer,
        holder_name=person.name,
        date_of_birth=person.birth_date,
        sex=person.sex,
        identifier=f"{identifier.type} ••••••{identifier.value[-3:]}" if identifier else None,
        doses=[
            DoseLine(
                dose=v.dose,
                total_doses=v.total_doses,
                vaccine=product.display if product else (v.brand.display or v.brand.code),
                date=v.date,
                lot=v.lot,
                centre=v.centre,
                country=v.country,
            )
        ],
        this_dose=v.dose,
        issued_at=certificate.issued_at,
        valid_until=certificate.expires_at,
        version=certificate.version,
        verify_url="https://verify.example/verify",
    )


def run(iterations: int = 60) -> dict[str, Any]:
    log(f"pdf: {iterations} renderings with a cached QR PNG, {iterations} with QR generation")
    doc = example_document()
    png = qr_png(doc.qr_payload)
    render_certificate_pdf(doc, qr_png=png)  # imports fpdf2, loads fonts
    cached = time_calls(lambda: render_certificate_pdf(doc, qr_png=png), iterations)
    with_qr = time_calls(lambda: render_certificate_pdf(doc), iterations)
    qr_only = time_calls(lambda: qr_png(doc.qr_payload), iterations)
    return {
        "pdf_p50_ms": rounded(median(cached) * 1e3, 2),
        "pdf_with_qr_p50_ms": rounded(median(with_qr) * 1e3, 2),
        "qr_png_p50_ms": rounded(median(qr_only) * 1e3, 2),
        "pdf_bytes": len(render_certificate_pdf(doc, qr_png=png)),
        "qr_png_bytes": len(png),
        "pdf_iterations": iterations,
    }

"""DIVOC QR decoder: ``B64:`` + base64 of a zip holding ``certificate.json`` (a W3C verifiable credential).

Decoding only: DIVOC signs with Ed25519/RSA linked-data proofs whose keys we do not hold, so the verifier
reports these as UNKNOWN_ISSUER.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import zipfile
from typing import Any

from vaxcert.formats.errors import PayloadError
from vaxcert.formats.summary import CertificateContent, day, integer, mapping, text

PREFIX = "B64:"
_MAX_UNZIPPED = 256 * 1024  # a zip bomb in a QR code is still a zip bomb


def decode_divoc(qr_text: str) -> dict[str, Any]:
    """The certificate.json of a DIVOC QR; PayloadError when it is not one."""
    qr_text = qr_text.strip()
    if not qr_text.startswith(PREFIX):
        raise PayloadError("not a DIVOC B64: string")
    try:
        data = base64.b64decode(qr_text[len(PREFIX) :], validate=True)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("certificate.json")
            if info.file_size > _MAX_UNZIPPED:
                raise PayloadError("certificate.json too large")
            with archive.open(info) as member:
                document = json.loads(member.read(_MAX_UNZIPPED + 1))
    except PayloadError:
        raise
    except (binascii.Error, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise PayloadError(f"not a DIVOC certificate: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("credentialSubject"), dict):
        raise PayloadError("certificate.json has no credentialSubject")
    return document


def divoc_content(document: dict[str, Any]) -> CertificateContent:
    subject = mapping(document.get("credentialSubject"))
    evidence = document.get("evidence")
    latest = mapping(evidence[-1]) if isinstance(evidence, list) and evidence else {}
    address = mapping(mapping(latest.get("facility")).get("address"))
    return CertificateContent(
        format="DIVOC",
        issuer=text(document.get("issuer")),
        name=text(subject.get("name")),
        date_of_birth=day(subject.get("dob")),
        hcid=text(latest.get("certificateId")),
        vaccine=text(latest.get("vaccine")),
        dose=integer(latest.get("dose")),
        total_doses=integer(latest.get("totalDoses")),
        date=day(latest.get("date")),
        country=text(address.get("addressCountry")),
    )

"""SMART Health Card QR decoder: ``shc:/`` + two digits per JWS character, JWS payload raw-DEFLATEd.

Decoding only; a card verifies only with its issuer's key (``<iss>/.well-known/jwks.json``), which an
offline verifier without that key reports as UNKNOWN_ISSUER.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from dataclasses import dataclass
from typing import Any

from vaxcert.formats.errors import PayloadError
from vaxcert.formats.summary import CertificateContent, content, day, mapping, text

PREFIX = "shc:/"
# CVX vaccine codes seen on SMART Health Cards, to readable names.
CVX_NAMES = {
    "207": "Spikevax (Moderna)",
    "208": "Comirnaty (Pfizer-BioNTech)",
    "210": "Vaxzevria (AstraZeneca)",
    "211": "Nuvaxovid (Novavax)",
    "212": "COVID-19 Vaccine Janssen",
    "213": "COVID-19 vaccine, unspecified",
    "217": "Comirnaty (Pfizer-BioNTech)",
    "218": "Comirnaty (Pfizer-BioNTech), pediatric",
    "221": "Spikevax (Moderna)",
    "228": "Spikevax (Moderna), pediatric",
    "300": "Comirnaty bivalent (Pfizer-BioNTech)",
    "301": "Comirnaty bivalent (Pfizer-BioNTech)",
}


@dataclass(frozen=True)
class SmartHealthCard:
    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes  # what the ES256 signature covers: "<header b64>.<payload b64>"
    signature: bytes  # raw r||s

    @property
    def kid(self) -> str | None:
        kid = self.header.get("kid")
        return kid if isinstance(kid, str) else None


def _b64url(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def decode_shc(qr_text: str) -> SmartHealthCard:
    qr_text = qr_text.strip()
    if not qr_text.startswith(PREFIX):
        raise PayloadError("not a shc:/ string")
    digits = qr_text[len(PREFIX) :]
    if "/" in digits:
        raise PayloadError("chunked SMART Health Cards (several QR codes) are not supported")
    if len(digits) % 2 or not digits.isdigit():
        raise PayloadError("shc:/ content must be pairs of digits")
    jws = "".join(chr(int(digits[i : i + 2]) + 45) for i in range(0, len(digits), 2))
    parts = jws.split(".")
    if len(parts) != 3:
        raise PayloadError("not a compact JWS")
    try:
        header = json.loads(_b64url(parts[0]))
        raw = _b64url(parts[1])
        if isinstance(header, dict) and header.get("zip") == "DEF":
            raw = zlib.decompress(raw, -15)
        payload = json.loads(raw)
        signature = _b64url(parts[2])
    except (binascii.Error, zlib.error, ValueError) as exc:
        raise PayloadError(f"not a SMART Health Card: {exc}") from exc
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise PayloadError("JWS header and payload must be JSON objects")
    return SmartHealthCard(header, payload, f"{parts[0]}.{parts[1]}".encode(), signature)


def shc_content(card: SmartHealthCard) -> CertificateContent:
    bundle = mapping(mapping(mapping(card.payload.get("vc")).get("credentialSubject")).get("fhirBundle"))
    entries = bundle.get("entry")
    resources = [mapping(mapping(e).get("resource")) for e in (entries if isinstance(entries, list) else [])]
    patient: dict[str, Any] = next((r for r in resources if r.get("resourceType") == "Patient"), {})
    immunizations = [r for r in resources if r.get("resourceType") == "Immunization"]
    immunizations.sort(key=lambda r: str(r.get("occurrenceDateTime", "")))
    latest = immunizations[-1] if immunizations else {}
    cvx = None
    codings = mapping(latest.get("vaccineCode")).get("coding")
    for coding in codings if isinstance(codings, list) else []:
        if isinstance(coding, dict) and coding.get("code"):
            cvx = str(coding["code"])
            break
    return content(
        name=_fhir_name(patient.get("name")),
        date_of_birth=day(patient.get("birthDate")),
        vaccine=CVX_NAMES.get(cvx, f"CVX {cvx}") if cvx else None,
        dose=len(immunizations) or None,  # SHC has no dose number: count the doses on the card
        date=day(latest.get("occurrenceDateTime")),
    )


def _fhir_name(names: Any) -> str | None:
    if not isinstance(names, list) or not names or not isinstance(names[0], dict):
        return None
    given = [g for g in names[0].get("given") or [] if isinstance(g, str)]
    family = names[0].get("family")
    return text(" ".join([*given, family if isinstance(family, str) else ""]))

"""SMART Health Cards: ``shc:/`` + two digits per JWS character; JWS ES256 with a raw-DEFLATEd payload.

A card verifies with its issuer's key: the JWK whose ``kid`` (RFC 7638 thumbprint) the JWS header names,
published at ``<iss>/.well-known/jwks.json`` and trusted here by import (framework ``shc``, under the
``iss`` URL). Chunked cards (``shc:/1/2/...``, ``shc:/2/2/...``) are accepted when every chunk is in the
text, one per line (or separated by spaces), in any order.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from vaxcert.formats.decoded import DecodedCertificate, KeyRequest, Signer, from_timestamp
from vaxcert.formats.errors import PayloadError
from vaxcert.formats.summary import CertificateContent, content, day, mapping, text

PREFIX = "shc:/"
_MAX_INFLATED = 256 * 1024
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


def _digits(qr_text: str) -> str:
    """The numeric JWS of one QR, or of every chunk of a chunked card joined in order."""
    parts = qr_text.split()
    if not parts or not all(p.startswith(PREFIX) for p in parts):
        raise PayloadError("not a shc:/ string")
    if len(parts) == 1 and "/" not in parts[0][len(PREFIX) :]:
        return parts[0][len(PREFIX) :]
    chunks: dict[int, str] = {}
    total = None
    for part in parts:
        fields = part[len(PREFIX) :].split("/")
        if len(fields) != 3 or not fields[0].isdigit() or not fields[1].isdigit():
            raise PayloadError("a chunked SMART Health Card QR reads shc:/<n>/<total>/<digits>")
        index, count = int(fields[0]), int(fields[1])
        if total not in (None, count) or not 1 <= index <= count or index in chunks:
            raise PayloadError("chunks of different cards, or a chunk twice")
        total = count
        chunks[index] = fields[2]
    if total is None or len(chunks) != total:
        raise PayloadError(
            f"chunked SMART Health Card: {len(chunks)} of {total} QR codes read; scan every one"
        )
    return "".join(chunks[i] for i in range(1, total + 1))


def decode_shc(qr_text: str) -> SmartHealthCard:
    digits = _digits(qr_text.strip())
    if len(digits) % 2 or not (digits.isascii() and digits.isdigit()):
        raise PayloadError("shc:/ content must be pairs of digits")
    # Two digits per character: chr(10 * tens + ones + 45), on bytes (4x faster than int() per pair).
    raw = digits.encode()
    jws = bytes([t * 10 + o - 483 for t, o in zip(raw[0::2], raw[1::2], strict=True)]).decode("latin-1")
    parts = jws.split(".")
    if len(parts) != 3:
        raise PayloadError("not a compact JWS")
    try:
        header = json.loads(_b64url(parts[0]))
        raw = _b64url(parts[1])
        if isinstance(header, dict) and header.get("zip") == "DEF":
            inflater = zlib.decompressobj(-15)
            raw = inflater.decompress(raw, _MAX_INFLATED)
            if inflater.unconsumed_tail:
                raise PayloadError("payload inflates beyond 256 KB")
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


def encode_shc(jws: str, *, max_chunk: int = 1195) -> list[str]:
    """QR texts for a compact JWS: one ``shc:/<digits>`` or balanced chunks ``shc:/<n>/<total>/<digits>``."""
    if len(jws) <= max_chunk:
        return [PREFIX + "".join(f"{ord(c) - 45:02d}" for c in jws)]
    count = -(-len(jws) // max_chunk)
    size = -(-len(jws) // count)
    pieces = [jws[i : i + size] for i in range(0, len(jws), size)]
    return [
        f"{PREFIX}{n}/{count}/" + "".join(f"{ord(c) - 45:02d}" for c in piece)
        for n, piece in enumerate(pieces, 1)
    ]


# --- verification: the engine's view of a SMART Health Card ---


def verify_es256(card: SmartHealthCard, public_key: Any) -> bool:
    if card.header.get("alg") != "ES256" or len(card.signature) != 64:
        return False
    if not isinstance(public_key, ec.EllipticCurvePublicKey) or public_key.curve.name != "secp256r1":
        return False
    der = encode_dss_signature(
        int.from_bytes(card.signature[:32], "big"), int.from_bytes(card.signature[32:], "big")
    )
    try:
        public_key.verify(der, card.signing_input, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def shc_certificate(qr_text: str) -> DecodedCertificate:
    card = decode_shc(qr_text)
    if card.header.get("alg") != "ES256":
        raise PayloadError(f"SMART Health Cards are signed ES256, not {card.header.get('alg')!r}")
    iss = text(card.payload.get("iss"))
    vc = mapping(card.payload.get("vc"))

    def check(anchors: Sequence[Any]) -> Signer | None:
        for anchor in anchors:
            if verify_es256(card, anchor.public_key):
                return Signer(anchor.not_before, anchor.not_after, "issuer key")
        return None

    key = KeyRequest("shc", key_id=card.kid, issuer=iss) if card.kid and iss else None
    return DecodedCertificate(
        format="SHC",
        issuer=iss,
        kid=card.kid,
        key=key,
        content=shc_content(card),
        check_signature=check,
        not_before=from_timestamp(_number(card.payload.get("nbf"))),
        not_after=from_timestamp(_number(card.payload.get("exp"))),
        identifier=text(vc.get("rid")),
        signature=card.signature,
        no_key_reason=f"no trusted key {card.kid} for issuer {iss}",
    )


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

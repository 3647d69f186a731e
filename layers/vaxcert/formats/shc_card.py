"""SMART Health Card issuance: the FHIR bundle, the JWS, the ``shc:/`` QR text, the rid and the CRL.

Pure functions (no I/O); the signature comes from a callable returning raw r||s (ES256), in
production the KMS-held document-signing key (vaxcert.signing.kms). Per the SMART Health Cards
specification (spec.smarthealth.cards): compact JWS with header ``{"alg": "ES256", "zip": "DEF",
"kid": <RFC 7638 thumbprint>}``, the payload minified JSON compressed with raw DEFLATE, the QR one
chunk ``shc:/`` + two digits per JWS character (numeric mode, at most 1195 JWS characters = QR version
22 at error correction L). Decoding and verification live with the verification engine (formats/shc.py).
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from vaxcert.formats.ddcc import DdccRecord

PREFIX = "shc:/"
HEALTH_CARD = "https://smarthealth.cards#health-card"
# The specification deprecated the other type codes (#immunization, #covid19): wallets file a card by
# its FHIR content.
CARD_TYPES = (HEALTH_CARD,)
FHIR_VERSION = "4.0.1"
CVX = "http://hl7.org/fhir/sid/cvx"
ICD11 = "http://id.who.int/icd11/mms"
CVX_UNSPECIFIED = "213"  # "SARS-COV-2 (COVID-19) vaccine, unspecified formulation"
MAX_SINGLE_CHUNK_JWS = 1195  # numeric mode, QR version 22, level L
MAX_QR_VERSION = 22
RID_BYTES = 8  # 64 bits, base64url: 11 characters (the spec allows up to 24, no ".")
FILE_MEDIA_TYPE = "application/smart-health-card"

Sign = Callable[[bytes], bytes]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _minified(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# --- keys ------------------------------------------------------------------------------------------


def public_jwk(key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    """The required members of a P-256 public key as a JWK (no kid)."""
    if not isinstance(key.curve, ec.SECP256R1):
        raise ValueError("SMART Health Cards are signed with ES256 (P-256) keys")
    numbers = key.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url(numbers.x.to_bytes(32, "big")),
        "y": b64url(numbers.y.to_bytes(32, "big")),
    }


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638: SHA-256 of the required members in lexicographic order, no whitespace, base64url."""
    required = {name: jwk[name] for name in ("crv", "kty", "x", "y")}
    canonical = json.dumps(required, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return b64url(hashlib.sha256(canonical).digest())


def issuer_jwk(key: ec.EllipticCurvePublicKey, crl_version: int | None = None) -> dict[str, Any]:
    """The key as the issuer's JWKS publishes it: thumbprint kid, `use: sig`, `alg: ES256`."""
    jwk: dict[str, Any] = public_jwk(key)
    jwk.update({"kid": thumbprint(jwk), "use": "sig", "alg": "ES256"})
    if crl_version is not None:
        jwk["crlVersion"] = crl_version
    return jwk


# --- content ---------------------------------------------------------------------------------------


def rid_for(hcid: str) -> str:
    """The card's revocation id: a one-way function of the certificate's HCID (one per version), so
    the public CRL names no person and the id can be recomputed from the certificate alone."""
    return b64url(hashlib.sha256(b"vaxcert-shc-rid\x00" + hcid.encode("ascii")).digest()[:RID_BYTES])


def fhir_bundle(record: DdccRecord, *, cvx: str | None, performer: bool = True) -> dict[str, Any]:
    """A minified FHIR R4 `collection` Bundle: the Patient and the Immunization of this certificate.

    No `id`, `meta`, `text` or `display` elements (the spec's size rules); references `resource:N`.
    """
    person, v = record.person, record.vaccination
    name: dict[str, Any] = {"family": person.family_name}
    given = person.given_name.split()
    if given:
        name["given"] = given
    immunization: dict[str, Any] = {
        "resourceType": "Immunization",
        "status": "completed",
        "vaccineCode": {
            "coding": [
                {"system": CVX, "code": cvx or CVX_UNSPECIFIED},
                {"system": ICD11, "code": v.brand.code},
            ]
        },
        "patient": {"reference": "resource:0"},
        "occurrenceDateTime": v.date.isoformat(),
        "lotNumber": v.lot,
    }
    if v.centre and performer:
        immunization["performer"] = [{"actor": {"display": v.centre}}]
    # The dose number (a card holds one dose per certificate; a second dose is not "dose 1 of 1").
    immunization["protocolApplied"] = [{"doseNumberPositiveInt": v.dose}]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "resource:0",
                "resource": {
                    "resourceType": "Patient",
                    "name": [name],
                    "birthDate": person.birth_date.isoformat(),
                },
            },
            {"fullUrl": "resource:1", "resource": immunization},
        ],
    }


def card_payload(
    record: DdccRecord, *, iss: str, cvx: str | None, issued_at: datetime, performer: bool = True
) -> dict[str, Any]:
    if not iss or iss.endswith("/"):
        raise ValueError("iss must be an URL without a trailing slash")
    return {
        "iss": iss,
        "nbf": int(issued_at.timestamp()),
        "vc": {
            "type": list(CARD_TYPES),
            "credentialSubject": {
                "fhirVersion": FHIR_VERSION,
                "fhirBundle": fhir_bundle(record, cvx=cvx, performer=performer),
            },
            "rid": rid_for(record.certificate.hcid),
        },
    }


def encode_jws(payload: dict[str, Any], *, kid: str, sign: Sign) -> str:
    """Compact JWS: ES256, payload raw-DEFLATE compressed (`zip: DEF`); `sign` returns raw r||s."""
    header = _minified({"alg": "ES256", "zip": "DEF", "kid": kid})
    deflated = zlib.compress(_minified(payload), 9, wbits=-15)  # raw DEFLATE: no zlib header
    signing_input = f"{b64url(header)}.{b64url(deflated)}"
    signature = sign(signing_input.encode("ascii"))
    if len(signature) != 64:
        raise ValueError("ES256 signatures are 64 bytes (raw r||s)")
    return f"{signing_input}.{b64url(signature)}"


def issue_card(
    record: DdccRecord, *, iss: str, kid: str, cvx: str | None, issued_at: datetime, sign: Sign
) -> str:
    """The signed SMART Health Card (compact JWS) of one certificate.

    Names, lot and centre at their longest can pass one QR chunk: the performer (optional in FHIR)
    then goes, so the card still scans as one QR.
    """
    jws = encode_jws(card_payload(record, iss=iss, cvx=cvx, issued_at=issued_at), kid=kid, sign=sign)
    if len(jws) > MAX_SINGLE_CHUNK_JWS and record.vaccination.centre:
        payload = card_payload(record, iss=iss, cvx=cvx, issued_at=issued_at, performer=False)
        jws = encode_jws(payload, kid=kid, sign=sign)
    return jws


# --- QR and file -----------------------------------------------------------------------------------


def qr_text(jws: str) -> str:
    """`shc:/` + two digits per character (ord - 45): one chunk, numeric mode."""
    if len(jws) > MAX_SINGLE_CHUNK_JWS:
        raise ValueError(f"JWS of {len(jws)} characters does not fit one QR chunk ({MAX_SINGLE_CHUNK_JWS})")
    return PREFIX + "".join(f"{ord(c) - 45:02d}" for c in jws)


def qr_text_if_one_chunk(jws: str) -> str | None:
    """The QR text, or None for a card too long for one QR (it still goes into wallets as a file)."""
    return qr_text(jws) if len(jws) <= MAX_SINGLE_CHUNK_JWS else None


def qr_segments(text: str) -> list[tuple[str, str]]:
    """The QR segments the spec requires: `shc:/` in byte mode, the digits in numeric mode."""
    if not text.startswith(PREFIX):
        raise ValueError("not a shc:/ text")
    return [(PREFIX, "byte"), (text[len(PREFIX) :], "numeric")]


def qr_version(text: str) -> int:
    """QR version of the card at error correction L (segno, imported on use: it is slow to import)."""
    return int(qr_code(text).version)


def qr_code(text: str) -> Any:
    """The segno QR of a card (level L, as the specification sizes it: 1195 characters = version 22)."""
    import segno
    from segno import consts

    modes = {"byte": consts.MODE_BYTE, "numeric": consts.MODE_NUMERIC}
    segments: Any = [(part, modes[mode]) for part, mode in qr_segments(text)]  # segno's annotations: str only
    return segno.make(segments, error="l", micro=False, boost_error=False)


def card_file(jws_list: Iterable[str]) -> dict[str, list[str]]:
    """The `.smart-health-card` file that wallets import."""
    return {"verifiableCredential": list(jws_list)}


# --- revocation ------------------------------------------------------------------------------------


def crl_document(kid: str, rids: Iterable[str]) -> dict[str, Any]:
    """`<iss>/.well-known/crl/<kid>.json` (method `rid`).

    `ctr` is 1 + the number of revoked rids: revocation and supersession are final, so the set only
    grows and the counter rises with every change without any stored state; the JWK's `crlVersion`
    carries the same number so verifiers know when to fetch again.
    """
    unique = sorted(set(rids))
    return {"kid": kid, "method": "rid", "ctr": crl_version(len(unique)), "rids": unique}


def crl_version(revoked: int) -> int:
    return 1 + revoked

"""Our own test vectors for every format we verify, signed with keys made here (never real issuers' keys).

Reusable by any test (unit, e2e, browser): each builder returns the QR text and the trust material a
verifier needs (keys as JWKs / PEM / certificates), plus tampered variants. Keys are generated once per
process (RSA generation is slow) and are deterministic in shape, not in value.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from vaxcert.formats.divoc import encode_divoc, sign_divoc_credential

DIVOC_DID = "did:jamaica"
DIVOC_RSA_DID = "did:jamaica:rsa"


@cache
def divoc_ed25519_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


@cache
def divoc_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def divoc_credential(
    *,
    name: str = "Marcia Campbell",
    dob: str = "1984-03-07",
    certificate_id: str = "891244125",
    effective_until: str = "2031-12-14",
    effective_start: str = "2021-12-14",
) -> dict[str, Any]:
    """An unsigned DIVOC 1.24-style (Jamaica) ProofOfVaccinationCredential."""
    return {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://cowin.gov.in/credentials/vaccination/v2",
        ],
        "type": ["VerifiableCredential", "ProofOfVaccinationCredential"],
        "credentialSubject": {
            "type": "Person",
            "id": "",
            "refId": "9874S1445691",
            "name": name,
            "gender": "Female",
            "dob": dob,
        },
        "issuer": "https://www.moh.gov.jm",
        "issuanceDate": "2021-12-17T18:41:49.791Z",
        "evidence": [
            {
                "id": f"https://www.moh.gov.jm/vaccine/{certificate_id}",
                "certificateId": certificate_id,
                "type": ["Vaccination"],
                "batch": "FK5127",
                "vaccine": "Pfizer",
                "manufacturer": "Pfizer-BioNTech",
                "icd11Code": "XM0GQ8",
                "prophylaxis": "COVID-19 vaccine, mRNA based vaccine",
                "date": "2021-12-14",
                "effectiveStart": effective_start,
                "effectiveUntil": effective_until,
                "dose": 2,
                "totalDoses": 2,
                "verifier": {"name": "Brown, Nadine"},
                "facility": {"name": "St. Jago Park Health Centre", "address": {"addressCountry": "JAM"}},
            }
        ],
        "nonTransferable": "true",
    }


@dataclass(frozen=True)
class DivocVector:
    credential: dict[str, Any]  # signed
    qr: str
    verification_method: str
    public_key_pem: str


def divoc_vector(key_type: str = "Ed25519", **fields: Any) -> DivocVector:
    """A DIVOC QR signed with our own Ed25519 (``did:jamaica``) or RSA (``did:jamaica:rsa``) key."""
    key: ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey
    key, method = (
        (divoc_ed25519_key(), DIVOC_DID) if key_type == "Ed25519" else (divoc_rsa_key(), DIVOC_RSA_DID)
    )
    signed = sign_divoc_credential(
        divoc_credential(**fields), key, method, created=datetime(2021, 12, 17, 18, 41, 49, tzinfo=UTC)
    )
    return DivocVector(signed, encode_divoc(signed), method, public_pem(key))


def tampered_divoc(vector: DivocVector) -> str:
    """The same signed credential with the holder's date of birth changed: the signature must fail."""
    credential = copy.deepcopy(vector.credential)
    credential["credentialSubject"]["dob"] = "1985-03-07"
    return encode_divoc(credential)

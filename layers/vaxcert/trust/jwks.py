"""Trust list publications: the EU-gateway style JSON list and the same keys as a JWKS."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from vaxcert.store.trust import TrustEntry


def _b64url_int(value: int, size: int) -> str:
    return base64.urlsafe_b64encode(value.to_bytes(size, "big")).rstrip(b"=").decode()


def jwk_for(entry: TrustEntry) -> dict[str, Any]:
    """The certificate's public key as a JWK; `kid` is the HC1 kid (base64), `x5c` the certificate."""
    key = x509.load_der_x509_certificate(entry.der).public_key()
    jwk: dict[str, Any]
    if isinstance(key, ec.EllipticCurvePublicKey):
        numbers = key.public_numbers()
        jwk = {"kty": "EC", "crv": "P-256", "x": _b64url_int(numbers.x, 32), "y": _b64url_int(numbers.y, 32)}
        jwk["alg"] = "ES256"
    elif isinstance(key, rsa.RSAPublicKey):
        n = key.public_numbers()
        jwk = {"kty": "RSA", "n": _b64url_int(n.n, (n.n.bit_length() + 7) // 8), "e": _b64url_int(n.e, 3)}
        jwk["alg"] = "PS256"
    else:  # pragma: no cover - only EC and RSA certificates are ever stored
        raise ValueError("unsupported key type")
    return {**jwk, "kid": entry.kid_b64, "use": "sig", "x5c": [base64.b64encode(entry.der).decode()]}


def trust_list_document(entries: Iterable[TrustEntry]) -> dict[str, Any]:
    return {
        "certificates": [
            {
                "kid": e.kid_b64,
                "country": e.country,
                "certificateType": e.certificate_type,
                "rawData": base64.b64encode(e.der).decode(),
                "notBefore": e.not_before.isoformat(),
                "notAfter": e.not_after.isoformat(),
            }
            for e in entries
        ]
    }


def jwks_document(entries: Iterable[TrustEntry]) -> dict[str, Any]:
    return {"keys": [jwk_for(e) for e in entries]}

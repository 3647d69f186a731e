"""Public keys as JWKs (RFC 7517/7518/8037): EC P-256/P-384, RSA, OKP Ed25519; RFC 7638 thumbprints."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

_CURVES: dict[str, tuple[ec.EllipticCurve, int]] = {
    "P-256": (ec.SECP256R1(), 32),
    "P-384": (ec.SECP384R1(), 48),
}
_CURVE_NAMES = {"secp256r1": ("P-256", 32), "secp384r1": ("P-384", 48)}
PUBLIC_MEMBERS = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n"), "OKP": ("crv", "kty", "x")}


def _b64url_decode(value: Any, member: str) -> bytes:
    if not isinstance(value, str) or not value:
        raise ValueError(f"JWK member {member!r} must be a base64url string")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"JWK member {member!r} is not base64url") from exc


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_key_from_jwk(jwk: Any) -> Any:
    """The public key of a JWK; ValueError naming what is wrong. Private members are never read."""
    if not isinstance(jwk, dict):
        raise ValueError("a JWK must be a JSON object")
    kty = jwk.get("kty")
    if kty == "EC":
        curve = _CURVES.get(str(jwk.get("crv")))
        if curve is None:
            raise ValueError(f"unsupported EC curve {jwk.get('crv')!r} (P-256 or P-384)")
        x = int.from_bytes(_b64url_decode(jwk.get("x"), "x"), "big")
        y = int.from_bytes(_b64url_decode(jwk.get("y"), "y"), "big")
        return ec.EllipticCurvePublicNumbers(x, y, curve[0]).public_key()
    if kty == "RSA":
        n = int.from_bytes(_b64url_decode(jwk.get("n"), "n"), "big")
        e = int.from_bytes(_b64url_decode(jwk.get("e"), "e"), "big")
        if n.bit_length() < 2048:
            raise ValueError("RSA keys shorter than 2048 bits are not trusted")
        return rsa.RSAPublicNumbers(e, n).public_key()
    if kty == "OKP":
        if jwk.get("crv") != "Ed25519":
            raise ValueError(f"unsupported OKP curve {jwk.get('crv')!r} (Ed25519)")
        return ed25519.Ed25519PublicKey.from_public_bytes(_b64url_decode(jwk.get("x"), "x"))
    raise ValueError(f"unsupported JWK kty {kty!r} (EC, RSA or OKP)")


def jwk_from_public_key(key: Any) -> dict[str, Any]:
    """The public JWK of a key (no kid, alg or use: the caller adds what its framework names)."""
    if isinstance(key, ec.EllipticCurvePublicKey):
        name = _CURVE_NAMES.get(key.curve.name)
        if name is None:
            raise ValueError(f"unsupported EC curve {key.curve.name}")
        numbers = key.public_numbers()
        crv, size = name
        return {
            "kty": "EC",
            "crv": crv,
            "x": _b64url(numbers.x.to_bytes(size, "big")),
            "y": _b64url(numbers.y.to_bytes(size, "big")),
        }
    if isinstance(key, rsa.RSAPublicKey):
        rn = key.public_numbers()
        return {
            "kty": "RSA",
            "n": _b64url(rn.n.to_bytes((rn.n.bit_length() + 7) // 8, "big")),
            "e": _b64url(rn.e.to_bytes((rn.e.bit_length() + 7) // 8, "big")),
        }
    if isinstance(key, ed25519.Ed25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw)}
    raise ValueError("unsupported key type (EC P-256/P-384, RSA or Ed25519)")


def public_jwk(jwk: dict[str, Any]) -> dict[str, Any]:
    """Only the public members of a JWK (and its descriptive ones): never store or publish a private key."""
    members = PUBLIC_MEMBERS.get(str(jwk.get("kty")), ())
    kept = {k: jwk[k] for k in (*members, "kid", "alg", "use", "x5c") if k in jwk}
    return kept


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url): the SMART Health Card ``kid``."""
    members = PUBLIC_MEMBERS.get(str(jwk.get("kty")))
    if members is None:
        raise ValueError("unsupported JWK kty")
    canonical = json.dumps({k: jwk[k] for k in members}, separators=(",", ":"), sort_keys=True)
    return _b64url(hashlib.sha256(canonical.encode()).digest())


def algorithm_for(key: Any) -> str:
    """The JOSE algorithm each framework uses with this key type."""
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "ES384" if key.curve.name == "secp384r1" else "ES256"
    if isinstance(key, rsa.RSAPublicKey):
        return "PS256"
    return "EdDSA"

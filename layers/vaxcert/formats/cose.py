"""Minimal COSE_Sign1 (RFC 9052) on cbor2 + cryptography: what HC1 needs, nothing more.

Signing is delegated to a callable that receives the exact Sig_structure bytes, so the private key can live
in KMS (which returns DER ECDSA signatures: see ``der_to_raw_ecdsa``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from vaxcert.formats import cbor
from vaxcert.formats.errors import CoseError

# COSE header labels and algorithm identifiers (IANA COSE registries).
HEADER_ALG = 1
HEADER_KID = 4
ES256 = -7
ES384 = -35
ES512 = -36
PS256 = -37
PS384 = -38
PS512 = -39

TAG_SIGN1 = 18
TAG_CWT = 61

_HASHES: dict[int, type[hashes.HashAlgorithm]] = {
    ES256: hashes.SHA256,
    ES384: hashes.SHA384,
    ES512: hashes.SHA512,
    PS256: hashes.SHA256,
    PS384: hashes.SHA384,
    PS512: hashes.SHA512,
}
_ECDSA = frozenset({ES256, ES384, ES512})
_RSA_PSS = frozenset({PS256, PS384, PS512})


def sig_structure(protected: bytes, payload: bytes, external_aad: bytes = b"") -> bytes:
    """The bytes that are actually signed: ["Signature1", protected bstr, external_aad, payload]."""
    return cbor2.dumps(["Signature1", protected, external_aad, payload])


def protected_header(alg: int, kid: bytes) -> bytes:
    # alg and kid go in the protected header, as the HCERT spec prefers (kid cannot then be swapped).
    return cbor2.dumps({HEADER_ALG: alg, HEADER_KID: kid})


def assemble_sign1(
    protected: bytes,
    payload: bytes,
    signature: bytes,
    unprotected: dict[int, Any] | None = None,
    *,
    tagged: bool = True,
) -> bytes:
    body = [protected, unprotected or {}, payload, signature]
    return cbor2.dumps(cbor2.CBORTag(TAG_SIGN1, body) if tagged else body)


def sign1(payload: bytes, *, kid: bytes, sign: Callable[[bytes], bytes], alg: int = ES256) -> bytes:
    """Build a tagged COSE_Sign1; ``sign`` gets the Sig_structure and returns the COSE signature bytes."""
    protected = protected_header(alg, kid)
    signature = sign(sig_structure(protected, payload))
    return assemble_sign1(protected, payload, signature)


@dataclass(frozen=True)
class CoseSign1:
    protected: bytes
    protected_header: dict[Any, Any]
    unprotected_header: dict[Any, Any]
    payload: bytes
    signature: bytes
    _sig_structure: list[bytes] = field(default_factory=list, repr=False, compare=False)

    @property
    def alg(self) -> int | None:
        alg = self.protected_header.get(HEADER_ALG, self.unprotected_header.get(HEADER_ALG))
        return alg if isinstance(alg, int) else None

    @property
    def kid(self) -> bytes | None:
        # Protected wins: an unprotected kid is only a hint (HCERT allows it for older issuers).
        kid = self.protected_header.get(HEADER_KID, self.unprotected_header.get(HEADER_KID))
        return bytes(kid) if isinstance(kid, bytes | bytearray) else None

    @property
    def sig_structure(self) -> bytes:
        if not self._sig_structure:
            self._sig_structure.append(sig_structure(self.protected, self.payload))
        return self._sig_structure[0]


def parse_sign1(data: bytes) -> CoseSign1:
    """Parse an untagged, tag-18 or tag-61(tag-18) COSE_Sign1; CoseError if it is anything else."""
    try:
        obj = cbor.loads(data)
    except Exception as exc:  # cbor2 raises several types (CBORDecodeError, ValueError, ...)
        raise CoseError(f"not CBOR: {exc}") from exc
    if isinstance(obj, cbor2.CBORTag) and obj.tag == TAG_CWT:
        obj = obj.value
    if isinstance(obj, cbor2.CBORTag):
        if obj.tag != TAG_SIGN1:
            raise CoseError(f"unexpected CBOR tag {obj.tag}")
        obj = obj.value
    if not isinstance(obj, list) or len(obj) != 4:
        raise CoseError("not a COSE_Sign1 array of 4")
    protected, unprotected, payload, signature = obj
    if not isinstance(protected, bytes) or not isinstance(payload, bytes) or not isinstance(signature, bytes):
        raise CoseError("COSE_Sign1 protected, payload and signature must be byte strings")
    if not isinstance(unprotected, dict):
        raise CoseError("COSE_Sign1 unprotected header must be a map")
    if protected:
        try:
            header = cbor.loads(protected)
        except Exception as exc:
            raise CoseError(f"protected header is not CBOR: {exc}") from exc
        if not isinstance(header, dict):
            raise CoseError("protected header is not a map")
    else:
        header = {}
    return CoseSign1(protected, header, unprotected, payload, signature)


def verify_signature(alg: int | None, public_key: Any, to_be_signed: bytes, signature: bytes) -> bool:
    """True if ``signature`` (COSE form) over ``to_be_signed`` verifies with ``public_key`` for ``alg``."""
    hash_cls = _HASHES.get(alg) if alg is not None else None
    if hash_cls is None:
        return False
    try:
        if alg in _ECDSA:
            if not isinstance(public_key, ec.EllipticCurvePublicKey) or not signature or len(signature) % 2:
                return False
            public_key.verify(raw_to_der_ecdsa(signature), to_be_signed, ec.ECDSA(hash_cls()))
            return True
        if alg in _RSA_PSS:
            if not isinstance(public_key, rsa.RSAPublicKey):
                return False
            # RFC 8230: salt length equals the hash length.
            pss = padding.PSS(mgf=padding.MGF1(hash_cls()), salt_length=padding.PSS.DIGEST_LENGTH)
            public_key.verify(signature, to_be_signed, pss, hash_cls())
            return True
    except (InvalidSignature, ValueError):
        return False
    return False


def der_to_raw_ecdsa(der: bytes, size: int = 32) -> bytes:
    """DER ECDSA-Sig-Value (what KMS and cryptography return) -> fixed-size r||s (what COSE and JWS want)."""
    r, s = decode_dss_signature(der)
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def raw_to_der_ecdsa(raw: bytes) -> bytes:
    """COSE/JWS r||s -> DER, for cryptography's verify."""
    if not raw or len(raw) % 2:
        raise ValueError("raw ECDSA signature must have an even, non-zero length")
    half = len(raw) // 2
    return encode_dss_signature(int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big"))

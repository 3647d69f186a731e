"""Which DIVOC keys `vaxcert migrate divoc` trusts: the target's published trust list, or given files.

Not a subcommand (no `register`). Keys are named as DIVOC names them: by the credential's
`proof.verificationMethod` (a DID such as `did:jamaica`); a key given without a DID (a PEM file and no
--kid) is trusted for every verificationMethod, as the operator said.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from vaxcert.formats.divoc import verify_divoc_credential
from vaxcert.formats.errors import PayloadError
from vaxcert.sources.divoc import MALFORMED, Refusal

UNTRUSTED_KEY = "untrusted-key"
SIGNATURE_INVALID = "signature-invalid"
ANY_METHOD = "*"
FRAMEWORK = "divoc"


class TrustError(Exception):
    """No usable trusted DIVOC key (the message says what to do)."""


class DivocKeys:
    """Trusted DIVOC public keys by DID (verificationMethod); checks a credential's proof with them."""

    def __init__(self, keys: Mapping[str, Iterable[Any]] | None = None):
        self._keys: dict[str, list[Any]] = {}
        for method, found in (keys or {}).items():
            for key in found:
                self.add(method, key)

    def add(self, method: str, key: Any) -> None:
        if not isinstance(key, ed25519.Ed25519PublicKey | rsa.RSAPublicKey):
            return  # DIVOC signs with Ed25519 or RSA only
        self._keys.setdefault(method, []).append(key)

    def extend(self, other: DivocKeys) -> None:
        for method, found in other._keys.items():
            for key in found:
                self.add(method, key)

    def to_pem(self) -> list[tuple[str, bytes]]:
        """(method, PEM) pairs: how the keys travel to worker processes (key objects do not pickle)."""
        return [
            (
                method,
                key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
            )
            for method, found in self._keys.items()
            for key in found
        ]

    @classmethod
    def from_pem(cls, items: list[tuple[str, bytes]]) -> DivocKeys:
        keys = cls()
        for method, pem in items:
            keys.add(method, serialization.load_pem_public_key(pem))
        return keys

    def __len__(self) -> int:
        return sum(len(v) for v in self._keys.values())

    def resolve(self, method: str) -> list[Any]:
        base = method.split("#", 1)[0]  # `did:jamaica#key-1` names a key of `did:jamaica`
        return [
            *self._keys.get(method, []),
            *(self._keys.get(base, []) if base != method else []),
            *self._keys.get(ANY_METHOD, []),
        ]

    def __call__(self, credential: dict[str, Any]) -> None:
        """The migration's check: returns when a trusted key verifies the proof, else raises Refusal."""
        try:
            result = verify_divoc_credential(credential, self.resolve)
        except PayloadError as exc:
            raise Refusal(MALFORMED, f"proof: {exc}") from None
        if result.outcome == "NO_KEY":
            raise Refusal(UNTRUSTED_KEY, result.reason)
        if result.outcome != "VALID":
            raise Refusal(SIGNATURE_INVALID, f"{result.reason} (tampered, or signed by another key)")


def keys_from_file(path: Path, did: str | None = None) -> DivocKeys:
    """A PEM public key (with `did`), a JWK or JWKS (kid = the DID), or a trust list JSON."""
    data = path.read_bytes()
    keys = DivocKeys()
    if b"-----BEGIN" in data:
        try:
            keys.add(did or ANY_METHOD, serialization.load_pem_public_key(data))
        except ValueError as exc:
            raise TrustError(f"{path}: not a PEM public key ({exc})") from None
        return keys
    try:
        document = json.loads(data)
    except ValueError:
        raise TrustError(f"{path}: neither PEM nor JSON") from None
    _add_document(keys, document, did)
    if not len(keys):
        raise TrustError(f"{path}: no Ed25519 or RSA key in it")
    return keys


def _add_document(keys: DivocKeys, document: Any, did: str | None) -> None:
    from vaxcert.trust.keys import public_key_from_jwk

    if isinstance(document, dict) and "kty" in document:
        document = {"keys": [document]}
    if isinstance(document, dict) and isinstance(document.get("keys"), list):  # JWKS
        for jwk in document["keys"]:
            try:
                keys.add(did or str(jwk.get("kid") or ANY_METHOD), public_key_from_jwk(jwk))
            except (ValueError, AttributeError):
                continue
        return
    entries = document.get("certificates", []) if isinstance(document, dict) else []
    for entry in entries:  # our GET /v1/trust-list: the entries of framework divoc
        if not isinstance(entry, dict) or str(entry.get("framework", "")).lower() != FRAMEWORK:
            continue
        jwk = entry.get("publicKeyJwk") or entry.get("jwk")
        try:
            key = public_key_from_jwk(jwk) if isinstance(jwk, dict) else _spki(entry.get("publicKey"))
        except ValueError:
            continue
        keys.add(str(entry.get("kid") or ANY_METHOD), key)


def _spki(value: Any) -> Any:
    import base64

    if not isinstance(value, str):
        raise ValueError("no key")
    if "-----BEGIN" in value:
        return serialization.load_pem_public_key(value.encode())
    return serialization.load_der_public_key(base64.b64decode(value))


def keys_from_api(api: str) -> DivocKeys:
    url = api.rstrip("/") + "/v1/trust-list"
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - operator-supplied API URL
            document = json.loads(response.read())
    except (OSError, ValueError) as exc:
        raise TrustError(f"cannot read the trust list at {url}: {exc}") from None
    keys = DivocKeys()
    _add_document(keys, document, None)
    return keys


def load_check(trust_files: list[str], *, did: str | None, api: str | None) -> DivocKeys:
    """--trust files when given, else the target's published trust list; TrustError without a key."""
    keys = DivocKeys()
    for name in trust_files:
        keys.extend(keys_from_file(Path(name), did))
    if not trust_files and api:
        keys = keys_from_api(api)
    if not len(keys):
        where = "the trust list" if api else "--trust"
        raise TrustError(
            f"no trusted DIVOC key in {where}: trust DIVOC's public key first "
            "(`vaxcert trust import KEY --framework divoc`, the vaxcert:divocPublicKey context value, "
            "or --trust FILE)"
        )
    return keys

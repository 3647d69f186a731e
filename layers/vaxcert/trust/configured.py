"""The ministry's own DIVOC public key, set at deployment (CDK context ``vaxcert:divocPublicKey`` ->
``DIVOC_PUBLIC_KEY``), so certificates DIVOC issued before vaxcert verify from the first day.

Accepted values (the DID is the ``proof.verificationMethod`` of the DIVOC credentials, e.g. ``did:jamaica``;
Jamaica's DIVOC 1.24 deployment wrote ``did:india``, DIVOC's default):
- a JWK whose ``kid`` is the DID: ``{"kty": "OKP", "crv": "Ed25519", "x": "...", "kid": "did:jamaica"}``
  (RSA JWKs too);
- ``{"did": "did:jamaica", "publicKeyPem": "-----BEGIN PUBLIC KEY-----..."}`` (or ``publicKeyJwk``), with an
  optional ``"issuer"``: the credentials' ``issuer`` URL the key is bound to (advisable when the DID is
  DIVOC's default ``did:india``, which other deployments use too);
- a PEM public key, with the DID in ``DIVOC_DID`` (``vaxcert:divocDid``);
- a list of any of these (a key rotation).
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from vaxcert.trust.keys import jwk_from_public_key, public_key_from_jwk
from vaxcert.types.trust import ACTIVE, NO_END, NO_START, TrustEntry

CONFIGURED = "CONFIGURED"  # origin of trust entries that come from the deployment's settings


def divoc_entries(value: str, did: str | None = None, country: str = "") -> list[TrustEntry]:
    """The trust entries of the configured DIVOC key(s); ValueError naming what is wrong."""
    value = value.strip()
    if not value:
        return []
    if value.startswith("-----BEGIN"):
        if not did:
            raise ValueError("DIVOC_PUBLIC_KEY is a PEM key: set DIVOC_DID (vaxcert:divocDid) to its DID")
        return [_entry(serialization.load_pem_public_key(value.encode()), did, country)]
    try:
        document = json.loads(value)
    except ValueError as exc:
        raise ValueError("DIVOC_PUBLIC_KEY must be a PEM public key, a JWK or a JSON object") from exc
    items = document if isinstance(document, list) else [document]
    return [_from_object(item, did, country) for item in items]


def _from_object(item: Any, did: str | None, country: str) -> TrustEntry:
    if not isinstance(item, dict):
        raise ValueError("DIVOC_PUBLIC_KEY entries must be JSON objects")
    if "kty" in item:
        name = item.get("kid") or did
        if not name:
            raise ValueError("the DIVOC JWK needs its DID as kid (or DIVOC_DID)")
        return _entry(public_key_from_jwk(item), str(name), country)
    name = item.get("did") or item.get("id") or did
    if not name:
        raise ValueError("the DIVOC key needs its DID ('did')")
    issuer = str(item["issuer"]).rstrip("/") if item.get("issuer") else None
    if isinstance(item.get("publicKeyPem"), str):
        key = serialization.load_pem_public_key(item["publicKeyPem"].encode())
        return _entry(key, str(name), country, issuer)
    if isinstance(item.get("publicKeyJwk"), dict):
        return _entry(public_key_from_jwk(item["publicKeyJwk"]), str(name), country, issuer)
    raise ValueError("the DIVOC key object needs publicKeyPem or publicKeyJwk")


def _entry(key: Any, did: str, country: str, issuer: str | None = None) -> TrustEntry:
    if not isinstance(key, ed25519.Ed25519PublicKey | rsa.RSAPublicKey):
        raise ValueError("DIVOC keys are Ed25519 (Ed25519Signature2018) or RSA (RsaSignature2018)")
    return TrustEntry(
        kid=did.encode(),
        country=country,
        certificate_type="DSC",
        der=b"",
        origin=CONFIGURED,
        status=ACTIVE,
        key_id=None,
        signing=False,
        not_before=NO_START,
        not_after=NO_END,
        framework="divoc",
        issuer=issuer,
        jwk={**jwk_from_public_key(key), "kid": did},
    )

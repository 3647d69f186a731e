"""Trust list publications: the EU-gateway style JSON list (every framework) and the same keys as a JWKS."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any

from vaxcert.trust.keys import algorithm_for, jwk_from_public_key, public_key_from_jwk
from vaxcert.types.trust import HC1, TrustEntry, stored_time


def _public_key(entry: TrustEntry) -> Any:
    if entry.der:
        from vaxcert.formats.lenient_der import load_certificate

        return load_certificate(entry.der).public_key()
    return public_key_from_jwk(entry.jwk)


def jwk_for(entry: TrustEntry) -> dict[str, Any]:
    """The key as a public JWK; `kid` as its framework names it (hc1: base64 kid), `x5c` its certificate."""
    key = _public_key(entry)
    jwk: dict[str, Any] = {**jwk_from_public_key(key), "alg": algorithm_for(key)}
    jwk.update({"kid": entry.key_ref, "use": "sig"})
    if entry.der:
        jwk["x5c"] = [base64.b64encode(entry.der).decode()]
    return jwk


def trust_list_entry(entry: TrustEntry) -> dict[str, Any]:
    """One trust-list entry: the EU gateway fields, plus `framework` and `jwk` (and `issuer` for shc).

    `rawData` is present whenever the key is an X.509 certificate; a bare key has no validity period
    (notBefore/notAfter null)."""
    item: dict[str, Any] = {
        "kid": entry.key_ref,
        "country": entry.country or None,
        "certificateType": entry.certificate_type,
    }
    if entry.der:
        item["rawData"] = base64.b64encode(entry.der).decode()
    item["notBefore"] = stored_time(entry.not_before)
    item["notAfter"] = stored_time(entry.not_after)
    item["framework"] = entry.framework or HC1
    item["jwk"] = jwk_for(entry)
    if entry.issuer:
        item["issuer"] = entry.issuer
    return item


def trust_list_document(entries: Iterable[TrustEntry]) -> dict[str, Any]:
    return {"certificates": [trust_list_entry(e) for e in entries]}


def jwks_document(entries: Iterable[TrustEntry]) -> dict[str, Any]:
    """The HC1 keys only: a JWKS at our origin is read by JOSE verifiers (SMART Health Card verifiers look
    for ``<iss>/.well-known/jwks.json``) as keys that sign for us, which other frameworks' imported keys
    must never be taken for."""
    return {"keys": [jwk_for(e) for e in entries if (e.framework or HC1) == HC1]}

"""Trust anchors from files, for every framework: what ``vaxcert trust import`` and ``vaxcert verify`` read.

Accepted: an EU-gateway style trust list or our ``GET /v1/trust-list`` (``{"certificates": [...]}`` or a
bare list), a JWKS (``{"keys": [...]}``, RFC 7517), the WHO GDHCN trust list (DID documents whose
verification methods carry ``publicKeyJwk``, usually with ``x5c``), a single JWK, PEM or DER
certificates, and a PEM public key. Keys are named as each framework names them:

- hc1: the base64 EU kid (the JWK ``kid``, else computed from the certificate);
- divoc: the DID of ``proof.verificationMethod`` (the JWK ``kid`` / verification method id, or ``key_id``);
- shc: the JWK ``kid`` (RFC 7638 thumbprint when absent) under ``issuer``, the ``iss`` URL;
- icao: any id; every key is a CSCA of its country (from the certificate, else ``country``).
"""

from __future__ import annotations

import base64
import json
import urllib.parse
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from vaxcert.trust.keys import public_jwk, public_key_from_jwk, thumbprint
from vaxcert.verification.trust import (
    CertificateType,
    Framework,
    TrustedCertificate,
    _der_certificates,
    trust_list_entry,
)

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def read_trust_file(
    blob: bytes,
    *,
    framework: Framework = "hc1",
    issuer: str | None = None,
    country: str | None = None,
    key_id: str | None = None,
) -> list[TrustedCertificate]:
    """Every trusted key in the file (ValueError when the file is not one of the accepted forms)."""
    if framework == "shc" and not issuer:
        raise ValueError("SMART Health Card keys need --issuer (the iss URL they sign for)")
    kind: CertificateType = "CSCA" if framework == "icao" else "DSC"
    stripped = blob.lstrip()
    if stripped.startswith((b"{", b"[")):
        try:
            document = json.loads(blob)
        except ValueError as exc:
            raise ValueError(f"not JSON: {exc}") from exc
        return _from_json(document, framework, issuer, country, key_id, kind)
    if b"-----BEGIN PUBLIC KEY-----" in blob:
        if not key_id:
            raise ValueError("a bare public key needs its key id (--kid; for DIVOC the DID)")
        key = serialization.load_pem_public_key(blob)
        return [
            TrustedCertificate.from_public_key(
                key, framework=framework, key_id=key_id, country=country, issuer=issuer, certificate_type=kind
            )
        ]
    return [
        _from_certificate(der, framework, issuer, country, key_id, kind) for der in _der_certificates(blob)
    ]


def _from_certificate(
    der: bytes,
    framework: Framework,
    issuer: str | None,
    country: str | None,
    key_id: str | None,
    kind: CertificateType,
    kid_b64: str | None = None,
) -> TrustedCertificate:
    certificate_country = _certificate_country(der)
    if framework == "hc1":
        kid = base64.b64decode(kid_b64) if kid_b64 else None
        return TrustedCertificate.from_der(
            der, country=certificate_country or country, certificate_type=kind, kid=kid
        )
    return TrustedCertificate.from_der(
        der,
        country=certificate_country or country,
        certificate_type=kind,
        framework=framework,
        issuer=issuer,
        key_id=key_id or kid_b64,
    )


def _certificate_country(der: bytes) -> str | None:
    from vaxcert.formats.lenient_der import load_certificate

    attrs = load_certificate(der).subject.get_attributes_for_oid(x509.NameOID.COUNTRY_NAME)
    return str(attrs[0].value) if attrs else None


def _from_json(
    document: Any,
    framework: Framework,
    issuer: str | None,
    country: str | None,
    key_id: str | None,
    kind: CertificateType,
) -> list[TrustedCertificate]:
    if isinstance(document, dict) and isinstance(document.get("keys"), list):
        return [_from_jwk(j, framework, issuer, country, None, kind) for j in document["keys"]]
    if isinstance(document, dict) and "kty" in document:
        return [_from_jwk(document, framework, issuer, country, key_id, kind)]
    documents = document if isinstance(document, list) else [document]
    if documents and all(isinstance(d, dict) and "verificationMethod" in d for d in documents):
        return [
            key for did_document in documents for key in _from_did_document(did_document, framework, country)
        ]
    entries = document.get("certificates") if isinstance(document, dict) else document
    if not isinstance(entries, list):
        raise ValueError("JSON is neither a trust list, a JWKS, a JWK nor DID documents")
    found = []
    for entry in entries:
        if isinstance(entry, dict) and "framework" not in entry:
            entry = {**entry, "framework": framework, "issuer": entry.get("issuer") or issuer}
            if kind == "CSCA":
                entry["certificateType"] = "CSCA"
        trusted = trust_list_entry(entry)
        if trusted is not None:
            found.append(trusted)
    return found


def _from_jwk(
    jwk: Any,
    framework: Framework,
    issuer: str | None,
    country: str | None,
    key_id: str | None,
    kind: CertificateType,
) -> TrustedCertificate:
    if not isinstance(jwk, dict):
        raise ValueError("a JWKS entry must be a JSON object")
    if "d" in jwk or "p" in jwk:
        raise ValueError("refusing a private JWK: import public keys only")
    if jwk.get("use") not in (None, "sig"):
        raise ValueError(f"JWK {jwk.get('kid')} is not a signing key (use {jwk.get('use')!r})")
    public_key = public_key_from_jwk(jwk)
    name = key_id or jwk.get("kid") or (None if framework in ("hc1", "divoc") else thumbprint(jwk))
    x5c = jwk.get("x5c")
    if isinstance(x5c, list) and x5c:
        der = base64.b64decode(x5c[0])
        trusted = _from_certificate(der, framework, issuer, country, name, kind, kid_b64=name)
        if jwk_from_matches(trusted.public_key, public_key):
            return trusted
        raise ValueError(f"JWK {name}: x5c certificate does not hold the JWK's key")
    if not name:
        raise ValueError(
            "a JWK without x5c needs its kid (hc1: the base64 EU kid; divoc: the DID of verificationMethod)"
        )
    return TrustedCertificate.from_public_key(
        public_key,
        framework=framework,
        key_id=str(name),
        country=country,
        issuer=issuer,
        certificate_type=kind,
        jwk=public_jwk(jwk),
    )


def jwk_from_matches(a: Any, b: Any) -> bool:
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    return bool(a.public_bytes(*spki) == b.public_bytes(*spki))


def _from_did_document(document: dict[str, Any], framework: Framework, country: str | None) -> list[Any]:
    """WHO GDHCN (did:web trust list) and DIVOC DID documents: one key per verification method."""
    found = []
    methods = document.get("verificationMethod")
    for method in methods if isinstance(methods, list) else []:
        if not isinstance(method, dict):
            continue  # a reference to another DID document: not resolvable offline
        method_id = str(method.get("id") or document.get("id") or "")
        fragment = urllib.parse.unquote(method_id.partition("#")[2])
        # GDHCN DIDs: did:web:tng-cdn.who.int:v2:trustlist:-:<alpha-3>[:DSC|:SCA]; SCA keys are CSCAs.
        path = method_id.partition("#")[0] or str(document.get("id") or "")
        kind: CertificateType = "CSCA" if path.endswith(":SCA") or framework == "icao" else "DSC"
        method_country = country or _gdhcn_country(path)
        if framework == "divoc":
            name: str | None = method_id or None
        else:
            name = None  # hc1: kid from the JWK or from the certificate (GDHCN fragments are the kid)
        jwk = method.get("publicKeyJwk")
        if isinstance(jwk, dict):
            kid = name or jwk.get("kid") or fragment or None
            found.append(
                _from_jwk({**jwk, "kid": kid} if kid else jwk, framework, None, method_country, None, kind)
            )
        elif isinstance(method.get("publicKeyPem"), str) and name:
            key = serialization.load_pem_public_key(method["publicKeyPem"].encode())
            found.append(
                TrustedCertificate.from_public_key(
                    key, framework=framework, key_id=name, country=method_country, certificate_type=kind
                )
            )
        elif isinstance(method.get("publicKeyBase58"), str) and name:
            key = ed25519.Ed25519PublicKey.from_public_bytes(_base58(method["publicKeyBase58"]))
            found.append(
                TrustedCertificate.from_public_key(
                    key, framework=framework, key_id=name, country=method_country, certificate_type=kind
                )
            )
    if not found:
        raise ValueError(f"DID document {document.get('id')} has no usable verification method")
    return found


def _gdhcn_country(did: str) -> str | None:
    """The participant of a GDHCN trust list DID (``...:trustlist:-:JAM:DSC`` -> JM), if it names one."""
    from vaxcert.formats.countries import alpha2

    _, found, rest = did.partition(":trustlist:-:")
    code = rest.split(":")[0] if found else ""
    try:
        return alpha2(code) if len(code) == 3 else None
    except ValueError:
        return None


def _base58(text: str) -> bytes:
    number = 0
    for ch in text:
        index = _BASE58.find(ch)
        if index < 0:
            raise ValueError("publicKeyBase58 is not base58")
        number = number * 58 + index
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\x00" * (len(text) - len(text.lstrip("1"))) + body

"""ICAO VDS-NC (Visible Digital Seal for non-constrained environments, ICAO TR "VDS-NC", 2021).

``{"data": {"hdr": {"is", "t", "v"}, "msg": {...}}, "sig": {"alg", "cer", "sigvl"}}``: ``sigvl`` is the raw
r||s ECDSA signature (base64url) over the RFC 8785 canonical JSON of ``data``; ``cer`` is the base64url DER
of the signer certificate, which must be signed by a trusted CSCA of the issuing country (``hdr.is``,
alpha-3). Signer certificates are read leniently (see formats.lenient_der), as WHO's validator does.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from vaxcert.formats.countries import alpha2
from vaxcert.formats.decoded import DecodedCertificate, KeyRequest, Signer
from vaxcert.formats.errors import PayloadError
from vaxcert.formats.lenient_der import load_certificate, split_certificate
from vaxcert.formats.summary import CertificateContent, content, day, integer, mapping, text

TYPES = ("icao.vacc", "icao.test")
_ALGORITHMS = {"ES256": (hashes.SHA256, 32), "ES384": (hashes.SHA384, 48), "ES512": (hashes.SHA512, 66)}
# Signature algorithm OID contents -> hash, for the CSCA's signature on the signer certificate:
# ecdsa-with-SHA256/384/512 and sha256/384/512WithRSAEncryption; RSASSA-PSS tries each hash.
_CERT_HASHES: dict[bytes, type[hashes.HashAlgorithm]] = {
    bytes.fromhex("2a8648ce3d040302"): hashes.SHA256,
    bytes.fromhex("2a8648ce3d040303"): hashes.SHA384,
    bytes.fromhex("2a8648ce3d040304"): hashes.SHA512,
    bytes.fromhex("2a864886f70d01010b"): hashes.SHA256,
    bytes.fromhex("2a864886f70d01010c"): hashes.SHA384,
    bytes.fromhex("2a864886f70d01010d"): hashes.SHA512,
}
_RSASSA_PSS = bytes.fromhex("2a864886f70d01010a")


def looks_like_icao(qr_text: str) -> bool:
    head = qr_text.lstrip()[:300]
    return head.startswith("{") and '"icao.' in head


def canonical_json(value: Any) -> bytes:
    """RFC 8785 (JCS) canonical JSON: the reference implementation pyld ships (sorted keys, ES6 numbers)."""
    from c14n.Canonicalize import canonicalize

    return bytes(canonicalize(value))


def _b64url(part: Any, what: str) -> bytes:
    if not isinstance(part, str) or not part:
        raise PayloadError(f"sig.{what} must be a base64url string")
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError) as exc:
        raise PayloadError(f"sig.{what} is not base64url") from exc


def encode_seal(data: dict[str, Any], sign: Any, certificate_der: bytes, alg: str = "ES256") -> str:
    """A VDS-NC JSON seal: ``sign(bytes) -> raw r||s`` over the canonical JSON of ``data``."""
    signature = sign(canonical_json(data))
    return json.dumps(
        {
            "data": data,
            "sig": {
                "alg": alg,
                "cer": base64.urlsafe_b64encode(certificate_der).rstrip(b"=").decode(),
                "sigvl": base64.urlsafe_b64encode(signature).rstrip(b"=").decode(),
            },
        },
        separators=(",", ":"),
    )


def _content(message: dict[str, Any], kind: str) -> CertificateContent:
    person = mapping(message.get("pid"))
    events = [mapping(e) for e in message.get("ve") or [] if isinstance(e, dict)]
    doses = [(mapping(d), e) for e in events for d in e.get("vd") or [] if isinstance(d, dict)]
    doses.sort(key=lambda pair: str(pair[0].get("dvc", "")))
    latest, event = doses[-1] if doses else ({}, {})
    return content(
        name=text(person.get("n")),
        date_of_birth=day(person.get("dob")),
        hcid=text(message.get("uvci")) or text(message.get("utci")),
        vaccine=text(event.get("nam")) or text(event.get("des")),
        dose=integer(latest.get("seq")),
        date=day(latest.get("dvc")),
        country=text(latest.get("ctr")),
    )


def icao_certificate(qr_text: str) -> DecodedCertificate:
    try:
        seal = json.loads(qr_text)
    except ValueError as exc:
        raise PayloadError(f"not JSON: {exc}") from exc
    data, sig = mapping(mapping(seal).get("data")), mapping(mapping(seal).get("sig"))
    header, message = mapping(data.get("hdr")), mapping(data.get("msg"))
    kind = text(header.get("t")) or ""
    if kind not in TYPES:
        raise PayloadError(f"not an ICAO VDS-NC health proof (hdr.t {kind!r})")
    issuing = text(header.get("is"))
    if not issuing:
        raise PayloadError("hdr.is (the issuing country) is missing")
    country = _alpha2(issuing)
    alg = text(sig.get("alg")) or ""
    if alg not in _ALGORITHMS:
        raise PayloadError(f"unsupported sig.alg {alg!r} (ES256, ES384, ES512)")
    signer_der = _b64url(sig.get("cer"), "cer")
    signature = _b64url(sig.get("sigvl"), "sigvl")
    try:
        signer = load_certificate(signer_der)
        tbs, signature_oid, certificate_signature = split_certificate(signer_der)
    except ValueError as exc:
        raise PayloadError(f"sig.cer is not a readable certificate: {exc}") from exc
    signed = canonical_json(data)
    shown = _content(message, kind)

    signer_spki = _spki(signer.public_key())

    def check(anchors: Sequence[Any]) -> Signer | None:
        # The anchor is the CSCA that issued the signer certificate, or (as in WHO's validator) a trusted
        # key that IS the signer's: a document signer certificate imported on its own.
        csca = next(
            (
                a
                for a in anchors
                if _spki(a.public_key) == signer_spki
                or _issued_by(a.public_key, tbs, signature_oid, certificate_signature)
            ),
            None,
        )
        if csca is None or not _verify_seal(signer.public_key(), alg, signed, signature):
            return None
        not_before = _later(signer.not_valid_before_utc, csca.not_before)
        not_after = _earlier(signer.not_valid_after_utc, csca.not_after)
        return Signer(not_before, not_after, "document signer certificate")

    return DecodedCertificate(
        format="ICAO",
        issuer=issuing,
        kid=_subject(signer),
        key=KeyRequest("icao", country=country, certificate_type="CSCA"),
        content=shown,
        check_signature=check,
        identifier=shown.hcid,
        country=country,
        signature=signature,
        no_key_reason=f"no trusted ICAO CSCA of {issuing}",
    )


# Doc 9303 codes that are not ISO 3166-1 alpha-3 (Germany is "D"; British nationality codes).
_ICAO_CODES = {"D": "DE", "GBD": "GB", "GBN": "GB", "GBO": "GB", "GBP": "GB", "GBS": "GB"}


def _alpha2(code: str) -> str:
    """The alpha-2 country of an ICAO issuing state code; an unknown code stays as it is (its CSCAs, if
    any were imported under it, still match)."""
    code = code.strip("<").upper()
    if code in _ICAO_CODES:
        return _ICAO_CODES[code]
    try:
        return alpha2(code)
    except ValueError:
        return code


def _spki(key: Any) -> bytes:
    try:
        return bytes(
            key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        )
    except (AttributeError, ValueError):
        return b""


def _subject(certificate: x509.Certificate) -> str | None:
    names = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(names[0].value) if names else None


def _issued_by(csca_key: Any, tbs: bytes, oid: bytes, signature: bytes) -> bool:
    """The CSCA's signature on the ORIGINAL TBSCertificate bytes (re-encoding would break it)."""
    try:
        if isinstance(csca_key, ec.EllipticCurvePublicKey) and oid in _CERT_HASHES:
            csca_key.verify(signature, tbs, ec.ECDSA(_CERT_HASHES[oid]()))
            return True
        if isinstance(csca_key, rsa.RSAPublicKey) and oid in _CERT_HASHES:
            csca_key.verify(signature, tbs, padding.PKCS1v15(), _CERT_HASHES[oid]())
            return True
        if isinstance(csca_key, rsa.RSAPublicKey) and oid == _RSASSA_PSS:
            for hash_cls in (hashes.SHA256, hashes.SHA384, hashes.SHA512):
                pss = padding.PSS(padding.MGF1(hash_cls()), padding.PSS.AUTO)
                try:
                    csca_key.verify(signature, tbs, pss, hash_cls())
                    return True
                except InvalidSignature:
                    continue
    except (InvalidSignature, ValueError):
        return False
    return False


def _verify_seal(key: Any, alg: str, data: bytes, signature: bytes) -> bool:
    hash_cls, size = _ALGORITHMS[alg]
    if not isinstance(key, ec.EllipticCurvePublicKey) or len(signature) != 2 * size:
        return False
    der = encode_dss_signature(
        int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
    )
    try:
        key.verify(der, data, ec.ECDSA(hash_cls()))
    except InvalidSignature:
        return False
    return True


def _later(a: datetime, b: datetime | None) -> datetime:
    return max(a, b) if b is not None else a


def _earlier(a: datetime, b: datetime | None) -> datetime:
    return min(a, b) if b is not None else a

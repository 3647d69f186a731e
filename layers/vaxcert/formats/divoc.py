"""DIVOC: ``B64:`` + base64 of a zip holding ``certificate.json``, a W3C verifiable credential (JSON-LD).

The credential's ``proof`` is a linked-data signature (``Ed25519Signature2018`` or ``RsaSignature2018``):
a detached JWS (``b64: false``) whose signed bytes are
``ASCII(header_b64) + "." + SHA-256(c14n(proof options)) + SHA-256(c14n(credential without proof))``,
c14n being URDNA2015 N-Quads. The proof options are the proof without ``jws`` and with the security v2
context. JSON-LD contexts come only from the documents bundled in ``formats/jsonld`` (never the network:
a verifier must not leak what it scans, nor depend on a context host being up).
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib.resources import files
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from vaxcert.formats.decoded import DecodedCertificate, KeyRequest, Signer, from_day
from vaxcert.formats.errors import PayloadError
from vaxcert.formats.summary import CertificateContent, content, day, integer, mapping, text

PREFIX = "B64:"
_MAX_UNZIPPED = 256 * 1024  # a zip bomb in a QR code is still a zip bomb

SECURITY_V2 = "https://w3id.org/security/v2"
# Every context URL DIVOC deployments (and WHO's validator) use, to the bundled document that serves it.
CONTEXT_FILES = {
    "https://www.w3.org/2018/credentials/v1": "W32018CredentialsV1.json",
    "https://w3id.org/security/v1": "security-v1.jsonld",
    "https://w3id.org/security/v2": "security-v2.jsonld",
    "https://cowin.gov.in/credentials/vaccination/v1": "DIVOCVaccinationContextV1.json",
    "https://cowin.gov.in/credentials/vaccination/v2": "DIVOCVaccinationContextV2.json",
    "https://divoc.prod/vaccine/credentials/vaccination/v1": "DIVOCVaccinationContextV2.json",
    "https://divoc.lgcc.gov.lk/credentials/vaccination/v1": "DIVOCVaccinationContextV2.json",
    "https://www.pedulilindungi.id/credentials/vaccination/v2": "DIVOCVaccinationContextV2.json",
}

DivocPublicKey = ed25519.Ed25519PublicKey | rsa.RSAPublicKey
DivocPrivateKey = ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey
KeyResolver = Callable[[str], Iterable[Any]]
"""verificationMethod (e.g. ``did:jamaica``) -> the trusted public keys for it (empty: unknown issuer)."""


def decode_divoc(qr_text: str) -> dict[str, Any]:
    """The certificate.json of a DIVOC QR; PayloadError when it is not one."""
    qr_text = qr_text.strip()
    if not qr_text.startswith(PREFIX):
        raise PayloadError("not a DIVOC B64: string")
    try:
        data = base64.b64decode(qr_text[len(PREFIX) :], validate=True)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("certificate.json")
            if info.file_size > _MAX_UNZIPPED:
                raise PayloadError("certificate.json too large")
            with archive.open(info) as member:
                document = json.loads(member.read(_MAX_UNZIPPED + 1))
    except PayloadError:
        raise
    except (binascii.Error, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise PayloadError(f"not a DIVOC certificate: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("credentialSubject"), dict):
        raise PayloadError("certificate.json has no credentialSubject")
    return document


def encode_divoc(credential: dict[str, Any]) -> str:
    """A DIVOC QR text for a (signed) credential: ``B64:`` + base64 of a zip with certificate.json."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("certificate.json", json.dumps(credential, separators=(",", ":")))
    return PREFIX + base64.b64encode(buffer.getvalue()).decode()


def divoc_content(document: dict[str, Any]) -> CertificateContent:
    subject = mapping(document.get("credentialSubject"))
    evidence = document.get("evidence")
    latest = mapping(evidence[-1]) if isinstance(evidence, list) and evidence else {}
    address = mapping(mapping(latest.get("facility")).get("address"))
    return content(
        name=text(subject.get("name")),
        date_of_birth=day(subject.get("dob")),
        hcid=text(latest.get("certificateId")),
        vaccine=text(latest.get("vaccine")),
        dose=integer(latest.get("dose")),
        total_doses=integer(latest.get("totalDoses")),
        date=day(latest.get("date")),
        country=text(address.get("addressCountry")),
    )


# --- JSON-LD canonicalisation with bundled contexts only ---


@cache
def _context_document(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((files("vaxcert.formats") / "jsonld" / name).read_text())
    return document


class UnknownContext(PayloadError):
    """The credential names a JSON-LD context we do not bundle (we never fetch one)."""


def _document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    from pyld.jsonld import JsonLdError

    name = CONTEXT_FILES.get(url.rstrip("#"))
    if name is None:
        raise JsonLdError(
            f"JSON-LD context {url} is not bundled (contexts are never fetched)",
            "jsonld.LoadDocumentError",
            {"url": url},
            code="loading document failed",
        )
    # pyld may keep and mutate what we return: hand out a copy of the cached document.
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": copy.deepcopy(_context_document(name)),
        "tag": "static",
    }


# URDNA2015 is exponential on "poison" graphs (many blank nodes that look alike); a credential in a QR code
# has a handful of blank nodes with distinct contents, so the n-degree hashing a poison graph needs is
# bounded: beyond it the credential is refused rather than the verify function kept busy.
MAX_N_DEGREE_HASHES = 256  # 3 per repeated dose entry (verifier, facility, address) in real credentials
MAX_CANONICAL_INPUT = 32 * 1024  # bytes of JSON; DIVOC credentials are 1-3 KB


@cache
def _budgeted_canonicaliser() -> type:
    from pyld.canon import URDNA2015

    class Budgeted(URDNA2015):
        def __init__(self) -> None:
            super().__init__()
            self.budget = MAX_N_DEGREE_HASHES

        def hash_n_degree_quads(self, id_: Any, issuer: Any) -> Any:
            self.budget -= 1
            if self.budget < 0:
                raise PayloadError("credential too complex to canonicalise (blank nodes that look alike)")
            return super().hash_n_degree_quads(id_, issuer)

    return Budgeted


def canonicalize(document: dict[str, Any]) -> str:
    """URDNA2015 N-Quads of a JSON-LD document, resolving contexts from the bundled documents only."""
    from pyld import jsonld  # ~60 ms to import: only verifiers of DIVOC pay for it

    if len(json.dumps(document)) > MAX_CANONICAL_INPUT:
        raise PayloadError("credential too large to canonicalise")
    try:
        dataset = jsonld.to_rdf(
            document,
            {
                "documentLoader": _document_loader,
                "base": "",
                "produceGeneralizedRdf": False,
                "processingMode": "json-ld-1.1",
            },
        )
        nquads = _budgeted_canonicaliser()().main(dataset, {"format": "application/n-quads"})
    except jsonld.JsonLdError as exc:
        cause = _root_cause(exc)
        if "not bundled" in str(cause):
            raise UnknownContext(str(cause)) from exc
        raise PayloadError(f"JSON-LD canonicalisation failed: {cause}") from exc
    return str(nquads)


def _root_cause(exc: BaseException) -> BaseException:
    while True:
        nested = getattr(exc, "cause", None) or exc.__cause__
        if not isinstance(nested, BaseException):
            return exc
        exc = nested


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verify_data(credential: dict[str, Any], proof: dict[str, Any]) -> bytes:
    """SHA-256(c14n(proof options)) + SHA-256(c14n(credential without proof)): what the JWS covers."""
    options = {k: v for k, v in proof.items() if k not in ("jws", "signatureValue", "proofValue", "@context")}
    options["@context"] = SECURITY_V2
    document = {k: v for k, v in credential.items() if k != "proof"}
    return (
        hashlib.sha256(canonicalize(options).encode()).digest()
        + hashlib.sha256(canonicalize(document).encode()).digest()
    )


# --- signing (our own test vectors, the migration tests) and verification ---

_SUITES: dict[str, tuple[str, type]] = {
    "Ed25519Signature2018": ("EdDSA", ed25519.Ed25519PublicKey),
    "RsaSignature2018": ("PS256", rsa.RSAPublicKey),
}


def sign_divoc_credential(
    credential: dict[str, Any],
    private_key: DivocPrivateKey,
    verification_method: str,
    *,
    created: datetime | None = None,
    proof_purpose: str = "assertionMethod",
) -> dict[str, Any]:
    """The credential with a DIVOC-style proof added (Ed25519Signature2018 or RsaSignature2018/PS256)."""
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        proof_type, alg = "Ed25519Signature2018", "EdDSA"
    elif isinstance(private_key, rsa.RSAPrivateKey):
        proof_type, alg = "RsaSignature2018", "PS256"
    else:
        raise TypeError("DIVOC credentials are signed with an Ed25519 or an RSA key")
    when = (created or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    proof: dict[str, Any] = {
        "type": proof_type,
        "created": when,
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    header = _b64url(json.dumps({"alg": alg, "b64": False, "crit": ["b64"]}, separators=(",", ":")).encode())
    signing_input = header.encode() + b"." + verify_data(unsigned, proof)
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        signature = private_key.sign(signing_input)
    else:
        signature = private_key.sign(
            signing_input, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256()
        )
    return {**unsigned, "proof": {**proof, "jws": f"{header}..{_b64url(signature)}"}}


ProofOutcome = Literal["VALID", "NO_KEY", "INVALID"]


@dataclass(frozen=True)
class DivocProofCheck:
    outcome: ProofOutcome  # VALID: a trusted key verified; NO_KEY: none trusted; INVALID: trusted keys failed
    verification_method: str | None
    reason: str
    key: Any = None  # the trusted key that verified


def verify_divoc_credential(credential: dict[str, Any], resolve_key: KeyResolver) -> DivocProofCheck:
    """Check the credential's proof with the keys ``resolve_key`` trusts for its verificationMethod.

    Raises PayloadError when the proof is not a readable DIVOC proof (MALFORMED); a proof whose
    canonical form cannot be computed with the bundled contexts is INVALID only once a key is trusted,
    so an unknown issuer stays UNKNOWN_ISSUER whatever contexts it uses.
    """
    proof = credential.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    if not isinstance(proof, dict):
        raise PayloadError("credential has no proof")
    method = proof.get("verificationMethod")
    if not isinstance(method, str) or not method:
        raise PayloadError("proof has no verificationMethod")
    suite = _SUITES.get(str(proof.get("type")))
    jws = proof.get("jws")
    if suite is None:
        raise PayloadError(f"unsupported proof type {proof.get('type')!r}")
    if not isinstance(jws, str) or jws.count(".") != 2 or jws.split(".")[1] != "":
        raise PayloadError("proof.jws is not a detached JWS")
    header_b64, _, signature_b64 = jws.split(".")
    try:
        header = json.loads(_b64url_decode(header_b64))
        signature = _b64url_decode(signature_b64)
    except (binascii.Error, ValueError) as exc:
        raise PayloadError(f"proof.jws is not readable: {exc}") from exc
    alg, key_type = suite
    if not isinstance(header, dict) or header.get("alg") != alg:
        raise PayloadError(f"{proof.get('type')} proof must use alg {alg}")
    if header.get("b64") is not False or "b64" not in (header.get("crit") or []):
        raise PayloadError("proof.jws must be unencoded (b64: false, crit: [b64])")

    keys = [k for k in resolve_key(method) if isinstance(k, key_type)]
    if not keys:
        return DivocProofCheck("NO_KEY", method, f"no trusted {proof.get('type')} key for {method}")
    try:
        signing_input = header_b64.encode() + b"." + verify_data(credential, proof)
    except UnknownContext as exc:
        return DivocProofCheck("INVALID", method, str(exc))
    for key in keys:
        if _verify(key, signature, signing_input):
            return DivocProofCheck("VALID", method, "signature verified", key)
    return DivocProofCheck("INVALID", method, "signature does not match the trusted key")


def _verify(key: Any, signature: bytes, data: bytes) -> bool:
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
        else:
            # Salt length: DIVOC (jsonld-signatures) uses 32; any salt length is as strong, so accept it.
            key.verify(
                signature, data, padding.PSS(padding.MGF1(hashes.SHA256()), padding.PSS.AUTO), hashes.SHA256()
            )
    except (InvalidSignature, ValueError):
        return False
    return True


# --- verification: the engine's view of a DIVOC certificate ---


def _proof(credential: dict[str, Any]) -> dict[str, Any]:
    proof = credential.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    if not isinstance(proof, dict):
        raise PayloadError("credential has no proof")
    return proof


def divoc_certificate(qr_text: str) -> DecodedCertificate:
    """A DIVOC QR for the engine. Validity is the credential's own (``issuanceDate``, ``expirationDate``):
    ``effectiveUntil`` says how long the vaccination protects, not how long the certificate is valid."""
    credential = decode_divoc(qr_text)
    proof = _proof(credential)
    method = proof.get("verificationMethod")
    if not isinstance(method, str) or not method:
        raise PayloadError("proof has no verificationMethod")
    shown = divoc_content(credential)

    def check(anchors: Sequence[Any]) -> Signer | None:
        result = verify_divoc_credential(credential, lambda _method: [a.public_key for a in anchors])
        signer = next((a for a in anchors if a.public_key is result.key), None)
        if result.outcome != "VALID" or signer is None:
            return None
        return Signer(signer.not_before, signer.not_after, "issuer key")

    signature_b64 = str(proof.get("jws", "")).rpartition(".")[2]
    return DecodedCertificate(
        format="DIVOC",
        issuer=text(credential.get("issuer")),
        kid=method,
        key=KeyRequest("divoc", key_id=method, bound_issuer=text(credential.get("issuer")) or ""),
        content=shown,
        check_signature=check,
        not_before=from_day(text(credential.get("issuanceDate"))),
        not_after=from_day(text(credential.get("expirationDate")), end=True),
        identifier=shown.hcid,
        country=shown.country,
        signature=signature_b64.encode(),
        no_key_reason=f"no trusted key for {method}",
    )

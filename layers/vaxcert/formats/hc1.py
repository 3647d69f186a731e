"""HC1: HCERT claims -> CWT -> COSE_Sign1 (ES256) -> zlib -> Base45 -> ``HC1:`` (see docs/hc1-profile.md)."""

from __future__ import annotations

import base64
import hashlib
import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import cbor2

from vaxcert.formats import base45, cbor, cose
from vaxcert.formats.countries import alpha2
from vaxcert.formats.ddcc import DdccRecord
from vaxcert.formats.ddcc_ext import DEFAULT_FIELDS, PRIORITY, ddcc_extension
from vaxcert.formats.decoded import DecodedCertificate, KeyRequest, Signer, from_timestamp
from vaxcert.formats.errors import Base45Error, CwtError, DecompressionError, PrefixError
from vaxcert.formats.eu_dcc import EuVaccineCodes, eu_payload
from vaxcert.formats.summary import content, day, integer, mapping, text
from vaxcert.formats.uvci import split_uci

if TYPE_CHECKING:
    from vaxcert.catalogue import Catalogue

PREFIX = "HC1:"
# CWT claim keys (RFC 8392) and the HCERT claim (EU DCC / WHO smart-trust).
CLAIM_ISS = 1
CLAIM_EXP = 4
CLAIM_IAT = 6
CLAIM_HCERT = -260
HCERT_EU_DCC = 1
HCERT_DDCC_VS = 3


def kid_for_certificate(der: bytes) -> bytes:
    """HCERT key id: the first 8 bytes of SHA-256 over the DER signing certificate."""
    return hashlib.sha256(der).digest()[:8]


# Characters a QR code holds in alphanumeric mode at error correction level Q, by version (ISO/IEC 18004).
QR_ALPHANUMERIC_CAPACITY_Q = (
    16, 29, 47, 67, 87, 108, 125, 157, 189, 221, 259, 296, 352, 376, 426, 470, 531, 574, 644, 702,
    742, 823, 890, 963, 1041, 1094, 1172, 1263, 1322, 1429, 1499, 1618, 1700, 1787, 1867, 1966, 2071,
    2181, 2298, 2420,
)  # fmt: skip
# Stand-ins with the sizes of the real values, for predicting the HC1 length before signing.
_SAMPLE_SIGNATURE = hashlib.sha512(b"signature").digest()
_SAMPLE_KID = hashlib.sha256(b"kid").digest()[:8]
_SAMPLE_TIME = 1_700_000_000
_LENGTH_MARGIN = 10  # the real kid and signature compress up to ~9 characters worse than the stand-ins


def qr_version_q(length: int) -> int:
    """Smallest QR version holding ``length`` alphanumeric characters at level Q (41 if none does)."""
    for version, capacity in enumerate(QR_ALPHANUMERIC_CAPACITY_Q, start=1):
        if length <= capacity:
            return version
    return 41


def predicted_hc1_length(hcert: dict[int, Any]) -> int:
    """Length of the HC1 string ``encode_hc1`` will produce for ``hcert`` (give or take a character)."""
    claims = {CLAIM_ISS: "XX", CLAIM_EXP: _SAMPLE_TIME, CLAIM_IAT: _SAMPLE_TIME, CLAIM_HCERT: hcert}
    protected = cose.protected_header(cose.ES256, _SAMPLE_KID)
    signed = cose.assemble_sign1(protected, cbor2.dumps(claims), _SAMPLE_SIGNATURE)
    compressed = len(zlib.compress(signed, 9))
    return len(PREFIX) + compressed // 2 * 3 + compressed % 2 * 2


def hcert_from_record(
    record: DdccRecord,
    codes: EuVaccineCodes,
    uci: str,
    *,
    include_identifier: bool = False,
    max_qr_version: int | None = 18,
    eu_issuer: str | None = None,
) -> dict[int, Any]:
    """The -260 map: {1: EU DCC payload, 3: DDCC:VS extension}.

    With ``max_qr_version`` set, DDCC extension fields are dropped lowest priority first (see
    ``ddcc_ext.PRIORITY``) until the HC1 fits that QR version at level Q; the EU payload is never cut, and
    sub-claim 3 is left out when nothing of it fits. ``eu_issuer`` overrides the EU ``is`` text (a shorter
    issuer name leaves room for more DDCC fields).
    """
    eu = eu_payload(record, codes, uci, issuer=eu_issuer)
    fields = [f for f in PRIORITY if f in DEFAULT_FIELDS or (include_identifier and f == "identifier")]
    entries = list(ddcc_extension(record, fields).items())  # present fields, highest priority first
    if max_qr_version is not None and entries:
        entries = entries[: _fitting_prefix(eu, entries, QR_ALPHANUMERIC_CAPACITY_Q[max_qr_version - 1])]
    return _hcert(eu, entries)


def _hcert(eu: dict[str, Any], entries: list[tuple[int, Any]]) -> dict[int, Any]:
    return {HCERT_EU_DCC: eu, HCERT_DDCC_VS: dict(entries)} if entries else {HCERT_EU_DCC: eu}


def _fitting_prefix(eu: dict[str, Any], entries: list[tuple[int, Any]], capacity: int) -> int:
    """How many extension entries (highest priority first) fit in ``capacity`` characters.

    Each prediction costs a CBOR encode and a zlib pass, the largest part of issuing a certificate,
    so estimate first (zlib gains almost nothing on short text: each CBOR byte costs ~1.5 Base45
    characters), then confirm with one or two exact predictions.
    """

    def fits(count: int) -> bool:
        return predicted_hc1_length(_hcert(eu, entries[:count])) + _LENGTH_MARGIN <= capacity

    budget = capacity - _LENGTH_MARGIN - predicted_hc1_length(_hcert(eu, [])) - 2  # map header
    count = 0
    for entry in entries:
        cost = -(-len(cbor2.dumps(dict([entry]))) * 3 // 2)
        if cost > budget:
            break
        budget -= cost
        count += 1
    while count > 0 and not fits(count):
        count -= 1
    while count < len(entries) and fits(count + 1):
        count += 1
    return count


def encode_hc1(
    hcert: dict[int, Any],
    *,
    issuer_country: str,
    issued_at: datetime,
    expires_at: datetime,
    kid: bytes,
    sign: Callable[[bytes], bytes],
) -> str:
    """Sign and pack ``hcert``. ``sign`` receives the Sig_structure and returns the raw 64-byte r||s."""
    if expires_at <= issued_at:
        raise ValueError("expires_at must be after issued_at")
    claims = {
        CLAIM_ISS: alpha2(issuer_country),
        CLAIM_EXP: int(expires_at.timestamp()),
        CLAIM_IAT: int(issued_at.timestamp()),
        CLAIM_HCERT: hcert,
    }

    def sign_raw(to_be_signed: bytes) -> bytes:
        signature = sign(to_be_signed)
        if len(signature) != 64:
            # A DER signature here (KMS returns DER) would produce a QR no verifier accepts.
            raise ValueError("sign must return the raw 64-byte ES256 signature (use der_to_raw_ecdsa)")
        return signature

    signed = cose.sign1(cbor2.dumps(claims), kid=kid, sign=sign_raw, alg=cose.ES256)
    return PREFIX + base45.encode(zlib.compress(signed, 9))


@dataclass(frozen=True)
class Hc1Document:
    """A decoded (not yet verified) HC1 QR."""

    protected_header: dict[Any, Any]
    unprotected_header: dict[Any, Any]
    kid: bytes | None
    alg: int | None
    claims: dict[Any, Any]
    signature: bytes
    sig_structure: bytes

    @property
    def hcert(self) -> dict[Any, Any] | None:
        hcert = self.claims.get(CLAIM_HCERT)
        return hcert if isinstance(hcert, dict) else None

    @property
    def eu(self) -> dict[str, Any] | None:
        eu = (self.hcert or {}).get(HCERT_EU_DCC)
        return eu if isinstance(eu, dict) else None

    @property
    def ddcc(self) -> dict[Any, Any] | None:
        ext = (self.hcert or {}).get(HCERT_DDCC_VS)
        return ext if isinstance(ext, dict) else None

    @property
    def who_ddcc(self) -> dict[str, Any] | None:
        """WHO's own DDCC QR: the same HC1 envelope around a flat DDCC map instead of CWT claims."""
        if self.hcert is None and isinstance(self.claims.get("name"), str):
            return self.claims
        return None

    @property
    def issuer(self) -> str | None:
        iss = self.claims.get(CLAIM_ISS)
        return iss if isinstance(iss, str) else None

    @property
    def issued_at(self) -> int | None:
        return _int_or_none(self.claims.get(CLAIM_IAT))

    @property
    def expires_at(self) -> int | None:
        return _int_or_none(self.claims.get(CLAIM_EXP))


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):  # some issuers write float NumericDates (Uruguay's test QR: NaN)
        return int(value) if math.isfinite(value) else None
    return None


def decode_hc1(text: str) -> Hc1Document:
    """Unpack an ``HC1:`` string without verifying it; a FormatError subclass names the failing stage."""
    text = text.strip()
    if not text.startswith(PREFIX):
        raise PrefixError("not an HC1: string")
    try:
        compressed = base45.decode(text[len(PREFIX) :])
    except ValueError as exc:
        raise Base45Error(str(exc)) from exc
    try:
        signed = zlib.decompress(compressed)
    except zlib.error as exc:
        raise DecompressionError(f"not zlib data: {exc}") from exc
    sign1 = cose.parse_sign1(signed)
    try:
        claims = cbor.loads(sign1.payload)
    except Exception as exc:  # cbor2 raises several types
        raise CwtError(f"payload is not CBOR: {exc}") from exc
    if not isinstance(claims, dict):
        raise CwtError("payload is not a CWT claims map")
    hcert = claims.get(CLAIM_HCERT)
    if hcert is None:
        if not isinstance(claims.get("name"), str):
            raise CwtError("no hcert (-260) claim")
    elif not isinstance(hcert, dict) or not isinstance(
        hcert.get(HCERT_EU_DCC, hcert.get(HCERT_DDCC_VS)), dict
    ):
        raise CwtError("hcert claim is not a map holding an EU DCC or DDCC payload")
    return Hc1Document(
        protected_header=sign1.protected_header,
        unprotected_header=sign1.unprotected_header,
        kid=sign1.kid,
        alg=sign1.alg,
        claims=claims,
        signature=sign1.signature,
        sig_structure=sign1.sig_structure,
    )


# --- verification: the engine's view of an HC1 (EU DCC) certificate --------------------------------


def signature_check(doc: Hc1Document) -> Callable[[Sequence[Any]], Signer | None]:
    """COSE signature check against trusted DSCs (ES256 / PS256, as the COSE alg says)."""

    def check(anchors: Sequence[Any]) -> Signer | None:
        for anchor in anchors:
            if cose.verify_signature(doc.alg, anchor.public_key, doc.sig_structure, doc.signature):
                return Signer(anchor.not_before, anchor.not_after, "signing certificate (DSC)")
        return None

    return check


def key_request(doc: Hc1Document) -> KeyRequest | None:
    if doc.kid is None:
        return None
    return KeyRequest("hc1", key_id=base64.b64encode(doc.kid).decode(), certificate_type="DSC")


def hc1_certificate(doc: Hc1Document, catalogue: Catalogue | None = None) -> DecodedCertificate:
    """An EU DCC (HC1) certificate: content from the EU payload and our DDCC extension (hcert claim 3)."""
    eu = doc.eu or {}
    nam = mapping(eu.get("nam"))
    entries = eu.get("v")
    entry = mapping(entries[0]) if isinstance(entries, list) and entries else {}
    uci = text(entry.get("ci"))
    ext = doc.ddcc or {}
    name = " ".join(
        p
        for p in (text(nam.get("gn")) or text(nam.get("gnt")), text(nam.get("fn")) or text(nam.get("fnt")))
        if p
    )
    shown = content(
        name=name or None,
        date_of_birth=text(eu.get("dob")),
        hcid=text(ext.get(11)) or _hcid_from_uci(uci),
        vaccine=_vaccine_name(text(entry.get("mp")), catalogue),
        dose=integer(entry.get("dn")),
        total_doses=integer(entry.get("sd")),
        date=day(entry.get("dt")),
        country=text(entry.get("co")),
    )
    return DecodedCertificate(
        format="HC1",
        issuer=doc.issuer,
        kid=base64.b64encode(doc.kid).decode() if doc.kid else None,
        key=key_request(doc),
        content=shown,
        check_signature=signature_check(doc),
        not_before=from_timestamp(doc.issued_at),
        not_after=from_timestamp(doc.expires_at),
        identifier=uci,
        country=shown.country,
        signature=doc.signature,
        no_key_reason="signing key not in the trust list",
    )


def _hcid_from_uci(uci: str | None) -> str | None:
    """Our UVCIs are URN:UVCI:01:<CC>:<HCID>#<check>; for others the UVCI is the identifier."""
    if not uci:
        return None
    split = split_uci(uci)
    return split[1] if split else uci


def _vaccine_name(mp: str | None, catalogue: Catalogue | None) -> str | None:
    """The product's name in the deployment's catalogue (the verifier passes the configured one),
    else in the packaged one; an unknown product shows its EU code."""
    if not mp:
        return None
    if catalogue is None:
        from vaxcert.catalogue import load_catalogue

        catalogue = load_catalogue()
    return next((p.display for p in catalogue.products.values() if p.eu_mp == mp), mp)

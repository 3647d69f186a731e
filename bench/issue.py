"""issue_cpu_ms, issue_floor_ratio and qr_version: in-process issuance with a local P-256 key."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from bench.common import example_form, log, median, rounded, time_calls
from vaxcert.catalogue import load_catalogue
from vaxcert.formats import base45, cose
from vaxcert.formats.cose import der_to_raw_ecdsa
from vaxcert.formats.ddcc_ext import NAMES
from vaxcert.formats.hc1 import decode_hc1, qr_version_q
from vaxcert.issuance.hcid import new_hcid
from vaxcert.issuance.service import IssuerProfile, sign_certificate
from vaxcert.settings import Settings
from vaxcert.sources.commcare import event_from_commcare, load_mapping
from vaxcert.sources.vaccination import VaccinationEvent
from vaxcert.types.certificate import Certificate

NOW = datetime(2021, 12, 14, 15, 2, 11, tzinfo=UTC)


@dataclass(frozen=True)
class LocalSigner:
    """A DocumentSigner on a local P-256 key (what KmsDocumentSigner does, without the KMS round trip)."""

    key: ec.EllipticCurvePrivateKey
    kid: bytes
    dsc_not_after: datetime

    def sign(self, message: bytes) -> bytes:
        return der_to_raw_ecdsa(self.key.sign(message, ec.ECDSA(hashes.SHA256())))


def local_signer() -> LocalSigner:
    return LocalSigner(
        ec.generate_private_key(ec.SECP256R1()),
        b"\x01\x02\x03\x04\x05\x06\x07\x08",
        NOW + timedelta(days=730),
    )


def default_issuer() -> IssuerProfile:
    """The IssuerProfile the issue function builds from default settings."""
    s = Settings()
    return IssuerProfile(
        country=s.country,
        name=s.issuer_name,
        validity_days=s.certificate_validity_days,
        portal_url=s.portal_url,
        eu_issuer=s.hc1_issuer_name,
        max_qr_version=s.hc1_max_qr_version,
    )


def example_event() -> tuple[VaccinationEvent, str]:
    form, source = example_form()
    return event_from_commcare(form, load_mapping()), source


def sign_example(signer: Any, *, hcid: str | None = None, now: datetime = NOW) -> Certificate:
    event, _ = example_event()
    return sign_certificate(
        event,
        hcid=hcid or new_hcid(),
        version=1,
        catalogue=load_catalogue(),
        signer=signer,
        issuer=default_issuer(),
        now=now,
    )


def run(iterations: int = 2000) -> dict[str, Any]:
    log(f"issue: {iterations} certificates in-process (local P-256 key)")
    event, source = example_event()
    catalogue = load_catalogue()
    issuer = default_issuer()
    signer = local_signer()
    hcids = iter([new_hcid() for _ in range(iterations + 50)])

    def issue_one() -> Certificate:
        return sign_certificate(
            event, hcid=next(hcids), version=1, catalogue=catalogue, signer=signer, issuer=issuer, now=NOW
        )

    time_calls(issue_one, 50)  # warm-up
    issue_s = median(time_calls(issue_one, iterations))

    # The floor: one ECDSA P-256 sign of the same Sig_structure + zlib + Base45 of the same COSE bytes.
    certificate = sign_certificate(
        event, hcid=new_hcid(), version=1, catalogue=catalogue, signer=signer, issuer=issuer, now=NOW
    )
    document = decode_hc1(certificate.qr)
    to_be_signed = document.sig_structure
    protected = cose.protected_header(cose.ES256, signer.kid)
    payload = cose.parse_sign1(zlib.decompress(base45.decode(certificate.qr[4:]))).payload

    def floor_one() -> str:
        signature = der_to_raw_ecdsa(signer.key.sign(to_be_signed, ec.ECDSA(hashes.SHA256())))
        return base45.encode(zlib.compress(cose.assemble_sign1(protected, payload, signature), 9))

    time_calls(floor_one, 50)
    floor_s = median(time_calls(floor_one, iterations))
    sign_s = median(time_calls(lambda: signer.key.sign(to_be_signed, ec.ECDSA(hashes.SHA256())), iterations))

    return {
        "issue_cpu_ms": rounded(issue_s * 1e3, 4),
        "issue_floor_ms": rounded(floor_s * 1e3, 4),
        "issue_floor_ratio": rounded(issue_s / floor_s, 2),
        "ecdsa_p256_sign_us": rounded(sign_s * 1e6, 1),
        "issue_iterations": iterations,
        "example_form": source,
    }


def qr_version() -> dict[str, Any]:
    """QR version (level Q) of the example form's HC1, signed with the default settings' IssuerProfile."""
    certificate = sign_example(local_signer())
    document = decode_hc1(certificate.qr)
    import segno

    symbol = segno.make(certificate.qr, error="q", micro=False, boost_error=False)
    return {
        "qr_version": int(symbol.version),
        "qr_version_predicted": qr_version_q(len(certificate.qr)),
        "hc1_chars": len(certificate.qr),
        "hc1_ddcc_fields": sorted(NAMES.get(k, str(k)) for k in (document.ddcc or {})),
    }

"""The verifier against the outside world: EU dgc-testdata and WHO ddcc-validator QR samples.

Skips when ../shared/conformance is absent. Known upstream-broken cases are listed in KNOWN_BROKEN and
docs/conformance.md.
"""

from __future__ import annotations

import base64
import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conformance_data import conformance_path
from vaxcert.formats.divoc import decode_divoc, divoc_content
from vaxcert.formats.errors import FormatError
from vaxcert.formats.hc1 import decode_hc1
from vaxcert.formats.shc import decode_shc, shc_content
from vaxcert.verification import InMemoryTrustStore, TrustedCertificate, verify_qr

pytestmark = pytest.mark.conformance

SIGNATURE_CHECKED = {"VALID", "REVOKED", "EXPIRED", "NOT_YET_VALID"}
# case (relative to dgc-testdata) -> why our answer legitimately differs from EXPECTEDRESULTS.
# Keep in sync with docs/conformance.md. These are left out of the agreement counts.
KNOWN_BROKEN: dict[str, str] = {
    "FR/2DCode/raw/test_pcr_ok.json": (
        "EXPECTEDDECODE: the signed CBOR has sc 2021-05-16T14:34:56Z and dr 2021-05-17T14:45:01Z, the JSON"
        " has 12:34:56Z and 12:45:01Z: the generator shifted the JSON by the CEST offset"
    ),
}
# ddcc-validator samples we cannot decode, with the reason (docs/conformance.md).


def _cases() -> list[tuple[str, dict[str, Any]]]:
    root = conformance_path("dgc-testdata")
    cases = []
    for path in sorted(root.glob("*/2DCode/raw/*.json")):
        try:
            cases.append((str(path.relative_to(root)), json.loads(path.read_text())))
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue  # not a test case file
    return cases


def _verify(case: dict[str, Any]):
    context = case.get("TESTCTX", {})
    certificates = []
    # Cases without a usable certificate can only come out UNKNOWN_ISSUER or MALFORMED.
    with contextlib.suppress(KeyError, ValueError):
        certificates.append(TrustedCertificate.from_der(base64.b64decode(context["CERTIFICATE"])))
    clock = context.get("VALIDATIONCLOCK")
    at = datetime.fromisoformat(clock.replace("Z", "+00:00")) if clock else datetime.now(UTC)
    return verify_qr(case.get("PREFIX") or "", InMemoryTrustStore(certificates), at=at)


def _normalise(value: Any) -> Any:
    """JSON and CBOR views of one payload: CBOR tag 0 date-times become datetimes; compare instants."""
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, str) and len(value) > 10 and value[4:5] == "-" and "T" in value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return value


def _decodes_to_json(case: dict[str, Any]) -> bool:
    try:
        return _normalise(decode_hc1(case.get("PREFIX") or "").eu) == _normalise(case.get("JSON"))
    except FormatError:
        return False


def _agreement(flag: str, ours) -> tuple[int, list[str]]:
    """(cases setting ``flag`` minus known-broken ones, descriptions of the cases where we disagree)."""
    cases = [
        (name, case)
        for name, case in _cases()
        if flag in case.get("EXPECTEDRESULTS", {}) and name not in KNOWN_BROKEN
    ]
    disagreements = []
    for name, case in cases:
        expected = case["EXPECTEDRESULTS"][flag]
        if ours(case) != expected:
            disagreements.append(
                f"{name}: expected {expected} ({case.get('TESTCTX', {}).get('DESCRIPTION', '')})"
            )
    return len(cases), disagreements


def test_expected_verify_agreement() -> None:
    total, disagreements = _agreement(
        "EXPECTEDVERIFY", lambda case: _verify(case).status in SIGNATURE_CHECKED
    )
    matched = total - len(disagreements)
    print(f"\nEXPECTEDVERIFY: {matched}/{total} agree; known broken: {len(KNOWN_BROKEN)}")
    print("\n".join(disagreements))
    assert total > 400
    assert matched / total >= 0.98, disagreements


def test_expected_decode_agreement() -> None:
    total, disagreements = _agreement("EXPECTEDDECODE", _decodes_to_json)
    print(f"\nEXPECTEDDECODE: {total - len(disagreements)}/{total} agree")
    assert total > 400
    assert (total - len(disagreements)) / total >= 0.98, disagreements


def test_expected_expiration_check_agreement() -> None:
    total, disagreements = _agreement(
        "EXPECTEDEXPIRATIONCHECK", lambda case: _verify(case).status not in {"EXPIRED", "NOT_YET_VALID"}
    )
    print(f"\nEXPECTEDEXPIRATIONCHECK: {total - len(disagreements)}/{total} agree")
    assert total > 400
    assert (total - len(disagreements)) / total >= 0.98, disagreements


def test_expected_failures_are_present_and_detected() -> None:
    """Guard against a verifier that says yes to everything: the negative cases must come out negative."""
    negatives = [
        case for _, case in _cases() if case.get("EXPECTEDRESULTS", {}).get("EXPECTEDVERIFY") is False
    ]
    assert negatives
    assert all(_verify(case).status not in SIGNATURE_CHECKED for case in negatives)


def _ddcc_samples() -> list[Path]:
    return sorted(conformance_path("ddcc-validator", "qr").glob("*Contents.txt"))


def test_ddcc_validator_samples_decode_to_their_format_as_unknown_issuer() -> None:
    """Every real QR of WHO's set, without its issuer's key: UNKNOWN_ISSUER in its format, never MALFORMED."""
    expected_format = {"DIVOC": "DIVOC", "SHC": "SHC", "WHO": "WHO", "EU": "HC1", "ICAO": "ICAO"}
    samples = _ddcc_samples()
    assert len(samples) >= 18
    for path in samples:
        result = verify_qr(path.read_text(), InMemoryTrustStore(), at=datetime.now(UTC))
        prefix = next(p for p in expected_format if path.name.startswith(p))
        assert (result.format, result.status) == (expected_format[prefix], "UNKNOWN_ISSUER"), (
            path.name,
            result.reason,
        )


def test_divoc_samples_decode_to_their_unpacked_json() -> None:
    for path in _ddcc_samples():
        if not path.name.startswith("DIVOC"):
            continue
        unpacked = json.loads(path.with_name(path.name.replace("Contents.txt", "Unpacked.json")).read_text())
        document = decode_divoc(path.read_text())
        assert document == unpacked
        content = divoc_content(document)
        assert content.name == unpacked["credentialSubject"]["name"]
        assert content.hcid == unpacked["evidence"][-1]["certificateId"]


def test_divoc_jamaica_summary() -> None:
    path = conformance_path("ddcc-validator", "qr", "DIVOCJamaicaContents.txt")
    content = divoc_content(decode_divoc(path.read_text()))
    assert (content.name, content.dateOfBirth, content.vaccine, content.dose, content.totalDoses) == (
        "test user",
        "1998-01-05",
        "Pfizer",
        2,
        2,
    )
    assert content.date == "2021-04-15"


def test_shc_samples_decode_to_their_unpacked_payload() -> None:
    for path in _ddcc_samples():
        if not path.name.startswith("SHC"):
            continue
        card = decode_shc(path.read_text())
        unpacked = path.with_name(path.name.replace("Contents.txt", "Unpacked.txt")).read_text().strip()
        assert unpacked.startswith(f"{card.signing_input.decode()}.")
        assert card.header["alg"] == "ES256"
        content = shc_content(card)
        assert content.name and content.dateOfBirth


def test_shc_vaccination_summary() -> None:
    card = decode_shc(conformance_path("ddcc-validator", "qr", "SHCQR1Contents.txt").read_text())
    content = shc_content(card)
    assert (content.name, content.dateOfBirth, content.vaccine, content.dose, content.date) == (
        "John B. Anyperson",
        "1951-01-20",
        "Spikevax (Moderna)",
        2,
        "2021-01-29",
    )


def test_who_ddcc_sample_content() -> None:
    path = conformance_path("ddcc-validator", "qr", "WHOQR1Contents.txt")
    unpacked = json.loads(path.with_name("WHOQR1Unpacked.json").read_text())
    doc = decode_hc1(path.read_text())
    assert doc.who_ddcc == unpacked


# The SMART Health Cards specification's example issuer key, as published at
# https://spec.smarthealth.cards/examples/issuer/.well-known/jwks.json (public key only).
SHC_SPEC_ISSUER = "https://spec.smarthealth.cards/examples/issuer"
SHC_SPEC_JWK = {
    "kty": "EC",
    "kid": "3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s",
    "use": "sig",
    "alg": "ES256",
    "crv": "P-256",
    "x": "11XvRWy1I2S0EyJlyf_bWfw_TQ5CJJNLw78bHXNxcgw",
    "y": "eZXwxvO1hvCY0KucrPfKo7yAyMT6Ajc3N7OkAB6VYy8",
}


def test_real_smart_health_card_verifies_with_its_issuer_key() -> None:
    """WHO's SHCQR1 sample is the SHC spec's example card: it verifies with the spec's published key."""
    from vaxcert.trust.keys import thumbprint
    from vaxcert.verification.trust_files import read_trust_file

    assert thumbprint(SHC_SPEC_JWK) == SHC_SPEC_JWK["kid"]  # RFC 7638, as the spec computes kids
    keys = read_trust_file(
        json.dumps({"keys": [SHC_SPEC_JWK]}).encode(), framework="shc", issuer=SHC_SPEC_ISSUER
    )
    qr = conformance_path("ddcc-validator", "qr", "SHCQR1Contents.txt").read_text()
    result = verify_qr(qr, InMemoryTrustStore(keys), at=datetime.now(UTC))
    assert (result.status, result.format, result.issuer) == ("VALID", "SHC", SHC_SPEC_ISSUER)
    assert result.certificate is not None and result.certificate.name == "John B. Anyperson"
    from vaxcert.formats.shc import encode_shc

    card = decode_shc(qr)
    flipped = bytes([card.signature[0] ^ 1]) + card.signature[1:]
    other = base64.urlsafe_b64encode(flipped).rstrip(b"=").decode()
    (tampered,) = encode_shc(f"{card.signing_input.decode()}.{other}")
    assert verify_qr(tampered, InMemoryTrustStore(keys), at=datetime.now(UTC)).status == "SIGNATURE_INVALID"

"""Other countries' certificates: unknown until their DSC is imported, VALID after."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.factories import example_record
from tests.integration.conftest import Invoker
from tests.signing import es256_signer, self_signed_dsc
from vaxcert.cli import main
from vaxcert.formats.eu_dcc import EuVaccineCodes
from vaxcert.formats.hc1 import encode_hc1, hcert_from_record, kid_for_certificate
from vaxcert.formats.uvci import make_uci


def _foreign_certificate(country: str) -> tuple[str, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    _, dsc = self_signed_dsc(key, country=country, not_before=now - timedelta(days=30))
    record = example_record()
    hcert = hcert_from_record(
        record,
        EuVaccineCodes("1119349007", "EU/1/20/1528", "ORG-100030215"),
        make_uci(country, record.certificate.hcid),
        eu_issuer=f"Ministry of Health {country}",
    )
    qr = encode_hc1(
        hcert,
        issuer_country=country,
        issued_at=now - timedelta(days=1),
        expires_at=now + timedelta(days=300),
        kid=kid_for_certificate(dsc),
        sign=es256_signer(key),
    )
    return qr, dsc


def test_imported_pem_dsc_makes_foreign_certificates_valid(
    aws, trust_material, invoke: Invoker, tmp_path: Path, monkeypatch
) -> None:
    from vaxcert.verification import sources

    # The verify function re-reads the trust table for an unknown kid at most every 5 s: not here.
    monkeypatch.setattr(sources, "UNKNOWN_KID_REFRESH_S", 0)
    qr, dsc = _foreign_certificate("DE")
    before = invoke.http("POST", "/v1/verify", {"qr": qr})[2]
    assert before["status"] == "UNKNOWN_ISSUER"

    pem = tmp_path / "de-dsc.pem"
    pem.write_bytes(x509.load_der_x509_certificate(dsc).public_bytes(serialization.Encoding.PEM))
    assert main(["trust", "import", str(pem)]) == 0

    after = invoke.http("POST", "/v1/verify", {"qr": qr})[2]
    assert (after["status"], after["issuer"]) == ("VALID", "DE")
    listed = invoke.http("GET", "/v1/trust-list")[2]["certificates"]
    assert any(c["country"] == "DE" and base64.b64decode(c["rawData"]) == dsc for c in listed)


def test_imported_trust_list_json(aws, trust_material, invoke: Invoker, tmp_path: Path) -> None:
    qr, dsc = _foreign_certificate("SG")
    document = {
        "certificates": [
            {
                "kid": base64.b64encode(kid_for_certificate(dsc)).decode(),
                "country": "SG",
                "certificateType": "DSC",
                "rawData": base64.b64encode(dsc).decode(),
            }
        ]
    }
    file = tmp_path / "sg.json"
    file.write_text(json.dumps(document))
    assert main(["trust", "import", str(file)]) == 0
    assert invoke.http("POST", "/v1/verify", {"qr": qr})[2]["status"] == "VALID"


def test_unreadable_file_is_a_usage_error(aws, tmp_path: Path) -> None:
    file = tmp_path / "nothing.json"
    file.write_text("{not json")
    assert main(["trust", "import", str(file)]) == 2

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.factories import EXAMPLE_HCID, example_record
from tests.signing import es256_signer, self_signed_dsc
from vaxcert.cli import main
from vaxcert.formats.eu_dcc import EuVaccineCodes
from vaxcert.formats.hc1 import encode_hc1, hcert_from_record, kid_for_certificate
from vaxcert.formats.uvci import make_uci

ISSUED = datetime(2021, 12, 14, 15, 0, tzinfo=UTC)
KEY = ec.generate_private_key(ec.SECP256R1())
_, DSC = self_signed_dsc(KEY)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    hcert = hcert_from_record(
        example_record(),
        EuVaccineCodes("1119349007", "EU/1/20/1528", "ORG-100030215"),
        make_uci("JM", EXAMPLE_HCID),
    )
    qr = encode_hc1(
        hcert,
        issuer_country="JM",
        issued_at=ISSUED,
        expires_at=ISSUED + timedelta(days=365),
        kid=kid_for_certificate(DSC),
        sign=es256_signer(KEY),
    )
    paths = {"qr": tmp_path / "qr.txt", "der": tmp_path / "dsc.der", "pem": tmp_path / "dsc.pem"}
    paths["qr"].write_text(qr + "\n")
    paths["der"].write_bytes(DSC)
    paths["pem"].write_bytes(x509.load_der_x509_certificate(DSC).public_bytes(serialization.Encoding.PEM))
    trust_list = {
        "certificates": [
            {
                "kid": base64.b64encode(kid_for_certificate(DSC)).decode(),
                "country": "JM",
                "certificateType": "DSC",
                "rawData": base64.b64encode(DSC).decode(),
            }
        ]
    }
    paths["trust"] = tmp_path / "trust.json"
    paths["trust"].write_text(json.dumps(trust_list))
    return paths


def test_valid_with_der_dsc_prints_json_and_exits_0(files, capsys) -> None:
    code = main(["verify", "--qr-file", str(files["qr"]), "--dsc-file", str(files["der"]), "--at",
                 "2022-01-01T00:00:00Z", "--json"])  # fmt: skip
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (result["status"], result["certificate"]["hcid"]) == ("VALID", EXAMPLE_HCID)


def test_pem_and_trust_list_file_and_human_output(files, capsys) -> None:
    assert (
        main(["verify", "--qr-file", str(files["qr"]), "--dsc-file", str(files["pem"]), "--at", "2022-01-01"])
        == 0
    )
    out = capsys.readouterr().out
    assert out.startswith("VALID")
    assert "Marcia Campbell" in out
    assert main(["verify", "--qr-file", str(files["qr"]), "--trust-list-file", str(files["trust"]), "--at",
                 "2022-01-01"]) == 0  # fmt: skip


def test_not_valid_exits_1(files, capsys) -> None:
    args = ["verify", "--qr-file", str(files["qr"]), "--dsc-file", str(files["der"])]
    code = main([*args, "--at", "2023-06-01", "--json"])
    assert code == 1
    assert json.loads(capsys.readouterr().out)["status"] == "EXPIRED"
    _, other = self_signed_dsc()
    files["der"].write_bytes(other)
    assert main(["verify", "--qr-file", str(files["qr"]), "--dsc-file", str(files["der"])]) == 1
    assert "UNKNOWN_ISSUER" in capsys.readouterr().out


@pytest.mark.parametrize(
    "extra",
    [
        [],  # no trust source
        ["--dsc-file", "/nonexistent/dsc.der"],
        ["--dsc-file", "DSC", "--at", "yesterday"],
    ],
)
def test_usage_errors_exit_2(files, extra, capsys) -> None:
    extra = [str(files["der"]) if a == "DSC" else a for a in extra]
    assert main(["verify", "--qr-file", str(files["qr"]), *extra]) == 2
    assert "vaxcert verify:" in capsys.readouterr().err


def test_missing_required_argument_exits_2() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["verify"])
    assert exc.value.code == 2

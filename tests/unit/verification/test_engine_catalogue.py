"""The verifier names vaccines from the deployment's catalogue (VACCINE_CATALOGUE_FILE, loaded by the
verify function and passed in), like ingest and issue, not always from the packaged file."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec

from tests.factories import EXAMPLE_HCID, example_record
from tests.signing import es256_signer, self_signed_dsc
from vaxcert.catalogue import load_catalogue
from vaxcert.formats.eu_dcc import EuVaccineCodes
from vaxcert.formats.hc1 import encode_hc1, hcert_from_record, kid_for_certificate
from vaxcert.formats.uvci import make_uci
from vaxcert.verification import InMemoryTrustStore, TrustedCertificate, verify_qr

ISSUED = datetime(2021, 12, 14, 15, 0, tzinfo=UTC)
KEY = ec.generate_private_key(ec.SECP256R1())
_, DSC = self_signed_dsc(KEY)
TRUST = InMemoryTrustStore([TrustedCertificate.from_der(DSC)])
COMIRNATY = EuVaccineCodes(vp="1119349007", mp="EU/1/20/1528", ma="ORG-100030215")


def _qr() -> str:
    hcert = hcert_from_record(example_record(), COMIRNATY, make_uci("JM", EXAMPLE_HCID))
    return encode_hc1(
        hcert,
        issuer_country="JAM",
        issued_at=ISSUED,
        expires_at=ISSUED + timedelta(days=365),
        kid=kid_for_certificate(DSC),
        sign=es256_signer(KEY),
    )


def test_vaccine_name_comes_from_the_configured_catalogue(tmp_path: Path) -> None:
    at = ISSUED + timedelta(days=1)
    packaged = verify_qr(_qr(), TRUST, at=at).certificate
    assert packaged is not None and packaged.vaccine == "Comirnaty (Pfizer-BioNTech)"

    catalogue = json.loads((files("vaxcert") / "config" / "vaccines.json").read_text())
    for vaccine in catalogue["vaccines"].values():
        if vaccine["eu"]["mp"] == COMIRNATY.mp:
            vaccine["display"] = "Comirnaty (Pfizer), as the ministry names it"
    own = tmp_path / "vaccines.json"
    own.write_text(json.dumps(catalogue))
    configured = verify_qr(_qr(), TRUST, at=at, catalogue=load_catalogue(str(own))).certificate
    assert configured is not None and configured.vaccine == "Comirnaty (Pfizer), as the ministry names it"

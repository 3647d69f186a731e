"""Every format end to end: our own vectors through POST /v1/verify on a real local stack, the ministry's
DIVOC key from the deployment setting, `vaxcert trust import` of each framework, the published trust
list, and `vaxcert verify` against it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from tests.conftest import ROOT
from tests.e2e.conftest import LocalStack, local_stack
from tests.vectors import (
    DIVOC_DID,
    DIVOC_RSA_DID,
    SHC_ISSUER,
    all_vectors,
    divoc_ed25519_key,
    divoc_rsa_key,
    hc1_dsc,
    icao_authority,
    public_pem,
    shc_jwks,
)
from vaxcert.trust.keys import jwk_from_public_key

pytestmark = pytest.mark.e2e
VECTORS = all_vectors()


@pytest.fixture(scope="module")
def divoc_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """A stack deployed with the ministry's DIVOC key (our Ed25519 test key) as DIVOC_PUBLIC_KEY."""
    jwk = {**jwk_from_public_key(divoc_ed25519_key().public_key()), "kid": DIVOC_DID}
    with local_stack(
        tmp_path_factory.mktemp("every-format"), extra_env={"DIVOC_PUBLIC_KEY": json.dumps(jwk)}
    ) as s:
        yield s


def vaxcert(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vaxcert.cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def _verify(stack: LocalStack, qr: str) -> dict[str, object]:
    response = stack.request("POST", "/v1/verify", {"qr": qr})
    assert response.status == 200, response.body
    return dict(response.json())


def test_every_format_through_the_api_the_trust_list_and_the_cli(
    divoc_stack: LocalStack, tmp_path: Path
) -> None:
    stack = divoc_stack
    # Deployed with the ministry's DIVOC key: its certificates verify from the first request.
    assert _verify(stack, VECTORS["divoc-ed25519"][0])["status"] == "VALID"
    assert _verify(stack, VECTORS["divoc-ed25519-tampered"][0])["status"] == "SIGNATURE_INVALID"
    for name in ("hc1-es256", "who", "divoc-rsa", "shc", "shc-chunked", "icao-ec-csca", "icao-rsa-csca"):
        assert _verify(stack, VECTORS[name][0])["status"] == "UNKNOWN_ISSUER", name
    listed = stack.request("GET", "/v1/trust-list").json()["certificates"]
    (configured,) = [e for e in listed if e["framework"] == "divoc"]
    assert (
        configured["kid"] == DIVOC_DID and configured["jwk"]["kty"] == "OKP" and "rawData" not in configured
    )

    # Trust the other issuers with the CLI, one framework at a time.
    credentials = tmp_path / "credentials.json"
    credentials.write_text(json.dumps(stack.credentials))
    local = ("--local", str(credentials))
    jwks = tmp_path / "shc-jwks.json"
    jwks.write_text(json.dumps(shc_jwks()))
    rsa_pem = tmp_path / "divoc-rsa.pem"
    rsa_pem.write_text(public_pem(divoc_rsa_key()))
    imports = [
        ("import", str(jwks), "--framework", "shc", "--issuer", SHC_ISSUER),
        ("import", str(rsa_pem), "--framework", "divoc", "--kid", DIVOC_RSA_DID, "--country", "JM"),
    ]
    for key_type in ("EC", "RSA"):
        dsc = tmp_path / f"dsc-{key_type}.der"
        dsc.write_bytes(hc1_dsc(key_type)[1])
        imports.append(("import", str(dsc), "--framework", "hc1"))
    for csca_type in ("EC", "RSA"):
        pem = tmp_path / f"csca-{csca_type}.pem"
        der = icao_authority(csca_type).csca_der
        from cryptography import x509

        pem.write_bytes(x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM))
        imports.append(("import", str(pem), "--framework", "icao"))
    for arguments in imports:
        done = vaxcert("trust", *arguments, *local)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "1 key(s) imported" in done.stdout

    listing = vaxcert("keys", "list", *local)
    assert listing.returncode == 0, listing.stderr
    assert f"shc IMPORTED DSC  - {SHC_ISSUER} kid=" in listing.stdout
    assert "icao IMPORTED CSCA JM" in listing.stdout and "divoc CONFIGURED" not in listing.stdout

    # POST /v1/verify uses them at once (the verify function re-reads the trust table on an unknown key).
    stack.wait_for(lambda: _verify(stack, VECTORS["shc"][0])["status"] == "VALID", timeout=15)
    for name, (qr, expected) in VECTORS.items():
        result = _verify(stack, qr)
        assert result["status"] == expected, (name, result["reason"])
        fmt = {"hc1": "HC1", "who": "WHO", "divoc": "DIVOC", "shc": "SHC", "icao": "ICAO"}[name.split("-")[0]]
        assert result["format"] == fmt

    # The trust list publishes every framework, with its JWK (and the SHC issuer) for the offline page.
    listed = stack.request("GET", "/v1/trust-list").json()["certificates"]
    frameworks = {e["framework"] for e in listed}
    assert {"hc1", "shc", "divoc", "icao"} <= frameworks
    for entry in listed:
        assert {"kid", "country", "certificateType", "notBefore", "notAfter", "framework", "jwk"} <= set(
            entry
        )
        if entry["framework"] in ("hc1", "icao"):
            assert entry["rawData"]
    # (our own SMART Health Card keys are listed too, under our own iss)
    (shc,) = [e for e in listed if e["framework"] == "shc" and e["issuer"] == SHC_ISSUER]
    assert shc["issuer"] == SHC_ISSUER and shc["kid"] == shc_jwks()["keys"][0]["kid"]
    assert len([e for e in listed if e["framework"] == "icao" and e["certificateType"] == "CSCA"]) == 2

    # `vaxcert verify` against the published trust list agrees with the API for every vector.
    trust_url = stack.api + "/v1/trust-list"
    for name, (qr, expected) in VECTORS.items():
        qr_file = tmp_path / f"{name}.txt"
        qr_file.write_text(qr)
        checked = vaxcert("verify", "--qr-file", str(qr_file), "--trust-list-url", trust_url, "--json")
        assert json.loads(checked.stdout)["status"] == expected, (name, checked.stdout, checked.stderr)
        assert checked.returncode == (0 if expected == "VALID" else 1)


def test_cli_verify_with_a_jwks_file_offline(tmp_path: Path) -> None:
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(shc_jwks()))
    qr = tmp_path / "shc.txt"
    qr.write_text(VECTORS["shc"][0])
    args = (
        "verify",
        "--qr-file",
        str(qr),
        "--trust-file",
        str(jwks),
        "--framework",
        "shc",
        "--issuer",
        SHC_ISSUER,
    )
    checked = vaxcert(*args)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith("VALID  (SHC")
    unknown = vaxcert(*args[:-1], "https://elsewhere.example")
    assert unknown.returncode == 1 and unknown.stdout.startswith("UNKNOWN_ISSUER")

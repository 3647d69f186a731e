"""Our SMART Health Card keys (trust/shc_keys): which entries publish a key, the JWKS and the per-key CRLs."""

from __future__ import annotations

from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.signing import self_signed_dsc
from vaxcert.formats import shc_card
from vaxcert.trust import shc_keys
from vaxcert.types.trust import TrustEntry

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _entry(
    key: object, *, kid: bytes, origin: str = "OWN", kind: str = "DSC", status: str = "ACTIVE"
) -> TrustEntry:
    _, der = self_signed_dsc(key)  # type: ignore[arg-type]
    return TrustEntry(
        kid=kid,
        country="JM",
        certificate_type=kind,
        der=der,
        origin=origin,
        status=status,
        key_id="key",
        signing=False,
        not_before=NOW,
        not_after=NOW,
    )


EC1, EC2 = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
OWN1 = _entry(EC1, kid=b"\x01" * 8)
OWN2 = _entry(EC2, kid=b"\x02" * 8)


def test_only_our_active_p256_dscs_are_card_keys() -> None:
    others = [
        _entry(ec.generate_private_key(ec.SECP256R1()), kid=b"\x03" * 8, origin="IMPORTED"),
        _entry(ec.generate_private_key(ec.SECP256R1()), kid=b"\x04" * 8, kind="CSCA"),
        _entry(rsa.generate_private_key(public_exponent=65537, key_size=2048), kid=b"\x05" * 8),
        _entry(ec.generate_private_key(ec.SECP256R1()), kid=b"\x06" * 8, status="WITHDRAWN"),
    ]
    keys = shc_keys.card_keys([OWN1, OWN2, *others])
    assert [k.kid for k in keys] == [
        shc_card.issuer_jwk(EC1.public_key())["kid"],
        shc_card.issuer_jwk(EC2.public_key())["kid"],
    ]
    assert len(shc_keys.card_keys(others, include_withdrawn=True)) == 1


def test_jwks_and_crls_follow_the_revoked_certificates_of_each_key() -> None:
    keys = shc_keys.card_keys([OWN1, OWN2])
    revoked = [
        ("HCIDA", OWN1.kid_b64, "REVOKED"),
        ("HCIDB", OWN1.kid_b64, "SUPERSEDED"),
        ("X", "other", "REVOKED"),
    ]
    rids = shc_keys.revoked_rids(keys, revoked)
    first, second = keys
    assert rids[first.kid] == sorted([shc_card.rid_for("HCIDA"), shc_card.rid_for("HCIDB")])
    assert rids[second.kid] == []
    jwks = shc_keys.jwks_document(keys, rids)
    assert [(k["kid"], k["crlVersion"]) for k in jwks["keys"]] == [(first.kid, 3), (second.kid, 1)]
    assert all("d" not in k and k["use"] == "sig" and k["alg"] == "ES256" for k in jwks["keys"])
    crl = shc_keys.crl_for(first.kid, keys, rids)
    assert crl == {"kid": first.kid, "method": "rid", "ctr": 3, "rids": rids[first.kid]}
    assert shc_keys.crl_for("not-ours", keys, rids) is None

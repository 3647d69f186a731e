"""Citizen session tokens: round trip, expiry, audience, forgeries, alg confusion, KMS key cached."""

from __future__ import annotations

import json
import time

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from vaxcert.citizen.sessions import AUDIENCE, MAX_TTL_S, SessionTokens
from vaxcert.formats.cose import der_to_raw_ecdsa
from vaxcert.formats.tokens import InvalidToken, b64url_decode, b64url_encode, encode

MOBILE = "+18765550123"


class Signer:
    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.public_der = self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.key_fetches = 0

    def sign(self, message: bytes) -> bytes:
        return der_to_raw_ecdsa(self.key.sign(message, ec.ECDSA(hashes.SHA256())))

    def public_key_der(self) -> bytes:
        self.key_fetches += 1
        return self.public_der


class Clock:
    # Dates the tokens issued; PyJWT checks exp/iat against the real clock, so each test's clock
    # starts at the real time (a full run reaches a test long after this module is imported).
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def signer() -> Signer:
    return Signer()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sessions(signer: Signer, clock: Clock) -> SessionTokens:
    return SessionTokens(signer, signer.public_key_der, clock=clock)


def claims_of(token: str) -> dict:
    return json.loads(b64url_decode(token.split(".")[1]))


def test_round_trip_and_claims(sessions: SessionTokens, signer: Signer) -> None:
    token, expires_in = sessions.issue(MOBILE)
    assert 0 < expires_in <= MAX_TTL_S
    claims = claims_of(token)
    assert claims["sub"] == MOBILE and claims["aud"] == AUDIENCE
    assert claims["exp"] - claims["iat"] == expires_in and len(claims["jti"]) >= 16
    assert json.loads(b64url_decode(token.split(".")[0]))["alg"] == "ES256"
    for _ in range(3):
        assert sessions.verify(token).mobile == MOBILE
    assert signer.key_fetches == 1  # the public key is fetched once, not per request


def test_expired(sessions: SessionTokens, clock: Clock) -> None:
    clock.now -= sessions.ttl_s + 31  # issued so long ago it expired past the 30 s skew allowance
    token, _ = sessions.issue(MOBILE)
    with pytest.raises(InvalidToken, match="expired"):
        sessions.verify(token)


def test_ttl_is_capped() -> None:
    with pytest.raises(ValueError):
        SessionTokens(Signer(), lambda: b"", ttl_s=MAX_TTL_S + 1)


def _resign(sessions: SessionTokens, signer: Signer, token: str, header=None, **changes) -> str:
    claims = {**claims_of(token), **changes}
    return encode(header or {"alg": "ES256", "typ": "JWT"}, claims, signer.sign)


def test_wrong_audience_or_long_lifetime_even_if_signed(sessions: SessionTokens, signer: Signer) -> None:
    token, _ = sessions.issue(MOBILE)
    with pytest.raises(InvalidToken, match="audience"):
        sessions.verify(_resign(sessions, signer, token, aud="vaxcert-staff"))
    claims = claims_of(token)
    with pytest.raises(InvalidToken, match="lifetime"):
        sessions.verify(_resign(sessions, signer, token, exp=claims["iat"] + 86400))
    with pytest.raises(InvalidToken):
        sessions.verify(_resign(sessions, signer, token, sub="someone"))


def test_forgeries(sessions: SessionTokens, signer: Signer) -> None:
    token, _ = sessions.issue(MOBILE)
    header, payload, signature = token.split(".")
    other = Signer()
    forged_claims = b64url_encode(json.dumps({**claims_of(token), "sub": "+18765550999"}).encode())
    cases = [
        f"{header}.{forged_claims}.{signature}",  # changed claims, old signature
        _resign(sessions, other, token),  # signed by another key
        b64url_encode(b'{"alg":"none"}') + f".{payload}.",  # alg none, no signature
        b64url_encode(b'{"alg":"none"}') + f".{payload}.{signature}",
        _resign(sessions, signer, token, header={"alg": "HS256"}),
        _resign(sessions, signer, token, header={"alg": "ES256", "crit": ["exp"]}),
        f"{header}.{payload}",
        f"{header}.{payload}.{signature}.x",
        f"{header}.{payload}.{signature[:-4]}",
        "",
        "a.b.c",
        "x" * 9000,
    ]
    for bad in cases:
        with pytest.raises(InvalidToken):
            sessions.verify(bad)

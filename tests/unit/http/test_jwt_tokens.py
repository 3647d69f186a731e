"""RS256 (Cognito ID token) verification, claim checks and the JWKS cache."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from vaxcert.errors import TransientFailure
from vaxcert.formats.tokens import InvalidToken, b64url_encode, encode
from vaxcert.http.cognito import CognitoIdTokens, Jwks, jwks_url, pool_issuer

POOL = "us-east-1_TEST"
CLIENT = "client123"
ISSUER = pool_issuer("us-east-1", POOL)
# PyJWT checks exp/nbf/iat against the real clock: tokens are dated from it, afresh for each test
# (a full run reaches a test minutes after this module is imported).
NOW = int(time.time())


@pytest.fixture(autouse=True)
def _now() -> None:
    global NOW
    NOW = int(time.time())


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk(key: rsa.RSAPrivateKey, kid: str) -> dict:
    numbers = key.public_key().public_numbers()
    n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
    return {
        "kty": "RSA",
        "alg": "RS256",
        "kid": kid,
        "n": b64url_encode(n),
        "e": b64url_encode(b"\x01\x00\x01"),
    }


KEY = rsa_key()


NO_USERNAME: dict[str, Any] = {"cognito:username": None}


def id_token(*, key: rsa.RSAPrivateKey = KEY, kid: str = "k1", alg: str = "RS256", **changes: Any) -> str:
    claims = {
        "iss": ISSUER,
        "aud": CLIENT,
        "token_use": "id",
        "cognito:username": "nurse.brown",
        "cognito:groups": ["facility-staff"],
        "iat": NOW,
        "exp": NOW + 3600,
        **changes,
    }
    claims = {k: v for k, v in claims.items() if v is not None}
    return encode(
        {"alg": alg, "kid": kid}, claims, lambda m: key.sign(m, padding.PKCS1v15(), hashes.SHA256())
    )


class Fetcher:
    def __init__(self, *keys: dict):
        self.document = {"keys": list(keys)}
        self.calls = 0

    def __call__(self, url: str) -> dict:
        self.calls += 1
        return self.document


def verifier(fetch: Fetcher, clock=lambda: NOW) -> CognitoIdTokens:
    return CognitoIdTokens(
        Jwks("https://example/jwks.json", fetch, clock=lambda: 0.0),
        issuer=ISSUER,
        client_id=CLIENT,
        clock=clock,
    )


def test_valid_id_token_and_cached_jwks() -> None:
    fetch = Fetcher(jwk(KEY, "k1"))
    tokens = verifier(fetch)
    for _ in range(3):
        principal = tokens.verify(id_token())
    assert principal.username == "nurse.brown" and principal.groups == frozenset({"facility-staff"})
    assert fetch.calls == 1


@pytest.mark.parametrize(
    "token",
    [
        id_token(exp=NOW - 31),
        id_token(aud="other-client"),
        id_token(iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_OTHER"),
        id_token(token_use="access"),
        id_token(**NO_USERNAME),
        id_token(exp=None),
        id_token(key=rsa_key()),
        id_token(kid="unknown"),
        id_token(alg="RS512"),
        b64url_encode(b'{"alg":"none","kid":"k1"}') + "." + id_token().split(".")[1] + ".",
    ],
)
def test_rejected_tokens(token: str) -> None:
    with pytest.raises(InvalidToken):
        verifier(Fetcher(jwk(KEY, "k1"))).verify(token)


def test_unknown_kid_refreshes_at_most_once_a_minute() -> None:
    new_key = rsa_key()
    fetch = Fetcher(jwk(KEY, "k1"))
    now = [0.0]
    jwks = Jwks("u", fetch, clock=lambda: now[0])
    tokens = CognitoIdTokens(jwks, issuer=ISSUER, client_id=CLIENT, clock=lambda: NOW)
    tokens.verify(id_token())
    fetch.document = {"keys": [jwk(KEY, "k1"), jwk(new_key, "k2")]}
    with pytest.raises(InvalidToken):
        tokens.verify(id_token(key=new_key, kid="k2"))  # too soon to refetch
    now[0] = 61.0
    assert tokens.verify(id_token(key=new_key, kid="k2")).username == "nurse.brown"
    assert fetch.calls == 2


def test_jwks_unavailable_is_transient() -> None:
    def down(url: str) -> dict:
        raise OSError("connection refused")

    with pytest.raises(TransientFailure):
        Jwks("u", down).keys()


def test_jwks_url_on_aws_and_on_an_emulator() -> None:
    assert jwks_url("us-east-1", POOL, "") == f"{ISSUER}/.well-known/jwks.json"
    assert (
        jwks_url("us-east-1", POOL, "http://127.0.0.1:5000")
        == f"http://127.0.0.1:5000/{POOL}/.well-known/jwks.json"
    )


def test_claims_accept_audience_lists_and_skew() -> None:
    tokens = verifier(Fetcher(jwk(KEY, "k1")))
    assert tokens.verify(id_token(exp=NOW - 10, aud=["a", CLIENT])).username == "nurse.brown"
    with pytest.raises(InvalidToken, match="not yet valid"):
        tokens.verify(id_token(exp=NOW + 60, iat=NOW + 120))
    with pytest.raises(InvalidToken):
        tokens.verify(id_token(exp=True))
    with pytest.raises(InvalidToken, match="not yet valid"):
        tokens.verify(id_token(exp=NOW + 60, nbf=NOW + 120))
    with pytest.raises(InvalidToken, match="exp missing"):
        tokens.verify(id_token(exp=None))
    with pytest.raises(InvalidToken, match="wrong audience"):
        tokens.verify(id_token(aud=["a", "b"]))
    with pytest.raises(InvalidToken, match="wrong issuer"):
        tokens.verify(id_token(iss="https://example.com/"))
    with pytest.raises(InvalidToken, match="expired"):
        tokens.verify(id_token(exp=NOW - 31))


def test_jwks_fetch_failure_keeps_serving_the_cached_keys() -> None:
    fetch = Fetcher(jwk(KEY, "k1"))
    now = [0.0]
    tokens = CognitoIdTokens(
        Jwks("u", fetch, clock=lambda: now[0]), issuer=ISSUER, client_id=CLIENT, clock=lambda: NOW
    )
    tokens.verify(id_token())

    def down(url: str) -> dict:
        raise OSError("connection refused")

    tokens._jwks._fetch = down
    now[0] = 7 * 3600.0  # past the JWKS TTL: the refresh fails, the keys we have still verify
    assert tokens.verify(id_token()).username == "nurse.brown"


def test_json_that_is_not_an_object_is_rejected() -> None:
    bad = b64url_encode(b"[1]") + "." + b64url_encode(json.dumps({"exp": 1}).encode()) + ".AA"
    with pytest.raises(InvalidToken):
        verifier(Fetcher()).verify(bad)

"""verify_engine_by_format: the engine's p50 for each format we verify, with our own test vectors
(tests/vectors.py: HC1 ES256, WHO, DIVOC Ed25519 and RSA, SHC, ICAO) and an in-memory trust store.

Targets (issue 13): HC1 and SHC within 5 x one ECDSA P-256 verify; DIVOC, JSON-LD canonicalisation of the
credential and of the proof options included, within 20 ms.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from bench.common import log, median, rounded, time_calls

FORMATS = {
    "HC1": "hc1-es256",
    "WHO": "who",
    "DIVOC": "divoc-ed25519",
    "DIVOC_RSA": "divoc-rsa",
    "SHC": "shc",
    "ICAO": "icao-ec-csca",
}


def run(iterations: int = 1000) -> dict[str, Any]:
    from tests.vectors import all_vectors, trust_store
    from vaxcert.verification.engine import verify_qr

    log(f"verify engine per format: {iterations} verifications each (DIVOC: {max(5, iterations // 10)})")
    vectors, trust, at = all_vectors(), trust_store(), datetime(2026, 12, 1, tzinfo=UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    message = b"x" * 200
    signature = key.sign(message, ec.ECDSA(hashes.SHA256()))
    public = key.public_key()
    ecdsa = median(
        time_calls(lambda: public.verify(signature, message, ec.ECDSA(hashes.SHA256())), iterations)
    )

    p50_us: dict[str, float] = {}
    for fmt, name in FORMATS.items():
        qr = vectors[name][0]
        result = verify_qr(qr, trust, at=at)
        if result.status != "VALID":
            raise RuntimeError(f"{fmt}: {result.status} {result.reason}")
        count = max(5, iterations // 10) if fmt.startswith("DIVOC") else iterations

        def once(qr: str = qr) -> object:
            return verify_qr(qr, trust, at=at)

        time_calls(once, max(3, count // 10))  # warm caches
        p50_us[fmt] = rounded(median(time_calls(once, count)) * 1e6, 1)
    return {
        "verify_engine_by_format_p50_us": p50_us,
        "verify_engine_by_format_ratio": {f: rounded(v / (ecdsa * 1e6), 2) for f, v in p50_us.items()},
        "verify_engine_divoc_p50_ms": rounded(p50_us["DIVOC"] / 1000, 2),
        "verify_engine_divoc_rsa_p50_ms": rounded(p50_us["DIVOC_RSA"] / 1000, 2),
        "ecdsa_p256_verify_us_formats": rounded(ecdsa * 1e6, 1),
    }

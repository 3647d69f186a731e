"""verify_p50_us / verify_p99_us (warm verify handler on moto in-process) and verify_engine_p50_us."""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from bench.common import log, median, percentile, rounded, time_calls
from bench.issue import sign_example

REGION = "us-east-1"


@contextlib.contextmanager
def moto_environment() -> Iterator[dict[str, str]]:
    """moto in-process with every resource of resources.py; the settings caches bound to it."""
    from moto import mock_aws

    saved = dict(os.environ)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106 - moto accepts any credentials
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        # As deployed (infra/functions.py): INFO logs, no tracing, no event logging.
        POWERTOOLS_LOG_LEVEL="INFO",
        POWERTOOLS_TRACE_DISABLED="true",
        POWERTOOLS_LOGGER_LOG_EVENT="false",
        POWERTOOLS_METRICS_NAMESPACE="vaxcert",
    )
    try:
        with mock_aws():
            from local_stack.provision import provision
            from vaxcert.runtime import wiring

            env = provision(REGION)
            os.environ.update(env)
            wiring.rebind()  # settings, clients, services and resolvers: built afresh for this account
            wiring.settings()
            yield env
    finally:
        os.environ.clear()
        os.environ.update(saved)
        # Leave nothing bound to the finished moto account behind: settings, clients, services.
        from vaxcert.runtime import wiring

        wiring.rebind()


def _verify_event(qr: str) -> dict[str, Any]:
    from local_stack.gateway import proxy_event

    body = json.dumps({"qr": qr}).encode()
    return proxy_event("POST", "/v1/verify", {"Content-Type": "application/json"}, body, "192.0.2.10")


def run(iterations: int = 2000) -> dict[str, Any]:
    from local_stack.lambda_runtime import LocalContext
    from vaxcert.signing.kms import KmsDocumentSigner
    from vaxcert.signing.trust_material import ensure_trust_material
    from vaxcert.store.certificates import CertificateRepository
    from vaxcert.store.trust import TrustRepository
    from vaxcert.verification.engine import verify_qr
    from vaxcert.verification.trust import InMemoryTrustStore, TrustedCertificate

    log(f"verify: warm handler on moto in-process, {iterations} requests; engine alone")
    results: dict[str, Any] = {}
    with moto_environment() as env:
        ensure_trust_material(
            TrustRepository(),
            csca_key_id=env["CSCA_KEY_ID"],
            signing_key_id=env["SIGNING_KEY_ID"],
            country="JM",
            now=datetime.now(UTC),
        )
        dsc = TrustRepository().signing_dsc()
        assert dsc is not None and dsc.key_id
        # Signed by the (moto) KMS signing key whose DSC is in the trust table, and stored, so the
        # revocation check reads a real item.
        certificate = sign_example(
            KmsDocumentSigner(dsc.key_id, dsc.kid, dsc.not_after), now=datetime.now(UTC)
        )
        CertificateRepository().put_new(certificate)

        # Powertools writes one INFO line per request to stdout (as in Lambda): keep it off our JSON.
        with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
            module = importlib.import_module("functions.verify.handler")
            from vaxcert.runtime.verify import services  # reset by moto_environment: built for this account

            context = LocalContext("vaxcert-verify", 512, 10)
            events = [_verify_event(certificate.qr) for _ in range(iterations + 100)]
            answer = module.handler(events[-1], context)
            status = json.loads(answer["body"])["status"]
            if answer["statusCode"] != 200 or status != "VALID":
                raise RuntimeError(f"verify handler answered {answer['statusCode']} {answer['body'][:200]}")
            it = iter(events)
            time_calls(lambda: module.handler(next(it), context), 99)  # warm-up (trust cache filled)
            handler_samples = time_calls(lambda: module.handler(next(it), context), iterations)

            # The same handler with the revocation read taken out: what the DynamoDB GetItem costs.
            real = services()

            class NotRevoked:
                def is_revoked(self, uci: str, country: str, signature: bytes) -> bool:
                    return False

            services.use(dataclasses.replace(real, revocations=NotRevoked()))
            try:
                events = [_verify_event(certificate.qr) for _ in range(iterations + 50)]
                it = iter(events)
                time_calls(lambda: module.handler(next(it), context), 50)
                no_revocation = time_calls(lambda: module.handler(next(it), context), iterations)
            finally:
                services.use(real)
            repository = CertificateRepository()
            get_item = time_calls(lambda: repository.get(certificate.hcid), max(200, iterations // 4))

        trust = InMemoryTrustStore([TrustedCertificate.from_der(dsc.der, country="JM", kid=dsc.kid)])
        at = datetime.now(UTC)
        engine_result = verify_qr(certificate.qr, trust, at=at)
        if engine_result.status != "VALID":
            raise RuntimeError(f"engine: {engine_result.status} {engine_result.reason}")
        time_calls(lambda: verify_qr(certificate.qr, trust, at=at), 100)
        engine_samples = time_calls(lambda: verify_qr(certificate.qr, trust, at=at), iterations)

        from vaxcert.formats.hc1 import decode_hc1

        document = decode_hc1(certificate.qr)
        public_key = trust.certificates_for(dsc.kid)[0].public_key
        from vaxcert.formats.cose import raw_to_der_ecdsa

        der_signature = raw_to_der_ecdsa(document.signature)
        algorithm = ec.ECDSA(hashes.SHA256())
        public_key.verify(der_signature, document.sig_structure, algorithm)
        ecdsa_samples = time_calls(
            lambda: public_key.verify(der_signature, document.sig_structure, algorithm), iterations
        )

    ecdsa = median(ecdsa_samples)
    p50 = median(handler_samples)
    results.update(
        {
            "verify_p50_us": rounded(p50 * 1e6, 1),
            "verify_p99_us": rounded(percentile(handler_samples, 99) * 1e6, 1),
            "verify_no_revocation_p50_us": rounded(median(no_revocation) * 1e6, 1),
            "verify_dynamodb_getitem_moto_p50_us": rounded(median(get_item) * 1e6, 1),
            "verify_engine_p50_us": rounded(median(engine_samples) * 1e6, 1),
            "verify_engine_p99_us": rounded(percentile(engine_samples, 99) * 1e6, 1),
            "ecdsa_p256_verify_us": rounded(ecdsa * 1e6, 1),
            "verify_floor_ratio": rounded(p50 / ecdsa, 2),
            "verify_engine_floor_ratio": rounded(median(engine_samples) / ecdsa, 2),
            "verify_iterations": iterations,
        }
    )
    return results

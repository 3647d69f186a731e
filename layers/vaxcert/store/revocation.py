"""The published revocation list in the artefacts bucket: `revocation/latest.json` plus a history copy."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from vaxcert.errors import TransientFailure
from vaxcert.store.artefacts import S3Blobs
from vaxcert.store.aws import transient_on_aws_errors

LATEST_KEY = "revocation/latest.json"
HISTORY_PREFIX = "revocation/history/"


class RevocationListObjects:
    def __init__(self, blobs: S3Blobs):
        self.blobs = blobs

    def save(self, document: dict[str, Any]) -> None:
        data = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
        # History first: `latest` never names a list that was not kept.
        stamp = str(document["issuedAt"]).replace(":", "")
        self.blobs.put(f"{HISTORY_PREFIX}{stamp}-{document['jws'][-16:]}.json", data, "application/json")
        self.blobs.put(LATEST_KEY, data, "application/json")

    def latest(self) -> dict[str, Any] | None:
        data = self.blobs.get(LATEST_KEY)
        return json.loads(data) if data is not None else None


class RevocationPublisher:
    """Rebuild, sign (current signing DSC's KMS key) and store the revocation list."""

    def __init__(self, *, bucket: str, country: str, validity: timedelta):
        self.objects = RevocationListObjects(S3Blobs(bucket))
        self.country = country
        self.validity = validity

    @transient_on_aws_errors
    def publish(
        self, include: Iterable[str] = (), now: datetime | None = None, include_divoc: Iterable[str] = ()
    ) -> dict[str, Any]:
        from vaxcert.lifecycle.revocation_list import publish
        from vaxcert.signing.kms import KmsDocumentSigner
        from vaxcert.store.certificates import CertificateRepository
        from vaxcert.store.trust import TrustRepository

        dsc = TrustRepository().signing_dsc()
        if dsc is None or not dsc.key_id:
            raise TransientFailure("no signing DSC: run `vaxcert keys init`")
        return publish(
            CertificateRepository(),
            KmsDocumentSigner(dsc.key_id, dsc.kid, dsc.not_after),
            self.objects,
            issuer=self.country,
            now=now or datetime.now(UTC),
            validity=self.validity,
            include=include,
            include_divoc=include_divoc,
        )

"""Publishing the revocation list: rebuild it from the certificates, sign it with the current signing
DSC's KMS key and store it in the artefacts bucket (`revocation/latest.json` plus a history copy)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from vaxcert.errors import TransientFailure
from vaxcert.store.artefacts import S3Blobs
from vaxcert.store.aws import transient_on_aws_errors
from vaxcert.store.revocation import RevocationListObjects


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
        # Imported on use, as before: the functions that hold a publisher rarely publish (cold start).
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

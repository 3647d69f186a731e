"""ES256 with a KMS-held key: the private key never leaves KMS.

KMS returns DER ECDSA signatures; COSE and JWS need raw r||s, hence the conversion.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from vaxcert.formats.cose import der_to_raw_ecdsa
from vaxcert.metrics import emit_metric
from vaxcert.store.aws import client, error_code, transient_on_aws_errors

# KMS signs messages up to 4096 bytes with MessageType=RAW (it hashes them itself).
MAX_RAW_MESSAGE = 4096
KMS_THROTTLED = ("ThrottlingException", "LimitExceededException")
KMS_THROTTLED_METRIC = "KmsSignThrottled"  # after the SDK's own retries gave up


class KmsSigner:
    """Signs with ECDSA_SHA_256 in KMS; `sign_der` for X.509, `sign` (raw r||s) for COSE/JWS."""

    def __init__(self, key_id: str, kms: Any | None = None):
        self.key_id = key_id
        self._kms = kms

    @property
    def kms(self) -> Any:
        if self._kms is None:
            self._kms = client("kms")
        return self._kms

    @transient_on_aws_errors
    def sign_der(self, message: bytes) -> bytes:
        if len(message) > MAX_RAW_MESSAGE:
            raise ValueError("message too long for KMS RAW signing")
        try:
            response = self.kms.sign(
                KeyId=self.key_id, Message=message, MessageType="RAW", SigningAlgorithm="ECDSA_SHA_256"
            )
        except ClientError as exc:
            if error_code(exc) in KMS_THROTTLED:  # the account's Sign quota: alarmed (infra/alarms.py)
                emit_metric(KMS_THROTTLED_METRIC, 1)
            raise
        return bytes(response["Signature"])

    def sign(self, message: bytes) -> bytes:
        return der_to_raw_ecdsa(self.sign_der(message))

    @transient_on_aws_errors
    def public_key_der(self) -> bytes:
        return bytes(self.kms.get_public_key(KeyId=self.key_id)["PublicKey"])


class KmsDocumentSigner(KmsSigner):
    """The active DSC's key, with the kid and validity the HC1 must carry."""

    def __init__(self, key_id: str, kid: bytes, dsc_not_after: datetime, kms: Any | None = None):
        super().__init__(key_id, kms)
        self._kid = kid
        self._not_after = dsc_not_after

    @property
    def kid(self) -> bytes:
        return self._kid

    @property
    def dsc_not_after(self) -> datetime:
        return self._not_after

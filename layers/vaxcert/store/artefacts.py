"""The artefacts bucket as a small blob store (rendered PDFs and QR images)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from vaxcert.store.aws import client, error_code, transient_on_aws_errors


class S3Blobs:
    def __init__(self, bucket: str, s3: Any | None = None):
        self.bucket = bucket
        self._s3 = s3

    @property
    def s3(self) -> Any:
        if self._s3 is None:
            self._s3 = client("s3")
        return self._s3

    @transient_on_aws_errors
    def get(self, key: str) -> bytes | None:
        try:
            return bytes(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())
        except ClientError as exc:
            if error_code(exc) in ("NoSuchKey", "404"):
                return None
            raise

    @transient_on_aws_errors
    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

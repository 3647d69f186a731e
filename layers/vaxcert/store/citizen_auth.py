"""CitizenAuth table: OTP items and rate-limit counters (the OtpStore of vaxcert.citizen.otp)."""

from __future__ import annotations

import base64

from pynamodb.exceptions import UpdateError

from vaxcert.citizen.otp import StoredOtp
from vaxcert.store.aws import is_conditional_failure, transient_on_aws_errors
from vaxcert.store.models import CitizenAuthItem


def _otp_key(ref: str) -> str:
    return f"otp#{ref}"


class DynamoOtpStore:
    @transient_on_aws_errors
    def put_otp(self, otp: StoredOtp) -> None:
        # Unconditional: a new code replaces the previous one, its attempts and its used mark.
        CitizenAuthItem(
            _otp_key(otp.ref),
            expiresAt=otp.expires_at,
            salt=base64.b64encode(otp.salt).decode(),
            digest=otp.digest,
            issuedAt=otp.issued_at,
            attempts=otp.attempts,
            usedAt=otp.used_at,
        ).save()

    @transient_on_aws_errors
    def get_otp(self, ref: str) -> StoredOtp | None:
        try:
            item = CitizenAuthItem.get(_otp_key(ref), consistent_read=True)
        except CitizenAuthItem.DoesNotExist:
            return None
        if item.salt is None or item.digest is None or item.issuedAt is None:
            return None
        return StoredOtp(
            ref=ref,
            salt=base64.b64decode(item.salt),
            digest=item.digest,
            issued_at=int(item.issuedAt),
            expires_at=int(item.expiresAt),
            attempts=int(item.attempts or 0),
            used_at=int(item.usedAt) if item.usedAt is not None else None,
        )

    @transient_on_aws_errors
    def add_failure(self, ref: str, issued_at: int, max_attempts: int) -> bool:
        return self._conditional_update(
            ref,
            [CitizenAuthItem.attempts.add(1)],
            (CitizenAuthItem.issuedAt == issued_at) & (CitizenAuthItem.attempts < max_attempts),
        )

    @transient_on_aws_errors
    def consume(self, ref: str, issued_at: int, max_attempts: int, now: int) -> bool:
        return self._conditional_update(
            ref,
            [CitizenAuthItem.usedAt.set(now)],
            (CitizenAuthItem.issuedAt == issued_at)
            & CitizenAuthItem.usedAt.does_not_exist()
            & (CitizenAuthItem.attempts < max_attempts),
        )

    @transient_on_aws_errors
    def hit(self, key: str, max_count: int, expires_at: int) -> bool:
        try:
            CitizenAuthItem(key).update(
                actions=[CitizenAuthItem.hits.add(1), CitizenAuthItem.expiresAt.set(expires_at)],
                condition=CitizenAuthItem.hits.does_not_exist() | (CitizenAuthItem.hits < max_count),
            )
        except UpdateError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    @transient_on_aws_errors
    def unhit(self, key: str) -> None:
        try:
            CitizenAuthItem(key).update(
                actions=[CitizenAuthItem.hits.add(-1)], condition=CitizenAuthItem.hits > 0
            )
        except UpdateError as exc:
            if not is_conditional_failure(exc):
                raise

    @staticmethod
    def _conditional_update(ref: str, actions: list, condition: object) -> bool:
        try:
            CitizenAuthItem(_otp_key(ref)).update(actions=actions, condition=condition)  # type: ignore[arg-type]
        except UpdateError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

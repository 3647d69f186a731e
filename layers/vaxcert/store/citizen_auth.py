"""CitizenAuth table: OTP items and rate-limit counters (the OtpStore of vaxcert.citizen.otp), and the
denylist of signed-out citizen session tokens."""

from __future__ import annotations

import base64
from typing import Any

from pynamodb.exceptions import PutError, UpdateError

from vaxcert.store.aws import is_conditional_failure, transient_on_aws_errors
from vaxcert.store.models import CitizenAuthItem
from vaxcert.types.otp import MAX_LIVE_CODES, StoredOtp


def _otp_key(ref: str, slot: int) -> str:
    return f"otp#{ref}#{slot}"


def _jti_key(jti: str) -> str:
    return f"jti#{jti}"


class DynamoOtpStore:
    @transient_on_aws_errors
    def put_otp(self, otp: StoredOtp, replaces: StoredOtp | None) -> bool:
        # Conditional on the slot being as it was read: two concurrent requests never overwrite each
        # other's new code (the loser picks a slot again).
        condition = (
            CitizenAuthItem.pk.does_not_exist()
            if replaces is None
            else (CitizenAuthItem.issuedAt == replaces.issued_at)
            & (CitizenAuthItem.salt == _b64(replaces.salt))
        )
        try:
            CitizenAuthItem(
                _otp_key(otp.ref, otp.slot),
                expiresAt=otp.expires_at,
                salt=_b64(otp.salt),
                digest=otp.digest,
                issuedAt=otp.issued_at,
                attempts=otp.attempts,
                usedAt=otp.used_at,
                sourceRef=otp.source_ref,
            ).save(condition=condition)
        except PutError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    @transient_on_aws_errors
    def get_otps(self, ref: str) -> list[StoredOtp]:
        keys = [_otp_key(ref, slot) for slot in range(MAX_LIVE_CODES)]
        found = []
        for item in CitizenAuthItem.batch_get(keys, consistent_read=True):
            if item.salt is None or item.digest is None or item.issuedAt is None:
                continue
            found.append(
                StoredOtp(
                    ref=ref,
                    salt=base64.b64decode(item.salt),
                    digest=item.digest,
                    issued_at=int(item.issuedAt),
                    expires_at=int(item.expiresAt),
                    attempts=int(item.attempts or 0),
                    used_at=int(item.usedAt) if item.usedAt is not None else None,
                    slot=int(item.pk.rsplit("#", 1)[1]),
                    source_ref=item.sourceRef,
                )
            )
        return sorted(found, key=lambda o: o.slot)

    @transient_on_aws_errors
    def add_failure(self, otp: StoredOtp, max_attempts: int) -> bool:
        return self._conditional_update(
            _otp_key(otp.ref, otp.slot),
            [CitizenAuthItem.attempts.add(1)],
            _same_code(otp) & (CitizenAuthItem.attempts < max_attempts),
        )

    @transient_on_aws_errors
    def consume(self, otp: StoredOtp, max_attempts: int, now: int) -> bool:
        return self._conditional_update(
            _otp_key(otp.ref, otp.slot),
            [CitizenAuthItem.usedAt.set(now)],
            _same_code(otp)
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
    def _conditional_update(key: str, actions: list, condition: object) -> bool:
        try:
            CitizenAuthItem(key).update(actions=actions, condition=condition)  # type: ignore[arg-type]
        except UpdateError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _same_code(otp: StoredOtp) -> Any:
    # issuedAt alone could repeat within a second; the salt is unique per code.
    return (CitizenAuthItem.issuedAt == otp.issued_at) & (CitizenAuthItem.salt == _b64(otp.salt))


class DynamoSessionDenylist:
    """Signed-out citizen session tokens (`jti#<jti>`), kept until the token would have expired."""

    @transient_on_aws_errors
    def deny(self, jti: str, expires_at: int) -> None:
        CitizenAuthItem(_jti_key(jti), expiresAt=expires_at).save()

    @transient_on_aws_errors
    def is_denied(self, jti: str) -> bool:
        try:
            CitizenAuthItem.get(_jti_key(jti), consistent_read=True)
        except CitizenAuthItem.DoesNotExist:
            return False
        return True

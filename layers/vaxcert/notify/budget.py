"""The global daily SMS budget: every SMS vaxcert sends goes through `BudgetedSms`.

Why: SNS bills per message and stops sending for the whole account once its monthly spend limit is
reached. Per-number and per-address limits stop one script; many addresses and many numbers could
still spend the month's limit in a day, and then no citizen would get a certificate or a login code.
A daily budget (`sms_daily_budget`, at most the SNS monthly spend limit / (price per SMS x 31)) caps
the damage at one day's share, and a refusal raises an alarm.

How: one atomic counter per UTC day (a conditional ADD in the Stats table, `sms#YYYY-MM-DD`). A send
reserves one unit first and gives it back only when the sender is sure nothing went out, so the
number of messages SNS accepted in a day never exceeds the budget, even with many concurrent senders.

Purposes share the counter but not the ceiling: login codes may use only `otp_share` of the budget,
so a flood of code requests cannot hold back certificate notifications.

When the budget is spent, `send` raises `SmsBudgetExhausted`, a TransientFailure: the OTP request
still answers 202 (no enumeration) and the certificate-ready SMS is released and retried by SQS.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from vaxcert.errors import TransientFailure
from vaxcert.logs import get_logger
from vaxcert.metrics import emit_metric
from vaxcert.sources.phone import NumberingPlan, default_plan

logger = get_logger()

USED_METRIC = "SmsBudgetUsed"  # today's count after each reservation (a gauge: alarm on its Maximum)
REFUSED_METRIC = "SmsBudgetRefused"  # one per refused SMS (alarm on its Sum)
FAILED_METRIC = "SmsSendFailed"  # one per failed send: SNS refused, unreachable, or unknown


class SmsSender(Protocol):
    def send(self, to_e164: str, message: str) -> str: ...


class BudgetCounter(Protocol):
    def reserve(self, day: str, ceiling: int) -> int | None:
        """Count one SMS for `day` if fewer than `ceiling` are counted; the new count, or None."""
        ...

    def release(self, day: str) -> None:
        """Take back one reservation (the send failed)."""
        ...

    def refused(self, day: str) -> None:
        """Count one refusal (best effort: for the dashboard and support)."""
        ...


class SmsBudgetExhausted(TransientFailure):
    """Today's SMS budget is spent: nothing was sent; retry tomorrow (UTC) or after raising it."""


def utc_day(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).date().isoformat()


@dataclass
class BudgetedSms:
    """An SmsSender that refuses past today's budget (see the module docstring)."""

    sender: SmsSender
    counter: BudgetCounter
    daily_budget: int
    purpose: str  # "otp" or "certificate": in logs only
    share: float = 1.0  # of the daily budget this purpose may use
    clock: Callable[[], float] = time.time
    metric: Callable[[str, float], None] = field(default=emit_metric)
    # Defence in depth against SMS pumping: whatever a caller passes, only the country's mobile numbers
    # in canonical E.164 (ASCII digits) are ever sent to; premium-rate and international routes never are.
    plan: NumberingPlan = field(default_factory=default_plan)

    @property
    def ceiling(self) -> int:
        return int(self.daily_budget * self.share)

    def send(self, to_e164: str, message: str) -> str:
        if not self.plan.is_canonical(to_e164):
            # Checked before the budget: a number we would never send to must not use it up.
            raise ValueError(
                f"refusing to send SMS to a number that is not a {self.plan.country_name} mobile number"
            )
        day = utc_day(self.clock())
        used = self.counter.reserve(day, self.ceiling)
        if used is None:
            try:
                self.counter.refused(day)
            except Exception as exc:  # the count is for people; the refusal itself must stand
                logger.warning("sms budget refusal not counted", extra={"error_type": type(exc).__name__})
            self.metric(REFUSED_METRIC, 1)
            logger.warning(
                "sms budget exhausted", extra={"purpose": self.purpose, "ceiling": self.ceiling, "day": day}
            )
            raise SmsBudgetExhausted(f"daily SMS budget for {self.purpose} spent ({self.ceiling} on {day})")
        self.metric(USED_METRIC, used)
        try:
            return self.sender.send(to_e164, message)
        except TransientFailure:
            self.metric(FAILED_METRIC, 1)
            # The sender is sure nothing went out (e.g. SmsNotSent): give the unit back. Any other
            # failure may have come after SNS accepted the message, so it stays counted.
            try:
                self.counter.release(day)
            except Exception as exc:  # over-counting by one is safe; hiding the send error is not
                logger.warning("sms budget not released", extra={"error_type": type(exc).__name__})
            raise
        except Exception:
            self.metric(FAILED_METRIC, 1)  # it may or may not have gone out: still a failure to watch
            raise

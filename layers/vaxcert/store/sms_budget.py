"""The daily SMS budget counter (vaxcert.notify.budget.BudgetCounter) in the Stats table.

One item per UTC day, `sms#YYYY-MM-DD`: `smsUsed` is only ever changed by a conditional ADD, so
concurrent senders never take it past the ceiling; `smsRefused` counts refusals. ~365 small items a
year, kept as a record of daily SMS use (the table has no TTL).
"""

from __future__ import annotations

from pynamodb.exceptions import UpdateError

from vaxcert.store.aws import is_conditional_failure, transient_on_aws_errors
from vaxcert.store.models import StatsItem


def budget_key(day: str) -> str:
    return f"sms#{day}"


class DynamoSmsBudgetCounter:
    @transient_on_aws_errors
    def reserve(self, day: str, ceiling: int) -> int | None:
        item = StatsItem(budget_key(day))
        try:
            item.update(
                actions=[StatsItem.smsUsed.add(1)],
                condition=StatsItem.smsUsed.does_not_exist() | (StatsItem.smsUsed < ceiling),
            )
        except UpdateError as exc:
            if is_conditional_failure(exc):
                return None
            raise
        return int(item.smsUsed or 0)  # the updated item (ALL_NEW)

    @transient_on_aws_errors
    def release(self, day: str) -> None:
        try:
            StatsItem(budget_key(day)).update(
                actions=[StatsItem.smsUsed.add(-1)], condition=StatsItem.smsUsed > 0
            )
        except UpdateError as exc:
            if not is_conditional_failure(exc):
                raise

    @transient_on_aws_errors
    def refused(self, day: str) -> None:
        StatsItem(budget_key(day)).update(actions=[StatsItem.smsRefused.add(1)])

    @transient_on_aws_errors
    def used(self, day: str) -> int:
        try:
            item = StatsItem.get(budget_key(day), consistent_read=True)
        except StatsItem.DoesNotExist:
            return 0
        return int(item.smsUsed or 0)

"""The daily SMS budget (BudgetedSms) with an in-memory counter and an injected clock."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from vaxcert.errors import TransientFailure
from vaxcert.metrics import METRIC_NAMESPACE, emit_metric
from vaxcert.notify.budget import (
    FAILED_METRIC,
    REFUSED_METRIC,
    USED_METRIC,
    BudgetedSms,
    SmsBudgetExhausted,
    utc_day,
)
from vaxcert.sources.phone import NumberingPlan

MOBILE = "+18765550123"


class Clock:
    def __init__(self, iso: str = "2024-05-02T12:00:00"):
        self.now = datetime.fromisoformat(iso).replace(tzinfo=UTC).timestamp()

    def __call__(self) -> float:
        return self.now


class MemoryCounter:
    """Same contract as DynamoSmsBudgetCounter (conditional ADD per day)."""

    def __init__(self) -> None:
        self.used: dict[str, int] = {}
        self.refusals: dict[str, int] = {}

    def reserve(self, day: str, ceiling: int) -> int | None:
        if self.used.get(day, 0) >= ceiling:
            return None
        self.used[day] = self.used.get(day, 0) + 1
        return self.used[day]

    def release(self, day: str) -> None:
        if self.used.get(day, 0) > 0:
            self.used[day] -= 1

    def refused(self, day: str) -> None:
        self.refusals[day] = self.refusals.get(day, 0) + 1


class Sender:
    def __init__(self, fail: Exception | None = None) -> None:
        self.sent: list[tuple[str, str]] = []
        self.fail = fail

    def send(self, to_e164: str, message: str) -> str:
        if self.fail is not None:
            raise self.fail
        self.sent.append((to_e164, message))
        return f"m-{len(self.sent)}"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def counter() -> MemoryCounter:
    return MemoryCounter()


@pytest.fixture
def metrics() -> list[tuple[str, float]]:
    return []


def budgeted(sender, counter, clock, metrics, budget: int = 3, **kwargs) -> BudgetedSms:
    return BudgetedSms(
        sender,
        counter,
        budget,
        purpose=kwargs.pop("purpose", "certificate"),
        clock=clock,
        metric=lambda name, value: metrics.append((name, value)),
        **kwargs,
    )


def test_sends_up_to_the_budget_then_refuses_and_counts_the_refusal(clock, counter, metrics) -> None:
    sender = Sender()
    sms = budgeted(sender, counter, clock, metrics, budget=3)
    assert [sms.send(MOBILE, "hi") for _ in range(3)] == ["m-1", "m-2", "m-3"]
    for _ in range(2):
        with pytest.raises(SmsBudgetExhausted) as refused:
            sms.send(MOBILE, "hi")
        # A TransientFailure: the issue path releases its SMS claim and SQS retries the message.
        assert isinstance(refused.value, TransientFailure)
    assert len(sender.sent) == 3
    assert counter.used == {"2024-05-02": 3}
    assert counter.refusals == {"2024-05-02": 2}
    assert metrics == [
        (USED_METRIC, 1),
        (USED_METRIC, 2),
        (USED_METRIC, 3),
        (REFUSED_METRIC, 1),
        (REFUSED_METRIC, 1),
    ]


def test_the_budget_is_per_utc_day(clock, counter, metrics) -> None:
    sms = budgeted(Sender(), counter, clock, metrics, budget=1)
    clock.now = datetime(2024, 5, 2, 23, 59, 59, tzinfo=UTC).timestamp()
    sms.send(MOBILE, "a")
    with pytest.raises(SmsBudgetExhausted):
        sms.send(MOBILE, "b")
    clock.now += 1  # midnight UTC (19:00 in Kingston: the day follows UTC, not local time)
    sms.send(MOBILE, "c")
    assert counter.used == {"2024-05-02": 1, "2024-05-03": 1}
    assert utc_day(datetime(2024, 5, 3, 4, 59, tzinfo=UTC).timestamp()) == "2024-05-03"


def test_login_codes_use_only_their_share_and_leave_the_rest_for_certificates(
    clock, counter, metrics
) -> None:
    otp = budgeted(Sender(), counter, clock, metrics, budget=10, purpose="otp", share=0.8)
    certificates = budgeted(Sender(), counter, clock, metrics, budget=10, purpose="certificate")
    for _ in range(8):
        otp.send(MOBILE, "code")
    with pytest.raises(SmsBudgetExhausted):
        otp.send(MOBILE, "code")
    certificates.send(MOBILE, "ready")
    certificates.send(MOBILE, "ready")
    with pytest.raises(SmsBudgetExhausted):
        certificates.send(MOBILE, "ready")
    assert counter.used["2024-05-02"] == 10


def test_a_send_that_surely_failed_gives_its_unit_back(clock, counter, metrics) -> None:
    sms = budgeted(Sender(fail=TransientFailure("SNS refused")), counter, clock, metrics, budget=1)
    with pytest.raises(TransientFailure):
        sms.send(MOBILE, "hi")
    assert counter.used["2024-05-02"] == 0
    assert (FAILED_METRIC, 1) in metrics  # watched by the SmsSendFailures alarm
    sms.sender = Sender()
    assert sms.send(MOBILE, "hi") == "m-1"  # the budget of 1 is still there


def test_a_send_that_may_have_gone_out_stays_counted(clock, counter, metrics) -> None:
    # E.g. a read timeout after SNS accepted the message: counting it keeps "sent <= budget" true.
    sms = budgeted(Sender(fail=RuntimeError("read timeout")), counter, clock, metrics, budget=1)
    with pytest.raises(RuntimeError):
        sms.send(MOBILE, "hi")
    assert counter.used["2024-05-02"] == 1
    assert metrics[-1] == (FAILED_METRIC, 1)


def test_a_zero_budget_sends_nothing(clock, counter, metrics) -> None:
    sender = Sender()
    with pytest.raises(SmsBudgetExhausted):
        budgeted(sender, counter, clock, metrics, budget=0).send(MOBILE, "hi")
    assert sender.sent == []


@pytest.mark.parametrize(
    "number",
    [
        "+442079460958",  # international
        "+882123456789",  # international networks (satellite): a classic SMS pumping route
        "+19005550123",  # NANP premium rate
        "+16495550123",  # another NANP country (Turks and Caicos)
        "+18761550123",  # invalid NANP exchange
        "+1876555012",  # too short
        "+187655501234",  # too long
        "18765550123",  # not E.164
        "+1876\u0665\u0665\u0665\u0660\u0661\u0662\u0663",  # Arabic-Indic digits (\d would match them)
        "+1876\uff15\uff15\uff15\uff10\uff11\uff12\uff13",  # fullwidth digits
        "+1 876 555 0123",
    ],
)
def test_only_jamaican_mobile_numbers_are_ever_sent_to(clock, counter, metrics, number) -> None:
    sender = Sender()
    with pytest.raises(ValueError):
        budgeted(sender, counter, clock, metrics).send(number, "hi")
    assert sender.sent == [] and counter.used == {}  # refused before it could use the budget


def test_metric_lines_are_embedded_metric_format_without_dimensions(capsys) -> None:
    now = int(time.time()) + 0.5  # CloudWatch skips EMF lines dated more than 14 days back
    emit_metric(USED_METRIC, 42, now=now)
    line = json.loads(capsys.readouterr().out)
    assert line == {
        "_aws": {
            "Timestamp": int(now * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": METRIC_NAMESPACE,
                    "Dimensions": [[]],
                    "Metrics": [{"Name": USED_METRIC, "Unit": "Count"}],
                }
            ],
        },
        USED_METRIC: [42.0],  # Powertools writes EMF values as arrays (one value here)
    }


def test_kms_throttling_is_counted_for_its_alarm(monkeypatch) -> None:
    from botocore.exceptions import ClientError

    from vaxcert.errors import TransientFailure as Transient
    from vaxcert.signing import kms

    emitted: list[tuple[str, float]] = []
    monkeypatch.setattr(kms, "emit_metric", lambda name, value: emitted.append((name, value)))

    class ThrottledKms:
        def sign(self, **kwargs: object) -> None:
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow"}}, "Sign")

    with pytest.raises(Transient):
        kms.KmsSigner("key", kms=ThrottledKms()).sign(b"message")
    assert emitted == [(kms.KMS_THROTTLED_METRIC, 1)]


def test_only_numbers_of_the_configured_plan_are_texted(clock, counter, metrics) -> None:
    plan = NumberingPlan(
        country_code="1",
        area_codes=("242",),
        national_digits=10,
        country_name="Bahamian",
        example="242-555-0123",
    )
    sender = Sender()
    sms = budgeted(sender, counter, clock, metrics, plan=plan)
    assert sms.send("+12425550123", "hi") == "m-1"
    with pytest.raises(ValueError, match="not a Bahamian mobile number"):
        sms.send(MOBILE, "hi")  # Jamaican: not this deployment's country
    assert counter.used == {"2024-05-02": 1}  # the refused number used none of the budget

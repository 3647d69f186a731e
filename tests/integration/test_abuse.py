"""Abuse through the handlers on moto: SMS pumping, the daily SMS budget, OTP guessing, enumeration.

Each test states the promise it checks; each would fail if that promise broke.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from tests.conftest import EXAMPLE_FORM, require_shared
from tests.integration.conftest import Invoker, sent_sms
from vaxcert.citizen.otp import MAX_ATTEMPTS, OtpService
from vaxcert.notify.budget import REFUSED_METRIC, utc_day

MOBILE = "876-555-0123"  # the example form's number: it has a certificate
E164 = "+18765550123"
UNKNOWN = "876-555-9999"  # no certificate
IP = "192.0.2.10"
DAY = 86_400


class Clock:
    def __init__(self, now: float = 1_714_608_000.0):  # 2024-05-02T00:00:00Z
        self.now = now

    def __call__(self) -> float:
        return self.now


def call(
    invoke: Invoker, method: str, path: str, body: object = None, ip: str = IP, headers: dict | None = None
) -> tuple[int, dict[str, str], str]:
    """One API Gateway proxy call; the raw status, headers and body text (for byte comparisons)."""
    from local_stack.gateway import proxy_event
    from local_stack.lambda_runtime import LocalContext
    from vaxcert.routes import match

    found = match(method, path)
    assert found is not None
    event = proxy_event(
        method, path, {"Content-Type": "application/json", **(headers or {})}, json.dumps(body).encode(), ip
    )
    result = invoke.module(found[0].function).handler(event, LocalContext(found[0].function, 512, 10))
    headers_out = dict(result.get("headers") or {})
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers_out[name] = ", ".join(values)
    return int(result["statusCode"]), headers_out, result.get("body") or ""


def otp(invoke: Invoker, mobile: str, ip: str = IP) -> tuple[int, dict[str, str], str]:
    return call(invoke, "POST", "/v1/citizen/otp", {"mobile": mobile}, ip)


def session(invoke: Invoker, mobile: str, code: str, ip: str = IP) -> tuple[int, dict[str, str], str]:
    return call(invoke, "POST", "/v1/citizen/session", {"mobile": mobile, "otp": code}, ip)


def codes_sent(to: str = E164) -> list[str]:
    return [m.split("login code is ")[1][:6] for n, m in sent_sms() if n == to and "login code" in m]


def ingest_key(aws: dict[str, str]) -> dict[str, str]:
    key = boto3.client("secretsmanager").get_secret_value(SecretId=aws["INGEST_SECRET_ARN"])["SecretString"]
    return {"X-Vaxcert-Key": key}


@pytest.fixture
def example_form() -> dict[str, Any]:
    return json.loads(require_shared(EXAMPLE_FORM).read_text())


@pytest.fixture
def holder(aws, trust_material, invoke: Invoker, example_form) -> Any:
    """One certificate for MOBILE (its ready SMS sent); returns the download function's portal."""
    assert invoke.http("POST", "/v1/ingest/commcare", example_form, ingest_key(aws))[0] == 202
    invoke.drain_issue_queue(aws["ISSUE_QUEUE_URL"])
    assert len(sent_sms()) == 1
    return invoke.module("download").services().portal()


def with_clock(portal: Any, clock: Clock, **limits: Any) -> None:
    """The portal's OTP service with a fake clock (and, where a test says so, other limits)."""
    from vaxcert.store.citizen_auth import DynamoOtpStore

    portal.otps = OtpService(DynamoOtpStore(), portal.otps.hasher, clock=clock, **limits)


def set_budget_used(used: int, day: str | None = None) -> None:
    from vaxcert.store.models import StatsItem
    from vaxcert.store.sms_budget import budget_key

    StatsItem(budget_key(day or utc_day(time.time())), smsUsed=used).save()


def budget_item(day: str | None = None) -> Any:
    from vaxcert.store.models import StatsItem
    from vaxcert.store.sms_budget import budget_key

    return StatsItem.get(budget_key(day or utc_day(time.time())), consistent_read=True)


# --- the daily SMS budget -------------------------------------------------------------------------


def test_budget_counter_refuses_past_the_ceiling_atomically_per_day(aws) -> None:
    from vaxcert.store.sms_budget import DynamoSmsBudgetCounter

    counter = DynamoSmsBudgetCounter()
    assert [counter.reserve("2024-05-02", 3) for _ in range(4)] == [1, 2, 3, None]
    counter.refused("2024-05-02")
    counter.release("2024-05-02")
    assert counter.reserve("2024-05-02", 3) == 3
    assert counter.reserve("2024-05-03", 3) == 1  # a new UTC day starts from zero
    item = budget_item("2024-05-02")
    assert (item.smsUsed, item.smsRefused) == (3, 1)
    # A lower ceiling (the OTP share) refuses while a higher one (certificates) still counts.
    assert counter.reserve("2024-05-02", 2) is None and counter.reserve("2024-05-02", 4) == 4


def test_otp_past_its_budget_share_answers_202_sends_nothing_counts_the_refusal(
    aws, holder, invoke: Invoker, capsys
) -> None:
    from vaxcert.settings import get_settings

    settings = get_settings()
    normal = otp(invoke, MOBILE)
    sent_before = len(sent_sms())
    set_budget_used(int(settings.sms_daily_budget * settings.sms_otp_budget_share))
    capsys.readouterr()
    refused = otp(invoke, MOBILE)
    # The same answer as when the code is sent (no one learns the budget is spent, or who has
    # certificates); no SMS; the refusal is counted and emitted as a metric for the alarm.
    assert refused == normal and refused[0] == 202
    assert len(sent_sms()) == sent_before
    assert budget_item().smsRefused == 1
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    # One EMF line of value 1 (Powertools writes EMF values as arrays).
    assert [m[REFUSED_METRIC] for m in metrics if REFUSED_METRIC in m] == [[1.0]]


def test_certificate_sms_past_the_budget_is_delayed_not_lost(
    aws, holder, invoke: Invoker, example_form
) -> None:
    from vaxcert.settings import get_settings

    budget = get_settings().sms_daily_budget
    set_budget_used(budget)  # the OTP share and the certificates' remainder: all spent
    form = {**example_form, "id": "second-dose-form"}
    form["form"] = {**form["form"], "meta": {**form["form"]["meta"], "instanceID": "second-dose-form"}}
    assert invoke.http("POST", "/v1/ingest/commcare", form, ingest_key(aws))[0] == 202
    invoke.drain_issue_queue(aws["ISSUE_QUEUE_URL"], max_rounds=2)
    table = boto3.resource("dynamodb").Table(aws["CERTIFICATES_TABLE"])
    second = next(i for i in table.scan()["Items"] if i["eventId"] == "second-dose-form")
    # Stored and downloadable; the SMS waits (claim released, message back in the queue, not in the DLQ).
    assert second["smsStatus"] == "PENDING" and len(sent_sms()) == 1
    assert budget_item().smsRefused == 2
    # The next UTC day (or a raised budget): the retry sends it, once.
    set_budget_used(0)
    invoke.drain_issue_queue(aws["ISSUE_QUEUE_URL"])
    second = table.get_item(Key={"hcid": second["hcid"]}, ConsistentRead=True)["Item"]
    assert second["smsStatus"] == "SENT"
    assert len(sent_sms()) == 2 and budget_item().smsUsed == 1
    dlq = boto3.client("sqs").receive_message(QueueUrl=aws["ISSUE_DLQ_URL"]).get("Messages", [])
    assert dlq == []


# --- SMS pumping ------------------------------------------------------------------------------------


def test_burst_of_50_numbers_from_one_address_sends_at_most_the_per_address_limit(
    aws, holder, invoke: Invoker, monkeypatch
) -> None:
    from vaxcert.citizen.otp import IP_OTP_LIMITS

    # Worst case: every number has certificates, so every allowed request sends an SMS.
    monkeypatch.setattr(holder.certificates, "by_mobile", lambda mobile: ["a certificate"])
    holder.timer.sleep = lambda seconds: None
    before = len(sent_sms())
    answers = [otp(invoke, f"876-555-{n:04d}") for n in range(2000, 2050)]
    per_address = min(limit.max_count for limit in IP_OTP_LIMITS)  # 30 per 15 minutes
    assert [status for status, _, _ in answers] == [202] * per_address + [429] * (50 - per_address)
    assert len(sent_sms()) - before == per_address
    for _, headers, body in answers[per_address:]:
        assert 1 <= int(headers["Retry-After"]) <= 900
        assert json.loads(body) == {"message": "too many requests, try again later"}
    # The limit is the address's, not everyone's.
    assert otp(invoke, "876-555-2050", ip="198.51.100.7")[0] == 202


def test_burst_for_one_number_sends_3_now_and_10_a_day(aws, holder, invoke: Invoker) -> None:
    clock = Clock()
    with_clock(holder, clock)
    holder.timer.sleep = lambda seconds: None
    answers = [otp(invoke, MOBILE) for _ in range(20)]
    assert [a[0] for a in answers] == [202] * 3 + [429] * 17
    assert all(1 <= int(h["Retry-After"]) <= 900 for _, h, _ in answers[3:])
    assert len(codes_sent()) == 3
    # Keep asking all day, each time the moment Retry-After allows.
    refusals = 0
    while clock.now < 1_714_608_000 + DAY:
        status, headers, _ = otp(invoke, MOBILE)
        if status == 429:
            refusals += 1
            clock.now += int(headers["Retry-After"])
        else:
            clock.now += 1
    assert len(codes_sent()) == 10  # NUMBER_LIMITS: 10 per UTC day
    assert refusals <= 12  # the client was told exactly when to come back


@pytest.mark.parametrize(
    "mobile",
    [
        "+44 20 7946 0958",  # international
        "+882 1234 5678",  # international networks: a classic SMS pumping route
        "+1 900 555 0123",  # NANP premium rate
        "1-900-555-0123",
        "+1 649 555 0123",  # another NANP country (Turks and Caicos)
        "+1 284 555 0123",  # British Virgin Islands
        "011 44 20 7946 0958",  # international dialling prefix
        "876\u0665\u0665\u0665\u0660\u0661\u0662\u0663",  # Arabic-Indic digits after a real area code
        "+1 876 555 01234",  # too long
    ],
)
def test_international_and_premium_numbers_are_refused_and_never_sent_to(
    aws, holder, invoke: Invoker, mobile: str
) -> None:
    before = len(sent_sms())
    status, _, body = otp(invoke, mobile)
    assert status == 422 and [e["field"] for e in json.loads(body)["errors"]] == ["mobile"]
    assert len(sent_sms()) == before
    items = boto3.client("dynamodb").scan(TableName=aws["CITIZEN_AUTH_TABLE"])["Items"]
    assert not [
        i for i in items if i["pk"]["S"].startswith(("otp#", "rl#mobile"))
    ]  # nothing stored or counted


# --- OTP brute force --------------------------------------------------------------------------------


def test_five_wrong_tries_lock_and_a_new_code_needs_a_new_rate_limited_request(
    aws, holder, invoke: Invoker
) -> None:
    holder.timer.sleep = lambda seconds: None
    assert otp(invoke, MOBILE)[0] == 202
    code = codes_sent()[-1]
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    reasons = [json.loads(session(invoke, MOBILE, wrong)[2])["reason"] for _ in range(MAX_ATTEMPTS)]
    assert reasons == ["wrong"] * (MAX_ATTEMPTS - 1) + ["locked"]
    # Locked means locked: the right code is no longer even compared.
    assert json.loads(session(invoke, MOBILE, code)[2])["reason"] == "locked"
    # Only a new request brings a new code, and those requests are rate limited (3 per 15 minutes).
    assert [otp(invoke, MOBILE)[0] for _ in range(3)] == [202, 202, 429]
    newest = codes_sent()[-1]
    assert newest != code or len(set(codes_sent())) < 3  # (a repeat is possible, 1 in 10^6)
    assert session(invoke, MOBILE, newest)[0] == 200


def test_guesses_at_one_number_are_bounded_to_100_a_day_from_unlimited_addresses(
    aws, holder, invoke: Invoker
) -> None:
    clock = Clock()
    # The attacker has as many source addresses as they like: no per-address limit helps here.
    with_clock(holder, clock, ip_limits=(), ip_session_limits=())
    holder.timer.sleep = lambda seconds: None
    compared = 0
    guess = 0
    while clock.now < 1_714_608_000 + DAY:
        status, headers, _ = otp(invoke, MOBILE, ip=f"203.0.113.{guess % 250}")
        if status == 429:
            clock.now += int(headers["Retry-After"])
            continue
        real = codes_sent()[-1]
        while True:
            candidate = f"{guess % 10**6:06d}"
            guess += 1
            if candidate == real:
                continue  # count only wrong guesses: the bound is on tries, not on luck
            status, _, body = session(invoke, MOBILE, candidate, ip=f"203.0.113.{guess % 250}")
            assert status == 401
            compared += 1
            if json.loads(body)["reason"] == "locked":
                break
        clock.now += 1
    # 20 codes x 5 tries in a UTC day, from any number of addresses (the number-wide limit; one address
    # gets half of it, see vaxcert.citizen.otp).
    assert compared == 20 * MAX_ATTEMPTS


# --- enumeration ------------------------------------------------------------------------------------


def test_otp_answers_are_byte_identical_with_and_without_certificates(aws, holder, invoke: Invoker) -> None:
    holder.timer.sleep = lambda seconds: None
    known = otp(invoke, MOBILE)
    unknown = otp(invoke, UNKNOWN)
    assert known == unknown
    assert known[0] == 202
    # Rate-limited answers too (Retry-After depends on the clock only).
    for _ in range(2):
        otp(invoke, MOBILE)
        otp(invoke, UNKNOWN)
    known, unknown = otp(invoke, MOBILE), otp(invoke, UNKNOWN)
    assert known[0] == 429
    assert (known[0], known[2]) == (unknown[0], unknown[2])
    assert {k: v for k, v in known[1].items() if k != "Retry-After"} == {
        k: v for k, v in unknown[1].items() if k != "Retry-After"
    }
    assert abs(int(known[1]["Retry-After"]) - int(unknown[1]["Retry-After"])) <= 1


def test_session_answers_are_byte_identical_with_and_without_certificates(
    aws, holder, invoke: Invoker
) -> None:
    holder.timer.sleep = lambda seconds: None
    # No code requested yet.
    assert session(invoke, MOBILE, "123456") == session(invoke, UNKNOWN, "123456")
    otp(invoke, MOBILE)
    otp(invoke, UNKNOWN)
    wrong = f"{(int(codes_sent()[-1]) + 1) % 10**6:06d}"
    for _ in range(MAX_ATTEMPTS + 1):  # wrong, ..., locked, locked
        known, unknown = session(invoke, MOBILE, wrong), session(invoke, UNKNOWN, wrong)
        assert known == unknown and known[0] == 401


class SlowSms:
    """SNS from Lambda takes ~50-150 ms; moto answers in ~1 ms. Real latency makes a missing pad show."""

    def __init__(self, inner: Any, seconds: float):
        self.inner, self.seconds = inner, seconds

    def send(self, to_e164: str, message: str) -> str:
        time.sleep(self.seconds)
        return str(self.inner.send(to_e164, message))


def median_gap(run: Callable[[str], object], pairs: int) -> tuple[float, float, float]:
    """Interleaved timings (random order within each pair): medians of MOBILE and UNKNOWN, and the gap."""
    times: dict[str, list[float]] = {MOBILE: [], UNKNOWN: []}
    rng = random.Random(7)
    for _ in range(pairs):
        order = [MOBILE, UNKNOWN]
        rng.shuffle(order)
        for mobile in order:
            started = time.perf_counter()
            run(mobile)
            times[mobile].append(time.perf_counter() - started)
    known, unknown = statistics.median(times[MOBILE]), statistics.median(times[UNKNOWN])
    return known, unknown, abs(known - unknown)


def test_otp_request_takes_as_long_with_and_without_certificates(aws, holder, invoke: Invoker) -> None:
    """A number without certificates sends no SMS; the request waits about as long as a send instead.

    With an SMS send of 120 ms, skipping that wait would make the gap ~120 ms against a bound of
    max(30 ms, 50% of the median) ~ 70 ms: the test fails if the padding breaks (checked), while
    scheduling noise on a 2-core CI machine moves medians of 14 interleaved samples by far less.
    """
    # Timing, not limits, is under test.
    with_clock(holder, Clock(), number_limits=(), number_address_limits=(), ip_limits=())
    holder.sms = SlowSms(holder.sms, 0.12)
    for _ in range(6):  # the send-time estimate settles on the real send time
        otp(invoke, MOBILE)
    known, unknown, gap = median_gap(lambda mobile: otp(invoke, mobile), pairs=14)
    assert gap < max(0.030, 0.5 * max(known, unknown)), (known, unknown)
    assert known > 0.12  # the SMS path did pay the send (the comparison is meaningful)


def test_session_step_takes_as_long_with_and_without_certificates(aws, holder, invoke: Invoker) -> None:
    with_clock(holder, Clock(), number_limits=(), ip_limits=(), ip_session_limits=(), max_attempts=10**6)
    holder.timer.sleep = lambda seconds: None
    otp(invoke, MOBILE)
    otp(invoke, UNKNOWN)
    wrong = f"{(int(codes_sent()[-1]) + 1) % 10**6:06d}"
    known, unknown, gap = median_gap(lambda mobile: session(invoke, mobile, wrong), pairs=20)
    assert gap < max(0.030, 0.5 * max(known, unknown)), (known, unknown)


def test_staff_sign_in_answers_the_same_for_unknown_users_and_wrong_passwords(aws, invoke: Invoker) -> None:
    from local_stack.provision import create_user

    create_user("us-east-1", aws["USER_POOL_ID"], "nurse.abuse", "facility-staff")
    cognito = boto3.client("cognito-idp")
    create_user("us-east-1", aws["USER_POOL_ID"], "nurse.disabled", "facility-staff")
    cognito.admin_disable_user(UserPoolId=aws["USER_POOL_ID"], Username="nurse.disabled")
    answers = [
        call(invoke, "POST", "/v1/staff/session", {"username": username, "password": "Wrong-password-1!"})
        for username in ("nurse.abuse", "nobody.at.all", "nurse.disabled")
    ]
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 401 and json.loads(answers[0][2])["reason"] == "denied"

"""Privacy: every log line of a full end-to-end run (debug level, every function) is free of the
names, date of birth, mobile number, national id and OTP used in the run."""

from __future__ import annotations

import json
import random
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import LocalStack, local_stack, stored_certificates

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def logged(
    tmp_path_factory: pytest.TempPathFactory, example_form_module: dict[str, Any]
) -> Iterator[LocalStack]:
    with local_stack(
        tmp_path_factory.mktemp("privacy-stack"), extra_env={"POWERTOOLS_LOG_LEVEL": "DEBUG"}
    ) as running:
        yield running


@pytest.fixture(scope="module")
def example_form_module() -> dict[str, Any]:
    from tests.conftest import EXAMPLE_FORM, require_shared

    return dict(json.loads(require_shared(EXAMPLE_FORM).read_text()))


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_full_run_logs_no_personal_data(logged: LocalStack, example_form_module: dict[str, Any]) -> None:
    stack = logged
    digits = f"{random.randint(0, 9999):04d}"
    local, e164 = f"876-555-{digits}", f"+1876555{digits}"
    given, family, dob, trn = (
        "Quennell",
        f"Marchetti{digits}",
        "1977-08-19",
        f"9{random.randint(10**7, 10**8 - 1)}",
    )
    form = json.loads(json.dumps(example_form_module))
    form["id"] = form["form"]["meta"]["instanceID"] = str(uuid.uuid4())
    form["form"]["recipient"].update(
        first_name=given, last_name=family, date_of_birth=dob, mobile_number=local, id_number=trn
    )
    assert stack.ingest(form).status == 202
    assert stack.ingest(form).status == 200
    stack.wait_for(lambda: [m for m in stack.sms() if m["to"] == e164])
    (certificate,) = [c for c in stored_certificates(stack) if c["eventId"] == form["id"]]

    # A rejected form carries personal data too: rejections must not log it.
    bad = json.loads(json.dumps(form))
    bad["id"] = str(uuid.uuid4())
    bad["form"]["recipient"]["date_of_birth"] = "19/08/1977"
    assert stack.ingest(bad).status == 422

    assert stack.request("POST", "/v1/citizen/otp", {"mobile": local}).status == 202
    message = stack.wait_for(lambda: [m for m in stack.sms() if m["to"] == e164 and "code" in m["message"]])
    otp = re.search(r"\b(\d{6})\b", message[-1]["message"])
    assert otp
    assert stack.request("POST", "/v1/citizen/session", {"mobile": local, "otp": "000000"}).status in (
        401,
        422,
    )
    session = stack.request("POST", "/v1/citizen/session", {"mobile": local, "otp": otp.group(1)})
    assert session.status == 200
    citizen = session.json()["token"]
    assert stack.request("GET", "/v1/citizen/certificates", headers=_bearer(citizen)).status == 200
    pdf = stack.request(
        "GET", f"/v1/citizen/certificates/{certificate['hcid']}/pdf", headers=_bearer(citizen)
    )
    assert pdf.status == 200

    staff = stack.staff_token("facility")
    for query in (f"mobile={local}", f"dob={dob}&name={family[:5]}"):
        assert (
            stack.request("GET", f"/v1/facility/certificates?{query}", headers=_bearer(staff)).status == 200
        )
    printed = stack.request(
        "GET", f"/v1/facility/certificates/{certificate['hcid']}/pdf", headers=_bearer(staff)
    )
    assert printed.status == 200
    assert stack.request("POST", "/v1/verify", {"qr": certificate["qr"]}).json()["status"] == "VALID"
    admin = stack.staff_token("admin")
    audit = stack.request("GET", f"/v1/admin/audit?hcid={certificate['hcid']}", headers=_bearer(admin))
    assert audit.status == 200

    log = stack.log_file.read_text()
    # The check can only fail if the functions really logged this run: their lines name its HCID.
    assert certificate["hcid"] in log, "the run produced no function logs"
    secrets = {
        "given name": given,
        "family name": family,
        "date of birth": dob,
        "date of birth (compact)": dob.replace("-", ""),
        "mobile (E.164)": e164,
        "mobile (local)": local,
        "mobile (digits)": "876555" + digits,
        "national id": trn,
        "otp": otp.group(1),
        "citizen token": citizen[-40:],
        "staff token": staff[-40:],
    }
    leaks = {label: value for label, value in secrets.items() if value.lower() in log.lower()}
    assert not leaks, f"personal data in logs: {sorted(leaks)}"

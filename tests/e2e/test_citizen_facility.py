"""Issue 5 end to end over the local stack: certificate -> OTP by SMS -> session -> list -> PDF whose QR
is the stored HC1 -> staff login -> search by mobile and by dob+name -> print -> admin audit shows it all."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pypdfium2 as pdfium
import pytest
import zxingcpp

from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e


def _qr_texts(pdf: bytes) -> list[str]:
    image = pdfium.PdfDocument(pdf)[0].render(scale=200 / 72).to_pil()
    return [b.text for b in zxingcpp.read_barcodes(image) if b.format == zxingcpp.BarcodeFormat.QRCode]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _staff_token(stack: LocalStack, role: str) -> str:
    response = stack.request("POST", "/v1/staff/session", dict(stack.credentials[role]))
    assert response.status == 200, response.body
    return str(response.json()["token"])


def test_citizen_and_facility_flow(stack: LocalStack, new_form: Callable[..., dict[str, Any]]) -> None:
    local = f"876-5{random.randint(10, 99)}-{random.randint(0, 9999):04d}"
    e164 = "+1" + local.replace("-", "")
    family = f"Tëst{random.randint(1000, 9999)}"
    form = new_form(mobile_number=local, first_name="Ann", last_name=family, date_of_birth="1990-02-14")
    assert stack.ingest(form).status == 202
    stack.wait_for(lambda: [m for m in stack.sms() if m["to"] == e164])

    # Citizen: OTP by SMS -> session -> list -> PDF.
    response = stack.request("POST", "/v1/citizen/otp", {"mobile": local})
    assert response.status == 202
    sms = stack.wait_for(lambda: [m for m in stack.sms() if m["to"] == e164 and "login code" in m["message"]])
    code = sms[-1]["message"].split("login code is ")[1][:6]
    response = stack.request("POST", "/v1/citizen/session", {"mobile": e164, "otp": code})
    assert response.status == 200, response.body
    citizen = response.json()["token"]
    assert 0 < response.json()["expiresIn"] <= 900

    response = stack.request("GET", "/v1/citizen/certificates", headers=_bearer(citizen))
    assert response.status == 200
    [row] = response.json()["certificates"]
    assert (row["name"], row["dob"], row["dose"], row["status"]) == (
        f"Ann {family}",
        "1990-02-14",
        1,
        "VALID",
    )
    hcid, hc1 = row["hcid"], row["qr"]

    response = stack.request("GET", f"/v1/citizen/certificates/{hcid}/pdf", headers=_bearer(citizen))
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/pdf"
    # The HC1 QR, and the SMART Health Card QR of the same certificate (PDF_SHC_QR).
    assert sorted(_qr_texts(response.body)) == [hc1, row["shcQr"]]
    # Someone else's certificate is not found, and no token is no access.
    assert (
        stack.request(
            "GET", "/v1/citizen/certificates/0000000000000000XXXX/pdf", headers=_bearer(citizen)
        ).status
        == 404
    )
    assert stack.request("GET", "/v1/citizen/certificates").status == 401

    # Facility: sign in, search both ways, print.
    staff = _staff_token(stack, "facility")
    response = stack.request("GET", f"/v1/facility/certificates?mobile={local}", headers=_bearer(staff))
    assert response.status == 200 and [r["hcid"] for r in response.json()["certificates"]] == [hcid]
    prefix = "test" + family[4:6]  # accent- and case-insensitive prefix of the family name
    response = stack.request(
        "GET", f"/v1/facility/certificates?dob=1990-02-14&name={prefix}", headers=_bearer(staff)
    )
    assert response.status == 200 and [r["hcid"] for r in response.json()["certificates"]] == [hcid]
    assert (
        stack.request("GET", "/v1/facility/certificates?dob=1990-02-14", headers=_bearer(staff)).status == 422
    )
    response = stack.request("GET", f"/v1/facility/certificates/{hcid}/pdf", headers=_bearer(staff))
    assert response.status == 200 and hc1 in _qr_texts(response.body)
    assert stack.request("GET", f"/v1/admin/audit?hcid={hcid}", headers=_bearer(staff)).status == 403

    # Admin: the audit trail has all of it.
    admin = _staff_token(stack, "admin")
    response = stack.request("GET", f"/v1/admin/audit?hcid={hcid}", headers=_bearer(admin))
    assert response.status == 200
    # Every action that disclosed it (issue 11): the searches and the list whose results held it too.
    assert [e["action"] for e in response.json()["entries"]] == [
        "staff.print",
        "staff.search",
        "staff.search",
        "citizen.pdf",
        "citizen.list",
        "ingest.issue",
    ]
    response = stack.request("GET", f"/v1/admin/audit?mobile={local}", headers=_bearer(admin))
    assert [(e["action"], e["outcome"]) for e in response.json()["entries"]] == [
        ("staff.search", "ok"),  # the facility's search for the number
        ("citizen.pdf", "not_found"),  # the probe for someone else's HCID
        ("citizen.pdf", "ok"),
        ("citizen.list", "ok"),
        ("citizen.session", "ok"),
        ("citizen.otp_requested", "ok"),
    ]
    username = stack.credentials["facility"]["username"]
    response = stack.request("GET", f"/v1/admin/audit?actor={username}", headers=_bearer(admin))
    mine = [e for e in response.json()["entries"] if hcid in (e["resultHcids"] or []) or e["hcid"] == hcid]
    assert [e["action"] for e in mine] == ["staff.print", "staff.search", "staff.search"]
    assert {"mobile": e164} in [e["query"] for e in mine]

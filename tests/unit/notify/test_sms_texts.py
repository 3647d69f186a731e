"""The SMS texts are deployment settings (sms_*_text), checked at deploy time; the defaults are
today's texts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from tests.factories import EXAMPLE_HCID, example_record
from vaxcert.citizen.portal import otp_sms_text
from vaxcert.issuance.service import corrected_sms_text, notice_text, ready_sms_text
from vaxcert.notify.texts import SmsTexts
from vaxcert.settings import Settings
from vaxcert.types.certificate import Certificate, CertificateStatus, SmsStatus

PORTAL = "https://vaccination.example.gov.jm/"


def _certificate(status: CertificateStatus = CertificateStatus.VALID) -> Certificate:
    now = datetime(2024, 5, 2, tzinfo=UTC)
    return Certificate(
        hcid=EXAMPLE_HCID,
        uci=f"URN:UVCI:01:JM:{EXAMPLE_HCID}",
        event_id="e-1",
        revision="0",
        version=1,
        status=status,
        record=example_record(),
        vaccine_key="comirnaty",
        mobile="+18765550123",
        qr="HC1:...",
        kid="AAAAAAAAAAA=",
        issued_at=now,
        expires_at=now,
        sms_status=SmsStatus.PENDING,
    )


def test_the_defaults_are_the_texts_sent_so_far() -> None:
    assert otp_sms_text("123456", 10) == (
        "Your vaccination certificate login code is 123456. It expires in 10 minutes. "
        "Never share it; the Ministry will never ask for it. - Ministry of Health"
    )
    certificate = _certificate()
    given = certificate.record.person.given_name.split(" ")[0]
    assert ready_sms_text(certificate, PORTAL).startswith(
        f"Hello {given}, your COVID-19 vaccination certificate"
    )
    assert ready_sms_text(certificate, PORTAL).endswith(
        f"is ready. Download it at {PORTAL} using this mobile number. - Ministry of Health"
    )


def test_configured_texts_are_sent() -> None:
    texts = SmsTexts.from_settings(
        Settings.from_env(
            {
                "SMS_OTP_TEXT": "Code {code} ({minutes} min) - MOH",
                "SMS_READY_TEXT": "{given}: {dose} ready at {portal_url}",
                "SMS_CORRECTED_TEXT": "{given}: corrected, see {portal_url}",
                "SMS_REPLACED_TEXT": "Replaced: {portal_url}",
                "SMS_REVOKED_TEXT": "Revoked: {portal_url}",
            }
        )
    )
    certificate = _certificate()
    given = certificate.record.person.given_name.split(" ")[0]
    assert otp_sms_text("123456", 10, texts) == "Code 123456 (10 min) - MOH"
    dose = certificate.record.vaccination
    expected_dose = f"dose {dose.dose} of {dose.total_doses}" if dose.total_doses else f"dose {dose.dose}"
    assert ready_sms_text(certificate, PORTAL, texts) == f"{given}: {expected_dose} ready at {PORTAL}"
    assert corrected_sms_text(certificate, PORTAL, texts) == f"{given}: corrected, see {PORTAL}"
    assert notice_text(certificate, PORTAL, texts) == f"Replaced: {PORTAL}"
    assert notice_text(_certificate(CertificateStatus.REVOKED), PORTAL, texts) == f"Revoked: {PORTAL}"


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"SMS_OTP_TEXT": "Your code expires in {minutes} minutes"}, "must contain {code}"),
        ({"SMS_READY_TEXT": "Hello {name}"}, "unknown placeholder {name}"),
        ({"SMS_REVOKED_TEXT": "Revoked {portal_url"}, "not a valid template"),
    ],
)
def test_a_text_with_a_wrong_placeholder_is_refused(env: dict[str, str], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        Settings.from_env(env)

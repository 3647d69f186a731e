"""Every SMS carries the deployment's origination settings (sender ID, origination number) to SNS."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from vaxcert.notify.sms import SnsSms
from vaxcert.settings import Settings

TO = "+18765550123"


def _sent_attributes(sms: SnsSms, sns) -> dict:
    with Stubber(sns) as stub:
        captured: dict = {}

        def record(params, **_):
            captured.update(params)

        sns.meta.events.register("provide-client-params.sns.Publish", record)
        stub.add_response("publish", {"MessageId": "m-1"})
        assert sms.send(TO, "hello") == "m-1"
    return dict(captured["MessageAttributes"])


@pytest.fixture
def sns():
    return boto3.client("sns", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def test_sender_id_and_origination_number_go_with_every_publish(sns) -> None:
    settings = Settings.from_env({"SMS_SENDER_ID": "MOHJamaica", "SMS_ORIGINATION_NUMBER": "+18885550100"})
    sms = SnsSms(settings.sms_sender_id, sns=sns, origination_number=settings.sms_origination_number)
    attributes = _sent_attributes(sms, sns)
    assert attributes["AWS.SNS.SMS.SMSType"] == {"DataType": "String", "StringValue": "Transactional"}
    assert attributes["AWS.SNS.SMS.SenderID"] == {"DataType": "String", "StringValue": "MOHJamaica"}
    assert attributes["AWS.MM.SMS.OriginationNumber"] == {"DataType": "String", "StringValue": "+18885550100"}


def test_without_settings_sns_chooses(sns) -> None:
    assert set(_sent_attributes(SnsSms(sns=sns), sns)) == {"AWS.SNS.SMS.SMSType"}


def test_a_sender_id_sns_would_refuse_is_a_settings_error() -> None:
    with pytest.raises(ValueError):
        Settings.from_env({"SMS_SENDER_ID": "Ministry of Health"})  # spaces, > 11 characters

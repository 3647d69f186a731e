"""SMS through SNS, straight to an E.164 number (no topic)."""

from __future__ import annotations

import re
from typing import Any

from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError

from vaxcert.errors import TransientFailure
from vaxcert.store.aws import client, error_code

_E164 = re.compile(r"^\+[1-9]\d{7,14}$")


class SmsNotSent(TransientFailure):
    """Nothing was sent (the provider refused, or was never reached): retrying is safe.

    Senders raise this (or another TransientFailure) only when they are sure; any other failure
    may have happened after the provider accepted the message, and is never retried by resending.
    """


class SnsSms:
    """`sender_id`: the alphanumeric sender ID (countries that support one); `origination_number`: the
    registered long code, toll-free or short code (E.164) or its phone-number ARN, which NANP numbers
    (+1, Jamaica included) need. Both come from deployment settings and go with every publish."""

    def __init__(
        self, sender_id: str | None = None, sns: Any | None = None, origination_number: str | None = None
    ):
        self.sender_id = sender_id
        self.origination_number = origination_number
        self._sns = sns

    def send(self, to_e164: str, message: str) -> str:
        if not _E164.match(to_e164):
            # Never send to a number we could not normalise: it could be someone else's.
            raise ValueError("refusing to send SMS to a non-E.164 number")
        attributes = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}}
        if self.sender_id:
            attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String", "StringValue": self.sender_id}
        if self.origination_number:
            attributes["AWS.MM.SMS.OriginationNumber"] = {
                "DataType": "String",
                "StringValue": self.origination_number,
            }
        sns = self._sns or client("sns")
        try:
            response = sns.publish(PhoneNumber=to_e164, Message=message, MessageAttributes=attributes)
        except ClientError as exc:  # SNS answered with an error: it did not take the message
            raise SmsNotSent(f"SNS refused the SMS: {error_code(exc)}") from exc
        except (EndpointConnectionError, ConnectTimeoutError) as exc:  # never reached SNS
            raise SmsNotSent(f"SNS unreachable: {type(exc).__name__}") from exc
        return str(response["MessageId"])

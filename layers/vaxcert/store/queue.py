"""The issue queue: ingest sends (event id, revision); the issue function consumes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, Json

from vaxcert.store.aws import client


class IssueMessage(BaseModel):
    """Issue this revision of a stored event (sent by ingest, and by admin corrections)."""

    model_config = ConfigDict(populate_by_name=True, frozen=True, defer_build=True)
    event_id: str = Field(alias="eventId")
    revision: str


class NoticeMessage(BaseModel):
    """Send this certificate's notice SMS (it was revoked)."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    notice: str = Field(description="the certificate's HCID")


class IssueQueueRecord(BaseModel):
    """The fields of an SQS record the issue worker reads: its id (for a partial batch failure) and its
    message. Not Powertools' SqsRecordModel: importing its parser models costs ~80 ms of cold start."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    message_id: str = Field(alias="messageId")
    body: Json[NoticeMessage | IssueMessage]


def issue_message(event_id: str, revision: str) -> str:
    return IssueMessage.model_validate({"eventId": event_id, "revision": revision}).model_dump_json(
        by_alias=True
    )


def notice_message(hcid: str) -> str:
    """Send a certificate's notice SMS (it was revoked): the issue worker owns every certificate SMS."""
    return NoticeMessage(notice=hcid).model_dump_json()


class IssueQueue:
    def __init__(self, url: str, sqs: Any | None = None):
        self.url = url
        self._sqs = sqs

    def send(self, event_id: str, revision: str) -> None:
        sqs = self._sqs or client("sqs")
        sqs.send_message(QueueUrl=self.url, MessageBody=issue_message(event_id, revision))

    def send_notice(self, hcid: str) -> None:
        sqs = self._sqs or client("sqs")
        sqs.send_message(QueueUrl=self.url, MessageBody=notice_message(hcid))


def queue_depths(url: str, dead_letter_url: str, sqs: Any | None = None) -> tuple[int, int]:
    """(messages waiting or in flight, messages dead-lettered): SQS's approximate counts."""
    sqs = sqs or client("sqs")
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]

    def count(queue: str, attributes: list[str]) -> int:
        got = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=attributes)["Attributes"]
        return sum(int(got.get(a, 0)) for a in attributes)

    return count(url, names), count(dead_letter_url, names[:1])

"""The issue queue's event source mapping, locally: poll SQS, invoke the issue handler with a batch,
delete what succeeded, and let failed records come back (partial batch response) until the
redrive policy moves them to the dead-letter queue."""

from __future__ import annotations

import threading
import time
import traceback
from typing import Any

import boto3

from local_stack.lambda_runtime import LocalLambdas

BATCH_SIZE = 10
# Deployed, a failed record waits out the queue's visibility timeout; locally retry sooner.
LOCAL_RETRY_DELAY_S = 2


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for m in messages
        ]
    }


class QueueWorker(threading.Thread):
    def __init__(self, lambdas: LocalLambdas, queue_url: str, region: str, function: str = "issue"):
        super().__init__(name="issue-queue-worker", daemon=True)
        self.lambdas = lambdas
        self.queue_url = queue_url
        self.region = region
        self.function = function
        self.stopping = threading.Event()
        self.sqs = boto3.session.Session(region_name=region).client("sqs")
        self.queue_arn = self.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                self.poll_once()
            except Exception:
                traceback.print_exc()
                time.sleep(1)

    def poll_once(self) -> int:
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=BATCH_SIZE,
            WaitTimeSeconds=1,
            AttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        try:
            result = self.lambdas.invoke(self.function, sqs_event(messages, self.queue_arn, self.region))
            failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
        except Exception:
            traceback.print_exc()
            failed = {m["MessageId"] for m in messages}  # the whole batch failed
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        for m in messages:
            if m["MessageId"] in failed:
                self.sqs.change_message_visibility(
                    QueueUrl=self.queue_url,
                    ReceiptHandle=m["ReceiptHandle"],
                    VisibilityTimeout=LOCAL_RETRY_DELAY_S,
                )
        return len(messages)

    def stop(self) -> None:
        self.stopping.set()

"""Alarms that need a person: anything in a dead-letter queue means certificates were not issued;
errors or throttles of the issue function mean they are late (and soon in the dead-letter queue);
the daily SMS budget at 80%, or refusing SMS, means an OTP flood or an unusual issuing day; failed
SMS sends and KMS Sign throttling come from the functions' own metrics (vaxcert.metrics), since
SNS and KMS offer no account metric an alarm can watch for them.

Not alarmed: SMS that SNS accepted but the carrier did not deliver (SNS delivery-status logging).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.data import DataResources
from vaxcert import resources as r
from vaxcert.metrics import METRIC_NAMESPACE
from vaxcert.notify import budget as budget_metrics
from vaxcert.settings import Settings
from vaxcert.signing.kms import KMS_THROTTLED_METRIC


def own_metric(name: str, minutes: int, statistic: str) -> cloudwatch.Metric:
    """One of the functions' own metrics (vaxcert.metrics: EMF lines, no dimensions)."""
    return cloudwatch.Metric(
        namespace=METRIC_NAMESPACE,
        metric_name=name,
        period=cdk.Duration.minutes(minutes),
        statistic=statistic,
    )


class Alarms(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        data: DataResources,
        email: str | None,
        functions: dict[str, lambda_.IFunction] | None = None,
        sms_daily_budget: int | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(
            self, "AlarmTopic", display_name="vaxcert alarms", master_key=data.data_key, enforce_ssl=True
        )
        # CloudWatch publishes to the encrypted topic with the data key (key policy, not an IAM role).
        data.data_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsToEncryptedTopic",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=["*"],  # in a key policy "*" is this key
                conditions={"StringEquals": {"aws:SourceAccount": cdk.Stack.of(self).account}},
            )
        )
        if email:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))
        for q in r.QUEUES:
            self._alarm(
                f"{q.dead_letter_logical_id}NotEmpty",
                f"Messages in {q.dead_letter_logical_id}: they failed "
                f"{q.max_receive_count} times. Fix the cause (function logs), then redrive the DLQ.",
                metric=data.dead_letter_queues[q.logical_id].metric_approximate_number_of_messages_visible(
                    period=cdk.Duration.minutes(5), statistic="Maximum"
                ),
                threshold=1,
            )
        issue = (functions or {}).get("issue")
        if issue is not None:
            # Errors: the handler reports bad records as batch item failures, so an error is a crash,
            # a timeout or a dependency (KMS, DynamoDB) failing the whole batch.
            self._alarm(
                "IssueFunctionErrors",
                "The issue function failed whole batches (crash, timeout, KMS or DynamoDB "
                "errors) in 3 of the last 15 minutes: certificates are delayed. See its logs.",
                metric=issue.metric_errors(period=cdk.Duration.minutes(5), statistic="Sum"),
                threshold=1,
                periods=3,
            )
            # Throttles: the queue's maximum concurrency stays within the reserved concurrency, so any
            # throttle means the two drifted apart (messages go back to the queue, towards the DLQ).
            self._alarm(
                "IssueFunctionThrottles",
                "The issue function was throttled: its reserved concurrency is below the "
                "queue's maximum concurrency, or the account's Lambda concurrency is exhausted.",
                metric=issue.metric_throttles(period=cdk.Duration.minutes(5), statistic="Sum"),
                threshold=1,
            )
        if sms_daily_budget:
            self._sms_budget_alarms(sms_daily_budget)
        self._metric_alarm(
            "SmsSendFailures",
            budget_metrics.FAILED_METRIC,
            threshold=5,
            description="5 or more SMS sends failed in 15 minutes (SNS refused or unreachable): "
            "certificate SMS are retried through the queue, login codes are lost. Check SNS delivery "
            "status and the SNS spend limit.",
        )
        self._metric_alarm(
            "KmsSignThrottling",
            KMS_THROTTLED_METRIC,
            threshold=1,
            description="KMS Sign was throttled past the SDK's retries: the account's ECC request quota is "
            "reached. Issue messages retry through the queue; lower ISSUE_CONCURRENCY or raise the quota.",
        )

    def _metric_alarm(self, construct_id: str, metric: str, *, threshold: int, description: str) -> None:
        """An alarm on the Sum over 15 minutes of one of the functions' own metrics (vaxcert.metrics)."""
        self._alarm(construct_id, description, metric=own_metric(metric, 15, "Sum"), threshold=threshold)

    def _alarm(
        self,
        construct_id: str,
        description: str,
        *,
        metric: cloudwatch.IMetric,
        threshold: int,
        periods: int = 1,
    ) -> None:
        """At or above `threshold` in `periods` consecutive periods (no data: fine) -> the alarm topic."""
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            evaluation_periods=periods,
            datapoints_to_alarm=periods,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(actions.SnsAction(self.topic))

    def _sms_budget_alarms(self, budget: int) -> None:
        """The daily SMS budget (vaxcert.notify.budget): a warning at 80%, an alarm on any refusal.

        SmsBudgetUsed is today's count after each send (a gauge that restarts at 0 each UTC day), so
        its Maximum over 5 minutes is how much of today's budget is gone.
        """
        otp_share = Settings.model_fields["sms_otp_budget_share"].default
        self._alarm(
            "SmsBudget80Percent",
            f"80% of today's SMS budget ({budget}) is used. Login codes stop at "
            f"{int(budget * otp_share)} (their share); certificate SMS wait past {budget} (next UTC day). "
            "Look for an OTP flood (WAF, API logs) before raising vaxcert:smsDailyBudget.",
            metric=own_metric(budget_metrics.USED_METRIC, 5, "Maximum"),
            threshold=int(budget * 0.8),
        )
        self._alarm(
            "SmsBudgetRefusals",
            "SMS were refused because today's budget is spent: login codes are not "
            "sent, certificate SMS are retried (then dead-lettered: redrive them once the budget allows).",
            metric=own_metric(budget_metrics.REFUSED_METRIC, 5, "Sum"),
            threshold=1,
        )

"""The vaxcert stack: everything a ministry deploys with `cdk deploy`, generated from vaxcert.resources
and vaxcert.routes (tables, buckets, queues, keys, secrets, functions and routes are never listed here).
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from infra.alarms import Alarms
from infra.api import Api
from infra.config import DeployConfig
from infra.data import Data
from infra.functions import Functions
from infra.identity import StaffIdentity
from infra.settings_env import settings_environment
from infra.web import Web
from vaxcert import resources as r


class VaxcertStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        config = self.config = DeployConfig.from_context(self)

        data = Data(self, "Data", log_retention_days=config.log_retention_days).resources
        assert data.log_bucket is not None
        identity = StaffIdentity(self, "Staff", config=config)
        origin_secret = data.secrets[r.ORIGIN_SECRET.logical_id]
        api = Api(self, "Api", config=config, origin_secret=origin_secret)
        web = Web(
            self,
            "Web",
            config=config,
            log_bucket=data.log_bucket,
            api_domain=api.execute_api_domain,
            api_stage=api.stage_name,
            origin_secret=origin_secret,
        )
        settings_env = {
            "STAGE": config.stage,
            "COUNTRY": config.country,
            "COUNTRY_ALPHA3": config.country_alpha3,
            "ISSUER_NAME": config.issuer_name,
            "PORTAL_URL": web.url,
            "CERTIFICATE_VALIDITY_DAYS": str(config.certificate_validity_days),
            "INGEST_HEADER": config.ingest_header,
            "SMS_DAILY_BUDGET": str(config.sms_daily_budget),
            **({"DIVOC_PUBLIC_KEY": config.divoc_public_key} if config.divoc_public_key else {}),
            **({"DIVOC_DID": config.divoc_did} if config.divoc_did else {}),
            **({"SMS_SENDER_ID": config.sms_sender_id} if config.sms_sender_id else {}),
            **(
                {"SMS_ORIGINATION_NUMBER": config.sms_origination_number}
                if config.sms_origination_number
                else {}
            ),
            "EXTRA_CORS_ORIGINS": ",".join(config.extra_cors_origins),
        }
        functions = Functions(
            self,
            "Functions",
            data=data,
            user_pool=identity.user_pool,
            environment=settings_environment(
                self.node.try_get_context, {**data.environment, **identity.environment, **settings_env}
            ),
            config=config,
        )
        alarms = Alarms(
            self,
            "Alarms",
            data=data,
            email=config.alarm_email,
            functions=dict(functions.functions),
            sms_daily_budget=config.sms_daily_budget,
        )
        self.data = data
        self.functions = functions
        api.add_routes(dict(functions.functions), [web.origin, *config.extra_cors_origins])
        web.deploy_site(
            {
                "region": self.region,
                "apiBase": "/",
                "userPoolId": identity.user_pool.user_pool_id,
                "userPoolClientId": identity.client.user_pool_client_id,
                "country": config.country,
            }
        )

        def out(name: str, value: str, description: str) -> None:
            cdk.CfnOutput(self, name, value=value, description=description)

        out("WebUrl", web.url, "The portal: citizens' downloads, staff search, verifier page (also the API)")
        out("ApiUrl", api.rest_api.url, "API Gateway stage URL (the same API is under WebUrl /v1/...)")
        out("UserPoolId", identity.user_pool.user_pool_id, "Staff user pool (create staff users here)")
        out("UserPoolClientId", identity.client.user_pool_client_id, "App client of the staff web page")
        out(
            "AlarmTopicArn",
            alarms.topic.topic_arn,
            "Subscribe operators here (dead-letter queue and issue function alarms)",
        )
        for q in r.QUEUES:
            out(q.logical_id + "Url", data.queues[q.logical_id].queue_url, f"{q.env}: SQS queue")
            out(
                q.dead_letter_logical_id + "Url",
                data.dead_letter_queues[q.logical_id].queue_url,
                f"{q.dead_letter_env}: failed messages after {q.max_receive_count} attempts",
            )
        for s in r.SECRETS:
            out(s.logical_id + "Arn", data.secrets[s.logical_id].secret_arn, f"{s.env}: {s.description}")
        for k in r.KEYS:
            out(k.logical_id + "Id", data.keys[k.logical_id].key_id, f"{k.env}: {k.description}")
        for t in r.TABLES:
            out(t.logical_id + "Name", data.tables[t.logical_id].table_name, f"{t.env}")
        for b in r.BUCKETS:
            out(b.logical_id + "Name", data.buckets[b.logical_id].bucket_name, f"{b.env}")

"""`make run`: start the whole system locally and print its URLs and credentials.

Runs unattended (no TTY needed) and stops cleanly on SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import logging
import os
import secrets
import signal
import sys
import threading
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local_stack.launcher import free_port

REGION = "us-east-1"
DEMO_PEOPLE = [
    # No mobile numbers: demo data must not send SMS (facility search/print shows them).
    ("demo-0001", "Andre", "Williams", "1979-06-02", "male", "spikevax", 1),
    ("demo-0002", "Keisha", "Brown", "1992-11-23", "female", "vaxzevria", 2),
    ("demo-0003", "Desmond", "O'Connor", "1958-01-30", "male", "janssen", 1),
]


def start_moto(port: int) -> Any:
    from moto.server import ThreadedMotoServer

    from local_stack import moto_speedups

    moto_speedups.apply()
    # werkzeug logs every moto request line to stderr: noise, not information.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return server


def configure_aws_env(moto_port: int) -> None:
    # Local-only credentials for moto; boto3 and pynamodb pick the endpoint up from the environment.
    os.environ.update(
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{moto_port}",
        AWS_ACCESS_KEY_ID="local",
        AWS_SECRET_ACCESS_KEY="local",  # noqa: S106 - moto accepts any credentials
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        POWERTOOLS_METRICS_NAMESPACE="vaxcert",
        POWERTOOLS_LOG_LEVEL=os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
    )


def seed_demo(api: str, header: str, key: str) -> None:
    for event_id, given, family, dob, sex, vaccine, dose in DEMO_PEOPLE:
        body = {
            "eventId": event_id,
            "source": "demo",
            "person": {"givenName": given, "familyName": family, "birthDate": dob, "sex": sex},
            "vaccination": {
                "vaccine": vaccine,
                "lot": f"DEMO{dose}",
                "date": "2021-12-01",
                "dose": dose,
                "centre": "Demo Health Centre",
            },
        }
        request = urllib.request.Request(  # noqa: S310 - local gateway URL
            f"{api}/v1/vaccinations",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", header: key},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            response.read()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_stack", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--state-dir", default=os.environ.get("VAXCERT_LOCAL_DIR", ".local"))
    parser.add_argument("--no-demo", action="store_true", help="start without demo vaccinations")
    args = parser.parse_args(argv)

    moto_port = free_port()
    moto = start_moto(moto_port)
    configure_aws_env(moto_port)

    from local_stack.provision import create_user, provision

    env = provision(REGION)
    api = f"http://127.0.0.1:{args.port}"
    env["PORTAL_URL"] = f"{api}/"
    os.environ.update(env)

    from vaxcert.resources import ADMIN_GROUP, STAFF_GROUP
    from vaxcert.settings import get_settings

    get_settings.cache_clear()
    settings = get_settings()

    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    from local_stack.gateway import Gateway, SmsLog
    from local_stack.lambda_runtime import LocalLambdas
    from local_stack.queue_worker import QueueWorker
    from local_stack.scheduler import Scheduler
    from vaxcert.runtime.wiring import settings as bound_settings
    from vaxcert.signing.trust_material import ensure_trust_material
    from vaxcert.store.trust import TrustRepository

    bound_settings()
    ensure_trust_material(
        TrustRepository(),
        csca_key_id=settings.csca_key_id,
        signing_key_id=settings.signing_key_id,
        country=settings.country,
        now=datetime.now(UTC),
    )
    import boto3

    ingest_key = boto3.client("secretsmanager").get_secret_value(SecretId=settings.ingest_secret_arn)[
        "SecretString"
    ]
    users = {
        "facility": {"username": "facility.demo", "group": STAFF_GROUP},
        "admin": {"username": "admin.demo", "group": ADMIN_GROUP},
    }
    credentials: dict[str, Any] = {
        "api": api,
        "ingest": {"header": settings.ingest_header, "key": ingest_key},
        # Beyond the contract: the emulated AWS endpoint, for operators' `vaxcert` commands and tests.
        "aws": {"endpoint": os.environ["AWS_ENDPOINT_URL"], "region": REGION, "env": env},
    }
    for role, user in users.items():
        password = create_user(REGION, settings.user_pool_id, user["username"], user["group"])
        credentials[role] = {"username": user["username"], "password": password}

    lambdas = LocalLambdas()
    sms_log = SmsLog(lambda: sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages)
    gateway = Gateway(lambdas, sms_log)
    server = gateway.serve("127.0.0.1", args.port)
    worker = QueueWorker(lambdas, settings.issue_queue_url, REGION)
    worker.start()
    scheduler = Scheduler(lambdas)
    scheduler.run_all_now()
    scheduler.start()
    threading.Thread(target=server.serve_forever, name="gateway", daemon=True).start()

    if not args.no_demo:
        seed_demo(api, settings.ingest_header, ingest_key)

    state = Path(args.state_dir)
    state.mkdir(parents=True, exist_ok=True)
    credentials_file = state / "credentials.json"
    tmp = state / f".credentials.{secrets.token_hex(4)}"
    tmp.write_text(json.dumps(credentials, indent=2))
    tmp.chmod(0o600)
    tmp.replace(credentials_file)
    # Before /health says ok: a SIGTERM that follows it at once must still stop cleanly.
    stop = threading.Event()

    def _stop(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    gateway.ready.set()

    print(
        f"""
vaxcert local stack is up.
  API + web page     {api}/          (citizen portal)
  Verifier           {api}/verify
  Facility print     {api}/facility
  Admin              {api}/admin
  Health             {api}/health
  SMS sent (local)   {api}/_local/sms
  API docs (local)   {api}/docs          (OpenAPI: {api}/v1/openapi.json)
  Moto (AWS)         http://127.0.0.1:{moto_port}
  Credentials        {credentials_file.resolve()}
    ingest header    {settings.ingest_header}: {ingest_key}
    facility staff   {credentials["facility"]["username"]} / {credentials["facility"]["password"]}
    ministry admin   {credentials["admin"]["username"]} / {credentials["admin"]["password"]}
Try: curl -X POST {api}/v1/ingest/commcare -H '{settings.ingest_header}: {ingest_key}' \\
       -H 'Content-Type: application/json' -d @../shared/examples/commcare/vaccination-form.json
Stop with Ctrl-C (or SIGTERM).""",
        flush=True,
    )

    stop.wait()
    print("stopping...", flush=True)
    _exit_anyway_after(STOP_GRACE_S)
    worker.stop()
    scheduler.stop()
    server.shutdown()
    worker.join(timeout=5)
    moto.stop()
    return 0


# Everything lives in memory, so a stop that drags (a busy machine, a thread stuck mid-request)
# loses nothing by being cut short; whoever sent SIGTERM must not wait on us.
STOP_GRACE_S = 8.0


def _exit_anyway_after(seconds: float) -> None:
    def _force() -> None:
        print(f"still stopping after {seconds:.0f}s; these threads held it up:", flush=True)
        faulthandler.dump_traceback(file=sys.stdout, all_threads=True)
        sys.stdout.flush()
        os._exit(0)

    timer = threading.Timer(seconds, _force)
    timer.daemon = True
    timer.start()


if __name__ == "__main__":
    sys.exit(main())

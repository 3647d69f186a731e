"""Every handler run from the built Lambda bundle only, as the python3.12 runtime runs it.

The layer and function assets are built with the recipe `cdk synth` uses (infra/bundle.py: same pip
install, cache and file filters; this machine's architecture). Each function then runs in a bare Python
3.12 (`-I -S`: no site-packages, no PYTHON* variables) whose path holds its code directory, the layer and
a boto3 like the runtime's, and nothing else; its environment is the one the synthesized template gives
it, with every reference resolved against a moto server. One request each: ingest a CommCare form, issue
it from an SQS batch, verify the QR, a citizen's PDF (a name with letters beyond Windows-1252, so the
fonts must be in the bundle), an admin call. A file or module missing from the bundle fails here, not in
a deployment.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pypdfium2 as pdfium
import pytest

from infra import ROOT, prefer_node22

prefer_node22()

from tests.conftest import EXAMPLE_FORM, require_shared  # noqa: E402
from vaxcert import resources as r  # noqa: E402

pytestmark = pytest.mark.xdist_group("infra")  # shares the layer cache with the template tests

REGION = "us-east-1"
# What the Lambda python3.12 runtime provides beside the standard library (its boto3 is older than our
# pin: the layer leaves boto3 out, so the code must work with the runtime's).
RUNTIME_PACKAGES = ("boto3==1.38.23", "botocore==1.38.23")
BUILD = ROOT / "build"
FAMILY_NAME = "Dvořák"  # ř is not in Windows-1252: the PDF needs the bundled font


def python312() -> str | None:
    """A Python 3.12 interpreter outside any virtual environment (the runtime's version)."""
    if sys.version_info[:2] == (3, 12):
        return str(Path(getattr(sys, "_base_executable", sys.executable)).resolve())
    for env in ({}, {"PYENV_VERSION": "3.12.1"}):
        try:
            found = subprocess.run(
                ["python3.12", "-c", "import sys; print(sys.executable)"],
                env={**os.environ, **env},
                capture_output=True,
                text=True,
                check=True,
                timeout=30,
            )
        except (OSError, subprocess.SubprocessError):
            continue
        return found.stdout.strip()
    return None


def runtime_packages() -> Path:
    """boto3 as the runtime ships it, installed once into build/ (pip's cache makes reruns offline)."""
    target = BUILD / "bundle-runtime" / "-".join(p.replace("==", "-") for p in RUNTIME_PACKAGES)
    if (target / ".complete").is_file():
        return target
    shutil.rmtree(target, ignore_errors=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
         "--target", str(target), "--python-version", "3.12", "--only-binary=:all:", *RUNTIME_PACKAGES],
        check=True,
        capture_output=True,
    )  # fmt: skip
    (target / ".complete").touch()
    return target


@dataclass
class World:
    python: str
    layer: Path
    functions: dict[str, Path]
    runtime: Path
    env: dict[str, dict[str, str]]  # per function: the template's environment, resolved
    aws: dict[str, str]  # resource env vars -> moto names
    endpoint: str
    work: Path

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="bundle",
            aws_secret_access_key="bundle",
        )

    def run(self, function: str, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        grants = r.FUNCTIONS[function]
        events_file = self.work / f"{function}-{uuid.uuid4().hex}-events.json"
        out_file = events_file.with_name(events_file.name.replace("events", "out"))
        events_file.write_text(json.dumps(events))
        lambda_env = {
            # What the runtime sets, plus credentials and the emulator endpoint; nothing of ours.
            "PATH": "/usr/bin:/bin",
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
            "AWS_LAMBDA_FUNCTION_NAME": f"Vaxcert-{function}",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(grants.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "LAMBDA_TASK_ROOT": str(self.functions[function]),
            "AWS_ACCESS_KEY_ID": "bundle",
            "AWS_SECRET_ACCESS_KEY": "bundle",
            "AWS_ENDPOINT_URL": self.endpoint,
            **self.env[function],
        }
        done = subprocess.run(
            [self.python, "-I", "-S", "-X", "utf8", str(Path(__file__).with_name("lambda_runner.py")),
             str(self.functions[function]), str(self.layer), str(self.runtime), str(events_file),
             str(out_file), f"Vaxcert-{function}", str(grants.memory_mb), str(grants.timeout_s)],
            env=lambda_env,
            cwd=self.functions[function],
            check=False,
            capture_output=True,
            timeout=120,
        )  # fmt: skip
        stderr = done.stderr.decode(errors="replace")[-3000:]
        assert done.returncode == 0 and out_file.is_file(), f"{function} exited {done.returncode}:\n{stderr}"
        result = json.loads(out_file.read_text())
        assert "error" not in result, f"{function} failed in the bundle:\n{result['error']}"
        allowed = (str(self.functions[function]), str(self.layer), str(self.runtime), _stdlib())
        strays = [f for f in result["files"] if not f.startswith(allowed)]
        assert not strays, f"{function} loaded code from outside the bundle: {strays[:5]}"
        assert result["sys_path"][:3] == [str(self.functions[function]), str(self.layer), str(self.runtime)]
        return list(result["responses"])


def _stdlib() -> str:
    return str(Path(sysconfig.get_paths()["stdlib"]).resolve().parent)


def resolve_environment(template: dict[str, Any], aws: dict[str, str]) -> dict[str, dict[str, str]]:
    """Each function's Environment.Variables, references replaced by the moto resource of that name."""
    out = {}
    for name in r.FUNCTIONS:
        prefix = "Functions" + name.title() + "Function"
        [props] = [
            v["Properties"]
            for k, v in template["Resources"].items()
            if v["Type"] == "AWS::Lambda::Function" and k.startswith(prefix) and len(k) == len(prefix) + 8
        ]
        env = {}
        for key, value in props["Environment"]["Variables"].items():
            if isinstance(value, str):
                env[key] = value
            elif key == "PORTAL_URL":  # the distribution's domain
                env[key] = "https://d1234abcd.cloudfront.net/"
            else:
                assert key in aws, f"{name}: {key} is a reference to something the emulator lacks: {value}"
                env[key] = aws[key]
        out[name] = env
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    python = python312()
    if python is None:
        pytest.skip("needs Python 3.12 (the Lambda runtime's version): python3.12 or pyenv 3.12.1")
    from moto.server import ThreadedMotoServer

    from infra.bundle import build
    from local_stack.launcher import free_port
    from local_stack.provision import provision
    from tests.infra.conftest import synthesize

    # A fresh folder per run: nothing left by an earlier or concurrent run can mix into the bundle.
    bundle = build(tmp_path_factory.mktemp("bundle"))
    runtime = runtime_packages()
    template = synthesize(tmp_path_factory.mktemp("cdk-out")).template
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        with pytest.MonkeyPatch.context() as mp:
            for key, value in {
                "AWS_ENDPOINT_URL": endpoint,
                "AWS_ACCESS_KEY_ID": "bundle",
                "AWS_SECRET_ACCESS_KEY": "bundle",
                "AWS_DEFAULT_REGION": REGION,
            }.items():
                mp.setenv(key, value)
            aws = provision(REGION)
        world = World(
            python=python,
            layer=bundle.layer,
            functions=bundle.functions,
            runtime=runtime,
            env=resolve_environment(template, aws),
            aws=aws,
            endpoint=endpoint,
            work=tmp_path_factory.mktemp("bundle-run"),
        )
        _trust_material(world)
        yield world
    finally:
        server.stop()


def _trust_material(world: World) -> None:
    """`vaxcert keys init` (the operator's first step), against the emulator."""
    code = (
        "from datetime import UTC, datetime\n"
        "from vaxcert.runtime.wiring import settings\n"
        "from vaxcert.signing.trust_material import ensure_trust_material\n"
        "from vaxcert.store.trust import TrustRepository\n"
        "s = settings()\n"
        "ensure_trust_material(TrustRepository(), csca_key_id=s.csca_key_id, signing_key_id=s.signing_key_id,"
        " country=s.country, now=datetime.now(UTC))\n"
    )
    env = {**os.environ, **world.aws, "AWS_ENDPOINT_URL": world.endpoint, "AWS_REGION": REGION}
    env.update(AWS_ACCESS_KEY_ID="bundle", AWS_SECRET_ACCESS_KEY="bundle", AWS_DEFAULT_REGION=REGION)
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, timeout=120)


def _http(method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
    from local_stack.gateway import proxy_event

    payload = json.dumps(body).encode() if body is not None else b""
    all_headers = {"Content-Type": "application/json", "User-Agent": "bundle-test", **(headers or {})}
    event = proxy_event(method, path, all_headers, payload, "203.0.113.5")
    event["requestContext"]["stage"] = "prod"
    return event


def _json(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])


def _certificates(world: World) -> list[dict[str, Any]]:
    from boto3.dynamodb.types import TypeDeserializer

    items = world.client("dynamodb").scan(TableName=world.aws["CERTIFICATES_TABLE"], ConsistentRead=True)[
        "Items"
    ]
    return [{k: TypeDeserializer().deserialize(v) for k, v in item.items()} for item in items]


def _citizen_token(world: World, mobile: str) -> str:
    """A session token as POST /v1/citizen/session issues it (ES256, the session key in KMS)."""
    from vaxcert.formats.cose import der_to_raw_ecdsa
    from vaxcert.formats.tokens import encode

    kms = world.client("kms")
    now = int(time.time())
    claims = {"sub": mobile, "aud": "vaxcert-citizen", "iss": "vaxcert", "iat": now, "exp": now + 600}
    claims["jti"] = uuid.uuid4().hex

    def sign(message: bytes) -> bytes:
        der = kms.sign(
            KeyId=world.aws["SESSION_KEY_ID"],
            Message=message,
            MessageType="RAW",
            SigningAlgorithm="ECDSA_SHA_256",
        )["Signature"]
        return der_to_raw_ecdsa(der)

    return encode({"alg": "ES256", "typ": "JWT"}, claims, sign)


def _admin_token(world: World) -> str:
    cognito = world.client("cognito-idp")
    pool = world.aws["USER_POOL_ID"]
    username, password = "admin.bundle", "Vx-Bundle-Password-1!"
    cognito.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool, Username=username, Password=password, Permanent=True)
    cognito.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName=r.ADMIN_GROUP)
    result = cognito.initiate_auth(
        ClientId=world.aws["USER_POOL_CLIENT_ID"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return str(result["AuthenticationResult"]["IdToken"])


def test_every_handler_runs_from_the_built_bundle(world: World) -> None:
    form = copy.deepcopy(json.loads(require_shared(EXAMPLE_FORM).read_text()))
    form["id"] = form["form"]["meta"]["instanceID"] = str(uuid.uuid4())
    form["form"]["recipient"]["last_name"] = FAMILY_NAME
    mobile = "+1" + form["form"]["recipient"]["mobile_number"].replace("-", "")
    ingest_header = world.env["ingest"]["INGEST_HEADER"]
    ingest_key = world.client("secretsmanager").get_secret_value(SecretId=world.aws["INGEST_SECRET_ARN"])
    headers = {ingest_header: ingest_key["SecretString"]}

    # ingest: the CommCare form is accepted and queued.
    [accepted] = world.run("ingest", [_http("POST", "/v1/ingest/commcare", form, headers)])
    assert accepted["statusCode"] == 202, accepted

    # issue: the SQS batch the event source would deliver.
    from local_stack.queue_worker import sqs_event

    sqs = world.client("sqs")
    queue_url = world.aws["ISSUE_QUEUE_URL"]
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    assert messages
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    [batch] = world.run("issue", [sqs_event(messages, arn, REGION)])
    assert batch == {"batchItemFailures": []}
    [certificate] = [c for c in _certificates(world) if c.get("mobile") == mobile]
    hcid, hc1 = certificate["hcid"], certificate["qr"]

    # verify: the QR checks out against the trust material.
    [verified] = world.run("verify", [_http("POST", "/v1/verify", {"qr": hc1})])
    assert verified["statusCode"] == 200, verified
    assert _json(verified)["valid"] is True and _json(verified)["status"] == "VALID"

    # download: the citizen's PDF, with every letter of the name (the fonts are in the bundle).
    auth = {"Authorization": f"Bearer {_citizen_token(world, mobile)}"}
    [listed, pdf_response] = world.run(
        "download",
        [
            _http("GET", "/v1/citizen/certificates", headers=auth),
            _http("GET", f"/v1/citizen/certificates/{hcid}/pdf", headers=auth),
        ],
    )
    assert listed["statusCode"] == 200 and _json(listed)["certificates"][0]["hcid"] == hcid
    assert pdf_response["statusCode"] == 200 and pdf_response["isBase64Encoded"] is True
    pdf = base64.b64decode(pdf_response["body"])
    text = pdfium.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert FAMILY_NAME in text, text

    # revoke: an administrator's call, with a real Cognito ID token (JWKS, AdminGetUser on the emulator).
    admin = {"Authorization": f"Bearer {_admin_token(world)}"}
    [dashboard] = world.run("revoke", [_http("GET", "/v1/admin/dashboard", headers=admin)])
    assert dashboard["statusCode"] == 200, dashboard


def test_the_bundle_leaves_the_runtime_boto3_alone(world: World) -> None:
    """boto3/botocore come from the runtime: a copy in the layer would shadow it (and add ~30 MB)."""
    names = {p.name.split("-")[0].lower() for p in world.layer.iterdir()}
    assert not names & {"boto3", "botocore", "s3transfer"}
    assert (world.layer / "vaxcert" / "documents" / "fonts" / "DejaVuSans.ttf").is_file()

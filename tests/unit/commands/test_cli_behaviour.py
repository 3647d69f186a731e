"""The operator CLI behaves like one: --version, --local as a flag, --json everywhere, exit 2 on
environment and connection errors (one line, no traceback)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.conftest import ROOT
from vaxcert.cli import build_parser, main, parse_args
from vaxcert.commands._target import LOCAL_CREDENTIALS


def vaxcert(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vaxcert.cli", *args],
        cwd=ROOT,
        env=env if env is not None else dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )


def parse(*argv: str) -> argparse.Namespace:
    return parse_args(build_parser(), list(argv))


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"vaxcert {version('vaxcert')}"


def test_local_never_swallows_a_positional_argument(tmp_path: Path) -> None:
    withdraw = parse("keys", "withdraw", "--local", "AbCdEf12")
    assert (withdraw.kid, withdraw.local) == ("AbCdEf12", LOCAL_CREDENTIALS)
    trust = parse("trust", "import", "--local", "other-country.json")
    assert (trust.file, trust.local) == ("other-country.json", LOCAL_CREDENTIALS)
    backfill = parse("backfill", "--local", "history.csv")
    assert (backfill.file, backfill.local) == ("history.csv", LOCAL_CREDENTIALS)
    assert parse("keys", "withdraw", "--local=creds.json", "KID").local == "creds.json"
    assert parse("keys", "withdraw", "KID", "--credentials", "creds.json").local == "creds.json"
    # Kept for scripts: `--local FILE` on a command without positionals names the credentials file.
    assert parse("keys", "list", "--local", "creds.json").local == "creds.json"
    both = parse("keys", "withdraw", "--local", "creds.json", "KID")
    assert (both.kid, both.local) == ("KID", "creds.json")
    assert parse("keys", "list").local is None


def _leaf_parsers(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> dict[str, argparse.ArgumentParser]:
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not actions:
        return {" ".join(path): parser}
    leaves: dict[str, argparse.ArgumentParser] = {}
    for name, sub in actions[0].choices.items():
        leaves.update(_leaf_parsers(sub, (*path, name)))
    return leaves


def test_every_command_takes_json() -> None:
    leaves = _leaf_parsers(build_parser())
    assert {"dlq list", "dlq redrive", "keys init", "keys list", "backfill", "verify", "env"} <= set(leaves)
    missing = [name for name, p in leaves.items() if "--json" not in p._option_string_actions]
    assert missing == []


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        HOME=str(ROOT / ".no-home"),
        AWS_CONFIG_FILE="/nonexistent",
        AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
        AWS_EC2_METADATA_DISABLED="true",  # never ask an instance metadata service for credentials
    )
    env.update(extra)
    return env


def _one_line_exit_2(result: subprocess.CompletedProcess[str], *words: str) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def test_missing_local_credentials_file_is_one_line_exit_2(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    result = vaxcert("keys", "list", f"--local={missing}", env=_clean_env())
    _one_line_exit_2(result, "vaxcert keys:", "nope.json not found", "make run")


def test_unreachable_endpoint_is_one_line_exit_2() -> None:
    env = _clean_env(
        AWS_ENDPOINT_URL="http://127.0.0.1:9",  # discard port: refused at once
        AWS_ACCESS_KEY_ID="x",
        AWS_SECRET_ACCESS_KEY="x",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_MAX_ATTEMPTS="1",
        ISSUE_DLQ_URL="http://127.0.0.1:9/000000000000/vaxcert-issue-dlq",
    )
    result = vaxcert("dlq", "list", env=env)
    _one_line_exit_2(result, "vaxcert dlq:", "127.0.0.1:9")


def test_no_aws_credentials_is_one_line_exit_2() -> None:
    env = _clean_env(
        AWS_DEFAULT_REGION="us-east-1", ISSUE_DLQ_URL="https://sqs.us-east-1.amazonaws.com/1/dlq"
    )
    _one_line_exit_2(vaxcert("dlq", "list", env=env), "vaxcert dlq:", "credentials")


def test_settings_not_loaded_is_one_line_exit_2() -> None:
    env = _clean_env(AWS_DEFAULT_REGION="us-east-1", ISSUE_DLQ_URL="")
    _one_line_exit_2(vaxcert("dlq", "redrive", env=env), "ISSUE_DLQ_URL is not set", "vaxcert env")


def test_invalid_settings_are_one_line_exit_2() -> None:
    env = _clean_env(AWS_DEFAULT_REGION="us-east-1", MAX_CORRECTIONS="many")
    _one_line_exit_2(vaxcert("dlq", "list", env=env), "invalid settings", "MAX_CORRECTIONS")


def test_local_stack_not_running_is_one_line_exit_2(tmp_path: Path) -> None:
    credentials = tmp_path / "credentials.json"
    aws = {"endpoint": "http://127.0.0.1:9", "region": "us-east-1", "env": {"TRUST_TABLE": "vaxcert-trust"}}
    credentials.write_text(json.dumps({"aws": aws}))
    result = vaxcert("keys", "list", "--local", str(credentials), env=_clean_env(AWS_MAX_ATTEMPTS="1"))
    _one_line_exit_2(result, "vaxcert keys:", "127.0.0.1:9")

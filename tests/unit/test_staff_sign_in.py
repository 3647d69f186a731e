"""Cognito sign-in answers moto cannot produce, with a stubbed client (exact Cognito API calls)."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber

from vaxcert.http.cognito import (
    Challenge,
    ChallengeKind,
    CognitoPasswordLogin,
    SessionExpired,
    SignedIn,
    SignInRefused,
    WrongCode,
)

CLIENT = "client-id-1234"
SESSION = "s" * 40
NEW_SESSION = "n" * 40
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def cognito():
    client = boto3.client(
        "cognito-idp", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def _password(stub: Stubber, response: dict) -> None:
    stub.add_response(
        "initiate_auth",
        response,
        {
            "ClientId": CLIENT,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": "nurse@moh.gov.jm", "PASSWORD": "pw-123456789012"},
        },
    )


def test_password_then_mfa_setup_associates_a_software_token(cognito) -> None:
    client, stub = cognito
    _password(
        stub,
        {
            "ChallengeName": "MFA_SETUP",
            "Session": SESSION,
            # Cognito sends the list JSON-encoded, and names the user by its id in e-mail-alias pools.
            "ChallengeParameters": {
                "MFAS_CAN_SETUP": json.dumps(["SOFTWARE_TOKEN_MFA"]),
                "USER_ID_FOR_SRP": "u-1",
            },
        },
    )
    stub.add_response(
        "associate_software_token", {"SecretCode": SECRET, "Session": NEW_SESSION}, {"Session": SESSION}
    )
    outcome = CognitoPasswordLogin(CLIENT, client).start("nurse@moh.gov.jm", "pw-123456789012")
    assert outcome == Challenge(ChallengeKind.MFA_SETUP, NEW_SESSION, "u-1", SECRET, "nurse@moh.gov.jm")
    assert isinstance(outcome, Challenge)
    body = outcome.as_json()
    assert body == {
        "message": "Set up an authenticator app to continue.",
        "challenge": "MFA_SETUP",
        "session": NEW_SESSION,
        "username": "u-1",
        "secretCode": SECRET,
        "otpauthUri": f"otpauth://totp/vaxcert:nurse@moh.gov.jm?secret={SECRET}&issuer=vaxcert",
    }


def test_mfa_setup_answer_verifies_then_responds_with_the_new_session(cognito) -> None:
    client, stub = cognito
    stub.add_response(
        "verify_software_token",
        {"Status": "SUCCESS", "Session": NEW_SESSION},
        {"Session": SESSION, "UserCode": "123456", "FriendlyDeviceName": "vaxcert"},
    )
    stub.add_response(
        "respond_to_auth_challenge",
        {"AuthenticationResult": {"IdToken": "id.token.x", "ExpiresIn": 3600}},
        {
            "ClientId": CLIENT,
            "ChallengeName": "MFA_SETUP",
            "Session": NEW_SESSION,
            "ChallengeResponses": {"USERNAME": "u-1"},
        },
    )
    outcome = CognitoPasswordLogin(CLIENT, client).answer(
        "u-1", ChallengeKind.MFA_SETUP, SESSION, code="123456"
    )
    assert outcome == SignedIn("id.token.x", 3600)


def test_mfa_code_answer(cognito) -> None:
    client, stub = cognito
    stub.add_response(
        "respond_to_auth_challenge",
        {"AuthenticationResult": {"IdToken": "id.token.y", "ExpiresIn": 600}},
        {
            "ClientId": CLIENT,
            "ChallengeName": "SOFTWARE_TOKEN_MFA",
            "Session": SESSION,
            "ChallengeResponses": {"USERNAME": "u-1", "SOFTWARE_TOKEN_MFA_CODE": "654321"},
        },
    )
    outcome = CognitoPasswordLogin(CLIENT, client).answer(
        "u-1", ChallengeKind.MFA_CODE, SESSION, code="654321"
    )
    assert outcome == SignedIn("id.token.y", 600)


@pytest.mark.parametrize(
    ("error", "refusal"),
    [
        ("CodeMismatchException", WrongCode),
        ("EnableSoftwareTokenMFAException", WrongCode),
        ("NotAuthorizedException", SessionExpired),
    ],
)
def test_enrolment_refusals(cognito, error: str, refusal: type) -> None:
    client, stub = cognito
    stub.add_client_error("verify_software_token", error)
    with pytest.raises(refusal):
        CognitoPasswordLogin(CLIENT, client).answer("u-1", ChallengeKind.MFA_SETUP, SESSION, code="123456")


def test_sms_mfa_is_not_offered(cognito) -> None:
    client, stub = cognito
    _password(stub, {"ChallengeName": "SMS_MFA", "Session": SESSION, "ChallengeParameters": {}})
    with pytest.raises(SignInRefused) as refused:
        CognitoPasswordLogin(CLIENT, client).start("nurse@moh.gov.jm", "pw-123456789012")
    assert refused.value.reason == "unsupported"

"""The staff user pool (facility staff and ministry administrators), from vaxcert.resources.USER_POOL."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra.config import DeployConfig
from infra.nag import acknowledge
from vaxcert import resources as r


class StaffIdentity(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: DeployConfig) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        pool = self.user_pool = cognito.UserPool(
            stack,
            r.USER_POOL.logical_id,
            # Staff accounts are created by a ministry administrator (vaxcert CLI or console).
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True, username=False),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=cdk.Duration.days(3),
            ),
            # Staff see citizens' personal data and can revoke certificates: a password is not enough.
            # TOTP (authenticator app) only: no SMS cost, no SIM-swap exposure.
            mfa=cognito.Mfa.REQUIRED if config.staff_mfa == "required" else cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            # Plus tier: compromised-credential and adaptive-authentication checks on every sign-in.
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            deletion_protection=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
            # When the account last signed out (vaxcert.http.cognito.SIGNED_OUT_ATTRIBUTE): ID tokens
            # authenticated before it are refused. Written by the functions (IAM) only.
            custom_attributes={"signed_out_at": cognito.StringAttribute(min_len=1, max_len=12, mutable=True)},
            email=self._email(config),
        )
        if config.staff_mfa != "required":
            acknowledge(
                pool,
                "AwsSolutions-COG2",
                "MFA was made optional for this deployment through the vaxcert:staffMfa context value.",
            )
        # Lower precedence wins when a user is in several groups: the last group (admin) is strongest.
        for precedence, group in enumerate(reversed(r.USER_POOL.groups)):
            cognito.CfnUserPoolGroup(
                stack,
                f"Group{''.join(part.title() for part in group.split('-'))}",
                user_pool_id=pool.user_pool_id,
                group_name=group,
                precedence=precedence,
                description=f"vaxcert {group}",
            )
        self.client = pool.add_client(
            "WebClient",
            # The staff page signs in with USER_PASSWORD_AUTH over HTTPS; a browser cannot keep a secret.
            auth_flows=cognito.AuthFlow(user_password=True),
            generate_secret=False,
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            id_token_validity=cdk.Duration.hours(1),
            access_token_validity=cdk.Duration.hours(1),
            refresh_token_validity=cdk.Duration.hours(12),
            # A first sign-in (new password, then installing an authenticator app and typing its code)
            # must fit in one Cognito session: the 3-minute default is too short, 15 is the maximum.
            auth_session_validity=cdk.Duration.minutes(15),
            # No hosted UI: CDK's default OAuth flows (code and implicit grant) and its placeholder
            # callback URL would be an unused, open redirect-based sign-in path.
            disable_o_auth=True,
            # Users may change no attribute but their locale with an access token (the sign-out time
            # above must stay what the functions wrote); reads stay as Cognito's default.
            write_attributes=cognito.ClientAttributes().with_standard_attributes(locale=True),
        )
        self.environment: dict[str, str] = {
            r.USER_POOL.env: pool.user_pool_id,
            r.USER_POOL.client_env: self.client.user_pool_client_id,
        }

    @staticmethod
    def _email(config: DeployConfig) -> cognito.UserPoolEmail | None:
        """Cognito's own mailer (50 e-mails a day, for trials) unless vaxcert:sesIdentity names a
        verified SES identity of this region: an address, or a domain (sent from no-reply@domain)."""
        identity = config.ses_identity
        if not identity:
            return None
        # The stack's own region (a token when the stack is environment-agnostic).
        region = cdk.Aws.REGION
        if "@" in identity:
            return cognito.UserPoolEmail.with_ses(
                from_email=identity, from_name=config.issuer_name[:64], ses_region=region
            )
        return cognito.UserPoolEmail.with_ses(
            from_email=f"no-reply@{identity}",
            from_name=config.issuer_name[:64],
            ses_verified_domain=identity,
            ses_region=region,
        )

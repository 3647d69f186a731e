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
        )
        self.environment = {
            r.USER_POOL.env: pool.user_pool_id,
            r.USER_POOL.client_env: self.client.user_pool_client_id,
        }

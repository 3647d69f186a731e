"""Staff sign-in: the password, then the steps Cognito asks for (MFA code, authenticator set-up, new
password), each written to the audit trail, refusals included, under the name the person gave."""

from __future__ import annotations

from dataclasses import dataclass

from vaxcert.audit.trail import AuditTrail
from vaxcert.errors import InvalidInput, Unauthorized
from vaxcert.http.cognito import Challenge, ChallengeKind, CognitoIdTokens, CognitoPasswordLogin, SignedIn
from vaxcert.logs import get_logger
from vaxcert.types.audit import Action, Actor, Outcome, RequestInfo
from vaxcert.types.staff import StaffPrincipal

logger = get_logger()

CHALLENGE_ACTIONS = {
    ChallengeKind.MFA_CODE: Action.STAFF_MFA,
    ChallengeKind.MFA_SETUP: Action.STAFF_MFA_SETUP,
    ChallengeKind.NEW_PASSWORD: Action.STAFF_PASSWORD_CHANGE,
}


@dataclass(frozen=True)
class StaffSession:
    """Signed in: the ID token (Bearer for the staff and admin routes) and who it names."""

    id_token: str
    expires_in: int
    principal: StaffPrincipal


def typed_actor(username: str) -> Actor:
    # Before a token proves who it is, the actor is the name given (as for a wrong password).
    return StaffPrincipal(username[:128], frozenset()).actor


@dataclass(frozen=True)
class StaffSignIn:
    login: CognitoPasswordLogin
    id_tokens: CognitoIdTokens
    audit: AuditTrail

    def start(self, username: str, password: str, request: RequestInfo) -> StaffSession | Challenge:
        """A session, or the next step; Unauthorized (with its reason) when refused."""
        try:
            outcome = self.login.start(username, password)
        except Unauthorized as exc:
            self.audit.record(typed_actor(username), Action.STAFF_LOGIN, request, outcome=Outcome.DENIED)
            logger.info("staff sign-in refused", extra={"reason": exc.reason or "denied"})
            raise
        if isinstance(outcome, Challenge):
            self.audit.record(typed_actor(username), Action.STAFF_LOGIN, request, outcome=Outcome.CHALLENGED)
            return self._challenged(outcome)
        return self._signed_in(outcome, request)

    def answer(
        self,
        username: str,
        kind: ChallengeKind,
        session: str,
        request: RequestInfo,
        *,
        code: str | None = None,
        new_password: str | None = None,
    ) -> StaffSession | Challenge:
        """Answer one step: a session, a further step, or Unauthorized / InvalidInput (a weak password)."""
        action = CHALLENGE_ACTIONS[kind]
        try:
            outcome = self.login.answer(username, kind, session, code=code, new_password=new_password)
        except (Unauthorized, InvalidInput) as exc:
            self.audit.record(typed_actor(username), action, request, outcome=Outcome.DENIED)
            reason = (exc.reason if isinstance(exc, Unauthorized) else None) or "invalid"
            logger.info("staff challenge refused", extra={"challenge": kind.value, "reason": reason})
            raise
        self.audit.record(typed_actor(username), action, request)
        if isinstance(outcome, Challenge):
            return self._challenged(outcome)
        return self._signed_in(outcome, request)

    def _signed_in(self, outcome: SignedIn, request: RequestInfo) -> StaffSession:
        principal = self.id_tokens.verify(outcome.id_token)
        self.audit.record(principal.actor, Action.STAFF_LOGIN, request)
        logger.info("staff signed in")
        return StaffSession(outcome.id_token, outcome.expires_in, principal)

    def _challenged(self, challenge: Challenge) -> Challenge:
        # Never logged: the answer carries Cognito's session and, for MFA_SETUP, the TOTP secret.
        logger.info("staff sign-in challenge", extra={"challenge": challenge.kind.value})
        return challenge

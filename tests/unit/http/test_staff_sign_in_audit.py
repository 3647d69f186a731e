"""Staff sign-in (vaxcert.http.staff_sign_in) with fakes: every step is audited under the name given,
refusals included, and a refusal reaches the error map with its reason."""

from __future__ import annotations

from typing import Any

import pytest

from vaxcert.audit.trail import AuditTrail
from vaxcert.http.cognito import Challenge, ChallengeKind, SignedIn, SignInRefused, WrongCode
from vaxcert.http.staff_sign_in import StaffSession, StaffSignIn
from vaxcert.types.audit import Action, AuditEntry, Outcome, RequestInfo
from vaxcert.types.staff import StaffPrincipal

REQUEST = RequestInfo(source_ip="192.0.2.1", user_agent="test")


class MemoryStore:
    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []

    def append(self, entry: AuditEntry) -> None:
        self.entries.append(entry)

    def append_index(self, entry: AuditEntry, keys: object) -> None:
        pass


class Login:
    def __init__(self, *answers: Any):
        self.answers = list(answers)

    def _next(self) -> Any:
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def start(self, username: str, password: str) -> Any:
        return self._next()

    def answer(self, username: str, kind: ChallengeKind, session: str, **_: Any) -> Any:
        return self._next()


class Tokens:
    def verify(self, token: str) -> StaffPrincipal:
        return StaffPrincipal("nurse.one", frozenset({"facility-staff"}))


def _sign_in(*answers: Any) -> tuple[StaffSignIn, MemoryStore]:
    store = MemoryStore()
    return StaffSignIn(Login(*answers), Tokens(), AuditTrail(store)), store  # type: ignore[arg-type]


def _trail(store: MemoryStore) -> list[tuple[str, str, str]]:
    return [(e.actor, e.action.value, e.outcome.value) for e in store.entries]


def test_a_password_then_a_code_is_two_audited_steps_and_a_session() -> None:
    challenge = Challenge(ChallengeKind.MFA_CODE, "s" * 40, "nurse.one")
    sign_in, store = _sign_in(challenge, SignedIn("id-token", 3600))
    assert sign_in.start("nurse.one", "pw", REQUEST) == challenge
    session = sign_in.answer("nurse.one", ChallengeKind.MFA_CODE, "s" * 40, REQUEST, code="123456")
    assert isinstance(session, StaffSession) and session.id_token == "id-token"
    assert session.principal.groups == frozenset({"facility-staff"})
    assert _trail(store) == [
        ("nurse.one", Action.STAFF_LOGIN.value, Outcome.CHALLENGED.value),
        ("nurse.one", Action.STAFF_MFA.value, Outcome.OK.value),
        ("nurse.one", Action.STAFF_LOGIN.value, Outcome.OK.value),
    ]


@pytest.mark.parametrize("refusal", [SignInRefused("wrong username or password", "denied"), WrongCode()])
def test_refusals_are_audited_and_keep_their_reason(refusal: SignInRefused) -> None:
    sign_in, store = _sign_in(refusal)
    with pytest.raises(SignInRefused) as refused:
        if isinstance(refusal, WrongCode):
            sign_in.answer("nurse.one", ChallengeKind.MFA_CODE, "s" * 40, REQUEST, code="000000")
        else:
            sign_in.start("nurse.one", "wrong", REQUEST)
    assert refused.value.reason == refusal.reason
    assert [outcome for _, _, outcome in _trail(store)] == [Outcome.DENIED.value]

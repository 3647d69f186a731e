"""The SMS texts a deployment sends, from its settings (`sms_otp_text`, `sms_ready_text`, ...).

Each is a template with {placeholders}; the settings model checks at deploy time that a text uses only
its own placeholders (settings.SMS_PLACEHOLDERS), so formatting here cannot fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vaxcert.settings import Settings


@dataclass(frozen=True)
class SmsTexts:
    otp: str
    ready: str
    corrected: str
    replaced: str
    revoked: str

    @classmethod
    def from_settings(cls, settings: Settings) -> SmsTexts:
        return cls(
            otp=settings.sms_otp_text,
            ready=settings.sms_ready_text,
            corrected=settings.sms_corrected_text,
            replaced=settings.sms_replaced_text,
            revoked=settings.sms_revoked_text,
        )

    def login_code(self, code: str, minutes: int) -> str:
        return self.otp.format(code=code, minutes=minutes)

    def certificate_ready(self, given: str, dose: str, portal_url: str) -> str:
        return self.ready.format(given=given, dose=dose, portal_url=portal_url)

    def certificate_corrected(self, given: str, portal_url: str) -> str:
        return self.corrected.format(given=given, portal_url=portal_url)

    def certificate_replaced(self, portal_url: str) -> str:
        return self.replaced.format(portal_url=portal_url)

    def certificate_revoked(self, portal_url: str) -> str:
        return self.revoked.format(portal_url=portal_url)


def default_texts() -> SmsTexts:
    """This process's settings' texts, for callers not given them (composition roots pass
    `SmsTexts.from_settings(settings)`)."""
    from vaxcert.settings import get_settings

    return _texts_of(get_settings())


@cache
def _texts_of(settings: Settings) -> SmsTexts:
    return SmsTexts.from_settings(settings)

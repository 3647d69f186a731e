"""Legacy DIVOC certificates: VALID with `legacy: true` on a verified signature; REVOKED when the
certificate they were migrated to is revoked or corrected (live source and signed list alike)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.vectors import divoc_vector, tampered_divoc, trust_store
from vaxcert.types.certificate import CertificateStatus
from vaxcert.verification.engine import verify_qr
from vaxcert.verification.sources import LEGACY_REVOKED, LEGACY_SUPERSEDED, LegacyRevocations
from vaxcert.verification.trust import Revocations

AT = datetime(2026, 1, 10, tzinfo=UTC)


class Certificates:
    """The certificates table's ByLegacyId view: DIVOC certificateId -> statuses of what it became."""

    def __init__(self, by_id: dict[str, list[CertificateStatus]]):
        self.by_id = by_id

    def by_legacy_id(self, legacy_id: str) -> list[Any]:
        return [type("C", (), {"status": s})() for s in self.by_id.get(legacy_id, [])]


def _verify(qr: str, by_id: dict[str, list[CertificateStatus]]) -> Any:
    source = LegacyRevocations(Certificates(by_id))  # type: ignore[arg-type]
    return verify_qr(qr, trust_store(), at=AT, revocation=Revocations(source))


def test_a_verified_divoc_credential_is_a_valid_legacy_certificate() -> None:
    vector = divoc_vector(certificate_id="555000111")
    result = _verify(vector.qr, {})  # never migrated: valid on its signature alone
    assert (result.status, result.format, result.legacy) == ("VALID", "DIVOC", True)
    assert result.to_json_dict()["legacy"] is True
    assert _verify(vector.qr, {"555000111": [CertificateStatus.VALID]}).status == "VALID"
    assert _verify(tampered_divoc(vector), {}).status == "SIGNATURE_INVALID"


def test_revoking_or_correcting_the_migrated_certificate_refuses_the_divoc_qr() -> None:
    qr = divoc_vector(certificate_id="555000112").qr
    revoked = _verify(qr, {"555000112": [CertificateStatus.REVOKED]})
    assert (revoked.status, revoked.reason, revoked.legacy) == ("REVOKED", LEGACY_REVOKED, True)
    corrected = _verify(qr, {"555000112": [CertificateStatus.SUPERSEDED, CertificateStatus.VALID]})
    assert (corrected.status, corrected.reason) == ("REVOKED", LEGACY_SUPERSEDED)
    assert _verify(qr, {"555000999": [CertificateStatus.REVOKED]}).status == "VALID"  # another id


def test_other_formats_are_not_legacy() -> None:
    from tests.vectors import shc_qr

    result = verify_qr(shc_qr(), trust_store(), at=AT)
    assert result.legacy is None

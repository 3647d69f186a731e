"""Facility staff search and its rows (functions/download; the admin search shares them)."""

from __future__ import annotations

from typing import Any, Self

from pydantic import Field

from vaxcert.documents.people import CertificateSummary
from vaxcert.facility.search import ResultRow, SearchResult, SearchTerms
from vaxcert.http.models.base import Answer, Request


class CertificateSearch(Request):
    """A search by mobile number, by date of birth and name, or by certificate id (query string)."""

    mobile: str | None = Field(default=None, description="any accepted format; or dob + name")
    dob: str | None = Field(
        default=None, description="YYYY-MM-DD, with name", json_schema_extra={"format": "date"}
    )
    name: str | None = Field(
        default=None,
        description="family and/or given name, any order, or their start (2+ letters); one typo "
        "forgiven in a part of 4+ letters",
    )
    hcid: str | None = Field(default=None, description="a certificate id (spaces and case ignored)")
    legacyId: str | None = Field(
        default=None, description="the DIVOC certificateId of a migrated certificate"
    )

    def terms(self) -> SearchTerms:
        return SearchTerms(
            mobile=self.mobile or "",
            dob=self.dob or "",
            name=self.name or "",
            hcid=self.hcid or "",
            legacy_id=self.legacyId or "",
        )


class FacilityPdfQuery(Request):
    printAnyway: str | None = Field(
        default=None,
        description="true: print a REVOKED or SUPERSEDED certificate (audited)",
        json_schema_extra={"enum": ["true", "false"]},
    )

    @property
    def print_anyway(self) -> bool:
        return (self.printAnyway or "").strip().lower() in ("true", "1", "yes")


class CertificateRow(Answer):
    """One certificate of a list (no identifier, no mobile number)."""

    hcid: str
    name: str
    dob: str = Field(json_schema_extra={"format": "date"})
    vaccine: str
    dose: int
    totalDoses: int | None
    date: str = Field(json_schema_extra={"format": "date"})
    status: str = Field(examples=["VALID"], description="VALID, REVOKED or SUPERSEDED")

    @staticmethod
    def fields_of(summary: CertificateSummary) -> dict[str, Any]:
        """The row's members, for this model and the ones that add to it."""
        return {
            "hcid": summary.hcid,
            "name": summary.name,
            "dob": summary.dob.isoformat(),
            "vaccine": summary.vaccine,
            "dose": summary.dose,
            "totalDoses": summary.total_doses,
            "date": summary.vaccinated_on.isoformat(),
            "status": summary.status.value,
        }


class SearchRow(CertificateRow):
    """A search result: the row plus what tells namesakes apart, masked."""

    omitted_when_none = frozenset({"legacyId"})

    mobileMasked: str | None
    identifierMasked: str | None
    centre: str | None
    version: int
    supersededBy: str | None
    reason: str | None = Field(description="why it was revoked")
    legacyId: str | None = Field(default=None, description="migrated certificates only")

    @classmethod
    def of(cls, row: ResultRow) -> SearchRow:
        return cls(
            **cls.fields_of(row.summary),
            mobileMasked=row.mobile_masked,
            identifierMasked=row.identifier_masked,
            centre=row.centre,
            version=row.version,
            supersededBy=row.superseded_by,
            reason=row.reason,
            legacyId=row.legacy_id,
        )


class SearchResults(Answer):
    certificates: list[SearchRow]
    truncated: bool = Field(description="more matched than are shown: narrow the search")

    @classmethod
    def of(cls, result: SearchResult) -> Self:
        return cls(certificates=[SearchRow.of(row) for row in result.rows], truncated=result.truncated)

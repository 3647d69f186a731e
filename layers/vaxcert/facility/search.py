"""Facility search: by mobile number, by date of birth narrowed by a name, by certificate id or DIVOC id.

A date of birth alone (or a name alone) matches too many people to show to a facility: refused.
Names forgive order, case, accents, punctuation and one typo (documents.people.name_match_rank);
exact and prefix matches come before typo matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from vaxcert.catalogue import Catalogue
from vaxcert.documents.people import CertificateSummary, name_match_rank, normalise_name, ordered, summary
from vaxcert.errors import InvalidInput, Problem
from vaxcert.facility.masks import mask_identifier, mask_mobile
from vaxcert.issuance.hcid import is_hcid
from vaxcert.sources.phone import InvalidMobile, NumberingPlan, normalise_mobile
from vaxcert.types.certificate import Certificate

MIN_NAME_CHARS = 2
MAX_NAME_CHARS = 80
MAX_RESULTS = 50
# DIVOC certificateIds (vaxcert.sources.divoc): digits, or letters, digits, dots, underscores, dashes.
LEGACY_ID = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")


class CertificateFinder(Protocol):
    def get(self, hcid: str) -> Certificate | None: ...

    def by_mobile(self, mobile: str) -> list[Certificate]: ...

    def by_dob(self, dob: str) -> list[Certificate]: ...

    def by_person_key(self, key: str) -> list[Certificate]: ...

    def by_legacy_id(self, legacy_id: str) -> list[Certificate]: ...


@dataclass(frozen=True)
class SearchQuery:
    mobile: str | None = None  # E.164
    dob: date | None = None
    name: str | None = None  # normalised, words in any order
    hcid: str | None = None  # upper case, no spaces
    legacy_id: str | None = None  # DIVOC certificateId of a migrated certificate

    def describe(self) -> dict[str, Any]:
        """What the audit trail records as the query."""
        out: dict[str, Any] = {}
        if self.hcid:
            out["hcid"] = self.hcid
        if self.legacy_id:
            out["legacyId"] = self.legacy_id
        if self.mobile:
            out["mobile"] = self.mobile
        if self.dob:
            out["dob"] = self.dob.isoformat()
        if self.name:
            out["name"] = self.name
        if self.legacy_id:
            out["legacyId"] = self.legacy_id
        return out


@dataclass(frozen=True)
class SearchTerms:
    """What a search was given, as typed ("" when not given); parse_search checks it."""

    mobile: str = ""
    dob: str = ""
    name: str = ""
    hcid: str = ""
    legacy_id: str = ""


def parse_search(terms: SearchTerms, today: date, plan: NumberingPlan | None = None) -> SearchQuery:
    raw_mobile = terms.mobile.strip()
    raw_dob = terms.dob.strip()
    raw_name = terms.name.strip()
    raw_hcid = "".join(terms.hcid.split()).upper()
    raw_legacy = "".join(terms.legacy_id.split())
    problems: list[Problem] = []

    if raw_hcid and not is_hcid(raw_hcid[:64]):
        problems.append(Problem("hcid", "must be the 20-character certificate id (letters and digits)"))
    if raw_legacy and not LEGACY_ID.match(raw_legacy):
        problems.append(Problem("legacyId", "must be the DIVOC certificate id (letters, digits, . _ -)"))
    by_id = bool(raw_hcid or raw_legacy)

    mobile = None
    if raw_mobile:
        try:
            mobile = normalise_mobile(raw_mobile, plan)
        except InvalidMobile as exc:
            problems.append(Problem("mobile", str(exc)))

    dob = None
    if raw_dob:
        try:
            if len(raw_dob) != 10:
                raise ValueError
            dob = date.fromisoformat(raw_dob)
            if dob > today:
                problems.append(Problem("dob", "is in the future"))
        except ValueError:
            problems.append(Problem("dob", "must be a date YYYY-MM-DD"))

    name = None
    if raw_name:
        name = normalise_name(raw_name[:MAX_NAME_CHARS])
        if len(name.replace(" ", "")) < MIN_NAME_CHARS:
            problems.append(Problem("name", f"give at least {MIN_NAME_CHARS} letters of the name"))

    if not problems and not mobile and not by_id:
        if raw_dob and not raw_name:
            problems.append(
                Problem("name", "too broad: a date of birth needs a name (start of family or given name)")
            )
        elif raw_name and not raw_dob:
            problems.append(Problem("dob", "too broad: a name needs the date of birth"))
        elif not raw_dob and not raw_name:
            problems.append(Problem("mobile", "give a mobile number, or a date of birth and a name"))
    if problems:
        raise InvalidInput(problems)
    return SearchQuery(mobile=mobile, dob=dob, name=name, hcid=raw_hcid or None, legacy_id=raw_legacy or None)


def find(query: SearchQuery, certificates: CertificateFinder) -> list[Certificate]:
    """Certificates matching the query, best name match first, then newest vaccination first.

    An id (hcid, legacyId) or a mobile number selects; a date of birth and a name narrow any search."""
    if query.hcid:
        found = [c for c in [certificates.get(query.hcid)] if c is not None]
    elif query.legacy_id:
        found = certificates.by_legacy_id(query.legacy_id)
    elif query.mobile:
        found = certificates.by_mobile(query.mobile)
    elif query.dob:
        found = certificates.by_dob(query.dob.isoformat())
    else:  # parse_search never produces this
        raise InvalidInput([Problem("mobile", "give a mobile number, or a date of birth and a name")])
    if query.mobile and (query.hcid or query.legacy_id):
        found = [c for c in found if c.mobile == query.mobile]
    if query.dob:
        found = [c for c in found if c.record.person.birth_date == query.dob]
    found = ordered(found)
    if query.name:
        name = query.name
        ranked = [(rank, c) for c in found if (rank := name_match_rank(c.record.person, name)) is not None]
        found = [c for _, c in sorted(ranked, key=lambda pair: pair[0])]  # stable: date order within a rank
    return found


@dataclass(frozen=True)
class ResultRow:
    """A search result: the list row plus what tells namesakes apart, masked (never the number or id)."""

    summary: CertificateSummary
    mobile_masked: str | None
    identifier_masked: str | None
    centre: str | None
    version: int
    superseded_by: str | None
    reason: str | None  # why it was revoked
    legacy_id: str | None  # the DIVOC certificateId of a migrated certificate


@dataclass(frozen=True)
class SearchResult:
    rows: tuple[ResultRow, ...]
    truncated: bool  # more matched than are shown


def result_row(certificate: Certificate, catalogue: Catalogue) -> ResultRow:
    return ResultRow(
        summary=summary(certificate, catalogue),
        mobile_masked=mask_mobile(certificate.mobile),
        identifier_masked=mask_identifier(certificate.record.person.identifier),
        centre=certificate.record.vaccination.centre,
        version=certificate.version,
        superseded_by=certificate.superseded_by,
        reason=certificate.revocation_reason,
        legacy_id=certificate.legacy_id,
    )

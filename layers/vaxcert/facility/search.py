"""Facility search: by mobile number, or by date of birth narrowed by a name prefix.

A date of birth alone (or a name alone) matches too many people to show to a facility: refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from vaxcert.documents.people import name_matches, normalise_name
from vaxcert.errors import InvalidInput, Problem
from vaxcert.issuance.certificate import Certificate
from vaxcert.sources.phone import InvalidMobile, normalise_mobile

MIN_NAME_CHARS = 2
MAX_NAME_CHARS = 80
MAX_RESULTS = 50


class CertificateFinder(Protocol):
    def get(self, hcid: str) -> Certificate | None: ...

    def by_mobile(self, mobile: str) -> list[Certificate]: ...

    def by_dob(self, dob: str) -> list[Certificate]: ...

    def by_person_key(self, key: str) -> list[Certificate]: ...


@dataclass(frozen=True)
class SearchQuery:
    mobile: str | None = None  # E.164
    dob: date | None = None
    name: str | None = None  # normalised prefix

    def describe(self) -> dict[str, Any]:
        """What the audit trail records as the query."""
        out: dict[str, Any] = {}
        if self.mobile:
            out["mobile"] = self.mobile
        if self.dob:
            out["dob"] = self.dob.isoformat()
        if self.name:
            out["name"] = self.name
        return out


def parse_search(params: Mapping[str, str] | None, today: date) -> SearchQuery:
    params = params or {}
    raw_mobile = (params.get("mobile") or "").strip()
    raw_dob = (params.get("dob") or "").strip()
    raw_name = (params.get("name") or "").strip()
    problems: list[Problem] = []

    mobile = None
    if raw_mobile:
        try:
            mobile = normalise_mobile(raw_mobile)
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

    if not problems and not mobile:
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
    return SearchQuery(mobile=mobile, dob=dob, name=name)


def find(query: SearchQuery, certificates: CertificateFinder) -> list[Certificate]:
    """Certificates matching the query; optional dob/name narrow a mobile search too."""
    if query.mobile:
        found = certificates.by_mobile(query.mobile)
    elif query.dob:
        found = certificates.by_dob(query.dob.isoformat())
    else:  # parse_search never produces this
        raise InvalidInput([Problem("mobile", "give a mobile number, or a date of birth and a name")])
    if query.dob:
        found = [c for c in found if c.record.person.birth_date == query.dob]
    if query.name:
        prefix = query.name
        found = [c for c in found if name_matches(c.record.person, prefix)]
    return found

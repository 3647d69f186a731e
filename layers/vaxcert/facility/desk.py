"""The facility desk: staff search and print, each written to the audit trail before anything is shown."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from vaxcert.audit.trail import AuditTrail
from vaxcert.catalogue import Catalogue
from vaxcert.documents.people import linked_certificates
from vaxcert.documents.service import CertificateDocuments, dose_certificates
from vaxcert.errors import Conflict, NotFound
from vaxcert.facility.search import (
    MAX_RESULTS,
    CertificateFinder,
    SearchResult,
    SearchTerms,
    find,
    parse_search,
    result_row,
)
from vaxcert.sources.phone import NumberingPlan, default_plan
from vaxcert.types.audit import Action, Outcome, RequestInfo
from vaxcert.types.certificate import Certificate, CertificateStatus
from vaxcert.types.staff import StaffPrincipal


@dataclass
class FacilityDesk:
    certificates: CertificateFinder
    documents: CertificateDocuments
    catalogue: Catalogue
    audit: AuditTrail
    today: Callable[[], date] = field(default=lambda: datetime.now(UTC).date())
    plan: NumberingPlan = field(default_factory=default_plan)  # the country's mobile numbers

    def search(self, staff: StaffPrincipal, terms: SearchTerms, request: RequestInfo) -> SearchResult:
        query = parse_search(terms, self.today(), self.plan)
        found = find(query, self.certificates)
        truncated = len(found) > MAX_RESULTS
        found = found[:MAX_RESULTS]
        self.audit.record(
            staff.actor,
            Action.STAFF_SEARCH,
            request,
            query=query.describe(),
            result_hcids=[c.hcid for c in found],
        )
        return SearchResult(tuple(result_row(c, self.catalogue) for c in found), truncated)

    def pdf(
        self, staff: StaffPrincipal, hcid: str, request: RequestInfo, *, print_anyway: bool = False
    ) -> tuple[Certificate, bytes]:
        """The PDF to print. A REVOKED or SUPERSEDED certificate only with `print_anyway` (audited as
        such): the desk should hand over the current certificate, not one a verifier rejects."""
        certificate = self.certificates.get(hcid) if 16 <= len(hcid) <= 32 and hcid.isalnum() else None
        if certificate is None:
            self.audit.record(
                staff.actor, Action.STAFF_PRINT, request, outcome=Outcome.NOT_FOUND, hcid=hcid[:40]
            )
            raise NotFound("no such certificate")
        shown = dose_certificates(certificate, linked_certificates(certificate, self.certificates))
        shown_hcids = [c.hcid for c in shown]
        if certificate.status is not CertificateStatus.VALID:
            query = {"status": certificate.status.value, "printAnyway": print_anyway}
            if not print_anyway:
                self.audit.record(
                    staff.actor, Action.STAFF_PRINT, request, outcome=Outcome.CONFLICT, hcid=hcid, query=query
                )
                current = (
                    f": the current one is {certificate.superseded_by}" if certificate.superseded_by else ""
                )
                raise Conflict(
                    f"certificate {hcid} is {certificate.status.value}{current}; "
                    "to print it anyway, ask again with printAnyway=true"
                )
            self.audit.record(
                staff.actor, Action.STAFF_PRINT, request, hcid=hcid, query=query, result_hcids=shown_hcids
            )
        else:
            self.audit.record(staff.actor, Action.STAFF_PRINT, request, hcid=hcid, result_hcids=shown_hcids)
        return certificate, self.documents.pdf(certificate, shown)

    def health_card(self, staff: StaffPrincipal, hcid: str, request: RequestInfo) -> Certificate:
        """The certificate whose SMART Health Card file is downloaded (NotFound when it has none)."""
        return self._certificate(staff, hcid, Action.STAFF_SHC, request, needs_card=True)

    def _certificate(
        self,
        staff: StaffPrincipal,
        hcid: str,
        action: Action,
        request: RequestInfo,
        *,
        needs_card: bool = False,
    ) -> Certificate:
        certificate = self.certificates.get(hcid) if 16 <= len(hcid) <= 32 and hcid.isalnum() else None
        if certificate is None or (needs_card and not certificate.shc):
            self.audit.record(staff.actor, action, request, outcome=Outcome.NOT_FOUND, hcid=hcid[:40])
            raise NotFound("no such certificate")
        self.audit.record(staff.actor, action, request, hcid=hcid)
        return certificate

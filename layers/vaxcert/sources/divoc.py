"""DIVOC's certificate table (an export row) -> the `POST /v1/vaccinations` body of a migration.

A row is DIVOC's `certificate` table as its own tools read it: `certificateId`, `certificate` (the signed
W3C verifiable credential, a JSON string), `mobile`, `preEnrollmentCode`, and optionally `osid`, `name`,
`contact` (a JSON list such as `["tel:+18765550123"]`), `programId`, `osCreatedAt`; other columns are
ignored. The signature is checked by the caller (vaxcert.formats.divoc) before a row is mapped: this
module only reads and maps, and refuses what it cannot map, never guessing.

Mapping: `credentialSubject` (`name`, `dob`, `gender`, identity `id` such as `did:Passport:A1234`)
-> person; `evidence[0]` (`vaccine` through the catalogue's aliases, or its ICD-11 brand code; `batch`,
`date`, `dose`, `totalDoses`, `facility.name`, `verifier.name`, `effectiveUntil`) -> vaccination.
Doses of one person are linked by DIVOC's person key (`preEnrollmentCode`, else `credentialSubject.refId`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vaxcert.catalogue import Catalogue, VaccineProduct
from vaxcert.sources.phone import InvalidMobile, normalise_mobile

SOURCE = "divoc"
SYSTEM = "DIVOC"
EVENT_PREFIX = "divoc:"  # event id of a migrated certificate: divoc:<certificateId>
CASE_PREFIX = "divoc:"  # person link key: divoc:<preEnrollmentCode>
COLUMNS = ("certificateId", "certificate", "mobile", "preEnrollmentCode")
OPTIONAL_COLUMNS = ("osid", "name", "contact", "programId", "osCreatedAt")
REQUIRED_COLUMNS = ("certificateId", "certificate")

# ICD-11 "COVID-19 vaccines" (the parent of every type code): says nothing against any catalogue product.
ICD11_ANY_COVID_VACCINE = "XM68M6"

_ID = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")
_GENDERS = {"male": "male", "m": "male", "female": "female", "f": "female", "other": "other"}

# Refusal reasons (the errors file's `reason` column and the summary's `refused` keys).
MALFORMED = "malformed"
MISSING_VALUE = "missing-value"
INVALID_VALUE = "invalid-value"
UNMAPPABLE_VACCINE = "unmappable-vaccine"
ID_MISMATCH = "certificate-id-mismatch"


class Refusal(Exception):
    """A row that is never imported: `reason` is one of a few codes, `detail` says what to fix."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class ExportRow:
    certificate_id: str
    credential: dict[str, Any]  # the signed W3C VC, as parsed
    mobile: str
    pre_enrollment_code: str
    contact: tuple[str, ...] = ()
    name: str = ""


def parse_row(raw: Mapping[str, Any]) -> ExportRow:
    """One CSV / JSON Lines row; Refusal when a required value is missing or does not parse."""
    certificate_id = cell(raw.get("certificateId"))
    if not certificate_id:
        raise Refusal(MISSING_VALUE, "certificateId is empty")
    if not _ID.match(certificate_id):
        raise Refusal(MALFORMED, "certificateId must be 1 to 64 letters, digits, '.', '_' or '-'")
    certificate = raw.get("certificate")
    if isinstance(certificate, str):
        if not certificate.strip():
            raise Refusal(MISSING_VALUE, "certificate is empty")
        try:
            certificate = json.loads(certificate)
        except json.JSONDecodeError as exc:
            raise Refusal(MALFORMED, f"certificate is not JSON ({exc.msg} at character {exc.pos})") from None
        except RecursionError:
            raise Refusal(MALFORMED, "certificate is nested too deeply to be a credential") from None
    elif certificate is None:
        raise Refusal(MISSING_VALUE, "certificate is empty")
    if not isinstance(certificate, dict):
        raise Refusal(MALFORMED, "certificate must be a JSON object (the signed verifiable credential)")
    if not isinstance(certificate.get("proof"), dict):
        raise Refusal(MALFORMED, "certificate has no proof: it is not a signed DIVOC credential")
    if not isinstance(certificate.get("credentialSubject"), dict):
        raise Refusal(MALFORMED, "certificate has no credentialSubject")
    return ExportRow(
        certificate_id=certificate_id,
        credential=certificate,
        mobile=cell(raw.get("mobile")),
        pre_enrollment_code=cell(raw.get("preEnrollmentCode")),
        contact=_contact(raw.get("contact")),
        name=cell(raw.get("name")),
    )


def event_body(
    row: ExportRow, catalogue: Catalogue, *, notify: bool = False, link_key: bool = True
) -> dict[str, Any]:
    """The `POST /v1/vaccinations` body (camelCase JSON) for one verified row; Refusal if unmappable.

    `link_key`: send `person.caseId` (the person link key; off for an API that predates it).
    """
    vc = row.credential
    subject = vc["credentialSubject"]
    evidence = vc.get("evidence")
    if not isinstance(evidence, list) or not evidence:
        raise Refusal(MISSING_VALUE, "certificate has no evidence (the vaccination)")
    if len(evidence) != 1 or not isinstance(evidence[0], dict):
        raise Refusal(
            MALFORMED, f"evidence holds {len(evidence)} entries: a DIVOC certificate records one dose"
        )
    dose = evidence[0]
    signed_id = cell(dose.get("certificateId"))
    if signed_id and signed_id != row.certificate_id:
        raise Refusal(ID_MISMATCH, f"row says {row.certificate_id}, the signed certificate says {signed_id}")

    person: dict[str, Any] = {}
    name = cell(subject.get("name")) or row.name
    if not name:
        raise Refusal(MISSING_VALUE, "credentialSubject.name is empty")
    given, _, family = name.rpartition(" ")
    person["givenName"], person["familyName"] = given.strip(), family.strip()
    dob = cell(subject.get("dob"))
    if not dob:
        raise Refusal(MISSING_VALUE, "credentialSubject.dob is empty")
    person["birthDate"] = dob[:10]
    sex = _GENDERS.get(cell(subject.get("gender")).casefold())
    if sex:
        person["sex"] = sex
    identifier = _identity(cell(subject.get("id")))
    if identifier:
        person["identifier"] = identifier
    mobile = _mobile(row)
    if mobile:
        person["mobile"] = mobile
    person_key = row.pre_enrollment_code or cell(subject.get("refId"))
    if not person_key:
        raise Refusal(MISSING_VALUE, "preEnrollmentCode is empty (DIVOC's person key)")
    if link_key:
        person["caseId"] = CASE_PREFIX + person_key

    product = _product(dose, catalogue)
    vaccination: dict[str, Any] = {"vaccine": product.key}
    lot = cell(dose.get("batch"))
    if not lot:
        raise Refusal(MISSING_VALUE, "evidence.batch is empty")
    vaccination["lot"] = lot
    date = cell(dose.get("date"))
    if not date:
        raise Refusal(MISSING_VALUE, "evidence.date is empty")
    vaccination["date"] = date[:10]
    vaccination["dose"] = _integer(dose.get("dose"), "evidence.dose", required=True)
    total = _integer(dose.get("totalDoses"), "evidence.totalDoses", required=False)
    if total is not None:
        vaccination["totalDoses"] = total
    centre = cell(_mapping(dose.get("facility")).get("name"))
    if centre:
        vaccination["centre"] = centre
    practitioner = cell(_mapping(dose.get("verifier")).get("name"))
    if practitioner:
        vaccination["practitioner"] = practitioner

    legacy: dict[str, Any] = {"system": SYSTEM, "certificateId": row.certificate_id}
    issued = cell(vc.get("issuanceDate"))
    if issued:
        legacy["issuedAt"] = issued[:40]
    until = cell(dose.get("effectiveUntil"))
    if until:
        legacy["effectiveUntil"] = until[:10]
    return {
        "eventId": EVENT_PREFIX + row.certificate_id,
        "source": SOURCE,
        "person": person,
        "vaccination": vaccination,
        "legacy": legacy,
        "notify": notify,
    }


def _product(dose: Mapping[str, Any], catalogue: Catalogue) -> VaccineProduct:
    """By name (the catalogue's aliases), else by an ICD-11 brand code; a contradiction is refused."""
    name = cell(dose.get("vaccine"))
    code = cell(dose.get("icd11Code"))
    product = catalogue.find(name) if name else None
    if product is None and code:
        product = catalogue.by_brand_code(code)
    if product is None:
        raise Refusal(
            UNMAPPABLE_VACCINE,
            f"vaccine {name!r} (icd11Code {code or '-'}) is not in the vaccine catalogue: add it or an alias",
        )
    if code and code not in (product.vaccine.code, product.brand.code, ICD11_ANY_COVID_VACCINE):
        raise Refusal(
            UNMAPPABLE_VACCINE,
            f"vaccine {name!r} is {product.display} ({product.vaccine.code}), but icd11Code says {code}",
        )
    return product


def _identity(did: str) -> dict[str, str] | None:
    """`did:<type>:<value>` (e.g. `did:Passport:A1234`, `did:in.gov.uidai.aadhaar:1234`) -> identifier."""
    parts = did.split(":", 2)
    if len(parts) != 3 or parts[0] != "did" or not parts[1] or not parts[2].strip():
        return None
    kind = parts[1].rsplit(".", 1)[-1].upper()[:20]
    return {"type": kind, "value": parts[2].strip()}


def _mobile(row: ExportRow) -> str | None:
    """`mobile`, else the first `tel:` of `contact`; a number that cannot be normalised is refused."""
    candidates = [row.mobile] if row.mobile else [c[4:] for c in row.contact if c.startswith("tel:")]
    for raw in candidates[:1]:
        try:
            return normalise_mobile(raw)
        except InvalidMobile as exc:
            field = "mobile" if row.mobile else "contact"
            raise Refusal(INVALID_VALUE, f"{field}: {exc}") from None
    return None


def _contact(value: Any) -> tuple[str, ...]:
    """A JSON list (`["tel:+18765550123"]`), or PostgreSQL's array text of a text[] column
    (`{tel:+18765550123,"mailto:a@b.jm"}`, what `psql \\copy` writes)."""
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return ()
        if value.startswith("{") and value.endswith("}"):
            return tuple(c.strip().strip('"') for c in value[1:-1].split(",") if c.strip())
        try:
            value = json.loads(value)
        except ValueError:
            raise Refusal(MALFORMED, 'contact must be a JSON list such as ["tel:+18765550123"]') from None
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise Refusal(MALFORMED, 'contact must be a JSON list such as ["tel:+18765550123"]')
    return tuple(c.strip() for c in value)


def _integer(value: Any, field: str, *, required: bool) -> int | None:
    if value is None or value == "":
        if required:
            raise Refusal(MISSING_VALUE, f"{field} is empty")
        return None
    if isinstance(value, bool):
        raise Refusal(INVALID_VALUE, f"{field} must be a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise Refusal(INVALID_VALUE, f"{field} must be a whole number, not {str(value)[:20]!r}")


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def cell(value: Any) -> str:
    """A cell or JSON value as stripped text ("" for none); numbers as their digits."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value.strip() if isinstance(value, str) else ""

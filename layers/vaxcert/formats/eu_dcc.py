"""EU DCC 1.3 vaccination payload (the HCERT ``-260/1`` claim) from a DDCC:VS record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vaxcert.formats.countries import alpha2
from vaxcert.formats.ddcc import DdccRecord
from vaxcert.formats.icao import transliterate

SCHEMA_VERSION = "1.3.0"
COVID19_TARGET = "840539006"  # SNOMED CT, value set disease-agent-targeted
MAX_ISSUER = 80


@dataclass(frozen=True)
class EuVaccineCodes:
    """EU value-set codes of the vaccine: prophylaxis (vp), medicinal product (mp), MA holder (ma)."""

    vp: str
    mp: str
    ma: str


def person_name(given_name: str, family_name: str) -> dict[str, str]:
    """``nam``: names as written plus their ICAO 9303 forms; ValueError if neither can be transliterated."""
    nam: dict[str, str] = {}
    fnt = transliterate(family_name)
    gnt = transliterate(given_name) if given_name else ""
    if family_name:
        nam["fn"] = family_name[:80]
    if fnt:
        nam["fnt"] = fnt
    if given_name:
        nam["gn"] = given_name[:80]
    if gnt:
        nam["gnt"] = gnt
    if not (fnt or gnt):
        # The schema needs fnt or gnt; an empty one would pass it but could not be matched to a passport.
        raise ValueError("name has no Latin-script form: record it as written in the passport")
    return nam


def eu_payload(
    record: DdccRecord, codes: EuVaccineCodes, uci: str, *, issuer: str | None = None
) -> dict[str, Any]:
    """The EU DCC JSON for ``record`` (validates against eu-dcc-schema 1.3.x DCC.schema.json).

    ``issuer`` replaces the record's issuer name in ``is`` (e.g. a shorter form, to save QR space)."""
    person = record.person
    vaccination = record.vaccination
    return {
        "ver": SCHEMA_VERSION,
        "nam": person_name(person.given_name, person.family_name),
        "dob": person.birth_date.isoformat(),
        "v": [
            {
                "tg": COVID19_TARGET,
                "vp": codes.vp,
                "mp": codes.mp,
                "ma": codes.ma,
                "dn": vaccination.dose,
                # sd is mandatory; when the series length is unknown the dose itself is the best claim.
                "sd": vaccination.total_doses or vaccination.dose,
                "dt": vaccination.date.isoformat(),
                "co": alpha2(vaccination.country),
                "is": (issuer or record.certificate.issuer)[:MAX_ISSUER],
                "ci": uci,
            }
        ],
    }

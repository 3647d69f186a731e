"""The DDCC:VS elements the EU DCC schema lacks, as HCERT claim -260 sub-claim 3 (see docs/hc1-profile.md).

A compact CBOR map with small integer keys (a text key would cost 4-13 bytes more each). Nothing the EU
payload already carries is repeated (name, dob, EU vaccine codes, dose, series, date, country, issuer, UVCI,
and so the HCID, which is the UVCI's opaque part). The next dose is a day offset from the vaccination date.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from vaxcert.formats.ddcc import DdccRecord

VERSION = 1
SEX = 2
VACCINE = 3
BRAND = 4
LOT = 5
CENTRE = 6
PRACTITIONER = 7
NEXT_DOSE_DAYS = 8
VALID_FROM_DAYS = 9
IDENTIFIER = 10
HCID = 11

NAMES = {
    VERSION: "version",
    SEX: "sex",
    VACCINE: "vaccine",
    BRAND: "brand",
    LOT: "lot",
    CENTRE: "centre",
    PRACTITIONER: "practitioner",
    NEXT_DOSE_DAYS: "nextDose",
    VALID_FROM_DAYS: "validFrom",
    IDENTIFIER: "identifier",
    HCID: "hcid",
}
KEYS = {name: key for key, name in NAMES.items()}

# Most useful first: when the QR must stay small, fields are dropped from the end of this list.
PRIORITY: tuple[str, ...] = (
    "version",
    "lot",
    "nextDose",
    "validFrom",
    "sex",
    "vaccine",
    "brand",
    "centre",
    "practitioner",
    "identifier",
    "hcid",
)
DEFAULT_FIELDS: tuple[str, ...] = tuple(f for f in PRIORITY if f not in ("identifier", "hcid"))

# One letter per FHIR administrative-gender code.
_SEX_CODE = {"male": "m", "female": "f", "other": "o", "unknown": "u"}
_SEX_NAME = {v: k for k, v in _SEX_CODE.items()}


def ddcc_extension(record: DdccRecord, fields: Iterable[str] = DEFAULT_FIELDS) -> dict[int, Any]:
    """Sub-claim 3 for ``record`` holding those of ``fields`` that have a value.

    The national identifier and HCID are only included when named in ``fields`` (minimal disclosure; the HCID
    is in the UVCI already). The version is only written when it is not 1, so a first issue costs nothing.
    """
    person = record.person
    vaccination = record.vaccination
    values: dict[str, Any] = {
        "version": record.certificate.version if record.certificate.version != 1 else None,
        "sex": _SEX_CODE[person.sex] if person.sex else None,
        "vaccine": vaccination.vaccine.code,
        "brand": vaccination.brand.code,
        "lot": vaccination.lot,
        "centre": vaccination.centre,
        "practitioner": vaccination.practitioner,
        "nextDose": (vaccination.next_dose - vaccination.date).days if vaccination.next_dose else None,
        "validFrom": (vaccination.valid_from - vaccination.date).days if vaccination.valid_from else None,
        "identifier": [person.identifier.type, person.identifier.value] if person.identifier else None,
        "hcid": record.certificate.hcid,
    }
    wanted = set(fields)
    unknown = wanted - KEYS.keys()
    if unknown:
        raise ValueError(f"unknown DDCC extension fields: {sorted(unknown)}")
    return {KEYS[name]: values[name] for name in PRIORITY if name in wanted and values[name] is not None}


def describe_extension(ext: Any, vaccination_date: date | None = None) -> dict[str, Any]:
    """Sub-claim 3 with readable names; day offsets become ISO dates when ``vaccination_date`` is known.
    Unknown keys are kept under their number as text; {} if ``ext`` is not a map."""
    if not isinstance(ext, dict):
        return {}
    out: dict[str, Any] = {}
    for key, value in ext.items():
        name = NAMES.get(key, str(key))
        if key == SEX and isinstance(value, str):
            value = _SEX_NAME.get(value, value)
        elif key == IDENTIFIER and isinstance(value, list) and len(value) == 2:
            value = {"type": value[0], "value": value[1]}
        elif key in (NEXT_DOSE_DAYS, VALID_FROM_DAYS) and isinstance(value, int) and vaccination_date:
            value = (vaccination_date + timedelta(days=value)).isoformat()
        out[name] = value
    return out

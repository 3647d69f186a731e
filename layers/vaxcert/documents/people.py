"""People across certificates: name matching, "same person", and the list row shown for a certificate."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from vaxcert.catalogue import Catalogue
from vaxcert.formats.ddcc import Person
from vaxcert.issuance.certificate import Certificate

# Letters NFKD does not decompose to a base letter plus marks.
_FOLD = str.maketrans(
    {
        "\u0142": "l",
        "\u0111": "d",
        "\u0131": "i",
        "\u0127": "h",
        "\u00f8": "o",
        "\u00e6": "ae",
        "\u0153": "oe",
    }
)
# Apostrophes vanish (O'Brien -> obrien): ASCII, right/left single quotes, grave and acute accents.
_APOSTROPHES = re.compile("['\u2019\u2018`\u00b4]")
_SEPARATORS = re.compile(r"[^0-9a-z]+")


def normalise_name(text: str) -> str:
    """Case- and accent-insensitive form: "Zoë O'Brien-Campbell" -> "zoe obrien campbell"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_FOLD)
    plain = _APOSTROPHES.sub("", plain)
    return _SEPARATORS.sub(" ", plain).strip()


def name_tokens(person: Person) -> list[str]:
    """Searchable starts: each whole name and each of its parts (double-barrelled names)."""
    tokens: list[str] = []
    for name in (person.family_name, person.given_name):
        norm = normalise_name(name)
        if norm:
            tokens.append(norm)
            tokens.extend(norm.split(" "))
    return tokens


def name_matches(person: Person, prefix: str) -> bool:
    """`prefix` (already normalised) starts the family or given name, or one of their parts."""
    return any(token.startswith(prefix) for token in name_tokens(person))


def same_person(a: Person, b: Person) -> bool:
    """Same identifier when both have one; otherwise same date of birth and the same full name."""
    if a.birth_date != b.birth_date:
        return False
    if a.identifier and b.identifier:
        return (a.identifier.type.casefold(), a.identifier.value.strip()) == (
            b.identifier.type.casefold(),
            b.identifier.value.strip(),
        )
    return (normalise_name(a.family_name), normalise_name(a.given_name)) == (
        normalise_name(b.family_name),
        normalise_name(b.given_name),
    )


def vaccine_name(certificate: Certificate, catalogue: Catalogue) -> str:
    product = catalogue.products.get(certificate.vaccine_key) or catalogue.by_brand_code(
        certificate.record.vaccination.brand.code
    )
    if product:
        return product.display
    return certificate.record.vaccination.brand.display or certificate.record.vaccination.brand.code


def summary(certificate: Certificate, catalogue: Catalogue) -> dict[str, Any]:
    """The list row of the API contract (no identifier, no mobile number)."""
    vaccination = certificate.record.vaccination
    return {
        "hcid": certificate.hcid,
        "name": certificate.record.person.name,
        "dob": certificate.record.person.birth_date.isoformat(),
        "vaccine": vaccine_name(certificate, catalogue),
        "dose": vaccination.dose,
        "totalDoses": vaccination.total_doses,
        "date": vaccination.date.isoformat(),
        "status": certificate.status.value,
    }


def ordered(certificates: list[Certificate]) -> list[Certificate]:
    """Newest vaccination first, then by name and dose."""
    return sorted(
        certificates,
        key=lambda c: (
            -c.record.vaccination.date.toordinal(),
            normalise_name(c.record.person.name),
            -c.record.vaccination.dose,
            c.hcid,
        ),
    )

"""People across certificates: name matching, "same person", and the list row shown for a certificate."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Protocol

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


def same_person(a: Certificate, b: Certificate) -> bool:
    """Linked by a reliable key only (sources.person_keys): the same case of a source system, or the
    same identifier on both records. Name and date of birth alone never make two doses one person's."""
    return bool(set(a.person_keys) & set(b.person_keys))


class PersonKeyFinder(Protocol):
    def by_person_key(self, key: str) -> list[Certificate]: ...


# Bounds the walk over linked keys (one person has a handful of doses; a key shared by more is wrong).
MAX_LINKED = 50


def linked_certificates(certificate: Certificate, finder: PersonKeyFinder) -> list[Certificate]:
    """The other certificates of this certificate's person: each a query by link key, following keys
    the linked certificates add (dose 1 by case id, dose 3 by the TRN dose 2 also carries)."""
    found: dict[str, Certificate] = {certificate.hcid: certificate}
    pending = list(certificate.person_keys)
    seen_keys: set[str] = set()
    while pending and len(found) < MAX_LINKED:
        key = pending.pop(0)
        if key in seen_keys:
            continue
        seen_keys.add(key)
        for other in finder.by_person_key(key):
            if other.hcid not in found and key in other.person_keys:
                found[other.hcid] = other
                pending.extend(k for k in other.person_keys if k not in seen_keys)
    return [c for h, c in found.items() if h != certificate.hcid][:MAX_LINKED]


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

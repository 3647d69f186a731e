"""People across certificates: name matching, "same person", and the list row shown for a certificate."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from vaxcert.catalogue import Catalogue
from vaxcert.formats.ddcc import Person
from vaxcert.types.certificate import Certificate, CertificateStatus

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


def name_matches(person: Person, prefix: str) -> bool:
    """`prefix` (already normalised) finds this person (see name_match_rank)."""
    return name_match_rank(person, prefix) is not None


# How well a typed name matches, best first: every part exact, every part at least a prefix, a typo.
EXACT, PREFIX, TYPO = 0, 1, 2
TYPO_MIN_LETTERS = 4  # "one typo in a name part of 4+ letters": shorter parts would match everyone


def name_match_rank(person: Person, query: str) -> int | None:
    """EXACT / PREFIX / TYPO, or None: how `query` (already normalised) matches the person's name.

    Each word typed must match a different part of the family or given name, in any order ("Tanisha
    Reid" and "Reid Tanisha"): exactly, as the start of the part, or, for words of 4+ letters, with
    one typo (a letter missing, extra, wrong or two swapped: "Ried" -> "Reid"). The name typed without
    spaces is also compared with the name written without them ("Mc Kenzie" finds "McKenzie").
    """
    words = query.split()
    if not words:
        return None
    names = [normalise_name(n) for n in (person.family_name, person.given_name)]
    parts = [p for n in names for p in n.split()]
    ranks = [_part_rank(query.replace(" ", ""), "".join(n.split())) for n in (*names, "".join(names))]
    ranks.append(_assign(words, parts))
    found = [r for r in ranks if r is not None]
    return min(found) if found else None


def _assign(words: list[str], parts: list[str]) -> int | None:
    """Worst rank over the words when each takes its best still-unused part (longest words first)."""
    if len(words) > len(parts):
        return None
    free = list(parts)
    worst = EXACT
    for word in sorted(words, key=len, reverse=True):
        best = min(
            ((r, i) for i, part in enumerate(free) if (r := _part_rank(word, part)) is not None),
            default=None,
        )
        if best is None:
            return None
        worst = max(worst, best[0])
        free.pop(best[1])
    return worst


def _part_rank(word: str, part: str) -> int | None:
    if not word or not part:
        return None
    if word == part:
        return EXACT
    if part.startswith(word):
        return PREFIX
    if len(word) >= TYPO_MIN_LETTERS and len(part) >= TYPO_MIN_LETTERS and one_edit_apart(word, part):
        return TYPO
    return None


def one_edit_apart(a: str, b: str) -> bool:
    """At most one insertion, deletion, substitution or swap of two neighbours (OSA distance <= 1)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k in range(len(short)) if short[k] != long[k]), len(short))
    return short[i:] == long[i + 1 :]


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


@dataclass(frozen=True)
class CertificateSummary:
    """The list row of a certificate (no identifier, no mobile number)."""

    hcid: str
    name: str
    dob: date
    vaccine: str  # the catalogue's display name
    dose: int
    total_doses: int | None
    vaccinated_on: date
    status: CertificateStatus


def summary(certificate: Certificate, catalogue: Catalogue) -> CertificateSummary:
    vaccination = certificate.record.vaccination
    return CertificateSummary(
        hcid=certificate.hcid,
        name=certificate.record.person.name,
        dob=certificate.record.person.birth_date,
        vaccine=vaccine_name(certificate, catalogue),
        dose=vaccination.dose,
        total_doses=vaccination.total_doses,
        vaccinated_on=vaccination.date,
        status=certificate.status,
    )


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

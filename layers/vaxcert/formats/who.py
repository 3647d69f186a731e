"""WHO DDCC:VS in HC1 (what ``format`` calls ``WHO``): the HC1 envelope (COSE_Sign1, zlib, Base45) around
WHO's flat DDCC:VS claim map instead of EU DCC CWT claims. Verified like HC1: the COSE kid names a DSC
(the WHO GDHCN trust network distributes DDCC signing keys as HC1 DSCs)."""

from __future__ import annotations

import base64
from typing import Any

from vaxcert.formats.decoded import DecodedCertificate, from_day, from_timestamp
from vaxcert.formats.hc1 import Hc1Document, key_request, signature_check
from vaxcert.formats.summary import content, day, integer, mapping, text


def _code(value: Any) -> str | None:
    return text(value.get("display") or value.get("code")) if isinstance(value, dict) else text(value)


def who_certificate(doc: Hc1Document) -> DecodedCertificate:
    claims = doc.who_ddcc or {}
    shown = content(
        name=text(claims.get("name")),
        date_of_birth=day(claims.get("birthDate")),
        hcid=text(claims.get("hcid")),
        vaccine=_code(claims.get("brand")) or _code(claims.get("vaccine")),
        dose=integer(claims.get("dose")),
        total_doses=integer(claims.get("total_doses")),
        date=day(claims.get("date")),
        country=_code(claims.get("country")),
    )
    period = mapping(claims.get("period"))
    return DecodedCertificate(
        format="WHO",
        issuer=doc.issuer or _code(claims.get("issuer")),
        kid=base64.b64encode(doc.kid).decode() if doc.kid else None,
        key=key_request(doc),
        content=shown,
        check_signature=signature_check(doc),
        not_before=from_timestamp(doc.issued_at) or from_day(text(claims.get("valid_from"))),
        not_after=from_timestamp(doc.expires_at)
        or from_day(text(claims.get("valid_until")) or text(period.get("end")), end=True),
        identifier=shown.hcid,
        country=shown.country,
        signature=doc.signature,
    )

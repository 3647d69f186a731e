"""What the certificate PDF shows: a flat view model, already masked and formatted for people."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DocumentStatus = Literal["VALID", "REVOKED", "SUPERSEDED"]


class DoseLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    dose: int = Field(ge=1)
    total_doses: int | None = Field(default=None, ge=1)
    vaccine: str  # brand as people know it, e.g. "Comirnaty (Pfizer-BioNTech)"
    date: date
    lot: str
    centre: str | None = None
    country: str  # ISO 3166-1 alpha-3 (JAM) or a country name


class CertificateDocument(BaseModel):
    model_config = ConfigDict(frozen=True)

    hcid: str = Field(pattern=r"^[0-9A-Z]{16,32}$")  # same rule as formats.ddcc.CertificateMeta.hcid
    qr_payload: str  # the HC1 string, e.g. "HC1:..."
    shc_qr_payload: str | None = None  # the SMART Health Card "shc:/..." text, drawn second (PDF_SHC_QR)
    status: DocumentStatus
    issuer_name: str  # "Ministry of Health and Wellness, Jamaica"
    holder_name: str
    date_of_birth: date
    sex: str | None = None
    identifier: str | None = None  # already masked, e.g. "TRN ••••••445"
    doses: list[DoseLine]  # every dose of this person, ordered
    this_dose: int  # which dose this certificate's QR is for
    issued_at: datetime
    valid_until: datetime | None = None
    version: int = Field(ge=1)
    verify_url: str  # e.g. "https://verify.example/verify"

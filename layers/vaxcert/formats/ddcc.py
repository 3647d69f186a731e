"""WHO DDCC:VS core data set (ddcc IG, DDCCCoreDataSet.VS) as a pydantic model.

The record is what vaxcert stores and what every QR format (HC1 now, SHC optionally) is derived from.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from vaxcert.catalogue import Coding

Sex = Literal["male", "female", "other", "unknown"]
_Date = date  # Vaccination has a field called "date", which shadows the type inside that class


class Identifier(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: str = Field(min_length=1, description="e.g. TRN (Jamaica Taxpayer Registration Number)")
    value: str = Field(min_length=1)


class Person(BaseModel):
    """DDCC header: who the certificate is about."""

    model_config = ConfigDict(frozen=True)

    given_name: str = Field(default="", max_length=80)
    family_name: str = Field(min_length=1, max_length=80)
    birth_date: date
    sex: Sex | None = None
    identifier: Identifier | None = None

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


class Vaccination(BaseModel):
    """DDCC:VS vaccination event (1..1 per certificate)."""

    model_config = ConfigDict(frozen=True)

    vaccine: Coding  # ICD-11 vaccine type, e.g. XM0GQ8
    brand: Coding  # ICD-11 brand, e.g. XM8NQ0
    manufacturer: str | None = None
    maholder: str | None = None
    lot: str = Field(min_length=1, max_length=60)
    date: date
    dose: int = Field(ge=1, le=9)
    total_doses: int | None = Field(default=None, ge=1, le=9)
    country: str = Field(min_length=3, max_length=3, description="ISO 3166-1 alpha-3")
    centre: str | None = Field(default=None, max_length=120)
    practitioner: str | None = Field(default=None, max_length=120)
    disease: Coding = Coding(code="RA01", display="COVID-19")
    next_dose: _Date | None = None
    valid_from: _Date | None = None

    @model_validator(mode="after")
    def _invariants(self) -> Vaccination:
        if not (self.manufacturer or self.maholder):  # who-ddcc-data-1
            raise ValueError("manufacturer or maholder is required")
        if self.total_doses is not None and self.dose > self.total_doses:
            raise ValueError("dose cannot exceed totalDoses")
        return self


class CertificateMeta(BaseModel):
    """DDCC certificate section."""

    model_config = ConfigDict(frozen=True)

    issuer: str
    hcid: str = Field(pattern=r"^[0-9A-Z]{16,32}$")
    version: int = Field(ge=1)
    period_start: datetime
    period_end: datetime
    kid: str | None = None


class DdccRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    person: Person
    vaccination: Vaccination
    certificate: CertificateMeta

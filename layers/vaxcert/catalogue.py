"""The vaccine catalogue (config/vaccines.json): brand as recorded -> ICD-11 and EU DCC codes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

ICD11 = "http://id.who.int/icd11/mms"


class Coding(BaseModel):
    """A coded value (ICD-11 unless said otherwise): the catalogue's vocabulary and the DDCC record's."""

    model_config = ConfigDict(frozen=True)

    system: str = ICD11
    code: str = Field(min_length=1)
    display: str | None = None


@dataclass(frozen=True)
class VaccineProduct:
    key: str
    display: str
    vaccine: Coding
    brand: Coding
    manufacturer: str
    eu_vp: str
    eu_mp: str
    eu_ma: str
    default_total_doses: int
    cvx: str | None = None  # CDC CVX code, for SMART Health Cards (213: unspecified COVID-19 vaccine)


@dataclass(frozen=True)
class Catalogue:
    products: dict[str, VaccineProduct]
    aliases: dict[str, str]
    disease: Coding
    eu_target: str

    def find(self, answer: str) -> VaccineProduct | None:
        """Match a recorded brand by key or alias, ignoring case and surrounding space."""
        key = self.aliases.get(answer.strip().casefold())
        return self.products.get(key) if key else None

    def by_brand_code(self, icd11_brand: str) -> VaccineProduct | None:
        return next((p for p in self.products.values() if p.brand.code == icd11_brand), None)


def parse_catalogue(data: dict) -> Catalogue:
    products: dict[str, VaccineProduct] = {}
    aliases: dict[str, str] = {}
    for key, v in data["vaccines"].items():
        products[key] = VaccineProduct(
            key=key,
            display=v["display"],
            vaccine=Coding(code=v["icd11Vaccine"]["code"], display=v["icd11Vaccine"]["display"]),
            brand=Coding(code=v["icd11Brand"]["code"], display=v["icd11Brand"]["display"]),
            manufacturer=v["manufacturer"],
            eu_vp=v["eu"]["vp"],
            eu_mp=v["eu"]["mp"],
            eu_ma=v["eu"]["ma"],
            default_total_doses=int(v["defaultTotalDoses"]),
            cvx=v.get("cvx"),
        )
        for name in (key, *v.get("aliases", ())):
            aliases[name.casefold()] = key
    disease = Coding(code=data["disease"]["icd11"], display=data["disease"]["display"])
    return Catalogue(products, aliases, disease, data["disease"]["euTarget"])


@lru_cache(maxsize=4)
def load_catalogue(path: str | None = None) -> Catalogue:
    """The packaged catalogue, or a deployment's own file (settings.vaccine_catalogue_file)."""
    if path:
        text = Path(path).read_text(encoding="utf-8")
    else:
        text = resources.files("vaxcert").joinpath("config/vaccines.json").read_text(encoding="utf-8")
    return parse_catalogue(json.loads(text))

import json
from importlib.resources import files
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from tests.conformance_data import conformance_path
from tests.factories import example_record
from vaxcert.formats.countries import alpha2
from vaxcert.formats.eu_dcc import EuVaccineCodes, eu_payload
from vaxcert.formats.uvci import make_uci

COMIRNATY = EuVaccineCodes(vp="1119349007", mp="EU/1/20/1528", ma="ORG-100030215")
UCI = make_uci("JM", "7Q2K9M4XHD3R8T6WB1NC")


def _validator() -> Draft202012Validator:
    folder = conformance_path("eu-dcc-schema")
    resources = []
    for path in folder.glob("DCC*.schema.json"):
        schema = json.loads(path.read_text())
        resources.append((schema["$id"], Resource.from_contents(schema)))
    registry: Registry = Registry().with_resources(resources)
    main = json.loads((folder / "DCC.schema.json").read_text())
    return Draft202012Validator(main, registry=registry)


def _errors(payload: dict[str, Any]) -> list[str]:
    return [e.message for e in _validator().iter_errors(payload)]


def test_example_payload_content() -> None:
    payload = eu_payload(example_record(), COMIRNATY, UCI)
    assert payload["ver"] == "1.3.0"
    assert payload["nam"] == {"fn": "Campbell", "fnt": "CAMPBELL", "gn": "Marcia", "gnt": "MARCIA"}
    assert payload["dob"] == "1984-03-07"
    assert payload["v"] == [
        {
            "tg": "840539006",
            "vp": "1119349007",
            "mp": "EU/1/20/1528",
            "ma": "ORG-100030215",
            "dn": 1,
            "sd": 2,
            "dt": "2021-12-14",
            "co": "JM",
            "is": "Ministry of Health and Wellness, Jamaica",
            "ci": UCI,
        }
    ]


@pytest.mark.conformance
@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"person": {"given_name": "Zoë", "family_name": "O'Brien-Smith"}},
        {"person": {"given_name": ""}},
        {"vaccination": {"total_doses": None}},
        {"certificate": {"issuer": "X" * 120}},
    ],
)
def test_payload_validates_against_the_eu_schema(overrides: dict[str, Any]) -> None:
    payload = eu_payload(example_record(**overrides), COMIRNATY, UCI)
    assert _errors(payload) == []


@pytest.mark.conformance
def test_schema_validator_rejects_a_broken_payload() -> None:
    payload = eu_payload(example_record(), COMIRNATY, UCI)
    payload["nam"]["fnt"] = "Campbell"
    del payload["dob"]
    assert len(_errors(payload)) >= 2


@pytest.mark.conformance
def test_catalogue_eu_codes_are_active_value_set_entries() -> None:
    valuesets = conformance_path("eu-dcc-valuesets")
    sets = {
        field: json.loads((valuesets / name).read_text())["valueSetValues"]
        for field, name in [
            ("vp", "vaccine-prophylaxis.json"),
            ("mp", "vaccine-medicinal-product.json"),
            ("ma", "vaccine-mah-manf.json"),
        ]
    }
    vaccines = json.loads((files("vaxcert") / "config" / "vaccines.json").read_text())
    for name, vaccine in vaccines["vaccines"].items():
        for field, code in vaccine["eu"].items():
            entry = sets[field].get(code)
            assert entry is not None, f"{name}: {field} {code} is not in the EU value set"
            assert entry.get("active", True), f"{name}: {field} {code} is deprecated"


def test_issuer_is_cut_to_80_characters_and_can_be_overridden() -> None:
    record = example_record(certificate={"issuer": "M" * 100})
    assert len(eu_payload(record, COMIRNATY, UCI)["v"][0]["is"]) == 80
    assert eu_payload(record, COMIRNATY, UCI, issuer="MOHW Jamaica")["v"][0]["is"] == "MOHW Jamaica"


def test_name_without_latin_form_is_refused() -> None:
    with pytest.raises(ValueError, match="Latin"):
        eu_payload(example_record(person={"given_name": "小明", "family_name": "王"}), COMIRNATY, UCI)


def test_country_alpha3_to_alpha2() -> None:
    assert alpha2("JAM") == "JM"
    assert alpha2("jm") == "JM"
    with pytest.raises(ValueError):
        alpha2("XYZ")

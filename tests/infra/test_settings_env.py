"""Every setting of the settings model can be set at deploy time as a CDK context value, and reaches
every function's environment; bad values fail the synth; the deployment guide lists them all."""

from __future__ import annotations

from typing import Any

import pytest

from infra import ROOT
from infra.settings_env import STACK_OWNED, context_key, settable, settings_environment
from tests.infra.conftest import Synth, synthesize
from vaxcert import resources as r
from vaxcert.settings import Settings

pytestmark = pytest.mark.xdist_group("infra")

CONTEXT = {
    "vaxcert:hc1IssuerName": "MoH Jamaica",
    "vaxcert:maxCorrections": 3,
    "vaxcert:revocationListValidityHours": "24",
    "vaxcert:smsOtpBudgetShare": 0.5,
    "vaxcert:vaccineCatalogueFile": "/opt/python/vaxcert/config/vaccines.json",
    # The country's numbering rule and an SMS text (settings, not literals in the domain).
    "vaxcert:mobileAreaCodes": "876,658,659",
    "vaxcert:smsOtpText": "Code {code}, valid {minutes} min. - MOH",
}


def test_every_setting_is_settable_or_set_by_the_stack() -> None:
    fields = {name.upper() for name in Settings.model_fields}
    assert set(settable()) | (STACK_OWNED & fields) == fields
    assert set(settable()) & STACK_OWNED == set()
    assert context_key("hc1_issuer_name") == "vaxcert:hc1IssuerName"
    assert context_key("country_alpha3") == "vaxcert:countryAlpha3"  # the existing key keeps its name


def test_context_values_are_checked_against_the_model() -> None:
    def context(values: dict[str, Any]) -> Any:
        return values.get

    env = settings_environment(context(CONTEXT), {"COUNTRY": "JM"})
    assert env["HC1_ISSUER_NAME"] == "MoH Jamaica" and env["MAX_CORRECTIONS"] == "3"
    assert env["COUNTRY"] == "JM" and "STAGE" not in env  # unset settings keep the model's default
    with pytest.raises(ValueError, match=r"vaxcert:maxCorrections='99'"):
        settings_environment(context({"vaxcert:maxCorrections": "99"}), {})
    with pytest.raises(ValueError, match=r"vaxcert:smsOtpText=.*unknown placeholder \{name\}"):
        settings_environment(context({"vaxcert:smsOtpText": "Hi {name}, code {code}"}), {})
    with pytest.raises(ValueError, match=r"vaxcert:mobileAreaCodes="):
        settings_environment(context({"vaxcert:mobileAreaCodes": "876 or 658"}), {})
    with pytest.raises(ValueError, match="vaxcert:certificatesTable is set by the stack"):
        settings_environment(context({"vaxcert:certificatesTable": "mine"}), {})


def test_deployment_guide_lists_every_settable_context_value() -> None:
    guide = (ROOT / "docs" / "deployment.md").read_text()
    missing = [key for key in settable().values() if f"`{key}`" not in guide]
    assert missing == []


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synthesize(tmp_path_factory.mktemp("cdk-out-settings"), context=CONTEXT)


def test_context_values_reach_every_function(synth: Synth) -> None:
    functions = [v for k, v in synth.of_type("AWS::Lambda::Function").items() if k.startswith("Functions")]
    assert len(functions) == len(r.FUNCTIONS)
    for fn in functions:
        env = fn["Properties"]["Environment"]["Variables"]
        assert env["HC1_ISSUER_NAME"] == "MoH Jamaica"
        assert env["MAX_CORRECTIONS"] == "3"
        assert env["REVOCATION_LIST_VALIDITY_HOURS"] == "24"
        assert env["SMS_OTP_BUDGET_SHARE"] == "0.5"
        assert env["VACCINE_CATALOGUE_FILE"] == "/opt/python/vaxcert/config/vaccines.json"
        assert env["MOBILE_AREA_CODES"] == "876,658,659"
        assert env["SMS_OTP_TEXT"] == "Code {code}, valid {minutes} min. - MOH"
        assert env["COUNTRY"] == "JM"  # still from DeployConfig, same context key

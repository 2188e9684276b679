import copy

import pytest
import yaml

from ohti.errors import DefinitionError
from ohti.indicators.compute import indicator_coverage
from ohti.indicators.registry import load_registry, parse_registry
from ohti.paths import REGISTRY_PATH
from ohti.sources.access import source_variables

VARIABLES = set(source_variables())


@pytest.fixture
def document():
    return yaml.safe_load(REGISTRY_PATH.read_text(encoding="utf-8"))


def rate_entry(document):
    return next(e for e in document["indicators"] if e["id"] == "unemployment_rate")


def parse(document):
    return parse_registry(yaml.safe_dump(document, allow_unicode=True), VARIABLES)


def test_shipped_registry_is_valid_and_has_the_foundation_indicators():
    registry = load_registry()
    assert {"unemployed", "labour_force", "unemployment_rate", "vacancies", "vacancies_per_unemployed"} <= set(registry)
    rate = registry["unemployment_rate"]
    assert rate.numerator == ("unemployed",) and rate.denominator == ("labour_force",)
    assert rate.multiplier == 100 and rate.polarity == "lower_is_better"


@pytest.mark.parametrize("field,value,message", [
    ("polarity", "up", "indicator 'unemployment_rate', field polarity: 'up' is not one of lower_is_better"),
    ("statistic", "share", "field statistic: 'share' is not one of count"),
    ("kind", "result", "field kind: 'result' is not one of process"),
    ("theme", "money", "field theme: 'money' is not one of job_seekers"),
    ("ci_method", "exact", "field ci_method: 'exact' is not one of wilson"),
    ("multiplier", 0, "field multiplier: 0 is not a positive number"),
    ("decimals", 1.5, "field decimals: 1.5 is not a whole number"),
    ("numerator", "jobless", "field numerator: 'jobless' uses 'jobless', which is not a source variable"),
    ("denominator", None, "field denominator: None is required for a proportion"),
    ("first_period", "2006-01", "field first_period: '2006-01' is no longer written in the registry: the periods .* are read from the loaded data"),
    ("key", 2025, "field key: 2025 is not a list of years"),
    ("name", {"fi": "Työttömyysaste"}, "field name: .* needs a text in each of fi, sv, en"),
    ("id", "Unemployment Rate", "field id: 'Unemployment Rate' is not snake_case"),
    ("suppression_threshold", -1, "field suppression_threshold: -1 is not a whole number"),
])
def test_each_rule_names_indicator_field_and_value(document, field, value, message):
    rate_entry(document)[field] = value
    with pytest.raises(DefinitionError, match=message):
        parse(document)


def test_missing_and_unknown_fields(document):
    entry = rate_entry(document)
    del entry["polarity"]
    entry["colour"] = "red"
    with pytest.raises(DefinitionError) as caught:
        parse(document)
    assert "indicator 'unemployment_rate', field polarity: missing (required)" in caught.value.problems
    assert any(p.startswith("indicator 'unemployment_rate', field colour: unknown field") for p in caught.value.problems)


def test_count_must_have_no_denominator(document):
    next(e for e in document["indicators"] if e["id"] == "unemployed")["denominator"] = "labour_force"
    with pytest.raises(DefinitionError, match="indicator 'unemployed', field denominator: 'labour_force' must be null for a count"):
        parse(document)


def test_duplicate_ids(document):
    document["indicators"].append(copy.deepcopy(rate_entry(document)))
    with pytest.raises(DefinitionError, match="'unemployment_rate' is defined twice"):
        parse(document)


def test_all_problems_are_reported_at_once(document):
    rate_entry(document)["polarity"] = "up"
    next(e for e in document["indicators"] if e["id"] == "vacancies")["kind"] = "result"
    with pytest.raises(DefinitionError) as caught:
        parse(document)
    assert len(caught.value.problems) == 2


def test_not_yaml_and_wrong_shape():
    with pytest.raises(DefinitionError, match="not valid YAML"):
        parse_registry("indicators: [", VARIABLES)
    with pytest.raises(DefinitionError, match="a list under 'indicators'"):
        parse_registry("- id: x", VARIABLES)


def entry(document, ident):
    return next(e for e in document["indicators"] if e["id"] == ident)


@pytest.mark.parametrize("ident,field,value,message", [
    ("unemployment_rate_change_year", "derive", {"op": "lag", "of": "unemployment_rate"},
     "indicator 'unemployment_rate_change_year', field derive: .* needs an op, one of change_year"),
    ("unemployment_rate_change_year", "derive", {"op": "ratio", "of": "unemployment_rate"},
     "field derive: 'of' of ratio must name 2 indicator\\(s\\)"),
    ("unemployment_rate_change_year", "derive", {"op": "change_year", "of": "unemployment_rate", "lag": 12},
     "field derive: unknown key\\(s\\) lag"),
    ("unemployment_rate_change_year", "derive", {"op": "change_year", "of": "jobless_rate"},
     "indicator 'unemployment_rate_change_year', field derive: 'jobless_rate' is not a defined indicator"),
    ("unemployment_rate_change_year", "derive", {"op": "change_year", "of": "integration_plan"},
     "field derive: 'integration_plan' needs customer-register data"),
    ("unemployment_rate_change_year", "numerator", "unemployed",
     "field numerator: 'unemployed' must be null for a derived indicator"),
    ("integration_plan", "availability", "register", "field availability: 'register' is not one of public, customer_register"),
    ("integration_plan", "numerator", "", "field numerator: '' must describe the register concept in words"),
    ("population", "last_period", "2023", "field last_period: '2023' is no longer written in the registry"),
])
def test_rules_of_derived_and_register_indicators(document, ident, field, value, message):
    entry(document, ident)[field] = value
    with pytest.raises(DefinitionError, match=message):
        parse(document)


def test_derivation_cycle_is_refused(document):
    entry(document, "unemployment_rate_change_year")["derive"] = {"op": "change_year", "of": "unemployment_rate_ma12"}
    entry(document, "unemployment_rate_ma12")["derive"] = {"op": "moving_average_12", "of": "unemployment_rate_change_year"}
    with pytest.raises(DefinitionError, match="derivation refers back to itself"):
        parse(document)


def test_shipped_registry_has_complete_metadata():
    registry = load_registry()
    assert len(registry) >= 30
    for indicator in registry.values():
        for language in ("fi", "sv", "en"):
            assert indicator.name[language] and indicator.description[language] and indicator.interpretation[language]
        if indicator.computable:
            assert all(indicator_coverage(indicator.id)), indicator.id  # read from the data
        else:
            assert indicator.source == "customer_register"

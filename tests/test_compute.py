import numpy as np
import pandas as pd
import pytest

from ohti.errors import PeriodError, UnknownAreaError, UnknownIndicatorError, UnknownLevelError
from ohti.indicators import compute
from ohti.indicators.compute import VALUE_COLUMNS, check_periods, compute_values
from ohti.sources import access


def source_rows(unit_level, variable, period):
    tidy = access.load_employment_statistics()
    rows = tidy[(tidy["unit_level"] == unit_level) & (tidy["variable"] == variable) & (tidy["period"] == period)]
    return rows.set_index("unit_code")["value"]


def test_national_unemployed_is_the_published_figure():
    # TEM, Työllisyyskatsaus lokakuu 2023: 256 070 unemployed job seekers at the end of October.
    values = compute_values("unemployed", "national", periods=["2023-10"])
    assert values.columns.tolist() == VALUE_COLUMNS
    assert values["value"].tolist() == [256070]
    # The sum of municipalities is smaller: job seekers with no known municipality.
    municipal = compute_values("unemployed", "municipality", periods=["2023-10"])
    assert municipal["value"].sum() == 255795


@pytest.mark.parametrize("variable", ["unemployed", "labour_force", "vacancies"])
@pytest.mark.parametrize("level,unit_level", [("ely", "ely"), ("maakunta", "maakunta")])
def test_complete_sums_equal_the_source_rows(variable, level, unit_level):
    published = access.component_matrix(variable, unit_level)
    computed = compute_values(variable, level)
    complete = computed[computed["note"] == ""]
    expected = published.stack().rename("published").reset_index()
    expected.columns = ["area_code", "period", "published"]
    merged = complete.merge(expected, on=["area_code", "period"])
    assert len(merged) > 0.9 * len(complete)
    assert np.allclose(merged["value"], merged["published"])


def test_incomplete_sums_are_kept_and_say_so():
    values = compute_values("vacancies", "area", periods=["2023-10"])
    incomplete = values[values["note"].str.startswith("incomplete")]
    assert len(incomplete) == 20  # DOMAIN.md: 20 of the 45 areas lack a municipality's vacancies in 2023-10
    savonlinna = values.set_index("area_code").loc["36"]
    assert savonlinna["note"] == "incomplete: vacancies not published for 2 of 4 municipalities"
    assert savonlinna["value"] == 156  # Rantasalmi 22 + Savonlinna 134; Enonkoski and Sulkava suppressed


def test_unemployment_rate_of_an_area_is_worked_by_hand_from_sums():
    # Savonlinna employment area, 2023-10, source rows of 12r5:
    # Enonkoski 41 / 520, Rantasalmi 116 / 1351, Savonlinna 1532 / 13636, Sulkava 81 / 910.
    unemployed = 41 + 116 + 1532 + 81
    labour_force = 520 + 1351 + 13636 + 910
    row = compute_values("unemployment_rate", "area", periods=["2023-10"], codes=["36"]).iloc[0]
    assert row["numerator"] == unemployed == 1770
    assert row["denominator"] == labour_force == 16417
    assert row["value"] == pytest.approx(100 * 1770 / 16417)  # 10.78…
    rates = [41 / 520, 116 / 1351, 1532 / 13636, 81 / 910]
    assert row["value"] != pytest.approx(100 * sum(rates) / 4)  # never an average of rates


def test_area_equals_sum_of_its_municipalities_in_every_month():
    area = compute_values("unemployed", "area", codes=["02"])
    from ohti.sources.areas import members as area_members

    members = list(area_members("area", "02").index)
    municipal = compute_values("unemployed", "municipality", codes=members)
    summed = municipal.groupby("period")["value"].sum(min_count=1)
    complete = area[area["note"] == ""].set_index("period")["value"]
    assert np.allclose(complete, summed.loc[complete.index])


def test_mantyharju_includes_pertunmaa_history():
    row = compute_values("unemployed", "municipality", periods=["2023-10"], codes=["507"]).iloc[0]
    assert row["value"] == 211 + 66  # KU507 211 and KU588 66 in the source, 2023-10


def test_fully_suppressed_value_is_missing_with_reason():
    values = compute_values("vacancies", "municipality", periods=["2023-10"], codes=["046"])
    assert np.isnan(values["value"].iloc[0])
    assert values["note"].iloc[0] == "vacancies not published (suppressed in source)"


def test_ratio_carries_incompleteness_of_its_numerator():
    row = compute_values("vacancies_per_unemployed", "area", periods=["2023-10"], codes=["36"]).iloc[0]
    assert row["value"] == pytest.approx(156 / 1770)
    assert "incomplete: vacancies not published for 2 of 4" in row["note"]


def test_all_levels_and_periods_at_once():
    for level, count in [("municipality", 308), ("area", 45), ("ely", 16), ("maakunta", 19), ("evk", 10), ("national", 1)]:
        values = compute_values("unemployment_rate", level, periods=["2022-01", "2023-10"])
        assert len(values) == 2 * count
        assert values["area_name"].notna().all()


@pytest.mark.parametrize("call,error,message", [
    (lambda: compute_values("nope", "area"), UnknownIndicatorError, "unknown indicator 'nope'"),
    (lambda: compute_values("unemployed", "region"), UnknownLevelError, "unknown level 'region'"),
    (lambda: compute_values("unemployed", "area", codes=["77"]), UnknownAreaError, "unknown area code '77'"),
    (lambda: compute_values("unemployed", "area", periods=["2026-07"]), PeriodError, "outside the data \\(2006-01 … 2026-06\\)"),
    (lambda: check_periods(["2024-01"]), PeriodError, "has no data: the loaded statistics have a gap 2023-11 … 2026-05"),
    (lambda: compute_values("unemployed", "area", periods=["10/2023"]), PeriodError, "give a month YYYY-MM within that range"),
])
def test_bad_parameters_raise_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_input_frames_are_not_modified():
    before = access.load_employment_statistics().copy()
    compute_values("unemployment_rate", "area", periods=["2023-10"])
    pd.testing.assert_frame_equal(before, access.load_employment_statistics())


def test_coded_notes_join_cell_by_cell_and_keep_each_part_once():
    first = compute._flag(np.array([[True, False], [True, False]]), "a")
    second = compute._keyed(np.array([[0, 7], [7, 0]]), lambda key: f"b{key}")
    third = compute._flag(np.array([[True, True], [False, False]]), "a")
    codes, texts = compute._join(first, second, third)
    assert np.asarray(texts, dtype=object)[codes].tolist() == [["a", "b7; a"], ["a; b7", ""]]
    assert texts[0] == "" and "" not in texts[1:]


def test_every_note_text_is_written_once_however_many_cells_share_it():
    rendered = []
    keys = np.array([[3, 3, 0], [5, 3, 5]])
    codes, texts = compute._keyed(keys, lambda key: rendered.append(key) or f"k{key}")
    assert sorted(rendered) == [3, 5]
    assert np.asarray(texts, dtype=object)[codes].tolist() == [["k3", "k3", ""], ["k5", "k3", "k5"]]


def test_a_month_of_the_gap_has_no_value_and_says_why():
    """2023-11 … 2026-05 are not in the shipped snapshot: a month there is no error inside a
    series, has no value, and the change from a year before needs the month a year before."""
    gap = compute_values("unemployed", "area", periods=["2024-01"], codes=["01"]).iloc[0]
    assert np.isnan(gap["value"]) and gap["note"] == "no data for this period"
    change = compute_values("unemployment_rate_change_year", "area", periods=["2026-06"], codes=["01"]).iloc[0]
    assert np.isnan(change["value"]) and "no data a year before" in change["note"]
    # a 12-month moving average runs over consecutive months, never across the gap
    average = compute_values("unemployment_rate_ma12", "national", periods=["2023-10", "2026-06"])
    assert average["value"].notna().tolist() == [True, False]


def test_2026_06_figures_equal_the_published_rows():
    """KEHA-keskus, Työnvälitystilasto (StatFin 12r5), 2026M06, whole-country row: 352 001
    unemployed, labour force 2 743 596 (12,8 %), 26 641 open vacancies, 144 461 long-term
    unemployed, 53 812 foreign citizens unemployed."""
    def national(ident):
        return compute_values(ident, "national", periods=["2026-06"])["value"].iloc[0]

    assert national("unemployed") == 352001 and national("labour_force") == 2743596
    assert round(national("unemployment_rate"), 1) == 12.8
    assert national("vacancies") == 26641
    assert national("long_term_unemployed") == 144461
    assert national("foreign_unemployed") == 53812
    assert national("long_term_unemployed_share") == pytest.approx(100 * 144461 / 352001)


@pytest.mark.parametrize("indicator,variable,complete_at_least", [
    ("long_term_unemployed", "long_term_unemployed", 12), ("unemployed_women", "unemployed_women", 12),
    ("foreign_unemployed", "unemployed_foreign", 1), ("laid_off", "laid_off", 1),
    ("in_subsidised_employment", "in_subsidised_employment", 1), ("in_labour_market_training", "in_labour_market_training", 1),
    ("new_vacancies", "new_vacancies", 0),
])
@pytest.mark.parametrize("level", ["ely", "maakunta"])
def test_2026_group_sums_equal_the_published_ely_and_region_rows(indicator, variable, complete_at_least, level):
    """The ELY and region rows of the 2026-06 response (KEHA-keskus, 12r5) equal the sums of
    their municipalities wherever no member is suppressed; a sum with a suppressed member says
    so and is never above the published row."""
    published = access.component_matrix(variable, level)["2026-06"].dropna()
    computed = compute_values(indicator, level, periods=["2026-06"]).set_index("area_code")
    complete = computed[computed["note"] == ""]
    shared = complete.index.intersection(published.index)
    assert len(shared) >= complete_at_least
    assert np.allclose(complete.loc[shared, "value"], published[shared])
    incomplete = computed[computed["note"].str.startswith("incomplete")]
    assert (incomplete["value"] <= published.reindex(incomplete.index).fillna(np.inf)).all()

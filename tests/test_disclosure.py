"""Disclosure control: primary and secondary suppression of small counts of persons.

Method: the threshold rule with secondary cell suppression (Hundepool et al. 2012, Statistical
Disclosure Control, ch. 5; Statistics Finland's output checking). Real cases come from the
shipped data: the key figures' foreign citizens (share × population) in Luhanka and
Pelkosenniemi 2016 are 3 and 5 persons, and Åland's smallest municipalities have 5–9
unemployed job seekers in October 2023.
"""

import io

import numpy as np
import pandas as pd
import pytest

from ohti import cli
from ohti.errors import ParameterError
from ohti.indicators import disclosure
from ohti.indicators.comparison import compare_values
from ohti.indicators.compute import compute_values
from ohti.indicators.disclosure import apply_disclosure, person_columns, suppress_counts
from ohti.indicators.registry import load_registry
from ohti.sources.variables import PERSON_VARIABLES, VARIABLES


def frame(values, codes=None, level="municipality", period="2023-10", indicator="x"):
    codes = codes or [chr(ord("a") + i) for i in range(len(values))]
    values = np.asarray(values, dtype=float)
    return pd.DataFrame({"level": level, "area_code": codes, "period": period, "indicator": indicator,
                         "value": values, "numerator": values, "denominator": np.nan, "note": ""})


def links(codes, parent="P", level="municipality", parent_level="area"):
    return pd.DataFrame({"level": level, "area_code": codes, "parent_level": parent_level, "parent_code": parent})


def statuses(result):
    return result["disclosure"].tolist()


# --- which values count persons ---------------------------------------------------------------

@pytest.mark.parametrize("indicator,columns", [
    ("unemployed", ("value", "numerator")),
    ("labour_force", ("value", "numerator")),
    ("unemployment_rate", ("numerator", "denominator")),
    ("long_term_unemployed_share", ("numerator", "denominator")),
    ("vacancies", ()),
    ("vacancies_per_unemployed", ("denominator",)),
    ("filled_vacancy_mean_days", ()),
    ("unemployed_change_year_pct", ("numerator", "denominator")),
    ("unemployment_rate_change_year", ()),
    ("unemployed_annual_average", ("value", "numerator")),
    ("unemployment_rate_ma12", ("numerator", "denominator")),
    ("filled_to_new_vacancies", ()),
    ("initial_interview_within_5_days", ()),
])
def test_person_columns_follow_the_registry(indicator, columns):
    assert person_columns(indicator) == columns


def test_every_count_in_persons_is_made_of_person_variables():
    counts = [indicator for indicator in load_registry().values()
              if indicator.computable and not indicator.derive and indicator.unit["fi"] == "henkilöä"]
    assert len(counts) >= 5
    for indicator in counts:
        assert set(indicator.numerator) <= PERSON_VARIABLES, indicator.id
    assert {"vacancies", "new_vacancies", "jobs"}.isdisjoint(PERSON_VARIABLES)
    assert PERSON_VARIABLES <= set(VARIABLES)


# --- the rule on a small frame ----------------------------------------------------------------

def test_primary_suppression_below_the_threshold_not_zero():
    result = suppress_counts(frame([0, 1, 4, 5, 120, np.nan]), 5, count_columns=("numerator",), links=links([]))
    assert statuses(result) == ["", "primary", "primary", "", "", ""]
    assert result["value"].isna().tolist() == [False, True, True, False, False, True]
    assert result["note"].tolist()[1] == "suppressed: fewer than 5 persons"


def test_threshold_is_a_setting():
    data = frame([3, 4, 40, 50])
    assert statuses(suppress_counts(data, 3, count_columns=("numerator",), links=links([]))) == ["", "", "", ""]
    assert statuses(suppress_counts(data, 5, count_columns=("numerator",), links=links([]))) == ["primary", "primary", "", ""]


def test_lone_suppressed_member_gets_the_next_smallest_suppressed_too():
    # area total published: Luhanka-like 3 could be had as total − the others; 12 is the next smallest
    data = frame([3, 40, 12, 0, 300])
    result = suppress_counts(data, 5, count_columns=("numerator",), links=links(list("abcde")))
    assert statuses(result) == ["primary", "", "secondary", "", ""]  # a zero is not chosen: it would not protect
    assert result.loc[2, "note"] == "suppressed: could reveal a suppressed cell (secondary)"


def test_two_suppressed_members_protect_each_other():
    result = suppress_counts(frame([3, 2, 40, 12]), 5, count_columns=("numerator",), links=links(list("abcd")))
    assert statuses(result) == ["primary", "primary", "", ""]


def test_members_missing_in_the_source_do_not_protect():
    # the parent sum leaves out what the source did not publish, so 3 = total − 40 − 12 still
    result = suppress_counts(frame([3, np.nan, 40, 12]), 5, count_columns=("numerator",), links=links(list("abcd")))
    assert statuses(result) == ["primary", "", "", "secondary"]


def test_no_secondary_where_the_parent_is_not_published():
    data = pd.concat([frame([3, 40, 12]), frame([np.nan], codes=["P"], level="area")], ignore_index=True)
    result = suppress_counts(data, 5, count_columns=("numerator",), links=links(list("abc")))
    assert statuses(result) == ["primary", "", "", ""]


def test_parent_is_suppressed_where_no_member_is_left():
    data = pd.concat([frame([3, np.nan]), frame([30], codes=["P"], level="area")], ignore_index=True)
    result = suppress_counts(data, 5, count_columns=("numerator",), links=links(list("ab")))
    assert statuses(result) == ["primary", "", "secondary"]


def test_secondary_suppression_reaches_every_hierarchy():
    # a in area P and region R; c is in P only, d in R only: one more cell is needed in R
    data = frame([3, 40, 12, 20, 25], codes=list("abcde"))
    both = pd.concat([links(list("abc"), "P"), links(["a", "d", "e"], "R", parent_level="maakunta")])
    result = suppress_counts(data, 5, count_columns=("numerator",), links=both)
    assert statuses(result) == ["primary", "", "secondary", "secondary", ""]


def test_suppression_is_recorded_and_the_input_is_unchanged():
    data = frame([3, 40, 12]).assign(lower=1.0, upper=9.0, significance="higher", note=["", "", "incomplete: x"])
    before = data.copy()
    result = suppress_counts(data, 5, count_columns=("numerator",), links=links(list("abc")))
    pd.testing.assert_frame_equal(data, before)
    assert result.loc[0, ["value", "numerator", "lower", "upper"]].isna().all()
    assert result["significance"].tolist() == ["not compared", "higher", "not compared"]
    assert result.loc[2, "note"] == "suppressed: could reveal a suppressed cell (secondary); incomplete: x"
    again = suppress_counts(result, 5, count_columns=("numerator",), links=links(list("abc")))
    pd.testing.assert_frame_equal(again, result)  # applying the gate twice changes nothing


@pytest.mark.parametrize("threshold", [0, -5, 2.5, True])
def test_threshold_must_be_a_whole_number(threshold):
    with pytest.raises(ParameterError, match="is not a whole number ≥ 1"):
        suppress_counts(frame([3]), threshold, count_columns=("numerator",))


def test_frame_without_the_value_columns_is_refused():
    with pytest.raises(ParameterError, match="needs the column\\(s\\) numerator, denominator"):
        apply_disclosure(pd.DataFrame({"level": ["area"], "area_code": ["01"], "period": ["2023-10"],
                                       "value": [1.0], "indicator": ["unemployed"]}))


# --- the gate on real data --------------------------------------------------------------------

def test_real_small_counts_are_suppressed_with_secondary_cells():
    result = apply_disclosure(compare_values("foreign_citizens_share", "municipality", periods=["2016"]))
    hidden = result[result["disclosure"] != ""].set_index("area_name")["disclosure"].to_dict()
    # Luhanka 0.4 % of 756 = 3 persons, Pelkosenniemi 0.5 % of 951 = 5 (4.8 before rounding)
    assert hidden == {"Luhanka": "primary", "Multia": "secondary", "Pelkosenniemi": "primary", "Savukoski": "secondary"}
    assert result.loc[result["area_name"] == "Luhanka", ["value", "numerator", "lower"]].isna().all(axis=None)


def test_no_lone_suppressed_cell_is_left_in_any_group():
    for indicator, period, threshold in (("swedish_speakers_share", "2016", None), ("unemployed", "2023-10", 40)):
        values = pd.concat([compute_values(indicator, level, periods=[period])
                            for level in ("municipality", "area", "ely", "maakunta", "evk", "national")])
        result = apply_disclosure(values, threshold=threshold)
        assert (result["disclosure"] == "primary").sum() >= 3
        status = result.set_index(["level", "area_code"])["disclosure"]
        members = disclosure.parent_links().assign(
            hidden=lambda t: status.reindex(pd.MultiIndex.from_frame(t[["level", "area_code"]])).to_numpy() != "")
        assert members["hidden"].any() and not members["hidden"].all()  # the groups are read from the gate
        lone = members.groupby(["level", "parent_level", "parent_code"])["hidden"].sum() == 1
        for level, parent_level, parent_code in lone[lone].index:
            assert status.get((parent_level, parent_code), "") != ""  # only where the total is hidden too


def test_the_same_cells_are_suppressed_in_a_part_and_in_the_whole():
    whole = apply_disclosure(compute_values("swedish_speakers_share", "municipality", periods=["2016"]))
    codes = ["046", "091", "213", "435"]
    part = apply_disclosure(compute_values("swedish_speakers_share", "municipality", periods=["2016"], codes=codes))
    expected = whole.set_index("area_code")["disclosure"]
    assert part.set_index("area_code")["disclosure"].to_dict() == expected[codes].to_dict()
    assert {"", "primary", "secondary"} <= set(expected[codes])


def test_published_area_figures_pass_the_default_threshold():
    # the source itself leaves out 1–4 persons, so nothing at the area level is below 5
    result = apply_disclosure(compare_values("unemployed", "area", periods=["2023-10"]))
    assert (result["disclosure"] == "").all() and result["value"].notna().all()


def test_a_higher_threshold_suppresses_alands_smallest_municipalities():
    result = apply_disclosure(compute_values("unemployed", "municipality", periods=["2023-10"]), threshold=10)
    hidden = set(result.loc[result["disclosure"] == "primary", "area_name"])
    assert hidden == {"Föglö", "Geta", "Vårdö"}  # 5, 8 and 9 unemployed job seekers
    assert result.loc[result["disclosure"] != "", "note"].str.startswith("suppressed: fewer than 10 persons").all()


def test_a_change_in_a_year_inherits_the_suppression_of_a_year_before():
    # the change of a rate counts no person itself, but it reveals the rate it is computed from
    change = apply_disclosure(compute_values("unemployment_rate_change_year", "municipality", periods=["2023-10"]),
                              threshold=10)
    before = apply_disclosure(compute_values("unemployment_rate", "municipality", periods=["2022-10", "2023-10"]),
                              threshold=10)
    hidden_before = set(before.loc[before["disclosure"] != "", "area_code"])
    assert set(change.loc[change["disclosure"] != "", "area_code"]) == hidden_before
    assert {"035", "318"} <= hidden_before - set(before.loc[(before["disclosure"] != "") & (before["period"] == "2023-10"),
                                                             "area_code"])


def test_values_inherit_from_what_they_are_computed_from():
    assert disclosure._inputs("unemployment_rate_change_year", "2023-10") == [
        ("unemployment_rate", "2023-10"), ("unemployment_rate", "2022-10")]
    assert [p for _, p in disclosure._inputs("unemployment_rate_ma12", "2023-10")][-1] == "2022-11"
    assert len(disclosure._inputs("unemployed", "2022")) == 12  # a year of a monthly count: its months
    assert disclosure._inputs("unemployed", "2022-10") == []


def test_gate_keeps_rows_columns_and_order():
    values = compare_values("unemployment_rate", "area", periods=["2023-09", "2023-10"]).iloc[::-1]
    result = apply_disclosure(values)
    assert result.index.tolist() == values.index.tolist()
    assert result.columns.tolist() == [*values.columns, "disclosure"]


# --- ohti values ------------------------------------------------------------------------------

def test_values_csv_applies_the_gate_and_says_why(capsys):
    argv = ["values", "--indicator", "foreign_citizens_share", "--level", "municipality", "--period", "2016",
            "--area", "435"]
    assert cli.main(argv) == 0
    published = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype={"area_code": str})
    assert published.columns.tolist()[-6:] == ["lower", "upper", "significance", "rank", "rank_lower", "rank_upper"]
    assert np.isnan(published.loc[0, "rank"])  # a suppressed value has no rank
    assert np.isnan(published.loc[0, "value"]) and np.isnan(published.loc[0, "numerator"])
    assert published.loc[0, "note"] == "suppressed: fewer than 5 persons"
    assert cli.main([*argv, "--no-disclosure"]) == 0
    internal = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype={"area_code": str})
    assert internal.loc[0, "numerator"] == pytest.approx(3.024)


# --- what the documents read from the gate ----------------------------------------------------

def test_suppression_can_be_told_from_missing_data_by_its_note():
    data = frame([3, 40, 12, 0, np.nan]).assign(note=["", "incomplete: x", "", "", "no data for this period"])
    result = suppress_counts(data, 5, count_columns=("numerator",), links=links(list("abcde")))
    assert statuses(result) == ["primary", "", "secondary", "", ""]
    assert disclosure.is_suppressed(result["note"]).tolist() == [True, False, True, False, False]
    assert disclosure.is_suppressed([None, np.nan, ""]).tolist() == [False, False, False]
    # compare_values drops the status column; the notes still say which values the gate hid
    gated = apply_disclosure(compute_values("unemployed", "municipality", periods=["2023-10"]), threshold=10)
    assert (disclosure.is_suppressed(gated["note"]) == (gated["disclosure"] != "")).all()


def _expected_inputs(indicator="unemployment_rate", period="2026-06"):
    from ohti.analysis.expected import fit_expected

    result = fit_expected(indicator, period, disclosure=False)
    exposure = compute_values(indicator, "area", periods=[period]).set_index("area_code")["denominator"]
    return result, exposure.reindex(result.table["area_code"]).to_numpy()


def test_expected_events_are_suppressed_like_counts_of_persons():
    # Σ expected = Σ observed, the nation's published total: a lone small expected count could be
    # derived from the others, so the next smallest goes too (threshold 5: no observed is hidden)
    from ohti.analysis.expected import EXPECTED_COLUMNS, OBSERVED_COLUMNS, disclose_expected

    result, exposure = _expected_inputs()
    table = result.table.copy()
    table.loc[table["area_code"] == "40", "expected_events"] = 3.0
    before = table.copy()
    gated = disclose_expected(table, "unemployment_rate", "2026-06", exposure, threshold=5)
    pd.testing.assert_frame_equal(table, before)  # a new frame
    hidden = gated.loc[gated["expected"].isna(), "area_code"].tolist()
    published = table[table["area_code"] != "40"]
    next_smallest = published.loc[published["expected_events"].idxmin(), "area_code"]
    assert sorted(hidden) == sorted(["40", next_smallest])
    assert gated.loc[gated["area_code"].isin(hidden), list(EXPECTED_COLUMNS)].isna().all(axis=None)
    observed_only = [c for c in OBSERVED_COLUMNS if c not in EXPECTED_COLUMNS]
    assert gated[observed_only].notna().all(axis=None)  # the observed counts are all published
    assert gated.loc[gated["area_code"].isin(hidden), ["excess", "excess_lower", "excess_upper"]].isna().all(axis=None)
    notes = gated.set_index("area_code")["note"]
    assert notes["40"].startswith("suppressed: fewer than 5 persons")
    assert notes[next_smallest].startswith("suppressed: could reveal a suppressed cell (secondary)")


def test_expected_table_hides_what_the_gate_hides_of_the_outcome():
    from ohti.analysis.expected import fit_expected

    internal = fit_expected("unemployment_rate", "2026-06", disclosure=False)
    result = fit_expected("unemployment_rate", "2026-06", threshold=2500)
    gate = apply_disclosure(compare_values("unemployment_rate", "area", periods=["2026-06"], disclosure=False),
                            threshold=2500)
    suppressed = set(gate.loc[gate["disclosure"] != "", "area_code"])
    table = result.table.set_index("area_code")
    assert "36" in suppressed and len(suppressed) >= 5  # Savonlinna: 1 981 unemployed
    assert set(table.index[table["observed"].isna()]) == suppressed
    assert table.loc[sorted(suppressed), ["events", "ratio", "lower", "upper", "expected", "expected_events"]].isna().all(axis=None)
    assert (table.loc[sorted(suppressed), "significance"] == "not compared").all()
    shown = table[table["events"].notna()]
    assert (shown["events"] >= 2500).all() and (shown["expected_events"].dropna() >= 2500).all()
    pd.testing.assert_frame_equal(result.coefficients, internal.coefficients)  # the model is the same
    # the registry's threshold (5): nothing at the area level is small, the table is the fit's
    default = fit_expected("unemployment_rate", "2026-06").table
    pd.testing.assert_frame_equal(default, internal.table)

"""One verdict per figure: every table, chart and funnel judges a value by the same rule; ranks
come with their intervals; the expected-value model does not explain an outcome by itself;
the seasonally adjusted line stays near the raw one.

These tests read real data for all 45 employment areas.
"""

from __future__ import annotations

import collections

import numpy as np
import pandas as pd
import pytest

from ohti.analysis.expected import fit_expected, model_spec
from ohti.analysis.structure import STRUCTURAL_COMPONENTS, covariate_components
from ohti.documents.content import adjusted_window, area_indicator_tables, funnel_data, league_table
from ohti.indicators.comparison import compare_values
from ohti.indicators.registry import get_indicator, indicator_ids
from ohti.sources.access import periods
from ohti.stats.funnels import funnel_significance, overdispersed_limits
from ohti.stats.seasonal import seasonally_adjust

pytestmark = pytest.mark.slow  # reads every area's real data and fits models

PERIODS = ("2026-06", "2023-10")
FUNNEL_VERDICT = {"higher_is_better": {"low": "worse", "high": "better"},
                  "lower_is_better": {"low": "better", "high": "worse"},
                  "neutral": {"low": "lower", "high": "higher"}}


@pytest.fixture(scope="module", params=PERIODS)
def tables(request):
    return request.param, area_indicator_tables(request.param)


def test_every_verdict_is_the_funnels(tables):
    """The verdict of each area's table row (which the summary, the spine chart and the maps
    read) is the funnel plot's: inside the 95 % limits is "similar", outside is better or worse
    by the polarity. Checked for every area and every indicator that has a funnel."""
    period, table = tables
    checked = collections.Counter()
    for ident, rows in table.groupby("indicator"):
        indicator = get_indicator(ident)
        if indicator.comparison_method != "overdispersed":
            continue
        shown = rows["period"].iloc[0]
        funnel = funnel_data(ident, shown)
        if funnel.values.empty:
            continue
        position = funnel.values.set_index("area_code")["position"]
        expected = position.map(lambda p: "similar" if p.startswith("within") else
                                FUNNEL_VERDICT[indicator.polarity][p.rsplit(" ", 1)[1]])
        verdict = rows.set_index("area_code")["significance"].reindex(expected.index)
        assert (verdict == expected).all(), (ident, period, verdict[verdict != expected].to_dict())
        checked[ident] = len(expected)
    assert len(checked) >= (10 if period == "2026-06" else 4) and min(checked.values()) >= 40, checked


def test_the_plain_interval_would_flag_most_areas_the_rule_does_not():
    """Why the rule: with the areas' large denominators the Wilson interval alone calls most
    areas different from the country (the validity analysis finds 89 %); allowing for the
    overdispersion, as the funnels do, a minority."""
    rule = compare_values("unemployment_rate", "area", periods=["2026-06"])
    different = (rule["significance"] != "similar").mean()
    assert 0 < different < 0.4
    from ohti.stats.intervals import compare_with_reference, wilson_limits

    lower, upper = wilson_limits(rule["numerator"], rule["denominator"])
    national = float(compare_values("unemployment_rate", "national", periods=["2026-06"])["value"].iloc[0])
    naive = compare_with_reference(rule["value"], lower * 100, upper * 100, national, "lower_is_better")
    assert (naive != "similar").mean() > 0.8


def test_a_subset_of_areas_is_judged_as_among_all():
    every = compare_values("unemployment_rate", "area", periods=["2026-06"]).set_index("area_code")
    some = compare_values("unemployment_rate", "area", periods=["2026-06"], codes=["36", "40"]).set_index("area_code")
    assert list(some.index) == ["36", "40"]
    assert some["significance"].equals(every.loc[["36", "40"], "significance"])
    assert np.allclose(some["lower"], every.loc[["36", "40"], "lower"])


def test_counts_are_neither_compared_nor_ranked(tables):
    _, table = tables
    counts = table[table["indicator"].map(lambda i: get_indicator(i).statistic == "count")]
    assert len(counts) >= 45 * 3
    assert (counts["significance"] == "not compared").all()
    assert counts["rank"].isna().all() and counts["rank_lower"].isna().all()


def test_every_rank_shown_has_its_interval_and_lies_in_it(tables):
    period, table = tables
    ranked = table[table["rank"].notna()]
    assert len(ranked) >= 45 * (5 if period == "2026-06" else 3)
    assert ranked["rank_lower"].notna().all() and ranked["rank_upper"].notna().all()
    assert ((ranked["rank_lower"] <= ranked["rank"]) & (ranked["rank"] <= ranked["rank_upper"])).all()
    assert (table.loc[~table["current"], "rank"].isna()).all()  # another period than the document's
    incomplete = table["note"].fillna("").str.contains("incomplete|vajaa", case=False)
    assert table.loc[incomplete, "rank"].isna().all()


def test_the_league_table_ranks_with_intervals():
    league = league_table("unemployment_rate", "2026-06")
    assert len(league) == 45 and league["rank"].notna().all()
    assert list(league["rank"]) == sorted(league["rank"])
    assert ((league["rank_lower"] <= league["rank"]) & (league["rank"] <= league["rank_upper"])).all()
    assert league.columns[-2:].tolist() == ["rank_lower", "rank_upper"]  # extended, not renamed


def test_overdispersed_limits_agree_with_the_funnel_by_hand():
    # 10 % of 2,500 against 8 %, τ² = 1 (percentage points squared):
    # s² = 0.08·0.92/2500 = 2.944e-5 → 0.2944 on the percentage scale; 1.96·sqrt(1.2944) = 2.2299.
    lower, upper = overdispersed_limits([10.0, 12.5], [2500, 2500], 8.0, statistic="proportion",
                                        multiplier=100, tau2=1.0)
    assert lower[0] == pytest.approx(10 - 2.2299, abs=1e-3) and upper[0] == pytest.approx(10 + 2.2299, abs=1e-3)
    position = funnel_significance([10.0, 12.5], [2500, 2500], 8.0, statistic="proportion", multiplier=100,
                                   tau2=1.0, confidence=(0.95,))
    assert list(position) == ["within 95%", "outside 95% high"]
    assert lower[1] > 8.0  # the limits exclude the target exactly when the funnel says outside


def test_no_expected_covariate_shares_a_component_with_its_outcome():
    spec = model_spec()["expected"]
    assert spec["outcomes"] and spec["covariates"]
    for outcome in spec["outcomes"]:
        indicator = get_indicator(outcome)
        parts = set(indicator.numerator) | set(indicator.denominator)
        for name in spec["covariates"]:
            shared = parts & covariate_components(name)
            assert not shared, f"{name} is computed from {sorted(shared)}, a component of {outcome}"


def test_the_component_rule_catches_a_circular_covariate():
    unemployment = get_indicator("unemployment_rate")
    assert covariate_components("tightness") & set(unemployment.numerator)  # vacancies per unemployed
    assert covariate_components("log_labour_force") & set(unemployment.denominator)
    assert set(STRUCTURAL_COMPONENTS) | {"net_migration", "over_64_share"} >= set(model_spec()["expected"]["covariates"])


def test_observed_minus_expected_in_persons():
    table = fit_expected("unemployment_rate", "2026-06").table.dropna(subset=["excess"])
    assert len(table) >= 40
    assert np.allclose(table["excess"], table["events"] - table["expected_events"])
    assert ((table["excess_lower"] <= table["excess"]) & (table["excess"] <= table["excess_upper"])).all()
    apart = (table["excess_lower"] > 0) | (table["excess_upper"] < 0)
    assert (apart == (table["significance"] != "similar")).all()


def _seasonal_amplitude(series: pd.Series) -> float:
    """The largest mean deviation of a calendar month from the centred 12-month moving average
    before 2020 (classical decomposition): how far the season moves this series."""
    before = series[series.index <= pd.Period("2019-12", "M")]
    trend = before.rolling(12, center=True).mean().rolling(2).mean().shift(-1)
    return float((before - trend).groupby(before.index.month).mean().abs().max())


def test_the_seasonally_adjusted_line_stays_near_the_raw_one():
    """For every area, over the five years a 2023-10 document shows (which contain the spring of
    2020), the seasonally adjusted unemployment rate differs from the raw rate by at most 1.75
    times the seasonal amplitude the area's own series showed before 2020 (the season may
    drift, hence the margin). STL fitted on the five years shown took part of the 2020 shock
    into the season and broke the band (e.g. Espoo-Kauniainen's spring 2019: 6.3 % against a
    raw 7.4 %); fitted on the whole history it keeps it."""
    history = [p for p in periods() if p <= "2023-10"]
    values = compare_values("unemployment_rate", "area", periods=history)
    wide = values.pivot(index="period", columns="area_code", values="value")
    wide.index = pd.PeriodIndex(wide.index, freq="M")
    shown = pd.period_range("2018-11", "2023-10", freq="M")
    ratios, window_ratios = {}, {}
    for code in wide.columns:
        series = wide[code]
        amplitude = _seasonal_amplitude(series)
        raw = series.reindex(shown).to_numpy()
        ratios[code] = np.nanmax(np.abs(adjusted_window(series, shown, "2023-10") - raw)) / amplitude
        window_ratios[code] = np.nanmax(np.abs(seasonally_adjust(series.reindex(shown))["adjusted"].to_numpy() - raw)) / amplitude
    assert len(ratios) == 45
    assert max(ratios.values()) <= 1.75, {c: r for c, r in ratios.items() if r > 1.75}
    assert max(window_ratios.values()) > 1.75  # the band tells the two fits apart


def test_every_indicator_has_one_comparison_method():
    methods = {ident: get_indicator(ident).comparison_method for ident in indicator_ids()}
    assert set(methods.values()) <= {"overdispersed", "interval", "none"}
    assert methods["unemployment_rate"] == "overdispersed" and methods["unemployed"] == "none"


# --- a condensation a researcher can trust ------------------------------------------------------

def test_persistence_by_hand():
    from ohti.analysis.validity import calculate_persistence

    # deviations from each year's mean: (-1, 0, 1), (-1, 0, 1), (-1, 0, 1): the same areas
    # stand out every year → 1; reversed in the third year → (2/3 - 2/3) / (4/3) = 0.
    steady = pd.DataFrame({"2021": [1, 2, 3], "2022": [2, 3, 4], "2023": [5, 6, 7]})
    assert calculate_persistence(steady, minimum=3) == pytest.approx(1.0)
    flipped = pd.DataFrame({"2021": [1, 2, 3], "2022": [2, 3, 4], "2023": [4, 3, 2]})
    assert calculate_persistence(flipped, minimum=3) == pytest.approx(0.0)
    # deviations (-1, 1) then (-2, 2): covariance 2, spreads 1 and 2 → 2 / 2 = 1 although the
    # spread doubled; noise around a common level has no persistence at all
    assert calculate_persistence(pd.DataFrame({"a": [0, 2], "b": [0, 4]}), minimum=2) == pytest.approx(1.0)
    assert np.isnan(calculate_persistence(pd.DataFrame({"a": [1, 1], "b": [2, 2]}), minimum=2))


def test_the_validity_csv_has_persistence_and_proposes_no_count_or_noise(capsys):
    import io

    from ohti import cli
    from ohti.analysis.validity import RELIABILITY_THRESHOLD, is_size

    assert cli.main(["validity", "--format", "csv", "--quiet"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert {"persistence", "reliable", "proposed"} <= set(table.columns)
    assert table["persistence"].notna().sum() >= 20
    proposed = table[table["proposed"]]
    assert len(proposed) >= 5
    assert not proposed["indicator"].map(is_size).any()
    assert (proposed["persistence"] >= RELIABILITY_THRESHOLD).all() and (proposed["icc"] >= RELIABILITY_THRESHOLD).all()
    noise = table[table["icc"] < 0.1]
    assert len(noise) and not noise["proposed"].any()


def test_the_explained_share_is_not_by_construction():
    from ohti.analysis.validity import explained_share

    # three indicators, two of them the same: choosing one explains the twin fully and the
    # third not at all → (1 + 0) / 2 left out = 0.5, not (1 + 1 + 0) / 3
    correlation = pd.DataFrame([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
                               index=list("abc"), columns=list("abc"))
    assert explained_share(correlation, ["a"]) == pytest.approx(0.5)
    assert explained_share(correlation, ["a", "b", "c"]) == 1.0


# --- series breaks ------------------------------------------------------------------------------

def test_the_breaks_apply_where_their_sources_do():
    from ohti.indicators.breaks import breaks_between, breaks_for, load_breaks

    assert {b.id for b in load_breaks()} >= {"te24", "publisher", "he108", "regions2026"}
    assert {b.id for b in breaks_for("unemployment_rate")} == {"te24", "publisher"}
    assert breaks_for("population") == ()  # the population statistics did not change
    assert "he108" in {b.id for b in breaks_for("initial_interview_within_5_days")}
    assert "regions2026" in {b.id for b in breaks_for("population", level="ely")}
    assert [b.id for b in breaks_between("unemployment_rate", "2024-06", "2025-06")] == ["te24", "publisher"]
    assert breaks_between("unemployment_rate", "2025-06", "2026-06") == ()


def test_a_trend_across_a_break_is_not_calculated_and_the_chart_marks_it():
    from ohti.documents.content import area_series

    table = area_indicator_tables("2026-06")
    rate = table[table["indicator"] == "unemployment_rate"]
    assert (rate["trend_label"] == "not calculated").all()
    assert rate["trend_reason"].str.startswith("series break").all()
    series = area_series("36", "unemployment_rate", "2026-06")
    (when, text), = series.attrs["breaks"]
    assert when == pd.Timestamp("2025-01-01") and "TE24" in text
    assert area_series("36", "unemployment_rate", "2023-10").attrs["breaks"] == []


# --- what changed since the last edition ---------------------------------------------------------

def test_what_changed_since_the_last_edition():
    from ohti.documents.content import CHANGE_KINDS, changes_since, previous_edition

    assert previous_edition("2023-10") == "2022-10"
    changes = changes_since("2023-10")
    assert len(changes) and set(changes["kind"]) <= set(CHANGE_KINDS)
    now, then = area_indicator_tables("2023-10"), area_indicator_tables("2022-10")
    for row in changes[changes["kind"] == "verdict"].itertuples():
        before = then[(then.area_code == row.area_code) & (then.indicator == row.indicator)]["significance"].item()
        after = now[(now.area_code == row.area_code) & (now.indicator == row.indicator)]["significance"].item()
        assert (row.before, row.after) == (before, after) and before != after
    for row in changes[changes["kind"] == "rank"].itertuples():  # intervals that do not overlap
        (b_rank, b_low, b_high), (a_rank, a_low, a_high) = (
            [int(x) for x in text.replace("(", " ").replace(")", " ").replace("–", " ").split()]
            for text in (row.before, row.after))
        assert a_low > b_high or a_high < b_low
    assert changes_since("2026-06").empty  # no figures for 2025-06: nothing to compare with

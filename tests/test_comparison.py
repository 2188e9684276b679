"""Intervals, significance, expected values and peers on the shipped data."""

import math

import numpy as np
import pytest

from ohti.analysis.expected import fit_expected
from ohti.analysis.peers import peer_comparison, peer_groups
from ohti.errors import ParameterError
from ohti.indicators.comparison import compare_values, count_limits, interval_limits
from ohti.indicators.registry import get_indicator
from ohti.stats.funnels import overdispersion


def wilson_by_hand(x, n, z=1.959963984540054):
    # Wilson (1927): (p + z²/2n ± z·sqrt(p(1−p)/n + z²/4n²)) / (1 + z²/n)
    p = x / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


def test_unemployment_rate_interval_and_significance():
    indicator = get_indicator("unemployment_rate")
    lower, upper = interval_limits(indicator, [1770], [16417])  # Savonlinna area, 12r5 2023-10
    by_hand = wilson_by_hand(1770, 16417)
    assert lower[0] == pytest.approx(100 * by_hand[0], rel=1e-9) and upper[0] == pytest.approx(100 * by_hand[1], rel=1e-9)
    # The whole country's 9.67 % lies below the Wilson interval (10.32 … 11.27); but the areas
    # vary far more than sampling allows, and the verdict allows for it as the funnel does:
    # limits value ± 1.96·sqrt(θ(1 − θ)/n + τ²) with τ² of the 45 areas.
    every = compare_values("unemployment_rate", "area", periods=["2023-10"])
    national = compare_values("unemployment_rate", "national", periods=["2023-10"])["value"].iloc[0]
    dispersion = overdispersion(every["value"], every["denominator"], national, "proportion", multiplier=100)
    assert dispersion.significant and dispersion.tau2 > 0
    row = every.set_index("area_code").loc["36"]
    theta = national / 100
    half = 1.959963984540054 * math.sqrt(theta * (1 - theta) / 16417 * 100**2 + dispersion.tau2)
    assert row["lower"] == pytest.approx(row["value"] - half, rel=1e-9)
    assert row["upper"] == pytest.approx(row["value"] + half, rel=1e-9)
    assert row["significance"] == ("similar" if row["lower"] <= national <= row["upper"] else "worse")
    plain = compare_values("unemployment_rate", "area", periods=["2023-10"], reference=every.set_index("area_code")["value"] * 0 + national)
    assert plain.set_index("area_code").loc["36", "significance"] == "worse"  # another reference: the interval decides


def test_rate_interval_uses_byar_and_the_denominator():
    indicator = get_indicator("unemployed_per_1000_inhabitants")
    row = compare_values("unemployed_per_1000_inhabitants", "area", periods=["2023-10"], codes=["36"]).iloc[0]
    lower, upper = interval_limits(indicator, [row["numerator"]], [row["denominator"]])
    byar = count_limits([row["numerator"]])
    assert lower[0] == pytest.approx(byar[0][0] / row["denominator"] * 1000)
    assert lower[0] < row["value"] < upper[0]
    assert row["lower"] <= lower[0] and row["upper"] >= upper[0]  # widened for overdispersion


def test_counts_and_the_nation_are_not_compared():
    counts = compare_values("unemployed", "area", periods=["2023-10"])
    assert set(counts["significance"]) == {"not compared"}
    assert counts["lower"].notna().all()  # counts still have Byar limits
    national = compare_values("unemployment_rate", "national", periods=["2023-10"])
    assert national["significance"].tolist() == ["not compared"]


def test_indicator_without_interval_method():
    rows = compare_values("unemployment_rate_change_year", "area", periods=["2023-10"])
    assert rows["lower"].isna().all() and set(rows["significance"]) == {"not compared"}


def test_count_limits_switch_to_exact_below_ten():
    from ohti.stats.intervals import byar_limits, exact_poisson_limits

    lower, upper = count_limits([9, 10])
    assert lower[0] == pytest.approx(exact_poisson_limits(np.array([9.0]))[0][0])
    assert lower[1] == pytest.approx(byar_limits(np.array([10.0]))[0][0])


def test_expected_events_add_up_to_observed():
    # A GLM with a canonical link and an intercept reproduces the total: Σ expected = Σ observed.
    for indicator in ("unemployment_rate", "unemployed_per_1000_inhabitants"):
        result = fit_expected(indicator, "2023-10")
        assert result.table["expected_events"].sum() == pytest.approx(result.table["events"].sum(), rel=1e-6)
        assert len(result.table) == 45 and result.fit["n"] == 45
        assert 0 < result.fit["pseudo_r2"] < 1 and result.fit["dispersion"] > 1
        assert (result.table["lower"] <= result.table["ratio"]).all() and (result.table["ratio"] <= result.table["upper"]).all()


def test_covariates_can_be_swapped():
    full = fit_expected("unemployment_rate", "2023-10")
    small = fit_expected("unemployment_rate", "2023-10", covariate_names=["log_labour_force"])
    assert small.coefficients["term"].tolist() == ["const", "log_labour_force"]
    assert small.fit["pseudo_r2"] < full.fit["pseudo_r2"]
    with pytest.raises(ParameterError, match="unknown covariate\\(s\\) age"):
        fit_expected("unemployment_rate", "2023-10", covariate_names=["age"])
    with pytest.raises(ParameterError, match="need a proportion or a rate; 'unemployed' is a count"):
        fit_expected("unemployed", "2023-10")


def test_peer_groups():
    groups = peer_groups("2023-10")
    assert len(groups) == 45 * 5
    assert (groups["area_code"] != groups["peer_code"]).all()
    helsinki = groups[groups["area_code"] == "08"].sort_values("rank")
    assert "23" not in set(helsinki["peer_code"])  # not Meri-Lappi
    assert helsinki["distance"].is_monotonic_increasing
    assert len(peer_groups("2023-10", k=3)) == 45 * 3
    with pytest.raises(ParameterError, match="between 1 and 44, not 45"):
        peer_groups("2023-10", k=45)


def test_peer_value_is_a_ratio_of_sums():
    from ohti.indicators.compute import compute_values

    groups = peer_groups("2023-10")
    peers = groups.loc[groups["area_code"] == "36", "peer_code"].tolist()
    values = compute_values("unemployment_rate", "area", periods=["2023-10"]).set_index("area_code").loc[peers]
    table = peer_comparison("36", {"unemployment_rate": "2023-10"})
    assert table["peers"].iloc[0] == pytest.approx(100 * values["numerator"].sum() / values["denominator"].sum())

"""ohti.stats against PHEindicatormethods' published test figures, and its own properties.

The reference figures are in tests/reference/phe (see SOURCE.txt there: PHEindicatormethods 2.1.0,
tests/testthat, commit 093fd28, UKHSA/OHID). Each test computes the same figures from the same
inputs at the same confidence levels and states its tolerance.
"""

import doctest
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as distributions

from ohti.errors import ParameterError
from ohti.stats.funnels import funnel_limits, funnel_significance, overdispersion
from ohti.stats.intervals import (
    byar_limits,
    calculate_count,
    calculate_proportion,
    calculate_rate,
    compare_with_reference,
    exact_poisson_limits,
    wilson_limits,
)

REFERENCE = Path(__file__).parent / "reference" / "phe"

# The spreadsheet figures are full doubles computed by Excel (NORMSINV, CHIINV) or R. Our values
# differ from them by at most ~2e-14 relative (floating-point rounding in the quantile functions);
# 1e-12 leaves a hundredfold margin, while any difference of formula shows at 1e-6 or worse.
SHEET_RTOL = 1e-12

# The funnel CSVs are printed to 10 significant digits (at most 9 decimals; the proportion
# limits to 6 decimals), so a value can be off by half a unit of its last printed digit. On top
# of that, PHE's Poisson funnels carry the error of a bisection:
BISECTION_STEP = 2.0**-24
"""PHE finds a Poisson funnel's expected count m by bisection on v = m / (1 + o + m) and stops
after the step 2**-24, so its m is off by up to m · 2**-24 / (v (1 - v)) relative (first order;
1 % is added for the second)."""

PHE_SIGNIFICANCE = {
    "High (0.001)": "outside 99.8% high",
    "High (0.025)": "outside 95% high",
    "Low (0.001)": "outside 99.8% low",
    "Low (0.025)": "outside 95% low",
    "Not significant": "within 95%",
}
PHE_METHOD = {"Byars": "Byar", "Exact": "Exact"}
LEVEL_NAMES = {0.95: "95", 0.998: "99_8"}
"""Column suffixes of the two levels: lower_95, upper_95, lower_99_8, upper_99_8."""


def reference(name):
    return pd.read_csv(REFERENCE / name)


def assert_close(actual, expected, rtol=0.0, atol=0.0):
    """Equal within tolerance, and missing exactly where the reference is missing."""
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected))
    allowed = np.asarray(atol, dtype=float) + rtol * np.abs(expected)
    deviation = np.abs(actual - expected)
    bad = deviation > allowed
    assert not bad.any(), (
        f"{bad.sum()} of {bad.size} values off; first at {np.flatnonzero(bad)[0]}: "
        f"{actual[bad][0]!r} vs {expected[bad][0]!r} "
        f"(allowed {np.broadcast_to(allowed, bad.shape)[bad][0]:.3g})"
    )


def half_last_digit(published):
    """Half a unit of the last printed digit (10 significant digits, at most 9 decimals)."""
    exponent = np.floor(np.log10(np.abs(published)))
    return 0.5 * np.maximum(10.0 ** (exponent - 9), 1e-9)


def bisection_tolerance(published, expected_count, observed):
    """Tolerance for a figure of PHE's Poisson funnels: bisection bound plus printing.

    The 1e-9 relative covers the rate funnel's baseline, which is used as printed (10 digits).
    """
    v = expected_count / (1 + observed + expected_count)
    relative = 1.01 * BISECTION_STEP / (v * (1 - v)) + 1e-9
    return np.abs(published) * relative + half_last_digit(published)


# --------------------------------------------------------------------------------------------
# Kernels against testdata_Byars_Wilson.xlsx
# --------------------------------------------------------------------------------------------

BYARS_WILSON = reference("byars_wilson.csv")


@pytest.mark.parametrize(
    "row",
    [row for _, row in BYARS_WILSON.iterrows()],
    ids=[f"{r.method}-x{r.x:g}-n{r.n:g}-{r.confidence}" for _, r in BYARS_WILSON.iterrows()],
)
def test_kernels_match_phe_byars_wilson(row):
    level = float(row.confidence.rstrip("%")) / 100
    if row.method == "Byars":
        lower, upper = byar_limits([row.x], level)
    else:
        lower, upper = wilson_limits([row.x], [row.n], level)
    # Byar's lower limit for 1 event at 99.8 % is negative: PHE and ohti both return NaN.
    assert_close(lower, [row.lowercl], rtol=SHEET_RTOL)
    assert_close(upper, [row.uppercl], rtol=SHEET_RTOL)


# --------------------------------------------------------------------------------------------
# calculate_proportion / calculate_rate against testdata_Proportion.xlsx / testdata_Rate.xlsx
# --------------------------------------------------------------------------------------------

INPUT_COLUMNS = ["Area", "Numerator", "Denominator"]
LIMIT_COLUMNS = {"lower_95": "lower95_0cl", "upper_95": "upper95_0cl",
                 "lower_99_8": "lower99_8cl", "upper_99_8": "upper99_8cl"}


@pytest.mark.parametrize("multiplier", [1, 100], ids=["proportion-of-1", "percentage"])
def test_proportions_match_phe(multiplier):
    sheet = reference("proportion.csv")
    sheet = sheet[sheet["multiplier"] == multiplier]
    result = calculate_proportion(sheet[INPUT_COLUMNS], "Numerator", "Denominator",
                                  confidence=(0.95, 0.998), multiplier=multiplier)
    assert_close(result["value"], sheet["value"], rtol=SHEET_RTOL)
    for ours, theirs in LIMIT_COLUMNS.items():
        assert_close(result[ours], sheet[theirs], rtol=SHEET_RTOL)
    assert set(result["method"]) == {"Wilson"}


def test_grouped_proportions_match_phe():
    rows = reference("proportion.csv")
    sheet = reference("proportion_grouped.csv")
    result = calculate_proportion(rows[INPUT_COLUMNS], "Numerator", "Denominator", by="Area")
    assert result["Area"].tolist() == sheet["Area"].tolist()
    assert_close(result["numerator"], sheet["Numerator"])
    assert_close(result["denominator"], sheet["Denominator"])
    assert_close(result["value"], sheet["value"], rtol=SHEET_RTOL)
    assert_close(result["lower"], sheet["lowercl"], rtol=SHEET_RTOL)
    assert_close(result["upper"], sheet["uppercl"], rtol=SHEET_RTOL)
    notes = dict(zip(result["Area"], result["note"]))
    assert notes["Area09"] == "numerator missing (suppressed)"
    assert notes["Area10"] == "denominator missing"
    assert notes["Area11"] == "numerator and denominator missing"
    assert notes["Area1"] == ""


@pytest.mark.parametrize("multiplier", [100, 100_000], ids=["per-100", "per-100000"])
def test_rates_match_phe(multiplier):
    sheet = reference("rate.csv")
    sheet = sheet[sheet["multiplier"] == multiplier]
    result = calculate_rate(sheet[INPUT_COLUMNS], "Numerator", "Denominator",
                            confidence=(0.95, 0.998), multiplier=multiplier)
    assert_close(result["value"], sheet["value"], rtol=SHEET_RTOL)
    for ours, theirs in LIMIT_COLUMNS.items():
        assert_close(result[ours], sheet[theirs], rtol=SHEET_RTOL)
    assert result["method"].tolist() == sheet["method"].map(PHE_METHOD).tolist()


def test_grouped_rates_match_phe():
    rows = reference("rate.csv")
    sheet = reference("rate_grouped.csv")
    result = calculate_rate(rows[INPUT_COLUMNS], "Numerator", "Denominator", by="Area")
    assert result["Area"].tolist() == sheet["Area"].tolist()
    assert_close(result["numerator"], sheet["Numerator"])
    assert_close(result["value"], sheet["value"], rtol=SHEET_RTOL)
    assert_close(result["lower"], sheet["lowercl"], rtol=SHEET_RTOL)
    assert_close(result["upper"], sheet["uppercl"], rtol=SHEET_RTOL)
    known = sheet["Numerator"].notna()
    assert (result.loc[known, "method"].tolist()
            == sheet.loc[known, "method"].map(PHE_METHOD).tolist())


# --------------------------------------------------------------------------------------------
# Funnel limits against testdata_funnel_*_outputs.csv
# --------------------------------------------------------------------------------------------

def test_proportion_funnel_matches_phe():
    inputs = reference("funnel_prop_inputs.csv")
    published = reference("funnel_prop_outputs.csv")
    target = 100 * inputs["numerator"].sum() / inputs["denominator"].sum()
    result = funnel_limits(inputs["denominator"], target, statistic="proportion", multiplier=100)
    # The axis (100 denominators from 1 to 110 000) is PHE's, point for point.
    np.testing.assert_array_equal(result["denominator"], published["Population"])
    # Limits are printed to 6 decimals: half a unit of the 6th decimal, plus float slack.
    tolerance = 0.5e-6 + 1e-12
    assert_close(result["lower_95"], published["Lower2s0025limit"], atol=tolerance)
    assert_close(result["upper_95"], published["Upper2s0025limit"], atol=tolerance)
    assert_close(result["lower_99_8"], published["Lower3s0001limit"], atol=tolerance)
    assert_close(result["upper_99_8"], published["Upper3s0001limit"], atol=tolerance)
    assert_close(result["target"], published["Baseline"], atol=tolerance)


FUNNEL_LINES = [
    # PHE's column prefix, our level, our side, and which exact Poisson limit of the observed
    # count is the expected count where the line passes that count.
    ("lower_2s", 0.95, "lower", "upper"),
    ("upper_2s", 0.95, "upper", "lower"),
    ("lower_3s", 0.998, "lower", "upper"),
    ("upper_3s", 0.998, "upper", "lower"),
]


def passing_points(observed, level, which):
    """Expected counts at which a funnel line passes each whole observed count (exact Poisson)."""
    lower, upper = exact_poisson_limits(observed, level)
    return lower if which == "lower" else upper


@pytest.mark.parametrize("prefix,level,side,which", FUNNEL_LINES,
                         ids=[line[0] for line in FUNNEL_LINES])
def test_ratio_funnel_matches_phe(prefix, level, side, which):
    published = reference("funnel_ratio_outputs.csv")
    inputs = reference("funnel_ratio_inputs.csv")
    observed = published["Observed_events"].to_numpy(dtype=float)
    expected = passing_points(observed, level, which)
    tolerance = bisection_tolerance(published[f"{prefix}_exp_events"], expected, observed)
    assert_close(expected, published[f"{prefix}_exp_events"], atol=tolerance)

    column = f"{side}_{LEVEL_NAMES[level]}"
    # PHE's "count" ratio is observed / expected - 1; its "isr" is 100 × observed / expected.
    ratio = funnel_limits(inputs["expected"], 1.0, statistic="ratio", confidence=level,
                          points=expected)[column]
    limit_tolerance = bisection_tolerance(published[f"{prefix}_count"] + 1, expected, observed)
    assert_close(ratio - 1, published[f"{prefix}_count"], atol=limit_tolerance)
    isr = funnel_limits(inputs["expected"], 100.0, statistic="ratio", multiplier=100,
                        confidence=level, points=expected)[column]
    assert_close(isr, published[f"{prefix}_isr"],
                 atol=bisection_tolerance(published[f"{prefix}_isr"], expected, observed))


@pytest.mark.parametrize("prefix,level,side,which", FUNNEL_LINES,
                         ids=[line[0] for line in FUNNEL_LINES])
def test_rate_funnel_matches_phe(prefix, level, side, which):
    published = reference("funnel_rate_outputs.csv")
    years = 3  # PHE's test: three years of data, populations shown per year
    baseline = published["baseline"].iloc[0]
    events = published["Events"].to_numpy(dtype=float)
    expected = passing_points(events, level, which)
    population = expected / (baseline / 100_000)
    per_year = published[f"{prefix}_population_1_year"]
    assert_close(population / years, per_year,
                 atol=bisection_tolerance(per_year, expected, events))
    column = f"{side}_{LEVEL_NAMES[level]}"
    limits = funnel_limits([1.0], baseline, statistic="rate", confidence=level,
                           points=population)[column]
    assert_close(limits, published[f"{prefix}_limit"],
                 atol=bisection_tolerance(published[f"{prefix}_limit"], expected, events))


# --------------------------------------------------------------------------------------------
# Funnel significance against the significance columns of the funnel inputs
# --------------------------------------------------------------------------------------------

def test_proportion_funnel_significance_matches_phe():
    inputs = reference("funnel_prop_inputs.csv")
    target = inputs["numerator"].sum() / inputs["denominator"].sum()
    labels = funnel_significance(inputs["numerator"] / inputs["denominator"],
                                 inputs["denominator"], target, statistic="proportion")
    assert labels.tolist() == inputs["significance"].map(PHE_SIGNIFICANCE).tolist()


def test_ratio_funnel_significance_matches_phe():
    inputs = reference("funnel_ratio_inputs.csv")
    labels = funnel_significance(inputs["obs"] / inputs["expected"], inputs["expected"], 1.0,
                                 statistic="ratio")
    assert labels.tolist() == inputs["significance"].map(PHE_SIGNIFICANCE).tolist()


RATE_SIGNIFICANCE = [
    # PHE's expected column, rate column, multiplier, dsr or crude, keep zero-count rows
    ("dsr_per_100000_with_0", "rate_dsr", 100_000, "dsr", True),
    ("dsr_per_100_with_0", "rate_dsr", 100, "dsr", True),
    ("dsr_per_100000_without_0", "rate_dsr", 100_000, "dsr", False),
    ("dsr_per_100_without_0", "rate_dsr", 100, "dsr", False),
    ("crude_per_100000_with_0", "rate_crude_per_100000", 100_000, "crude", True),
    ("crude_per_100_with_0", "rate_crude_per_100", 100, "crude", True),
    ("crude_per_100000_without_0", "rate_crude_per_100000", 100_000, "crude", False),
    ("crude_per_100_without_0", "rate_crude_per_100", 100, "crude", False),
]


@pytest.mark.parametrize("column,rate,multiplier,kind,with_zero", RATE_SIGNIFICANCE,
                         ids=[case[0] for case in RATE_SIGNIFICANCE])
def test_rate_funnel_significance_matches_phe(column, rate, multiplier, kind, with_zero):
    inputs = reference("funnel_rate_dsr_inputs.csv")
    if not with_zero:
        inputs = inputs[inputs["count"] != 0]
    count = inputs["count"].to_numpy(dtype=float)
    value = np.where(count == 0, 0.0, inputs[rate].to_numpy(dtype=float))
    # As PHE: the denominator is derived as count / rate × multiplier; a zero count takes the
    # population for crude rates and has none for DSRs. The target is their weighted average.
    with np.errstate(divide="ignore", invalid="ignore"):
        derived = np.where(count == 0,
                           inputs["pop"] if kind == "crude" else np.nan,
                           count / value * multiplier)
    target = count.sum() / np.nansum(derived) * multiplier
    labels = funnel_significance(value, derived, target, statistic="rate", multiplier=multiplier)
    expected = inputs[column].to_numpy()
    # PHE does not assess DSRs of fewer than 10 events; ohti has no DSRs (ohti: "not assessed").
    assessed = ~((kind == "dsr") & (count < 10))
    assert labels[assessed].tolist() == [PHE_SIGNIFICANCE[e] for e in expected[assessed]]


# --------------------------------------------------------------------------------------------
# Properties of the intervals
# --------------------------------------------------------------------------------------------

RNG_SEED = 20250101


def random_counts():
    rng = np.random.default_rng(RNG_SEED)
    n = rng.integers(1, 100_000, size=500).astype(float)
    x = np.floor(rng.uniform(0, 1, size=500) * (n + 1)).clip(0, n)
    return x, n


@pytest.mark.parametrize("level", [0.95, 0.998], ids=["95", "99.8"])
def test_intervals_contain_the_estimate(level):
    x, n = random_counts()
    lower, upper = wilson_limits(x, n, level)
    assert np.all(lower <= x / n) and np.all(x / n <= upper)
    frame = pd.DataFrame({"x": x, "n": n})
    for result in (calculate_rate(frame, "x", "n", confidence=level),
                   calculate_count(frame, "x", confidence=level)):
        assert np.all(result["lower"] <= result["value"])
        assert np.all(result["value"] <= result["upper"])


@pytest.mark.parametrize("statistic", ["proportion", "rate", "count"])
def test_interval_narrows_as_the_sample_grows(statistic):
    frame = pd.DataFrame({"x": [3, 30, 300, 3000, 30000], "n": [10, 100, 1000, 10000, 100000]})
    if statistic == "proportion":
        result = calculate_proportion(frame, "x", "n")
    elif statistic == "rate":
        result = calculate_rate(frame, "x", "n", multiplier=1)
    else:
        result = calculate_count(frame, "x")
        result["lower"] /= frame["n"]
        result["upper"] /= frame["n"]
    width = (result["upper"] - result["lower"]).to_numpy()
    assert np.all(np.diff(width) < 0)


@pytest.mark.parametrize("n", [1, 7, 100, 123456])
@pytest.mark.parametrize("level", [0.95, 0.998], ids=["95", "99.8"])
def test_wilson_limits_at_the_edges(n, level):
    lower, upper = wilson_limits([0, n], [n, n], level)
    assert abs(lower[0]) <= 1e-12 and 0 < upper[0] < 1
    assert 0 < lower[1] < 1 and abs(upper[1] - 1) <= 1e-12


def test_exact_poisson_below_ten_events_and_byar_from_ten():
    frame = pd.DataFrame({"x": [0, 9, 10, 11], "n": [1000] * 4})
    result = calculate_rate(frame, "x", "n", multiplier=1000, confidence=(0.95, 0.998))
    assert result["method"].tolist() == ["Exact", "Exact", "Byar", "Byar"]
    for level in (0.95, 0.998):
        exact = exact_poisson_limits([0, 9], level)
        byar = byar_limits([10, 11], level)
        name = LEVEL_NAMES[level]
        np.testing.assert_allclose(result[f"lower_{name}"], [*exact[0], *byar[0]], rtol=1e-14)
        np.testing.assert_allclose(result[f"upper_{name}"], [*exact[1], *byar[1]], rtol=1e-14)
    assert result["lower_95"].iloc[0] == 0


@pytest.mark.parametrize("x", [1, 2, 5, 9, 25])
def test_exact_poisson_limits_invert_the_poisson_distribution(x):
    # The chi-squared relation: P(X >= x | lower) = P(X <= x | upper) = (1 - confidence) / 2.
    lower, upper = exact_poisson_limits([x], 0.95)
    assert distributions.poisson.sf(x - 1, lower[0]) == pytest.approx(0.025, rel=1e-9)
    assert distributions.poisson.cdf(x, upper[0]) == pytest.approx(0.025, rel=1e-9)


@pytest.mark.parametrize("function", ["proportion", "rate", "count"])
def test_998_interval_is_wider_than_95(function):
    x, n = random_counts()
    frame = pd.DataFrame({"x": x, "n": n})
    if function == "proportion":
        result = calculate_proportion(frame, "x", "n", confidence=(0.95, 0.998))
    elif function == "rate":
        result = calculate_rate(frame, "x", "n", confidence=(0.95, 0.998))
    else:
        result = calculate_count(frame, "x", confidence=(0.95, 0.998))
    # A limit pinned at 0 (no events) or 1 (all cases) stays there; the interval still widens.
    assert np.all(result["lower_99_8"] <= result["lower_95"])
    assert np.all(result["upper_99_8"] >= result["upper_95"])
    width_95 = result["upper_95"] - result["lower_95"]
    assert np.all(result["upper_99_8"] - result["lower_99_8"] > width_95)


# --------------------------------------------------------------------------------------------
# Output shape, missing values, inputs left alone
# --------------------------------------------------------------------------------------------

TAIL = ["numerator", "denominator", "value", "lower", "upper", "confidence", "statistic",
        "method", "note"]
TAIL_TWO = ["numerator", "denominator", "value", "lower_95", "upper_95", "lower_99_8",
            "upper_99_8", "confidence", "statistic", "method", "note"]


def small_frame():
    return pd.DataFrame({"area": ["01", "02", "03"], "period": ["2023-10"] * 3,
                         "unemployed": [120, np.nan, 0], "labour_force": [2400, 3100, 0]})


@pytest.mark.parametrize("confidence,tail", [(0.95, TAIL), ((0.95, 0.998), TAIL_TWO)],
                         ids=["one-level", "two-levels"])
def test_every_statistic_has_the_same_columns(confidence, tail):
    frame = small_frame()
    proportion = calculate_proportion(frame, "unemployed", "labour_force", confidence=confidence)
    rate = calculate_rate(frame, "unemployed", "labour_force", confidence=confidence)
    count = calculate_count(frame, "unemployed", confidence=confidence)
    assert proportion.columns.tolist() == ["area", "period", *tail]
    assert rate.columns.tolist() == ["area", "period", *tail]
    assert count.columns.tolist() == ["area", "period", "labour_force", *tail]
    grouped = calculate_proportion(frame, "unemployed", "labour_force", by=["period"],
                                   confidence=confidence)
    assert grouped.columns.tolist() == ["period", *tail]


def test_labels_of_statistic_and_confidence():
    frame = small_frame()
    proportion = calculate_proportion(frame, "unemployed", "labour_force")
    assert proportion["statistic"].iloc[0] == "proportion"
    percent = calculate_proportion(frame, "unemployed", "labour_force", multiplier=100,
                                   confidence=(0.95, 0.998))
    assert percent["statistic"].iloc[0] == "proportion per 100"
    assert percent["confidence"].iloc[0] == "95%, 99.8%"
    rate = calculate_rate(frame, "unemployed", "labour_force")
    assert rate["statistic"].iloc[0] == "rate per 100,000"
    assert calculate_count(frame, "unemployed")["statistic"].iloc[0] == "count"


def test_missing_numerator_stays_missing_with_a_note():
    frame = small_frame()
    for result in (calculate_proportion(frame, "unemployed", "labour_force"),
                   calculate_rate(frame, "unemployed", "labour_force"),
                   calculate_count(frame, "unemployed")):
        row = result.iloc[1]
        assert np.isnan(row["numerator"]) and np.isnan(row["value"])
        assert np.isnan(row["lower"]) and np.isnan(row["upper"])
        assert row["note"] == "numerator missing (suppressed)"
        assert result["note"].iloc[0] == ""


def test_a_group_with_a_suppressed_member_is_missing_not_smaller():
    frame = small_frame().assign(region=["A", "A", "B"])
    result = calculate_proportion(frame, "unemployed", "labour_force", by="region")
    first = result.set_index("region").loc["A"]
    assert np.isnan(first["numerator"]) and np.isnan(first["value"])
    assert first["note"] == "numerator missing (suppressed) in 1 of 2 rows"
    assert first["denominator"] == 5500


def test_zero_denominator_gives_a_missing_value_and_says_why():
    frame = small_frame()
    for result in (calculate_proportion(frame, "unemployed", "labour_force"),
                   calculate_rate(frame, "unemployed", "labour_force")):
        row = result.iloc[2]
        assert np.isnan(row["value"]) and np.isnan(row["lower"])
        assert row["note"] == "denominator is zero"


def test_zero_events_have_a_zero_lower_limit():
    frame = pd.DataFrame({"x": [0], "n": [500]})
    rate = calculate_rate(frame, "x", "n").iloc[0]
    assert rate["value"] == 0 and rate["lower"] == 0 and rate["upper"] > 0
    assert rate["method"] == "Exact"


def test_inputs_are_not_modified():
    frame = small_frame()
    before = frame.copy()
    calculate_proportion(frame, "unemployed", "labour_force", by="period")
    calculate_rate(frame, "unemployed", "labour_force")
    calculate_count(frame, "unemployed")
    pd.testing.assert_frame_equal(frame, before)
    values = np.array([0.2, 0.3])
    funnel_significance(values, np.array([100.0, 200.0]), 0.25, statistic="proportion")
    np.testing.assert_array_equal(values, [0.2, 0.3])


def test_without_by_the_index_is_kept():
    frame = small_frame().set_index("area")
    result = calculate_rate(frame, "unemployed", "labour_force")
    assert result.index.tolist() == ["01", "02", "03"]


# --------------------------------------------------------------------------------------------
# Invalid inputs
# --------------------------------------------------------------------------------------------

def test_negative_count_is_refused():
    frame = pd.DataFrame({"x": [5, -1], "n": [10, 10]})
    with pytest.raises(ParameterError, match=r"column 'x', row 1: -1 is negative; counts must be"):
        calculate_proportion(frame, "x", "n")
    with pytest.raises(ParameterError, match=r"column 'x', row 1: -1 is negative"):
        calculate_count(frame, "x")


def test_negative_denominator_is_refused():
    frame = pd.DataFrame({"x": [5, 1], "n": [10, -3]})
    with pytest.raises(ParameterError, match=r"column 'n', row 1: -3 is negative"):
        calculate_rate(frame, "x", "n")


def test_numerator_above_denominator_is_refused_for_proportions_only():
    frame = pd.DataFrame({"x": [5, 11], "n": [10, 10]}, index=["a", "b"])
    with pytest.raises(ParameterError,
                       match=r"column 'x', row 'b': numerator 11 > denominator 10 in column 'n'"):
        calculate_proportion(frame, "x", "n")
    assert calculate_rate(frame, "x", "n")["value"].iloc[1] == pytest.approx(110_000)


def test_all_problems_are_reported_at_once():
    frame = pd.DataFrame({"x": [-1, 5, -2], "n": [10, 4, 10]})
    with pytest.raises(ParameterError, match=r"3 problem\(s\): .*-1 is negative.*-2 is negative"
                                             r".*numerator 5 > denominator 4"):
        calculate_proportion(frame, "x", "n")


@pytest.mark.parametrize("confidence", [95, 0, 1, 1.5, -0.95, "0.95", True],
                         ids=["95", "0", "1", "1.5", "negative", "string", "bool"])
def test_confidence_outside_zero_one_is_refused(confidence):
    frame = pd.DataFrame({"x": [5], "n": [10]})
    with pytest.raises(ParameterError, match=r"confidence must be a number strictly between 0 "):
        calculate_proportion(frame, "x", "n", confidence=confidence)
    with pytest.raises(ParameterError, match=r"strictly between 0 and 1"):
        wilson_limits([5], [10], confidence)


@pytest.mark.parametrize("confidence,message",
                         [((0.9, 0.95, 0.99), r"give one or two confidence levels, not 3"),
                          ((0.95, 0.95), r"the two confidence levels are the same"),
                          ((0.95, 99.8), r"strictly between 0 and 1 \(e\.g\. 0\.95\), not 99\.8")],
                         ids=["three", "same", "percent"])
def test_bad_pair_of_confidence_levels_is_refused(confidence, message):
    frame = pd.DataFrame({"x": [5], "n": [10]})
    with pytest.raises(ParameterError, match=message):
        calculate_rate(frame, "x", "n", confidence=confidence)


def test_missing_columns_are_named():
    frame = pd.DataFrame({"x": [5], "n": [10]})
    with pytest.raises(ParameterError, match=r"column\(s\) 'y', 'area' not in the data; "
                                             r"the columns are: x, n"):
        calculate_proportion(frame, "y", "n", by="area")


def test_suppression_markers_must_be_converted_first():
    frame = pd.DataFrame({"x": ["5", "."], "n": [10, 10]})
    with pytest.raises(ParameterError, match=r"column 'x', row 1: '\.' is not a number"):
        calculate_rate(frame, "x", "n")


@pytest.mark.parametrize("multiplier", [0, -100, float("nan"), "100"])
def test_multiplier_must_be_positive(multiplier):
    frame = pd.DataFrame({"x": [5], "n": [10]})
    with pytest.raises(ParameterError, match=r"multiplier must be a positive number"):
        calculate_rate(frame, "x", "n", multiplier=multiplier)


def test_result_columns_may_not_overwrite_input_columns():
    frame = pd.DataFrame({"x": [5], "n": [10], "value": [0.5]})
    with pytest.raises(ParameterError, match=r"column\(s\) 'value' would be overwritten"):
        calculate_proportion(frame, "x", "n")


def test_kernels_refuse_invalid_counts():
    with pytest.raises(ParameterError, match=r"x must not exceed n; x = 11 > n = 10"):
        wilson_limits([11], [10])
    with pytest.raises(ParameterError, match=r"x must be zero or more; found -1"):
        byar_limits([-1])
    with pytest.raises(ParameterError, match=r"x must be zero or more; found -2"):
        exact_poisson_limits([3, -2])


# --------------------------------------------------------------------------------------------
# Comparison with a reference value
# --------------------------------------------------------------------------------------------

COMPARISONS = [
    # value, lower, upper, reference, polarity, expected
    (12.0, 10.5, 13.5, 10.0, "higher_is_better", "better"),
    (12.0, 10.5, 13.5, 10.0, "lower_is_better", "worse"),
    (12.0, 10.5, 13.5, 10.0, "neutral", "higher"),
    (8.0, 6.5, 9.5, 10.0, "higher_is_better", "worse"),
    (8.0, 6.5, 9.5, 10.0, "lower_is_better", "better"),
    (8.0, 6.5, 9.5, 10.0, "neutral", "lower"),
    (9.0, 7.0, 11.0, 10.0, "higher_is_better", "similar"),
    (11.0, 10.0, 12.0, 10.0, "higher_is_better", "similar"),  # touching is not excluding
    (np.nan, np.nan, np.nan, 10.0, "neutral", "not compared"),
    (9.0, 7.0, 11.0, np.nan, "lower_is_better", "not compared"),
]


@pytest.mark.parametrize("value,lower,upper,reference,polarity,expected", COMPARISONS,
                         ids=[f"{c[5]}-{c[4]}-{i}" for i, c in enumerate(COMPARISONS)])
def test_compare_with_reference(value, lower, upper, reference, polarity, expected):
    result = compare_with_reference([value], [lower], [upper], reference, polarity)
    assert result.tolist() == [expected]


def test_compare_with_reference_is_vectorised():
    value, lower, upper, reference, polarity, expected = zip(*COMPARISONS[:8])
    result = compare_with_reference(value, lower, upper, np.array(reference), "neutral")
    assert result.tolist() == ["higher", "higher", "higher", "lower", "lower", "lower",
                               "similar", "similar"]


def test_compare_with_reference_refuses_unknown_polarity():
    with pytest.raises(ParameterError, match=r"unknown polarity 'up'; choose one of: "
                                             r"higher_is_better, lower_is_better, neutral"):
        compare_with_reference([1.0], [0.5], [1.5], 1.0, "up")


# --------------------------------------------------------------------------------------------
# Funnels: overdispersion, widened limits, invalid input
# --------------------------------------------------------------------------------------------

def test_overdispersion_hand_worked_example():
    # Five units of 100 around a target proportion of 0.5: s = sqrt(0.5 × 0.5 / 100) = 0.05.
    # Values 0.40, 0.45, 0.50, 0.60, 0.65 give z = -2, -1, 0, 2, 3.
    # Winsorising at the 10th and 90th percentiles (linear interpolation over 5 sorted values:
    # positions 0.4 and 3.6): 10th = -2 + 0.4 × 1 = -1.6, 90th = 2 + 0.6 × 1 = 2.6,
    # so z becomes -1.6, -1, 0, 2, 2.6 and z² = 2.56, 1, 0, 4, 6.76 (sum 14.32).
    # phi = 14.32 / 5 = 2.864; n·phi = 14.32 against chi²(4): p = 0.00634.
    # w = 1 / s² = 400 for each unit: sum w = 2000, sum w² = 800 000, sum w² / sum w = 400.
    # tau² = (14.32 - 4) / (2000 - 400) = 10.32 / 1600 = 0.00645.
    result = overdispersion([0.40, 0.45, 0.50, 0.60, 0.65], [100] * 5, 0.5, "proportion")
    assert result.n == 5
    assert result.phi == pytest.approx(2.864, rel=1e-12)
    assert result.tau2 == pytest.approx(0.00645, rel=1e-12)
    assert result.p_value == pytest.approx(0.006340765, rel=1e-6)
    assert result.significant
    # On a percentage scale tau² is in squared percentage points: 0.00645 × 100² = 64.5.
    percent = overdispersion([40, 45, 50, 60, 65], [100] * 5, 50, "proportion", multiplier=100)
    assert percent.phi == pytest.approx(2.864, rel=1e-12)
    assert percent.tau2 == pytest.approx(64.5, rel=1e-12)
    # Without winsorising: z² = 4, 1, 0, 4, 9, phi = 3.6, tau² = (18 - 4) / 1600 = 0.00875.
    plain = overdispersion([0.40, 0.45, 0.50, 0.60, 0.65], [100] * 5, 0.5, "proportion",
                           winsorise=0)
    assert plain.phi == pytest.approx(3.6, rel=1e-12)
    assert plain.tau2 == pytest.approx(0.00875, rel=1e-12)


def test_no_overdispersion_gives_zero_tau2():
    # Rates per 100 000 in populations of 10 000 around a target of 1000 (0.01 per person):
    # s = 100 000 × sqrt(0.01 / 10 000) = 100, so z = (value - 1000) / 100 = ±0.5 or 0.
    result = overdispersion([1050, 950, 1000, 1050, 950], [10_000] * 5, 1000.0, "rate")
    # z² = 0.25, 0.25, 0, 0.25, 0.25 (no winsorising effect: the quantiles are ±0.5);
    # phi = 0.2 < (n - 1) / n, so tau² = 0 and the p-value is large.
    assert result.phi == pytest.approx(0.2, rel=1e-12)
    assert result.tau2 == 0
    assert not result.significant


def test_tau2_widens_the_funnel():
    plain = funnel_limits([100], 20.0, statistic="proportion", multiplier=100,
                          points=[100, 10_000, 1e12])
    wide = funnel_limits([100], 20.0, statistic="proportion", multiplier=100, tau2=4.0,
                         points=[100, 10_000, 1e12])
    assert np.all(wide["upper_95"] > plain["upper_95"])
    assert np.all(wide["lower_99_8"] < plain["lower_99_8"])
    # target ± z·sqrt(s² + tau²): at n = 100, s² = 20 × 80 / 100 = 16 (percentage points²).
    z = distributions.norm.ppf(0.975)
    assert wide["upper_95"].iloc[0] == pytest.approx(20 + z * math.sqrt(16 + 4), rel=1e-12)
    # For a huge denominator only tau² is left: the half-width tends to z·sqrt(tau²) = 2z.
    assert wide["upper_95"].iloc[2] - 20 == pytest.approx(2 * z, rel=1e-6)


def test_tau2_changes_significance():
    values, denominators = [26.0, 21.0], [2000, 2000]
    assert funnel_significance(values, denominators, 20.0, statistic="proportion",
                               multiplier=100).tolist() == ["outside 99.8% high", "within 95%"]
    assert funnel_significance(values, denominators, 20.0, statistic="proportion",
                               multiplier=100, tau2=5.0).tolist() == ["outside 95% high",
                                                                       "within 95%"]


def test_funnel_significance_leaves_missing_values_unassessed():
    labels = funnel_significance([np.nan, 1.2], [50.0, np.nan], 1.0, statistic="ratio")
    assert labels.tolist() == ["not assessed", "not assessed"]


def test_poisson_funnel_limits_pass_whole_counts_where_the_exact_interval_says():
    # At the expected count where 7 events have their exact lower 95 % limit, the upper line
    # is at 7 events; at the expected count of their upper limit, the lower line is.
    lower, upper = exact_poisson_limits([7], 0.95)
    limits = funnel_limits([10.0], 1.0, statistic="ratio", confidence=0.95,
                           points=[lower[0], upper[0]])
    assert limits["upper_95"].iloc[0] * lower[0] == pytest.approx(7, rel=1e-9)
    assert limits["lower_95"].iloc[1] * upper[0] == pytest.approx(7, rel=1e-9)


@pytest.mark.parametrize(
    "kwargs,message",
    [(dict(statistic="mean"), r"unknown statistic 'mean'; choose one of: proportion, rate, ratio"),
     (dict(statistic="proportion", target=1.5),
      r"strictly between 0 and the multiplier 1, not 1\.5"),
     (dict(statistic="rate", target=0.0), r"a rate's target must be positive, not 0\.0"),
     (dict(statistic="ratio", tau2=-1.0), r"tau2 must be a finite number zero or more, not -1\.0"),
     (dict(statistic="ratio", denominators=[10.0, 0.0]),
      r"denominators must be greater than zero; found 0 at position 1"),
     (dict(statistic="ratio", confidence=(0.95, 2.0)), r"strictly between 0 and 1")],
    ids=["statistic", "proportion-target", "rate-target", "tau2", "denominator", "confidence"],
)
def test_funnel_limits_refuse_invalid_input(kwargs, message):
    arguments = dict(denominators=[10.0, 20.0], target=0.5)
    arguments.update(kwargs)
    with pytest.raises(ParameterError, match=message):
        funnel_limits(arguments.pop("denominators"), arguments.pop("target"), **arguments)


def test_funnel_significance_refuses_invalid_input():
    with pytest.raises(ParameterError, match=r"values must be zero or more; found -1"):
        funnel_significance([-1.0], [10.0], 1.0, statistic="ratio")
    with pytest.raises(ParameterError, match=r"a proportion exceeds the multiplier 100"):
        funnel_significance([120.0], [10.0], 50.0, statistic="proportion", multiplier=100)


def test_overdispersion_refuses_invalid_input():
    with pytest.raises(ParameterError, match=r"needs at least two units with a value and a "
                                             r"denominator, got 1"):
        overdispersion([0.2, np.nan], [100, 100], 0.2, "proportion")
    with pytest.raises(ParameterError, match=r"winsorise must be in \[0, 0\.5\), not 0\.5"):
        overdispersion([0.2, 0.3], [100, 100], 0.2, "proportion", winsorise=0.5)


# --------------------------------------------------------------------------------------------
# The docstring examples are true
# --------------------------------------------------------------------------------------------

def test_docstring_examples():
    from ohti.stats import funnels, intervals

    for module in (intervals, funnels):
        failures, tried = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)[:2]
        assert tried > 0 and failures == 0, module.__name__

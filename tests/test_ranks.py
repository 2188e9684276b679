"""Ranks with marginal confidence sets (ohti.analysis.ranks) and the rank columns of ``ohti values``."""

import io

import numpy as np
import pandas as pd
import pytest

from ohti.analysis.ranks import (
    NOTE_COUNT,
    NOTE_DENOMINATOR_MISSING,
    NOTE_DENOMINATOR_ZERO,
    NOTE_INCOMPLETE,
    NOTE_NUMERATOR_MISSING,
    calculate_rank_intervals,
    is_incomplete,
    marginal_rank_sets,
    rank_values,
)
from ohti.cli import main
from ohti.errors import ParameterError

PRECISE = 100_000
"""Draws for hand-worked cases whose margins are a few hundredths of a standard error: the
critical value's simulation error is then about 0.005."""


def bounds(result):
    return result[["rank", "rank_lower", "rank_upper"]].astype(float).to_numpy().tolist()


# --- hand-worked cases --------------------------------------------------------------------

def test_two_areas_are_told_apart_by_a_two_sided_test_of_their_logits():
    """With two areas each has two one-sided hypotheses, whose largest statistic is |N(0, 1)|:
    the critical value is 1.96. On the logit scale, 100 of 1000 against 130 of 1000 differ by
    log(130.5/870.5) − log(100.5/900.5) = 0.2978 with standard error
    sqrt(1/100.5 + 1/900.5 + 1/130.5 + 1/870.5) = 0.1423: z = 2.09 > 1.96, two sets of one
    rank; 125 of 1000 gives z = 1.76 < 1.96, and both areas may be first or second."""
    apart = pd.DataFrame({"area": ["A", "B"], "x": [100, 130], "n": [1000, 1000]})
    assert bounds(calculate_rank_intervals(apart, "x", "n", draws=PRECISE)) == [[1, 1, 1], [2, 2, 2]]
    close = apart.assign(x=[100, 125])
    assert bounds(calculate_rank_intervals(close, "x", "n", draws=PRECISE)) == [[1, 1, 2], [2, 1, 2]]


def test_a_rate_is_compared_on_the_log_scale_and_higher_is_better_reverses_the_order():
    """log(135.5/10⁴) − log(100.5/10⁴) = 0.2988, standard error sqrt(1/100.5 + 1/135.5) =
    0.1308: z = 2.28 > 1.96; 120 against 100 gives z = 1.31."""
    apart = pd.DataFrame({"x": [100, 135], "n": [10_000, 10_000]})
    result = calculate_rank_intervals(apart, "x", "n", statistic="rate", polarity="higher_is_better",
                                      multiplier=1000, draws=PRECISE)
    assert result["value"].tolist() == [10.0, 13.5]
    assert bounds(result) == [[2, 2, 2], [1, 1, 1]]
    assert result["method"].iloc[0] == "Mogstad et al. marginal set, log scale"
    close = apart.assign(x=[100, 120])
    assert bounds(calculate_rank_intervals(close, "x", "n", statistic="rate", polarity="higher_is_better",
                                           draws=PRECISE)) == [[2, 1, 2], [1, 1, 2]]


@pytest.mark.parametrize("gap,middle", [(2.16, [2, 2, 2]), (2.05, [2, 2, 3])])
def test_the_step_down_tells_apart_what_the_first_step_cannot(gap, middle):
    """Estimates 10, 0 and −gap with variances ½, so that each difference has standard error 1
    and the two statistics of a unit correlate with ρ = ½. The first step's critical value is
    the 95 % point of max(|T₁|, |T₂|): 2.212. The middle unit is 10 below the first
    (rejected) and `gap` above the third: not rejected at 2.212. The second step keeps the
    hypothesis that it is above the first (never rejectable) and both about the third: the 95 %
    point of max(T₁, |T₂|) is 2.106, so a gap of 2.16 is rejected there and 2.05 is not."""
    rank, lower, upper = marginal_rank_sets([10.0, 0.0, -gap], [0.5, 0.5, 0.5], draws=PRECISE)
    assert rank.tolist() == [1, 2, 3]
    assert [rank[1], lower[1], upper[1]] == middle
    assert [lower[0], upper[0]] == [1, 1]
    assert [lower[2], upper[2]] == ([3, 3] if gap > 2.106 else [2, 3])


def test_huge_denominators_give_the_point_rank_and_tiny_ones_span_every_rank():
    """10, 11, 12 and 13 %: of 100 million each the differences are hundreds of standard
    errors; of 10 each (1, 2, 3 and 4 of 10) none is significant."""
    huge = pd.DataFrame({"area": list("ABCD"), "x": [10, 11, 12, 13], "n": [100] * 4})
    huge = huge.assign(x=huge["x"] * 10**6, n=huge["n"] * 10**6)
    assert bounds(calculate_rank_intervals(huge, "x", "n")) == [[1, 1, 1], [2, 2, 2], [3, 3, 3], [4, 4, 4]]
    tiny = pd.DataFrame({"area": list("ABCD"), "x": [1, 2, 3, 4], "n": [10] * 4})
    assert bounds(calculate_rank_intervals(tiny, "x", "n")) == [[1, 1, 4], [2, 1, 4], [3, 1, 4], [4, 1, 4]]


def test_polarity_decides_which_end_is_first():
    frame = pd.DataFrame({"x": [100_000, 200_000, 300_000], "n": [10**6] * 3})
    lowest = calculate_rank_intervals(frame, "x", "n", polarity="lower_is_better")
    highest = calculate_rank_intervals(frame, "x", "n", polarity="higher_is_better")
    neutral = calculate_rank_intervals(frame, "x", "n", polarity="neutral")
    assert lowest["rank"].tolist() == [1, 2, 3] and lowest["statistic"].iloc[0] == "rank among 3 (1 = lowest)"
    assert highest["rank"].tolist() == [3, 2, 1] and highest["statistic"].iloc[0] == "rank among 3 (1 = highest)"
    assert neutral["rank"].tolist() == [3, 2, 1]


def test_ties_share_the_best_rank_and_their_sets_hold_it():
    """0 of 5 and 0 of 5000 are both 0 %, tied first; on the logit scale the second is far
    below the first, and the first's set is widened to hold its rank, 1."""
    frame = pd.DataFrame({"x": [0, 0, 50], "n": [5, 5000, 100]})
    result = calculate_rank_intervals(frame, "x", "n")
    assert result["rank"].tolist() == [1, 1, 3]
    assert (result["rank_lower"] <= result["rank"]).all() and (result["rank"] <= result["rank_upper"]).all()


# --- a published example --------------------------------------------------------------------

# PISA 2018 mathematics: mean score and its standard error by OECD country, the data sets
# `pisa2018` (38 countries) and `pisa` (37, without Costa Rica) of the R package csranks.
PISA_2018 = {
    "Australia": (491.360025247324, 1.93983303054844), "Austria": (498.942313770185, 2.97099869438753),
    "Belgium": (508.070306302623, 2.26266201069488), "Canada": (512.016942926845, 2.35747574948677),
    "Chile": (417.406556308579, 2.41588757014362), "Colombia": (390.932273204875, 2.98955927360051),
    "Costa Rica": (402.330558536023, 3.28879935285979), "Czech Republic": (499.467650822959, 2.46066153133753),
    "Denmark": (509.398374584275, 1.73500233666916), "Estonia": (523.414580186709, 1.74360222360239),
    "Finland": (507.301361844418, 1.96792041132459), "France": (495.407579391347, 2.32021448743737),
    "Germany": (500.043780511653, 2.64708309608199), "Greece": (451.370343807911, 3.09122819676638),
    "Hungary": (481.082636358975, 2.31959674106808), "Iceland": (495.18737622182, 1.9530826031084),
    "Ireland": (499.632893967787, 2.19862112816692), "Israel": (463.034548798405, 3.49856322771396),
    "Italy": (486.589857259292, 2.78004586694628), "Japan": (526.97325016916, 2.47147531798407),
    "Korea": (525.933002039616, 3.1213943150455), "Latvia": (496.126330622544, 1.96276678902041),
    "Lithuania": (481.191188395501, 1.95328203881691), "Luxembourg": (483.421485007866, 1.09763240879476),
    "Mexico": (408.801473375315, 2.49322554413996), "Netherlands": (519.230982393017, 2.63227788534219),
    "New Zealand": (494.48967597553, 1.70594285645041), "Norway": (500.963788462762, 2.2190448783333),
    "Poland": (515.647874653798, 2.60208517571739), "Portugal": (492.487406151968, 2.68457008117133),
    "Slovak Republic": (486.164854221208, 2.55559570662059), "Slovenia": (508.8975440691, 1.36387759638452),
    "Spain": (481.392612584418, 1.46241776318192), "Sweden": (502.387702154542, 2.65425093473024),
    "Switzerland": (515.314713109516, 2.90800389764710), "Türkiye": (453.507777434992, 2.26040678896131),
    "United Kingdom": (501.769899185046, 2.56442811097548), "United States": (478.244717372643, 3.23544409909485),
}


def pisa(countries):
    names = list(countries)
    scores, errors = zip(*countries.values())
    return names, np.array(scores), np.array(errors) ** 2


@pytest.mark.parametrize("without", [[], ["Costa Rica"]])
def test_pisa_2018_united_kingdom_as_in_the_csranks_vignette(without):
    """csranks' vignette "Inference for Ranks" prints the marginal 95 % set of the United
    Kingdom's rank in mathematics: rank 13, set 7 to 23 (csranks 1.2.0, 37 countries) and 8 to
    23 (csranks 1.2.1 to 1.2.3, 38 countries), each from 1000 unseeded draws. The bound below
    turns on one comparison: Canada lies 2.942 standard errors above the United Kingdom, and the
    last step's critical value is 2.943 with 38 countries and 2.932 with 37 (computed here by
    numerical integration), within the simulation error of 1000 draws (about 0.035) of both.
    So the upper bound and the rank must agree exactly, the lower one within that comparison;
    with 100 000 draws the 37 countries' bound is the integral's, 8."""
    countries = {k: v for k, v in PISA_2018.items() if k not in without}
    names, scores, variances = pisa(countries)
    uk = names.index("United Kingdom")
    rank, lower, upper = marginal_rank_sets(scores, variances)
    assert (rank[uk], upper[uk]) == (13, 23)
    assert lower[uk] in (7, 8)
    if without:
        assert marginal_rank_sets(scores, variances, draws=PRECISE)[1][uk] == 8


def test_pisa_2018_chile_mexico_and_colombia_are_apart_from_the_rest_as_the_vignette_says():
    """The vignette, of the 37 countries' simultaneous 95 % sets: "Chile, Mexico and Colombia
    have confidence sets for the ranks that do not overlap with the confidence sets of the other
    countries". Marginal sets lie within simultaneous ones, so the same holds for them; and
    every set holds its country's rank."""
    names, scores, variances = pisa({k: v for k, v in PISA_2018.items() if k != "Costa Rica"})
    rank, lower, upper = marginal_rank_sets(scores, variances)
    assert ((lower <= rank) & (rank <= upper)).all()
    bottom = [names.index(name) for name in ("Chile", "Mexico", "Colombia")]
    rest = np.setdiff1d(np.arange(len(names)), bottom)
    assert lower[bottom].min() >= 35 and upper[rest].max() <= 34


# --- determinism ------------------------------------------------------------------------------

def test_the_sets_are_reproducible_and_a_group_does_not_depend_on_the_others():
    rng = np.random.RandomState(7)
    n = rng.randint(500, 50_000, size=20)
    month = pd.DataFrame({"period": "2026-05", "x": rng.binomial(n, 0.1), "n": n})
    both = pd.concat([month.assign(period="2026-04", x=rng.binomial(n, 0.1)), month], ignore_index=True)
    first = calculate_rank_intervals(both, "x", "n", by="period")
    pd.testing.assert_frame_equal(first, calculate_rank_intervals(both, "x", "n", by="period"))
    alone = calculate_rank_intervals(month, "x", "n", by="period")
    pd.testing.assert_frame_equal(first.iloc[20:].reset_index(drop=True), alone)
    assert first.iloc[:20]["statistic"].eq("rank among 20 (1 = lowest)").all()


def test_the_input_is_not_modified():
    frame = pd.DataFrame({"x": [1, 2], "n": [10, 10]})
    copy = frame.copy()
    calculate_rank_intervals(frame, "x", "n")
    pd.testing.assert_frame_equal(frame, copy)


# --- what is not ranked -----------------------------------------------------------------------

def test_a_count_is_not_ranked():
    frame = pd.DataFrame({"area": ["A", "B"], "x": [21007, 3119]})
    result = calculate_rank_intervals(frame, "x", None, statistic="count")
    assert result[["rank", "rank_lower", "rank_upper"]].isna().all().all()
    assert result["note"].tolist() == [NOTE_COUNT] * 2 == ["rank NA for a count"] * 2
    assert result["value"].tolist() == [21007, 3119] and result["method"].isna().all()


def test_missing_and_incomplete_values_are_not_ranked_and_do_not_count():
    frame = pd.DataFrame({
        "area": list("ABCDEFG"),
        "x": [100_000, 200_000, np.nan, 300_000, 50_000, 10, 0],
        "n": [10**6, 10**6, 10**6, 10**6, 10**6, np.nan, 0],
        "partial": [False, False, False, False, True, False, False],
    })
    result = calculate_rank_intervals(frame, "x", "n", incomplete="partial")
    assert result.columns.tolist() == ["area", "numerator", "denominator", "value", "rank", "rank_lower",
                                       "rank_upper", "confidence", "statistic", "method", "note"]
    assert result["rank"].tolist()[:2] + result["rank"].tolist()[3:4] == [1, 2, 3]
    assert result["rank"].iloc[[2, 4, 5, 6]].isna().all()
    assert result["note"].tolist() == ["", "", NOTE_NUMERATOR_MISSING, "", NOTE_INCOMPLETE,
                                       NOTE_DENOMINATOR_MISSING, NOTE_DENOMINATOR_ZERO]
    assert NOTE_INCOMPLETE == "rank NA: incomplete sum"
    assert result["statistic"].eq("rank among 3 (1 = lowest)").all()
    assert result["confidence"].eq("95%").all()


def test_incomplete_sums_are_read_from_the_notes():
    notes = ["incomplete: unemployed not published for 4 of 16 municipalities", "",
             "suppressed: fewer than 5 persons; incomplete: x not published for 1 of 2 municipalities",
             "no data for this period", None]
    assert is_incomplete(notes).tolist() == [True, False, True, False, False]


def test_tau2_widens_the_sets():
    """10, 11, 12, 13 % of 10 000: chance alone tells the first two apart from the rest. The
    DerSimonian–Laird τ² of their logits (0.0151) counts all of the spread beyond chance as
    noise, and then every area may be anywhere (the funnel's question, not the rank's)."""
    frame = pd.DataFrame({"x": [1000, 1100, 1200, 1300], "n": [10_000] * 4})
    assert bounds(calculate_rank_intervals(frame, "x", "n")) == [[1, 1, 1], [2, 2, 2], [3, 2, 4], [4, 3, 4]]
    pd.testing.assert_frame_equal(calculate_rank_intervals(frame, "x", "n", tau2=0.0),
                                  calculate_rank_intervals(frame, "x", "n"))
    estimated = calculate_rank_intervals(frame, "x", "n", tau2="dersimonian-laird")
    assert bounds(estimated) == [[1, 1, 4], [2, 1, 4], [3, 1, 4], [4, 1, 4]]
    assert estimated["method"].iloc[0] == "Mogstad et al. marginal set, logit scale, tau2 0.0151 (DerSimonian-Laird)"


# --- refusals of bad parameters ---------------------------------------------------------------

@pytest.mark.parametrize("kwargs,message", [
    ({"statistic": "ratio"}, "statistic must be one of proportion, rate, count, not 'ratio'"),
    ({"polarity": "up"}, "polarity must be one of"),
    ({"confidence": 95}, "confidence must be a number strictly between 0 and 1"),
    ({"multiplier": 0}, "multiplier must be a positive number"),
    ({"tau2": -1.0}, "tau2 must be None, a number zero or more, or 'dersimonian-laird'"),
    ({"draws": 10}, "draws must be a whole number of at least 100"),
    ({"seed": -1}, "seed must be a whole number from 0 to 2\\*\\*32 - 1"),
    ({"by": 3}, "by must be a column name or a list of column names"),
    ({"incomplete": "nope"}, "column\\(s\\) 'nope' not in the data"),
])
def test_bad_parameters_are_refused(kwargs, message):
    frame = pd.DataFrame({"x": [1, 2], "n": [10, 10]})
    with pytest.raises(ParameterError, match=message):
        calculate_rank_intervals(frame, "x", "n", **kwargs)


def test_bad_data_are_refused_all_at_once():
    frame = pd.DataFrame({"x": [-1, 2, "."], "n": [10, 10, 10], "flag": [True, "yes", False]})
    with pytest.raises(ParameterError) as error:
        calculate_rank_intervals(frame, "x", "n", incomplete="flag")
    text = str(error.value)
    assert "3 problem(s)" in text
    assert "row 2: '.' is not a number" in text
    assert "row 0: -1 is negative" in text
    assert "column 'flag', row 1: 'yes' is not a boolean" in text


def test_a_proportion_above_one_and_a_column_overwritten_are_refused():
    with pytest.raises(ParameterError, match="numerator 11 > denominator 10"):
        calculate_rank_intervals(pd.DataFrame({"x": [11], "n": [10]}), "x", "n")
    with pytest.raises(ParameterError, match="'rank' would be overwritten"):
        calculate_rank_intervals(pd.DataFrame({"x": [1], "n": [10], "rank": [1]}), "x", "n")
    with pytest.raises(ParameterError, match="a proportion needs a denominator column"):
        calculate_rank_intervals(pd.DataFrame({"x": [1]}), "x", None)


@pytest.mark.parametrize("estimates,variances,message", [
    ([1.0, 2.0], [1.0], "2 estimates but 1 variances"),
    ([1.0, np.nan], [1.0, 1.0], "estimate at position 1 is not finite"),
    ([1.0, 2.0], [1.0, 0.0], "variance at position 1 is 0; variances must be positive"),
])
def test_bad_estimates_are_refused(estimates, variances, message):
    with pytest.raises(ParameterError, match=message):
        marginal_rank_sets(estimates, variances)


def test_rank_values_needs_a_frame_of_values():
    with pytest.raises(ParameterError, match="column\\(s\\) level, period, .* not in the values"):
        rank_values(pd.DataFrame({"value": [1.0]}))


# --- ohti values ------------------------------------------------------------------------------

def run_values(capsys, *argv):
    assert main(["values", *argv]) == 0
    out = capsys.readouterr().out
    return out, pd.read_csv(io.StringIO(out), dtype={"area_code": str})


def test_ohti_values_ranks_the_45_areas(capsys):
    out, table = run_values(capsys, "--indicator", "unemployment_rate", "--level", "area", "--period", "2026-06")
    header = out.splitlines()[0]
    assert header == ("level,area_code,area_name,period,indicator,value,numerator,denominator,note,"
                      "lower,upper,significance,rank,rank_lower,rank_upper")
    assert len(table) == 45
    assert sorted(table["rank"].tolist()) == list(range(1, 46))
    assert ((table["rank_lower"] <= table["rank"]) & (table["rank"] <= table["rank_upper"])).all()
    assert table.sort_values("value")["rank"].tolist() == list(range(1, 46))  # lower is better
    assert (table["rank_upper"] - table["rank_lower"]).max() > 0  # not all exact
    # one area's rank is its rank among all 45
    _, one = run_values(capsys, "--indicator", "unemployment_rate", "--level", "area", "--period", "2026-06",
                        "--area", "36")
    assert one[["rank", "rank_lower", "rank_upper"]].to_numpy().tolist() == \
        table.loc[table["area_code"] == "36", ["rank", "rank_lower", "rank_upper"]].to_numpy().tolist()


def test_ohti_values_does_not_rank_a_count_or_the_whole_country(capsys):
    for level in ("area", "national"):
        out, table = run_values(capsys, "--indicator", "unemployed", "--level", level, "--period", "2026-06")
        assert out.splitlines()[0].endswith(",significance,rank,rank_lower,rank_upper")
        assert table[["rank", "rank_lower", "rank_upper"]].isna().all().all() and len(table) > 0
    _, nation = run_values(capsys, "--indicator", "unemployment_rate", "--level", "national", "--period", "2026-06")
    assert nation[["rank", "rank_lower", "rank_upper"]].isna().all().all()


def test_ohti_values_leaves_an_incomplete_sum_out_of_the_ranking(capsys):
    """Ahvenanmaa (ELY 16) sums 12 of its 16 municipalities in June 2026: no rank, and the
    other 15 are ranked 1 to 15."""
    _, table = run_values(capsys, "--indicator", "unemployment_rate", "--level", "ely", "--period", "2026-06")
    aland = table.set_index("area_code").loc["16"]
    assert aland["note"].startswith("incomplete:") and not np.isnan(aland["value"])
    assert np.isnan(aland["rank"]) and np.isnan(aland["rank_lower"])
    assert sorted(table["rank"].dropna().astype(int).tolist()) == list(range(1, 16))


def test_ohti_values_ranks_after_the_disclosure_gate(capsys):
    """Luhanka (435) has fewer than 5 foreign citizens in 2016: suppressed, and not ranked."""
    _, table = run_values(capsys, "--indicator", "foreign_citizens_share", "--level", "municipality",
                          "--period", "2016")
    luhanka = table.set_index("area_code").loc["435"]
    assert luhanka["note"].startswith("suppressed:") and np.isnan(luhanka["rank"])
    ranked = table["rank"].notna()
    assert table.loc[ranked, "value"].notna().all() and ranked.sum() == table["value"].notna().sum()


def test_ohti_values_gives_a_point_rank_without_a_set_where_there_is_no_interval(capsys):
    _, table = run_values(capsys, "--indicator", "unemployment_rate_change_year", "--level", "area",
                          "--period", "2026-06")
    assert table[["lower", "upper"]].isna().all().all()
    assert sorted(table["rank"].dropna().astype(int).tolist()) == list(range(1, table["value"].notna().sum() + 1))
    assert table[["rank_lower", "rank_upper"]].isna().all().all()

"""Indicator validity (ohti.analysis.validity): hand-worked examples, simulated data where the truth is
known (synthetic, generated here), and a run on the real shipped data."""

import io
import types

import numpy as np
import pandas as pd
import pytest

from ohti.analysis import validity
from ohti.build import convert, execute
from ohti.cli import main
from ohti.errors import ParameterError
from ohti.indicators.registry import load_registry

AREAS = [f"{i:02d}" for i in range(1, 46)]
YEARS = [str(y) for y in range(2006, 2021)]


# --- hand-worked examples ----------------------------------------------------------------------

def test_rankability_hand_worked():
    # y = 0, 2, 4 with variances 1: weighted mean 2, Q = 8, df = 2, Σw − Σw²/Σw = 3 − 1 = 2,
    # τ² = (8 − 2) / 2 = 3; rankability = 3 / (3 + median 1) = 0.75.
    result = validity.calculate_rankability([0.0, 2.0, 4.0], [1.0, 1.0, 1.0], samples=0)
    assert result["tau2"] == pytest.approx(3.0)
    assert result["value"] == pytest.approx(0.75)
    # y = 1, 2, 3: Q = 2 = df, so τ² = 0 and nothing is rankable beyond chance.
    assert validity.calculate_rankability([1.0, 2.0, 3.0], [1.0, 1.0, 1.0], samples=0)["value"] == 0.0


def test_rankability_needs_three_units_and_matching_lengths():
    assert np.isnan(validity.calculate_rankability([1.0, 2.0], [1.0, 1.0])["value"])
    with pytest.raises(ParameterError, match="3 values but 2 variances"):
        validity.calculate_rankability([1.0, 2.0, 3.0], [1.0, 1.0])


def test_rank_stability_hand_worked():
    panel = pd.DataFrame({"2020": [1, 2, 3, 4], "2021": [1, 2, 4, 3], "2022": [4, 3, 2, 1]})
    # Spearman 2020→2021: 1 − 6·2/(4·15) = 0.8; 2021→2022: 1 − 6·18/60 = −0.8; median 0.
    assert validity.calculate_rank_stability(panel, minimum=3) == pytest.approx(0.0)
    steady = pd.DataFrame({"2020": [1, 2, 3, 4], "2021": [10, 20, 30, 40]})
    assert validity.calculate_rank_stability(steady, minimum=3) == pytest.approx(1.0)


def test_adjusted_r2_hand_worked():
    # 1 − (1 − 0.5)·(45 − 1)/(45 − 5) = 1 − 0.5·1.1 = 0.45
    assert validity.adjusted_r2(0.5, 45, 5) == pytest.approx(0.45)
    assert validity.adjusted_r2(0.01, 45, 10) == 0.0


def test_explained_share_and_pca_of_a_two_by_two_correlation():
    r = pd.DataFrame([[1.0, 0.6], [0.6, 1.0]], index=["a", "b"], columns=["a", "b"])
    # b, the one left out, is explained 0.6² = 0.36 by a (a explaining itself does not count)
    assert validity.explained_share(r, ["a"]) == pytest.approx(0.36)
    assert validity.explained_share(r, ["a", "b"]) == pytest.approx(1.0)
    loadings, explained = validity.principal_components(r, components=2)
    # eigenvalues 1 ± r: PC1 explains (1 + 0.6)/2 = 0.8, loadings sqrt(0.8) on both
    assert explained["PC1"] == pytest.approx(0.8)
    assert loadings["PC1"].to_numpy() == pytest.approx([np.sqrt(0.8)] * 2)


def test_icc_equals_the_anova_estimate_on_balanced_data():
    """On balanced data REML gives the ANOVA (method of moments) components: check by hand."""
    rng = np.random.default_rng(1)
    area = rng.normal(0, 1.0, size=(45, 1))
    year = rng.normal(0, 2.0, size=(1, 15))
    values = area + year + rng.normal(0, 1.0, size=(45, 15))
    panel = pd.DataFrame(values, index=AREAS, columns=YEARS)
    # two-way additive ANOVA: MS(area) and MS(residual)
    grand = values.mean()
    row = values.mean(axis=1, keepdims=True)
    col = values.mean(axis=0, keepdims=True)
    k, n = values.shape[1], values.shape[0]
    ms_area = k * ((row - grand) ** 2).sum() / (n - 1)
    ms_resid = ((values - row - col + grand) ** 2).sum() / ((n - 1) * (k - 1))
    between = (ms_area - ms_resid) / k
    expected = between / (between + ms_resid)
    assert validity.calculate_icc(panel) == pytest.approx(expected, abs=1e-12)
    assert 0.3 < expected < 0.7  # the true ICC is 0.5
    # ... and the closed form is the REML fit of the mixed model (statsmodels MixedLM).
    assert validity.calculate_icc(panel) == pytest.approx(_mixedlm_icc(panel), abs=1e-3)


def _mixedlm_icc(panel):
    """The ICC from statsmodels' REML fit of value ~ year + (1 | area), as the reference."""
    import warnings

    import statsmodels.formula.api as smf

    long = panel.rename_axis(index="unit", columns="year").stack().rename("value").reset_index().dropna()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = smf.mixedlm("value ~ C(year)", long, groups=long["unit"]).fit(reml=True)
    between, within = max(0.0, float(np.asarray(fit.cov_re)[0, 0])), float(fit.scale)
    return between / (between + within)


def test_icc_worked_by_hand():
    # Three areas, two years. Area means 2.5, 2.5, 7.5; grand mean 25/6; residuals ±1/3, ±2/3,
    # ±1/3: MS(residual) = (4/3) / 2 = 2/3; MS(area) = 2 × (2 × (5/3)² + (10/3)²) / 2 = 50/3;
    # σ²(area) = (50/3 − 2/3) / 2 = 8; ICC = 8 / (8 + 2/3) = 12/13.
    panel = pd.DataFrame([[1, 4], [2, 3], [6, 9]], index=["A", "B", "C"], columns=["2021", "2022"], dtype=float)
    assert validity.calculate_icc(panel) == pytest.approx(12 / 13, abs=1e-12)
    assert _mixedlm_icc(panel) == pytest.approx(12 / 13, abs=1e-4)


def test_icc_of_a_panel_with_gaps_is_the_mixed_model_fit():
    rng = np.random.default_rng(2)
    values = rng.normal(0, 1.0, size=(45, 1)) + rng.normal(0, 1.0, size=(45, 6))
    values[3, 2] = values[10, 5] = np.nan
    panel = pd.DataFrame(values, index=AREAS, columns=YEARS[:6])
    # calculate_icc standardises before fitting; the ICC does not depend on the scale
    assert validity.calculate_icc(panel) == pytest.approx(_mixedlm_icc(panel), abs=1e-3)


# --- simulated data where the truth is known (synthetic) ---------------------------------------

def _simulated_proportions(rng, true_share):
    """Synthetic counts: 45 areas × 15 years, binomial around each area's true share (per cent)."""
    n = rng.integers(2_000, 100_000, size=(45, 1)) * np.ones((1, 15))
    x = rng.binomial(n.astype(int), true_share / 100)
    value = pd.DataFrame(x / n * 100, index=AREAS, columns=YEARS)
    pooled = x.sum(axis=0) / n.sum(axis=0)
    variance = pd.DataFrame(pooled * (1 - pooled) * 100**2 / n, index=AREAS, columns=YEARS)
    return value, variance, pd.DataFrame(n, index=AREAS, columns=YEARS), pd.DataFrame(x, index=AREAS, columns=YEARS)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_pure_noise_indicator_has_rankability_near_zero(seed):
    rng = np.random.default_rng(seed)
    value, variance, _, _ = _simulated_proportions(rng, np.full((45, 1), 10.0))
    result = validity.calculate_rankability(value["2020"], variance["2020"])
    assert result["value"] < 0.3
    assert result["lower"] <= result["value"] <= result["upper"]
    assert validity.calculate_icc(value) < 0.15  # no lasting differences between areas


def test_real_differences_have_rankability_near_one():
    rng = np.random.default_rng(7)
    value, variance, _, _ = _simulated_proportions(rng, rng.normal(10.0, 2.0, size=(45, 1)))
    result = validity.calculate_rankability(value["2020"], variance["2020"])
    assert result["value"] > 0.9 and result["lower"] > 0.8
    assert validity.calculate_icc(value) > 0.9
    assert validity.calculate_rank_stability(value) > 0.9


def test_duplicated_indicator_is_flagged_as_redundant():
    rng = np.random.default_rng(3)
    a = pd.DataFrame(rng.normal(size=(45, 15)), index=AREAS, columns=YEARS)
    panels = {"a": a, "a_rescaled": a * 3 + 1, "noise": pd.DataFrame(rng.normal(size=(45, 15)), index=AREAS, columns=YEARS),
              "mirror": -a}
    correlation = validity.correlation_matrix(panels)
    assert correlation.at["a", "a_rescaled"] == pytest.approx(1.0)
    assert correlation.at["a", "mirror"] == pytest.approx(-1.0)
    assert abs(correlation.at["a", "noise"]) < 0.2
    clusters = validity.redundancy_clusters(correlation)
    assert clusters["a"] == clusters["a_rescaled"] == clusters["mirror"] != clusters["noise"]


def test_indicator_driven_by_structure_has_a_high_structural_share():
    rng = np.random.default_rng(5)
    design = pd.DataFrame({"const": 1.0, "x1": rng.normal(size=45), "x2": rng.normal(size=45)}, index=AREAS)
    structural = 2 * design["x1"] - design["x2"] + rng.normal(0, 0.1, size=45)
    noise = pd.Series(rng.normal(size=45), index=AREAS)
    assert validity.calculate_structural_share(structural, design) > 0.95
    assert validity.calculate_structural_share(noise, design) < 0.2


def _fake_indicator(**fields):
    base = {"id": "simulated", "statistic": "proportion", "denominator": ("n",), "derive": None, "ci_method": "wilson",
            "multiplier": 100, "kind": "outcome", "name": {"en": "simulated"}}
    return types.SimpleNamespace(**{**base, **fields})


def _panel(value, n, x):
    note = pd.DataFrame("", index=value.index, columns=value.columns)
    target = (x.sum(axis=0) / n.sum(axis=0)) * 100
    return validity.Panel("simulated", value, x, n, note, target)


def test_funnel_shares_on_simulated_data():
    rng = np.random.default_rng(11)
    value, _, n, x = _simulated_proportions(rng, np.full((45, 1), 10.0))
    noise = validity._funnel_shares(_fake_indicator(), _panel(value, n, x), "2020")
    assert noise["outside_95"] < 0.2 and noise["outside_998"] < 0.1
    value, _, n, x = _simulated_proportions(rng, rng.normal(10.0, 2.0, size=(45, 1)))
    spread = validity._funnel_shares(_fake_indicator(), _panel(value, n, x), "2020")
    assert spread["outside_998"] > 0.7
    assert spread["outside_95_od"] < spread["outside_95"]  # the overdispersion allowance widens the limits
    no_model = validity._funnel_shares(_fake_indicator(ci_method="none"), _panel(value, n, x), "2020")
    assert np.isnan(no_model["outside_95"])


def test_score_indicator_on_simulated_noise():
    rng = np.random.default_rng(2)
    value, _, n, x = _simulated_proportions(rng, np.full((45, 1), 10.0))
    indicator = _fake_indicator()
    panel = _panel(value, n, x)
    variance = validity.sampling_variance(indicator, panel)
    assert validity.calculate_rankability(value["2020"], variance["2020"])["value"] < 0.3
    coverage = validity.coverage_summary(panel)
    assert coverage == {"areas": 45, "first_year": "2006", "last_year": "2020", "coverage": 1.0, "share_suppressed": 0.0}


def _card(rows):
    card = pd.DataFrame(rows, columns=["indicator", "kind", "rankability", "icc", "coverage", "redundancy_cluster"])
    card["redundancy_cluster"] = card["redundancy_cluster"].astype("Int64")
    return card


def test_proposal_prefers_outcomes_and_reliability_and_keeps_the_budget():
    card = _card([
        ["process_a", "process", 0.99, 0.9, 1.0, 1],
        ["outcome_a", "outcome", 0.80, 0.8, 1.0, 1],     # same cluster: the outcome wins over the process
        ["outcome_b", "outcome", 0.50, 0.5, 1.0, 2],
        ["outcome_c", "outcome", 0.95, 0.9, 1.0, 2],     # more reliable than outcome_b
        ["context_a", "context", 0.99, 0.99, 1.0, 3],
    ])
    names = card["indicator"].tolist()
    correlation = pd.DataFrame(np.eye(5), index=names, columns=names)
    correlation.loc["process_a", "outcome_a"] = correlation.loc["outcome_a", "process_a"] = 0.95
    correlation.loc["outcome_b", "outcome_c"] = correlation.loc["outcome_c", "outcome_b"] = 0.92
    proposal = validity.propose(card, correlation, budget=2)
    assert proposal.chosen == ["outcome_c", "outcome_a"]
    reasons = proposal.table.set_index("indicator")["reason"]
    assert reasons["process_a"] == "redundant with outcome_a (r = 0.95)"
    assert reasons["context_a"] == "over the budget"
    # of the three left out: 0.95² and 0.92² of the chosen ones' partners, nothing of context_a
    assert proposal.explained == pytest.approx((0.95**2 + 0.92**2) / 3)
    assert validity.propose(card, correlation, budget=10).chosen == ["outcome_c", "outcome_a", "context_a"]
    with pytest.raises(ParameterError, match="budget must be a whole number of at least 1"):
        validity.propose(card, correlation, budget=0)


# --- the real shipped data ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def real():
    return validity.analyse()


@pytest.mark.slow
def test_real_scorecard_has_one_row_per_computable_indicator(real):
    from ohti.indicators.compute import coverage

    registry = load_registry()
    with_areas = [i.id for i in registry.values() if i.computable and coverage(i.id, "area", "month" if i.id.endswith("ma12") else "year")[2]]
    assert real.scorecard["indicator"].tolist() == with_areas
    assert list(real.scorecard.columns[:len(validity.SCORECARD_COLUMNS)]) == validity.SCORECARD_COLUMNS
    register = {i.id for i in registry.values() if not i.computable}
    assert register <= set(real.not_computable["indicator"])
    assert set(real.not_computable["indicator"]) | set(with_areas) == set(registry)


@pytest.mark.slow
def test_real_scorecard_values(real):
    card = real.scorecard.set_index("indicator")
    rate = card.loc["unemployment_rate"]
    # Registry counts are large: the unemployment rate tells the 45 areas apart far beyond chance.
    assert rate["rankability"] > 0.9 and rate["rank_stability"] > 0.9 and rate["icc"] > 0.7
    assert 0 <= rate["outside_95_od"] <= rate["outside_95"] <= 1
    assert rate["outside_998"] <= rate["outside_95"]
    assert rate["coverage"] == 1.0 and rate["first_year"] == "2006" and rate["last_year"] == "2022"
    # The same statistic twice is redundant: stocks and their annual average.
    assert card.at["unemployed", "redundancy_cluster"] == card.at["unemployed_annual_average", "redundancy_cluster"]
    # Vacancy figures are suppressed for small municipalities in the source.
    assert card.at["vacancies", "share_suppressed"] > 0
    # A change from a year before is mostly noise in its ranking.
    assert card.at["unemployment_rate_change_year", "rank_stability"] < 0.5
    shares = card["structural_share"].dropna()
    assert len(shares) == len(card) and shares.between(0, 1).all()
    # The covariates include the share of the population over 64: it explains itself.
    assert card.at["over_64_share", "structural_share"] > 0.99
    # No covariate shares a component with the unemployment rate any more (vacancies per
    # unemployed job seeker did), so the frame conditions explain only part of it.
    assert card.at["unemployment_rate", "structural_share"] < 0.5


@pytest.mark.slow
def test_cli_validity_csv(capsys):
    status = main(["validity", "--format", "csv", "--budget", "10", "--quiet"])
    out, err = capsys.readouterr()
    assert status == 0
    table = pd.read_csv(io.StringIO(out))
    assert list(table.columns[:9]) == ["indicator", "rankability", "rank_stability", "icc", "outside_95",
                                       "outside_998", "structural_share", "redundancy_cluster", "coverage"]
    assert table["indicator"].is_unique and table["proposed"].sum() == 10
    assert "indicators scored" in err


def test_cli_validity_bad_budget_is_one_line(capsys):
    assert main(["validity", "--budget", "0"]) == 2
    assert "budget must be a whole number of at least 1" in capsys.readouterr().err


@pytest.mark.slow
def test_catalogue_entry_carries_the_scorecard(real):
    from ohti.publish.catalogue import validity_fact

    assert validity_fact("unemployment_rate").startswith("rankability 0.99")
    assert validity_fact("initial_interview_within_5_days") == "not assessed: customer register only (not public)"


def test_plan_has_one_validity_document():
    from ohti.publish.edition import validity_links
    from ohti.publish.plan import plan_documents

    plan = plan_documents("2023-10", codes="01", validity=True, language="en")
    documents = [d for d in plan if d["kind"] == "validity"]
    assert [(d["code"], d["language"], d["notebook"].name) for d in documents] == [("validity", "en", "indicator_validity.ipynb")]
    assert not [d for d in plan_documents("2023-10", codes="01") if d["kind"] == "validity"]
    links = validity_links([{"code": "validity", "status": "ok", "html": "/x/2023-10/validity_en.html", "language": "en"},
                            {"code": "01", "status": "ok", "html": "/x/2023-10/01_en.html", "language": "en"}],
                           "/x/2023-10/index.html", "en")
    assert links == [("Indicator validity: evidence for a condensed set [en]", "validity_en.html")]


@pytest.mark.build
@pytest.mark.slow
def test_validity_notebook_runs_on_real_data(tmp_path):
    from ohti.paths import VALIDITY_NOTEBOOK

    nb = execute.render_notebook(VALIDITY_NOTEBOOK, tmp_path / "validity_en.ipynb",
                               {"period": "2023-10", "language": "en", "budget": 12})
    html = convert.notebook_to_html(nb, title="Indicator validity", language="en")
    for text in ("Indicator validity", "Scorecard by indicator", "Rankability and stability", "Redundancy",
                 "Principal components", "Proposed condensed set", "Indicators that cannot be assessed",
                 "Initial interview within five working days", "At most 12 indicators"):
        assert text in html
    assert html.count("<img ") >= 2 and "<script" not in html


def test_proposal_puts_a_ratio_before_a_count_of_the_same_kind():
    card = _card([["count_a", "outcome", 1.0, 1.0, 1.0, 1], ["rate_a", "outcome", 0.9, 0.9, 1.0, 1]])
    card["statistic"] = ["count", "proportion"]
    correlation = pd.DataFrame([[1.0, 0.93], [0.93, 1.0]], index=["count_a", "rate_a"], columns=["count_a", "rate_a"])
    proposal = validity.propose(card, correlation, budget=1)
    assert proposal.chosen == ["rate_a"]  # a count is never proposed
    assert proposal.explained == pytest.approx(0.93**2)
    assert validity.propose(card, correlation, budget=2).chosen == ["rate_a"]


def test_proposal_reasons_are_shown_in_the_documents_language():
    from ohti.documents.validity_section import _reason

    assert _reason("representative of cluster 3", "fi") == "ryhmän 3 edustaja"
    assert _reason("redundant with unemployment_rate (r = 0.97)", "sv") == "överlappar med Arbetslöshetsgrad (r = 0,97)"
    assert _reason("over the budget", "en") == "over the budget"


@pytest.mark.slow
def test_real_rankability_of_the_latest_year_is_not_below_the_lowest(real):
    card = real.scorecard.dropna(subset=["rankability"])
    assert len(card) >= 10
    assert (card["rankability_lowest"] <= card["rankability"] + 1e-12).all()
    with_years = real.by_year.dropna(how="all").index
    assert set(with_years) == set(card["indicator"])


@pytest.mark.slow
def test_cached_analysis_is_the_computed_one(real):
    """The analysis kept on disk (JSON) gives back the same frames as computing it."""
    again = validity._from_json(validity._to_json(real))
    pd.testing.assert_frame_equal(again.scorecard, real.scorecard)
    pd.testing.assert_frame_equal(again.correlation, real.correlation)
    pd.testing.assert_frame_equal(again.not_computable, real.not_computable)
    assert validity.analyse() is validity.analyse()  # kept in memory too

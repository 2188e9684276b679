"""Derived indicators and annual periods, checked against values worked by hand from the
shipped source rows (StatFin tyonv 12r5, 2310, 1001, 12u4, vaerak 11re)."""

import numpy as np
import pytest

from ohti.errors import ParameterError, PeriodError
from ohti.indicators.compute import compute_values, coverage, indicator_coverage, indicator_frequency
from ohti.indicators.periods import periods_with_values
from ohti.indicators.registry import indicator_ids, load_registry

# Whole-country rows of 12r5: unemployed job seekers and labour force.
UNEMPLOYED_2022 = [273726, 265591, 250722, 238789, 235379, 259789, 272253, 239116, 232873, 232368, 234837, 260444]
LABOUR_FORCE_2022 = 2636256
UNEMPLOYED_2022_11_TO_2023_10 = [234837, 260444, 258028, 258064, 253876, 246139, 238891, 264731, 278747, 249506, 249769, 256070]
LABOUR_FORCE_2022_11_TO_2023_10 = [2636256] * 2 + [2648166] * 10


def value(indicator, level, period, code=None):
    rows = compute_values(indicator, level, periods=[period], codes=[code] if code else None)
    return rows["value"].iloc[0]


def test_change_from_a_year_before_in_percentage_points():
    # Savonlinna area 2022-10: (36 + 96 + 1381 + 64) / (546 + 1363 + 13772 + 956) = 1577 / 16637
    before = 100 * 1577 / 16637
    now = 100 * 1770 / 16417
    assert value("unemployment_rate_change_year", "area", "2023-10", "36") == pytest.approx(now - before)


def test_relative_change_from_a_year_before():
    assert value("unemployed_change_year_pct", "national", "2023-10") == pytest.approx((256070 / 232368 - 1) * 100)


def test_twelve_month_moving_average_is_a_ratio_of_means():
    expected = 100 * np.mean(UNEMPLOYED_2022_11_TO_2023_10) / np.mean(LABOUR_FORCE_2022_11_TO_2023_10)
    assert value("unemployment_rate_ma12", "national", "2023-10") == pytest.approx(expected)
    early = compute_values("unemployment_rate_ma12", "national", periods=["2006-11", "2023-10"])
    assert np.isnan(early["value"].iloc[0]) and early["note"].iloc[0] != ""  # fewer than 12 months


def test_annual_average_and_annual_period():
    assert value("unemployed_annual_average", "national", "2022") == pytest.approx(np.mean(UNEMPLOYED_2022))
    assert value("unemployment_rate", "national", "2022") == pytest.approx(100 * np.mean(UNEMPLOYED_2022) / LABOUR_FORCE_2022)
    # 2023 has only 10 months in the snapshot: no annual value, and the note says why.
    rows = compute_values("unemployment_rate", "national", periods=["2022", "2023"])
    assert np.isnan(rows["value"].iloc[1]) and "incomplete year: 10 of 12 months" in rows["note"].iloc[1]
    with pytest.raises(PeriodError, match="'2023' is outside the data \\(2006 … 2022\\)"):
        compute_values("unemployment_rate", "national", periods=["2023"])


def test_flows_sum_over_the_year():
    rows = compute_values("new_vacancies", "national", periods=["2019"])
    monthly = compute_values("new_vacancies", "national", periods=[f"2019-{m:02d}" for m in range(1, 13)])
    assert rows["value"].iloc[0] == pytest.approx(monthly["value"].sum())


def test_ratio_of_two_indicators():
    # StatFin 2310, whole country 2019-10: 10 664 filled and 65 071 new vacancies.
    assert value("filled_to_new_vacancies", "national", "2019-10") == pytest.approx(10664 / 65071)


def test_mean_days_is_weighted_by_filled_vacancies():
    rows = compute_values("filled_vacancy_mean_days", "national", periods=["2019-10"])
    assert rows["value"].iloc[0] == pytest.approx(46.0)  # the national row's published mean
    area = compute_values("filled_vacancy_mean_days", "area", periods=["2019-10"])
    assert area["value"].dropna().between(1, 365).all()


def test_group_share_where_the_data_exists():
    # StatFin 1001, KOKO MAA 2020M06: 75 153 long-term unemployed of 416 873 unemployed.
    assert value("long_term_unemployed_share", "national", "2020-06") == pytest.approx(100 * 75153 / 416873)
    # Hämeenlinna 2020M06: 907 of 4 778.
    assert value("long_term_unemployed_share", "municipality", "2020-06", "109") == pytest.approx(100 * 907 / 4778)
    # TyöHäme has seven municipalities and the source covers two: no value, and the note says so.
    row = compute_values("long_term_unemployed_share", "area", periods=["2020-06"], codes=["42"]).iloc[0]
    assert np.isnan(row["value"]) and "not covered: the source has no long_term_unemployed for 5 of 7" in row["note"]


def test_activation_rate_matches_the_published_rate():
    # StatFin 12u4 publishes AKTASTE 22.7 for 2006-01 (81 888 in services, 278 486 unemployed).
    assert value("activation_rate", "national", "2006-01") == pytest.approx(100 * 81888 / (81888 + 278486))
    assert round(value("activation_rate", "national", "2006-01"), 1) == 22.7
    assert round(value("activation_rate_foreign", "national", "2006-01"), 1) == 39.9  # AKTASTEULK
    # From 2026 the same rate from 12r5's service groups, for every level: whole country 2026-06,
    # 12 053 + 3 430 + 20 990 + 536 + 27 189 = 64 198 in services, 352 001 unemployed (KEHA-keskus, 12r5).
    assert value("activation_rate", "national", "2026-06") == pytest.approx(100 * 64198 / (64198 + 352001))


def test_population_based_rates():
    assert value("population", "national", "2023") == 5603851  # StatFin 11re, 31.12.2023
    # A yearly denominator stands for each month of its year.
    assert value("unemployed_per_1000_inhabitants", "national", "2023-10") == pytest.approx(1000 * 256070 / 5603851)


def test_annual_indicator_refuses_a_month():
    with pytest.raises(ParameterError, match="'population' is annual: give a year YYYY"):
        compute_values("population", "area", periods=["2023-10"])


def test_period_outside_an_indicators_coverage():
    # StatFin 2310 ends in 2020-08, and 12r5 does not publish filled vacancies
    with pytest.raises(PeriodError, match="outside the data \\(2006-01 … 2020-08\\)"):
        compute_values("filled_vacancies", "area", periods=["2022-01"])
    # new vacancies: 2310 until 2020-08, 12r5 in 2026-06; a month between has no value, and says why
    row = compute_values("new_vacancies", "area", periods=["2022-01"], codes=["01"]).iloc[0]
    assert np.isnan(row["value"]) and row["note"] == "no data for this period"


def test_customer_register_indicator_is_not_computed():
    with pytest.raises(ParameterError, match="needs customer-register data"):
        compute_values("initial_interview_within_5_days", "area", periods=["2023-10"])


@pytest.mark.parametrize("indicator", ["unemployed", "new_vacancies", "jobs", "foreign_citizens_share", "population"])
def test_areas_are_sums_of_their_municipalities(indicator):
    from ohti.sources.areas import current_membership

    frequency = indicator_frequency(indicator)
    period = {"month": "2019-10", "year": "2015"}[frequency]
    area = compute_values(indicator, "area", periods=[period]).set_index("area_code")
    municipal = compute_values(indicator, "municipality", periods=[period]).set_index("area_code")
    weights = current_membership("area")
    complete = area.index[area["note"] == ""]
    for column in ("numerator", "denominator"):
        if area[column].isna().all():
            continue
        summed = weights.T @ municipal[column].reindex(weights.index).fillna(0.0)
        assert np.allclose(area.loc[complete, column], summed.loc[complete])


def test_catalogue_has_enough_indicators_for_every_area():
    load_registry()  # the registry loads (its rules hold) before anything is counted
    computable = [i for i in indicator_ids(computable=True) if coverage(i, "area")[2] == 45]
    assert len(computable) >= 25
    in_2022 = [i for i in computable if ("2022" if indicator_frequency(i) == "year" else "2022-06")
               in periods_with_values(i, "area", indicator_frequency(i))]
    assert len(in_2022) >= 8
    for indicator in in_2022:
        period = "2022" if indicator_frequency(indicator) == "year" else "2022-06"
        assert compute_values(indicator, "area", periods=[period])["value"].notna().sum() == 45, indicator
    assert len(indicator_ids(computable=False)) >= 6  # customer-register indicators, marked as such


def test_periods_are_read_from_the_data():
    """The registry declares no periods: an indicator's coverage is what the loaded data hold,
    so a refresh that adds months extends it without an edit."""
    computable = [indicator for indicator in load_registry().values() if indicator.computable]
    assert len(computable) >= 25
    for indicator in computable:
        first, last = indicator_coverage(indicator.id)
        spans = [coverage(indicator.id, level)[:2] for level in ("national", "municipality")]
        assert first == min(s[0] for s in spans if s[0]) and last == max(s[1] for s in spans if s[1]), indicator.id
    assert indicator_coverage("unemployment_rate") == ("2006-01", "2026-06")
    assert indicator_coverage("long_term_unemployed_share") == ("2006-01", "2026-06")  # 1001 nationally, then 12r5


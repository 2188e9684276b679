"""ohti.documents.charts: spine charts and funnel plots (Fingertips style), on small frames and real data.

Real data: the shipped employment service statistics (TEM, tyonv 12r5) for October 2023 through
:func:`ohti.indicators.compute.compute_values`. Other frames are synthetic test data, labelled as such.
"""

import base64
import html
import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from ohti.documents.charts import figure_html, plot_funnel, plot_spine
from ohti.errors import ParameterError
from ohti.indicators.compute import compute_values
from ohti.stats import funnels, intervals

PERIOD = "2023-10"


def _spine_rows():
    # Synthetic test data: three indicators, one per polarity.
    return pd.DataFrame({
        "name": ["Unemployment rate", "Labour force share", "Vacancies per unemployed"],
        "value": [8.0, 45.0, 0.30],
        "national": [10.0, 47.0, 0.20],
        "minimum": [5.0, 42.0, 0.05],
        "q25": [8.5, 44.0, 0.12],
        "q75": [11.0, 48.0, 0.22],
        "maximum": [12.0, 52.0, 0.70],
        "significance": ["better", "worse", "higher"],
        "polarity": ["lower_is_better", "higher_is_better", "neutral"],
        "decimals": [1, 1, 2],
    })


def _collection(ax, gid):
    found = [c for c in ax.collections if c.get_gid() == gid]
    assert len(found) == 1, f"no single collection with gid {gid!r}"
    return found[0]


def _patches(ax, gid):
    return [p for p in ax.patches if p.get_gid() == gid]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --------------------------------------------------------------------------------------------
# Spine chart
# --------------------------------------------------------------------------------------------

def test_spine_figure_alt_and_html():
    rows = _spine_rows()
    before = rows.copy()
    fig, alt = plot_spine(rows, area_name="Testala", language="en")
    pd.testing.assert_frame_equal(rows, before)
    assert "Testala" in alt and "3 indicators" in alt
    assert ("Better than the whole country 1, similar 0, worse 1, not judged or not compared 1"
            in alt)
    assert alt.endswith("Worse than the whole country: Labour force share.")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == rows["name"].tolist()
    texts = [t.get_text() for t in ax.texts]
    assert "8.0" in texts and "10.0" in texts and "0.30" in texts and "Testala" in texts
    assert fig.get_size_inches()[0] == pytest.approx(7.0)
    page = figure_html(fig, alt, caption="Spine")
    assert f'alt="{html.escape(alt, quote=True)}"' in page
    svg = base64.b64decode(re.search(r"base64,([^\"]+)", page).group(1)).decode("utf-8")
    assert "<svg" in svg


def test_spine_height_grows_with_rows():
    rows = _spine_rows()
    small, _ = plot_spine(rows.iloc[:1], area_name="A", language="fi")
    large, _ = plot_spine(pd.concat([rows] * 4, ignore_index=True), area_name="A", language="fi")
    assert large.get_size_inches()[1] > small.get_size_inches()[1] + 3


def test_spine_better_is_always_on_the_right():
    # Unemployment rate (lower is better): 8.0 against 10.0 is better, so its marker lies right
    # of the centre (0.5) although the value is lower. Labour force share (higher is better):
    # 45 against 47 is worse, left. Neutral: higher than the country, right.
    fig, _ = plot_spine(_spine_rows(), area_name="A", language="en")
    ax = fig.axes[0]
    better = _collection(ax, "spine-better").get_offsets()
    worse = _collection(ax, "spine-worse").get_offsets()
    higher = _collection(ax, "spine-higher").get_offsets()
    assert better[0, 0] > 0.5 and better[0, 1] == 0
    assert worse[0, 0] < 0.5 and worse[0, 1] == 1
    assert higher[0, 0] > 0.5 and higher[0, 1] == 2
    # Shapes as well as colours: circle, square, triangle.
    paths = {gid: _collection(ax, gid).get_paths()[0].vertices.shape[0]
             for gid in ("spine-better", "spine-worse", "spine-higher")}
    assert len(set(paths.values())) == 3
    legend_texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert fig.legends[0].get_title().get_text().startswith("Rows where a lower value is better")
    assert "Worse than the whole country" in legend_texts


def test_spine_rows_are_scaled_around_the_national_value():
    # Row 0: national 10, minimum 5, maximum 12 → half-width 5, reversed (lower is better):
    # minimum 5 → 0.5 + 5/10 = 1.0, maximum 12 → 0.5 − 2/10 = 0.3, value 8 → 0.7.
    # Row 2 (neutral): national 0.2, farthest is the maximum 0.7 → half-width 0.5:
    # minimum 0.05 → 0.35, maximum → 1.0, value 0.3 → 0.6.
    fig, _ = plot_spine(_spine_rows(), area_name="A", language="en")
    ax = fig.axes[0]
    ranges = _patches(ax, "spine-range")
    assert ranges[0].get_x() == pytest.approx(0.3) and ranges[0].get_width() == pytest.approx(0.7)
    assert ranges[2].get_x() == pytest.approx(0.35)
    assert ranges[2].get_width() == pytest.approx(0.65)
    assert _collection(ax, "spine-better").get_offsets()[0, 0] == pytest.approx(0.7)
    assert _collection(ax, "spine-higher").get_offsets()[0, 0] == pytest.approx(0.6)


def test_spine_without_reversed_rows_has_no_reversal_note():
    rows = _spine_rows().iloc[1:]
    fig, _ = plot_spine(rows, area_name="A", language="en")
    assert fig.legends[0].get_title().get_text() == ""


def test_spine_missing_value_prints_no_data():
    rows = _spine_rows()
    rows.loc[0, ["value", "significance"]] = [np.nan, "not compared"]
    fig, alt = plot_spine(rows, area_name="A", language="fi")
    assert "ei tietoa" in [t.get_text() for t in fig.axes[0].texts]
    assert "ei arvotettu tai ei verrattu 2" in alt


@pytest.mark.parametrize("change, match", [
    (lambda r: r.drop(columns=["q25"]), r"column\(s\) 'q25' not in rows"),
    (lambda r: r.iloc[:0], "rows is empty"),
    (lambda r: r.assign(significance=["better", "Worse", "higher"]),
     r"unknown significance 'Worse'"),
    (lambda r: r.assign(polarity=["up", "higher_is_better", "neutral"]), "unknown polarity 'up'"),
    (lambda r: r.assign(national=[np.nan, 47.0, 0.2]),
     "no national value for 'Unemployment rate'"),
    (lambda r: r.assign(value=[12.0, 45.0, 0.30]),
     "row 'Unemployment rate': significance 'better' contradicts the value 12"),
])
def test_spine_invalid_rows_raise(change, match):
    with pytest.raises(ParameterError, match=match):
        plot_spine(change(_spine_rows()), area_name="A", language="en")


def test_spine_on_real_data():
    # Espoo-Kauniainen (area 01) against the 45 areas and the whole country, October 2023.
    rows = []
    for indicator, statistic, polarity, multiplier in (
            ("unemployment_rate", "proportion", "lower_is_better", 100),
            ("labour_force_share_of_population", "proportion", "higher_is_better", 100),
            ("vacancies_per_unemployed", "rate", "neutral", 1)):
        areas = compute_values(indicator, "area", periods=[PERIOD], language="en")
        national = float(compute_values(indicator, "national", periods=[PERIOD])["value"].iloc[0])
        calculate = (intervals.calculate_proportion if statistic == "proportion"
                     else intervals.calculate_rate)
        limits = calculate(areas[["area_code", "numerator", "denominator"]], "numerator",
                              "denominator", multiplier=multiplier)
        significance = intervals.compare_with_reference(limits["value"], limits["lower"],
                                                    limits["upper"], national, polarity)
        mine = (areas["area_code"] == "01").to_numpy()
        values = areas["value"]
        rows.append({"name": indicator, "value": values[mine].iloc[0], "national": national,
                     "minimum": values.min(), "q25": values.quantile(0.25),
                     "q75": values.quantile(0.75), "maximum": values.max(),
                     "significance": significance[mine][0], "polarity": polarity,
                     "decimals": 1})
    fig, alt = plot_spine(pd.DataFrame(rows), area_name="Espoo-Kauniainen", language="en")
    assert "Espoo-Kauniainen, 3 indicators" in alt
    # Espoo-Kauniainen's 8.7 % unemployment is below the country's 9.7 %: better, right side.
    better = _collection(fig.axes[0], "spine-better").get_offsets()
    assert 0 in better[:, 1] and better[better[:, 1] == 0][0, 0] > 0.5


# --------------------------------------------------------------------------------------------
# Funnel plot
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real_funnel():
    areas = compute_values("unemployment_rate", "area", periods=[PERIOD], language="en")
    national = compute_values("unemployment_rate", "national", periods=[PERIOD])
    target = float(national["value"].iloc[0])
    limits = funnels.funnel_limits(areas["denominator"], target, statistic="proportion",
                                 multiplier=100)
    return areas, target, limits


def test_funnel_on_real_data(real_funnel):
    areas, target, limits = real_funnel
    fig, alt = plot_funnel(areas["value"], areas["denominator"], limits, target=target,
                           focal="Lahti", labels=areas["area_name"].tolist(),
                           statistic="proportion", unit="%", decimals=1, language="en")
    # The chart places the areas by the drawn limits; funnels.funnel_significance judges them by
    # the exact limits at each denominator. The counts in the alt text must agree with it.
    exact = funnels.funnel_significance(areas["value"], areas["denominator"], target,
                                      statistic="proportion", multiplier=100)
    outside_99_8 = int(np.char.startswith(exact.astype(str), "outside 99.8%").sum())
    outside_95 = int(np.char.startswith(exact.astype(str), "outside").sum())
    assert (f"Funnel plot: 45 areas, value against denominator. Target 9.7. {outside_95} areas "
            f"lie outside the 95% control limits, {outside_99_8} of them also outside the 99.8% "
            "limits.") in alt
    # Lahti has the highest rate, 12.9 %, far above the upper 99.8 % limit.
    assert alt.endswith("Lahti (12.9) lies above the upper 99.8% limit.")
    ax = fig.axes[0]
    focal = _collection(ax, "funnel-focal")
    lahti = areas[areas["area_name"] == "Lahti"].iloc[0]
    assert tuple(focal.get_offsets()[0]) == pytest.approx((lahti["denominator"], lahti["value"]))
    assert focal.get_sizes()[0] > 2 * _collection(ax, "funnel-high_99_8").get_sizes()[0]
    assert "Lahti" in [t.get_text() for t in ax.texts]
    assert ax.get_xscale() == "linear"  # 8 520 … 353 085: under two orders of magnitude
    assert 'alt="Funnel plot: 45 areas' in figure_html(fig, alt)


def test_funnel_shapes_distinguish_the_limits(real_funnel):
    areas, target, limits = real_funnel
    fig, _ = plot_funnel(areas["value"], areas["denominator"], limits, target=target,
                         statistic="proportion", unit="%", decimals=1, language="fi")
    ax = fig.axes[0]
    shapes = {gid: _collection(ax, gid).get_paths()[0].vertices.shape[0]
              for gid in ("funnel-within", "funnel-high_95", "funnel-high_99_8")}
    assert len(set(shapes.values())) == 3
    assert ax.get_xlabel() == "Nimittäjä" and ax.get_ylabel() == "Arvo (%)"


def test_funnel_log_axis_and_positions():
    # Synthetic test data: denominators over four orders of magnitude, proportions in per cent.
    denominators = np.array([50, 400, 3000, 20000, 500000])
    values = np.array([10.0, 20.0, 13.0, 10.2, 10.05])
    limits = funnels.funnel_limits(denominators, 10.0, statistic="proportion", multiplier=100)
    fig, alt = plot_funnel(values, denominators, limits, target=10.0, focal=1,
                           labels=list("ABCDE"), statistic="proportion", unit="%", decimals=1,
                           language="en", x_label="Labour force")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "Labour force"
    # B: 20 % of 400 against 10 %: z = 10 / sqrt(10·90/400) = 6.7, far above the 99.8 % limit;
    # C: 13 % of 3 000: z = 3 / sqrt(10·90/3000) = 5.5, also above.
    assert "2 areas lie outside the 95% control limits, 2 of them also outside" in alt
    assert alt.endswith("B (20.0) lies above the upper 99.8% limit.")


def test_funnel_ratio_label_and_missing_values():
    # Synthetic test data: a missing value is neither drawn nor counted.
    limits = funnels.funnel_limits([100, 200], 1.0, statistic="ratio")
    fig, alt = plot_funnel([1.0, np.nan, 1.1], [100, 150, 200], limits, target=1.0, focal=1,
                           labels=["A", "B", "C"], statistic="ratio", unit="", decimals=2,
                           language="sv")
    assert fig.axes[0].get_xlabel() == "Förväntat antal"
    assert alt.startswith("Trattdiagram: 2 områden")
    assert alt.endswith("B (uppgift saknas) ligger inte bedömt eftersom värdet saknas.")


@pytest.mark.parametrize("kwargs, match", [
    ({"drop_limit": "upper_99_8"}, r"limits lack column\(s\) 'upper_99_8'"),
    ({"focal": "Nowhere"}, "focal area 'Nowhere' is not among the labels"),
    ({"focal": 7}, r"focal must be an area's label or its position \(0 to 2\), not 7"),
    ({"labels": ["A", "B"]}, "2 labels for 3 values"),
    ({"denominators": [100, 200]}, "3 values and 2 denominators"),
    ({"statistic": "mean"}, "unknown statistic 'mean'"),
])
def test_funnel_invalid_input_raises(kwargs, match):
    limits = funnels.funnel_limits([100, 300], 10.0, statistic="proportion", multiplier=100)
    options = {"values": [9.0, 11.0, 10.0], "denominators": [100, 200, 300], "limits": limits,
               "target": 10.0, "labels": ["A", "B", "C"], "statistic": "proportion",
               "unit": "%", "decimals": 1}
    options.update(kwargs)
    if "drop_limit" in options:
        options["limits"] = limits.drop(columns=options.pop("drop_limit"))
    values, denominators, limits = (options.pop(k) for k in ("values", "denominators", "limits"))
    with pytest.raises(ParameterError, match=match):
        plot_funnel(values, denominators, limits, **options)


# --------------------------------------------------------------------------------------------
# Saving
# --------------------------------------------------------------------------------------------

def test_a_laid_out_chart_is_drawn_once_when_saved(monkeypatch):
    """A line chart fits its figure by tight layout and is saved as it is: one draw, not the
    second one savefig makes for a figure that keeps a layout engine."""
    from matplotlib.figure import Figure

    from ohti.documents.charts import plot_area_vs_nation

    # Synthetic test data: two years of made-up monthly values.
    months = pd.date_range("2022-01-01", periods=24, freq="MS")
    series = pd.DataFrame({"period": months, "area": np.linspace(8.0, 10.0, 24),
                           "national": np.linspace(9.0, 9.5, 24)})
    fig, _ = plot_area_vs_nation(series, area_name="Area", indicator_name="Rate", unit="%", decimals=1,
                                 language="en")
    draws = []
    original = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, renderer: (draws.append(1), original(self, renderer))[1])
    page = figure_html(fig, "alt")
    assert page.startswith("<figure><img src=\"data:image/svg+xml;base64,")
    assert len(draws) == 1

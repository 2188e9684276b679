"""Charts in the house style, embedded in documents as SVG images with alt text.

Colours are from a palette readable with the common colour-vision deficiencies (Okabe & Ito
2008); the area and the nation also differ by line style, so colour is never the only cue.
"""

from __future__ import annotations

import base64
import html
import io
import weakref

from ohti.i18n import format_number, label
from ohti.lazy import LazyModule
from ohti.stats.funnels import FUNNEL_STATISTICS


def _agg_backend() -> None:
    import matplotlib

    matplotlib.use("Agg")


# matplotlib (half a second to import) loads when the first chart is drawn, with the Agg
# backend: documents embed their charts as images and never open a window. The commands that
# draw nothing (a build with nothing to build, the catalogue, the audit) start without it.
plt = LazyModule("matplotlib.pyplot", prepare=_agg_backend)
ticker = LazyModule("matplotlib.ticker")
mlines = LazyModule("matplotlib.lines")
mpatches = LazyModule("matplotlib.patches")
mtransforms = LazyModule("matplotlib.transforms")

AREA_COLOUR = "#0072B2"
BREAK_COLOUR = "#6F6F6F"
NATIONAL_COLOUR = "#555555"
FIGURE_SIZE = (7.0, 3.2)
RASTER_DPI = 130

STYLE = {
    "svg.hashsalt": "ohti",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
}


#: Figures whose tight layout keeps every label inside them (see :func:`_lay_out`).
_LAID_OUT = weakref.WeakSet()


def _lay_out(fig, *, bottom: float = 0.0) -> None:
    """Fit the axes, their labels and legends into the figure (tight layout) above ``bottom``
    (a fraction of the figure kept for notes), and remember that the figure needs no cropping
    when it is saved."""
    fig.tight_layout(rect=(0, bottom, 1, 1)) if bottom else fig.tight_layout()
    # tight_layout leaves a placeholder layout engine behind, and savefig draws a figure that has
    # one twice (the first time for a layout engine that does nothing): without it, once
    fig.set_layout_engine(None)
    _LAID_OUT.add(fig)


def figure_html(fig, alt: str, *, caption: str | None = None, raster: bool = False,
                css_class: str | None = None) -> str:
    """Embed a figure as an ``<img>`` with alt text (and an optional caption); close it.

    Charts are SVG; ``raster=True`` gives a PNG instead, for maps with many polygons, whose SVG
    would be large. Neither carries a date, so the same figure gives the same bytes.
    """
    buffer = io.BytesIO()
    # A chart laid out by _lay_out fills its figure already: saved as it is, it is drawn once;
    # cropping to the drawn extent (maps, the spine chart) draws it twice.
    crop = raster or fig not in _LAID_OUT
    with plt.rc_context(STYLE):
        if raster:
            fig.savefig(buffer, format="png", dpi=RASTER_DPI, bbox_inches="tight", metadata={"Software": None})
        else:
            fig.savefig(buffer, format="svg", bbox_inches="tight" if crop else None, metadata={"Date": None})
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    kind = "png" if raster else "svg+xml"
    img = f'<img src="data:image/{kind};base64,{data}" alt="{html.escape(alt, quote=True)}">'
    opening = f'<figure class="{html.escape(css_class, quote=True)}">' if css_class else "<figure>"
    if caption:
        return f"{opening}{img}<figcaption>{html.escape(caption)}</figcaption></figure>"
    return f"{opening}{img}</figure>"


def _isolated(values) -> "np.ndarray":
    """True where a value has no value on either side (a line cannot show it)."""
    known = np.asarray(pd.notna(values), dtype=bool)
    before = np.concatenate([[False], known[:-1]])
    after = np.concatenate([known[1:], [False]])
    return known & ~before & ~after


def _mark_isolated(ax, periods, values, *, color, marker):
    """Draw the values a line cannot show (a month between gaps) as points."""
    alone = _isolated(values)
    if alone.any():
        ax.plot(np.asarray(periods)[alone], np.asarray(values, dtype=float)[alone], linestyle="none",
                marker=marker, markersize=6, color=color)


def _runs(mask) -> list[tuple[int, int]]:
    """The runs of consecutive True values of `mask`: (first, last) positions."""
    runs, start = [], None
    for position, flag in enumerate(np.append(np.asarray(mask, dtype=bool), False)):
        if flag and start is None:
            start = position
        elif not flag and start is not None:
            runs.append((start, position - 1))
            start = None
    return runs


def _shade_runs(ax, periods, mask, *, text: str, shortest: int = 1, **style):
    """Shade each run of months where `mask` holds (at least `shortest` long); the first run
    carries the legend's label `text`."""
    periods = pd.DatetimeIndex(periods)
    for number, (first, last) in enumerate(r for r in _runs(mask) if r[1] - r[0] + 1 >= shortest):
        ax.axvspan(periods[first], periods[last] + pd.offsets.MonthEnd(1), zorder=0,
                   label=text if number == 0 else None, **style)


def _shade_gaps(ax, series, language):
    """Shade the runs of months that the data have no value for, so that a broken line reads as
    missing data and not as a fall."""
    missing = series["area"].isna().to_numpy() & series["national"].isna().to_numpy()
    _shade_runs(ax, series["period"], missing, text=label("no_data_span", language), shortest=2, color="#f0f0f0")


def _shade_suppressed(ax, series, language):
    """Hatch the runs of months whose area value the disclosure gate suppressed (``suppressed``
    of :func:`ohti.documents.content.area_series`), so that the break in the line reads as a protected
    figure, not as missing data."""
    if "suppressed" not in series:
        return
    hidden = series["suppressed"].fillna(False).to_numpy(dtype=bool)
    _shade_runs(ax, series["period"], hidden, text=label("suppressed_span", language),
                facecolor="none", edgecolor="#bbbbbb", hatch="///", linewidth=0)


def _mark_breaks(ax, breaks) -> float:
    """A dotted vertical line at each series break, lettered at the top (a, b, …: a number in a
    chart of persons would read as a count); the labels go below the chart, one line a break."""
    letters = "abcdefghij"
    for letter, (when, text) in zip(letters, breaks):
        ax.axvline(when, color=BREAK_COLOUR, linewidth=1, linestyle=(0, (1, 2)), zorder=1)
        ax.annotate(letter, xy=(when, 1.0), xycoords=("data", "axes fraction"), xytext=(2, -10),
                    textcoords="offset points", fontsize=7, color=BREAK_COLOUR)
    if breaks:
        ax.figure.text(0.01, 0.01, "\n".join(f"{letter}: {text}" for letter, (_, text) in zip(letters, breaks)),
                       fontsize=6.5, color=BREAK_COLOUR, va="bottom", ha="left")
    return 0.045 * len(breaks) + (0.01 if breaks else 0.0)


def plot_area_vs_nation(series, *, area_name: str, indicator_name: str, unit: str,
                        decimals: int, language: str = "fi", with_nation: bool = True):
    """Line chart of an area's monthly values against the whole country's.

    For counts, whose scale differs from the nation's by orders of magnitude, pass
    ``with_nation=False`` to draw the area alone.

    Parameters
    ----------
    series : DataFrame
        ``period`` (Timestamp), ``area``, ``national`` and optionally ``suppressed`` (months
        whose area value the disclosure gate suppressed, hatched) as from
        :func:`ohti.documents.content.area_series`.

    Returns
    -------
    (Figure, str)
        The figure and its alt text, which states the period and the latest values.
    """
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=FIGURE_SIZE)
        _shade_gaps(ax, series, language)
        _shade_suppressed(ax, series, language)
        ax.plot(series["period"], series["area"], color=AREA_COLOUR, linewidth=2, label=area_name)
        _mark_isolated(ax, series["period"], series["area"], color=AREA_COLOUR, marker="o")
        if "area_adjusted" in series and series["area_adjusted"].notna().any():
            ax.plot(series["period"], series["area_adjusted"], color="#E69F00", linewidth=1.2, linestyle=":",
                    label=f"{area_name}, {label('seasonally_adjusted', language)}")
        if with_nation:
            ax.plot(series["period"], series["national"], color=NATIONAL_COLOUR, linewidth=1.5,
                    linestyle="--", label=label("national", language))
            _mark_isolated(ax, series["period"], series["national"], color=NATIONAL_COLOUR, marker="s")
        ax.set_ylabel(f"{indicator_name} ({unit})" if unit else indicator_name)
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: format_number(v, max(decimals, 0), language)))
        breaks = series.attrs.get("breaks", ())
        bottom = _mark_breaks(ax, breaks)
        ax.legend(frameon=False, loc="best")
        _lay_out(fig, bottom=bottom)
    known = series[series["area"].notna()]
    last = known.iloc[-1] if len(known) else series.iloc[-1]
    alt = label(
        "chart_alt_series" if with_nation else "chart_alt_area", language, indicator=indicator_name, area=area_name,
        start=series["period"].iloc[0].strftime("%m/%Y"), end=last["period"].strftime("%m/%Y"),
        area_last=format_number(last["area"], decimals, language),
        national_last=format_number(last["national"], decimals, language),
    )
    if breaks:
        alt += f" {label('series_breaks', language)}: {'; '.join(text for _, text in breaks)}."
    return fig, alt


# --------------------------------------------------------------------------------------------
# Spine charts and funnel plots (Fingertips)
# --------------------------------------------------------------------------------------------

import textwrap  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ohti.errors import ParameterError  # noqa: E402

SPINE_COLUMNS = ("name", "value", "national", "minimum", "q25", "q75", "maximum", "significance",
                 "polarity", "decimals")
SPINE_MARKERS = {
    # significance: (marker, face colour, label key). Okabe-Ito blue, yellow and vermillion;
    # the shape tells the same story without colour. Neutral differences (higher, lower) and
    # values not compared are white: no judgement.
    "better": ("o", "#0072B2", "spine_better"),
    "similar": ("D", "#F0E442", "spine_similar"),
    "worse": ("s", "#D55E00", "spine_worse"),
    "higher": ("^", "#FFFFFF", "spine_higher"),
    "lower": ("v", "#FFFFFF", "spine_lower"),
    "not compared": ("o", "#FFFFFF", "spine_not_compared"),
}
SPINE_POLARITIES = ("higher_is_better", "lower_is_better", "neutral")
SPINE_RANGE_COLOUR = "#E4E4E4"
SPINE_IQR_COLOUR = "#A8A8A8"
SPINE_WIDTH = 7.0
SPINE_ROW_HEIGHT = 0.36
SPINE_TOP = 0.55
SPINE_BOTTOM = 1.3
SPINE_LEGEND_GAP = 0.1
SPINE_LEFT = 0.37
SPINE_RIGHT = 0.68
SPINE_VALUE_COLUMNS = (0.84, 0.98)
"""Right edges of the area's and the country's value columns, as fractions of the width."""
SPINE_NAME_WIDTH = 38
SPINE_HEADER_WIDTH = 13
SPINE_SIDE_WIDTH = 14
SPINE_MARKER_SIZE = 60

FUNNEL_COLUMNS = ("denominator", "lower_95", "upper_95", "lower_99_8", "upper_99_8", "target")
FUNNEL_STATUSES = ("within", "high_95", "low_95", "high_99_8", "low_99_8")
FUNNEL_MARKERS = {
    # status: (marker, colour, legend key). Shapes carry the story: circles inside, triangles
    # pointing the way out beyond 95 %, squares beyond 99.8 %.
    "within": ("o", "#56B4E9", "funnel_within"),
    "high_95": ("^", "#E69F00", "funnel_outside_95_high"),
    "low_95": ("v", "#E69F00", "funnel_outside_95_low"),
    "high_99_8": ("s", "#D55E00", "funnel_outside_99_8"),
    "low_99_8": ("s", "#D55E00", "funnel_outside_99_8"),
}
FUNNEL_FOCAL = ("*", AREA_COLOUR)
FUNNEL_FIGURE_SIZE = (7.0, 4.6)
FUNNEL_Y_MARGIN = 0.08
FUNNEL_LOG_SPAN = 100
"""A log denominator axis when the largest denominator exceeds this many times the smallest."""
FUNNEL_LOG_PAD = 1.5
"""On a log axis the denominators shown run from the smallest / 1.5 to the largest × 1.5."""


def plot_spine(rows, *, area_name: str, language: str = "fi"):
    """Fingertips spine chart: an area's indicators against the whole country and all areas.

    One row per indicator. On each row the whole country's value is the centre line and the
    row is scaled so that the farthest of the areas' minimum and maximum (or the area's own
    value, if farther) touches the edge, as Fingertips scales its spine charts row by row. A
    light bar spans the areas' minimum to maximum, a darker bar their 25th to 75th percentile,
    and a marker shows the area's value, coloured and shaped by its significance. Rows where a
    lower value is better are reversed, so that better always lies to the right; the legend
    says so. The area's and the country's values are printed on the right.

    Parameters
    ----------
    rows : DataFrame
        One row per indicator, top to bottom, with columns ``name`` (indicator name),
        ``value`` (the area), ``national``, ``minimum``, ``q25``, ``q75``, ``maximum`` (over
        the areas), ``significance`` ("better", "similar", "worse", "higher", "lower",
        "not compared"; as :func:`ohti.stats.intervals.compare_with_reference`), ``polarity``
        ("higher_is_better", "lower_is_better", "neutral") and ``decimals``. Not modified.
    area_name : str
        The area, named in the value column's heading and in the alt text.
    language : str, default "fi"
        Language of the labels, legend and alt text (fi, sv, en).

    Returns
    -------
    (Figure, str)
        The figure and its alt text, which counts the indicators by significance and names
        those worse than the whole country.

    Raises
    ------
    ParameterError
        For a missing column, an empty table, an unknown significance or polarity, or a
        missing national value (all problems at once).

    References
    ----------
    Public Health England. Fingertips user guide: spine charts (area profiles).
    https://fingertips.phe.org.uk/profile/guidance
    Okabe M, Ito K. Color universal design (CUD): how to make figures and presentations that
    are friendly to colorblind people. 2008. https://jfly.uni-koeln.de/color/
    """
    where = "plot_spine"
    rows = _check_spine_rows(rows, where)
    positions = _spine_positions(rows)
    count = len(rows)
    height = SPINE_TOP + SPINE_ROW_HEIGHT * count + SPINE_BOTTOM
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(SPINE_WIDTH, height))
        fig.subplots_adjust(left=SPINE_LEFT, right=SPINE_RIGHT, top=1 - SPINE_TOP / height,
                            bottom=SPINE_BOTTOM / height)
        y = np.arange(count)
        for low, high, colour, bar_height, gid in (("minimum", "maximum", SPINE_RANGE_COLOUR,
                                                     0.62, "spine-range"),
                                                    ("q25", "q75", SPINE_IQR_COLOUR, 0.62,
                                                     "spine-iqr")):
            left = np.fmin(positions[low], positions[high])
            width = np.abs(positions[high] - positions[low])
            ax.barh(y, np.nan_to_num(width), left=np.nan_to_num(left, nan=0.5), height=bar_height,
                    color=colour, linewidth=0, zorder=1, gid=gid)
        ax.axvline(0.5, color=NATIONAL_COLOUR, linewidth=1.4, zorder=2)
        for significance, (marker, colour, _) in SPINE_MARKERS.items():
            pick = (rows["significance"] == significance).to_numpy() & \
                np.isfinite(positions["value"])
            if pick.any():
                ax.scatter(positions["value"][pick], y[pick], marker=marker, s=SPINE_MARKER_SIZE,
                           facecolor=colour, edgecolor="black", linewidth=0.8, zorder=3,
                           gid=f"spine-{significance}")
        for boundary in y[:-1] + 0.5:
            ax.axhline(boundary, color="#eeeeee", linewidth=0.6, zorder=0)
        ax.set_xlim(-0.03, 1.03)
        ax.set_ylim(count - 0.5, -0.5)
        ax.set_yticks(y)
        ax.set_yticklabels([textwrap.fill(str(n), SPINE_NAME_WIDTH) for n in rows["name"]])
        ax.tick_params(axis="y", length=0)
        ax.set_xticks([])
        ax.grid(False)
        for spine in ax.spines.values():
            spine.set_visible(False)
        _spine_text_columns(fig, ax, rows, y, area_name, language)
        for x, key, align in ((0.0, "spine_left", "left"), (1.0, "spine_right", "right")):
            ax.text(x, 1.0, textwrap.fill(label(key, language), SPINE_SIDE_WIDTH),
                    transform=ax.transAxes, ha=align, va="bottom", fontsize=8, color="#333333",
                    multialignment=align)
        _spine_legend(fig, rows, language, top=(SPINE_BOTTOM - SPINE_LEGEND_GAP) / height)
    alt = _spine_alt(rows, area_name, language)
    return fig, alt


def _check_spine_rows(rows, where):
    if not isinstance(rows, pd.DataFrame):
        raise ParameterError(f"{where}: rows must be a pandas DataFrame, not {type(rows).__name__}")
    absent = [c for c in SPINE_COLUMNS if c not in rows.columns]
    if absent:
        raise ParameterError(f"{where}: column(s) {', '.join(map(repr, absent))} not in rows; "
                             f"a spine chart needs: {', '.join(SPINE_COLUMNS)}")
    if rows.empty:
        raise ParameterError(f"{where}: rows is empty; give at least one indicator")
    problems = []
    for column, allowed in (("significance", SPINE_MARKERS), ("polarity", SPINE_POLARITIES)):
        unknown = sorted(set(map(str, rows[column])) - set(allowed))
        if unknown:
            problems.append(f"unknown {column} {', '.join(map(repr, unknown))} (expected one of: "
                            f"{', '.join(allowed)})")
    numbers = {}
    for column in ("value", "national", "minimum", "q25", "q75", "maximum", "decimals"):
        converted = pd.to_numeric(rows[column], errors="coerce")
        if (converted.isna() & rows[column].notna()).any():
            problems.append(f"column {column!r} has non-numeric values")
        numbers[column] = converted.to_numpy(dtype=float, na_value=np.nan)
    lacking = rows["name"][np.isnan(numbers["national"])].astype(str).tolist()
    if lacking:
        problems.append(f"no national value for {', '.join(map(repr, lacking))}; the national "
                        "value is the centre of each row")
    if np.isnan(numbers["decimals"]).any():
        problems.append("column 'decimals' has missing values")
    if not problems:
        problems += _spine_contradictions(rows, numbers)
    if problems:
        raise ParameterError(f"{where}: " + "; ".join(problems))
    table = pd.DataFrame(numbers)
    table["decimals"] = table["decimals"].astype(int)
    for column in ("name", "significance", "polarity"):
        table[column] = rows[column].astype(str).to_numpy()
    return table


def _spine_contradictions(rows, numbers):
    """Rows whose significance points the other way from their value (e.g. a wrong multiplier)."""
    above = numbers["value"] > numbers["national"]
    below = numbers["value"] < numbers["national"]
    lower_better = (rows["polarity"] == "lower_is_better").to_numpy()
    significance = rows["significance"].astype(str).to_numpy()
    needs_above = np.isin(significance, ("higher",)) | (
        (significance == "better") & ~lower_better) | ((significance == "worse") & lower_better)
    needs_below = np.isin(significance, ("lower",)) | (
        (significance == "better") & lower_better) | ((significance == "worse") & ~lower_better)
    wrong = (needs_above & ~above) | (needs_below & ~below)
    return [f"row {rows['name'].iloc[i]!r}: significance {significance[i]!r} contradicts the "
            f"value {numbers['value'][i]:g} against the national {numbers['national'][i]:g} "
            f"({rows['polarity'].iloc[i]}); check that value, national and significance are on "
            "the same scale" for i in np.flatnonzero(wrong)]


def _spine_positions(rows):
    """Each row's values on [0, 1]: national at 0.5, the farthest of min / max / value at an edge.

    Rows where lower is better are mirrored, so better is always to the right.
    """
    national = rows["national"].to_numpy()
    spread = np.column_stack([np.abs(rows[c].to_numpy() - national)
                              for c in ("minimum", "maximum", "value")])
    half = np.nanmax(np.where(np.isnan(spread), -np.inf, spread), axis=1)
    half = np.where(np.isfinite(half) & (half > 0), half, 1.0)
    direction = np.where(rows["polarity"].to_numpy() == "lower_is_better", -1.0, 1.0)
    return {c: 0.5 + direction * (rows[c].to_numpy() - national) / (2 * half)
            for c in ("value", "minimum", "q25", "q75", "maximum")}


def _spine_text_columns(fig, ax, rows, y, area_name, language):
    """The area's and the country's values as right-aligned columns beside the rows."""
    transform = mtransforms.blended_transform_factory(fig.transFigure, ax.transData)
    columns = ((SPINE_VALUE_COLUMNS[0], area_name, "value"),
               (SPINE_VALUE_COLUMNS[1], label("national", language), "national"))
    for x, heading, column in columns:
        ax.text(x, -0.6, textwrap.fill(heading, SPINE_HEADER_WIDTH), transform=transform,
                ha="right", va="bottom", fontweight="bold", clip_on=False)
        for row, value, decimals in zip(y, rows[column], rows["decimals"]):
            ax.text(x, row, format_number(value, int(decimals), language), transform=transform,
                    ha="right", va="center", clip_on=False)


def _spine_legend(fig, rows, language, *, top):
    shown = [s for s in SPINE_MARKERS if (rows["significance"] == s).any()]
    handles = [mlines.Line2D([], [], linestyle="none", marker=SPINE_MARKERS[s][0], markersize=7,
                             markerfacecolor=SPINE_MARKERS[s][1], markeredgecolor="black",
                             label=label(SPINE_MARKERS[s][2], language)) for s in shown]
    handles += [mlines.Line2D([], [], color=NATIONAL_COLOUR, linewidth=1.4,
                              label=label("spine_centre", language)),
                mpatches.Patch(facecolor=SPINE_RANGE_COLOUR, label=label("spine_range", language)),
                mpatches.Patch(facecolor=SPINE_IQR_COLOUR, label=label("spine_iqr", language))]
    title = label("spine_reversed", language) if (rows["polarity"] == "lower_is_better").any() \
        else None
    legend = fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.02, top), ncol=2,
                        frameon=False, fontsize=8, title=title, title_fontsize=8,
                        alignment="left")
    return legend


def _spine_alt(rows, area_name, language):
    significance = rows["significance"]
    counts = {s: int((significance == s).sum()) for s in ("better", "similar", "worse")}
    alt = label("chart_alt_spine", language, area=area_name, count=len(rows),
                other=len(rows) - sum(counts.values()), **counts)
    worse = rows["name"][significance == "worse"].tolist()
    if worse:
        alt += " " + label("chart_alt_spine_worse", language, names="; ".join(worse))
    return alt


def plot_funnel(values, denominators, limits, *, target, focal=None, labels=None, statistic,
                unit, decimals, language="fi", x_label=None):
    """Funnel plot: each area's value against its denominator, inside control limits.

    The control limits come from :func:`ohti.stats.funnels.funnel_limits` (with or without an
    overdispersion allowance). An area is placed by the drawn limits interpolated at its
    denominator, so what the chart shows and what the alt text counts agree. Areas beyond the
    95 % limits are triangles pointing the way out, beyond the 99.8 % limits squares; the focal
    area is a larger star with its name beside it. The denominator axis is logarithmic when the
    largest denominator exceeds 100 times the smallest.

    Parameters
    ----------
    values, denominators : array_like
        One value and one denominator per area (same length); values on the scale of the
        limits. Areas with a missing value or denominator are not drawn and not counted.
    limits : DataFrame
        Columns ``denominator, lower_95, upper_95, lower_99_8, upper_99_8, target``.
    target : float
        The target (e.g. the national value) drawn as a line.
    focal : int or str, optional
        The area to highlight: its position, or its label in ``labels``.
    labels : sequence of str, optional
        Area names, for the focal area's annotation and the alt text.
    statistic : {"proportion", "rate", "ratio"}
        Sets the default x label (denominator, or expected count for a ratio).
    unit : str
        Unit of the values, shown in the y label ("%", "per 1 000").
    decimals : int
        Decimals of the values in tick labels and the alt text.
    language : str, default "fi"
    x_label : str, optional
        Label of the denominator axis.

    Returns
    -------
    (Figure, str)
        The figure and its alt text: the number of areas, the target, how many lie outside the
        95 % and the 99.8 % limits, and where the focal area lies.

    Raises
    ------
    ParameterError
        For a missing limits column, values and denominators (or labels) of different lengths,
        an unknown statistic, or a focal area that is not among the areas.

    References
    ----------
    Spiegelhalter DJ. Funnel plots for comparing institutional performance. Stat Med 2005;
    24: 1185-1202.
    """
    where = "plot_funnel"
    values, denominators, limits, labels, focal = _check_funnel(values, denominators, limits,
                                                                labels, focal, statistic, where)
    status = _funnel_status(values, denominators, limits)
    known = status != ""
    log_axis = _log_axis(denominators[known])
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=FUNNEL_FIGURE_SIZE)
        line_limits = limits[limits["denominator"] > 0] if log_axis else limits
        x = line_limits["denominator"].to_numpy(dtype=float)
        ax.plot(x, line_limits["target"], color="black", linewidth=1.6, zorder=2,
                label=label("funnel_target", language))
        for side in ("lower", "upper"):
            ax.plot(x, line_limits[f"{side}_95"], color=NATIONAL_COLOUR, linestyle="--",
                    linewidth=1.0, zorder=2,
                    label=label("funnel_limit_95", language) if side == "lower" else None)
            ax.plot(x, line_limits[f"{side}_99_8"], color=NATIONAL_COLOUR, linestyle=":",
                    linewidth=1.5, zorder=2,
                    label=label("funnel_limit_99_8", language) if side == "lower" else None)
        drawn_keys = set()
        not_focal = np.ones(len(values), dtype=bool)
        if focal is not None:
            not_focal[focal] = False
        for kind, (marker, colour, key) in FUNNEL_MARKERS.items():
            pick = (status == kind) & not_focal
            if pick.any():
                ax.scatter(denominators[pick], values[pick], marker=marker, s=34,
                           facecolor=colour, edgecolor="black", linewidth=0.5, zorder=3,
                           gid=f"funnel-{kind}",
                           label=None if key in drawn_keys else label(key, language))
                drawn_keys.add(key)
        if focal is not None and known[focal]:
            name = labels[focal] if labels is not None else str(focal)
            ax.scatter([denominators[focal]], [values[focal]], marker=FUNNEL_FOCAL[0], s=260,
                       facecolor=FUNNEL_FOCAL[1], edgecolor="black", linewidth=0.8, zorder=4,
                       gid="funnel-focal", label=name)
            ax.annotate(name, (denominators[focal], values[focal]), xytext=(8, 8),
                        textcoords="offset points", fontweight="bold", zorder=5,
                        bbox={"boxstyle": "round,pad=0.2", "facecolor": "white",
                              "edgecolor": "none", "alpha": 0.8})
        if log_axis:
            ax.set_xscale("log")
            shown = denominators[known & (denominators > 0)]
            ax.set_xlim(shown.min() / FUNNEL_LOG_PAD, shown.max() * FUNNEL_LOG_PAD)
        ax.set_ylim(*_funnel_y_range(values, denominators, limits))
        ax.set_xlabel(x_label or label("funnel_expected" if statistic == "ratio"
                                       else "funnel_denominator", language))
        ax.set_ylabel(f"{label('funnel_value', language)} ({unit})" if unit
                      else label("funnel_value", language))
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(
            lambda v, _: format_number(v, max(int(decimals), 0), language)))
        ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: format_number(v, 0, language)))
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, frameon=False,
                  fontsize=8)
        _lay_out(fig)
    alt = _funnel_alt(values, status, target, focal, labels, decimals, language)
    return fig, alt


def _check_funnel(values, denominators, limits, labels, focal, statistic, where):
    if statistic not in FUNNEL_STATISTICS:
        raise ParameterError(f"{where}: unknown statistic {statistic!r}; choose one of: "
                             f"{', '.join(FUNNEL_STATISTICS)}")
    if not isinstance(limits, pd.DataFrame):
        raise ParameterError(f"{where}: limits must be a DataFrame as funnel_limits returns, not "
                             f"{type(limits).__name__}")
    absent = [c for c in FUNNEL_COLUMNS if c not in limits.columns]
    if absent:
        raise ParameterError(f"{where}: limits lack column(s) {', '.join(map(repr, absent))}; "
                             f"give a frame from ohti.stats.funnels.funnel_limits with the default "
                             f"confidence levels (columns: {', '.join(FUNNEL_COLUMNS)})")
    values = pd.to_numeric(pd.Series(np.asarray(values, dtype=object).ravel()),
                           errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    denominators = pd.to_numeric(pd.Series(np.asarray(denominators, dtype=object).ravel()),
                                 errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if len(values) != len(denominators) or len(values) == 0:
        raise ParameterError(f"{where}: give one denominator per value; {len(values)} values and "
                             f"{len(denominators)} denominators")
    if labels is not None:
        labels = [str(name) for name in labels]
        if len(labels) != len(values):
            raise ParameterError(f"{where}: {len(labels)} labels for {len(values)} values; give "
                                 "one label per area")
    if focal is not None:
        if isinstance(focal, str):
            if labels is None or focal not in labels:
                raise ParameterError(f"{where}: focal area {focal!r} is not among the labels")
            focal = labels.index(focal)
        elif isinstance(focal, (int, np.integer)) and not isinstance(focal, bool) \
                and 0 <= focal < len(values):
            focal = int(focal)
        else:
            raise ParameterError(f"{where}: focal must be an area's label or its position "
                                 f"(0 to {len(values) - 1}), not {focal!r}")
    limits = limits.sort_values("denominator")
    return values, denominators, limits, labels, focal


def _funnel_status(values, denominators, limits):
    """Each area against the drawn limits, interpolated at its denominator ("" if missing)."""
    x = limits["denominator"].to_numpy(dtype=float)

    def at(column):
        return np.interp(denominators, x, limits[column].to_numpy(dtype=float))

    status = np.full(len(values), "", dtype=object)
    known = np.isfinite(values) & np.isfinite(denominators)
    status[known] = "within"
    with np.errstate(invalid="ignore"):
        for kind, outside in (("high_95", values > at("upper_95")),
                              ("low_95", values < at("lower_95")),
                              ("high_99_8", values > at("upper_99_8")),
                              ("low_99_8", values < at("lower_99_8"))):
            status[known & outside] = kind
    return status


def _funnel_y_range(values, denominators, limits):
    """The values and the 99.8 % limits over the observed denominators, with a margin.

    The limits widen without bound towards a zero denominator; the axis stops at their width
    at the smallest observed denominator, so the areas are not squeezed into a thin band.
    """
    observed = denominators[np.isfinite(denominators) & np.isfinite(values)]
    inside = limits[limits["denominator"] >= observed.min()] if observed.size else limits
    low = np.nanmin(np.r_[values, inside["lower_99_8"].to_numpy(dtype=float),
                          np.interp(observed.min(), limits["denominator"], limits["lower_99_8"])])
    high = np.nanmax(np.r_[values, inside["upper_99_8"].to_numpy(dtype=float),
                           np.interp(observed.min(), limits["denominator"], limits["upper_99_8"])])
    margin = FUNNEL_Y_MARGIN * (high - low) if high > low else max(abs(high), 1.0) * FUNNEL_Y_MARGIN
    return low - margin, high + margin


def _log_axis(denominators):
    positive = denominators[denominators > 0]
    return positive.size > 1 and positive.max() > FUNNEL_LOG_SPAN * positive.min()


def _funnel_alt(values, status, target, focal, labels, decimals, language):
    known = status != ""
    outside_99_8 = int(np.isin(status, ("high_99_8", "low_99_8")).sum())
    outside_95 = outside_99_8 + int(np.isin(status, ("high_95", "low_95")).sum())
    alt = label("chart_alt_funnel", language, count=int(known.sum()),
                target=format_number(target, int(decimals), language), outside_95=outside_95,
                outside_99_8=outside_99_8)
    if focal is not None:
        position = f"funnel_position_{status[focal]}" if status[focal] else \
            "funnel_position_not_assessed"
        alt += " " + label("chart_alt_funnel_focal", language,
                           area=labels[focal] if labels is not None else str(focal),
                           value=format_number(values[focal], int(decimals), language),
                           position=label(position, language))
    return alt


def plot_caterpillar(table, *, national: float, indicator_name: str, unit: str, decimals: int,
                     highlight=(), language: str = "fi"):
    """The areas' values with 95 % intervals, ordered, against the whole country's value.

    Parameters
    ----------
    table : DataFrame
        ``area_name, value, lower, upper, significance`` in the order to draw (top first), as
        from :func:`ohti.documents.content.league_table`.
    highlight : collection of str
        Area names drawn bold and with a distinct marker (e.g. the areas of a region).

    Returns
    -------
    (Figure, str)
        The figure and its alt text.
    """
    rows = table.reset_index(drop=True)
    height = max(2.2, 0.16 * len(rows) + 0.9)
    markers = {"better": ("o", "#0072B2"), "worse": ("s", "#D55E00"), "similar": ("D", "#F0E442")}
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.6, height))
        y = np.arange(len(rows))[::-1]
        with_interval = rows["lower"].notna().to_numpy()
        ax.hlines(y[with_interval], rows["lower"][with_interval], rows["upper"][with_interval],
                  color="#555555", linewidth=0.8)
        # One artist per kind of marker (significance × highlighted), drawn over the intervals.
        style = [markers.get(s, ("o", "#FFFFFF")) for s in rows["significance"]]
        big = rows["area_name"].isin(set(highlight)).to_numpy()
        for (marker, colour), large in dict.fromkeys(zip(style, big)):
            pick = np.array([st == (marker, colour) for st in style]) & (big == large)
            ax.plot(rows["value"].to_numpy()[pick], y[pick], marker=marker, color=colour,
                    markeredgecolor="#000000", markersize=7.5 if large else 5.5, linestyle="none")
        ax.axvline(national, color=NATIONAL_COLOUR, linestyle="--", linewidth=1)
        ax.set_yticks(y)
        ax.set_yticklabels(rows["area_name"], fontsize=7)
        for tick in ax.get_yticklabels():
            if tick.get_text() in highlight:
                tick.set_fontweight("bold")
        ax.set_xlabel(f"{indicator_name} ({unit})" if unit else indicator_name)
        ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: format_number(v, decimals, language)))
        ax.grid(axis="y", visible=False)
        ax.set_ylim(-0.8, len(rows) - 0.2)
        _lay_out(fig)
    counts = rows["significance"].value_counts()
    # The first and last drawn: areas without a value (e.g. suppressed) come last, undrawn.
    drawn = rows[rows["value"].notna()] if rows["value"].notna().any() else rows
    alt = label("chart_alt_caterpillar", language, indicator=indicator_name, count=len(drawn),
                national=format_number(national, decimals, language),
                better=int(counts.get("better", 0)), worse=int(counts.get("worse", 0)),
                first=drawn["area_name"].iloc[0], last=drawn["area_name"].iloc[-1])
    return fig, alt

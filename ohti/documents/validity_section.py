"""The indicator validity document's tables and charts (see :mod:`ohti.analysis.validity`).

Numbers are formatted for the reader (:func:`ohti.i18n.format_number`), indicator names are
shown in the document's language and link to the catalogue, charts are SVG with alt text. The
markup is the macros of ``templates/validity.html.j2`` (see :mod:`ohti.documents.templating`).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ohti.documents.charts import STYLE, plt
from ohti.documents.tables import html_table
from ohti.documents.templating import Html, render
from ohti.i18n import format_number, label
from ohti.indicators.registry import get_indicator

RANKABILITY_COLOUR = "#0072B2"   # Okabe & Ito blue
ICC_COLOUR = "#D55E00"           # Okabe & Ito vermillion
HEATMAP_COLOURS = "PuOr"          # diverging, readable with common colour-vision deficiencies
TEMPLATE = "validity.html.j2"


def _name(ident: str, language: str) -> str:
    return get_indicator(ident).label(language)


NOT_DEFINED = "—"


def _share(value, language: str, decimals: int = 2) -> str:
    return NOT_DEFINED if pd.isna(value) else format_number(float(value), decimals, language)


def _percent(value, language: str) -> str:
    if pd.isna(value):
        return NOT_DEFINED
    return f"{format_number(float(value) * 100, 0, language)} %"


def _kind(kind: str, language: str) -> str:
    return label(f"validity_kind_{kind}", language)


def title_html(period: str, language: str = "fi") -> Html:
    """The document's title block."""
    return render("sections.html.j2", "title_block", kicker=label("validity_document_kicker", language),
                  name=label("validity_document_title", language), period=period, language=language)


def scorecard_html(card: pd.DataFrame, language: str = "fi", *,
                   catalogue: str | None = "../catalogue/index.html") -> Html:
    """The scorecard as a table, one row per indicator."""
    rows = []
    for row in card.to_dict("records"):
        interval = ("" if pd.isna(row["rankability_lower"]) else
                    f"{_share(row['rankability_lower'], language)}–{_share(row['rankability_upper'], language)}")
        rows.append({
            "name": _name(row["indicator"], language),
            "link": f"{catalogue}#{row['indicator']}" if catalogue else None,
            "kind": _kind(row["kind"], language),
            "years": f"{row['first_year']}–{row['last_year']}",
            "rankability": _share(row["rankability"], language),
            "interval": interval,
            "stability": _share(row["rank_stability"], language),
            "icc": _share(row["icc"], language),
            "outside": (NOT_DEFINED if pd.isna(row["outside_95"]) else
                        f"{_percent(row['outside_95'], language)} / {_percent(row['outside_998'], language)}"),
            "outside_od": (NOT_DEFINED if pd.isna(row["outside_95_od"]) else
                           f"{_percent(row['outside_95_od'], language)} / {_percent(row['outside_998_od'], language)}"),
            "structural": _percent(row["structural_share"], language),
            "cluster": str(row["redundancy_cluster"]),
            "coverage": _percent(row["coverage"], language),
        })
    # Two tables of the same rows, so that each fits the width of a printed page.
    name = [("name", label("indicator", language), False)]
    reliability = name + [("kind", label("validity_col_kind", language), False),
                          ("years", label("validity_col_years", language), True),
                          ("rankability", label("validity_col_rankability", language), True),
                          ("interval", label("validity_col_interval", language), True),
                          ("stability", label("validity_col_stability", language), True),
                          ("icc", label("validity_col_icc", language), True)]
    discrimination = name + [("outside", label("validity_col_outside", language), True),
                             ("outside_od", label("validity_col_outside_od", language), True),
                             ("structural", label("validity_col_structural", language), True),
                             ("cluster", label("validity_col_cluster", language), True),
                             ("coverage", label("validity_col_coverage", language), True)]
    return render(TEMPLATE, "scorecard", reliability=html_table(rows, reliability),
                  discrimination=html_table(rows, discrimination), language=language)


def plot_rankability(card: pd.DataFrame, language: str = "fi"):
    """Rankability with its interval, and the ICC across years, per indicator (sorted).

    Returns
    -------
    (Figure, str)
        The figure and its alt text.
    """
    shown = card.assign(_order=card["rankability"].fillna(card["icc"])).sort_values("_order")
    names = [_name(i, language) for i in shown["indicator"]]
    y = np.arange(len(shown))
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.0, 0.24 * len(shown) + 1.2))
        has = shown["rankability"].notna().to_numpy()
        lower = (shown["rankability"] - shown["rankability_lower"]).clip(lower=0).to_numpy()
        upper = (shown["rankability_upper"] - shown["rankability"]).clip(lower=0).to_numpy()
        ax.errorbar(shown["rankability"].to_numpy()[has], y[has], xerr=[lower[has], upper[has]], fmt="o",
                    color=RANKABILITY_COLOUR, markersize=4, capsize=2, label=label("validity_col_rankability", language))
        ax.plot(shown["icc"], y, "D", markerfacecolor="none", color=ICC_COLOUR, markersize=4,
                label=label("validity_col_icc", language))
        ax.set_yticks(y, names)
        ax.set_xlim(-0.02, 1.02)
        ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: format_number(v, 1, language)))
        ax.legend(loc="lower right", frameon=False)
        ax.set_title(label("validity_chart_rankability", language), loc="left")
    lowest = shown.iloc[0]
    alt = (f"{label('validity_chart_rankability', language)}: {len(shown)} "
           f"{label('indicators_for', language).lower()}; "
           f"{_name(lowest['indicator'], language)} {_share(lowest['_order'], language)}")
    return fig, alt


def plot_heatmap(correlation: pd.DataFrame, clusters: pd.Series, language: str = "fi"):
    """The correlation matrix as a heat map, indicators ordered by redundancy cluster.

    Returns
    -------
    (Figure, str)
    """
    order = clusters.sort_values(kind="stable").index.tolist()
    matrix = correlation.loc[order, order].to_numpy(dtype=float)
    names = [f"{_name(i, language)} ({clusters[i]})" for i in order]
    size = 0.2 * len(order) + 2.5
    with plt.rc_context({**STYLE, "axes.grid": False}):
        fig, ax = plt.subplots(figsize=(size + 2.5, size))
        image = ax.imshow(np.ma.masked_invalid(matrix), cmap=HEATMAP_COLOURS, vmin=-1, vmax=1)
        ax.set_xticks(range(len(order)), names, rotation=90, fontsize=7)
        ax.set_yticks(range(len(order)), names, fontsize=7)
        fig.colorbar(image, ax=ax, shrink=0.6, label="r")
        ax.set_title(label("validity_chart_heatmap", language), loc="left")
    pairs = []
    for a in range(len(order)):
        for b in range(a + 1, len(order)):
            if np.isfinite(matrix[a, b]) and abs(matrix[a, b]) >= 0.9:
                pairs.append((abs(matrix[a, b]), order[a], order[b], matrix[a, b]))
    pairs.sort(reverse=True)
    described = "; ".join(f"{_name(a, language)} – {_name(b, language)} {format_number(r, 2, language)}"
                          for _, a, b, r in pairs[:5])
    alt = f"{label('validity_chart_heatmap', language)}: {len(order)} × {len(order)}. {described}"
    return fig, alt


def pca_html(loadings: pd.DataFrame, explained: pd.Series, language: str = "fi") -> Html:
    """The PCA loadings table."""
    rows = [{"name": _name(ident, language),
             **{pc: format_number(loadings.at[ident, pc], 2, language) for pc in loadings.columns}}
            for ident in loadings.index]
    columns = [("name", label("indicator", language), False)] + [
        (pc, f"{pc} ({_percent(explained[pc], language)})", True) for pc in loadings.columns]
    return render(TEMPLATE, "pca", table=html_table(rows, columns), language=language)


def proposal_html(proposal, language: str = "fi") -> Html:
    """The condensation proposal: a sentence on what it keeps and explains, then every indicator
    with whether it is proposed and why."""
    text = label("validity_proposal_text", language, budget=proposal.budget, clusters=proposal.clusters,
                 chosen=len(proposal.chosen), explained=_percent(proposal.explained, language))
    table = proposal.table.set_index("indicator")
    order = proposal.chosen + [i for i in table.index if i not in proposal.chosen]
    rows = [{"name": _name(ident, language), "kind": _kind(table.at[ident, "kind"], language),
             "proposed": label("validity_yes" if table.at[ident, "proposed"] else "validity_no", language),
             "cluster": str(table.at[ident, "redundancy_cluster"]),
             "reason": _reason(table.at[ident, "reason"], language)} for ident in order]
    columns = [("name", label("indicator", language), False), ("kind", label("validity_col_kind", language), False),
               ("proposed", label("validity_col_proposed", language), False),
               ("cluster", label("validity_col_cluster", language), True),
               ("reason", label("validity_col_reason", language), False)]
    return render(TEMPLATE, "proposal", text=text, table=html_table(rows, columns))


def _reason(reason: str, language: str) -> str:
    """The proposal's reason (see :func:`ohti.analysis.validity.propose`) in ``language``."""
    text = str(reason)
    match = re.fullmatch(r"representative of cluster (\d+)", text)
    if match:
        return label("validity_reason_representative", language, cluster=match.group(1))
    match = re.fullmatch(r"redundant with (\w+) \(r = (-?[\d.]+|nan)\)", text)
    if match:
        return label("validity_reason_redundant", language, name=_name(match.group(1), language),
                     r=format_number(float(match.group(2)), 2, language))
    if text == "over the budget":
        return label("validity_reason_budget", language)
    return text


def not_computable_html(table: pd.DataFrame, language: str = "fi") -> Html:
    """Indicators without area values, and why."""
    rows = [{"name": _name(r["indicator"], language), "kind": _kind(r["kind"], language),
             "reason": label(f"validity_reason_{r['reason_code']}", language)} for r in table.to_dict("records")]
    columns = [("name", label("indicator", language), False), ("kind", label("validity_col_kind", language), False),
               ("reason", label("validity_col_reason", language), False)]
    return render(TEMPLATE, "not_computable", table=html_table(rows, columns), language=language)


def catalogue_fact(row) -> str:
    """One line for an indicator's catalogue entry: its scorecard in short (English)."""
    def number(key):
        value = row.get(key)
        return "—" if value is None or pd.isna(value) else f"{float(value):.2f}"

    outside = ("—" if pd.isna(row.get("outside_95")) else
               f"{float(row['outside_95']):.0%} / {float(row['outside_998']):.0%} "
               f"(with overdispersion {float(row['outside_95_od']):.0%} / {float(row['outside_998_od']):.0%})")
    return (f"rankability {number('rankability')} ({row.get('year')}), rank stability {number('rank_stability')}, "
            f"ICC {number('icc')}, outside 95 % / 99.8 % funnel limits {outside}, "
            f"structural share {number('structural_share')}, redundancy cluster {row.get('redundancy_cluster')}"
            + (f" (closest: {row.get('redundant_with')}, r = {number('redundant_r')})" if row.get("redundant_with") else "")
            + f", coverage {float(row['coverage']):.0%} of area-years {row.get('first_year')}–{row.get('last_year')}")

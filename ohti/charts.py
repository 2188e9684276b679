"""Charts in the house style, embedded in documents as SVG images with alt text.

Colours are from a palette readable with the common colour-vision deficiencies (Okabe & Ito
2008); the area and the nation also differ by line style, so colour is never the only cue.
"""

from __future__ import annotations

import base64
import html
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from .i18n import format_number, label  # noqa: E402

AREA_COLOUR = "#0072B2"
NATIONAL_COLOUR = "#555555"
FIGURE_SIZE = (7.0, 3.2)

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


def figure_html(fig, alt: str, *, caption: str | None = None) -> str:
    """Embed a figure as an SVG ``<img>`` with alt text (and an optional caption); close it.

    The SVG carries no date, so the same figure gives the same bytes.
    """
    buffer = io.BytesIO()
    with plt.rc_context(STYLE):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    img = f'<img src="data:image/svg+xml;base64,{data}" alt="{html.escape(alt, quote=True)}">'
    if caption:
        return f"<figure>{img}<figcaption>{html.escape(caption)}</figcaption></figure>"
    return f"<figure>{img}</figure>"


def plot_area_vs_nation(series, *, area_name: str, indicator_name: str, unit: str,
                        decimals: int, language: str = "fi", with_nation: bool = True):
    """Line chart of an area's monthly values against the whole country's.

    For counts, whose scale differs from the nation's by orders of magnitude, pass
    ``with_nation=False`` to draw the area alone.

    Parameters
    ----------
    series : DataFrame
        ``period`` (Timestamp), ``area``, ``national`` as from :func:`ohti.report.area_series`.

    Returns
    -------
    (Figure, str)
        The figure and its alt text, which states the period and the latest values.
    """
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=FIGURE_SIZE)
        ax.plot(series["period"], series["area"], color=AREA_COLOUR, linewidth=2, label=area_name)
        if with_nation:
            ax.plot(series["period"], series["national"], color=NATIONAL_COLOUR, linewidth=1.5,
                    linestyle="--", label=label("national", language))
        ax.set_ylabel(f"{indicator_name} ({unit})" if unit else indicator_name)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: format_number(v, max(decimals, 0), language)))
        ax.legend(frameon=False, loc="best")
        fig.tight_layout()
    last = series.iloc[-1]
    alt = label(
        "chart_alt_series" if with_nation else "chart_alt_area", language, indicator=indicator_name, area=area_name,
        start=series["period"].iloc[0].strftime("%m/%Y"), end=last["period"].strftime("%m/%Y"),
        area_last=format_number(last["area"], decimals, language),
        national_last=format_number(last["national"], decimals, language),
    )
    return fig, alt

"""Maps from Statistics Finland's 2025 municipality boundaries: locator maps and choropleths.

Municipalities are dissolved into employment areas, regions, ELY and elinvoimakeskus areas
with geopandas, projected to ETRS-TM35FIN (EPSG:3067), Finland's national map projection.
Choropleth classes are shown by hatching as well as by colour, so the legend can be read
without colour.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from ohti.documents.charts import STYLE, mpatches, plt
from ohti.errors import ParameterError, SourceDataError
from ohti.i18n import format_number, label
from ohti.lazy import LazyModule
from ohti.sources import areas
from ohti.sources.files import shipped_path

# geopandas and matplotlib (a second to import together) load when the first map is drawn
gpd = LazyModule("geopandas")
mcollections = LazyModule("matplotlib.collections")
mpath = LazyModule("matplotlib.path")

BOUNDARIES_FILE = "boundaries/kunnat_2025_min.geojson"
PROJECTION = "EPSG:3067"
FOCUS_COLOUR = "#D55E00"
BASE_COLOUR = "#E6E6E6"
EDGE_COLOUR = "#FFFFFF"
#: One sequential scheme per meaning, lightest class first: where lower or higher is better the
#: darkest class is always the worst (orange to brown, ColorBrewer YlOrBr), and a neutral
#: indicator's darkest class is its largest value (blues, ColorBrewer Blues).
SCHEMES = {"polar": ["#FFFFD4", "#FED98E", "#FE9929", "#D95F0E", "#993404"],
           "neutral": ["#EFF3FF", "#BDD7E7", "#6BAED6", "#3182BD", "#08519C"]}
CLASS_COLOURS = SCHEMES["neutral"]
CLASS_HATCHES = ["", "....", "////", "xxxx", "oo"]


@functools.lru_cache(maxsize=1)
def municipality_shapes() -> gpd.GeoDataFrame:
    """The 308 municipalities of 2025, projected to EPSG:3067, indexed by code.

    Raises
    ------
    SourceDataError
        If the file's municipalities differ from the 2025 key.
    """
    path = shipped_path(BOUNDARIES_FILE)
    shapes = gpd.read_file(path)
    problems = []
    if "kunta" not in shapes.columns:
        problems.append("missing property kunta")
    else:
        key = set(areas.load_key().index)
        codes = set(shapes["kunta"])
        problems += [f"municipality {c} is not in the 2025 key" for c in sorted(codes - key)]
        problems += [f"municipality {c} of the 2025 key has no boundary" for c in sorted(key - codes)]
    if problems:
        raise SourceDataError(path, problems)
    if shapes.crs is None:
        shapes = shapes.set_crs("EPSG:4326")
    return shapes.set_index("kunta")[["geometry"]].to_crs(PROJECTION)


@functools.lru_cache(maxsize=8)
def unit_shapes(level: str) -> gpd.GeoDataFrame:
    """Municipalities dissolved into the units of a level (Åland has no employment area)."""
    areas.check_level(level, national=False)
    shapes = municipality_shapes()
    if level == "municipality":
        return shapes
    key = areas.load_key()
    frame = shapes.join(key[f"{level}_code"].rename("unit"))
    if level == "area":
        frame = frame[~frame["unit"].isin(areas.AREAS_OUTSIDE_REFORM)]
    return frame.dissolve(by="unit")[["geometry"]]


@functools.lru_cache(maxsize=8)
def unit_paths(level: str) -> dict:
    """Each unit's outline as one matplotlib path (rings of every part and hole), by code.

    Locator maps draw these: converting the shapes once, rather than through geopandas for every
    map, makes a map about ten times quicker to draw.
    """
    shapes = unit_shapes(level)
    return {code: _outline(geometry) for code, geometry in shapes["geometry"].items()}


def _outline(geometry) -> "mpath.Path":
    """A (multi)polygon as one compound path: each ring moves to its start, runs and closes.

    Rings are oriented (outer rings counter-clockwise, holes clockwise), so that matplotlib's
    non-zero fill leaves the holes empty.
    """
    from shapely.geometry.polygon import orient

    vertices, codes = [], []
    for polygon in getattr(geometry, "geoms", [geometry]):
        polygon = orient(polygon)
        for ring in [polygon.exterior, *polygon.interiors]:
            xy = np.asarray(ring.coords)[:, :2]
            vertices.append(xy)
            codes.append(np.concatenate([[mpath.Path.MOVETO], np.full(len(xy) - 2, mpath.Path.LINETO),
                                         [mpath.Path.CLOSEPOLY]]))
    return mpath.Path(np.concatenate(vertices), np.concatenate(codes).astype(mpath.Path.code_type))


def _draw_outlines(ax, paths, *, facecolor, edgecolor, linewidth, hatch=None) -> None:
    ax.add_collection(mcollections.PathCollection(list(paths), facecolors=facecolor, edgecolors=edgecolor,
                                                  linewidths=linewidth, hatch=hatch or None))


def _frame_finland(ax) -> None:
    """Show what is drawn (the whole country) with the usual margins, true to scale, without axes."""
    ax.autoscale_view()
    ax.set_axis_off()
    ax.set_aspect("equal")


def plot_locator(level: str, code: str, *, name: str, language: str = "fi"):
    """A small map of Finland with one unit highlighted (and the other units outlined).

    Returns
    -------
    (Figure, str)
        The figure and its alt text.
    """
    (code,) = areas.check_codes(level, [code])
    municipalities = unit_paths("municipality")
    units = unit_paths(level)
    if code not in units:
        raise ParameterError(f"{level} {code} has no boundary to show on a map")
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(1.8, 3.0))
        _draw_outlines(ax, municipalities.values(), facecolor=BASE_COLOUR, edgecolor=EDGE_COLOUR, linewidth=0.2)
        _draw_outlines(ax, units.values(), facecolor="none", edgecolor="#9A9A9A", linewidth=0.4)
        _draw_outlines(ax, [units[code]], facecolor=FOCUS_COLOUR, edgecolor="#000000", linewidth=0.6)
        _frame_finland(ax)
        fig.tight_layout(pad=0.1)
    return fig, label("map_alt_locator", language, name=name)


def classify(values: pd.Series, classes: int = 5) -> tuple[pd.Series, list[float]]:
    """Quantile classes (0 … classes−1) of the values, and the class breaks."""
    clean = values.dropna()
    breaks = list(np.unique(np.quantile(clean, np.linspace(0, 1, classes + 1))))
    labels = pd.cut(values, bins=breaks, labels=False, include_lowest=True)
    return labels, breaks


def class_decimals(breaks, decimals: int, language: str = "fi") -> int:
    """The decimals that tell the class limits apart: the indicator's own, or more (up to three
    more) where its rounding would give two limits the same text (0,04 – 0,04)."""
    for more in range(4):
        texts = [format_number(b, decimals + more, language) for b in breaks]
        if len(set(texts)) == len(texts):
            return decimals + more
    return decimals + 3


def plot_choropleth(values: pd.Series, *, title: str, decimals: int, language: str = "fi", classes: int = 5,
                    polarity: str = "neutral"):
    """A choropleth of the employment areas in quantile classes, hatched as well as coloured.

    Parameters
    ----------
    values : Series
        Values by employment-area code, through the disclosure gate: a missing value (no data
        or suppressed) is drawn white and left out of the classes. At least two distinct
        values are needed (:func:`ohti.documents.sections.choropleth_html` says so in words otherwise).
    polarity : str
        The indicator's polarity: where lower or higher is better, the darkest class is the
        worst (:data:`SCHEMES`); a neutral indicator's darkest class holds its largest values.
        The legend stands under the map, where it covers no area.

    Returns
    -------
    (Figure, str)
        The figure and its alt text (the classes and the areas with the lowest and highest
        values).
    """
    shapes = unit_shapes("area").join(values.rename("value"))
    classes_of, breaks = classify(shapes["value"], classes)
    colours = SCHEMES["neutral" if polarity == "neutral" else "polar"]
    if polarity == "higher_is_better":  # the lowest values are the worst: the darkest
        colours = colours[::-1]
    shown = class_decimals(breaks, decimals, language)
    with plt.rc_context({**STYLE, "hatch.linewidth": 0.5, "hatch.color": "#333333"}):
        fig, ax = plt.subplots(figsize=(3.4, 5.6))
        handles = []
        outlines = unit_paths("area")
        for index in range(len(breaks) - 1):
            part = shapes.index[(classes_of == index).to_numpy()]
            colour = colours[round(index * (len(colours) - 1) / max(len(breaks) - 2, 1))]
            hatch = CLASS_HATCHES[index % len(CLASS_HATCHES)]
            if len(part):
                _draw_outlines(ax, [outlines[code] for code in part], facecolor=colour, edgecolor="#666666",
                               linewidth=0.3, hatch=hatch)
            handles.append(mpatches.Patch(facecolor=colour, edgecolor="#666666", hatch=hatch,
                                          label=f"{format_number(breaks[index], shown, language)} – "
                                                f"{format_number(breaks[index + 1], shown, language)}"))
        missing = shapes.index[shapes["value"].isna().to_numpy()]
        if len(missing):
            _draw_outlines(ax, [outlines[code] for code in missing], facecolor="#FFFFFF", edgecolor="#666666",
                           linewidth=0.3)
            handles.append(mpatches.Patch(facecolor="#FFFFFF", edgecolor="#666666",
                                          label=label("map_missing", language)))
        ax.set_title(title, fontsize=7.5, loc="left")
        meaning = label("map_darker_worse" if polarity != "neutral" else "map_darker_larger", language)
        ax.legend(handles=handles, loc="upper center", fontsize=6.5, frameon=False, ncol=2, title=meaning,
                  title_fontsize=6.5, bbox_to_anchor=(0.5, 0.0), handlelength=1.6, columnspacing=1.0)
        _frame_finland(ax)
        fig.tight_layout(pad=0.1)
    names = areas.units("area")[f"name_{language}"]
    ordered = values.dropna().sort_values()
    alt = label("map_alt_choropleth", language, title=title, classes=len(breaks) - 1,
                lowest=f"{names[ordered.index[0]]} {format_number(ordered.iloc[0], decimals, language)}",
                highest=f"{names[ordered.index[-1]]} {format_number(ordered.iloc[-1], decimals, language)}")
    return fig, alt

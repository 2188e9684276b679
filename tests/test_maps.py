"""ohti.documents.maps: locator maps and choropleths from the shipped 2025 municipality boundaries.

Real data: Statistics Finland's municipality boundaries and the 2025 municipality key shipped in
ohti/data, and the unemployment rate of October 2023 (TEM, tyonv 12r5).
"""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba

from ohti.documents import maps
from ohti.documents.charts import figure_html
from ohti.errors import UnknownAreaError
from ohti.indicators.compute import compute_values
from ohti.sources import areas


def _collections(fig):
    (ax,) = fig.axes
    return ax.collections


def test_outline_has_every_ring_of_every_part():
    from shapely.geometry import MultiPolygon, Polygon

    # Hand-made shape: a square with a square hole, and a separate triangle.
    square = Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], holes=[[(1, 1), (2, 1), (2, 2), (1, 2)]])
    triangle = Polygon([(10, 0), (12, 0), (11, 2)])
    path = maps._outline(MultiPolygon([square, triangle]))
    assert list(path.codes).count(path.MOVETO) == 3  # outer ring, hole, triangle
    assert list(path.codes).count(path.CLOSEPOLY) == 3
    assert len(path.vertices) == 5 + 5 + 4
    # Outer rings counter-clockwise (positive area), the hole clockwise: matplotlib's non-zero
    # fill leaves the hole empty.
    rings = [ring[:-1] for ring in path.to_polygons(closed_only=False)]
    signed = [0.5 * np.sum(r[:, 0] * np.roll(r[:, 1], -1) - np.roll(r[:, 0], -1) * r[:, 1]) for r in rings]
    assert signed == [16.0, -1.0, 2.0]


def test_unit_paths_cover_every_unit_of_the_level():
    paths = maps.unit_paths("area")
    assert set(paths) == set(areas.units("area").index) - set(areas.AREAS_OUTSIDE_REFORM)
    assert len(maps.unit_paths("municipality")) == len(maps.municipality_shapes())


def test_locator_highlights_the_unit_alone():
    fig, alt = maps.plot_locator("area", "06", name="Eteläinen Keski-Suomi")
    base, outlines, focus = _collections(fig)
    assert len(base.get_paths()) == len(maps.municipality_shapes())
    assert len(outlines.get_paths()) == len(maps.unit_paths("area"))
    assert len(focus.get_paths()) == 1
    assert np.allclose(focus.get_facecolor()[0], to_rgba(maps.FOCUS_COLOUR))
    assert focus.get_paths()[0] is maps.unit_paths("area")["06"]
    assert "Eteläinen Keski-Suomi" in alt
    assert figure_html(fig, alt, raster=True).startswith("<figure><img src=\"data:image/png;base64,")
    assert not plt.fignum_exists(fig.number)


def test_locator_refuses_an_unknown_unit():
    with pytest.raises(UnknownAreaError):
        maps.plot_locator("area", "99", name="x")


def test_choropleth_draws_each_area_once_in_its_class():
    values = compute_values("unemployment_rate", "area", periods=["2023-10"]).set_index("area_code")["value"]
    fig, alt = maps.plot_choropleth(values, title="Työttömyysaste, %", decimals=1)
    collections = _collections(fig)
    drawn = sum(len(c.get_paths()) for c in collections)
    assert drawn == len(maps.unit_paths("area"))
    classes, breaks = maps.classify(values.reindex(list(maps.unit_paths("area"))))
    for index, collection in enumerate(collections):
        assert len(collection.get_paths()) == int((classes == index).sum())
        assert collection.get_hatch() == (maps.CLASS_HATCHES[index] or None)
    plt.close(fig)

"""Smoke test: the area notebook runs through Papermill on the real shipped data."""

import re

import pytest

from ohti.build import convert, execute
from ohti.i18n import format_number
from ohti.indicators.compute import compute_values
from ohti.paths import AREA_NOTEBOOK


@pytest.fixture(scope="module")
def savonlinna(tmp_path_factory):
    folder = tmp_path_factory.mktemp("notebook")
    parameters = {"area_code": "36", "period": "2023-10", "language": "fi"}
    nb = execute.render_notebook(AREA_NOTEBOOK, folder / "36_fi.ipynb", parameters)
    html = convert.notebook_to_html(nb, title="Savonlinna 2023-10", language="fi")
    pdf = convert.html_to_pdf(html, folder / "36_fi.pdf")
    return nb, html, pdf


def test_published_html_has_the_area_and_its_unemployment_rate(savonlinna):
    _, html, _ = savonlinna
    rate = compute_values("unemployment_rate", "area", periods=["2023-10"], codes=["36"])["value"].iloc[0]
    assert "Savonlinna (36)" in html
    assert format_number(rate, 1, "fi") == "10,8"  # 1 770 / 16 417 unemployed (12r5, 2023-10)
    assert '<td class="num">10,8</td>' in html
    assert '<td class="num">9,7</td>' in html  # whole country 256 070 / 2 648 166


def test_document_is_self_contained_and_accessible(savonlinna):
    _, html, pdf = savonlinna
    assert '<html lang="fi"' in html
    assert "<script" not in html
    assert not re.search(r'(src|href)="https?://', html)
    images = re.findall(r"<img [^>]*>", html)
    assert images and all(re.search(r'alt="[^"]+"', img) for img in images)
    assert "import " not in html  # code is hidden
    assert "Tietoa asiakirjasta" in html and "Lähde: TEM, työnvälitystilasto; Tilastokeskus" in html
    assert pdf.read_bytes().startswith(b"%PDF")


def test_member_municipalities_and_regions_are_shown(savonlinna):
    _, html, _ = savonlinna
    for name in ("Enonkoski", "Rantasalmi", "Sulkava", "Etelä-Savon ELY-keskus", "Etelä-Savo"):
        assert name in html


def test_incomplete_sum_is_marked_in_finnish(savonlinna):
    _, html, _ = savonlinna
    assert "vajaa summa: avoimet työpaikat puuttuu 2/4 jäsenkunnalta" in html


def test_document_opens_with_the_spine_chart_and_has_the_comparisons(savonlinna):
    _, html, _ = savonlinna
    summary = html.index("Yhteenveto")
    spine = html.index('alt="', summary)
    assert html[spine:spine + 200].count("Savonlinna") >= 1  # the spine chart's alt text names the area
    assert html.index("Keskeiset indikaattorit") > spine
    for heading in ("Suppilokuviot", "Odotettu ja toteutunut", "Vertailualueet"):
        assert heading in html
    assert "Mikkelin seutu" in html  # one of Savonlinna's five peers (structure in 2023-10)


def test_indicators_link_to_the_catalogue(savonlinna):
    _, html, _ = savonlinna
    assert 'href="../catalogue/index.html#unemployment_rate"' in html

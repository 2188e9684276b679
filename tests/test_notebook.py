"""Smoke test: the area notebook runs through Papermill on the real shipped data; every notebook
is written from its jupytext source, without outputs."""

import re

import jupytext
import nbformat
import pytest

from ohti.build import convert, execute
from ohti.i18n import format_number
from ohti.indicators.compute import compute_values
from ohti.paths import AREA_NOTEBOOK, NATIONAL_NOTEBOOK, NOTEBOOKS_DIR, REGION_NOTEBOOK, VALIDITY_NOTEBOOK


@pytest.fixture(scope="module")
def savonlinna(tmp_path_factory):
    folder = tmp_path_factory.mktemp("notebook")
    parameters = {"area_code": "36", "period": "2023-10", "language": "fi"}
    nb = execute.render_notebook(AREA_NOTEBOOK, folder / "36_fi.ipynb", parameters)
    html = convert.notebook_to_html(nb, title="Savonlinna 2023-10", language="fi")
    pdf = convert.html_to_pdf(html, folder / "36_fi.pdf")
    return nb, html, pdf


@pytest.mark.build
@pytest.mark.slow
def test_published_html_has_the_area_and_its_unemployment_rate(savonlinna):
    _, html, _ = savonlinna
    rate = compute_values("unemployment_rate", "area", periods=["2023-10"], codes=["36"])["value"].iloc[0]
    assert "Savonlinna (36)" in html
    assert format_number(rate, 1, "fi") == "10,8"  # 1 770 / 16 417 unemployed (12r5, 2023-10)
    assert '<td class="num">10,8</td>' in html
    assert '<td class="num">9,7</td>' in html  # whole country 256 070 / 2 648 166


@pytest.mark.build
@pytest.mark.slow
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


@pytest.mark.build
@pytest.mark.slow
def test_member_municipalities_and_regions_are_shown(savonlinna):
    _, html, _ = savonlinna
    for name in ("Enonkoski", "Rantasalmi", "Sulkava", "Etelä-Savon ELY-keskus", "Etelä-Savo"):
        assert name in html


@pytest.mark.build
@pytest.mark.slow
def test_incomplete_sum_is_marked_in_finnish(savonlinna):
    _, html, _ = savonlinna
    assert "summa on vajaa: avoimet työpaikat puuttuvat kahdelta neljästä jäsenkunnasta" in html


@pytest.mark.build
@pytest.mark.slow
def test_document_opens_with_the_spine_chart_and_has_the_comparisons(savonlinna):
    _, html, _ = savonlinna
    summary = html.index("Yhteenveto")
    spine = html.index('alt="', summary)
    assert html[spine:spine + 200].count("Savonlinna") >= 1  # the spine chart's alt text names the area
    assert html.index("Keskeiset indikaattorit") > spine
    for heading in ("Suppilokuviot", "Odotettu ja toteutunut", "Vertailualueet"):
        assert heading in html
    assert "Mikkelin seutu" in html  # one of Savonlinna's five peers (structure in 2023-10)


@pytest.mark.build
@pytest.mark.slow
def test_indicators_link_to_the_catalogue(savonlinna):
    _, html, _ = savonlinna
    assert 'href="../catalogue/index.html#unemployment_rate"' in html


# The notebooks' single source is notebooks/<name>.py (jupytext); the committed .ipynb that
# Papermill runs is written from it by `make notebooks` (scripts/make_notebooks.py).

SOURCES = sorted(NOTEBOOKS_DIR.glob("*.py"))
TEMPLATES = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
REMAKE = "the notebook and its source differ: edit notebooks/*.py, then run `make notebooks`"


def source_cells(path):
    """(type, id, tags, source) of each cell of a notebook's jupytext source (ids from the cell headers)."""
    return [(cell.cell_type, cell.metadata.get("id"), cell.metadata.get("tags", []), cell.source)
            for cell in jupytext.read(path, fmt="py:percent").cells]


def template_cells(path):
    return [(cell.cell_type, cell.get("id"), cell.metadata.get("tags", []), cell.source)
            for cell in nbformat.read(path, as_version=4).cells]


def test_every_notebook_has_its_source():
    assert {p.stem for p in TEMPLATES} == {p.stem for p in SOURCES}
    assert {AREA_NOTEBOOK, REGION_NOTEBOOK, NATIONAL_NOTEBOOK, VALIDITY_NOTEBOOK} <= set(TEMPLATES)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_notebook_is_written_from_its_source(source):
    template = source.with_suffix(".ipynb")
    assert template_cells(template) == source_cells(source), REMAKE
    nb = nbformat.read(template, as_version=4)
    assert [cell.metadata.get("id") for cell in nb.cells] == [cell.id for cell in nb.cells], REMAKE
    assert nb.metadata["jupytext"]["formats"] == "ipynb,py:percent"
    assert nb.metadata["kernelspec"]["name"] == "python3" and nb.metadata["language_info"] == {"name": "python"}


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.stem)
def test_committed_notebook_has_no_outputs(template):
    nb = nbformat.read(template, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code and any("parameters" in cell.metadata.get("tags", []) for cell in code)
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, (
            f"{template.name}, cell {cell.id}: committed with outputs; run `make notebooks`")


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.stem)
def test_markdown_cells_are_notes_the_document_leaves_out(template):
    nb = nbformat.read(template, as_version=4)
    markdown = [cell for cell in nb.cells if cell.cell_type == "markdown"]
    assert markdown, "the notebook narrates its structure in Markdown cells"
    for cell in markdown:
        assert convert.REMOVE_CELL_TAGS & set(cell.metadata.get("tags", [])), (
            f"{template.name}, cell {cell.id}: a Markdown cell without the tag remove-cell would be published")
    html = convert.notebook_to_html(nb, title="template", language="en")
    assert not [cell.id for cell in markdown if cell.source.splitlines()[0].lstrip("# ") in html]
    assert [f'id="cell-id={cell.id}"' in html for cell in nb.cells] == [c.cell_type == "code" for c in nb.cells]

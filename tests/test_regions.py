"""Regional and national documents, expert assessments and the language editions."""

import re

import pytest

from ohti.build import convert, execute
from ohti.documents import content
from ohti.documents.assessments import assessment_html, assessment_path, render_assessment
from ohti.errors import ParameterError
from ohti.paths import AREA_NOTEBOOK, NATIONAL_NOTEBOOK, REGION_NOTEBOOK
from ohti.sources import areas


def run(notebook, folder, name, parameters, language="fi"):
    nb = execute.render_notebook(notebook, folder / f"{name}.ipynb", parameters)
    return convert.notebook_to_html(nb, title=name, language=language)


def test_an_area_spanning_two_regions_appears_in_both_with_a_note():
    # Suupohja's municipalities lie in Etelä-Pohjanmaa (14) and Pohjanmaa (15).
    for code, other in (("14", "Pohjanmaa"), ("15", "Etelä-Pohjanmaa")):
        areas = content.region_profile("maakunta", code)["areas"].set_index("name")
        assert areas.at["Suupohja", "also"] == other
    ely = content.region_profile("ely", "11")["areas"]
    assert set(ely["name"]) == {"Kymppi", "TyöLakeus", "Suupohja"}
    with pytest.raises(ParameterError, match="unknown grouping 'nuts'"):
        content.region_profile("nuts", "01")


def test_document_languages_follow_the_language_status():
    assert areas.document_languages("area", "36") == ["fi"]          # Savonlinna: Finnish only
    assert areas.document_languages("area", "25") == ["fi", "sv"]    # Pietarsaaren seutu: bilingual
    assert areas.document_languages("area", "08") == ["fi", "sv"]    # Helsinki: bilingual


def test_assessment_markup_and_script_are_rendered_inert():
    text = "### Vahvuudet\n\nAste {unemployment_rate}, {nope}.\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))"
    rendered = render_assessment(text, {"unemployment_rate": "10,8 %"})
    assert "<script" not in rendered and "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    assert "javascript:" not in rendered
    assert "<h3>Vahvuudet</h3>" in rendered and "Aste 10,8 %" in rendered and "⟨nope?⟩" in rendered


def test_assessment_files_and_placeholder(tmp_path):
    (tmp_path / "2023-10").mkdir()
    (tmp_path / "2023-10" / "36.md").write_text("Suomeksi.", encoding="utf-8")
    (tmp_path / "2023-10" / "36.sv.md").write_text("På svenska.", encoding="utf-8")
    assert assessment_path("36", "2023-10", "sv", folder=tmp_path).name == "36.sv.md"
    assert assessment_path("36", "2023-10", "en", folder=tmp_path).name == "36.md"  # Finnish as fallback
    assert assessment_path("08", "2023-10", "fi", folder=tmp_path) is None
    table = content.indicator_table("08", "2023-10", indicators=["unemployment_rate"])
    placeholder = assessment_html("08", "2023-10", table, "fi", folder=tmp_path)
    assert "asiantuntija-arvio julkaistaan erikseen" in placeholder
    assert "parameters/" not in placeholder and ".md" not in placeholder  # the path is in the build's report
    with pytest.raises(ParameterError, match="assessment code 'x1'"):
        assessment_path("x1", "2023-10")


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    folder = tmp_path_factory.mktemp("documents")
    assessments = tmp_path_factory.mktemp("assessments")
    (assessments / "2023-10").mkdir()
    (assessments / "2023-10" / "36.en.md").write_text(
        "### Strengths\n\nThe rate is {unemployment_rate}.\n\n<script>alert('x')</script>", encoding="utf-8")
    mp = pytest.MonkeyPatch()
    mp.setenv("OHTI_ASSESSMENTS_DIR", str(assessments))  # the kernels inherit the environment
    try:
        yield {
            "ely": run(REGION_NOTEBOOK, folder, "ely", {"grouping": "ely", "region_code": "11", "period": "2023-10", "language": "fi"}),
            "maakunta": run(REGION_NOTEBOOK, folder, "maakunta", {"grouping": "maakunta", "region_code": "15", "period": "2023-10", "language": "fi"}),
            "evk": run(REGION_NOTEBOOK, folder, "evk", {"grouping": "evk", "region_code": "06", "period": "2023-10", "language": "sv"}, "sv"),
            "national": run(NATIONAL_NOTEBOOK, folder, "national", {"period": "2023-10", "language": "fi"}),
            "area_en": run(AREA_NOTEBOOK, folder, "area_en", {"area_code": "36", "period": "2023-10", "language": "en"}, "en"),
            "area_sv": run(AREA_NOTEBOOK, folder, "area_sv", {"area_code": "25", "period": "2023-10", "language": "sv"}, "sv"),
        }
    finally:
        mp.undo()


@pytest.mark.build
@pytest.mark.slow
def test_regional_documents_run_for_each_grouping(documents):
    assert "Etelä-Pohjanmaan ELY-keskus" in documents["ely"] and "Suupohja" in documents["ely"]
    assert "Pohjanmaa" in documents["maakunta"] and "Ulottuu myös alueelle" in documents["maakunta"]
    assert "Itä-Finlands livskraftscentral" in documents["evk"] or "Östra Finlands" in documents["evk"]
    for html in (documents["ely"], documents["maakunta"], documents["evk"]):
        assert re.search(r'<img [^>]*alt="[^"]+"', html)  # the locator map has alt text


@pytest.mark.build
@pytest.mark.slow
def test_national_overview(documents):
    html = documents["national"]
    for heading in ("Kartat", "Alueiden järjestys indikaattoreittain", "Koko maata merkitsevästi huonommat alueet",
                    "Suppilokuviot", "Odotettu ja toteutunut"):
        assert heading in html
    assert "Teemakartta: Työttömyysaste" in html  # the choropleth's alt text
    assert "Pietarsaaren seutu" in html and "Lahti" in html


@pytest.mark.build
@pytest.mark.slow
def test_language_switch_changes_labels_and_numbers(documents):
    english, swedish = documents["area_en"], documents["area_sv"]
    assert "Summary" in english and "Unemployment rate" in english and "Yhteenveto" not in english
    assert "Sammanfattning" in swedish and "Arbetslöshetsgrad" in swedish and "Jakobstadsregionen" in swedish
    assert re.search(r"<td class=\"num\">\d+\.\d</td>", english)      # decimal point in English
    assert re.search(r"<td class=\"num\">\d+,\d</td>", swedish)       # decimal comma in Swedish


@pytest.mark.build
@pytest.mark.slow
def test_assessment_in_a_document_is_escaped(documents):
    html = documents["area_en"]
    assert "<h3>Strengths</h3>" in html
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "The rate is 10.8 %" in html


def test_area_tables_are_each_areas_table_and_the_region_rows_its_units():
    """Documents take their rows from tables of every unit (shared in a warm kernel); the rows
    are those the unit's own table has, and ranks and trends are each area's own."""
    from ohti.indicators.comparison import compare_values

    indicators = ["unemployment_rate", "unemployed", "vacancies_per_unemployed"]
    every = content.area_indicator_tables("2023-10", indicators=indicators)
    assert len(every) == 45 * len(indicators)
    for code in ("08", "36"):
        own = content.indicator_table(code, "2023-10", indicators=indicators)
        assert own.equals(every[every["area_code"] == code].drop(columns="area_code").reset_index(drop=True))
    rate = every[every["indicator"] == "unemployment_rate"].set_index("area_code")
    # Ranks: 1 is the lowest unemployment rate, and the areas' values are in rank order.
    assert rate["rank"].min() == 1 and rate["n_ranked"].iloc[0] == 45
    assert rate.sort_values("rank")["value"].is_monotonic_increasing
    # Trends are those of each area's own five points (the same month of five years).
    single = content.area_indicator_tables("2023-10", indicators=["unemployment_rate"])
    assert single.set_index("area_code")["trend_label"].equals(rate["trend_label"])
    assert set(rate["trend_label"]) <= {"better", "worse", "no significant change", "not calculated"}
    region = content.unit_indicator_table("ely", "02", "2023-10", indicators=["unemployment_rate"])
    alone = compare_values("unemployment_rate", "ely", periods=["2023-10"], codes=["02"])
    assert region["value"].iloc[0] == alone["value"].iloc[0]
    assert region["lower"].iloc[0] == alone["lower"].iloc[0]
    assert region["significance"].iloc[0] == alone["significance"].iloc[0]

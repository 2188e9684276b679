"""The first page: key findings drafted from the figures, the national objectives, and the
edition "what changed" compares with (issue 20)."""

from __future__ import annotations

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from ohti.documents import content, sections, summary
from ohti.errors import DefinitionError, ParameterError
from ohti.i18n import finnish_number, translate_note
from ohti.indicators.registry import load_objectives, parse_registry
from ohti.paths import AREA_NOTEBOOK, NATIONAL_NOTEBOOK
from ohti.publish.edition import with_comparison
from ohti.sources.variables import VARIABLES


def _row(indicator, significance, value, national, **extra):
    row = {"indicator": indicator, "name": indicator.replace("_", " ").capitalize(), "unit": "%", "decimals": 1,
           "current": True, "key": True, "period": "2026-06", "value": value, "national": national,
           "significance": significance, "comparison": "overdispersed", "trend_label": "not calculated",
           "red_red": False, "note": "", "rank": 3, "rank_lower": 1, "rank_upper": 6, "n_ranked": 45}
    row.update(extra)
    return row


def test_only_significant_figures_become_key_messages_worst_first():
    table = pd.DataFrame([_row("unemployment_rate", "better", 8.7, 12.8),
                          _row("long_term_unemployed_share", "similar", 41.0, 41.0),
                          _row("unemployed_over_50_share", "worse", 45.2, 32.8)])
    messages = summary.key_messages(table, language="fi")
    assert list(messages["indicator"]) == ["unemployed_over_50_share", "unemployment_rate"]
    assert messages.loc[0, "text"] == ("Unemployed over 50 share: 45,2 % (koko maa 32,8 %), "
                                       "merkitsevästi huonompi kuin koko maassa.")
    # the caveat of a difference is said once, on its first message
    assert messages.loc[0, "caveat"].startswith("Ero on suurempi kuin alueiden välinen tavanomainen vaihtelu")
    assert messages.loc[1, "caveat"] == ""


def test_nothing_significant_gives_no_messages_and_the_section_says_so():
    table = pd.DataFrame([_row("unemployment_rate", "similar", 12.3, 12.8)])
    messages = summary.key_messages(table, language="sv")
    assert messages.empty
    html = sections.key_messages_html(messages, "sv")
    assert "Ingen av nyckelindikatorerna avviker signifikant" in html
    assert "utkast" in html.lower()  # labelled as drafted from the figures


def test_a_changed_verdict_is_said_in_the_message_of_its_figure_and_a_moved_rank_alone():
    table = pd.DataFrame([_row("unemployment_rate", "better", 8.7, 12.8),
                          _row("vacancies_per_1000_labour_force", "similar", 7.7, 9.7)])
    changes = pd.DataFrame([
        {"area_code": "07", "indicator": "unemployment_rate", "name": "Työttömyysaste", "kind": "verdict",
         "before": "similar", "after": "better"},
        {"area_code": "07", "indicator": "unemployment_rate", "name": "Työttömyysaste", "kind": "rank",
         "before": "13 (8–19)", "after": "4 (3–5)"},
        {"area_code": "07", "indicator": "vacancies_per_1000_labour_force", "name": "Avoimet työpaikat", "kind": "rank",
         "before": "15 (11–22)", "after": "4 (2–7)"}])
    messages = summary.key_messages(table, changes=changes, previous="2023-10", language="fi")
    assert len(messages) == 2  # the differences first, then the changes
    assert messages.loc[0, "text"].endswith("merkitsevästi parempi kuin koko maassa (lokakuu 2023: ei eroa).")
    assert "eri kuukausi" in messages.loc[0, "caveat"]  # June is compared with October
    assert messages.loc[1, "text"] == ("Avoimet työpaikat: sija alueiden joukossa muuttui enemmän kuin sen "
                                       "epävarmuus (lokakuu 2023: 15 (11–22); nyt: 4 (2–7)).")


def test_at_most_six_messages():
    table = pd.DataFrame([_row(f"indicator_{i}", "worse", 20.0 + i, 10.0) for i in range(9)])
    assert len(summary.key_messages(table, language="en")) == summary.MAX_MESSAGES


def test_the_expert_key_messages_replace_the_drafted_ones(tmp_path, monkeypatch):
    folder = tmp_path / "2026-06"
    folder.mkdir()
    (folder / "36.md").write_text("### Keskeiset viestit\n\n- Työttömyysaste {unemployment_rate}.\n\n"
                                  "### Vahvuudet\n\n- muuta\n", encoding="utf-8")
    monkeypatch.setattr("ohti.documents.assessments.ASSESSMENTS_DIR", tmp_path)
    expert = summary.expert_key_messages("36", "2026-06", "fi")
    assert expert == "- Työttömyysaste {unemployment_rate}."
    html = sections.key_messages_html(pd.DataFrame([{"text": "luonnos", "caveat": ""}]), "fi", expert=expert,
                                      values={"unemployment_rate": "12,3 %"})
    assert "Työttömyysaste 12,3 %." in html and "luonnos" not in html
    assert summary.expert_key_messages("01", "2026-06", "fi") is None


def test_objectives_take_the_verdicts_of_the_indicator_table():
    table = pd.DataFrame([_row("employment_rate", "worse", 60.0, 70.0),
                          _row("unemployment_rate", "better", 8.7, 12.8),
                          _row("vacancies", "not compared", 100, 26000, current=False)])
    rows = summary.objectives_table(table)
    # employment_rate speaks to two objectives and appears under both; a figure of another period is left out
    assert list(zip(rows["objective"], rows["indicator"])) == [
        ("low_employment_groups", "employment_rate"), ("rapid_employment", "unemployment_rate"),
        ("regional_vitality", "employment_rate")]
    assert list(rows["significance"]) == ["worse", "better", "worse"]
    html = sections.objectives_html(rows, summary.objectives_unmeasured(table, "fi"), "fi")
    soup = BeautifulSoup(html, "html.parser")
    assert [th.get_text() for th in soup.select("tr.objective th")] == [o.label("fi") for o in load_objectives().values()]
    assert len(soup.select("tbody")) == 5
    assert "Ei tämän kuun lukua:" in soup.get_text()


def test_the_registry_refuses_an_unknown_objective():
    text = """
indicators:
  - id: rate
    name: {fi: a, sv: a, en: a}
    description: {fi: a, sv: a, en: a}
    interpretation: {fi: a, sv: a, en: a}
    unit: {fi: "%", sv: "%", en: "%"}
    statistic: proportion
    multiplier: 100
    numerator: unemployed
    denominator: labour_force
    polarity: lower_is_better
    kind: outcome
    theme: job_seekers
    decimals: 1
    source: tyonv_12r5
    ci_method: wilson
    suppression_threshold: 5
    legal_basis: null
    key: [2026]
    objectives: [full_employment]
"""
    with pytest.raises(DefinitionError, match=r"field objectives: \['full_employment'\] is not a list of national"):
        parse_registry(text, set(VARIABLES), "test")
    indicators = parse_registry(text.replace("full_employment", "rapid_employment"), set(VARIABLES), "test")
    assert indicators["rate"].objectives == ("rapid_employment",)


def test_the_edition_compared_with_falls_back_to_the_latest_month_with_figures():
    # the shipped data have October 2023 and June 2026 at the area level, nothing between
    assert content.comparison_edition("2026-06") == ("2023-10", "2025-06")
    assert content.comparison_edition("2023-10") == ("2022-10", None)
    assert content.comparison_edition("2026-06", "2023-10") == ("2023-10", None)
    assert content.comparison_edition("2026-06", "2025-03") == (None, "2025-03")
    with pytest.raises(ParameterError, match="must be earlier than 2026-06"):
        content.comparison_edition("2026-06", "2026-06")


def test_what_changed_lists_added_indicators_in_a_sentence_and_says_which_month_it_compares_with():
    changes = pd.DataFrame([
        {"area_code": "36", "indicator": "activation_rate", "name": "Aktivointiaste", "kind": "added", "before": "", "after": ""},
        {"area_code": "36", "indicator": "population", "name": "Väkiluku", "kind": "retired", "before": "", "after": ""}])
    html = sections.changes_html(changes, "2023-10", "fi", wanted="2025-06")
    text = BeautifulSoup(html, "html.parser").get_text(" ")
    assert "Vuotta aiemman kuukauden (kesäkuu 2025) lukuja ei ole saatavilla" in text
    assert "Uudet indikaattorit: Aktivointiaste." in text
    assert "joilla ei ole enää ajankohtaista lukua: Väkiluku." in text
    assert "<table" not in html and "yksikään ero koko maahan tai sija ei muuttunut" in text
    nothing = sections.changes_html(None, None, "fi", wanted="2025-06")
    assert "kesäkuu 2025" in nothing and "ei ole tässä aineistossa lukuja" in nothing


def test_compare_with_reaches_the_area_and_national_notebooks_only():
    specs = [{"notebook": str(AREA_NOTEBOOK), "parameters": {"area_code": "36"}},
             {"notebook": str(NATIONAL_NOTEBOOK), "parameters": {}},
             {"notebook": "notebooks/region_evaluation.ipynb", "parameters": {"code": "06"}}]
    assert with_comparison(specs, "2026-06", None) is specs
    out = with_comparison(specs, "2026-06", "2023-10")
    assert [spec["parameters"].get("compare_with") for spec in out] == ["2023-10", "2023-10", None]
    with pytest.raises(ParameterError):
        with_comparison(specs, "2026-06", "2027-01")


@pytest.mark.parametrize(("number", "case", "word"), [
    (1, "ablative", "yhdeltä"), (4, "elative", "neljästä"), (10, "ablative", "kymmeneltä"),
    (13, "elative", "kolmestatoista"), (21, "ablative", "kahdeltakymmeneltäyhdeltä"),
    (30, "elative", "kolmestakymmenestä"), (120, "elative", "120")])
def test_finnish_number_words(number, case, word):
    assert finnish_number(number, case) == word


def test_an_incomplete_sum_reads_as_a_sentence():
    note = "incomplete: new_vacancies not published for 1 of 4 municipalities"
    assert translate_note(note, "fi") == "summa on vajaa: uudet avoimet työpaikat puuttuvat yhdeltä neljästä jäsenkunnasta"
    assert translate_note("incomplete: labour_force not published for 2 of 21 municipalities", "fi") == (
        "summa on vajaa: työvoima puuttuu kahdelta kahdestakymmenestäyhdestä jäsenkunnasta")
    assert translate_note(note, "sv") == ("summan är ofullständig: nya lediga platser saknas för en av fyra "
                                          "medlemskommuner")


# --- the national overview ---------------------------------------------------------------------

def test_the_distribution_counts_the_verdicts_of_the_area_documents():
    indicators = ["unemployment_rate", "unemployed_over_50_share", "vacancies_per_unemployed"]
    distribution = content.area_distribution("2026-06", indicators).set_index("indicator")
    tables = content.area_indicator_tables("2026-06", indicators=indicators)
    for ident in indicators:
        rows = tables[tables["indicator"] == ident]
        assert distribution.loc[ident, "worse"] == rows["significance"].isin(["worse", "higher"]).sum()
        assert distribution.loc[ident, "better"] == rows["significance"].isin(["better", "lower"]).sum()
        assert distribution.loc[ident, "median"] == pytest.approx(rows["value"].median())
        assert distribution.loc[ident, "national"] == pytest.approx(rows["national"].iloc[0])
    assert distribution.loc["unemployment_rate", "national"] == pytest.approx(352001 / 2743596 * 100)
    html = sections.distribution_html(distribution.reset_index(), "fi")
    cells = [td.get_text() for td in BeautifulSoup(html, "html.parser").select("tbody tr")[2].select("td")]
    assert cells[-1] == "–"  # a ratio is not compared: no count of differing areas


def test_the_national_table_does_not_compare_the_country_with_itself():
    table = content.unit_indicator_table("national", "SSS", "2026-06")
    html = sections.indicator_table_html(table[table["key"] & table["current"]], "fi")
    headers = [th.get_text() for th in BeautifulSoup(html, "html.parser").select("thead th")]
    assert headers[:2] == ["Indikaattori", "Koko maa"] and "Ero koko maahan" not in headers and headers.count("Koko maa") == 1


def test_the_ranks_overview_marks_an_incomplete_sum_once():
    leagues = {ident: content.league_table(ident, "2026-06") for ident in ("unemployment_rate", "activation_rate")}
    soup = BeautifulSoup(sections.ranks_overview_html(leagues, "fi"), "html.parser")
    rows = soup.select("tbody tr")
    assert len(rows) == 45
    names = [row.th.get_text() for row in rows]
    assert names == sorted(names)
    savonlinna = next(row for row in rows if row.th.get_text() == "Savonlinna").select("td")
    assert savonlinna[0].get_text() == "12,3 · 29 (21–32)"  # as in the area's own document
    assert savonlinna[1].get_text() == "17,7*"  # an incomplete sum: no rank
    assert soup.get_text().count("summa on vajaa") == 1


def test_map_classes_keep_their_limits_apart_and_the_darkest_is_the_worst():
    from ohti.documents import maps

    assert maps.class_decimals([0.02, 0.04, 0.043, 0.05, 0.71], 2) == 3
    assert maps.class_decimals([6.8, 10.2, 11.3], 1) == 1
    values = pd.Series({code: float(number) for number, code in enumerate(content.area_names().index)})
    for polarity, worst in (("lower_is_better", values.idxmax()), ("higher_is_better", values.idxmin())):
        figure, _ = maps.plot_choropleth(values, title="t", decimals=0, polarity=polarity)
        handles = figure.axes[0].get_legend().legend_handles
        colours = [handle.get_facecolor() for handle in handles]
        darkest = min(range(len(colours)), key=lambda index: sum(colours[index][:3]))
        # the darkest class holds the worst value: the last class for lower-is-better, the first for higher
        assert darkest == (len(colours) - 1 if worst == values.idxmax() else 0)

"""Write the notebook templates from their cell sources, without outputs and with fixed cell ids.

The notebooks are generated so that their JSON stays minimal and reviewable; edit the cells
here and run `python scripts/make_notebooks.py`.
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

AREA = [
    ("parameters", ["parameters"], '''# Parameters (Papermill injects the values of each run after this cell)
area_code = "01"
period = "2023-10"
language = "fi"
# a customer-register extract (a file) for the process indicators; "" = none configured
extract = ""'''),
    ("setup", [], '''from IPython.display import HTML, display

from ohti.documents import charts, content, maps, sections
from ohti.sources import provenance
from ohti.documents.assessments import assessment_html
from ohti.documents.process_section import process_section_html
from ohti.analysis.expected import fit_expected, model_spec
from ohti.analysis.peers import peer_comparison, peer_groups
from ohti.indicators.registry import get_indicator

profile = content.area_profile(area_code, language)
table = content.indicator_table(area_code, period, language=language)
current = table[table["current"]]
key = current[current["key"]]
display(HTML(sections.title_html(profile, period, language)))'''),
    ("summary", [], '''display(HTML(sections.heading("summary", language)))
display(HTML(sections.paragraph("spine_intro", language)))
fig, alt = charts.plot_spine(key, area_name=profile["name"], language=language)
display(HTML(charts.figure_html(fig, alt)))
display(HTML(sections.red_red_html(current, language)))
display(HTML(sections.heading("key_indicators", language, level=3)))
display(HTML(sections.indicator_table_html(key, language, explain=True)))'''),
    ("area", [], '''display(HTML(sections.heading("the_area", language)))
fig, alt = maps.plot_locator("area", area_code, name=profile["name"], language=language)
display(HTML(charts.figure_html(fig, alt, raster=True, css_class="locator")))
display(HTML(sections.members_html(profile, language)))'''),
    ("processes", [], '''display(HTML(sections.heading("processes", language)))
display(HTML(process_section_html(area_code, period, extract, language)))'''),
    ("job-seekers", [], '''display(HTML(sections.heading("job_seekers", language)))
for ident in ["unemployment_rate", "unemployed"]:
    display(HTML(sections.series_html(area_code, ident, period, language, area_name=profile["name"])))
display(HTML(sections.indicator_table_html(table[table["theme"] == "job_seekers"], language)))'''),
    ("employers", [], '''display(HTML(sections.heading("employers", language)))
display(HTML(sections.series_html(area_code, "vacancies_per_unemployed", period, language, area_name=profile["name"])))
display(HTML(sections.indicator_table_html(table[table["theme"] == "employers"], language)))'''),
    ("koto", [], '''display(HTML(sections.heading("koto", language)))
display(HTML(sections.indicator_table_html(table[table["theme"] == "koto"], language)))'''),
    ("context", [], '''display(HTML(sections.heading("context", language)))
display(HTML(sections.indicator_table_html(table[table["theme"].isin(["labour_market", "resources"])], language)))'''),
    ("funnels", [], '''display(HTML(sections.heading("comparisons", language)))
display(HTML(sections.heading("funnels", language, level=3)))
display(HTML(sections.paragraph("funnel_intro", language)))
names = content.area_names(language)
for ident in model_spec()["expected"]["outcomes"]:
    display(HTML(sections.funnel_html(ident, period, language, focal=area_code)))'''),
    ("expected", [], '''display(HTML(sections.heading("expected_heading", language, level=3)))
results = [fit_expected(ident, period, language=language) for ident in model_spec()["expected"]["outcomes"]]
display(HTML(sections.expected_area_html(results, area_code, language)))'''),
    ("peers", [], '''display(HTML(sections.heading("peers_heading", language, level=3)))
groups = peer_groups(period)
peer_codes = groups.loc[groups["area_code"] == area_code, "peer_code"]
comparison = peer_comparison(area_code, dict(zip(key["indicator"], key["period"])), language=language)
display(HTML(sections.peers_html(comparison, [names[c] for c in peer_codes], language,
                                k=model_spec()["peers"]["k"], features=model_spec()["peers"]["features"])))'''),
    ("breakdown", [], '''display(HTML(sections.heading("breakdown", language)))
shown = ["unemployed", "labour_force", "unemployment_rate", "vacancies", "unemployed_per_1000_inhabitants"]
breakdown = content.municipality_breakdown(area_code, period, indicators=shown, language=language)
display(HTML(sections.breakdown_html(breakdown, [get_indicator(i) for i in shown], language)))'''),
    ("assessment", [], '''display(HTML(assessment_html(area_code, period, table, language)))'''),
    ("about", [], '''display(HTML(provenance.about_html({"area_code": area_code, "period": period, "language": language,
                                          **({"extract": extract} if extract else {})}, language)))'''),
]

REGION = [
    ("parameters", ["parameters"], '''# Parameters (Papermill injects the values of each run after this cell)
grouping = "ely"
region_code = "06"
period = "2023-10"
language = "fi"'''),
    ("setup", [], '''from IPython.display import HTML, display

from ohti.documents import charts, content, maps, sections
from ohti.sources import provenance
from ohti.documents.assessments import assessment_html
from ohti.indicators.registry import get_indicator, indicator_ids

profile = content.region_profile(grouping, region_code, language)
region_code = profile["code"]
table = content.unit_indicator_table(grouping, region_code, period, language=language)
key = table[table["key"] & table["current"]]
display(HTML(sections.region_title_html(profile, period, language)))
fig, alt = maps.plot_locator(grouping, region_code, name=profile["name"], language=language)
display(HTML(charts.figure_html(fig, alt, raster=True, css_class="locator")))'''),
    ("summary", [], '''display(HTML(sections.heading("region_summary", language)))
display(HTML(sections.indicator_table_html(key, language)))'''),
    ("areas", [], '''display(HTML(sections.heading("region_areas", language)))
display(HTML(sections.region_areas_html(profile, language)))'''),
    ("compared", [], '''display(HTML(sections.heading("areas_compared", language)))
area_tables = {code: content.indicator_table(code, period, indicators=list(key["indicator"]), language=language)
               for code in profile["areas"]["code"]}
names = content.area_names(language)
display(HTML(sections.areas_comparison_html(area_tables, list(key["indicator"]), names, language)))
for ident in ["unemployment_rate", "unemployed_per_1000_inhabitants"]:
    display(HTML(sections.caterpillar_html(ident, period, language, highlight=set(profile["areas"]["code"]))))'''),
    ("assessment", [], '''display(HTML(assessment_html(f"{grouping}-{region_code}", period, table, language)))'''),
    ("about", [], '''display(HTML(provenance.about_html({"grouping": grouping, "region_code": region_code, "period": period,
                                          "language": language}, language)))'''),
]

NATIONAL = [
    ("parameters", ["parameters"], '''# Parameters (Papermill injects the values of each run after this cell)
period = "2023-10"
language = "fi"'''),
    ("setup", [], '''from IPython.display import HTML, display

from ohti.documents import content, sections
from ohti.sources import provenance
from ohti.documents.assessments import assessment_html
from ohti.analysis.expected import fit_expected, model_spec
from ohti.indicators.registry import get_indicator

table = content.unit_indicator_table("national", "SSS", period, language=language)
key = table[table["key"] & table["current"]]
display(HTML(sections.national_title_html(period, language)))'''),
    ("summary", [], '''display(HTML(sections.heading("summary", language)))
display(HTML(sections.indicator_table_html(key, language)))'''),
    ("maps", [], '''display(HTML(sections.heading("maps", language)))
compared = [i for i in key["indicator"] if get_indicator(i).statistic in ("proportion", "rate", "ratio", "difference")]
figures = [sections.choropleth_html(ident, period, language) for ident in compared]
display(HTML("<div>" + "".join(figures) + "</div>"))'''),
    ("flagged", [], '''display(HTML(sections.heading("flagged", language)))
display(HTML(sections.flagged_html(content.flagged_areas(period, compared, language=language), language)))'''),
    ("league", [], '''display(HTML(sections.heading("league_tables", language)))
for ident in compared:
    indicator = get_indicator(ident)
    league = content.league_table(ident, period, language=language)
    display(HTML(f"<h3>{indicator.label(language)}</h3>"))
    display(HTML(sections.caterpillar_html(ident, period, language, league=league)))
    display(HTML(sections.league_table_html(league, indicator, language)))'''),
    ("funnels", [], '''display(HTML(sections.heading("funnels", language)))
display(HTML(sections.paragraph("funnel_intro", language)))
for ident in model_spec()["expected"]["outcomes"]:
    display(HTML(sections.funnel_html(ident, period, language)))'''),
    ("expected", [], '''display(HTML(sections.heading("expected_heading", language)))
for ident in model_spec()["expected"]["outcomes"]:
    display(HTML(sections.expected_html(fit_expected(ident, period, language=language), language)))'''),
    ("assessment", [], '''display(HTML(assessment_html("national", period, table, language)))'''),
    ("about", [], '''display(HTML(provenance.about_html({"period": period, "language": language}, language)))'''),
]

VALIDITY = [
    ("parameters", ["parameters"], '''# Parameters (Papermill injects the values of each run after this cell)
period = "2023-10"
language = "fi"
budget = 50'''),
    ("setup", [], '''from IPython.display import HTML, display

from ohti.analysis import validity
from ohti.documents import charts, sections, validity_section
from ohti.sources import provenance

result = validity.analyse()
proposal = validity.propose(result.scorecard, result.correlation, budget)
display(HTML(validity_section.title_html(period, language)))
display(HTML(sections.paragraph("validity_intro", language)))'''),
    ("methods", [], '''display(HTML(sections.heading("validity_methods", language)))
display(HTML(sections.paragraph("validity_methods_text", language)))
display(HTML(sections.paragraph("validity_registry_note", language)))'''),
    ("scorecard", [], '''display(HTML(sections.heading("validity_scorecard", language)))
display(HTML(validity_section.scorecard_html(result.scorecard, language)))'''),
    ("rankability", [], '''display(HTML(sections.heading("validity_rankability", language)))
fig, alt = validity_section.plot_rankability(result.scorecard, language)
display(HTML(charts.figure_html(fig, alt)))'''),
    ("redundancy", [], '''display(HTML(sections.heading("validity_redundancy", language)))
display(HTML(sections.paragraph("validity_redundancy_text", language)))
clusters = result.scorecard.set_index("indicator")["redundancy_cluster"]
fig, alt = validity_section.plot_heatmap(result.correlation, clusters, language)
display(HTML(charts.figure_html(fig, alt)))
display(HTML(sections.heading("validity_pca", language, level=3)))
display(HTML(validity_section.pca_html(result.loadings, result.explained, language)))'''),
    ("proposal", [], '''display(HTML(sections.heading("validity_proposal", language)))
display(HTML(validity_section.proposal_html(proposal, language)))'''),
    ("not-computable", [], '''display(HTML(sections.heading("validity_not_computable", language)))
display(HTML(validity_section.not_computable_html(result.not_computable, language)))'''),
    ("about", [], '''display(HTML(provenance.about_html({"period": period, "language": language, "budget": budget}, language)))'''),
]


def write(name: str, cells) -> None:
    notebook = new_notebook()
    for cell_id, tags, source in cells:
        cell = new_code_cell(source)
        cell.id = cell_id
        if tags:
            cell.metadata["tags"] = tags
        notebook.cells.append(cell)
    notebook.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                         "language_info": {"name": "python"}}
    nbformat.write(notebook, NOTEBOOKS / name)


if __name__ == "__main__":
    write("area_evaluation.ipynb", AREA)
    write("region_evaluation.ipynb", REGION)
    write("national_overview.ipynb", NATIONAL)
    write("indicator_validity.ipynb", VALIDITY)

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

from ohti import charts, maps, present, provenance, report
from ohti.assessments import assessment_html
from ohti.process_report import process_section_html
from ohti.expected import fit_expected, model_spec
from ohti.peers import peer_comparison, peer_groups
from ohti.registry import get_indicator

profile = report.area_profile(area_code, language)
table = report.indicator_table(area_code, period, language=language)
current = table[table["current"]]
key = current[current["key"]]
display(HTML(present.title_html(profile, period, language)))'''),
    ("summary", [], '''display(HTML(present.heading("summary", language)))
display(HTML(present.paragraph("spine_intro", language)))
fig, alt = charts.plot_spine(key, area_name=profile["name"], language=language)
display(HTML(charts.figure_html(fig, alt)))
display(HTML(present.red_red_html(current, language)))
display(HTML(present.heading("key_indicators", language, level=3)))
display(HTML(present.indicator_table_html(key, language, explain=True)))'''),
    ("area", [], '''display(HTML(present.heading("the_area", language)))
fig, alt = maps.plot_locator("area", area_code, name=profile["name"], language=language)
display(HTML(charts.figure_html(fig, alt, raster=True, css_class="locator")))
display(HTML(present.members_html(profile, language)))'''),
    ("processes", [], '''display(HTML(present.heading("processes", language)))
display(HTML(process_section_html(area_code, period, extract, language)))'''),
    ("job-seekers", [], '''display(HTML(present.heading("job_seekers", language)))
for ident in ["unemployment_rate", "unemployed"]:
    display(HTML(present.series_html(area_code, ident, period, language, area_name=profile["name"])))
display(HTML(present.indicator_table_html(table[table["theme"] == "job_seekers"], language)))'''),
    ("employers", [], '''display(HTML(present.heading("employers", language)))
display(HTML(present.series_html(area_code, "vacancies_per_unemployed", period, language, area_name=profile["name"])))
display(HTML(present.indicator_table_html(table[table["theme"] == "employers"], language)))'''),
    ("koto", [], '''display(HTML(present.heading("koto", language)))
display(HTML(present.indicator_table_html(table[table["theme"] == "koto"], language)))'''),
    ("context", [], '''display(HTML(present.heading("context", language)))
display(HTML(present.indicator_table_html(table[table["theme"].isin(["labour_market", "resources"])], language)))'''),
    ("funnels", [], '''display(HTML(present.heading("comparisons", language)))
display(HTML(present.heading("funnels", language, level=3)))
display(HTML(present.paragraph("funnel_intro", language)))
names = report.area_names(language)
for ident in model_spec()["expected"]["outcomes"]:
    display(HTML(present.funnel_html(ident, period, language, focal=area_code)))'''),
    ("expected", [], '''display(HTML(present.heading("expected_heading", language, level=3)))
results = [fit_expected(ident, period, language=language) for ident in model_spec()["expected"]["outcomes"]]
display(HTML(present.expected_area_html(results, area_code, language)))'''),
    ("peers", [], '''display(HTML(present.heading("peers_heading", language, level=3)))
groups = peer_groups(period)
peer_codes = groups.loc[groups["area_code"] == area_code, "peer_code"]
comparison = peer_comparison(area_code, dict(zip(key["indicator"], key["period"])), language=language)
display(HTML(present.peers_html(comparison, [names[c] for c in peer_codes], language,
                                k=model_spec()["peers"]["k"], features=model_spec()["peers"]["features"])))'''),
    ("breakdown", [], '''display(HTML(present.heading("breakdown", language)))
shown = ["unemployed", "labour_force", "unemployment_rate", "vacancies", "unemployed_per_1000_inhabitants"]
breakdown = report.municipality_breakdown(area_code, period, indicators=shown, language=language)
display(HTML(present.breakdown_html(breakdown, [get_indicator(i) for i in shown], language)))'''),
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

from ohti import charts, maps, present, provenance, report
from ohti.assessments import assessment_html
from ohti.registry import get_indicator, indicator_ids

profile = report.region_profile(grouping, region_code, language)
region_code = profile["code"]
table = report.unit_indicator_table(grouping, region_code, period, language=language)
key = table[table["key"] & table["current"]]
display(HTML(present.region_title_html(profile, period, language)))
fig, alt = maps.plot_locator(grouping, region_code, name=profile["name"], language=language)
display(HTML(charts.figure_html(fig, alt, raster=True, css_class="locator")))'''),
    ("summary", [], '''display(HTML(present.heading("region_summary", language)))
display(HTML(present.indicator_table_html(key, language)))'''),
    ("areas", [], '''display(HTML(present.heading("region_areas", language)))
display(HTML(present.region_areas_html(profile, language)))'''),
    ("compared", [], '''display(HTML(present.heading("areas_compared", language)))
area_tables = {code: report.indicator_table(code, period, indicators=list(key["indicator"]), language=language)
               for code in profile["areas"]["code"]}
names = report.area_names(language)
display(HTML(present.areas_comparison_html(area_tables, list(key["indicator"]), names, language)))
for ident in ["unemployment_rate", "unemployed_per_1000_inhabitants"]:
    display(HTML(present.caterpillar_html(ident, period, language, highlight=set(profile["areas"]["code"]))))'''),
    ("assessment", [], '''display(HTML(assessment_html(f"{grouping}-{region_code}", period, table, language)))'''),
    ("about", [], '''display(HTML(provenance.about_html({"grouping": grouping, "region_code": region_code, "period": period,
                                          "language": language}, language)))'''),
]

NATIONAL = [
    ("parameters", ["parameters"], '''# Parameters (Papermill injects the values of each run after this cell)
period = "2023-10"
language = "fi"'''),
    ("setup", [], '''from IPython.display import HTML, display

from ohti import present, provenance, report
from ohti.assessments import assessment_html
from ohti.expected import fit_expected, model_spec
from ohti.registry import get_indicator

table = report.unit_indicator_table("national", "SSS", period, language=language)
key = table[table["key"] & table["current"]]
display(HTML(present.national_title_html(period, language)))'''),
    ("summary", [], '''display(HTML(present.heading("summary", language)))
display(HTML(present.indicator_table_html(key, language)))'''),
    ("maps", [], '''display(HTML(present.heading("maps", language)))
compared = [i for i in key["indicator"] if get_indicator(i).statistic in ("proportion", "rate", "ratio", "difference")]
figures = [present.choropleth_html(ident, period, language) for ident in compared]
display(HTML("<div>" + "".join(figures) + "</div>"))'''),
    ("flagged", [], '''display(HTML(present.heading("flagged", language)))
display(HTML(present.flagged_html(report.flagged_areas(period, compared, language=language), language)))'''),
    ("league", [], '''display(HTML(present.heading("league_tables", language)))
for ident in compared:
    indicator = get_indicator(ident)
    league = report.league_table(ident, period, language=language)
    display(HTML(f"<h3>{indicator.label(language)}</h3>"))
    display(HTML(present.caterpillar_html(ident, period, language, league=league)))
    display(HTML(present.league_table_html(league, indicator, language)))'''),
    ("funnels", [], '''display(HTML(present.heading("funnels", language)))
display(HTML(present.paragraph("funnel_intro", language)))
for ident in model_spec()["expected"]["outcomes"]:
    display(HTML(present.funnel_html(ident, period, language)))'''),
    ("expected", [], '''display(HTML(present.heading("expected_heading", language)))
for ident in model_spec()["expected"]["outcomes"]:
    display(HTML(present.expected_html(fit_expected(ident, period, language=language), language)))'''),
    ("assessment", [], '''display(HTML(assessment_html("national", period, table, language)))'''),
    ("about", [], '''display(HTML(provenance.about_html({"period": period, "language": language}, language)))'''),
]

VALIDITY = [
    ("parameters", ["parameters"], '''# Parameters (Papermill injects the values of each run after this cell)
period = "2023-10"
language = "fi"
budget = 50'''),
    ("setup", [], '''from IPython.display import HTML, display

from ohti import charts, present, provenance, validity, validity_report

result = validity.analyse()
proposal = validity.propose(result.scorecard, result.correlation, budget)
display(HTML(validity_report.title_html(period, language)))
display(HTML(present.paragraph("validity_intro", language)))'''),
    ("methods", [], '''display(HTML(present.heading("validity_methods", language)))
display(HTML(present.paragraph("validity_methods_text", language)))
display(HTML(present.paragraph("validity_registry_note", language)))'''),
    ("scorecard", [], '''display(HTML(present.heading("validity_scorecard", language)))
display(HTML(validity_report.scorecard_html(result.scorecard, language)))'''),
    ("rankability", [], '''display(HTML(present.heading("validity_rankability", language)))
fig, alt = validity_report.plot_rankability(result.scorecard, language)
display(HTML(charts.figure_html(fig, alt)))'''),
    ("redundancy", [], '''display(HTML(present.heading("validity_redundancy", language)))
display(HTML(present.paragraph("validity_redundancy_text", language)))
clusters = result.scorecard.set_index("indicator")["redundancy_cluster"]
fig, alt = validity_report.plot_heatmap(result.correlation, clusters, language)
display(HTML(charts.figure_html(fig, alt)))
display(HTML(present.heading("validity_pca", language, level=3)))
display(HTML(validity_report.pca_html(result.loadings, result.explained, language)))'''),
    ("proposal", [], '''display(HTML(present.heading("validity_proposal", language)))
display(HTML(validity_report.proposal_html(proposal, language)))'''),
    ("not-computable", [], '''display(HTML(present.heading("validity_not_computable", language)))
display(HTML(validity_report.not_computable_html(result.not_computable, language)))'''),
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

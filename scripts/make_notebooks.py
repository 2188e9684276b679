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
language = "fi"'''),
    ("setup", [], '''from IPython.display import HTML, display

from ohti import charts, present, provenance, report
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
display(HTML(present.members_html(profile, language)))'''),
    ("processes", [], '''display(HTML(present.heading("processes", language)))
display(HTML(present.not_measured_html(report.not_measured(area_code, language), language)))'''),
    ("job-seekers", [], '''display(HTML(present.heading("job_seekers", language)))
for ident in ["unemployment_rate", "unemployed"]:
    indicator = get_indicator(ident)
    series = report.area_series(area_code, ident, period, language=language)
    fig, alt = charts.plot_area_vs_nation(series, area_name=profile["name"], indicator_name=indicator.label(language),
                                          unit=indicator.unit[language], decimals=indicator.decimals, language=language,
                                          with_nation=indicator.statistic != "count")
    display(HTML(charts.figure_html(fig, alt, caption=indicator.label(language))))
display(HTML(present.indicator_table_html(table[table["theme"] == "job_seekers"], language)))'''),
    ("employers", [], '''display(HTML(present.heading("employers", language)))
indicator = get_indicator("vacancies_per_unemployed")
series = report.area_series(area_code, indicator.id, period, language=language)
fig, alt = charts.plot_area_vs_nation(series, area_name=profile["name"], indicator_name=indicator.label(language),
                                      unit=indicator.unit[language], decimals=indicator.decimals, language=language)
display(HTML(charts.figure_html(fig, alt, caption=indicator.label(language))))
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
    indicator = get_indicator(ident)
    funnel = report.funnel_data(ident, period)
    fig, alt = charts.plot_funnel(funnel.values["value"], funnel.values["denominator"], funnel.limits,
                                  target=funnel.target, focal=profile["name"], labels=funnel.values["area_code"].map(names),
                                  statistic=indicator.statistic, unit=indicator.unit[language],
                                  decimals=indicator.decimals, language=language)
    display(HTML(charts.figure_html(fig, alt, caption=indicator.label(language))))'''),
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
    ("assessment", [], '''display(HTML(present.heading("expert_assessment", language)))
display(HTML(present.paragraph("assessment_placeholder", language)))'''),
    ("about", [], '''display(HTML(provenance.about_html({"area_code": area_code, "period": period, "language": language}, language)))'''),
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

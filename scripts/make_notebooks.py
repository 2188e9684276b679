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
from ohti.registry import get_indicator

profile = report.area_profile(area_code, language)
table = report.indicator_table(area_code, period, language=language)
current = table[table["current"]]
display(HTML(present.title_html(profile, period, language)))'''),
    ("summary", [], '''display(HTML(present.heading("summary", language)))
display(HTML(present.heading("key_indicators", language, level=3)))
display(HTML(present.indicator_table_html(current[current["key"]], language, explain=True)))'''),
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
    ("breakdown", [], '''display(HTML(present.heading("breakdown", language)))
breakdown = report.municipality_breakdown(area_code, period, indicators=list(current["indicator"]), language=language)
display(HTML(present.breakdown_html(breakdown, [get_indicator(i) for i in current["indicator"]], language)))'''),
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

# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown] id="introduction" tags=["remove-cell"]
# # The evaluation document of one region
#
# `ohti build --grouping ...` runs this notebook with Papermill once for each region of a
# grouping (ELY centres, maakunnat or elinvoimakeskus areas) and language, and publishes what its
# cells show as HTML and PDF, never its code. The region's values are computed over its member
# municipalities like an area's; its employment areas are compared side by side.
#
# The Markdown cells are notes for whoever edits the notebook: they are tagged `remove-cell` and
# do not appear in the document. This notebook's source is `notebooks/region_evaluation.py`
# (jupytext); `make notebooks` writes the `.ipynb` from it.

# %% [markdown] id="parameters-text" tags=["remove-cell"]
# ## Parameters
#
# `grouping` is `ely`, `maakunta` or `evk`, `region_code` a region of it; Papermill injects each
# document's values in a cell after this one.

# %% id="parameters" tags=["parameters"]
# Parameters (Papermill injects the values of each run after this cell)
grouping = "ely"
region_code = "06"
period = "2023-10"
language = "fi"

# %% [markdown] id="setup-text" tags=["remove-cell"]
# ## The region and its indicators
#
# `content.region_profile` names the region and the employment areas with a member municipality
# in it (and normalises `region_code`); `content.unit_indicator_table` has one row per indicator
# for the region, like the area documents' table without ranks. The cell shows the title and a
# locator map (`maps.plot_locator`).

# %% id="setup"
from ohti.documents import charts, content, maps, sections
from ohti.documents.assessments import assessment_html
from ohti.documents.display import show

profile = content.region_profile(grouping, region_code, language)
region_code = profile["code"]
table = content.unit_indicator_table(grouping, region_code, period, language=language)
key = table[table["key"] & table["current"]]
locator, alt = maps.plot_locator(grouping, region_code, name=profile["name"], language=language)
show(
    sections.region_title_html(profile, period, language),
    charts.figure_html(locator, alt, raster=True, css_class="locator"),
)

# %% [markdown] id="summary-text" tags=["remove-cell"]
# ## Summary
#
# The table of the key indicators whose data reach the document's month.

# %% id="summary"
show(
    sections.heading("region_summary", language),
    sections.indicator_table_html(key, language),
)

# %% [markdown] id="areas-text" tags=["remove-cell"]
# ## The region's employment areas
#
# The areas with a member municipality in the region, and a note on those that span two regions
# (`sections.region_areas_html`).

# %% id="areas"
show(
    sections.heading("region_areas", language),
    sections.region_areas_html(profile, language),
)

# %% [markdown] id="compared-text" tags=["remove-cell"]
# ## The areas compared
#
# Each area's key indicators (`content.indicator_table`) side by side, each compared with the
# whole country (`sections.areas_comparison_html`); then caterpillar plots of all 45 areas with
# this region's areas highlighted (`sections.caterpillar_html`).

# %% id="compared"
area_tables = {code: content.indicator_table(code, period, indicators=list(key["indicator"]), language=language)
               for code in profile["areas"]["code"]}
names = content.area_names(language)
show(
    sections.heading("areas_compared", language),
    sections.areas_comparison_html(area_tables, list(key["indicator"]), names, language),
    *(sections.caterpillar_html(ident, period, language, highlight=set(profile["areas"]["code"]))
      for ident in ["unemployment_rate", "unemployed_per_1000_inhabitants"]),
)

# %% [markdown] id="assessment-text" tags=["remove-cell"]
# ## Expert assessment
#
# The reviewer's text for the region (`<grouping>-<code>`) and month, or a placeholder
# (`assessment_html`).

# %% id="assessment"
show(assessment_html(f"{grouping}-{region_code}", period, table, language))

# %% [markdown] id="about-text" tags=["remove-cell"]
# ## About the document
#
# Sources, division, version and the parameters of this run (`sections.about_html`).

# %% id="about"
show(sections.about_html({"grouping": grouping, "region_code": region_code, "period": period,
                            "language": language}, language))

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
# # The national overview
#
# `ohti build --grouping ...` runs this notebook with Papermill once for each language and
# publishes what its cells show as HTML and PDF, never its code: the whole country's key
# indicators and how the 45 employment areas spread around them, the national series, what
# changed since the previous edition in every area, maps, the areas' ranks with their
# intervals, funnel plots and the expected-value models.
#
# The Markdown cells are notes for whoever edits the notebook: they are tagged `remove-cell` and
# do not appear in the document. This notebook's source is `notebooks/national_overview.py`
# (jupytext); `make notebooks` writes the `.ipynb` from it.

# %% id="parameters" tags=["parameters"]
# Parameters (Papermill injects the values of each run after this cell)
period = "2026-06"
language = "fi"
# the previous edition "what changed" compares with ("" = the default edition)
compare_with = ""

# %% [markdown] id="setup-text" tags=["remove-cell"]
# ## The whole country's indicators
#
# `content.unit_indicator_table("national", "SSS", ...)` has one row per indicator for the whole
# country; `key` keeps the key indicators whose data reach the document's month, `compared`
# those compared between areas (shares, rates and ratios: counts depend on the areas' size).

# %% id="setup"
from ohti.analysis.expected import fit_expected, model_spec
from ohti.documents import content, sections
from ohti.documents.assessments import assessment_html
from ohti.documents.display import show
from ohti.indicators.registry import get_indicator

table = content.unit_indicator_table("national", "SSS", period, language=language)
key = table[table["key"] & table["current"]]
compared = [i for i in key["indicator"] if get_indicator(i).statistic in ("proportion", "rate", "ratio", "difference")]
show(sections.national_title_html(period, language))

# %% [markdown] id="summary-text" tags=["remove-cell"]
# ## Summary
#
# The whole country's key indicators (not compared with themselves), then how the areas spread
# around the country on each compared one (`content.area_distribution`: quartiles, range, and
# how many areas differ significantly, by the verdicts of the area documents).

# %% id="summary"
show(
    sections.heading("summary", language),
    sections.indicator_table_html(key, language),
    sections.heading("distribution_heading", language, level=3),
    sections.distribution_html(content.area_distribution(period, compared, language=language), language),
)

# %% [markdown] id="series-text" tags=["remove-cell"]
# ## The whole country over time
#
# Ten years of the national row's monthly figures for the compared key indicators, series
# breaks lettered and months without figures shaded (`sections.national_series_html`).

# %% id="series"
show(
    sections.heading("national_series_heading", language),
    sections.paragraph("national_series_intro", language),
    *(sections.national_series_html(ident, period, language) for ident in compared),
)

# %% [markdown] id="changes-text" tags=["remove-cell"]
# ## What changed since the last edition
#
# Every area's verdicts that changed, ranks that moved beyond their intervals and red-red
# flags that began or ended, against the edition of `content.comparison_edition`.

# %% id="changes"
previous, wanted = content.comparison_edition(period, compare_with)
changes = content.changes_since(period, previous, language=language) if previous else None
show(
    sections.heading("changes_heading", language),
    sections.changes_html(changes, previous, language, names=content.area_names(language).to_dict(), wanted=wanted),
)

# %% [markdown] id="maps-text" tags=["remove-cell"]
# ## Maps
#
# A choropleth of the 45 areas for each compared key indicator (`sections.choropleth_html`):
# the darkest class is the worst where lower or higher is better; legends stand under the maps.

# %% id="maps"
leagues = {ident: content.league_table(ident, period, language=language) for ident in compared}
show(
    sections.heading("maps", language),
    "<div>" + "".join(sections.choropleth_html(ident, period, language, league=leagues[ident]) for ident in compared)
    + "</div>",
)

# %% [markdown] id="flagged-text" tags=["remove-cell"]
# ## Flagged areas
#
# The areas significantly worse than the whole country on a compared key indicator
# (`content.flagged_areas`).

# %% id="flagged"
show(
    sections.heading("flagged", language),
    sections.flagged_html(content.flagged_areas(period, compared, language=language), language),
)

# %% [markdown] id="league-text" tags=["remove-cell"]
# ## League tables
#
# Each compared key indicator's areas in order with their intervals (`sections.caterpillar_html`),
# then the ranks of all of them with their 95 % intervals, a few indicators to a table
# (`sections.ranks_overview_html`; the full league tables are in the data packages).

# %% id="league"
show(
    sections.heading("league_tables", language),
    *(sections.caterpillar_html(ident, period, language, league=leagues[ident]) for ident in compared),
    sections.heading("ranks_overview_heading", language, level=3),
    *(sections.ranks_overview_html({ident: leagues[ident] for ident in compared[start:start + 4]}, language)
      for start in range(0, len(compared), 4)),
)

# %% [markdown] id="funnels-text" tags=["remove-cell"]
# ## Funnel plots
#
# One funnel plot over the 45 areas for each outcome that `ohti/model.yaml` models
# (`sections.funnel_html`; limits from `ohti.stats.funnels`, Spiegelhalter 2005).

# %% id="funnels"
show(
    sections.heading("funnels", language),
    sections.paragraph("funnel_intro", language),
    *(sections.funnel_html(ident, period, language) for ident in model_spec()["expected"]["outcomes"]),
)

# %% [markdown] id="expected-text" tags=["remove-cell"]
# ## Expected and observed
#
# For each modelled outcome, the areas' observed values beside those their frame conditions
# predict (`fit_expected`, a GLM on the covariates of `ohti/model.yaml`), with the model
# (`sections.expected_html`).

# %% id="expected"
show(
    sections.heading("expected_heading", language),
    *(sections.expected_html(fit_expected(ident, period, language=language), language)
      for ident in model_spec()["expected"]["outcomes"]),
)

# %% [markdown] id="assessment-text" tags=["remove-cell"]
# ## Expert assessment
#
# The reviewer's text for the whole country and month, or a placeholder (`assessment_html`).

# %% id="assessment"
show(assessment_html("national", period, table, language))

# %% [markdown] id="how-to-read-text" tags=["remove-cell"]
# ## How to read this document
#
# The conventions every table follows (`sections.how_to_read_html`).

# %% id="how-to-read"
show(sections.how_to_read_html(language))

# %% [markdown] id="about-text" tags=["remove-cell"]
# ## About the document
#
# Sources, division, version and the parameters of this run (`sections.about_html`).

# %% id="about"
show(sections.about_html({"period": period, "language": language}, language))

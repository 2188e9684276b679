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
# publishes what its cells show as HTML and PDF, never its code: the whole country's indicators,
# maps and league tables of the 45 employment areas, the areas flagged as worse than the country,
# funnel plots and the expected-value models.
#
# The Markdown cells are notes for whoever edits the notebook: they are tagged `remove-cell` and
# do not appear in the document. This notebook's source is `notebooks/national_overview.py`
# (jupytext); `make notebooks` writes the `.ipynb` from it.

# %% id="parameters" tags=["parameters"]
# Parameters (Papermill injects the values of each run after this cell)
period = "2023-10"
language = "fi"

# %% [markdown] id="setup-text" tags=["remove-cell"]
# ## The whole country's indicators
#
# `content.unit_indicator_table("national", "SSS", ...)` has one row per indicator for the whole
# country; `key` keeps the key indicators whose data reach the document's month.

# %% id="setup"
from ohti.analysis.expected import fit_expected, model_spec
from ohti.documents import content, sections
from ohti.documents.assessments import assessment_html
from ohti.documents.display import show
from ohti.indicators.registry import get_indicator

table = content.unit_indicator_table("national", "SSS", period, language=language)
key = table[table["key"] & table["current"]]
show(sections.national_title_html(period, language))

# %% [markdown] id="summary-text" tags=["remove-cell"]
# ## Summary
#
# The table of the whole country's key indicators.

# %% id="summary"
show(
    sections.heading("summary", language),
    sections.indicator_table_html(key, language),
)

# %% [markdown] id="maps-text" tags=["remove-cell"]
# ## Maps
#
# The key indicators that can be compared between areas (proportions, rates, ratios and
# differences; counts depend on the areas' size) each get a choropleth map of the 45 areas
# (`sections.choropleth_html`). `compared` is used by the next sections too.

# %% id="maps"
compared = [i for i in key["indicator"] if get_indicator(i).statistic in ("proportion", "rate", "ratio", "difference")]
figures = [sections.choropleth_html(ident, period, language) for ident in compared]
show(
    sections.heading("maps", language),
    "<div>" + "".join(figures) + "</div>",
)

# %% [markdown] id="flagged-text" tags=["remove-cell"]
# ## Flagged areas
#
# The areas significantly worse than the whole country, marked where they are also getting worse
# (`content.flagged_areas`).

# %% id="flagged"
show(
    sections.heading("flagged", language),
    sections.flagged_html(content.flagged_areas(period, compared, language=language), language),
)

# %% [markdown] id="league-text" tags=["remove-cell"]
# ## League tables
#
# For each compared indicator, the 45 areas ordered best first with their 95 % intervals
# (`content.league_table`), as a caterpillar plot and as a table.

# %% id="league"
show(sections.heading("league_tables", language))
for ident in compared:
    indicator = get_indicator(ident)
    league = content.league_table(ident, period, language=language)
    show(
        f"<h3>{indicator.label(language)}</h3>",
        sections.caterpillar_html(ident, period, language, league=league),
        sections.league_table_html(league, indicator, language),
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

# %% [markdown] id="about-text" tags=["remove-cell"]
# ## About the document
#
# Sources, division, version and the parameters of this run (`sections.about_html`).

# %% id="about"
show(sections.about_html({"period": period, "language": language}, language))

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
# # The evaluation document of one employment area
#
# `ohti build` runs this notebook with Papermill once for each employment area and language and
# publishes what its cells show as HTML and PDF, never its code. Every figure and table comes from
# an `ohti` function; the notebook only puts the sections in order. Each section's fragments are
# shown with `show(...)` (`ohti.documents.display`); in a cell of your own, a section such as
# `sections.heading("summary", language)` displays itself too.
#
# The Markdown cells, like this one, are notes for whoever edits the notebook: they are tagged
# `remove-cell` and do not appear in the document. This notebook's source is
# `notebooks/area_evaluation.py` (jupytext); `make notebooks` writes the `.ipynb` from it.

# %% [markdown] id="parameters-text" tags=["remove-cell"]
# ## Parameters
#
# The values below are for a run by hand; Papermill injects each document's values in a cell
# after this one. `area_code` is one of the 45 employment areas (`ohti.sources.areas`), `period`
# the document's month and `language` fi, sv or en; `compare_with` the previous edition's month
# for "what changed" ("" = the same month a year before, else the latest earlier month with figures).

# %% id="parameters" tags=["parameters"]
# Parameters (Papermill injects the values of each run after this cell)
area_code = "01"
period = "2026-06"
language = "fi"
# the previous edition "what changed" compares with ("" = the default edition)
compare_with = ""
# a customer-register extract (a file) for the process indicators; "" = none configured
extract = ""

# %% [markdown] id="setup-text" tags=["remove-cell"]
# ## The area and its indicators
#
# `content.area_profile` names the area and its member municipalities. `content.indicator_table`
# has one row per indicator: the area's value with its 95 % interval, the whole country's, the
# comparison with the country, the rank among the areas, the change in a year and the five-year
# trend. `current` keeps the indicators whose data reach the document's month, `key` those of
# KEHA's key set among them. The cell shows the document's title.

# %% id="setup"
from ohti.analysis.expected import fit_expected, model_spec
from ohti.analysis.peers import peer_comparison, peer_groups
from ohti.documents import charts, content, maps, sections, summary
from ohti.documents.assessments import assessment_html, indicator_values
from ohti.documents.display import show
from ohti.documents.process_section import process_section_html
from ohti.indicators.registry import get_indicator

profile = content.area_profile(area_code, language)
table = content.indicator_table(area_code, period, language=language)
current = table[table["current"]]
key = current[current["key"]]
show(sections.title_html(profile, period, language))

# %% [markdown] id="summary-text" tags=["remove-cell"]
# ## Summary
#
# The first page. The key findings (`summary.key_messages`) are drafted from what the statistics
# call significant: differences from the whole country, five-year trends, changes since the
# previous edition (`content.changes_since` against `content.comparison_edition`), each with
# its caveat (the expected value from the area's structure where a model covers the indicator);
# the expert's own key messages replace them where the assessment has them
# (`summary.expert_key_messages`). Then the spine chart (`charts.plot_spine`, after Fingertips)
# of the comparable key indicators, where the area stands on the five national objectives
# 2025–2027 (`summary.objectives_table`) and the table of the key indicators.

# %% id="summary"
previous, wanted = content.comparison_edition(period, compare_with)
changes = content.changes_since(period, previous, language=language) if previous else None
changes = None if changes is None else changes[changes["area_code"] == area_code]
results = [fit_expected(ident, period, language=language) for ident in model_spec()["expected"]["outcomes"]]
messages = summary.key_messages(table, code=area_code, changes=changes, previous=previous, expected=results,
                                language=language)
comparable = key[key["comparison"] != "none"]  # counts are neither compared nor drawn
spine, alt = charts.plot_spine(comparable, area_name=profile["name"], language=language)
show(
    sections.heading("summary", language),
    sections.key_messages_html(messages, language, expert=summary.expert_key_messages(area_code, period, language),
                               values=indicator_values(table, language)),
    sections.paragraph("spine_intro", language),
    charts.figure_html(spine, alt),
    sections.objectives_html(summary.objectives_table(table), summary.objectives_unmeasured(table, language), language),
    sections.heading("key_indicators", language, level=3),
    sections.indicator_table_html(key, language, explain=True),
)

# %% [markdown] id="changes-text" tags=["remove-cell"]
# ## What changed since the last edition
#
# Against the edition of the summary (`previous`; `wanted` is the month a year before when its
# figures are missing): verdicts that changed, ranks that moved beyond their intervals, red-red
# entered or left, indicators added or retired.

# %% id="changes"
show(
    sections.heading("changes_heading", language),
    sections.changes_html(changes, previous, language, wanted=wanted),
)

# %% [markdown] id="area-text" tags=["remove-cell"]
# ## The area
#
# A locator map of Finland with the area highlighted (`maps.plot_locator`, embedded as PNG),
# and its member municipalities with their language status, municipality group and region
# (`sections.members_html`).

# %% id="area"
locator, alt = maps.plot_locator("area", area_code, name=profile["name"], language=language)
show(
    sections.heading("the_area", language),
    charts.figure_html(locator, alt, raster=True, css_class="locator"),
    sections.members_html(profile, language),
)

# %% [markdown] id="processes-text" tags=["remove-cell"]
# ## Customer processes
#
# The process indicators measured from a customer-register extract (`process_section_html`,
# from `ohti.register`), or a statement that they are not measured when no extract is configured.

# %% id="processes"
show(
    sections.heading("processes", language),
    process_section_html(area_code, period, extract, language),
)

# %% [markdown] id="job-seekers-text" tags=["remove-cell"]
# ## Job seekers
#
# The monthly series of the area against the whole country over five years
# (`sections.series_html`, which leaves out suppressed months), then the indicator table of the
# job-seeker theme.

# %% id="job-seekers"
show(
    sections.heading("job_seekers", language),
    *(sections.series_html(area_code, ident, period, language, area_name=profile["name"])
      for ident in ["unemployment_rate", "unemployed"]),
    sections.indicator_table_html(table[table["theme"] == "job_seekers"], language),
)

# %% [markdown] id="employers-text" tags=["remove-cell"]
# ## Employers
#
# Open vacancies per unemployed job seeker as a series, then the indicator table of the
# employer theme.

# %% id="employers"
show(
    sections.heading("employers", language),
    sections.series_html(area_code, "vacancies_per_unemployed", period, language, area_name=profile["name"]),
    sections.indicator_table_html(table[table["theme"] == "employers"], language),
)

# %% [markdown] id="koto-text" tags=["remove-cell"]
# ## Integration services (KOTO)
#
# The indicator table of the KOTO theme.

# %% id="koto"
show(
    sections.heading("koto", language),
    sections.indicator_table_html(table[table["theme"] == "koto"], language),
)

# %% [markdown] id="context-text" tags=["remove-cell"]
# ## Context
#
# The labour market and the resources of the area: the indicator tables of both themes in one.

# %% id="context"
show(
    sections.heading("context", language),
    sections.indicator_table_html(table[table["theme"].isin(["labour_market", "resources"])], language),
)

# %% [markdown] id="funnels-text" tags=["remove-cell"]
# ## Comparisons: funnel plots
#
# One funnel plot for the unemployment rate and for the unemployed per 1,000 inhabitants:
# does the area depart from the whole country by more than chance would explain for its size?
# `sections.funnel_html` draws it with the area marked (limits from `ohti.stats.funnels`,
# Spiegelhalter 2005).

# %% id="funnels"
show(
    sections.heading("comparisons", language),
    sections.heading("funnels", language, level=3),
    sections.paragraph("funnel_intro", language),
    *(sections.funnel_html(ident, period, language, focal=area_code)
      for ident in ("unemployment_rate", "unemployed_per_1000_inhabitants")),
)

# %% [markdown] id="expected-text" tags=["remove-cell"]
# ## Expected and observed
#
# For each modelled outcome, `fit_expected` fitted a GLM of the 45 areas on their frame conditions
# (the covariates of `ohti/model.yaml`) for the summary (`results`); `sections.expected_area_html`
# sets the area's observed value beside its expected one.

# %% id="expected"
show(
    sections.heading("expected_heading", language, level=3),
    sections.expected_area_html(results, area_code, language),
)

# %% [markdown] id="peers-text" tags=["remove-cell"]
# ## Peer areas
#
# `peer_groups` finds each area's most similar areas on the features of `ohti/model.yaml`
# (`peers`); `peer_comparison` sets the area's key indicators beside its peers' combined value
# and the whole country's, each for the period of the area's table.

# %% id="peers"
groups = peer_groups(period)
peer_codes = groups.loc[groups["area_code"] == area_code, "peer_code"]
names = content.area_names(language)
comparison = peer_comparison(area_code, dict(zip(key["indicator"], key["period"])), language=language)
show(
    sections.heading("peers_heading", language, level=3),
    sections.peers_html(comparison, [names[c] for c in peer_codes], language,
                        k=model_spec()["peers"]["k"], features=model_spec()["peers"]["features"]),
)

# %% [markdown] id="breakdown-text" tags=["remove-cell"]
# ## Member municipalities
#
# `content.municipality_breakdown` gives each member municipality's values of a few indicators.

# %% id="breakdown"
shown = ["unemployed", "labour_force", "unemployment_rate", "vacancies", "unemployed_per_1000_inhabitants"]
breakdown = content.municipality_breakdown(area_code, period, indicators=shown, language=language)
show(
    sections.heading("breakdown", language),
    sections.breakdown_html(breakdown, [get_indicator(i) for i in shown], language),
)

# %% [markdown] id="assessment-text" tags=["remove-cell"]
# ## Expert assessment
#
# The reviewer's text for this area and month, or a placeholder saying that none is written yet
# (`assessment_html`).

# %% id="assessment"
show(assessment_html(area_code, period, table, language))

# %% [markdown] id="not-measured-text" tags=["remove-cell"]
# ## What this document does not measure
#
# The catalogue's public indicators without a figure for the area or without recent data
# (`sections.public_not_measured_html`); the register ones are named in the customer-process section.

# %% id="not-measured"
show(sections.public_not_measured_html(area_code, period, language))

# %% [markdown] id="how-to-read-text" tags=["remove-cell"]
# ## How to read this document
#
# The conventions every table follows, in a few lines (`sections.how_to_read_html`).

# %% id="how-to-read"
show(sections.how_to_read_html(language))

# %% [markdown] id="about-text" tags=["remove-cell"]
# ## About the document
#
# The sources with their extraction dates, the division used, the ohti version and commit, and
# the parameters of this run (`sections.about_html`).

# %% id="about"
show(sections.about_html({"area_code": area_code, "period": period, "language": language,
                            **({"extract": extract} if extract else {})}, language))

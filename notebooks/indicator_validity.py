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
# # Indicator validity
#
# `ohti build --validity` runs this notebook with Papermill once for each language and publishes
# what its cells show as HTML and PDF, never its code: for every indicator that public statistics
# can compute for the employment areas, whether it tells areas apart beyond chance, whether it is
# stable, whether it repeats another indicator and how much the areas' frame conditions explain;
# then a proposal for a condensed set. The methods are described in `ohti.analysis.validity`.
#
# The Markdown cells are notes for whoever edits the notebook: they are tagged `remove-cell` and
# do not appear in the document. This notebook's source is `notebooks/indicator_validity.py`
# (jupytext); `make notebooks` writes the `.ipynb` from it.

# %% [markdown] id="parameters-text" tags=["remove-cell"]
# ## Parameters
#
# `budget` is the largest number of indicators the condensed set may keep.

# %% id="parameters" tags=["parameters"]
# Parameters (Papermill injects the values of each run after this cell)
period = "2023-10"
language = "fi"
budget = 50

# %% [markdown] id="setup-text" tags=["remove-cell"]
# ## The analysis
#
# `validity.analyse()` computes the scorecard, the correlations between indicators and their
# principal components once (kept while its inputs are unchanged); `validity.propose` condenses
# the scored indicators to at most `budget`. The cell shows the title and the introduction.

# %% id="setup"
from ohti.analysis import validity
from ohti.documents import charts, sections, validity_section
from ohti.documents.display import show

result = validity.analyse()
proposal = validity.propose(result.scorecard, result.correlation, budget)
show(
    validity_section.title_html(period, language),
    sections.paragraph("validity_intro", language),
)

# %% [markdown] id="methods-text" tags=["remove-cell"]
# ## Methods
#
# Fixed text from `ohti/labels.yaml`.

# %% id="methods"
show(
    sections.heading("validity_methods", language),
    sections.paragraph("validity_methods_text", language),
    sections.paragraph("validity_registry_note", language),
)

# %% [markdown] id="scorecard-text" tags=["remove-cell"]
# ## Scorecard
#
# One row per indicator with its rankability, stability, discriminating power, structural share
# and redundancy cluster (`validity_section.scorecard_html`).

# %% id="scorecard"
show(
    sections.heading("validity_scorecard", language),
    validity_section.scorecard_html(result.scorecard, language),
)

# %% [markdown] id="rankability-text" tags=["remove-cell"]
# ## Rankability and stability
#
# Each indicator's rankability with its interval and its intraclass correlation across years
# (`validity_section.plot_rankability`).

# %% id="rankability"
rankability, alt = validity_section.plot_rankability(result.scorecard, language)
show(
    sections.heading("validity_rankability", language),
    charts.figure_html(rankability, alt),
)

# %% [markdown] id="redundancy-text" tags=["remove-cell"]
# ## Redundancy
#
# The correlation matrix as a heat map with the indicators ordered by redundancy cluster
# (`validity_section.plot_heatmap`), then the loadings of its principal components
# (`validity_section.pca_html`).

# %% id="redundancy"
clusters = result.scorecard.set_index("indicator")["redundancy_cluster"]
heatmap, alt = validity_section.plot_heatmap(result.correlation, clusters, language)
show(
    sections.heading("validity_redundancy", language),
    sections.paragraph("validity_redundancy_text", language),
    charts.figure_html(heatmap, alt),
    sections.heading("validity_pca", language, level=3),
    validity_section.pca_html(result.loadings, result.explained, language),
)

# %% [markdown] id="proposal-text" tags=["remove-cell"]
# ## Proposed condensed set
#
# What the proposal keeps and explains, then every indicator with whether it is proposed and why
# (`validity_section.proposal_html`).

# %% id="proposal"
show(
    sections.heading("validity_proposal", language),
    validity_section.proposal_html(proposal, language),
)

# %% [markdown] id="not-computable-text" tags=["remove-cell"]
# ## Indicators without area values
#
# The rest of the registry, with the reason each cannot be assessed here
# (`validity_section.not_computable_html`).

# %% id="not-computable"
show(
    sections.heading("validity_not_computable", language),
    validity_section.not_computable_html(result.not_computable, language),
)

# %% [markdown] id="about-text" tags=["remove-cell"]
# ## About the document
#
# Sources, version and the parameters of this run (`sections.about_html`).

# %% id="about"
show(sections.about_html({"period": period, "language": language, "budget": budget}, language))

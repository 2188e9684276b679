"""The index page of a period: every document, grouped by region, with its data package, the
summary table of key indicators and the links to the catalogue and the validity document.
"""

"""Which period an indicator is shown for in a document of a given period, and which periods
have values at all: a figure older than :data:`MAX_AGE` says nothing of the period.
"""

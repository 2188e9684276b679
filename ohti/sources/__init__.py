"""Sources: the data dictionary, the shipped files and their loaders, the areas and their
divisions, PxWeb responses and their refresh, input checks and provenance.
"""

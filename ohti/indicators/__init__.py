"""Indicators: the registry, the engine that computes their values at every level, disclosure
control and the comparison with the whole country.
"""

"""Analyses across areas: structure (frame conditions), expected values, peer groups, rank
intervals and the validity of the indicators.
"""

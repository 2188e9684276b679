"""Checks and conversions of the arguments the statistical functions share (levels, multipliers,
arrays), with messages that name the function and the argument; SciPy loaded on first use.
"""

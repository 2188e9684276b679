"""Customer-register microdata: reading an extract, the synthetic demonstration extract, the
process indicators computed from it, and working days.
"""

"""The shipped sources as the indicators read them: each validated frame once per process (and
kept on disk between processes), and each variable as a matrix of units × periods.
"""

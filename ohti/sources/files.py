"""Reading the shipped files: the manifest and its checksums, size limits, text decoding, rows
of CSV files, counts as statistics files write them, and :class:`Problems`, which collects
every problem of a file before one error reports them all.
"""

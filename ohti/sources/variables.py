"""The data dictionary: each source ohti reads and each component variable it provides (with
its frequency and description), and which variables count persons.
"""

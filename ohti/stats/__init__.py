"""Statistical methods, independent of ohti's data: intervals, funnels, trends, seasonal
adjustment. Each is tested against published reference values or a hand-worked example.
"""

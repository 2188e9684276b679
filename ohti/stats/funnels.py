"""Funnel plots: control limits around a target, each unit's significance, and overdispersion
(the DerSimonian–Laird τ² of Spiegelhalter's funnel plots, after winsorising the z-scores).
"""

"""ohti: indicator-based evaluation of Finland's employment areas."""
__version__ = "0.1.0"

"""intapp: a terminal app for integrated neighbourhood teams."""

__version__ = "0.1.0"

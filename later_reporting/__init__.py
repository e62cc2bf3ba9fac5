"""later-reporting: the Python SDK for the Later Influence Reporting API v2."""

__version__ = "0.1.0"

__all__ = ["__version__"]

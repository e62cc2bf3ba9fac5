"""The package's version (kept equal to ``pyproject.toml``'s by ``tests/test_public_api.py``)."""

__version__ = "0.1.0"

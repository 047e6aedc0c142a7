"""The adhere version, recorded in every summary and report."""

__version__ = "0.1.0"

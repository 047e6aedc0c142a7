"""Verdicts for (sample, response) pairs in strict and loose mode; metrics and intervals."""

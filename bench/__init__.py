"""Benchmarks of later-reporting: each figure measured beside its baseline, given as a ratio."""

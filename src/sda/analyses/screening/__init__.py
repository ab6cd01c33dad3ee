"""Conjunction screening: all-vs-all and primaries-vs-all over a time window.

Public entry point: :func:`sda.analyses.screening.screen.screen`.
"""

"""Analyses on the catalog: conjunction screening, probability of collision, and what follows."""

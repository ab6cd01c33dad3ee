"""Propagation: SGP4 over objects x times, ephemeris interpolation, time grids and chunking."""

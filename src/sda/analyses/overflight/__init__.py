"""Overflights of areas of interest: when satellites pass over them, how close to nadir, in daylight or not."""

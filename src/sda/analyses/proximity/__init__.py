"""Proximity operations (RPO): objects approaching, holding near or drifting up to an allied asset."""

"""Thin interfaces: the command line and (later) the REST API and web page."""

"""Parsers (pure: text in, records out) and providers (I/O: fetch, cache, throttle)."""

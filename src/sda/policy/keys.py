"""API keys: 256 random bits, shown once, stored only as their SHA-256.

A key is ``sda_`` followed by 43 URL-safe characters (32 bytes from :mod:`secrets`).
With that much entropy a plain SHA-256 is as safe to store as a slow password hash and
lets the store find a key's principal with one indexed lookup. The first 12
characters (``prefix``) are kept in clear so administrators can tell keys apart.
"""

from __future__ import annotations

import hashlib
import secrets

__all__ = ["KEY_PREFIX", "new_api_key", "key_hash", "key_prefix"]

KEY_PREFIX = "sda_"
_KEY_BYTES = 32


def new_api_key() -> str:
    """A fresh random API key."""
    return KEY_PREFIX + secrets.token_urlsafe(_KEY_BYTES)


def key_hash(key: str) -> str:
    """SHA-256 (hex) of a key: what the store keeps."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def key_prefix(key: str) -> str:
    """The first 12 characters of a key, kept in clear to identify it."""
    return key[:12]

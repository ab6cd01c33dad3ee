"""Request limits: body size (413) and a per-principal rate limit (429 with ``Retry-After``).

:class:`BodySizeLimit` is ASGI middleware: a request whose ``Content-Length`` is over
the limit of its path is refused before its body is read, and a body streamed
without a length is cut off as soon as it passes the limit. :class:`RateLimiter`
is a token bucket per key (a principal, or a client address for failed
authentication): ``rate_per_s`` tokens a second up to ``burst``.
"""

from __future__ import annotations

import json
import math
import threading
import time
from dataclasses import dataclass

__all__ = ["BodySizeLimit", "RateLimiter"]


class _TooLarge(Exception):
    pass


class BodySizeLimit:
    """ASGI middleware refusing request bodies over ``max_bytes`` (bytes), or over
    ``upload_max_bytes`` for paths starting with one of ``upload_prefixes``."""

    def __init__(self, app, *, max_bytes: int, upload_max_bytes: int, upload_prefixes: tuple[str, ...]):
        self.app, self.max_bytes, self.upload_max_bytes = app, max_bytes, upload_max_bytes
        self.upload_prefixes = upload_prefixes

    def _limit(self, path: str) -> int:
        return self.upload_max_bytes if path.startswith(self.upload_prefixes) else self.max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self._limit(scope.get("path", ""))
        length = dict(scope.get("headers") or ()).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            return await self._refuse(scope, send, limit)
        seen = 0
        started = False

        async def counting_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge()
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(scope, send, limit)

    @staticmethod
    async def _refuse(scope, send, limit: int) -> None:
        body = json.dumps({
            "type": "urn:sda:problem:payload_too_large", "title": "Request body too large", "status": 413,
            "detail": f"the request body is larger than the {limit} bytes allowed here",
            "instance": scope.get("path", ""), "code": "payload_too_large",
        }).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/problem+json"),
                                (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets: each key may make ``burst`` requests at once and ``rate_per_s`` a second after that."""

    def __init__(self, rate_per_s: float, burst: int):
        if rate_per_s <= 0 or burst < 1:
            raise ValueError("rate_per_s must be positive and burst at least 1")
        self.rate_per_s, self.burst = float(rate_per_s), int(burst)
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str) -> float | None:
        """Take one token for ``key``; ``None`` if allowed, else the seconds to wait before retrying."""
        t = time.monotonic()
        with self._lock:
            b = self._buckets.get(key)
            if b is None:
                if len(self._buckets) > 100_000:  # forget keys idle long enough to be full again
                    refill_s = self.burst / self.rate_per_s
                    self._buckets = {k: v for k, v in self._buckets.items() if t - v.updated < refill_s}
                b = self._buckets[key] = _Bucket(float(self.burst), t)
            b.tokens = min(float(self.burst), b.tokens + (t - b.updated) * self.rate_per_s)
            b.updated = t
            if b.tokens >= 1.0:
                b.tokens -= 1.0
                return None
            return (1.0 - b.tokens) / self.rate_per_s

    @staticmethod
    def retry_after_header(wait_s: float) -> str:
        """``Retry-After`` value (whole seconds, at least 1) for a wait of ``wait_s`` seconds."""
        return str(max(1, math.ceil(wait_s)))

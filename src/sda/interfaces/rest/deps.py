"""Request dependencies: the store, the authenticated principal, the data modes asked for,
the output format, paging, and the audit of protected data a principal read.

Authentication is ``Authorization: Bearer <API key>``; the store maps the key to its
:class:`~sda.policy.principals.Principal` (keys are kept only as hashes). Each
principal has its own rate limit; failed authentications are rate-limited per client
address. Which records a principal may see is decided by :mod:`sda.policy` alone:
the store filters in SQL with the same rule and :func:`visible` applies the final
egress check to whatever a route is about to send.

The dependencies are ``async``: FastAPI runs a plain ``def`` dependency in a worker
thread, and that hop cost more CPU than the dependency itself (the only database read
among them, a key's principal on a cache miss, is one indexed lookup).
"""

from __future__ import annotations

import threading
import time
from typing import Annotated, Iterable, Sequence

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from sda.catalog.store import Store
from sda.core.times import parse_utc_us
from sda.interfaces.rest.limits import RateLimiter
from sda.interfaces.rest.problems import Problem
from sda.policy import ALL, MODES, Marking, Principal, egress, marking_of

__all__ = ["KeyCache", "StoreDep", "PrincipalDep", "ModesDep", "LimitQuery", "OffsetQuery", "get_store",
           "current_principal", "data_modes", "visible", "audit_read", "not_found", "client_origin", "choose_format",
           "next_url", "utc_query"]

_bearer = HTTPBearer(auto_error=False, scheme_name="apiKey",
                     description="An API key from `sda admin key create`, sent as `Authorization: Bearer KEY`.")


class KeyCache:
    """Principals of recently seen API keys, each kept ``ttl_s`` seconds (a revoked key stops
    working within that time); saves a database lookup on every request."""

    def __init__(self, ttl_s: float = 10.0, max_keys: int = 10_000):
        self.ttl_s, self.max_keys = ttl_s, max_keys
        self._items: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Principal | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is None or time.monotonic() - hit[0] > self.ttl_s:
                return None
            return hit[1]

    def put(self, key: str, principal: Principal) -> None:
        with self._lock:
            if len(self._items) >= self.max_keys:
                self._items.clear()
            self._items[key] = (time.monotonic(), principal)


async def get_store(request: Request) -> Store:
    return request.app.state.store


StoreDep = Annotated[Store, Depends(get_store)]


def client_origin(request: Request) -> str:
    """Where a request came from, for the audit log: ``host:port`` of the client."""
    c = request.client
    return f"{c.host}:{c.port}" if c else "unknown"


def _limited(limiter: RateLimiter, key: str) -> None:
    wait = limiter.acquire(key)
    if wait is not None:
        raise Problem("rate_limited", f"too many requests; retry in {wait:.2f} s",
                      headers={"Retry-After": RateLimiter.retry_after_header(wait)})


async def current_principal(request: Request, store: StoreDep,
                            creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Principal:
    """The principal of the request's API key; 401 without a valid key, 429 over the rate limit."""
    limiter: RateLimiter = request.app.state.rate_limiter
    challenge = {"WWW-Authenticate": 'Bearer realm="sda"'}
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
        raise Problem("unauthorized", "send an API key as 'Authorization: Bearer KEY'", headers=challenge)
    principal = request.app.state.principals.get(creds.credentials)
    if principal is None:
        principal = store.principal_for_key(creds.credentials)
        if principal is None:
            _limited(limiter, "addr:" + (request.client.host if request.client else "unknown"))
            raise Problem("unauthorized", "the API key is not valid", headers=challenge)
        request.app.state.principals.put(creds.credentials, principal)
    _limited(limiter, f"principal:{principal.id}:{principal.name}")
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


async def data_modes(mode: Annotated[str, Query(
        description="Data modes to include, comma-separated: REAL (default), TEST, EXERCISE, SIMULATED. "
                    "Anything but REAL appears only when asked for.",
        max_length=64)] = "REAL") -> tuple[str, ...]:
    """The data modes of a view, validated (REAL unless asked)."""
    out = []
    for part in mode.split(","):
        m = part.strip().upper()
        if m not in MODES:
            raise Problem("validation", f"mode: unknown data mode {part.strip()!r}; expected {', '.join(MODES)}")
        if m not in out:
            out.append(m)
    return tuple(out)


ModesDep = Annotated[tuple[str, ...], Depends(data_modes)]
LimitQuery = Annotated[int, Query(ge=1, le=1000, description="Items per page (at most 1000).")]
OffsetQuery = Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip (follow `next` instead).")]


def visible(principal: Principal, records: Iterable, modes: Sequence[str]) -> list:
    """The final egress check: only the records ``principal`` may see in ``modes``."""
    return egress(principal, records, modes=modes)


def _protected(m: Marking | None) -> bool:
    """Whether a marking restricts its record (owner-only, named partners, licence or non-REAL)."""
    return m is None or ALL not in m.releasable_to or bool(m.caveats) or m.mode != "REAL"


def audit_read(store: Store, request: Request, principal: Principal, records: Iterable, target: str) -> None:
    """Append a ``read`` to the audit log if any of ``records`` is protected data."""
    if any(_protected(marking_of(r)) for r in records):
        store.audit_append(principal, "read", target, client_origin(request))


def not_found(kind: str, ident: int | str) -> Problem:
    """The one answer for a record that does not exist *or* that the caller may not see."""
    return Problem("not_found", f"no {kind} {ident} in your view of the catalog")


_ACCEPT = (("text/csv", "csv"), ("application/xml", "omm-xml"), ("text/xml", "omm-xml"), ("text/plain", "tle"),
           ("application/json", "json"))


def choose_format(request: Request, fmt: str | None, allowed: Sequence[str]) -> str:
    """The output format: ``format=`` if given, else the first ``Accept`` media type that maps to one."""
    if fmt is not None:
        if fmt not in allowed:
            raise Problem("validation", f"format: {fmt!r} is not one of {', '.join(allowed)}")
        return fmt
    accept = request.headers.get("accept", "")
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        for m, f in _ACCEPT:
            if media == m and f in allowed:
                return f
    return allowed[0]


def next_url(request: Request, more: bool, **moved: int) -> str | None:
    """The URL of the page after this one (same query, the paging parameters ``moved`` on),
    ``None`` on the last page."""
    if not more:
        return None
    url = request.url.include_query_params(**moved)
    return f"{url.path}?{url.query}"




def utc_query(name: str, text: str | None) -> int | None:
    """A time query parameter (ISO-8601 UTC with ``Z`` or an offset) as UTC µs; 422 if it is not one."""
    if text is None:
        return None
    try:
        return parse_utc_us(text, require_zone=True)
    except ValueError as exc:
        raise Problem("validation", f"{name}: {exc}") from None

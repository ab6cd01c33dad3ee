"""Space-Track.org REST API client: one login session, published limits, clear errors.

Space-Track (https://www.space-track.org, 18th/19th Space Defense Squadron) serves
the public catalog behind a login. This client

* logs in once with ``POST /ajaxauth/login`` (form fields ``identity`` and
  ``password``), lets the injected :class:`httpx.Client` keep the session cookie for
  every query, logs in again once when a query answers 401 or "not logged in", and
  logs out (``GET /ajaxauth/logout``) on :meth:`SpaceTrackClient.close`;
* builds REST query URLs such as
  ``/basicspacedata/query/class/gp/NORAD_CAT_ID/25544,41335/orderby/NORAD_CAT_ID%20asc/format/json``;
* sends every request (login and logout included) through a
  :class:`~sda.ingest.providers.throttle.RateLimiter` (fewer than 30 a minute and 300
  an hour) and bulk queries through a
  :class:`~sda.ingest.providers.throttle.ClassPacer` (full ``gp`` catalog at most
  once an hour, see :data:`~sda.ingest.providers.throttle.SPACETRACK_MIN_INTERVALS_S`);
* turns HTTP errors and Space-Track's error bodies (it answers HTTP 200 with
  ``{"Login":"Failed"}`` or ``{"error": "..."}`` in some cases) into
  :class:`~sda.errors.ProviderError` with the URL and the answer's text.

It returns the answer's bytes as a :class:`~sda.ingest.providers.FetchResult` and
never parses element sets.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable
from urllib.parse import quote

import httpx

from sda.core.times import format_utc, now_us, parse_utc_us
from sda.errors import ProviderError, RateLimitError
from sda.ingest.providers import FetchResult, result_name
from sda.ingest.providers.throttle import (
    SPACETRACK_LIMITS,
    SPACETRACK_MIN_INTERVALS_S,
    ClassPacer,
    RateLimiter,
)

__all__ = ["BASE_URL", "GP_FORMATS", "SATCAT_FORMATS", "SpaceTrackClient", "query_url"]

BASE_URL = "https://www.space-track.org"
LOGIN_PATH = "/ajaxauth/login"
LOGOUT_PATH = "/ajaxauth/logout"
QUERY_PATH = "/basicspacedata/query"

#: Formats Space-Track serves for element-set classes (``gp``, ``gp_history``).
GP_FORMATS = ("json", "3le", "tle", "xml", "kvn")
#: Formats Space-Track serves for the satellite catalog (``satcat``).
SATCAT_FORMATS = ("json", "xml", "csv")

#: Seconds to wait after Space-Track reports a rate-limit violation (its limits are
#: per minute and per hour; a minute is the shortest window that can clear).
_VIOLATION_RETRY_S = 60.0
_SNIPPET_CHARS = 200

TimeLike = int | str


def query_url(segments: Iterable[str], *, base_url: str = BASE_URL) -> str:
    """Space-Track REST query URL of ``class/...`` path segments, each percent-encoded.

    Commas (id lists), ``-`` and ``:`` stay readable; ``>``, ``<`` and spaces are
    encoded, e.g. ``["class", "gp", "EPOCH", ">now-30"]`` gives
    ``.../query/class/gp/EPOCH/%3Enow-30``.
    """
    path = "/".join(quote(str(s), safe=",-._~:") for s in segments)
    return f"{base_url.rstrip('/')}{QUERY_PATH}/{path}"


def _space_track_time(value: TimeLike) -> str:
    """Space-Track's ``YYYY-MM-DD hh:mm:ss`` UTC text of microseconds or an ISO-8601 time."""
    us = parse_utc_us(value) if isinstance(value, str) else int(value)
    return format_utc(us, digits=0).rstrip("Z").replace("T", " ")


def _norad_list(norad_ids: Iterable[int]) -> list[int]:
    """Sorted distinct NORAD ids; an empty list is refused (``None`` means the whole catalog)."""
    ids = sorted({int(n) for n in norad_ids})
    if not ids:
        raise ValueError("expected at least one NORAD catalog number (pass None for the whole catalog)")
    bad = [n for n in ids if n <= 0]
    if bad:
        raise ValueError(f"expected positive NORAD catalog numbers, found {bad}")
    return ids


def _ids_label(ids: list[int]) -> str:
    """Short file-name label of a NORAD id list."""
    if len(ids) <= 5:
        return "_".join(str(n) for n in ids)
    return f"{ids[0]}_to_{ids[-1]}_{len(ids)}_objects"


def _snippet(body: bytes) -> str:
    text = body.decode("utf-8", errors="replace").strip()
    return text if len(text) <= _SNIPPET_CHARS else text[:_SNIPPET_CHARS] + "..."


def _json_object(body: bytes) -> dict | None:
    """The body as a JSON object when it is one (Space-Track's error answers are)."""
    text = body.strip()
    if not text.startswith(b"{"):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _says_not_logged_in(response: httpx.Response) -> bool:
    """True for Space-Track's answers to a query sent without a valid session."""
    if response.status_code == 401:
        return True
    obj = _json_object(response.content)
    if obj is None:
        return False
    text = " ".join(str(v) for v in obj.values()).lower()
    return "logged in" in text or "login" in text or "log in" in text


class SpaceTrackClient:
    """Space-Track.org session over an injected :class:`httpx.Client`.

    ``identity`` and ``password`` default to the environment variables
    ``SPACETRACK_IDENTITY`` and ``SPACETRACK_PASSWORD``. ``clock`` (monotonic
    seconds) and ``sleep`` drive the pacing; with ``wait=False`` a request that
    would break a limit raises :class:`~sda.errors.RateLimitError` instead of
    sleeping. ``utc_now_us`` stamps results (UTC microseconds since 1970).

    Use as a context manager, or call :meth:`close` to log out; the injected
    ``httpx.Client`` stays open (its owner closes it).
    """

    def __init__(
        self,
        client: httpx.Client,
        identity: str | None = None,
        password: str | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wait: bool = True,
        base_url: str = BASE_URL,
        utc_now_us: Callable[[], int] = now_us,
    ):
        identity = identity if identity is not None else os.environ.get("SPACETRACK_IDENTITY")
        password = password if password is not None else os.environ.get("SPACETRACK_PASSWORD")
        if not identity or not password:
            raise ProviderError(
                "Space-Track credentials missing: pass identity and password, or set "
                "SPACETRACK_IDENTITY and SPACETRACK_PASSWORD"
            )
        self.client = client
        self.identity = identity
        self._password = password
        self.base_url = base_url.rstrip("/")
        self.utc_now_us = utc_now_us
        self.limiter = RateLimiter(SPACETRACK_LIMITS, clock=clock, sleep=sleep, wait=wait, name="Space-Track")
        self.pacer = ClassPacer(SPACETRACK_MIN_INTERVALS_S, clock=clock, sleep=sleep, wait=wait, name="Space-Track")
        self.logged_in = False
        self.logins = 0

    # -- session -------------------------------------------------------------

    def _request(self, method: str, url: str, *, data: dict | None = None) -> httpx.Response:
        self.limiter.acquire()
        try:
            return self.client.request(method, url, data=data)
        except httpx.RequestError as exc:
            raise ProviderError(f"Space-Track could not be reached ({method} {url}): {exc}") from exc

    def login(self) -> None:
        """Log in and keep the session cookie; raises ProviderError if refused."""
        url = self.base_url + LOGIN_PATH
        response = self._request("POST", url, data={"identity": self.identity, "password": self._password})
        obj = _json_object(response.content)
        refused = response.status_code in (401, 403) or (
            obj is not None and str(obj.get("Login", "")).lower() == "failed"
        )
        if refused:
            self.logged_in = False
            raise ProviderError(
                f"Space-Track login failed for identity {self.identity!r}: identity or password "
                f"refused (HTTP {response.status_code}: {_snippet(response.content)})"
            )
        if response.status_code >= 400:
            raise ProviderError(
                f"Space-Track login answered HTTP {response.status_code} at {url}: {_snippet(response.content)}"
            )
        if obj is not None and "error" in obj:
            raise ProviderError(f"Space-Track login failed at {url}: {obj['error']}")
        self.logged_in = True
        self.logins += 1

    def close(self) -> None:
        """Log out if logged in (best effort: a failed logout only ends the session here)."""
        if not self.logged_in:
            return
        self.logged_in = False
        try:
            self._request("GET", self.base_url + LOGOUT_PATH)
        except ProviderError:
            pass

    def __enter__(self) -> "SpaceTrackClient":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- queries -------------------------------------------------------------

    def gp(
        self,
        norad_ids: Iterable[int] | None = None,
        *,
        epoch_since: TimeLike | None = None,
        fmt: str = "json",
    ) -> FetchResult:
        """Latest general-perturbations element set of each object (class ``gp``).

        ``norad_ids`` restricts to those objects; without it the whole on-orbit
        catalog is asked for (``DECAY_DATE/null-val``), by default only objects with
        an element set from the last 30 days (``EPOCH/>now-30``, Space-Track's
        recommended query) and at most once an hour. ``epoch_since`` (UTC
        microseconds or ISO-8601 text) keeps element sets with a later epoch.
        """
        _check_format(fmt, GP_FORMATS)
        ids = _norad_list(norad_ids) if norad_ids is not None else []
        segments = ["class", "gp"]
        if ids:
            segments += ["NORAD_CAT_ID", ",".join(map(str, ids))]
            parts = ["gp", _ids_label(ids)]
        else:
            segments += ["DECAY_DATE", "null-val"]
            parts = ["gp", "catalog"]
        if epoch_since is not None:
            since = _space_track_time(epoch_since)
            segments += ["EPOCH", ">" + since]
            parts.append("since_" + since)
        elif not ids:
            segments += ["EPOCH", ">now-30"]
        segments += ["orderby", "NORAD_CAT_ID asc", "format", fmt]
        query_class = "gp" if ids else "gp_full"
        return self._query(segments, fmt, result_name("spacetrack", parts, fmt), query_class)

    def gp_history(self, norad_id: int, start: TimeLike, end: TimeLike, *, fmt: str = "json") -> FetchResult:
        """Every element set of one object with an epoch in ``[start, end]`` (class ``gp_history``).

        ``start``/``end`` are UTC microseconds or ISO-8601 text. Paced to one query
        per object a day (see ``SPACETRACK_MIN_INTERVALS_S``).
        """
        _check_format(fmt, GP_FORMATS)
        (norad,) = _norad_list([norad_id])
        t0, t1 = _space_track_time(start), _space_track_time(end)
        segments = ["class", "gp_history", "NORAD_CAT_ID", str(norad), "EPOCH", f"{t0}--{t1}"]
        segments += ["orderby", "EPOCH asc", "format", fmt]
        name = result_name("spacetrack", ["gp_history", str(norad), t0, t1], fmt)
        return self._query(segments, fmt, name, "gp_history", key=str(norad))

    def satcat(self, norad_ids: Iterable[int] | None = None, *, fmt: str = "json") -> FetchResult:
        """Satellite catalog entries (class ``satcat``); the whole catalog at most once a day."""
        _check_format(fmt, SATCAT_FORMATS)
        ids = _norad_list(norad_ids) if norad_ids is not None else []
        segments = ["class", "satcat"]
        if ids:
            segments += ["NORAD_CAT_ID", ",".join(map(str, ids))]
        segments += ["orderby", "NORAD_CAT_ID asc", "format", fmt]
        name = result_name("spacetrack", ["satcat", _ids_label(ids) if ids else "all"], fmt)
        return self._query(segments, fmt, name, "satcat" if ids else "satcat_full")

    def _query(self, segments: list[str], fmt: str, name: str, query_class: str, key: str = "") -> FetchResult:
        url = query_url(segments, base_url=self.base_url)
        self.pacer.acquire(query_class, key)
        if not self.logged_in:
            self.login()
        response = self._request("GET", url)
        if _says_not_logged_in(response):
            self.logged_in = False
            self.login()
            response = self._request("GET", url)
            if _says_not_logged_in(response):
                self.logged_in = False
                raise ProviderError(
                    f"Space-Track refused {url} right after a fresh login "
                    f"(HTTP {response.status_code}: {_snippet(response.content)})"
                )
        content = _checked_content(response, url, fmt)
        return FetchResult(
            content=content, name=name, fmt=fmt, origin=url, fetched_at_us=self.utc_now_us(), from_cache=False
        )


def _check_format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        raise ValueError(f"expected a format among {list(allowed)}, found {fmt!r}")


def _checked_content(response: httpx.Response, url: str, fmt: str) -> bytes:
    """The answer's bytes, or ProviderError for HTTP errors and Space-Track error bodies."""
    status = response.status_code
    body = response.content
    if status == 429:
        retry = response.headers.get("Retry-After", "")
        retry_s = float(retry) if retry.isdigit() else _VIOLATION_RETRY_S
        raise RateLimitError(f"Space-Track answered HTTP 429 (too many requests) to {url}", retry_after_s=retry_s)
    if status >= 400:
        raise ProviderError(f"Space-Track answered HTTP {status} to {url}: {_snippet(body)}")
    obj = _json_object(body)
    if obj is not None:
        message = str(obj.get("error") or obj)
        if "rate limit" in message.lower():
            raise RateLimitError(
                f"Space-Track reported a rate-limit violation for {url}: {message}", retry_after_s=_VIOLATION_RETRY_S
            )
        raise ProviderError(f"Space-Track answered an error to {url}: {message}")
    head = body.lstrip()[:200].lower()
    if head.startswith((b"<!doctype html", b"<html")) or "text/html" in response.headers.get("content-type", ""):
        raise ProviderError(
            f"Space-Track answered an HTML page instead of {fmt} to {url} (maintenance or login page?): "
            f"{_snippet(body)}"
        )
    if body.strip().upper() == b"NO RESULTS RETURNED":
        return b""
    if fmt == "json" and not body.lstrip().startswith(b"["):
        raise ProviderError(f"Space-Track answered {url} with something other than a JSON array: {_snippet(body)}")
    return body

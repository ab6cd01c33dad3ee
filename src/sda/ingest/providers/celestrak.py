"""CelesTrak GP queries (``gp.php``) behind the 2-hour file cache CelesTrak asks for.

CelesTrak (https://celestrak.org) republishes the public GP catalog without login.
Its data change at most every 2 hours and it blocks (HTTP 403) clients that
download the same query again sooner ("Data is updated once every 2 hours",
CelesTrak's GP documentation and the text of its repeat-download answer). So
:class:`CelesTrakClient` keeps a file cache keyed by the query URL with the fetch
time: within :data:`CACHE_TTL_S` the cached bytes are returned without a request
(``from_cache=True``); after it, the query is sent again.

CelesTrak answers some queries with plain text instead of the asked format:
"No GP data found" becomes an empty result, "GP data has not updated since your
last successful download ..." returns the cached copy when there is one, and other
messages ("Invalid query ...") raise :class:`~sda.errors.ProviderError`, as do
HTTP 403/404 and every other HTTP error.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import httpx

from sda.errors import ProviderError
from sda.ingest.providers import FetchResult, result_name

__all__ = ["BASE_URL", "CACHE_TTL_S", "FORMATS", "CelesTrakClient"]

BASE_URL = "https://celestrak.org/NORAD/elements/gp.php"

#: Seconds a downloaded answer is reused without asking CelesTrak again (2 hours).
CACHE_TTL_S = 2 * 3600.0

#: SDA format name -> CelesTrak ``FORMAT`` value. CelesTrak's ``TLE`` has a name line
#: before lines 1 and 2; its ``3LE`` prefixes that line with ``0 ``.
FORMATS: dict[str, str] = {
    "json": "JSON",
    "tle": "TLE",
    "3le": "3LE",
    "xml": "XML",
    "kvn": "KVN",
    "csv": "CSV",
}

_NO_DATA = b"No GP data found"
_NOT_UPDATED = b"GP data has not updated"
_SNIPPET_CHARS = 200


def _snippet(body: bytes) -> str:
    text = body.decode("utf-8", errors="replace").strip()
    return text if len(text) <= _SNIPPET_CHARS else text[:_SNIPPET_CHARS] + "..."


class CelesTrakClient:
    """CelesTrak ``gp.php`` client over an injected :class:`httpx.Client`.

    ``cache_dir`` holds one ``<key>.bin`` (the answer's bytes) and ``<key>.json``
    (URL and fetch time) per query. ``clock`` returns wall-clock seconds since 1970
    (the cache outlives the process, so a monotonic clock would not do); it also
    stamps ``fetched_at_us``.
    """

    def __init__(
        self,
        client: httpx.Client,
        cache_dir: str | os.PathLike,
        *,
        clock: Callable[[], float] = time.time,
        base_url: str = BASE_URL,
        ttl_s: float = CACHE_TTL_S,
    ):
        self.client = client
        self.cache_dir = Path(cache_dir)
        self.clock = clock
        self.base_url = base_url
        self.ttl_s = ttl_s

    def query_url(
        self,
        group: str | None = None,
        catnr: int | None = None,
        intdes: str | None = None,
        name: str | None = None,
        fmt: str = "json",
    ) -> str:
        """The ``gp.php`` URL of a query; exactly one of group, catnr, intdes, name."""
        key, value = _selector(group, catnr, intdes, name)
        if fmt not in FORMATS:
            raise ValueError(f"expected a format among {list(FORMATS)}, found {fmt!r}")
        return f"{self.base_url}?{urlencode({key: value, 'FORMAT': FORMATS[fmt]})}"

    def gp(
        self,
        group: str | None = None,
        catnr: int | None = None,
        intdes: str | None = None,
        name: str | None = None,
        fmt: str = "json",
    ) -> FetchResult:
        """Current GP element sets of a CelesTrak group, catalog number, launch or name.

        Returns the cached answer when the same query was downloaded less than
        ``ttl_s`` seconds ago; an answer of "No GP data found" gives empty content.
        """
        url = self.query_url(group, catnr, intdes, name, fmt)
        key, value = _selector(group, catnr, intdes, name)
        file_name = result_name("celestrak", [key.lower(), value], fmt)

        now = self.clock()
        cached = self._read_cache(url)
        if cached is not None and 0 <= now - cached[1] < self.ttl_s:
            return self._result(cached[0], file_name, fmt, url, cached[1], from_cache=True)

        try:
            response = self.client.get(url)
        except httpx.RequestError as exc:
            raise ProviderError(f"CelesTrak could not be reached ({url}): {exc}") from exc
        body = response.content
        if body.lstrip().startswith(_NOT_UPDATED) and response.status_code < 500:
            if cached is None:
                raise ProviderError(f"CelesTrak has no newer data for {url} and nothing is cached: {_snippet(body)}")
            self._write_cache(url, cached[0], now)  # CelesTrak confirmed the copy is current
            return self._result(cached[0], file_name, fmt, url, now, from_cache=True)
        _check(response, url, fmt)
        self._write_cache(url, body, now)
        return self._result(body, file_name, fmt, url, now, from_cache=False)

    @staticmethod
    def _result(body: bytes, name: str, fmt: str, url: str, fetched_at_s: float, *, from_cache: bool) -> FetchResult:
        content = b"" if body.strip().startswith(_NO_DATA) else body
        return FetchResult(
            content=content,
            name=name,
            fmt=fmt,
            origin=url,
            fetched_at_us=int(round(fetched_at_s * 1_000_000)),
            from_cache=from_cache,
        )

    # -- file cache ----------------------------------------------------------

    def _paths(self, url: str) -> tuple[Path, Path]:
        key = hashlib.sha256(url.encode()).hexdigest()[:32]
        return self.cache_dir / f"{key}.bin", self.cache_dir / f"{key}.json"

    def _read_cache(self, url: str) -> tuple[bytes, float] | None:
        """Cached ``(bytes, fetched_at_s)`` of a URL, or None."""
        data_path, meta_path = self._paths(url)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            if meta.get("url") != url:
                return None
            return data_path.read_bytes(), float(meta["fetched_at_s"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _write_cache(self, url: str, body: bytes, fetched_at_s: float) -> None:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        data_path, meta_path = self._paths(url)
        for path, payload in (
            (data_path, body),
            (meta_path, json.dumps({"url": url, "fetched_at_s": fetched_at_s}).encode()),
        ):
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_bytes(payload)
            os.replace(tmp, path)


def _selector(group: str | None, catnr: int | None, intdes: str | None, name: str | None) -> tuple[str, str]:
    """The one ``gp.php`` selector given, as ``(parameter, value)``; group names are lower case."""
    selectors = {"GROUP": group, "CATNR": catnr, "INTDES": intdes, "NAME": name}
    given = {k: str(v).strip() for k, v in selectors.items() if v is not None and str(v).strip()}
    if len(given) != 1:
        raise ValueError(f"expected exactly one of group, catnr, intdes, name; found {sorted(given) or 'none'}")
    ((key, value),) = given.items()
    return key, value.lower() if key == "GROUP" else value


def _check(response: httpx.Response, url: str, fmt: str) -> None:
    """Raise ProviderError for HTTP errors and CelesTrak's text answers that are not data."""
    status = response.status_code
    body = response.content
    if status == 403:
        raise ProviderError(
            f"CelesTrak refused {url} (HTTP 403); it blocks clients that repeat a download within "
            f"2 hours: {_snippet(body)}"
        )
    if status == 404:
        raise ProviderError(f"CelesTrak has no such resource {url} (HTTP 404): {_snippet(body)}")
    if status >= 400:
        raise ProviderError(f"CelesTrak answered HTTP {status} to {url}: {_snippet(body)}")
    text = body.strip()
    if not text or text.startswith(_NO_DATA):
        return
    looks_right = {
        "json": text.startswith(b"["),
        "xml": text.startswith(b"<"),
        "tle": text.startswith(b"1 ") or b"\n1 " in text[:200],
        "3le": text.startswith((b"0 ", b"1 ")),
        "kvn": b"CCSDS_OMM_VERS" in text[:400],
        "csv": b"OBJECT" in text.split(b"\n", 1)[0],
    }[fmt]
    if not looks_right:
        raise ProviderError(f"CelesTrak answered {url} with a message instead of {fmt} data: {_snippet(text)}")

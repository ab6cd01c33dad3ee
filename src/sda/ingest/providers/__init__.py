"""Data providers: fetch element sets from Space-Track, CelesTrak or a partners' drop folder.

Providers do I/O only: they fetch, cache and throttle, then hand back the bytes as a
:class:`FetchResult`. They never parse element sets and never touch the catalog
store; the ingest pipeline does both.

* :mod:`.spacetrack` — Space-Track.org REST API (login session, published limits);
* :mod:`.celestrak` — CelesTrak GP queries with the 2-hour file cache CelesTrak asks for;
* :mod:`.dropfolder` — files partners leave in a folder;
* :mod:`.throttle` — sliding-window rate limiting and per-class pacing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["FetchResult", "FORMAT_EXTENSIONS", "result_name"]

#: File extension of each format a provider can return. CelesTrak's ``tle`` answer
#: carries a name line before lines 1 and 2; Space-Track's ``3le`` prefixes it with
#: ``0 ``; both are read by the TLE reader.
FORMAT_EXTENSIONS: dict[str, str] = {
    "json": "json",
    "tle": "tle",
    "3le": "3le",
    "xml": "xml",
    "kvn": "kvn",
    "csv": "csv",
}


@dataclass(frozen=True)
class FetchResult:
    """Bytes fetched from a provider, ready for the ingest pipeline.

    ``name`` is a file name whose extension says the format (for example
    ``celestrak-group-stations.json``); ``origin`` is the URL asked for (never with
    credentials); ``fetched_at_us`` is the UTC time of the download in microseconds
    since 1970 (for a cached answer, the time of the original download);
    ``from_cache`` says the bytes came from the local cache without a request.
    :attr:`is_empty` is true when the provider answered that no data matched.
    """

    content: bytes
    name: str
    fmt: str
    origin: str
    fetched_at_us: int
    from_cache: bool = False

    @property
    def is_empty(self) -> bool:
        """True when the provider found no data: no content, or an empty JSON array."""
        return self.content.strip() in (b"", b"[]")


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def result_name(provider: str, parts: list[str], fmt: str) -> str:
    """File name ``provider-part-part.ext`` with unsafe characters replaced by ``_``."""
    if fmt not in FORMAT_EXTENSIONS:
        raise ValueError(f"expected a format among {sorted(FORMAT_EXTENSIONS)}, found {fmt!r}")
    stem = "-".join([provider, *(_UNSAFE.sub("_", p).strip("_") or "_" for p in parts)])
    return f"{stem}.{FORMAT_EXTENSIONS[fmt]}"

"""Providers (Space-Track, CelesTrak, drop folder), their pacing, and ``sda fetch``.

Every HTTP answer is replayed from ``tests/data/recorded`` (real public data, origin
in its README) through ``httpx.MockTransport``; a handler fails the test on any URL
it does not know, and the real transport is disabled for the whole module. Time is
a fake clock that only moves when the code sleeps (or a handler simulates latency),
so an hour of pacing runs in milliseconds.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from sda.errors import ProviderError, RateLimitError
from sda.ingest.providers import FetchResult
from sda.ingest.providers.celestrak import CACHE_TTL_S, CelesTrakClient
from sda.ingest.providers.dropfolder import DropFolder
from sda.ingest.providers.spacetrack import SpaceTrackClient
from sda.ingest.providers.throttle import SPACETRACK_MIN_INTERVALS_S, ClassPacer, RateLimiter

RECORDED = Path(__file__).resolve().parent / "data" / "recorded"
ST = "https://www.space-track.org"
CT = "https://celestrak.org/NORAD/elements/gp.php"

ST_GP_45018 = "/basicspacedata/query/class/gp/NORAD_CAT_ID/45018/orderby/NORAD_CAT_ID%20asc/format/json"
ST_GP_3LE = "/basicspacedata/query/class/gp/NORAD_CAT_ID/5,11,25544/orderby/NORAD_CAT_ID%20asc/format/3le"
ST_GP_FULL = (
    "/basicspacedata/query/class/gp/DECAY_DATE/null-val/EPOCH/%3Enow-30/orderby/NORAD_CAT_ID%20asc/format/3le"
)


def recorded(name: str) -> bytes:
    return (RECORDED / name).read_bytes()


def replay(answer: httpx.Response) -> httpx.Response:
    """A fresh copy of a recorded answer (one response object per request)."""
    return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)


@pytest.fixture(autouse=True)
def no_real_network(monkeypatch):
    """Any request through a real transport fails the test."""

    def refuse(self, request):
        raise AssertionError(f"real network request attempted: {request.method} {request.url}")

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", refuse)


def test_real_transport_is_refused():
    with httpx.Client() as http, pytest.raises(AssertionError, match="real network request attempted"):
        http.get(STATIONS_TLE)


class FakeClock:
    """Monotonic seconds that advance only through ``sleep`` or ``advance``."""

    def __init__(self, t: float = 1000.0):
        self.t = t
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.t += seconds

    def advance(self, seconds: float) -> None:
        self.t += seconds


class FakeSpaceTrack:
    """Replays Space-Track: login sets a session cookie; queries need the current one."""

    IDENTITY = "analyst@example.org"
    PASSWORD = "correct horse"

    def __init__(self, clock: FakeClock, routes: dict[str, httpx.Response], latency_s: float = 0.0):
        self.clock = clock
        self.routes = routes
        self.latency_s = latency_s
        self.log: list[tuple[float, str, str]] = []  # (clock time, method, raw path)
        self.session: str | None = None
        self.n_sessions = 0

    def expire_session(self) -> None:
        self.session = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode()
        self.log.append((self.clock(), request.method, path))
        self.clock.advance(self.latency_s)
        assert request.url.host == "www.space-track.org", f"unexpected host {request.url}"
        if request.method == "POST" and path == "/ajaxauth/login":
            form = parse_qs(request.content.decode())
            if form == {"identity": [self.IDENTITY], "password": [self.PASSWORD]}:
                self.n_sessions += 1
                self.session = f"s{self.n_sessions}"
                return httpx.Response(200, text="", headers={"Set-Cookie": f"chocolatechip={self.session}; path=/"})
            return httpx.Response(200, content=recorded("spacetrack_login_failed.json"))
        if request.method == "GET" and path == "/ajaxauth/logout":
            self.session = None
            return httpx.Response(200, text='"Successfully logged out"')
        if request.method == "GET" and path in self.routes:
            cookie = request.headers.get("cookie", "")
            if self.session is None or f"chocolatechip={self.session}" not in cookie:
                return httpx.Response(401, json={"error": "You must be logged in to complete this action"})
            return replay(self.routes[path])
        raise AssertionError(f"unexpected Space-Track request {request.method} {request.url}")

    def times(self, method: str | None = None) -> list[float]:
        return [t for t, m, _ in self.log if method is None or m == method]

    def paths(self) -> list[str]:
        return [f"{m} {p}" for _, m, p in self.log]


def spacetrack(routes: dict[str, httpx.Response], *, latency_s: float = 0.0, wait: bool = True, **kw):
    clock = FakeClock()
    server = FakeSpaceTrack(clock, routes, latency_s)
    http = httpx.Client(transport=httpx.MockTransport(server))
    client = SpaceTrackClient(
        http, FakeSpaceTrack.IDENTITY, kw.pop("password", FakeSpaceTrack.PASSWORD),
        clock=clock, sleep=clock.sleep, wait=wait, utc_now_us=lambda: 1_700_000_000_000_000,
    )
    return client, server, clock


def json_route(name: str = "spacetrack_gp_45018.json") -> httpx.Response:
    return httpx.Response(200, content=recorded(name), headers={"content-type": "application/json"})


# -- rate limiter -------------------------------------------------------------


def max_in_window(times: list[float], window_s: float) -> int:
    """Most requests in any half-open window ``(t - window_s, t]`` of the sorted times."""
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while times[lo] + window_s <= t:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def test_burst_of_400_queries_keeps_space_track_limits():
    client, server, clock = spacetrack({ST_GP_45018: json_route()}, latency_s=0.05)
    for _ in range(400):
        result = client.gp([45018])
        assert result.content == recorded("spacetrack_gp_45018.json")
    times = server.times()
    assert len(times) == 401  # one login, 400 queries
    assert server.times("POST") == [times[0]]
    assert max_in_window(times, 60.0) == 29  # strictly fewer than 30 a minute, and the limit is used
    assert max_in_window(times, 3600.0) == 299  # strictly fewer than 300 an hour
    assert times[28] - times[0] < 60.0  # the first 29 go without waiting
    for i in range(len(times) - 29):
        assert times[i + 29] - times[i] >= 60.0
    for i in range(len(times) - 299):
        assert times[i + 299] - times[i] >= 3600.0
    # 401 requests at 299 an hour need more than one hour and less than two
    assert 3600.0 <= times[-1] - times[0] < 7200.0


def test_rate_limiter_raises_with_retry_after_when_not_waiting():
    clock = FakeClock(0.0)
    limiter = RateLimiter([(30, 60.0), (300, 3600.0)], clock=clock, sleep=clock.sleep, wait=False)
    for i in range(29):
        limiter.acquire()
        clock.advance(1.0)
    with pytest.raises(RateLimitError) as info:
        limiter.acquire()  # at t = 29 s: a 30th request within 60 s
    assert info.value.retry_after_s == pytest.approx(31.0, abs=1e-9)  # first request (t=0) leaves at t=60 s
    assert "fewer than 30 per 60 s" in str(info.value)
    clock.advance(info.value.retry_after_s)
    assert limiter.acquire() == pytest.approx(60.0, abs=1e-9)
    assert clock.sleeps == []


def test_rate_limiter_rejects_meaningless_limits():
    with pytest.raises(ValueError):
        RateLimiter([(1, 60.0)])
    with pytest.raises(ValueError):
        RateLimiter([])


def test_class_pacer_full_catalog_once_an_hour():
    assert SPACETRACK_MIN_INTERVALS_S["gp_full"] == 3600.0
    body = httpx.Response(200, content=recorded("spacetrack_gp_5_11_25544.3le"))
    client, server, clock = spacetrack({ST_GP_FULL: body, ST_GP_3LE: body})
    first = client.gp(fmt="3le")
    assert first.name == "spacetrack-gp-catalog.3le"
    client.gp([5, 11, 25544], fmt="3le")  # a query of named objects is not held back
    client.gp(fmt="3le")  # the full catalog again: waits out the hour
    full = [t for t, _, p in server.log if p == ST_GP_FULL]
    named = [t for t, _, p in server.log if p == ST_GP_3LE]
    assert len(full) == 2 and len(named) == 1
    assert named[0] - full[0] < 1.0
    assert full[1] - full[0] == pytest.approx(3600.0, abs=1e-6)
    assert clock.sleeps == [pytest.approx(3600.0, abs=1e-6)]


def test_class_pacer_gp_history_per_object_and_no_wait():
    routes = {
        "/basicspacedata/query/class/gp_history/NORAD_CAT_ID/45018/EPOCH/"
        "2020-12-01%2000:00:00--2020-12-31%2000:00:00/orderby/EPOCH%20asc/format/json": json_route(),
        "/basicspacedata/query/class/gp_history/NORAD_CAT_ID/25544/EPOCH/"
        "2020-12-01%2000:00:00--2020-12-31%2000:00:00/orderby/EPOCH%20asc/format/json": json_route(),
    }
    client, server, clock = spacetrack(routes, wait=False)
    result = client.gp_history(45018, "2020-12-01T00:00:00Z", "2020-12-31T00:00:00Z")
    assert result.name == "spacetrack-gp_history-45018-2020-12-01_00_00_00-2020-12-31_00_00_00.json"
    client.gp_history(25544, "2020-12-01T00:00:00Z", "2020-12-31T00:00:00Z")  # another object: allowed
    clock.advance(100.0)
    with pytest.raises(RateLimitError) as info:
        client.gp_history(45018, "2020-12-01T00:00:00Z", "2020-12-31T00:00:00Z")
    assert info.value.retry_after_s == pytest.approx(86_400.0 - 100.0, abs=1e-6)
    assert len(server.log) == 3  # login + two queries; the refused one never left


def test_class_pacer_unlisted_class_is_not_paced():
    clock = FakeClock()
    pacer = ClassPacer({"gp_full": 3600.0}, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        pacer.acquire("gp")
    assert clock.sleeps == []


# -- Space-Track session and answers -------------------------------------------


def test_spacetrack_one_login_for_many_queries_and_logout_on_close():
    three_le = httpx.Response(200, content=recorded("spacetrack_gp_5_11_25544.3le"))
    routes = {ST_GP_45018: json_route(), ST_GP_3LE: three_le}
    client, server, _ = spacetrack(routes)
    with client:
        results = [client.gp([45018]) for _ in range(3)] + [client.gp([25544, 11, 5, 11], fmt="3le")]
    assert server.paths() == ["POST /ajaxauth/login"] + [f"GET {ST_GP_45018}"] * 3 + [
        f"GET {ST_GP_3LE}", "GET /ajaxauth/logout"]
    assert server.n_sessions == 1
    r = results[0]
    assert isinstance(r, FetchResult)
    assert (r.name, r.fmt, r.from_cache, r.fetched_at_us) == ("spacetrack-gp-45018.json", "json", False,
                                                              1_700_000_000_000_000)
    assert r.origin == ST + ST_GP_45018
    assert FakeSpaceTrack.PASSWORD.split()[0] not in r.origin
    assert json.loads(r.content)[0]["TLE_LINE1"].startswith("1 45018U")
    three = results[3]
    assert three.name == "spacetrack-gp-5_11_25544.3le"
    assert three.content == recorded("spacetrack_gp_5_11_25544.3le")


def test_spacetrack_logs_in_again_once_after_401():
    client, server, _ = spacetrack({ST_GP_45018: json_route()})
    client.gp([45018])
    server.expire_session()
    result = client.gp([45018])
    assert result.content == recorded("spacetrack_gp_45018.json")
    assert server.paths() == ["POST /ajaxauth/login", f"GET {ST_GP_45018}", f"GET {ST_GP_45018}",
                              "POST /ajaxauth/login", f"GET {ST_GP_45018}"]
    assert client.logins == 2


def test_spacetrack_gives_up_when_fresh_session_is_refused():
    client, server, _ = spacetrack({ST_GP_45018: httpx.Response(401, json={"error": "You must be logged in"})})
    with pytest.raises(ProviderError, match="right after a fresh login"):
        client.gp([45018])
    assert [p for p in server.paths() if p.startswith("POST")] == ["POST /ajaxauth/login"] * 2


def test_spacetrack_bad_credentials():
    client, server, _ = spacetrack({ST_GP_45018: json_route()}, password="wrong password")
    with pytest.raises(ProviderError) as info:
        client.gp([45018])
    message = str(info.value)
    assert "login failed" in message and FakeSpaceTrack.IDENTITY in message and "Failed" in message
    assert "wrong password" not in message
    assert server.paths() == ["POST /ajaxauth/login"]  # no query sent without a session


def test_spacetrack_credentials_from_environment(monkeypatch):
    monkeypatch.delenv("SPACETRACK_IDENTITY", raising=False)
    monkeypatch.delenv("SPACETRACK_PASSWORD", raising=False)
    http = httpx.Client(transport=httpx.MockTransport(lambda r: pytest.fail(f"unexpected request {r.url}")))
    with pytest.raises(ProviderError, match="SPACETRACK_IDENTITY and SPACETRACK_PASSWORD"):
        SpaceTrackClient(http)
    monkeypatch.setenv("SPACETRACK_IDENTITY", FakeSpaceTrack.IDENTITY)
    monkeypatch.setenv("SPACETRACK_PASSWORD", FakeSpaceTrack.PASSWORD)
    clock = FakeClock()
    server = FakeSpaceTrack(clock, {ST_GP_45018: json_route()})
    client = SpaceTrackClient(httpx.Client(transport=httpx.MockTransport(server)), clock=clock, sleep=clock.sleep)
    assert client.gp([45018]).content == recorded("spacetrack_gp_45018.json")


@pytest.mark.parametrize(
    ("answer", "error", "text"),
    [
        (httpx.Response(200, content=recorded("spacetrack_error_rate_limit.json")), RateLimitError,
         "violated your query rate limit"),
        (httpx.Response(200, json={"error": "Unknown predicate NORAD_CAT_IDX"}), ProviderError,
         "Unknown predicate NORAD_CAT_IDX"),
        (httpx.Response(500, text="Internal Server Error"), ProviderError, "HTTP 500"),
        (httpx.Response(429, text="Too Many Requests", headers={"Retry-After": "120"}), RateLimitError, "HTTP 429"),
        (httpx.Response(200, text="<!DOCTYPE html><html><body>Maintenance</body></html>",
                        headers={"content-type": "text/html"}), ProviderError, "HTML page"),
        (httpx.Response(200, text="Query error"), ProviderError, "other than a JSON array"),
    ],
)
def test_spacetrack_error_answers(answer, error, text):
    client, _, _ = spacetrack({ST_GP_45018: answer})
    with pytest.raises(error) as info:
        client.gp([45018])
    assert text in str(info.value)
    assert ST_GP_45018 in str(info.value)  # the message names the query
    if error is RateLimitError:
        assert info.value.retry_after_s == (120.0 if answer.status_code == 429 else 60.0)


def test_spacetrack_unreachable_is_provider_error():
    def down(request):
        raise httpx.ConnectError("connection refused", request=request)

    clock = FakeClock()
    client = SpaceTrackClient(httpx.Client(transport=httpx.MockTransport(down)), "a", "b", clock=clock,
                              sleep=clock.sleep)
    with pytest.raises(ProviderError, match="could not be reached.*connection refused"):
        client.gp([45018])


def test_spacetrack_query_urls():
    routes = {
        "/basicspacedata/query/class/gp/NORAD_CAT_ID/45018/EPOCH/%3E2020-12-28%2000:00:00/orderby/"
        "NORAD_CAT_ID%20asc/format/json": httpx.Response(200, text="[]"),  # nothing newer
        "/basicspacedata/query/class/satcat/NORAD_CAT_ID/45018/orderby/NORAD_CAT_ID%20asc/format/json": json_route(),
    }
    client, server, _ = spacetrack(routes)
    r = client.gp([45018], epoch_since="2020-12-28T00:00:00Z")
    assert r.name == "spacetrack-gp-45018-since_2020-12-28_00_00_00.json" and r.is_empty
    assert client.satcat([45018]).name == "spacetrack-satcat-45018.json"
    with pytest.raises(ValueError):
        client.gp([45018], fmt="html")
    with pytest.raises(ValueError):
        client.gp([0])
    with pytest.raises(ValueError, match="at least one"):
        client.gp([])  # an empty list never turns into a whole-catalog query
    assert len(server.log) == 3


# -- CelesTrak ---------------------------------------------------------------------


class FakeCelesTrak:
    def __init__(self, routes: dict[str, httpx.Response]):
        self.routes = routes
        self.urls: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.urls.append(url)
        if request.method == "GET" and url in self.routes:
            return replay(self.routes[url])
        raise AssertionError(f"unexpected CelesTrak request {request.method} {url}")


STATIONS_TLE = f"{CT}?GROUP=stations&FORMAT=TLE"


def celestrak(routes, cache_dir, clock):
    server = FakeCelesTrak(routes)
    return CelesTrakClient(httpx.Client(transport=httpx.MockTransport(server)), cache_dir, clock=clock), server


def test_celestrak_two_hour_cache(tmp_path):
    body = recorded("celestrak_group_stations.tle")
    clock = FakeClock(1_600_000_000.0)  # wall-clock seconds
    client, server = celestrak({STATIONS_TLE: httpx.Response(200, content=body)}, tmp_path, clock)
    first = client.gp(group="stations", fmt="tle")
    assert (first.content, first.name, first.fmt, first.origin, first.from_cache) == (
        body, "celestrak-group-stations.tle", "tle", STATIONS_TLE, False)
    assert first.fetched_at_us == 1_600_000_000_000_000
    assert first.content.count(b"\n1 ") + first.content.startswith(b"1 ") == 69

    clock.advance(CACHE_TTL_S - 1.0)  # 1 h 59 min 59 s later
    again = client.gp(group="STATIONS", fmt="tle")  # same query, group names are case-blind
    assert len(server.urls) == 1
    assert (again.content, again.from_cache, again.fetched_at_us) == (body, True, first.fetched_at_us)

    other_process, other_server = celestrak({}, tmp_path, clock)  # the cache is on disk
    assert other_process.gp(group="stations", fmt="tle").from_cache
    assert other_server.urls == []

    clock.advance(1.0)  # exactly 2 h after the download
    fresh = client.gp(group="stations", fmt="tle")
    assert server.urls == [STATIONS_TLE, STATIONS_TLE]
    assert not fresh.from_cache and fresh.fetched_at_us == 1_600_007_200_000_000


def test_celestrak_json_by_catalog_number(tmp_path):
    url = f"{CT}?CATNR=45018&FORMAT=JSON"
    client, server = celestrak({url: httpx.Response(200, content=recorded("celestrak_catnr_45018.json"))},
                               tmp_path, FakeClock())
    r = client.gp(catnr=45018)
    assert r.name == "celestrak-catnr-45018.json" and r.origin == url
    assert json.loads(r.content)[0]["NORAD_CAT_ID"] == 45018
    assert client.query_url(intdes="2020-003", fmt="3le") == f"{CT}?INTDES=2020-003&FORMAT=3LE"
    assert client.query_url(name="ISS (ZARYA)", fmt="xml") == f"{CT}?NAME=ISS+%28ZARYA%29&FORMAT=XML"
    with pytest.raises(ValueError, match="exactly one"):
        client.gp(group="stations", catnr=25544)
    with pytest.raises(ValueError, match="format"):
        client.gp(group="stations", fmt="2le")


def test_celestrak_no_data_is_empty_result(tmp_path):
    url = f"{CT}?CATNR=99999&FORMAT=JSON"
    client, server = celestrak({url: httpx.Response(200, content=recorded("celestrak_no_gp_data.txt"))},
                               tmp_path, FakeClock())
    r = client.gp(catnr=99999)
    assert r.is_empty and r.content == b"" and not r.from_cache
    assert client.gp(catnr=99999).is_empty  # cached as well: CelesTrak counts it as a download
    assert len(server.urls) == 1


@pytest.mark.parametrize(
    ("answer", "text"),
    [
        (httpx.Response(403, text="Forbidden"), "HTTP 403"),
        (httpx.Response(404, text="Not Found"), "HTTP 404"),
        (httpx.Response(503, text="Service Unavailable"), "HTTP 503"),
        (httpx.Response(200, text='Invalid query: "GROUP=nosuchgroup"'), "Invalid query"),
    ],
)
def test_celestrak_errors_are_provider_errors_and_not_cached(tmp_path, answer, text):
    url = f"{CT}?GROUP=nosuchgroup&FORMAT=JSON"
    client, server = celestrak({url: answer}, tmp_path, FakeClock())
    for attempt in (1, 2):
        with pytest.raises(ProviderError) as info:
            client.gp(group="nosuchgroup")
        assert text in str(info.value) and url in str(info.value)
        assert len(server.urls) == attempt  # an error is never served from the cache


def test_celestrak_not_updated_answer_serves_cached_copy(tmp_path):
    body = recorded("celestrak_group_stations.tle")
    clock = FakeClock(1_600_000_000.0)
    notice = ("GP data has not updated since your last successful download of GROUP=stations at "
              "2020-09-13 12:26:40 UTC.\nData is updated once every 2 hours.")
    routes = {STATIONS_TLE: httpx.Response(200, content=body)}
    client, server = celestrak(routes, tmp_path, clock)
    client.gp(group="stations", fmt="tle")
    routes[STATIONS_TLE] = httpx.Response(403, text=notice)
    clock.advance(CACHE_TTL_S + 60.0)
    r = client.gp(group="stations", fmt="tle")
    assert r.content == body and r.from_cache and len(server.urls) == 2
    clock.advance(60.0)  # the notice renewed the cache: no request for another 2 h
    assert client.gp(group="stations", fmt="tle").from_cache and len(server.urls) == 2
    empty_cache, _ = celestrak(routes, tmp_path / "empty", clock)
    with pytest.raises(ProviderError, match="nothing is cached"):
        empty_cache.gp(group="stations", fmt="tle")


# -- drop folder ---------------------------------------------------------------------


def test_drop_folder_pending_done_rejected(tmp_path):
    tle = recorded("celestrak_group_stations.tle")
    (tmp_path / "a.tle").write_bytes(tle)
    (tmp_path / ".hidden.tle").write_bytes(tle)
    (tmp_path / "b.tle.part").write_bytes(tle[:100])
    growing = tmp_path / "c.json"
    growing.write_bytes(b"[")
    (tmp_path / "sub").mkdir()

    def sleep_while_writing(seconds):  # an upload still adds to c.json between the two looks
        with growing.open("ab") as f:
            f.write(b"{}")

    folder = DropFolder(tmp_path, settle_s=0.5, sleep=sleep_while_writing)
    assert folder.pending() == [tmp_path / "a.tle"]
    growing.write_bytes(recorded("celestrak_catnr_45018.json"))
    looks = []
    folder.sleep = looks.append
    assert set(folder.pending()) == {tmp_path / "a.tle", growing}
    assert looks == [0.5]

    done = folder.mark_done(tmp_path / "a.tle", ok=True)
    assert done == tmp_path / "done" / "a.tle" and done.read_bytes() == tle
    report = "c.json, line 3: field EPOCH: expected an ISO-8601 UTC time, found 'x'\n"
    rejected = folder.mark_done(growing, ok=False, report=report)
    assert rejected == tmp_path / "rejected" / "c.json"
    assert (tmp_path / "rejected" / "c.json.rejects.txt").read_text() == report
    assert folder.pending() == []  # done/ and rejected/ are not listed; hidden/partial files stay
    assert (tmp_path / ".hidden.tle").exists() and (tmp_path / "b.tle.part").exists()

    (tmp_path / "a.tle").write_bytes(b"second delivery")  # same name again: nothing is overwritten
    second = folder.mark_done(tmp_path / "a.tle", ok=True)
    assert second == tmp_path / "done" / "a.1.tle" and done.read_bytes() == tle
    with pytest.raises(ValueError):
        folder.mark_done(tmp_path / "done" / "a.tle", ok=True)


def test_drop_folder_missing(tmp_path):
    with pytest.raises(FileNotFoundError):
        DropFolder(tmp_path / "nowhere").pending()


# -- sda fetch ---------------------------------------------------------------------


def test_fetch_cli_celestrak_and_spacetrack(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from sda.interfaces.cli import fetch

    routes_ct = {STATIONS_TLE: httpx.Response(200, content=recorded("celestrak_group_stations.tle"))}
    clock = FakeClock()
    three_le = httpx.Response(200, content=recorded("spacetrack_gp_5_11_25544.3le"))
    st_server = FakeSpaceTrack(clock, {ST_GP_3LE: three_le})
    ct_server = FakeCelesTrak(routes_ct)

    def mock_client():
        def route(request):
            return (st_server if request.url.host == "www.space-track.org" else ct_server)(request)

        return httpx.Client(transport=httpx.MockTransport(route))

    monkeypatch.setattr(fetch, "_http_client", mock_client)
    monkeypatch.setenv("SPACETRACK_IDENTITY", FakeSpaceTrack.IDENTITY)
    monkeypatch.setenv("SPACETRACK_PASSWORD", FakeSpaceTrack.PASSWORD)
    db = f"sqlite:///{tmp_path / 'catalog.db'}"
    runner = CliRunner()
    args = ["celestrak", "--group", "stations", "--format", "tle", "--db", db, "--json",
            "--cache-dir", str(tmp_path / "cache")]
    out = runner.invoke(fetch.app, args)
    assert out.exit_code == 0, out.output
    report = json.loads(out.stdout)
    assert (report["source"], report["origin"], report["n_records"], report["n_new"], report["from_cache"]) == (
        "celestrak", STATIONS_TLE, 69, 69, False)
    again = json.loads(runner.invoke(fetch.app, args).stdout)
    assert again["from_cache"] and again["already_ingested"] and len(ct_server.urls) == 1

    out = runner.invoke(fetch.app, ["spacetrack", "--norad-id", "25544", "--norad-id", "5", "--norad-id", "11",
                                    "--format", "3le", "--db", db])
    assert out.exit_code == 0, out.output
    assert re.search(r"3 record\(s\), 3 new", out.stdout)
    assert st_server.paths() == ["POST /ajaxauth/login", f"GET {ST_GP_3LE}", "GET /ajaxauth/logout"]

    out = runner.invoke(fetch.app, ["spacetrack", "--norad-id", "5", "--format", "html", "--db", db])
    assert out.exit_code != 0 and "unknown format" in out.output

"""REST API under load: mixed reads by several partners over a catalog of over a million
labelled element sets, served by ``sda serve`` (uvicorn, two worker processes) on loopback.

The catalog: 42 variations (epoch earlier by k days, mean anomaly shifted) of each of the
bundled catalog's 23,939 element sets, 1,005,438 in all, written through the store's
bulk path in 42 batches under six markings (shared, owner-only, released to one partner,
licensed, ...). It is generated once and cached in ``$TMPDIR/sda-bench/``.

The load: five partners, each with its own API key, make a mix of reads (one object, its
newest elements as TLE, its history, a page of the catalog, a name search, conjunctions,
alerts) on objects each may see. Two runs of ``DURATION_S`` seconds each:

* closed loop, ``CONCURRENCY`` requests in flight: the most requests a second the server
  answers, with their latency;
* open loop at ``TARGET_RPS`` requests a second (the target): latency p50/p95/p99;
* each kind of read alone for ``ENDPOINT_S`` seconds, 2 in flight: the server CPU it costs.

Every answer other than 200 counts as an error. Reference measured in the same run:
``GET /api/v1/health`` (no database, no authentication) in a closed loop — the
framework's own ceiling on this machine.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from importlib import resources
from pathlib import Path
from urllib.parse import quote

import httpx
import numpy as np

from bench.common import REPO, report

N_VARIATIONS = 42
DURATION_S = float(os.environ.get("SDA_BENCH_API_SECONDS", "20"))
CONCURRENCY = 8
WORKERS = int(os.environ.get("SDA_BENCH_API_WORKERS", "2"))
TARGET_RPS = 200.0
ENDPOINT_S = min(3.0, DURATION_S)  # each kind of read alone, for its CPU cost
PARTNERS = ("KR-MND", "US-DOD", "KR-KASA", "US-NASA", "COMM-CELL")
CACHE = Path(tempfile.gettempdir()) / "sda-bench" / f"api-catalog-{N_VARIATIONS}.db"


def _markings():
    from sda.policy import Marking

    f = frozenset
    return [Marking(), Marking(owner="KR-MND", releasable_to=f({"US-DOD"})), Marking(owner="US-DOD",
            releasable_to=f({"US-DOD"})), Marking(owner="KR-KASA"), Marking(owner="COMM-CELL",
            caveats=("LICENSED:KR-MND+US-DOD",)), Marking(owner="US-NASA", releasable_to=f({"KR-KASA", "US-NASA"}))]


def build_catalog(path: Path) -> None:
    """Write the million-set catalog to ``path`` (SQLite) through :meth:`Store.write_batch`."""
    from sda.catalog.store import BatchInfo, Store
    from sda.core.times import US_PER_DAY
    from sda.ingest.tle import iter_tle

    raw = resources.files("sda.data").joinpath("spacetrack_full_catalog_3le_2022-01-22.txt.gz").read_bytes()
    base = list(iter_tle(gzip.decompress(raw).decode().splitlines()))
    markings = _markings()
    tmp = path.with_suffix(".partial")
    tmp.unlink(missing_ok=True)
    with Store(f"sqlite:///{tmp}") as store:
        for p in PARTNERS:
            store.create_partner(p)
        t0 = time.perf_counter()
        for k in range(N_VARIATIONS):
            m = markings[k % len(markings)]
            sets = [replace(es, epoch_us=es.epoch_us - k * US_PER_DAY, mean_anomaly_deg=(es.mean_anomaly_deg + 7.3 * k)
                            % 360.0, element_set_no=k, tle_line1=None, tle_line2=None) for es in base]
            store.write_batch(BatchInfo("bench", f"variation {k}", "TLE", "REAL", f"bench-variation-{k}",
                                        m.to_json()), sets)
            print(f"  catalog: {(k + 1) * len(base):,} element sets written ({time.perf_counter() - t0:.0f} s)",
                  flush=True)
    tmp.rename(path)


def _tree_cpu_s(pid: int) -> float:
    """CPU time (user + system, s) used so far by process ``pid`` and its children (Linux ``/proc``)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:  # fields[1]: parent pid
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _workload(store) -> tuple[dict[str, str], dict[str, list[int]], list[str]]:
    """API keys of a viewer of each partner, and the objects each may see."""
    from sda.catalog.queries import CatalogQuery

    keys, visible = {}, {}
    for p in PARTNERS:
        principal, keys[p] = store.create_api_key(p, "viewer", f"bench-{p.lower()}")
        visible[p] = [st.element_set.norad_id for st in store.latest(CatalogQuery(), principal=principal)]
    names = ["STARLINK*", "COSMOS 2*", "KOMPSAT*", "IRIDIUM*", "*DEB*", "GPS*"]
    return keys, visible, names


#: The mix of reads: (share of the requests, what, path of one for catalog number ``n``).
MIX = (
    (0.30, "one object", lambda n, rng, names: f"/api/v1/objects/{n}"),
    (0.20, "newest elements as TLE", lambda n, rng, names: f"/api/v1/objects/{n}/latest?format=tle"),
    (0.10, "history, 50 a page", lambda n, rng, names: f"/api/v1/objects/{n}/history?limit=50"),
    (0.15, "page of 100 objects", lambda n, rng, names: f"/api/v1/objects?limit=100&after={n}"),
    (0.10, "name search, 50 a page", lambda n, rng, names: f"/api/v1/objects?limit=50&name={quote(rng.choice(names))}"),
    (0.10, "conjunctions, 50 a page", lambda n, rng, names: "/api/v1/conjunctions?limit=50"),
    (0.05, "alerts, 50 a page", lambda n, rng, names: "/api/v1/alerts?limit=50"),
)


def _request(rng: random.Random, visible: list[int], names: list[str], kind: str | None = None) -> str:
    """The path of one request on an object of ``visible``: of ``kind`` (a :data:`MIX` entry), else drawn from the mix."""
    n = rng.choice(visible)
    if kind is not None:
        return next(path for _, k, path in MIX if k == kind)(n, rng, names)
    roll, acc = rng.random(), 0.0
    for share, _, path in MIX:
        acc += share
        if roll < acc:
            return path(n, rng, names)
    return MIX[-1][2](n, rng, names)


class _Connection:
    """A minimal HTTP/1.1 keep-alive client connection (GET only), far lighter on the CPU than a
    general client, so that the load generator leaves the server most of this machine."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def get(self, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n{head}\r\n".encode())
        raw = await self.reader.readuntil(b"\r\n\r\n")
        status = int(raw[9:12])
        fields = {k.strip().lower(): v.strip() for k, _, v in
                  (line.partition(b":") for line in raw.split(b"\r\n")[1:] if line)}
        if b"content-length" in fields:
            body = await self.reader.readexactly(int(fields[b"content-length"]))
        else:  # chunked
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                parts.append((await self.reader.readexactly(size + 2))[:-2])
            body = b"".join(parts)
        if fields.get(b"connection", b"").lower() == b"close":
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _load(port: int, plan, *, duration_s: float, concurrency: int | None = None,
                rate: float | None = None) -> tuple[np.ndarray, int, float, list[str]]:
    """Run requests from ``plan()`` (path, headers) for ``duration_s``: closed loop with
    ``concurrency`` in flight, or open loop at ``rate`` a second. Returns latencies (s),
    errors, elapsed time (s) and a few error samples."""
    latencies: list[float] = []
    errors: list[str] = []
    idle: list[_Connection] = []

    async def one() -> None:
        reused = bool(idle)
        conn = idle.pop() if idle else _Connection("127.0.0.1", port)
        path, headers = plan()
        t = time.perf_counter()
        try:
            try:
                status, body = await conn.get(path, headers)
            except (ConnectionError, asyncio.IncompleteReadError) as exc:
                if not reused or getattr(exc, "partial", b""):
                    raise
                # the server closed this keep-alive connection while it sat idle (after its
                # keep-alive timeout) and answered nothing: retry once on a new one, as HTTP clients do
                conn.close()
                status, body = await conn.get(path, headers)
            if status != 200:
                errors.append(f"{status} {path} {body[:120]!r}")
            idle.append(conn)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            errors.append(f"{type(exc).__name__} {path}")
            conn.close()
        latencies.append(time.perf_counter() - t)

    start = time.perf_counter()
    end = start + duration_s
    if concurrency is not None:
        async def worker() -> None:
            while time.perf_counter() < end:
                await one()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    else:
        tasks = []
        k = 0
        while True:
            due = start + k / rate
            if due >= end:
                break
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            tasks.append(asyncio.create_task(one()))
            k += 1
        await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    for conn in idle:
        conn.close()
    return np.array(latencies), len(errors), elapsed, errors[:5]


def run() -> list[dict]:
    from sda.catalog.store import Store

    CACHE.parent.mkdir(parents=True, exist_ok=True)
    if not CACHE.exists():
        print(f"  generating the benchmark catalog in {CACHE} (once)", flush=True)
        build_catalog(CACHE)
    url = f"sqlite:///{CACHE}"
    with Store(url) as store:
        n_sets = store.table_counts()["element_sets"]
        keys, visible, names = _workload(store)
    print(f"  catalog: {n_sets:,} element sets; objects visible per partner: "
          + ", ".join(f"{p} {len(v):,}" for p, v in visible.items()), flush=True)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "sda.interfaces.cli.main", "serve", "--db", url, "--port", str(port),
         "--log-level", "warning", "--rate-limit", "100000", "--burst", "100000", "--workers", str(WORKERS)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    results = []
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + "/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("sda serve did not start: " + (server.stderr.read().decode()[-2000:]
                                                                   if server.poll() is not None else "timeout"))
            time.sleep(0.2)
        rng = random.Random(20261123)
        partners = list(PARTNERS)

        def plan(kind: str | None = None):
            def one():
                p = partners[rng.randrange(len(partners))]
                return _request(rng, visible[p], names, kind), {"Authorization": f"Bearer {keys[p]}"}
            return one

        mixed = plan()

        ref_lat, ref_err, ref_s, _ = asyncio.run(_load(port, lambda: ("/api/v1/health", {}),
                                                       duration_s=min(5.0, DURATION_S), concurrency=CONCURRENCY))
        ref_rps = len(ref_lat) / ref_s
        results.append(report("GET /health closed loop (reference)", ref_rps, "requests/s"))
        cpu0 = _tree_cpu_s(server.pid)
        lat, err, secs, samples = asyncio.run(_load(port, mixed, duration_s=DURATION_S, concurrency=CONCURRENCY))
        cpu_ms = 1000 * (_tree_cpu_s(server.pid) - cpu0) / max(1, len(lat))
        rps = len(lat) / secs
        results.append(report(f"mixed partner reads, {CONCURRENCY} in flight", rps, "requests/s",
                              reference="GET /health", ref_value=ref_rps, target=">= 200 requests/s"))
        for q in (50, 95, 99):
            results.append(report(f"  latency p{q}, {CONCURRENCY} in flight", 1000 * float(np.percentile(lat, q)), "ms"))
        results.append(report(f"  errors, {CONCURRENCY} in flight", err, "requests", target="0"))
        results.append(report("  server CPU per request", cpu_ms, "ms"))
        results.append(report("  capacity of 2 cores at that CPU cost", 2000 / cpu_ms, "requests/s"))
        results.append(report("  machine load average (1 min) during the run", os.getloadavg()[0], "runnable"))
        cpu0 = _tree_cpu_s(server.pid)
        lat, err, secs, samples2 = asyncio.run(_load(port, mixed, duration_s=DURATION_S, rate=TARGET_RPS))
        cpu_ms = 1000 * (_tree_cpu_s(server.pid) - cpu0) / max(1, len(lat))
        results.append(report(f"mixed partner reads offered at {TARGET_RPS:.0f}/s", len(lat) / secs, "requests/s"))
        for q in (50, 95, 99):
            results.append(report(f"  latency p{q} at {TARGET_RPS:.0f}/s", 1000 * float(np.percentile(lat, q)), "ms",
                                  target="p95 < 100 ms" if q == 95 else None))
        results.append(report(f"  errors at {TARGET_RPS:.0f}/s", err, "requests", target="0"))
        results.append(report(f"  server CPU per request at {TARGET_RPS:.0f}/s", cpu_ms, "ms"))
        results.append(report("  machine load average (1 min) during the run", os.getloadavg()[0], "runnable"))
        for _, kind, _ in MIX:  # where the CPU goes: each kind of read alone, 2 in flight
            cpu0 = _tree_cpu_s(server.pid)
            lat, err, secs, samples3 = asyncio.run(_load(port, plan(kind), duration_s=ENDPOINT_S, concurrency=2))
            samples2 += samples3
            results.append(report(f"  {kind}: server CPU per request", 1000 * (_tree_cpu_s(server.pid) - cpu0)
                                  / max(1, len(lat)), "ms"))
            results.append(report(f"  {kind}: errors", err, "requests", target="0"))
        for s in samples + samples2:
            print("   error sample:", s)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    return results


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    run()

"""The live alert stream (server-sent events) over a real uvicorn server on loopback: an alert raised
while a partner is connected reaches it, and only partners entitled to it."""

from __future__ import annotations

import contextlib
import json
import queue
import socket
import threading
import time

import httpx
import uvicorn

from sda.policy import Marking
from tests.rest_support import alert_for, bundled_sets, conjunction_between, ingest_marked, make_api


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # runs in a thread
        pass


def _listen(url: str, key: str, out: queue.Queue, stop: threading.Event, last_id: int | None = None) -> None:
    """Put ``("connected", None)`` then ``("alert", data)`` for each event on ``out``, until the server closes."""
    with httpx.Client(timeout=httpx.Timeout(30.0)) as client, contextlib.suppress(httpx.TransportError):
        headers = {"Authorization": f"Bearer {key}"} | ({"Last-Event-ID": str(last_id)} if last_id is not None else {})
        with client.stream("GET", url, headers=headers) as r:
            out.put(("status", r.status_code))
            event = None
            for line in r.iter_lines():
                if stop.is_set():
                    return
                if line.startswith(": connected"):
                    out.put(("connected", None))
                elif line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and event == "alert":
                    out.put(("alert", json.loads(line.split(":", 1)[1])))


def _next(q: queue.Queue, kind: str, timeout_s: float):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            k, v = q.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            break
        if k == kind:
            return v
    raise AssertionError(f"no {kind} within {timeout_s} s")


def test_stream_delivers_new_alerts_only_to_entitled_partners(store_url):
    api = make_api(store_url, stream_poll_s=0.1)
    a, b = bundled_sets(2)
    ingest_marked(api.store, [a, b], Marking(), "two.tle")
    kr_only = Marking(owner="KR-MND", releasable_to=frozenset({"KR-MND"}))
    conj = conjunction_between(api.store, a.norad_id, b.norad_id, Marking())
    first = alert_for(api.store, conj, b.norad_id, "US-DOD", Marking())  # raised before anyone connects: not streamed
    port = _free_port()
    server = _Server(uvicorn.Config(api.client.app, host="127.0.0.1", port=port, log_level="warning",
                                    timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    stop = threading.Event()
    try:
        while not server.started:
            time.sleep(0.02)
        url = f"http://127.0.0.1:{port}/api/v1/alerts/stream"
        queues = {p: queue.Queue() for p in ("KR-MND", "US-DOD")}
        for p, q in queues.items():
            threading.Thread(target=_listen, args=(url, api.keys[(p, "viewer")], q, stop), daemon=True).start()
        for q in queues.values():
            assert _next(q, "status", 10) == 200
            _next(q, "connected", 10)
        secret = alert_for(api.store, conj, a.norad_id, "KR-MND", kr_only)
        shared = alert_for(api.store, conj, a.norad_id, "KR-KASA", Marking())
        t0 = time.monotonic()
        got_kr = [_next(queues["KR-MND"], "alert", 10)["id"], _next(queues["KR-MND"], "alert", 10)["id"]]
        latency_s = time.monotonic() - t0
        assert got_kr == [secret.id, shared.id] and latency_s < 5.0
        assert _next(queues["US-DOD"], "alert", 10)["id"] == shared.id
        time.sleep(0.5)  # several polls later, still nothing else for US-DOD
        assert all(k != "alert" for k, _ in list(queues["US-DOD"].queue))
        resumed = queue.Queue()  # a client reconnecting after the first alert gets what it missed, in order
        threading.Thread(target=_listen, args=(url, api.keys[("KR-MND", "viewer")], resumed, stop, first.id),
                         daemon=True).start()
        assert [_next(resumed, "alert", 10)["id"] for _ in range(2)] == [secret.id, shared.id]
        bad = httpx.get(url, headers={"Authorization": "Bearer sda_wrong"}, timeout=10)
        assert bad.status_code == 401 and bad.headers["content-type"] == "application/problem+json"
    finally:
        stop.set()
        server.should_exit = True
        thread.join(timeout=10)
        api.store.close()
    assert not thread.is_alive()

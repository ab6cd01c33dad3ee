"""The live alert stream: server-sent events of new alerts a principal may see.

The stream polls the store every ``poll_s`` seconds for alerts newer than the last one
sent (so alerts raised by any process writing to the same catalog appear), passes them
through the egress check, and sends each as an ``alert`` event whose ``id`` is the
alert's id; a client reconnecting with ``Last-Event-ID`` gets what it missed. A
comment line is sent on connection and every ``heartbeat_s`` seconds to keep proxies
from closing an idle stream.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import AsyncIterator, Callable

from starlette.concurrency import run_in_threadpool

from sda.policy import Principal

__all__ = ["alert_events"]


def _event(alert_dict: dict) -> str:
    return f"id: {alert_dict['id']}\nevent: alert\ndata: {json.dumps(alert_dict, separators=(',', ':'))}\n\n"


async def alert_events(
    fetch_after: Callable[[int], tuple[int, list[dict]]],
    principal: Principal,
    *,
    last_id: int,
    is_disconnected: Callable,
    poll_s: float = 0.5,
    heartbeat_s: float = 15.0,
) -> AsyncIterator[str]:
    """SSE text chunks: alerts with id above ``last_id``, as they appear.

    ``fetch_after(last_id)`` runs in a worker thread and returns the highest alert id it
    read and the public mappings (with ``id``) of the alerts newer than ``last_id`` that
    ``principal`` may see, oldest first, already through the egress check and audited.
    """
    yield f"retry: 3000\n: connected as {principal.name} ({principal.partner})\n\n"
    beat = time.monotonic()
    while not await is_disconnected():
        read_to, new = await run_in_threadpool(fetch_after, last_id)
        for d in new:
            yield _event(d)
        last_id = max(last_id, read_to)
        if time.monotonic() - beat >= heartbeat_s:
            beat = time.monotonic()
            yield ": keep-alive\n\n"
        await asyncio.sleep(poll_s)

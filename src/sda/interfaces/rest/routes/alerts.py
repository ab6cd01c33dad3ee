"""Owners' alerts: the list, and the live stream (server-sent events)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from sda.interfaces.rest.deps import (LimitQuery, ModesDep, OffsetQuery, PrincipalDep, StoreDep, audit_read,
                                      next_url, utc_query, visible)
from sda.interfaces.rest.schemas import AlertOut, Page, alert_dict, page_response
from sda.interfaces.rest.stream import alert_events

router = APIRouter(tags=["alerts"])

#: Most alerts the stream reads from the catalog at one poll (the rest follow at the next).
STREAM_BATCH = 500


@router.get("/alerts", response_model=Page[AlertOut], summary="Alerts, newest first")
async def list_alerts(
    request: Request, principal: PrincipalDep, store: StoreDep, modes: ModesDep,
    since: Annotated[str | None, Query(max_length=40, description="Raised at or after (ISO-8601 UTC).")] = None,
    limit: LimitQuery = 100, offset: OffsetQuery = 0,
):
    # One row beyond the page says whether there is a next one.
    rows = store.alerts(since_us=utc_query("since", since), principal=principal, data_modes=modes,
                        limit=offset + limit + 1)
    page = visible(principal, rows[offset:offset + limit], modes)
    audit_read(store, request, principal, page, f"alerts {request.url.query}".strip())
    return page_response([alert_dict(a) for a in page], next_url(request, len(rows) > offset + limit,
                                                              offset=offset + limit))


@router.get("/alerts/stream", summary="New alerts as they are raised (server-sent events)",
            response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}},
                             "description": "`event: alert`, `id:` the alert id, `data:` the alert as JSON "
                                            "(the schema of /alerts items)."}})
async def stream_alerts(
    request: Request, principal: PrincipalDep, store: StoreDep, modes: ModesDep,
    last_event_id: Annotated[int | None, Header(ge=0, le=2**62, description="Resume after this alert id.")] = None,
):
    """Alerts the caller may see, raised after it connected (or after `Last-Event-ID`)."""

    def after(last_id: int) -> tuple[int, list[dict]]:
        rows = store.alerts_after(last_id, principal=principal, data_modes=modes, limit=STREAM_BATCH)
        new = visible(principal, rows, modes)
        for a in new:
            audit_read(store, request, principal, [a], f"alert {a.id} (stream)")
        return (rows[-1].id if rows else last_id), [alert_dict(a) for a in new]

    if last_event_id is None:
        last_event_id = await run_in_threadpool(store.last_alert_id)
    events = alert_events(after, principal, last_id=last_event_id, is_disconnected=request.is_disconnected,
                          poll_s=request.app.state.stream_poll_s)
    return StreamingResponse(events, media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

"""Warnings: what SDA's detectors found (maneuvers, proximity, breakups, overflights, re-entries)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from sda.interfaces.rest.deps import (LimitQuery, ModesDep, OffsetQuery, PrincipalDep, StoreDep, audit_read,
                                      next_url, utc_query, visible)
from sda.interfaces.rest.schemas import Page, WarningOut, page_response, warning_dict

router = APIRouter(tags=["warnings"])


@router.get("/warnings", response_model=Page[WarningOut], summary="Warnings, newest event first")
async def list_warnings(
    request: Request, principal: PrincipalDep, store: StoreDep, modes: ModesDep,
    kind: Annotated[Literal["MANEUVER", "PROXIMITY", "BREAKUP", "OVERFLIGHT", "REENTRY"] | None, Query()] = None,
    norad_id: Annotated[int | None, Query(ge=1, le=999_999_999)] = None,
    since: Annotated[str | None, Query(max_length=40, description="Event at or after (ISO-8601 UTC).")] = None,
    limit: LimitQuery = 100, offset: OffsetQuery = 0,
):
    # One row beyond the page says whether there is a next one.
    rows = store.warnings(kind, norad_id, utc_query("since", since), data_modes=modes, principal=principal,
                          limit=offset + limit + 1)
    page = visible(principal, rows[offset:offset + limit], modes)
    audit_read(store, request, principal, page, f"warnings {request.url.query}".strip())
    return page_response([warning_dict(w) for w in page], next_url(request, len(rows) > offset + limit,
                                                                offset=offset + limit))

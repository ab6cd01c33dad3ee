"""Conjunctions (screened by SDA or received as CDMs) and their CCSDS CDMs."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from sda.ingest.cdm import write_cdm_kvn, write_cdm_xml
from sda.interfaces.rest.deps import (LimitQuery, ModesDep, OffsetQuery, PrincipalDep, StoreDep, audit_read,
                                      next_url, not_found, utc_query, visible)
from sda.interfaces.rest.problems import Problem
from sda.interfaces.rest.schemas import ConjunctionOut, JSONAnswer, Page, conjunction_dict, page_response
from sda.products.cdm import cdm_of_stored

router = APIRouter(tags=["conjunctions"])

ConjunctionId = Annotated[int, Path(ge=1, le=2**62, description="Conjunction id.")]


@router.get("/conjunctions", response_model=Page[ConjunctionOut], summary="Conjunctions, by TCA")
async def list_conjunctions(
    request: Request, principal: PrincipalDep, store: StoreDep, modes: ModesDep,
    norad_id: Annotated[int | None, Query(ge=1, le=999_999_999, description="Either object.")] = None,
    min_pc: Annotated[float | None, Query(ge=0, le=1, description="Probability of collision at least this.")] = None,
    max_miss_km: Annotated[float | None, Query(ge=0, le=1e6, description="Miss distance at most this (km).")] = None,
    tca_from: Annotated[str | None, Query(max_length=40, description="TCA at or after (ISO-8601 UTC, e.g. "
                                                                     "2022-01-22T00:00:00Z).")] = None,
    tca_to: Annotated[str | None, Query(max_length=40, description="TCA at or before (ISO-8601 UTC).")] = None,
    limit: LimitQuery = 100, offset: OffsetQuery = 0,
):
    rows = store.conjunctions(norad_id, min_pc, max_miss_km, utc_query("tca_from", tca_from),
                              utc_query("tca_to", tca_to), limit=offset + limit + 1, data_modes=modes,
                              principal=principal)
    more = len(rows) > offset + limit
    page = visible(principal, rows[offset:offset + limit], modes)
    audit_read(store, request, principal, page, f"conjunctions {request.url.query}".strip())
    return page_response([conjunction_dict(c) for c in page], next_url(request, more, offset=offset + limit))


def _conjunction(store, principal, conjunction_id: int, modes):
    sc = store.get_conjunction(conjunction_id, principal=principal)
    found = visible(principal, [sc] if sc is not None else [], modes)
    if not found:
        raise not_found("conjunction", conjunction_id)
    return found[0]


@router.get("/conjunctions/{conjunction_id}", response_model=ConjunctionOut, summary="One conjunction")
async def get_conjunction(request: Request, principal: PrincipalDep, store: StoreDep, modes: ModesDep,
                          conjunction_id: ConjunctionId):
    sc = _conjunction(store, principal, conjunction_id, modes)
    audit_read(store, request, principal, [sc], f"conjunction {conjunction_id}")
    return JSONAnswer(conjunction_dict(sc))


@router.get("/conjunctions/{conjunction_id}/cdm", summary="The conjunction's CCSDS CDM (KVN or XML)",
            response_class=Response,
            responses={200: {"content": {"text/plain": {}, "application/xml": {}}}})
async def get_cdm(request: Request, principal: PrincipalDep, store: StoreDep, modes: ModesDep,
                  conjunction_id: ConjunctionId,
                  fmt: Annotated[Literal["kvn", "xml"] | None, Query(alias="format",
                                                                     description="kvn (default) or xml")] = None):
    """The CDM as received for a conjunction ingested from one; SDA's own CDM for a screened one."""
    sc = _conjunction(store, principal, conjunction_id, modes)
    if fmt is None:
        fmt = "xml" if "xml" in request.headers.get("accept", "") else "kvn"
    name = f"conjunction-{conjunction_id}.cdm.{'xml' if fmt == 'xml' else 'kvn'}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    received = store.conjunction_cdm(conjunction_id, principal=principal) if fmt == "kvn" and sc.has_cdm else None
    if received is not None:
        body, media = received, "text/plain; charset=utf-8"
    else:
        try:
            cdm = cdm_of_stored(store, sc)
        except ValueError as exc:
            raise Problem("internal", f"the stored CDM of conjunction {conjunction_id} no longer reads: {exc}") from None
        body, media = ((write_cdm_xml(cdm), "application/xml") if fmt == "xml"
                       else (write_cdm_kvn(cdm), "text/plain; charset=utf-8"))
    audit_read(store, request, principal, [sc], f"conjunction {conjunction_id} cdm")
    return Response(body, media_type=media, headers=disposition)

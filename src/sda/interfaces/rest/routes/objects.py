"""Catalog objects, their newest element sets and their history, in every element-set format."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from sda.catalog.queries import CatalogQuery
from sda.interfaces.rest.deps import (LimitQuery, ModesDep, OffsetQuery, PrincipalDep, StoreDep, audit_read,
                                      choose_format, next_url, not_found, visible)
from sda.interfaces.rest.problems import Problem
from sda.interfaces.rest.schemas import (ElementSetOut, JSONAnswer, ObjectOut, Page, element_set_dict, object_dict,
                                         page_response)
from sda.products.formats import FORMATS, write_element_sets

router = APIRouter(tags=["catalog"])

Format = Literal[FORMATS]  # type: ignore[valid-type]
FormatQuery = Annotated[Format | None, Query(
    alias="format", description="Element-set format (default json; or from the Accept header: text/plain → tle, "
                                "text/csv → csv, application/xml → omm-xml).")]
NoradId = Annotated[int, Path(ge=1, le=999_999_999, description="Catalog (NORAD) number.")]

_TEXT_RESPONSES = {200: {"content": {"text/plain": {}, "text/csv": {}, "application/xml": {}}}}


def _formatted(stored, fmt: str, *, headers: dict[str, str] | None = None) -> Response:
    try:
        body, media = write_element_sets(stored, fmt)
    except ValueError as exc:  # values a TLE cannot hold
        raise Problem("not_acceptable", f"cannot write these element sets as {fmt}: {exc}") from None
    return Response(body, media_type=media, headers=headers)


@router.get("/objects", response_model=Page[ObjectOut], responses=_TEXT_RESPONSES,
            summary="Catalog objects with their newest element set, by catalog number")
async def list_objects(
    request: Request, principal: PrincipalDep, store: StoreDep, modes: ModesDep,
    object_type: Annotated[list[Literal["PAYLOAD", "ROCKET BODY", "DEBRIS", "UNKNOWN"]] | None,
                           Query(alias="type", description="Object type (repeatable).")] = None,
    regime: Annotated[list[Literal["LEO", "MEO", "GEO", "HEO", "OTHER"]] | None,
                      Query(description="Orbit regime (repeatable).")] = None,
    name: Annotated[str | None, Query(max_length=80, description="Name contains this text (* and ? wildcards).")] = None,
    intl: Annotated[str | None, Query(max_length=16, pattern=r"^[0-9A-Za-z-]*$",
                                      description="International designator prefix, e.g. 1999-025.")] = None,
    max_age_days: Annotated[float | None, Query(ge=0, le=1e6, description="Newest element set at most this many "
                                                                           "days old.")] = None,
    limit: LimitQuery = 100,
    after: Annotated[int | None, Query(ge=0, le=999_999_999, description="Only catalog numbers above this "
                                                                        "(follow `next` to page).")] = None,
    fmt: FormatQuery = None,
):
    """A page of objects by catalog number; with a `format` other than json, the page's newest element
    sets in that format (the next page in the `Link` header)."""
    chosen = choose_format(request, fmt, FORMATS)
    q = CatalogQuery(object_types=tuple(object_type) if object_type else None,
                     regimes=tuple(regime) if regime else None, name=name or None, intl_designator=intl or None,
                     max_epoch_age_days=max_age_days, data_modes=modes, limit=limit + 1, after_norad_id=after)
    objs = store.objects(q, principal=principal)
    more = len(objs) > limit
    objs = visible(principal, objs[:limit], modes)
    audit_read(store, request, principal, objs, f"objects {request.url.query}".strip())
    nxt = next_url(request, more, after=objs[-1].norad_id) if objs else None
    if chosen != "json":
        return _formatted([o.latest for o in objs], chosen,
                          headers={"Link": f'<{nxt}>; rel="next"'} if nxt else None)
    return page_response([object_dict(o) for o in objs], nxt)


def _object(store, principal, norad_id: int, modes):
    obj = store.get_object(norad_id, modes, principal=principal)
    objs = visible(principal, [obj] if obj is not None else [], modes)
    if not objs:
        raise not_found("object", norad_id)
    return objs[0]


@router.get("/objects/{norad_id}", response_model=ObjectOut, summary="One object and its newest element set")
async def get_object(request: Request, principal: PrincipalDep, store: StoreDep, modes: ModesDep, norad_id: NoradId):
    """404 (the same answer) for an object that does not exist and for one the caller may not see."""
    obj = _object(store, principal, norad_id, modes)
    audit_read(store, request, principal, [obj], f"object {norad_id}")
    return JSONAnswer(object_dict(obj))


@router.get("/objects/{norad_id}/latest", response_model=ElementSetOut, responses=_TEXT_RESPONSES,
            summary="The newest element set of one object")
async def latest(request: Request, principal: PrincipalDep, store: StoreDep, modes: ModesDep, norad_id: NoradId,
                 fmt: FormatQuery = None):
    chosen = choose_format(request, fmt, FORMATS)
    obj = _object(store, principal, norad_id, modes)
    audit_read(store, request, principal, [obj], f"object {norad_id} latest")
    if chosen != "json":
        return _formatted([obj.latest], chosen)
    return JSONAnswer(element_set_dict(obj.latest))


@router.get("/objects/{norad_id}/history", response_model=Page[ElementSetOut], responses=_TEXT_RESPONSES,
            summary="Every element set of one object, oldest epoch first")
async def history(request: Request, principal: PrincipalDep, store: StoreDep, modes: ModesDep, norad_id: NoradId,
                  limit: LimitQuery = 100, offset: OffsetQuery = 0, fmt: FormatQuery = None):
    chosen = choose_format(request, fmt, FORMATS)
    sets = visible(principal, store.history(norad_id, modes, principal=principal, limit=limit + 1, offset=offset),
                   modes)
    if not sets and (offset == 0 or not store.history(norad_id, modes, principal=principal, limit=1)):
        raise not_found("object", norad_id)  # a page past the end of a visible history is empty, not absent
    page = sets[:limit]
    nxt = next_url(request, len(sets) > limit, offset=offset + limit)
    audit_read(store, request, principal, page, f"object {norad_id} history")
    if chosen != "json":
        return _formatted(page, chosen, headers={"Link": f'<{nxt}>; rel="next"'} if nxt else None)
    return page_response([element_set_dict(st) for st in page], nxt)

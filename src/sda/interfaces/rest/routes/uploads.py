"""Uploads: a partner submits a file (TLE/3LE, OMM, OEM, OPM or CDM) under its own marking.

The body is the file itself (any content type; gzip allowed). The records are owned
by the uploader's partner, releasable to the partners named in ``releasable_to``
(default: the owner alone) and in data mode ``mode``. The same validation and
all-or-nothing rule as ``sda ingest`` apply; uploading the same content again
changes nothing and answers with the first upload's batch (``already_ingested``).
The store audits the write as the uploader's, from the client's address.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from sda.errors import IngestError
from sda.ingest.pipeline import ingest_bytes
from sda.interfaces.rest.deps import PrincipalDep, StoreDep, client_origin
from sda.interfaces.rest.problems import Problem
from sda.interfaces.rest.schemas import UploadOut
from sda.policy import MODES, Marking, may_write
from sda.policy.markings import licence_caveat, parse_partner_list

router = APIRouter(tags=["uploads"])

_BODY = {"requestBody": {"required": True, "description": "The file's bytes (gzip allowed).",
                         "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}


def _marking(principal, releasable_to: str | None, mode: str, licensed_to: str | None) -> Marking:
    try:
        rel = parse_partner_list(releasable_to) if releasable_to else frozenset({principal.partner})
        caveats = (licence_caveat(parse_partner_list(licensed_to)),) if licensed_to else ()
        return Marking(owner=principal.partner, releasable_to=rel, mode=mode.upper(), caveats=caveats)
    except ValueError as exc:
        raise Problem("validation", f"marking: {exc}") from None


@router.post("/uploads", response_model=UploadOut, status_code=201, openapi_extra=_BODY,
             summary="Submit a file of element sets, ephemerides or CDMs under your partner's marking",
             responses={200: {"model": UploadOut, "description": "The same content was uploaded before; "
                                                                 "nothing changed."}})
async def upload(
    request: Request, principal: PrincipalDep, store: StoreDep,
    filename: Annotated[str, Query(min_length=1, max_length=200, pattern=r"^[^/\\\x00-\x1f]+$",
                                   description="The file's name (its extension helps detect the format).")],
    releasable_to: Annotated[str | None, Query(max_length=400, description="Partners it may be released to, "
                                               "comma-separated, or ALL (default: your partner only).")] = None,
    mode: Annotated[str, Query(max_length=16, description=f"Data mode: {', '.join(MODES)}.")] = "REAL",
    licensed_to: Annotated[str | None, Query(max_length=400, description="Commercial licence: only these "
                                             "partners may see it, whatever releasable_to says.")] = None,
):
    marking = _marking(principal, releasable_to, mode, licensed_to)
    if not may_write(principal, marking):
        raise Problem("forbidden", f"role {principal.role!r} may not upload data; a provider or admin key may")
    data = await request.body()
    if not data:
        raise Problem("validation", "the request body is empty: send the file's bytes")
    try:
        report = await run_in_threadpool(
            ingest_bytes, store, data, name=filename, origin=f"upload {filename} by {principal.name}",
            source=principal.partner, mode=marking.mode, marking=marking.to_json(), principal=principal,
            client=client_origin(request))
    except IngestError as exc:
        errors = [e.as_dict() for e in getattr(exc, "errors", None) or []]
        raise Problem("invalid_upload", str(exc), errors=errors) from None
    d = report.as_dict()
    body = {k: d[k] for k in ("file", "format", "data_mode", "n_records", "n_new", "n_duplicate", "batch_id",
                              "n_alerts", "already_ingested")}
    body["marking"] = marking.as_dict()
    return JSONResponse(UploadOut(**body).model_dump(), status_code=200 if report.already_ingested else 201)

"""Errors as RFC 9457 problem details (``application/problem+json``) with stable codes.

Every error the API returns has the members ``type`` (``urn:sda:problem:<code>``),
``title``, ``status``, ``detail``, ``instance`` (the request path) and ``code``, one
of :data:`CODES`; a validation problem adds ``errors`` (where and what). Clients
should branch on ``code``, which never changes meaning; ``detail`` is for people.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

__all__ = ["CODES", "PROBLEM_MEDIA_TYPE", "Problem", "problem_response", "problem_responses", "install_handlers"]

log = logging.getLogger("sda.rest")

PROBLEM_MEDIA_TYPE = "application/problem+json"

#: code -> (HTTP status, title). Stable: clients may rely on them.
CODES: dict[str, tuple[int, str]] = {
    "bad_request": (400, "Bad request"),
    "unauthorized": (401, "Authentication required"),
    "forbidden": (403, "Not allowed"),
    "not_found": (404, "Not found"),
    "method_not_allowed": (405, "Method not allowed"),
    "not_acceptable": (406, "No acceptable representation"),
    "payload_too_large": (413, "Request body too large"),
    "unsupported_media_type": (415, "Unsupported media type"),
    "validation": (422, "Invalid request"),
    "invalid_upload": (422, "Upload rejected"),
    "rate_limited": (429, "Too many requests"),
    "internal": (500, "Internal error"),
    "unavailable": (503, "Service unavailable"),
}
_CODE_OF_STATUS = {status: code for code, (status, _) in CODES.items() if code not in ("invalid_upload",)}


class Problem(Exception):
    """An error to answer with a problem document: ``code`` from :data:`CODES`, a
    human ``detail``, extra members (``extra``) and headers (e.g. ``Retry-After``)."""

    def __init__(self, code: str, detail: str, *, headers: dict[str, str] | None = None, **extra: Any):
        if code not in CODES:
            raise ValueError(f"unknown problem code {code!r}")
        super().__init__(detail)
        self.code, self.detail, self.headers, self.extra = code, detail, headers or {}, extra


def problem_response(code: str, detail: str, instance: str, *, headers: dict[str, str] | None = None,
                     **extra: Any) -> JSONResponse:
    """The ``application/problem+json`` response of a problem."""
    status, title = CODES[code]
    body = {"type": f"urn:sda:problem:{code}", "title": title, "status": status, "detail": detail,
            "instance": instance, "code": code, **extra}
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def _validation_errors(exc: RequestValidationError) -> list[dict]:
    out = []
    for e in exc.errors():
        out.append({"loc": [str(x) for x in e.get("loc", ())], "msg": str(e.get("msg", "")),
                    "type": str(e.get("type", ""))})
    return out


def install_handlers(app: FastAPI) -> None:
    """Answer every error, including unexpected ones (logged), with a problem document."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem):
        return problem_response(exc.code, exc.detail, request.url.path, headers=exc.headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = _validation_errors(exc)
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        return problem_response("validation", f"{'.'.join(first['loc'])}: {first['msg']}", request.url.path,
                                errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        code = _CODE_OF_STATUS.get(exc.status_code, "bad_request" if exc.status_code < 500 else "internal")
        detail = exc.detail if isinstance(exc.detail, str) else CODES[code][1]
        return problem_response(code, detail, request.url.path, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem_response("internal", "the server could not answer this request; it has been logged",
                                request.url.path)


def problem_responses(*statuses: int) -> dict:
    """OpenAPI ``responses`` entries documenting problem documents for these statuses."""
    titles: dict[int, str] = {}
    for status, title in CODES.values():
        titles.setdefault(status, title)
    schema = {"type": "object", "required": ["type", "title", "status", "detail", "instance", "code"],
              "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                             "detail": {"type": "string"}, "instance": {"type": "string"},
                             "code": {"type": "string", "enum": list(CODES)}},
              "additionalProperties": True}
    return {s: {"description": titles.get(s, "Error"), "content": {PROBLEM_MEDIA_TYPE: {"schema": schema}}}
            for s in statuses}

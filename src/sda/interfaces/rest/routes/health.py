"""``GET /health``: whether the service is up (no authentication)."""

from __future__ import annotations

from fastapi import APIRouter

from sda import __version__
from sda.interfaces.rest.deps import StoreDep
from sda.interfaces.rest.schemas import HealthOut

router = APIRouter(tags=["service"])


@router.get("/health", response_model=HealthOut, summary="Service status (no authentication)")
def health(store: StoreDep) -> dict:
    return {"status": "ok", "version": __version__, "database": store.dialect}

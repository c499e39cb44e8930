"""The resident portal under /portal: one router for app.py to include."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from . import links, login, manage, prove

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = {"portal.js": "text/javascript", "portal.css": "text/css"}

router = APIRouter(prefix="/portal", tags=["portal"], include_in_schema=False)
router.include_router(login.router)
router.include_router(manage.router)
router.include_router(prove.router)
router.include_router(links.router)


@router.get("/static/{name}")
def asset(name: str) -> FileResponse:
    """The portal's own script and style (the shared look comes from /static/map.css)."""
    if name not in ASSETS:
        raise HTTPException(404)
    return FileResponse(
        STATIC / name, media_type=ASSETS[name], headers={"Cache-Control": "public, max-age=300"}
    )

"""`/basemap.pmtiles`: the base map, served from our own origin with HTTP range requests
(the page's PMTiles reader fetches only the byte ranges of the tiles it draws)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse

from gis_outage.config import Settings

router = APIRouter(tags=["public"])
MEDIA_TYPE = "application/vnd.pmtiles"


@router.get(
    "/basemap.pmtiles",
    response_class=FileResponse,
    responses={
        200: {"content": {MEDIA_TYPE: {}}, "description": "The whole file"},
        206: {"content": {MEDIA_TYPE: {}}, "description": "The byte range asked for"},
        404: {"description": "No base map has been built"},
    },
)
def basemap(request: Request) -> FileResponse:
    """The PMTiles base map; `Range: bytes=a-b` answers 206 with those bytes."""
    settings: Settings = request.app.state.settings
    path = settings.basemap_file
    if not path.is_file():
        raise HTTPException(404, "no base map: run gis-outage build-basemap EXTRACT.osm.pbf")
    return FileResponse(
        path,
        media_type=MEDIA_TYPE,
        headers={"Cache-Control": f"public, max-age={settings.map.static_max_age}"},
    )

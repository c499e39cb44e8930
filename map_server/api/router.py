"""The engineer API (/api/v1): trace, then draft, publish, update, resolve or cancel outages.

Each route is a thin adapter over `gis_outage.services.outages`: it checks the body
and the token's role, calls the service function and turns its answer or error into
HTTP.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from shapely.geometry import mapping

from gis_outage import critical
from gis_outage.model import OutageStatus, Role, Service
from gis_outage.services import outages
from gis_outage.services.context import Context
from gis_outage.services.outages import FieldError, Trace
from gis_outage.spreadsheet import cell
from gis_outage.storage.addresses import find_streets
from gis_outage.storage.errors import ConflictError, NotFound
from gis_outage.storage.outage_records import Outage
from gis_outage.storage.reports import DELIVERY_ROW_FIELDS
from gis_outage.storage.users import User

from . import examples
from .auth import require
from .schemas import (
    Me,
    OutageCreate,
    OutageId,
    OutageUpdate,
    StatusChange,
    TraceRequest,
    TraceResponse,
)

# Answers every operation may give besides its own (documented for clients and for
# schemathesis, which checks that each status code and body is declared).
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "The body is not valid JSON"},
    401: {"description": "No API token, or one that is not valid"},
    403: {"description": "The token's role may not do this"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such outage"}}
CHANGE = NOT_FOUND | {
    409: {"description": "The outage's state does not allow this, or it changed meanwhile"}
}
NO_NETWORK: dict[int | str, dict[str, Any]] = {
    404: {"description": "No network is stored for the service"}
}

router = APIRouter(tags=["engineer"], responses=ERRORS)
viewer = Depends(require(Role.VIEWER))
engineer = Depends(require(Role.ENGINEER))
admin = Depends(require(Role.ADMIN))


def _ctx(request: Request) -> Context:
    return request.app.state.ctx


def _unprocessable(field: str | None, message: str) -> HTTPException:
    # The same shape as FastAPI's own validation errors, so clients parse one format.
    loc = ["body", *field.split(".")] if field else ["body"]
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        [{"loc": loc, "msg": message, "type": "value_error"}],
    )


def _guard(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Service errors as HTTP answers: 404 unknown, 409 conflict, 422 bad value."""
    try:
        return call(*args, **kwargs)
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except ConflictError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    except FieldError as exc:  # a TraceError too
        raise _unprocessable(exc.field, str(exc)) from None
    except ValueError as exc:
        raise _unprocessable(None, str(exc)) from None


def _trace_response(traced: Trace, user: User) -> TraceResponse:
    area = traced.area.polygon
    return TraceResponse(
        service=traced.service,
        network_version=traced.network_version,
        critical_customers=traced.critical if user.role in critical.MAY_SEE else [],
        **traced.result.to_json(),
        streets=traced.area.streets,
        public_area=mapping(area) if area is not None else None,
        warnings=[str(w) for w in traced.warnings],
    )


@router.get("/me", response_model=Me, summary="Who the token belongs to")
def me(user: User = viewer) -> Me:
    """The token's user and role: the console asks this when you log in.

    Example: `curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8000/api/v1/me`
    """
    return Me(name=user.name, role=user.role.value)


@router.get("/streets", summary="Street names for picking an outage area")
def streets(
    request: Request,
    q: str = Query(min_length=2, max_length=100, description="the start of a street name",
                   examples=["Mannerh"]),
    user: User = viewer,
) -> dict[str, list[str]]:
    """Streets of the address register starting with `q`, in either language
    (`Mannerheimv` finds Mannerheimvägen). Pass them as `selection.streets`."""
    return {"streets": find_streets(_ctx(request).db, prefix=q, limit=20)}


@router.post(
    "/trace", response_model=TraceResponse, summary="Trace a fault, operation or area",
    responses=NO_NETWORK,
)
def trace(
    request: Request,
    body: TraceRequest = Body(openapi_examples=examples.TRACE),
    user: User = viewer,
) -> TraceResponse:
    """What a selection cuts off on the stored network of the service: the devices to
    operate, the links, service points and addresses, customers, street names and the
    public area. Nothing is stored; draft an outage with the same selection."""
    traced = _guard(outages.trace, _ctx(request), body.service, body.selection())
    return _trace_response(traced, user)


def _json(outage: Outage, stats: dict | None = None) -> dict[str, Any]:
    """The outage record as the API's JSON: its columns, times in ISO 8601, the area
    as GeoJSON."""
    out = {
        k: (v.isoformat() if isinstance(v, datetime) else v)
        for k, v in outage.as_dict().items()
        if k != "public_area"
    }
    area = outage.public_area
    out["public_area"] = mapping(area) if area is not None else None
    if stats is not None:
        out["deliveries"] = stats
    return out


def _changed(request: Request) -> None:
    """Public views re-read the outages now instead of within their check interval."""
    snapshots = getattr(request.app.state, "snapshots", None)
    if snapshots is not None:
        snapshots.invalidate()


@router.post(
    "/outages", status_code=status.HTTP_201_CREATED, summary="Draft an outage",
    responses=NO_NETWORK,
)
def create_outage(
    request: Request,
    body: OutageCreate = Body(openapi_examples=examples.CREATE),
    user: User = engineer,
) -> dict[str, Any]:
    """A draft traced on the server from the selection (never the client's own trace).
    Nothing is public or sent until `POST /outages/{id}/publish`."""
    outage = _guard(
        outages.draft,
        _ctx(request),
        service=body.service,
        kind=body.kind,
        starts_at=body.starts_at,
        estimated_end_at=body.estimated_end_at,
        cause=body.cause,
        texts=body.texts,
        selection=body.selection.selection(),
        actor=user.name,
    )
    return _json(outage, {})


@router.get("/outages", summary="List outages with delivery figures")
def list_outages(
    request: Request,
    status_: list[OutageStatus] | None = Query(
        default=None, alias="status", description="draft, published, resolved, cancelled",
        examples=[["draft", "published"]],
    ),
    service: Service | None = Query(default=None, examples=["water"]),
    user: User = viewer,
) -> list[dict[str, Any]]:
    """Outages by start time; `deliveries` counts messages per channel and status
    (`{"sms": {"delivered": 120, "queued": 3}}`). Each has `affected` without its lists
    of ids, as publish answers; `GET /outages/{id}` gives them. Example: `GET
    /api/v1/outages?status=published&service=water`."""
    rows = outages.listing(
        _ctx(request), status=[s.value for s in status_] if status_ else None,
        service=service.value if service else None,
    )
    return [_json(critical.withheld(outage, user.role), stats) for outage, stats in rows]


@router.get(
    "/outages/{outage_id}", summary="One outage with delivery figures", responses=NOT_FOUND
)
def get_outage(outage_id: OutageId, request: Request, user: User = viewer) -> dict[str, Any]:
    """The outage as stored (its affected set too) and its delivery figures, with
    `messages`: when its latest event's messages go."""
    outage, stats = _guard(outages.get, _ctx(request), outage_id)
    outage = critical.withheld(outage, user.role)
    return {**_json(outage, stats), "messages": outages.message_timing(_ctx(request), outage_id),
            # The printable crew sheet (engineers; the console asks for the token).
            "crew_sheet_url": str(request.url_for("crew_sheet_page", outage_id=outage_id))}


@router.patch("/outages/{outage_id}", summary="Change times, cause or texts", responses=CHANGE)
def update_outage(
    outage_id: OutageId,
    request: Request,
    body: OutageUpdate = Body(openapi_examples=examples.UPDATE),
    user: User = engineer,
) -> dict[str, Any]:
    """Fields left out are kept. On a published outage residents hear of a new
    restoration time; a draft changes quietly; a closed outage cannot change (409).
    Answers as publish does: `affected` without its lists of ids."""
    changes = body.model_dump(exclude_unset=True, exclude={"expected_version"})
    updated = _guard(
        outages.update, _ctx(request), outage_id, user.name,
        expected_version=body.expected_version, **changes,
    )
    _changed(request)
    return {**_json(updated), "messages": outages.message_timing(_ctx(request), outage_id)}


def _change(outage_id: int, new: OutageStatus, body: StatusChange | None, request, user):
    body = body or StatusChange()
    updated = _guard(
        outages.change_status, _ctx(request), outage_id, new, user.name,
        expected_version=body.expected_version, at=body.at,
    )
    _changed(request)
    return {**_json(updated), "messages": outages.message_timing(_ctx(request), outage_id)}


@router.post(
    "/outages/{outage_id}/publish", summary="Publish: map and notifications", responses=CHANGE
)
def publish(
    outage_id: OutageId, request: Request,
    body: StatusChange | None = Body(default=None, openapi_examples=examples.STATUS),
    user: User = engineer,
) -> dict[str, Any]:
    """The outage goes on the map and the notices are queued. `messages` says when they
    go: at once, or (`defer`) at `not_before`, e.g. after quiet hours for planned works.
    A draft traced on an older network version answers 409 with what a trace on the
    current one changes; `retrace: true` traces it again and publishes that. The answer
    is the outage with `affected` but its lists of ids (`addresses`, `service_points`,
    `links`, `isolated_links`; counts, streets and the rest are there): a national
    outage lists hundreds of thousands; `GET /outages/{id}` gives them."""
    body = body or StatusChange()
    updated = _guard(outages.publish, _ctx(request), outage_id, user.name,
                     retrace=body.retrace, expected_version=body.expected_version)
    _changed(request)
    return {**_json(updated), "messages": outages.message_timing(_ctx(request), outage_id)}


@router.post(
    "/outages/{outage_id}/resolve", summary="Supply is back: all-clear", responses=CHANGE
)
def resolve(
    outage_id: OutageId, request: Request,
    body: StatusChange | None = Body(default=None, openapi_examples=examples.RESOLVE),
    user: User = engineer,
) -> dict[str, Any]:
    """Residents who were told get the all-clear; the map shows it restored for
    map.ended_visible_hours. Answers as publish does: `affected` without its lists of ids."""
    return _change(outage_id, OutageStatus.RESOLVED, body, request, user)


@router.post(
    "/outages/{outage_id}/cancel", summary="Cancel a draft or published outage", responses=CHANGE
)
def cancel(
    outage_id: OutageId, request: Request,
    body: StatusChange | None = Body(default=None, openapi_examples=examples.STATUS),
    user: User = engineer,
) -> dict[str, Any]:
    """A cancelled published outage is messaged to those who were told of it. Answers as
    publish does: `affected` without its lists of ids."""
    return _change(outage_id, OutageStatus.CANCELLED, body, request, user)


@router.get(
    "/outages/{outage_id}/deliveries.csv",
    summary="Deliveries for the regulator",
    response_class=Response,
    responses=NOT_FOUND | {200: {"content": {"text/csv": {}}, "description": "CSV"}},
)
async def deliveries_csv(outage_id: OutageId, request: Request, user: User = admin) -> Response:
    """Every message of the outage with its destination and status (admin only: it
    holds personal data). Example: `curl -H "Authorization: Bearer $TOKEN"
    http://127.0.0.1:8000/api/v1/outages/1/deliveries.csv`."""
    rows = await run_in_threadpool(
        _guard, outages.deliveries, _ctx(request), outage_id, user.name
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(DELIVERY_ROW_FIELDS)
    for row in rows:
        writer.writerow([cell(getattr(row, k)) for k in DELIVERY_ROW_FIELDS])
    return Response(
        buffer.getvalue(), media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="outage-{outage_id}.csv"'},
    )

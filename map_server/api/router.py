"""The engineer API (/api/v1): trace, then draft, publish, update, resolve or cancel outages.

Each change is one storage call, and storage writes the outage, its event, the
outbox row for the notifier and the audit row in one transaction.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from shapely.geometry import mapping, shape

from gis_outage.affected import affected_snapshot
from gis_outage.area import area_of_trace, polygon_trace
from gis_outage.model import OutageStatus, Role, Service
from gis_outage.storage import outages as store
from gis_outage.storage.addresses import load_addresses
from gis_outage.storage.errors import ConflictError, NotFound
from gis_outage.storage.reports import delivery_rows, delivery_stats
from gis_outage.storage.users import User
from gis_outage.trace import TraceResult, UnknownIdError
from gis_outage.tracing import TraceEngines

from .auth import require
from .schemas import (
    OutageCreate,
    OutageId,
    OutageUpdate,
    Selection,
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


def _traces(request: Request) -> TraceEngines:
    state = request.app.state
    if getattr(state, "traces", None) is None:
        state.traces = TraceEngines(state.db)
    return state.traces


def _unprocessable(field: str | None, message: str) -> HTTPException:
    # The same shape as FastAPI's own validation errors, so clients parse one format.
    loc = ["body", *field.split(".")] if field else ["body"]
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        [{"loc": loc, "msg": message, "type": "value_error"}],
    )


def _trace(request: Request, service: Service, selection: Selection) -> TraceResponse:
    try:
        loaded = _traces(request).get(service.value)
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    net = loaded.network
    try:
        if selection.break_links:
            result = loaded.engine.break_trace(selection.break_links)
        elif selection.operate_devices:
            result = loaded.engine.operate_trace(selection.operate_devices)
        else:
            result = polygon_trace(net, selection.area())
    except UnknownIdError as exc:
        field = "break_links" if selection.break_links else "operate_devices"
        raise _unprocessable(field, str(exc)) from None
    except ValueError as exc:
        raise _unprocessable("polygon", str(exc)) from None
    addresses = load_addresses(request.app.state.db, result.affected_addresses)
    area = area_of_trace(net, result, addresses)
    return TraceResponse(
        service=service,
        network_version=loaded.version,
        **result.to_json(),
        streets=area.streets,
        public_area=mapping(area.polygon) if area.polygon is not None else None,
    )


@router.post(
    "/trace", response_model=TraceResponse, summary="Trace a fault, operation or area",
    responses=NO_NETWORK,
)
def trace(body: TraceRequest, request: Request, user: User = viewer) -> TraceResponse:
    return _trace(request, body.service, body)


def _json(outage: dict[str, Any], stats: dict | None = None) -> dict[str, Any]:
    out = {
        k: (v.isoformat() if isinstance(v, datetime) else v)
        for k, v in outage.items()
        if k != "public_area"
    }
    area = outage.get("public_area")
    out["public_area"] = mapping(area) if area is not None else None
    if stats is not None:
        out["deliveries"] = stats
    return out


def _changed(request: Request) -> None:
    """Public views re-read the outages now instead of within their check interval."""
    snapshots = getattr(request.app.state, "snapshots", None)
    if snapshots is not None:
        snapshots.invalidate()


def _guard(call, *args, **kwargs) -> dict[str, Any]:
    """Storage errors as HTTP answers: 404 unknown, 409 conflict, 422 bad value."""
    try:
        return call(*args, **kwargs)
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except ConflictError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    except ValueError as exc:
        raise _unprocessable(None, str(exc)) from None


@router.post(
    "/outages", status_code=status.HTTP_201_CREATED, summary="Draft an outage",
    responses=NO_NETWORK,
)
def create_outage(body: OutageCreate, request: Request, user: User = engineer) -> dict[str, Any]:
    # The affected set is traced here, on the stored network, never taken from the client.
    traced = _trace(request, body.service, body.selection)
    result = TraceResult(**traced.model_dump(include=set(TraceResult.__dataclass_fields__)))
    affected = affected_snapshot(
        result,
        network_version=traced.network_version,
        streets=traced.streets,
        selection=body.selection.model_dump(exclude_defaults=True),
    )
    db = request.app.state.db
    outage_id = _guard(
        store.create_outage,
        db,
        service=body.service.value,
        kind=body.kind.value,
        starts_at=body.starts_at,
        estimated_end_at=body.estimated_end_at,
        cause=body.cause,
        texts=body.texts,
        affected=affected,
        public_area=shape(traced.public_area) if traced.public_area else None,
        area_description=", ".join(traced.streets) or None,
        created_by=user.name,
    )
    return _json(store.get_outage(db, outage_id), {})


@router.get("/outages", summary="List outages with delivery figures")
def list_outages(
    request: Request,
    status_: list[OutageStatus] | None = Query(default=None, alias="status"),
    service: Service | None = None,
    user: User = viewer,
) -> list[dict[str, Any]]:
    db = request.app.state.db
    rows = store.list_outages(
        db, status=[s.value for s in status_] if status_ else None,
        service=service.value if service else None,
    )
    return [_json(r, delivery_stats(db, r["id"])) for r in rows]


@router.get(
    "/outages/{outage_id}", summary="One outage with delivery figures", responses=NOT_FOUND
)
def get_outage(outage_id: OutageId, request: Request, user: User = viewer) -> dict[str, Any]:
    db = request.app.state.db
    outage = _guard(store.get_outage, db, outage_id)
    return _json(outage, delivery_stats(db, outage_id))


@router.patch("/outages/{outage_id}", summary="Change times, cause or texts", responses=CHANGE)
def update_outage(
    outage_id: OutageId, body: OutageUpdate, request: Request, user: User = engineer
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True, exclude={"expected_version"})
    if "kind" in changes and changes["kind"] is not None:
        changes["kind"] = changes["kind"].value
    updated = _guard(
        store.update_outage, request.app.state.db, outage_id, user.name,
        expected_version=body.expected_version, **changes,
    )
    _changed(request)
    return _json(updated)


def _change(outage_id: int, new: OutageStatus, body: StatusChange | None, request, user):
    body = body or StatusChange()
    extra = {"at": body.at} if new == OutageStatus.RESOLVED and body.at else {}
    updated = _guard(
        store.change_status, request.app.state.db, outage_id, new.value, user.name,
        expected_version=body.expected_version, **extra,
    )
    _changed(request)
    return _json(updated)


@router.post(
    "/outages/{outage_id}/publish", summary="Publish: map and notifications", responses=CHANGE
)
def publish(outage_id: OutageId, request: Request, body: StatusChange | None = None,
            user: User = engineer) -> dict[str, Any]:
    return _change(outage_id, OutageStatus.PUBLISHED, body, request, user)


@router.post(
    "/outages/{outage_id}/resolve", summary="Supply is back: all-clear", responses=CHANGE
)
def resolve(outage_id: OutageId, request: Request, body: StatusChange | None = None,
            user: User = engineer) -> dict[str, Any]:
    return _change(outage_id, OutageStatus.RESOLVED, body, request, user)


@router.post(
    "/outages/{outage_id}/cancel", summary="Cancel a draft or published outage", responses=CHANGE
)
def cancel(outage_id: OutageId, request: Request, body: StatusChange | None = None,
           user: User = engineer) -> dict[str, Any]:
    return _change(outage_id, OutageStatus.CANCELLED, body, request, user)


@router.get(
    "/outages/{outage_id}/deliveries.csv",
    summary="Deliveries for the regulator",
    response_class=Response,
    responses=NOT_FOUND | {200: {"content": {"text/csv": {}}, "description": "CSV"}},
)
async def deliveries_csv(outage_id: OutageId, request: Request, user: User = admin) -> Response:
    db = request.app.state.db
    await run_in_threadpool(_guard, store.get_outage, db, outage_id)
    rows = await run_in_threadpool(delivery_rows, db, outage_id)
    buffer = io.StringIO()
    fields = ["event", "channel", "destination", "status", "provider", "created_at", "sent_at",
              "updated_at"]
    writer = csv.DictWriter(buffer, fieldnames=fields)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (v.isoformat() if isinstance(v, datetime) else v)
                         for k, v in row.items()})
    return Response(
        buffer.getvalue(), media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="outage-{outage_id}.csv"'},
    )

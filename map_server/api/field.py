"""The engineer API for the outage as it unfolds in the field (/api/v1).

A stuck device, a staged restoration or a back-feed is first answered as a difference
(`confirm` false: +devices, +addresses, +customers, −…) and stored only when the same
call comes again with `confirm` true. Thin adapters over `gis_outage.services.field`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from gis_outage.critical import MAY_SEE
from gis_outage.model import DeviceFinding, Role, Service
from gis_outage.services import field
from gis_outage.storage.users import User

from . import examples
from .auth import require
from .router import CHANGE, ERRORS, NO_NETWORK, _changed, _ctx, _guard, _json
from .schemas import OutageId

router = APIRouter(tags=["field"], responses=ERRORS)
viewer = Depends(require(Role.VIEWER))
engineer = Depends(require(Role.ENGINEER))
Ids = list[str]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Confirmable(Strict):
    confirm: bool = Field(False, description="false: the difference only; true: store it")
    expected_version: int | None = Field(
        None, description="with confirm: the difference's `outage_version`; 409 and nothing "
        "stored if the outage changed since")


class Stuck(Confirmable):
    devices: Ids = Field(min_length=1, max_length=1000,
                         description="Device ids that will not operate (stay inoperable)")


class Restore(Confirmable):
    links: Ids = Field(default_factory=list, max_length=10_000,
                       description="Work-area links repaired")
    devices: Ids = Field(default_factory=list, max_length=1000,
                         description="Devices of the outage operated back to normal")
    everything: bool = Field(False, description="The whole work area and every device")


class Backfeed(Confirmable):
    device: str = Field(description="A device from the suggestions")
    radial: bool | None = Field(None, description="Keep radial operation (default: "
                                "electricity yes, others no); false overrides")


class DeviceState(Strict):
    passes: bool | None = Field(None, description="Position set by hand; null: normal")
    finding: DeviceFinding | None = Field(None, description="inoperable, not_found, or null")
    note: str | None = Field(None, max_length=500)


STUCK_BODY = Body(openapi_examples=examples.STUCK)
RESTORE_BODY = Body(openapi_examples=examples.RESTORE)
BACKFEED_BODY = Body(openapi_examples=examples.BACKFEED)
DEVICE_BODY = Body(openapi_examples=examples.DEVICE)


def _answer(request: Request, proposal: field.Proposal, body: Confirmable, user: User,
            action: str, findings: list[str] = ()) -> dict[str, Any]:
    difference = proposal.difference()
    if not body.confirm:
        return {"confirmed": False, "difference": difference}
    outage = _guard(field.confirm, _ctx(request), proposal, user.name, action, findings,
                    expected_version=body.expected_version)
    _changed(request)
    return {"confirmed": True, "difference": difference, "outage": _json(outage)}


@router.post("/outages/{outage_id}/stuck", summary="A device will not operate: re-plan",
             responses=CHANGE)
def stuck(outage_id: OutageId, request: Request, body: Stuck = STUCK_BODY, user: User = engineer
          ) -> dict[str, Any]:
    """The next devices outward and the new affected set; on confirm the newly affected
    get the start message and those no longer affected the all-clear."""
    proposal = _guard(field.stuck, _ctx(request), outage_id, body.devices)
    return _answer(request, proposal, body, user, "stuck", body.devices)


@router.post("/outages/{outage_id}/restore", summary="Staged restoration", responses=CHANGE)
def restore(outage_id: OutageId, request: Request, body: Restore = RESTORE_BODY,
            user: User = engineer) -> dict[str, Any]:
    """Repaired links and devices operated back; those supplied again get the all-clear
    on confirm; the outage resolves when nothing is left."""
    proposal = _guard(field.restore, _ctx(request), outage_id, links=body.links,
                      devices=body.devices, everything=body.everything)
    return _answer(request, proposal, body, user, "restore")


@router.get("/outages/{outage_id}/backfeed", summary="Back-feed suggestions",
            responses=CHANGE)
def suggestions(outage_id: OutageId, request: Request,
                radial: bool | None = Query(None), user: User = viewer) -> list[dict[str, Any]]:
    """Devices whose operation feeds part of the outage back from another source without
    feeding a work area: for engineers and admins with the critical customers each
    restores, those restoring more critical customers first; then most customers first.
    A viewer gets neither the critical customers nor an order that tells of them."""
    return _guard(field.suggestions, _ctx(request), outage_id, radial=radial,
                  critical=user.role in MAY_SEE)


@router.post("/outages/{outage_id}/backfeed", summary="Apply a back-feed", responses=CHANGE)
def apply_backfeed(outage_id: OutageId, request: Request, body: Backfeed = BACKFEED_BODY,
                   user: User = engineer) -> dict[str, Any]:
    """Operate one suggested device; on confirm those supplied again get the all-clear
    (on a draft they are simply never named)."""
    proposal = _guard(field.backfeed, _ctx(request), outage_id, body.device, radial=body.radial)
    return _answer(request, proposal, body, user, "backfeed")


@router.get("/networks/{service}/devices", summary="Field state of the network",
            responses=NO_NETWORK)
def device_states(service: Service, request: Request, user: User = viewer) -> dict[str, Any]:
    """The current network version's devices that differ from the network as imported:
    each with its position set by hand (`passes`), its finding (inoperable, not_found),
    note, who and when (`changed_by`, `changed_at`), and the published outages that hold
    it operated (`outages`: id and position)."""
    return _guard(field.device_states, _ctx(request), service)


@router.put("/networks/{service}/devices/{device_id}", summary="Field state of a device",
            responses=NO_NETWORK)
def set_device(service: Service, device_id: str, request: Request, body: DeviceState = DEVICE_BODY,
               user: User = engineer) -> dict[str, Any]:
    """Set by hand or found inoperable / not found; it stays for every later trace until
    cleared (null)."""
    finding = body.finding.value if body.finding is not None else None
    row = _guard(field.set_device, _ctx(request), service, device_id, user.name,
                 passes=body.passes, finding=finding, note=body.note)
    if row is None:
        return {"device_id": device_id, "state": None}
    state = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.as_dict().items()}
    # `public_area` null: the response has carried it since it shared the outage's shape.
    return {"device_id": device_id, "state": {**state, "public_area": None}}

"""Address search for the public map: autocomplete and "is this address affected?".

The answer for an address is a yes/no with the affecting outages' public fields, taken
from each outage's snapshot of affected address ids; nothing about other addresses.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request

from gis_outage.public import PublicOutage
from gis_outage.storage.addresses import find_addresses, get_address
from gis_outage.storage.errors import NotFound
from map_server.snapshot import Snapshot

router = APIRouter(prefix="/lookup", tags=["public"])

POSTAL_CODE = re.compile(r"^\d{5}$")


def parse_query(q: str) -> dict[str, str]:
    """Split e.g. "Mannerheimintie 5, 00100" into street, house number and postal code."""
    street: list[str] = []
    parsed: dict[str, str] = {}
    for token in q.replace(",", " ").split():
        if POSTAL_CODE.match(token) and "postal_code" not in parsed:
            parsed["postal_code"] = token
        elif token[0].isdigit() and street and "house_number_prefix" not in parsed:
            parsed["house_number_prefix"] = token
        elif "house_number_prefix" not in parsed:
            street.append(token)
    if street:
        parsed["street_prefix"] = " ".join(street)
    return parsed


def label(address: dict[str, Any]) -> str:
    town = f" {address['municipality']}" if address.get("municipality") else ""
    return f"{address['street']} {address['house_number']}, {address['postal_code']}{town}"


def public_address(address: dict[str, Any]) -> dict[str, Any]:
    point = address.get("geometry")
    return {
        "id": address["id"],
        "label": label(address),
        "street": address["street"],
        "house_number": address["house_number"],
        "postal_code": address["postal_code"],
        "municipality": address.get("municipality"),
        "lon": round(point.x, 6) if point is not None else None,
        "lat": round(point.y, 6) if point is not None else None,
    }


@router.get("/addresses")
def addresses(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=100)],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> dict[str, Any]:
    """Addresses matching a street (+ house number, + postal code) typed so far."""
    criteria = parse_query(q)
    if not criteria or len(criteria.get("street_prefix", "xx")) < 2:
        return {"addresses": []}
    found = find_addresses(request.app.state.read_db, limit=limit, **criteria)
    return {"addresses": [public_address(a) for a in found]}


@router.get("/status", responses={404: {"description": "No such address"}})
def status(
    request: Request,
    address_id: Annotated[str, Query(min_length=1, max_length=100)],
    weeks: Annotated[int | None, Query(ge=0, le=52)] = None,
) -> dict[str, Any]:
    """Whether the address is affected now or by works starting within `weeks` weeks."""
    settings = request.app.state.settings
    weeks = min(settings.map.lookup_weeks if weeks is None else weeks,
                settings.map.lookup_max_weeks)
    try:
        address = get_address(request.app.state.read_db, address_id)
    except NotFound:
        raise HTTPException(404, "unknown address") from None
    snapshot: Snapshot = request.app.state.snapshots.current()
    return address_status(snapshot, address, weeks, datetime.now(UTC))


def address_status(
    snapshot: Snapshot, address: dict[str, Any], weeks: int, now: datetime
) -> dict[str, Any]:
    horizon = now + timedelta(weeks=weeks)
    mine = [o for o in snapshot.outages if address["id"] in o.address_ids]
    current = [o for o in mine if o.starts_at <= now]
    upcoming = [o for o in mine if now < o.starts_at <= horizon]
    return {
        "address": public_address(address),
        "weeks": weeks,
        "affected_now": bool(current),
        "planned": bool(upcoming),
        "outages": [_summary(o) for o in current + upcoming],
    }


def _summary(outage: PublicOutage) -> dict[str, Any]:
    return {"id": outage.id, **outage.properties}

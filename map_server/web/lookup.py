"""Address search for the public map: autocomplete and "is this address affected?".

The answer for an address is a yes/no with the affecting outages' public fields, taken
from each outage's snapshot of affected address ids; nothing about other addresses.
It may not undo the generalised public area (docs/security.md, "What the look-up
reveals"): it answers only for an address id the autocomplete gave, a client gets
`map.lookups_per_client_hour` answers, and of an outage with fewer than
`map.lookup_min_customers` customers it says only that the address lies in its public
area, the same for every address there, whether affected or not.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request

from gis_outage.model import WATER_NOTICES
from gis_outage.public import PublicOutage
from gis_outage.storage.addresses import (
    Address,
    find_addresses,
    get_address,
    street_in,
    street_key,
)
from gis_outage.storage.errors import NotFound
from gis_outage.storage.networks import connected_services
from gis_outage.storage.rate_limits import RateLimit, take_rate_limits, wait_for
from map_server.i18n import STRINGS, cause_text
from map_server.portal.context import portal
from map_server.portal.outgoing import bucket, client_address
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


def label(address: Address, language: str = "fi") -> str:
    town = f" {address.municipality}" if address.municipality else ""
    street = street_in(address, language)
    return f"{street} {address.house_number}, {address.postal_code}{town}"


def public_address(address: Address, language: str = "fi") -> dict[str, Any]:
    point = address.geometry
    return {
        "id": address.id,
        "label": label(address, language),
        "street": street_in(address, language),
        "house_number": address.house_number,
        "postal_code": address.postal_code,
        "municipality": address.municipality,
        "lon": round(point.x, 6) if point is not None else None,
        "lat": round(point.y, 6) if point is not None else None,
    }


Lang = Annotated[str | None, Query(max_length=5, description="label language (fi, sv, …)")]


def _language(request: Request, lang: str | None) -> str:
    settings = request.app.state.settings
    return lang if lang in STRINGS else settings.default_language


@router.get("/addresses")
def addresses(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=100)],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    lang: Lang = None,
) -> dict[str, Any]:
    """Addresses matching a street (by either of its names) + house number + postal
    code typed so far; labels in `lang` (a Swedish name on Swedish pages)."""
    criteria = parse_query(q)
    if not criteria or len(criteria.get("street_prefix", "xx")) < 2:
        return {"addresses": []}
    language = _language(request, lang)
    found = find_addresses(request.app.state.read_db, limit=limit, **criteria)
    typed = street_key(criteria.get("street_prefix", ""))
    out = []
    for address in found:
        # Typed in Swedish: answer in Swedish whatever the page's language.
        shown = "sv" if (address.street_sv and
                         street_key(address.street_sv).startswith(typed)
                         and not street_key(address.street).startswith(typed)) else language
        out.append(public_address(address, shown))
    return {"addresses": out}


def _take_lookup(request: Request) -> None:
    """Count one answer against the client's hourly allowance, or a 429 when it is spent."""
    p = portal(request)
    rate = RateLimit("client", bucket(p, "lookup-client", client_address(request)),
                     request.app.state.settings.map.lookups_per_client_hour, timedelta(hours=1))
    if take_rate_limits(p.db, [rate]) is not None:
        minutes = max(1, math.ceil(wait_for(p.db, [rate]).total_seconds() / 60))
        raise HTTPException(
            429, f"too many address look-ups from your address: try again in {minutes} min",
            headers={"Retry-After": str(minutes * 60)},
        )


@router.get("/status", responses={404: {"description": "No such address"},
                                  429: {"description": "Too many look-ups from this client"}})
def status(
    request: Request,
    address_id: Annotated[str, Query(min_length=1, max_length=100)],
    weeks: Annotated[int | None, Query(ge=0, le=52)] = None,
    lang: Lang = None,
) -> dict[str, Any]:
    """Whether the address is affected now (a supply cut; `notice_now`: a water-quality
    notice in force) or by works starting within `weeks` weeks;
    outages whose shaded area covers it without affecting it, and why; outages there
    that have just ended."""
    settings = request.app.state.settings
    weeks = min(settings.map.lookup_weeks if weeks is None else weeks,
                settings.map.lookup_max_weeks)
    db = request.app.state.read_db
    _take_lookup(request)
    try:
        address = get_address(db, address_id)
    except NotFound:
        raise HTTPException(404, "unknown address") from None
    snapshot: Snapshot = request.app.state.snapshots.get()
    answer = address_status(snapshot, address, weeks, datetime.now(UTC),
                            _language(request, lang), settings.map.lookup_min_customers)
    if any("reason" not in item for item in answer["nearby"]):
        connected = connected_services(db, address_id)
        for item in answer["nearby"]:
            if "reason" not in item:
                item["reason"] = ("not_cut_off" if item["service"] in connected
                                  else "no_connection")
    return answer


def address_status(
    snapshot: Snapshot, address: Address, weeks: int, now: datetime,
    language: str = "fi", min_customers: int = 1,
) -> dict[str, Any]:
    """The answer for one address. An outage of fewer than `min_customers` customers is
    judged by its public area only: every address the area covers gets the same note
    (reason `small_area`) and none is told it is affected, so asking address after
    address cannot pin it to a house; an address outside the area hears nothing of it."""
    horizon = now + timedelta(weeks=weeks)
    point = address.geometry

    def covered(o: PublicOutage) -> bool:
        return point is not None and o.shape is not None and bool(o.shape.covers(point))

    small = {o.id for o in snapshot.outages if o.properties["customers"] < min_customers}
    here = [o for o in snapshot.outages if o.id not in small and address.id in o.address_ids]
    mine = [o for o in here if o.ongoing_or_planned]
    current = [o for o in mine if o.starts_at <= now]
    upcoming = [o for o in mine if now < o.starts_at <= horizon]
    around = [o for o in snapshot.outages
              if o.ongoing_or_planned and o.starts_at <= horizon and covered(o)]
    nearby = [_summary(o, language) for o in around
              if o.id not in small and address.id not in o.address_ids]
    nearby += [{**_summary(o, language), "reason": "small_area"}
               for o in around if o.id in small]
    return {
        "address": public_address(address, language),
        "weeks": weeks,
        # A supply cut now; a water-quality notice in force (the water runs) apart.
        "affected_now": any(o.properties["kind"] not in WATER_NOTICES for o in current),
        "notice_now": any(o.properties["kind"] in WATER_NOTICES for o in current),
        "planned": bool(upcoming),
        "outages": [_summary(o, language) for o in current + upcoming],
        "ended": [_summary(o, language) for o in here if not o.ongoing_or_planned],
        "nearby": nearby,
    }


def _summary(outage: PublicOutage, language: str) -> dict[str, Any]:
    return {"id": outage.id, **outage.properties, "cause": cause_text(outage, language)}

"""A resolve works out who gets the all-clear from the outage as it reads it. A field
change that commits between that read and the status change (another engineer marks a
valve stuck) must not leave the all-clear one change old: the resolve works it out again
on the new version, or, when the caller named a version, answers 409 and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from gis_outage.config import Settings
from gis_outage.services import field, outages
from gis_outage.services import outages as outage_service
from gis_outage.services.context import Context, build_context
from gis_outage.services.outages import Selection
from gis_outage.storage.errors import ConflictError
from gis_outage.storage.networks import save_network
from gis_outage.storage.outages import get_outage, outage_events_for

from .networks import small_water


@pytest.fixture
def published(db_engine: Engine, tmp_path: Path) -> tuple[Context, int]:
    """small_water stored, and an outage on a break of L2 (A2) published."""
    save_network(db_engine, "water", small_water(), "small.gpkg")
    ctx = build_context(Settings(data_dir=tmp_path), db=db_engine)
    draft = outages.draft(ctx, service="water", kind="unplanned",
                          starts_at=datetime.now(UTC) - timedelta(minutes=5),
                          selection=Selection(break_links=("L2",)), actor="eng")
    outages.publish(ctx, draft.id, "eng")
    return ctx, draft.id


def _stuck_meanwhile(monkeypatch: pytest.MonkeyPatch, ctx: Context, outage_id: int) -> list:
    """The first time the resolve works out its all-clear, another engineer's stuck V1
    commits first (a real change: new version, the work area grown to A1 and A3)."""
    calls: list[Any] = []
    original = outage_service.resolve_addresses

    def racing(ctx_: Context, outage: Any) -> list[str] | None:
        calls.append(outage.version)
        if len(calls) == 1:
            field.confirm(ctx, field.stuck(ctx, outage_id, ["V1"]), "other", "stuck")
        return original(ctx_, outage)

    monkeypatch.setattr(outage_service, "resolve_addresses", racing)
    return calls


def test_a_resolve_that_lost_a_race_with_a_field_change_works_the_all_clear_out_again(
    db_engine: Engine, published: tuple[Context, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx, oid = published
    calls = _stuck_meanwhile(monkeypatch, ctx, oid)

    resolved = outages.resolve(ctx, oid, "eng")

    assert resolved.status == "resolved"
    assert calls == [2, 3]  # worked out on the published version, then on the stuck one
    event = outage_events_for(db_engine, oid)[-1]
    assert event.kind.value == "resolved"
    assert event.affected["addresses"] == ["A1", "A2", "A3"]  # not just A2


def test_a_resolve_on_a_named_version_that_a_field_change_passed_is_409_and_changes_nothing(
    db_engine: Engine, published: tuple[Context, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx, oid = published
    version = get_outage(db_engine, oid).version
    _stuck_meanwhile(monkeypatch, ctx, oid)

    with pytest.raises(ConflictError, match=f"is at version {version + 1}, not {version}"):
        outages.resolve(ctx, oid, "eng", expected_version=version)
    outage = get_outage(db_engine, oid)
    assert (outage.status, outage.version) == ("published", version + 1)
    assert [e.kind.value for e in outage_events_for(db_engine, oid)] == [
        "published", "extended"]

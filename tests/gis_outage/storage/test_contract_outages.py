"""Outage life cycle: every change writes outage, event, outbox row and audit together."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from gis_outage.model import TRANSITIONS, OutageStatus
from gis_outage.public import PROPERTY_NAMES
from gis_outage.storage.audit import audit_entries
from gis_outage.storage.errors import ConflictError, InvalidTransition, NotFound
from gis_outage.storage.outages import (
    add_reminder,
    change_status,
    create_outage,
    get_outage,
    list_outages,
    outage_events_for,
    public_outages,
    public_state,
    update_outage,
)
from gis_outage.storage.outbox import pending_outbox
from gis_outage.storage.schema import audit_log, outage_events, outbox
from gis_outage.storage.trace_lists import ListsLeftOut

from .conftest import T0

HELSINKI_CENTRE = shapely.box(24.93, 60.16, 24.96, 60.18)
TAMPERE = shapely.box(23.74, 61.49, 23.80, 61.51)


def new_outage(engine: Engine, **overrides) -> int:
    fields = {
        "service": "water",
        "kind": "planned",
        "starts_at": T0,
        "estimated_end_at": T0 + timedelta(hours=4),
        "created_by": "eng1",
        "cause": "valve replacement",
        "texts": {"fi": "Vesikatko", "sv": "Vattenavbrott", "en": "Water outage"},
        "affected": {"address_ids": ["A1", "A2"], "customers": 12, "streets": ["Mannerheimintie"]},
        "public_area": HELSINKI_CENTRE,
        "area_description": "Mannerheimintie 2-10",
    }
    return create_outage(engine, **{**fields, **overrides})


def counts(engine: Engine) -> tuple[int, int, int]:
    """(events, outbox rows, audit rows)"""
    with engine.connect() as conn:
        return tuple(
            conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in (outage_events, outbox, audit_log)
        )


def test_create_makes_a_quiet_draft(db_engine: Engine) -> None:
    outage_id = new_outage(db_engine)
    outage = get_outage(db_engine, outage_id)
    assert outage.status == "draft" and outage.version == 1
    assert outage.starts_at == T0 and outage.starts_at.tzinfo is not None
    assert outage.texts["sv"] == "Vattenavbrott"
    assert outage.public_area.wkb == HELSINKI_CENTRE.wkb
    assert counts(db_engine) == (0, 0, 1)  # audit only: drafts are not announced


def test_publish_writes_event_outbox_and_audit(db_engine: Engine) -> None:
    outage_id = new_outage(db_engine)
    published = change_status(db_engine, outage_id, "published", "eng2")
    assert published.status == "published" and published.version == 2

    [event] = outage_events_for(db_engine, outage_id)
    assert event.kind == "published" and event.outage_id == outage_id
    snapshot = event.snapshot
    assert snapshot["status"] == "published"
    assert snapshot["affected"]["address_ids"] == ["A1", "A2"]
    assert snapshot["starts_at"] == T0.isoformat()

    [row] = pending_outbox(db_engine)
    assert row.event_id == event.id and row.task == "notify"
    assert row.payload == {"event_id": event.id, "outage_id": outage_id, "kind": "published"}

    audit = audit_entries(db_engine, f"outage:{outage_id}")
    assert [a.action for a in audit] == ["outage.create", "outage.published"]
    assert audit[-1].actor == "eng2"
    assert audit[-1].details == {"from": "draft", "to": "published", "event_id": event.id}


@pytest.mark.parametrize(("old", "new"), list(TRANSITIONS))
def test_every_allowed_transition_writes_its_event(db_engine, old, new) -> None:
    outage_id = new_outage(db_engine)
    if old == OutageStatus.PUBLISHED:
        change_status(db_engine, outage_id, "published", "eng")
    change_status(db_engine, outage_id, new, "eng")
    assert outage_events_for(db_engine, outage_id)[-1].kind == TRANSITIONS[(old, new)]
    events, outbox_rows, _ = counts(db_engine)
    assert events == outbox_rows == (2 if old == OutageStatus.PUBLISHED else 1)


def test_resolve_sets_ended_at(db_engine: Engine) -> None:
    outage_id = new_outage(db_engine)
    change_status(db_engine, outage_id, "published", "eng")
    ended = T0 + timedelta(hours=3)
    change_status(db_engine, outage_id, "resolved", "eng", at=ended)
    assert get_outage(db_engine, outage_id).ended_at == ended


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ([], "resolved"),  # a draft was never announced
        ([], "draft"),
        (["published"], "published"),
        (["published"], "draft"),
        (["published", "resolved"], "published"),
        (["published", "resolved"], "cancelled"),
        (["cancelled"], "published"),
    ],
)
def test_invalid_transitions_raise_and_write_nothing(db_engine, path, target) -> None:
    outage_id = new_outage(db_engine)
    for status in path:
        change_status(db_engine, outage_id, status, "eng")
    before = (get_outage(db_engine, outage_id), counts(db_engine))
    with pytest.raises(InvalidTransition, match=f"cannot become {target}"):
        change_status(db_engine, outage_id, target, "eng")
    assert (get_outage(db_engine, outage_id), counts(db_engine)) == before


def test_status_change_is_one_transaction(db_engine: Engine) -> None:
    outage_id = new_outage(db_engine)
    # Run in the caller's transaction, then roll back: nothing of it may remain.
    with db_engine.connect() as conn:
        change_status(conn, outage_id, "published", "eng")
        assert conn.execute(sa.select(sa.func.count()).select_from(outbox)).scalar_one() == 1
        conn.rollback()
    assert get_outage(db_engine, outage_id).status == "draft"
    assert counts(db_engine) == (0, 0, 1)


def test_failure_at_the_last_write_rolls_back_the_whole_change(db_engine: Engine) -> None:
    outage_id = new_outage(db_engine)
    # The audit row is written last; a missing actor violates NOT NULL there.
    with pytest.raises(sa.exc.IntegrityError):
        change_status(db_engine, outage_id, "published", None)  # type: ignore[arg-type]
    assert get_outage(db_engine, outage_id).status == "draft"
    assert counts(db_engine) == (0, 0, 1)


def test_update_of_draft_is_quiet_and_of_published_writes_updated(db_engine: Engine) -> None:
    outage_id = new_outage(db_engine)
    draft = update_outage(db_engine, outage_id, "eng", cause="pipe burst")
    assert draft.version == 2 and counts(db_engine)[:2] == (0, 0)

    change_status(db_engine, outage_id, "published", "eng")
    later = T0 + timedelta(hours=6)
    updated = update_outage(db_engine, outage_id, "eng", estimated_end_at=later)
    assert updated.version == 4
    assert get_outage(db_engine, outage_id).estimated_end_at == later

    events = outage_events_for(db_engine, outage_id)
    assert [e.kind for e in events] == ["published", "updated"]
    assert events[-1].changed == ["estimated_end_at"]
    assert events[-1].snapshot["estimated_end_at"] == later.isoformat()
    assert events[-1].estimated_end_at == later
    assert [r.payload["kind"] for r in pending_outbox(db_engine)] == ["published", "updated"]
    audit = audit_entries(db_engine, f"outage:{outage_id}")[-1]
    assert audit.action == "outage.update"
    assert audit.details["fields"] == ["estimated_end_at"]


def test_update_with_same_values_writes_nothing(db_engine: Engine) -> None:
    outage_id = new_outage(db_engine)
    change_status(db_engine, outage_id, "published", "eng")
    before = counts(db_engine)
    same = update_outage(
        db_engine,
        outage_id,
        "eng",
        cause="valve replacement",
        public_area=shapely.box(24.93, 60.16, 24.96, 60.18),
    )
    assert same.version == 2 and counts(db_engine) == before


def test_update_refusals(db_engine: Engine) -> None:
    outage_id = new_outage(db_engine)
    with pytest.raises(ValueError, match="cannot edit"):
        update_outage(db_engine, outage_id, "eng", status="published")
    with pytest.raises(ValueError, match="before starts_at"):
        update_outage(db_engine, outage_id, "eng", estimated_end_at=T0 - timedelta(hours=1))
    with pytest.raises(ValueError, match="timezone"):
        update_outage(db_engine, outage_id, "eng", starts_at=datetime(2026, 3, 2, 8, 0))
    with pytest.raises(ConflictError, match="version"):
        update_outage(db_engine, outage_id, "eng", expected_version=7, cause="x")
    with pytest.raises(NotFound):
        update_outage(db_engine, 999, "eng", cause="x")
    change_status(db_engine, outage_id, "cancelled", "eng")
    with pytest.raises(ConflictError, match="cancelled"):
        update_outage(db_engine, outage_id, "eng", cause="x")
    assert get_outage(db_engine, outage_id).cause == "valve replacement"


def test_expected_version_guards_status_changes(db_engine: Engine) -> None:
    outage_id = new_outage(db_engine)
    update_outage(db_engine, outage_id, "eng1", cause="changed by someone else")
    with pytest.raises(ConflictError):
        change_status(db_engine, outage_id, "published", "eng2", expected_version=1)
    assert change_status(db_engine, outage_id, "published", "eng2", expected_version=2)


def test_reminder_only_for_published(db_engine: Engine) -> None:
    outage_id = new_outage(db_engine)
    with pytest.raises(ConflictError):
        add_reminder(db_engine, outage_id, "scheduler")
    change_status(db_engine, outage_id, "published", "eng")
    event_id = add_reminder(db_engine, outage_id, "scheduler")
    last = outage_events_for(db_engine, outage_id)[-1]
    assert (last.id, last.kind) == (event_id, "reminder")
    assert [r.payload["kind"] for r in pending_outbox(db_engine)] == ["published", "reminder"]


def test_naive_datetimes_are_refused(db_engine: Engine) -> None:
    with pytest.raises(ValueError, match="timezone"):
        new_outage(db_engine, starts_at=datetime(2026, 3, 2, 8), estimated_end_at=None)


def test_list_outages_filters(db_engine: Engine) -> None:
    helsinki = new_outage(db_engine)
    tampere = new_outage(
        db_engine,
        service="electricity",
        kind="unplanned",
        public_area=TAMPERE,
        starts_at=T0 - timedelta(hours=1),
    )
    no_area = new_outage(
        db_engine, public_area=None, starts_at=T0 + timedelta(days=1), estimated_end_at=None
    )
    change_status(db_engine, helsinki, "published", "eng")

    assert [o.id for o in list_outages(db_engine)] == [tampere, helsinki, no_area]
    assert [o.id for o in list_outages(db_engine, status="published")] == [helsinki]
    assert [o.id for o in list_outages(db_engine, status=["draft"])] == [tampere, no_area]
    assert [o.id for o in list_outages(db_engine, service="electricity")] == [tampere]
    # bbox: PostGIS ST_Intersects on one backend, shapely on the other; same answers.
    assert [o.id for o in list_outages(db_engine, bbox=(24.9, 60.1, 25.0, 60.2))] == [helsinki]
    assert [o.id for o in list_outages(db_engine, bbox=(24.96, 60.18, 25.0, 60.2))] == [
        helsinki  # touching the corner counts
    ]
    assert list_outages(db_engine, bbox=(10.0, 50.0, 11.0, 51.0)) == []
    assert len(list_outages(db_engine, bbox=(20.0, 59.0, 30.0, 70.0))) == 2

    since = get_outage(db_engine, helsinki).updated_at - timedelta(microseconds=1)
    assert [o.id for o in list_outages(db_engine, updated_since=since)] == [helsinki]
    far_future = datetime(2100, 1, 1, tzinfo=UTC)
    assert list_outages(db_engine, updated_since=far_future) == []


def test_listed_headers_leave_the_trace_lists_out(db_engine: Engine) -> None:
    affected = {"addresses": ["A1", "A2"], "service_points": ["SP1"], "links": ["L1"],
                "isolated_links": ["L1"], "customers": 12, "streets": ["Mannerheimintie"]}
    helsinki = new_outage(db_engine, affected=affected)
    tampere = new_outage(db_engine, service="electricity", public_area=TAMPERE, affected=affected)
    for bbox in (None, (20.0, 59.0, 30.0, 70.0)):  # SQLite filters the bbox in Python
        headers = list_outages(db_engine, bbox=bbox, header=True)
        assert [o.id for o in headers] == [helsinki, tampere]
        for header in headers:
            assert dict(header.affected) == {"customers": 12, "streets": ["Mannerheimintie"]}
            with pytest.raises(ListsLeftOut):
                header.affected.get("addresses")
    # The whole record keeps them; an edit of its times answers with the header.
    assert list_outages(db_engine)[0].affected == affected
    edited = update_outage(db_engine, helsinki, "eng", estimated_end_at=T0 + timedelta(hours=9))
    assert dict(edited.affected) == {"customers": 12, "streets": ["Mannerheimintie"]}
    assert get_outage(db_engine, helsinki).affected == affected


def test_public_outages_show_published_with_public_fields_only(db_engine: Engine) -> None:
    ongoing = new_outage(db_engine, kind="unplanned")
    upcoming = new_outage(db_engine, starts_at=T0 + timedelta(days=10), estimated_end_at=None)
    far = new_outage(db_engine, starts_at=T0 + timedelta(days=90), estimated_end_at=None)
    new_outage(db_engine)  # draft: never public
    resolved = new_outage(db_engine)
    for outage_id in (ongoing, upcoming, far, resolved):
        change_status(db_engine, outage_id, "published", "eng")
    change_status(db_engine, resolved, "resolved", "eng")

    public = public_outages(db_engine)
    assert [o.id for o in public] == [ongoing, upcoming, far]
    assert all(set(o.properties) == set(PROPERTY_NAMES) for o in public)
    assert public[0].properties["customers"] == 12
    soon = public_outages(db_engine, starting_before=T0 + timedelta(weeks=3))
    assert [o.id for o in soon] == [ongoing, upcoming]
    assert public_outages(db_engine, bbox=(23.0, 61.0, 24.0, 62.0)) == []


def test_public_state_keeps_recently_ended_outages(db_engine: Engine) -> None:
    """Resolved and cancelled outages stay public for a while, with their status; the
    token counts them, so one ageing out of the window changes it."""
    published, resolved, cancelled, old = (new_outage(db_engine) for _ in range(4))
    for outage_id in (published, resolved, cancelled, old):
        change_status(db_engine, outage_id, "published", "eng1")
    change_status(db_engine, old, "resolved", "eng1")
    cut = datetime.now(UTC)
    change_status(db_engine, resolved, "resolved", "eng1")
    change_status(db_engine, cancelled, "cancelled", "eng1")
    draft = new_outage(db_engine)
    assert draft

    plain = public_state(db_engine)
    assert [o.id for o in plain.outages] == [published]
    recent = public_state(db_engine, ended_since=cut)
    statuses = {o.id: o.properties["status"] for o in recent.outages}
    assert statuses == {published: "published", resolved: "resolved", cancelled: "cancelled"}
    assert {o.id: o.ongoing_or_planned for o in recent.outages}[resolved] is False
    assert recent.token != plain.token
    later = public_state(db_engine, recent.token, ended_since=datetime.now(UTC))
    assert later.token == plain.token and later.outages is not None
    assert public_state(db_engine, recent.token, ended_since=cut).outages is None
    # The per-language texts come along: the cause as residents read it.
    assert recent.outages[0].cause("sv") == "Vattenavbrott"
    assert recent.outages[0].cause("lt") == "valve replacement"

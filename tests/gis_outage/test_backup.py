"""`gis-outage export` / `import`: a backup that round-trips between SQLite and PostGIS.

The data is written through the product's own code paths (network import, directory,
portal registration, a traced outage published and notified), exported, imported into
the other backend and exported again.
"""

from __future__ import annotations

import json
import os
import stat
import struct
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from gis_outage.importers import import_network
from gis_outage.services import outages
from gis_outage.services.context import build_context
from gis_outage.storage.backup import MANIFEST, export_backup, member_name
from gis_outage.storage.db import current_revision, head_revision, make_engine, migrate
from gis_outage.storage.deliveries import (
    SentParts,
    count_unmatched_receipt,
    deliveries_for_event,
    record_sends,
)
from gis_outage.storage.field import change_device_state
from gis_outage.storage.logins import complete_login, create_challenge
from gis_outage.storage.networks import current_network_version
from gis_outage.storage.outages import (
    get_outage,
    outage_events_for,
)
from gis_outage.storage.rate_limits import record_event
from gis_outage.storage.recipients import add_opt_out
from gis_outage.storage.schema import (
    metadata,
    network_devices,
    utcnow,
    utilities,
    utility_services,
)
from gis_outage.storage.subscriptions import save_subscriptions
from gis_outage.storage.users import create_token, create_user, hash_token, user_for_token
from gis_outage.tracing import TraceEngines
from notifier.channels.demo import DemoProvider
from notifier.pipeline import process_event
from notifier.providers import ProviderChain, Providers

from ..notifier.outage_data import add_addresses, add_directory, landline, mobile
from ..settings import settings_for
from .networks import small_water
from .test_import_cli import run, url_of
from .test_network_validation import write

ENGINEER = "backup-engineer"


def fill(db: Engine, tmp_path: Path) -> dict[str, Any]:
    """A utility's worth of data in every table, written the way the product writes it."""
    with db.begin() as conn:  # the utility itself: set up once, no command writes it
        utility = conn.execute(sa.insert(utilities).values(name="Testivesi"))
        conn.execute(sa.insert(utility_services).values(
            utility_id=utility.inserted_primary_key[0], service="water"))
    add_addresses(db, ["A1", "A2", "A3"], street="Äijälänkatu")
    import_network(write(small_water(), tmp_path / "water.gpkg"), "water", engine=db)
    add_directory(db, [
        {"phone": mobile(1), "address_id": "A1", "birth_year": 1970},
        {"phone": landline(2), "address_id": "A2", "secret": False},
        {"phone": mobile(3), "address_id": "A3", "secret": True},
    ])
    create_user(db, ENGINEER, "engineer")
    token = create_token(db, ENGINEER)
    count_unmatched_receipt(db, "smpp")  # a receipt of a message nobody here sent
    # A crew's finding in the field: a valve that will not turn.
    version = current_network_version(db, "water")
    with db.connect() as conn:
        valve = conn.execute(sa.select(network_devices.c.feature_id).where(
            network_devices.c.network_version_id == version.id)).scalars().first()
    change_device_state(db, version.id, valve, "eng:1", finding="inoperable")

    # A resident registers in the portal: PIN challenge, login, a subscription.
    now = utcnow()
    challenge = create_challenge(
        db, token_hash="c" * 64, destination=mobile(4), channel="sms", pin_hash="p" * 64,
        language="sv", expires_at=now + timedelta(minutes=10), name="Åsa Öberg",
    )
    login = complete_login(db, challenge, session_token_hash="s" * 64,
                           session_expires_at=now + timedelta(hours=1))
    assert login is not None
    save_subscriptions(db, login.subscriber_id, "A3", ["water"],
                       {"phone": mobile(4), "email": None, "customer_number": "K-1",
                        "facility_number": None, "role": "resident"})
    create_challenge(  # one PIN still waiting to be typed
        db, token_hash="d" * 64, destination="asukas@example.fi", channel="email",
        pin_hash="q" * 64, language="fi", expires_at=now + timedelta(minutes=10),
    )
    add_opt_out(db, mobile(9), "sms")
    record_event(db, "b" * 64)

    # An engineer traces a break, publishes it, and the notifier sends the messages.
    settings = settings_for(tmp_path, quiet_hours_start=None, quiet_hours_end=None)
    ctx = build_context(settings, db=db)
    outage_id = outages.draft(
        ctx, service="water", kind="unplanned", starts_at=now - timedelta(minutes=5),
        estimated_end_at=now + timedelta(hours=3), cause="pipe_burst",
        texts={"fi": "Vesijohtovuoto", "sv": "Vattenläcka", "en": "Water main leak"},
        selection=outages.Selection(break_links=("L4",)), actor=ENGINEER,
    ).id
    outages.publish(ctx, outage_id, ENGINEER)
    demo = DemoProvider(tmp_path / "messages")
    providers = Providers({c: ProviderChain(c, [demo]) for c in ("sms", "email", "voice")})
    for event in outage_events_for(db, outage_id):
        process_event(db, settings, event.id, providers)
    # A long SMS: the provider took it as two parts, each with its own receipt to come.
    sms = next(d for d in deliveries_for_event(db, event.id) if d.channel == "sms")
    record_sends(db, [], [SentParts(sms.id, "smpp", ["part-1", "part-2"])])
    return {"token": token, "outage_id": outage_id}


def export(db: Engine, path: Path) -> Path:
    """An export in this process (the command itself is run where it is under test)."""
    export_backup(db, path)
    return path


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {i.filename: archive.read(i) for i in archive.infolist()}


def manifest(path: Path) -> dict[str, Any]:
    return json.loads(members(path)[MANIFEST])


def contents(path: Path) -> tuple[dict[str, bytes], dict[str, Any]]:
    """What two exports of the same data share: every table's bytes and the manifest
    without its creation time."""
    tables = {k: v for k, v in members(path).items() if k != MANIFEST}
    meta = manifest(path)
    del meta["created_at"]
    return tables, meta


def rows_of(db: Engine) -> dict[str, int]:
    with db.connect() as conn:
        return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in metadata.sorted_tables}


def fresh_sqlite(tmp_path: Path, name: str) -> Engine:
    """A SQLite file that does not exist yet: the import creates and migrates it."""
    return make_engine(f"sqlite:///{tmp_path / name / 'gis-outage.sqlite'}")


@pytest.mark.postgis
@pytest.mark.parametrize("direction", ["sqlite-to-postgis", "postgis-to-sqlite"])
def test_export_import_round_trips_to_the_other_backend(
    direction: str, sqlite_engine: Engine, postgis_db: Engine, tmp_path: Path
) -> None:
    if direction == "sqlite-to-postgis":
        source, target = sqlite_engine, postgis_db
    else:
        source, target = postgis_db, fresh_sqlite(tmp_path, "target")
    data = fill(source, tmp_path)
    first = tmp_path / "first.zip"
    first.write_text("an older file that anyone could read")
    first.chmod(0o644)
    out = run(url_of(source), "export", str(first))
    assert out.returncode == 0, out.stderr
    assert "holds personal data" in out.stdout
    assert stat.S_IMODE(os.stat(first).st_mode) == 0o600

    described = manifest(first)
    assert described["alembic_revision"] == head_revision()
    assert set(described["tables"]) == set(metadata.tables)  # every table, none forgotten
    empty = sorted(t for t, e in described["tables"].items() if e["rows"] == 0)
    assert empty == [], f"the test data leaves tables empty: {empty}"

    out = run(url_of(target), "import", str(first))
    assert out.returncode == 0, out.stderr
    assert current_revision(target) == head_revision()
    second = export(target, tmp_path / "second.zip")
    assert contents(second) == contents(first)
    assert rows_of(target) == rows_of(source)

    # The imported database works: the token, the network, the outage, new ids.
    user = user_for_token(target, data["token"])
    assert user is not None and user.name == ENGINEER
    traced = TraceEngines(target).get("water").engine.break_trace(["L4"])
    assert traced == TraceEngines(source).get("water").engine.break_trace(["L4"])
    outage = get_outage(target, data["outage_id"])
    assert outage == get_outage(source, data["outage_id"])
    assert outage.public_area.equals(get_outage(source, data["outage_id"]).public_area)
    assert create_user(target, "new-engineer", "viewer") > user.id  # sequences moved on


def test_a_file_from_an_older_schema_is_loaded_then_migrated(
    db_engine: Engine, tmp_path: Path
) -> None:
    old = make_engine(f"sqlite:///{tmp_path / 'old' / 'gis-outage.sqlite'}")
    migrate(old, "0001")
    # Written as that schema's own code did: today's storage knows later columns.
    token = "an-old-token"
    with old.begin() as conn:
        conn.execute(sa.text("INSERT INTO users (name, role, created_at) "
                             "VALUES (:n, 'admin', '2025-01-01 00:00:00')"), {"n": ENGINEER})
        conn.execute(sa.text("INSERT INTO api_tokens (user_id, token_hash, created_at, revoked) "
                             "VALUES (1, :h, '2025-01-01 00:00:00', false)"),
                     {"h": hash_token(token)})
    backup = export(old, tmp_path / "old.zip")
    assert manifest(backup)["alembic_revision"] == "0001"

    out = run(url_of(db_engine), "import", str(backup))
    assert out.returncode == 0, out.stderr
    assert current_revision(db_engine) == head_revision()
    assert user_for_token(db_engine, token).name == ENGINEER


def test_a_database_with_data_is_refused_unless_replace(
    db_engine: Engine, tmp_path: Path
) -> None:
    create_user(db_engine, ENGINEER, "engineer")
    token = create_token(db_engine, ENGINEER)
    backup = export(db_engine, tmp_path / "backup.zip")
    create_user(db_engine, "later", "viewer")

    out = run(url_of(db_engine), "import", str(backup))
    assert out.returncode == 2
    assert "already holds data" in out.stderr and "--replace" in out.stderr
    assert "Traceback" not in out.stderr
    assert rows_of(db_engine)["users"] == 2

    out = run(url_of(db_engine), "import", str(backup), "--replace")
    assert out.returncode == 0, out.stderr
    assert rows_of(db_engine)["users"] == 1
    assert contents(export(db_engine, tmp_path / "again.zip")) == contents(backup)
    assert user_for_token(db_engine, token).name == ENGINEER


def _rewrite(source: Path, target: Path, change: dict[str, bytes]) -> Path:
    """A copy of the archive with some members' bytes replaced."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            new.writestr(info, change.get(info.filename, old.read(info)))
    return target


def _replace_line(backup: Path, table: str, line: int, text: str) -> dict[str, bytes]:
    lines = members(backup)[member_name(table)].splitlines(keepends=True)
    lines[line - 1] = text.encode() + b"\n"
    return {member_name(table): b"".join(lines)}


def _damage(kind: str, backup: Path, tmp_path: Path) -> tuple[Path, str]:
    """A damaged copy of `backup`, and what the error must say."""
    damaged = tmp_path / f"{kind}.zip"
    users = member_name("users")
    if kind == "truncated":
        damaged.write_bytes(backup.read_bytes()[: backup.stat().st_size // 2])
        return damaged, "not a zip archive, or a truncated one"
    if kind == "foreign":
        damaged.write_text("id,name\n1,x\n")
        return damaged, "not a gis-outage backup"
    if kind == "flipped-byte":
        data = bytearray(backup.read_bytes())
        with zipfile.ZipFile(backup) as archive:
            info = archive.getinfo(users)
        name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
        start = info.header_offset + 30 + name_len + extra_len
        data[start + info.compress_size // 2] ^= 0xFF
        damaged.write_bytes(bytes(data))
        return damaged, f"{users} is damaged"
    if kind == "not-json":
        _rewrite(backup, damaged, _replace_line(backup, "users", 1, '{"id": 1, "na'))
        return damaged, f"{users} line 1: not a JSON object"
    if kind == "wrong-type":
        row = json.loads(members(backup)[users].splitlines()[0])
        row["created_at"] = "yesterday"
        _rewrite(backup, damaged, _replace_line(backup, "users", 1, json.dumps(row)))
        return damaged, f"{users} line 1: column created_at: expected an ISO 8601 time"
    if kind == "duplicate-row":
        line = members(backup)[users].splitlines(keepends=True)[0]
        _rewrite(backup, damaged, {users: line + line})
        return damaged, f"{users} line 2: the database refused the row"
    if kind == "altered":
        row = json.loads(members(backup)[users].splitlines()[0])
        row["role"] = "admin"
        _rewrite(backup, damaged, _replace_line(backup, "users", 1, json.dumps(row)))
        return damaged, f"{users}: its SHA-256 is not the manifest's"
    if kind == "newer-schema":
        meta = manifest(backup) | {"alembic_revision": "9999"}
        _rewrite(backup, damaged, {MANIFEST: json.dumps(meta).encode()})
        return damaged, "schema revision '9999', which this gis-outage does not know"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["truncated", "foreign", "flipped-byte", "not-json", "wrong-type",
                                  "duplicate-row", "altered", "newer-schema"])
def test_a_damaged_file_is_refused_and_the_database_is_untouched(
    kind: str, db_engine: Engine, tmp_path: Path
) -> None:
    create_user(db_engine, ENGINEER, "engineer")
    create_user(db_engine, "second", "viewer")
    backup = export(db_engine, tmp_path / "backup.zip")
    create_user(db_engine, "later", "viewer")
    before = export(db_engine, tmp_path / "before.zip")
    damaged, message = _damage(kind, backup, tmp_path)

    out = run(url_of(db_engine), "import", str(damaged), "--replace")
    assert out.returncode == 2
    assert message in out.stderr
    errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0] and "Traceback" not in out.stderr
    assert contents(export(db_engine, tmp_path / "after.zip")) == contents(before)

"""`gis-outage export` / `import`: every stored row in one portable file.

The file is a zip archive:

- `tables/<table>.jsonl`: one JSON object per row (keys sorted), rows in primary-key
  order (text compared by code point on both backends), so the same data always gives
  the same bytes whichever backend holds it;
- `manifest.json`: format name and version, the Alembic revision of the schema, when it
  was written, and per table its columns, row count and the SHA-256 of its member.

Values: timestamps as ISO 8601 in UTC, geometries as hex WKB (a network feature's CRS
is its network version's `srid`), JSON columns as JSON, booleans as true/false, binary
columns as hex. The tables come from the schema's SQLAlchemy metadata, so a new table
is exported without a change here; a new column *type* is refused until it has an
encoding below.

Rows are streamed table by table in both directions; an import runs in one
transaction, so a bad file leaves the database as it was.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import shapely
import sqlalchemy as sa
from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Connection, Engine

from gis_outage.storage.backup_values import (
    ENCODERS,
    BackupError,
    BadValue,
    decoder,
    value_kind,
)
from gis_outage.storage.db import POSTGIS_TABLES, alembic_config, schema_transaction
from gis_outage.storage.schema import metadata

FORMAT = "gis-outage-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
BATCH_ROWS = 2_000  # rows held in memory at once, per direction
ALEMBIC_TABLE = "alembic_version"
# Fixed member times and modes: identical data gives an identical archive body.
MEMBER_DATE = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o600  # the file holds personal data


@dataclass(frozen=True)
class Summary:
    tables: int
    rows: int
    revision: str


def member_name(table: str) -> str:
    return f"tables/{table}.jsonl"


# -- export ----------------------------------------------------------------------------


def export_backup(engine: Engine, path: Path) -> Summary:
    """Write every table of the database to `path` (mode 0600), replacing it at the end."""
    path = Path(path)
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent}: no such directory")
    partial = path.with_name(f".{path.name}.partial")
    with _snapshot(engine) as conn:
        revision = _known_revision(conn)
        tables = _stored_tables(conn)
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "alembic_revision": revision,
            "created_at": datetime.now(UTC).isoformat(),
            "tables": {},
        }
        try:
            with _private_file(partial) as handle, zipfile.ZipFile(handle, "w") as archive:
                for table, columns in tables:
                    manifest["tables"][table.name] = _export_table(conn, archive, table, columns)
                archive.writestr(
                    _member(MANIFEST), json.dumps(manifest, indent=2, sort_keys=True) + "\n"
                )
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
    rows = sum(t["rows"] for t in manifest["tables"].values())
    return Summary(tables=len(tables), rows=rows, revision=revision)


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One read transaction: the tables are exported as of a single moment."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


@contextmanager
def _private_file(path: Path) -> Iterator[io.BufferedWriter]:
    """A new file readable by its owner only, whatever the umask."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    os.fchmod(fd, FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        yield handle


def _member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=MEMBER_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = FILE_MODE << 16
    return info


def _export_table(
    conn: Connection, archive: zipfile.ZipFile, table: sa.Table, columns: list[sa.Column[Any]]
) -> dict[str, Any]:
    encoders = [(c.name, ENCODERS.get(value_kind(c))) for c in columns]
    digest = hashlib.sha256()
    count = 0
    query = sa.select(*columns).order_by(*_row_order(conn, table))
    result = conn.execution_options(yield_per=BATCH_ROWS).execute(query)
    with archive.open(_member(member_name(table.name)), "w", force_zip64=True) as member:
        for row in result:
            record = {
                name: value if encode is None else encode(value)
                for (name, encode), value in zip(encoders, row, strict=True)
            }
            line = (json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n").encode()
            member.write(line)
            digest.update(line)
            count += 1
    return {"columns": sorted(c.name for c in columns), "rows": count, "sha256": digest.hexdigest()}


def _row_order(conn: Connection, table: sa.Table) -> list[Any]:
    """Primary-key order; text by code point (PostgreSQL's "C" collation is SQLite's)."""
    keys = list(table.primary_key.columns) or list(table.columns)
    if conn.dialect.name != "postgresql":
        return keys
    return [sa.collate(k, "C") if value_kind(k) in ("text", "enum") else k for k in keys]


def _known_revision(conn: Connection) -> str:
    revision = MigrationContext.configure(conn).get_current_revision()
    if revision is None:
        raise BackupError("the database has no gis-outage schema (run `gis-outage migrate`)")
    _script_revision(revision, "the database is at")
    return revision


def _stored_tables(conn: Connection) -> list[tuple[sa.Table, list[sa.Column[Any]]]]:
    """The database's tables and columns, in dependency order, as the schema types them.

    A database at an older revision has fewer tables or columns than the schema; a
    table or column the schema does not know cannot be typed, so it is refused.
    """
    inspector = sa.inspect(conn)
    names = set(inspector.get_table_names()) - {ALEMBIC_TABLE, *POSTGIS_TABLES}
    columns = {}
    with warnings.catch_warnings():  # only the names matter, not PostGIS's unknown types
        warnings.simplefilter("ignore", sa.exc.SAWarning)
        for name in names:
            columns[name] = {c["name"] for c in inspector.get_columns(name)}
    unknown = sorted(names - set(metadata.tables))
    if unknown:
        raise BackupError(f"the database has tables this gis-outage does not know: {unknown}")
    out = []
    for table in metadata.sorted_tables:
        if table.name not in names:
            continue
        stored = columns[table.name]
        unknown = sorted(stored - set(table.columns.keys()))
        if unknown:
            raise BackupError(f"table {table.name} has columns this gis-outage does not know: "
                              f"{unknown}")
        out.append((table, [c for c in table.columns if c.name in stored]))
    return out


def _script_revision(revision: str, what: str) -> None:
    """Refuse a revision that this code's migrations do not contain (a newer schema)."""
    script = ScriptDirectory.from_config(alembic_config())
    try:
        known = script.get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise BackupError(
            f"{what} schema revision {revision!r}, which this gis-outage does not know "
            f"(its newest is {script.get_current_head()!r}): upgrade gis-outage first"
        )


# -- import ----------------------------------------------------------------------------


def import_backup(engine: Engine, path: Path, *, replace: bool = False) -> Summary:
    """Load a backup into the database in one transaction, then migrate it to the newest
    schema. An empty database is migrated to the file's revision first; one holding data
    is refused unless `replace` (its rows are then deleted in the same transaction)."""
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise BackupError(f"{path.name}: not a gis-outage backup (not a zip archive, or "
                          "a truncated one)") from None
    with archive:
        manifest = _read_manifest(archive, path.name)
        revision = manifest["alembic_revision"]
        _script_revision(revision, f"{path.name} was written at")
        with schema_transaction(engine) as conn:  # keys checked at the end
            _make_room(conn, replace)
            _move_schema(conn, revision)
            tables = _matching_tables(conn, manifest, path.name)
            srids: dict[int, int] = {}
            rows = 0
            for table, columns in tables:
                rows += _load_table(conn, archive, path.name, table, columns,
                                    manifest["tables"][table.name], srids)
                if table.name == "network_versions":
                    srids = _version_srids(conn, table)
            command.upgrade(alembic_config(conn), "head")
            _check_references(conn)
            _reset_sequences(conn)
    return Summary(tables=len(tables), rows=rows, revision=revision)


def _version_srids(conn: Connection, versions: sa.Table) -> dict[int, int]:
    """Each network version's CRS, which its features' geometries carry on PostGIS."""
    return {r.id: r.srid for r in conn.execute(sa.select(versions.c.id, versions.c.srid))}


def _read_manifest(archive: zipfile.ZipFile, name: str) -> dict[str, Any]:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError:
        raise BackupError(f"{name}: not a gis-outage backup (no {MANIFEST})") from None
    except (ValueError, zipfile.BadZipFile, zlib.error, OSError) as exc:
        raise BackupError(f"{name}: {MANIFEST} is damaged ({_reason(exc)})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{name}: not a gis-outage backup ({MANIFEST} names another format)")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"{name}: backup format version {manifest.get('format_version')!r} "
                          f"is not {FORMAT_VERSION}, the one this gis-outage reads")
    tables = manifest.get("tables")
    if not isinstance(manifest.get("alembic_revision"), str) or not isinstance(tables, dict):
        raise BackupError(f"{name}: {MANIFEST} lacks alembic_revision or tables")
    for table, entry in tables.items():
        ok = (isinstance(entry, dict) and isinstance(entry.get("columns"), list)
              and all(isinstance(c, str) for c in entry["columns"])
              and isinstance(entry.get("rows"), int) and isinstance(entry.get("sha256"), str))
        if not ok:
            raise BackupError(f"{name}: {MANIFEST}: table {table}: needs columns, rows, sha256")
    return manifest


def _our_tables(conn: Connection) -> list[str]:
    """The schema's tables present in the database, dependents first (the order to
    delete in). Tables of anything else are never touched."""
    names = set(sa.inspect(conn).get_table_names())
    return [t.name for t in reversed(metadata.sorted_tables) if t.name in names]


def _make_room(conn: Connection, replace: bool) -> None:
    revision = MigrationContext.configure(conn).get_current_revision()
    if revision is not None:
        _script_revision(revision, "the database is at")
    for name in _our_tables(conn):
        table = sa.table(name)
        if conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is None:
            continue
        if not replace:
            raise BackupError(f"the database already holds data (table {name} has rows): "
                              "give --replace to delete all of it and load the backup")
        conn.execute(sa.delete(table))


def _move_schema(conn: Connection, revision: str) -> None:
    """Bring the (now empty) database to the file's revision."""
    current = MigrationContext.configure(conn).get_current_revision()
    if current == revision:
        return
    script = ScriptDirectory.from_config(alembic_config())
    ahead = current is not None and revision in {
        r.revision for r in script.iterate_revisions(current, "base")
    }
    config = alembic_config(conn)
    if ahead:
        command.downgrade(config, revision)
    else:
        command.upgrade(config, revision)


def _matching_tables(
    conn: Connection, manifest: dict[str, Any], name: str
) -> list[tuple[sa.Table, list[sa.Column[Any]]]]:
    """The database's tables at the file's revision, which must be the file's tables."""
    tables = _stored_tables(conn)
    in_db = {t.name: sorted(c.name for c in cols) for t, cols in tables}
    in_file = {t: sorted(entry["columns"]) for t, entry in manifest["tables"].items()}
    for table in sorted(set(in_db) | set(in_file)):
        if table not in in_file:
            raise BackupError(f"{name}: table {table} is missing from the backup")
        if table not in in_db:
            raise BackupError(f"{name}: table {table} is not in the schema at revision "
                              f"{manifest['alembic_revision']}")
        if in_db[table] != in_file[table]:
            raise BackupError(f"{name}: table {table}: the backup's columns {in_file[table]} "
                              f"are not the schema's {in_db[table]}")
    return tables


def _load_table(
    conn: Connection,
    archive: zipfile.ZipFile,
    name: str,
    table: sa.Table,
    columns: list[sa.Column[Any]],
    entry: dict[str, Any],
    srids: dict[int, int],
) -> int:
    where = f"{name}: {member_name(table.name)}"
    decoders = {c.name: decoder(c) for c in columns}
    expected = set(decoders)
    # Geometries without a fixed SRID (network features) take their version's CRS.
    tagged = [c.name for c in columns if value_kind(c) == "geometry" and c.type.srid is None]  # type: ignore[attr-defined]
    postgres = conn.dialect.name == "postgresql"
    digest = hashlib.sha256()
    count = 0
    batch: list[tuple[int, dict[str, Any]]] = []
    if member_name(table.name) not in archive.namelist():
        raise BackupError(f"{where} is missing")
    try:
        with archive.open(member_name(table.name)) as member:
            for count, line in enumerate(member, start=1):
                digest.update(line)
                at = f"{where} line {count}"
                try:
                    record = json.loads(line)
                except ValueError:
                    raise BackupError(f"{at}: not a JSON object") from None
                if not isinstance(record, dict) or set(record) != expected:
                    raise BackupError(f"{at}: expected an object with the columns "
                                      f"{sorted(expected)}")
                try:
                    row = {k: decoders[k](v) for k, v in record.items()}
                except BadValue as exc:
                    raise BackupError(f"{at}: {exc}") from None
                if postgres and tagged:
                    srid = srids.get(row.get("network_version_id"), 0)
                    for key in tagged:
                        if row[key] is not None:
                            row[key] = shapely.set_srid(row[key], srid)
                batch.append((count, row))
                if len(batch) >= BATCH_ROWS:
                    _insert(conn, table, batch, where)
                    batch = []
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        raise BackupError(f"{where} is damaged ({_reason(exc)})") from None
    _insert(conn, table, batch, where)
    if count != entry["rows"]:
        raise BackupError(f"{where} has {count} rows, the manifest says {entry['rows']}")
    if digest.hexdigest() != entry["sha256"]:
        raise BackupError(f"{where}: its SHA-256 is not the manifest's (the file was altered)")
    return count


def _insert(
    conn: Connection, table: sa.Table, batch: list[tuple[int, dict[str, Any]]], where: str
) -> None:
    """Insert a batch; if the database refuses it, find and name the first bad line."""
    if not batch:
        return
    try:
        with conn.begin_nested():
            conn.execute(table.insert(), [row for _, row in batch])
        return
    except sa.exc.StatementError:
        pass
    for line, row in batch:
        try:
            with conn.begin_nested():
                conn.execute(table.insert(), [row])
        except sa.exc.StatementError as exc:
            raise BackupError(f"{where} line {line}: the database refused the row "
                              f"({_refusal(exc)})") from None


def _refusal(exc: sa.exc.StatementError) -> str:
    """Why the database refused a row, without the row's values (they may be personal)."""
    orig = exc.orig
    diag = getattr(orig, "diag", None)
    if diag is not None:  # psycopg: the constraint, not the message (which quotes values)
        return f"violates {diag.constraint_name}" if diag.constraint_name else \
            f"SQLSTATE {diag.sqlstate}"
    if isinstance(exc, sa.exc.DBAPIError):
        return str(orig)  # SQLite names the constraint only
    return type(orig).__name__


def _check_references(conn: Connection) -> None:
    if conn.dialect.name != "sqlite":
        return  # PostgreSQL checked each row as it went in
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        table, _rowid, parent, _fk = broken[0]
        raise BackupError(f"table {table}: {len(broken)} row(s) refer to rows missing from "
                          f"table {parent}")


def _reset_sequences(conn: Connection) -> None:
    """PostgreSQL: ids were given explicitly, so move each sequence past the largest."""
    if conn.dialect.name != "postgresql":
        return
    for table in metadata.sorted_tables:
        column = table.autoincrement_column
        if column is None:
            continue
        sequence = conn.execute(
            sa.select(sa.func.pg_get_serial_sequence(table.name, column.name))
        ).scalar()
        if sequence:
            largest = sa.select(sa.func.coalesce(sa.func.max(column), 0) + 1).scalar_subquery()
            conn.execute(sa.select(sa.func.setval(sequence, largest, False)))


def _reason(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


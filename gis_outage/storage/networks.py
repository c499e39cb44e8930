"""Network versions: every import is a new version; the current one is what traces use.

Features are stored in the CRS of the imported file (the SRID is recorded on the
version). Columns outside the interchange format are kept in `attributes` JSON and
come back as columns when the network is loaded.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import sqlalchemy as sa
from pyproj import CRS
from sqlalchemy.engine import Connection

from gis_outage.critical import parse_category
from gis_outage.model import Service
from gis_outage.storage.addresses import upsert_addresses
from gis_outage.storage.db import Bind, read_connection, write_transaction
from gis_outage.storage.errors import ConflictError
from gis_outage.storage.field import carry_over
from gis_outage.storage.geometry import decode_many, encode_many, raw
from gis_outage.storage.schema import FEATURE_TABLES, network_versions, utcnow


@dataclass(frozen=True, slots=True)
class NetworkVersion:
    """One imported network (a row of `network_versions`)."""

    id: int
    service: Service
    created_at: datetime
    source_name: str  # the imported file's name
    srid: int  # EPSG code of the features' CRS; 0: none or one without a code (crs_wkt)
    crs_wkt: str | None
    snap_tolerance_m: float | None  # the topology's tolerance; None: the setting's
    counts: dict[str, int]  # {"links": n, ...}
    extra_columns: dict[str, list[str]]  # {"links": [names in order], ...}
    is_current: bool

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> NetworkVersion:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})


# Interchange columns per layer (after `id`) and the default for a missing value.
INTERCHANGE: dict[str, dict[str, Any]] = {
    "links": {"from_node": None, "to_node": None, "kind": None},
    "devices": {
        "link_id": None,
        "node_id": None,
        "kind": None,
        "normally_passes": True,
        "operable": True,
    },
    "sources": {"node_id": None},
    "service_points": {"link_id": None, "node_id": None, "address_id": None, "customers": 1,
                       "critical": None},
}
NETWORK_LAYERS = tuple(INTERCHANGE)

# Rows per executemany batch: bounds memory for large networks.
BATCH_SIZE = 10_000


def save_network(
    bind: Bind,
    service: str,
    layers: Mapping[str, gpd.GeoDataFrame],
    source_name: str,
    snap_tolerance_m: float | None = None,
) -> int:
    """Store `layers` as a new network version and make it the current one for `service`.

    `snap_tolerance_m` is the tolerance the topology was built with; every engine built
    from this version uses it.

    All in one transaction: if anything fails (e.g. a duplicate feature id) the previous
    version stays current and nothing of the new one is left behind. An `addresses`
    layer is upserted into the shared address register in the same transaction, and so
    are the field state rows (findings, positions set by hand) of the previous current
    version whose devices the new one still has (storage/field.carry_over).
    Returns the new version's id.
    """
    service = Service(service).value
    unknown = set(layers) - {*NETWORK_LAYERS, "addresses"}
    if unknown:
        raise ValueError(f"unknown layers {sorted(unknown)}; expected {list(NETWORK_LAYERS)}")
    if "links" not in layers:
        raise ValueError("a network needs a `links` layer")
    crs = layers["links"].crs
    srid = _srid(crs)
    crs_wkt = crs.to_wkt() if crs is not None and srid == 0 else None

    frames = {name: _in_crs(layers[name], crs, name) for name in NETWORK_LAYERS if name in layers}
    extra_columns = {name: _extra_columns(frame, name) for name, frame in frames.items()}
    counts = {name: len(frames.get(name, ())) for name in NETWORK_LAYERS}
    if "addresses" in layers:
        counts["addresses"] = len(layers["addresses"])

    # Rows are built (and checked) before the transaction, to hold the write lock briefly.
    dialect = bind.dialect.name
    rows = {
        name: _feature_rows(frame, name, srid, extra_columns[name], dialect)
        for name, frame in frames.items()
    }
    try:
        with write_transaction(bind) as conn:
            version_id = conn.execute(
                network_versions.insert().values(
                    service=service,
                    created_at=utcnow(),
                    source_name=source_name,
                    srid=srid,
                    crs_wkt=crs_wkt,
                    snap_tolerance_m=snap_tolerance_m,
                    counts=counts,
                    extra_columns={n: extra_columns.get(n, []) for n in NETWORK_LAYERS},
                    is_current=False,
                )
            ).inserted_primary_key[0]
            for name, layer_rows in rows.items():
                for row in layer_rows:
                    row["network_version_id"] = version_id
                _insert_batched(conn, FEATURE_TABLES[name], layer_rows)
            if "addresses" in layers:
                upsert_addresses(conn, layers["addresses"])
            previous = conn.execute(
                sa.select(network_versions.c.id)
                .where(network_versions.c.service == service, network_versions.c.is_current)
            ).scalar()
            if previous is not None:  # findings and hand positions stay for kept devices
                carry_over(conn, int(previous), int(version_id))
            # Un-mark first: the partial unique index allows one current version.
            conn.execute(
                network_versions.update()
                .where(network_versions.c.service == service, network_versions.c.is_current)
                .values(is_current=False)
            )
            conn.execute(
                network_versions.update()
                .where(network_versions.c.id == version_id)
                .values(is_current=True)
            )
    except sa.exc.IntegrityError as exc:
        raise ConflictError(f"network not saved: {exc.orig}") from exc
    return int(version_id)


def current_network_version(bind: Bind, service: str) -> NetworkVersion | None:
    """The current version (id, srid, counts, ...), None if none was saved."""
    query = sa.select(network_versions).where(
        network_versions.c.service == Service(service).value, network_versions.c.is_current
    )
    with read_connection(bind) as conn:
        row = conn.execute(query).mappings().first()
    return NetworkVersion.from_row(row) if row else None


def connected_services(bind: Bind, address_id: str) -> set[str]:
    """The services whose current network has a service point at the address."""
    points = FEATURE_TABLES["service_points"]
    query = (
        sa.select(network_versions.c.service)
        .join(points, points.c.network_version_id == network_versions.c.id)
        .where(network_versions.c.is_current, points.c.address_id == address_id)
        .distinct()
    )
    with read_connection(bind) as conn:
        return set(conn.execute(query).scalars())


def load_network_layers(bind: Bind, service: str) -> dict[str, gpd.GeoDataFrame] | None:
    """The current network of `service` as interchange layers, None if there is none.

    Every layer is present (possibly empty) with the interchange columns, then the
    extra columns in their original order, then `geometry`; rows ordered by id.
    """
    with read_connection(bind) as conn:
        version = (
            conn.execute(
                sa.select(network_versions).where(
                    network_versions.c.service == Service(service).value,
                    network_versions.c.is_current,
                )
            )
            .mappings()
            .first()
        )
        if version is None:
            return None
        version = NetworkVersion.from_row(version)
        crs = stored_crs(version)
        return {
            name: _load_layer(conn, name, version.id, version.extra_columns[name], crs)
            for name in NETWORK_LAYERS
        }


def prune_network_versions(bind: Bind, service: str, keep: int = 3) -> int:
    """Delete all but the newest `keep` versions (never the current one); returns count."""
    service = Service(service).value
    with write_transaction(bind) as conn:
        ids = (
            conn.execute(
                sa.select(network_versions.c.id)
                .where(network_versions.c.service == service, ~network_versions.c.is_current)
                .order_by(network_versions.c.id.desc())
                .offset(max(keep - 1, 0))
            )
            .scalars()
            .all()
        )
        if ids:
            conn.execute(network_versions.delete().where(network_versions.c.id.in_(ids)))
    return len(ids)


def stored_crs(version: NetworkVersion) -> CRS | None:
    """The CRS of a stored version: by EPSG code, else from its WKT, else none."""
    if version.srid:
        return CRS.from_epsg(version.srid)
    return CRS.from_wkt(version.crs_wkt) if version.crs_wkt else None


def _srid(crs: CRS | None) -> int:
    """The EPSG code; 0 for local coordinates (WNTR's examples) or a CRS without a code."""
    if crs is None:
        return 0
    return CRS.from_user_input(crs).to_epsg() or 0


def _in_crs(frame: gpd.GeoDataFrame, crs: CRS | None, name: str) -> gpd.GeoDataFrame:
    if "id" not in frame.columns:
        raise ValueError(f"layer {name!r} has no `id` column")
    if frame.crs == crs or len(frame) == 0:
        return frame
    if frame.crs is None or crs is None:
        raise ValueError(f"layer {name!r} CRS {frame.crs} differs from the links' CRS {crs}")
    return frame.to_crs(crs)


def _extra_columns(frame: gpd.GeoDataFrame, name: str) -> list[str]:
    known = {"id", frame.geometry.name, *INTERCHANGE[name]}
    return [str(c) for c in frame.columns if c not in known]


def _feature_rows(
    frame: gpd.GeoDataFrame,
    name: str,
    srid: int,
    extras: list[str],
    dialect_name: str,
) -> list[dict[str, Any]]:
    """Rows for executemany, built column-wise: per-row pandas access is far too slow."""
    n = len(frame)
    columns: dict[str, list[Any]] = {"feature_id": [_text(v) for v in frame["id"].tolist()]}
    if any(v is None for v in columns["feature_id"]):
        raise ValueError(f"layer {name!r} has a feature without id")
    for column, default in INTERCHANGE[name].items():
        convert = _CONVERTERS.get(column, _text)
        values = frame[column].tolist() if column in frame.columns else [None] * n
        columns[column] = [convert(v, default) for v in values]
    columns["attributes"] = (
        [
            {key: _json_value(value) for key, value in record.items()}
            for record in frame[extras].rename(columns=str).to_dict("records")
        ]
        if extras
        else [{} for _ in range(n)]
    )
    # The SRID travels in the EWKB on PostgreSQL, whose network columns accept any SRID.
    columns["geometry"] = encode_many(frame.geometry.array, dialect_name, srid)
    keys = list(columns)
    return [dict(zip(keys, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def _insert_batched(conn: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH_SIZE):
        conn.execute(table.insert(), rows[start : start + BATCH_SIZE])


def _load_layer(
    conn: Connection, name: str, version_id: int, extras: list[str], crs: CRS | None
) -> gpd.GeoDataFrame:
    table = FEATURE_TABLES[name]
    interchange = list(INTERCHANGE[name])
    rows = conn.execute(
        sa.select(
            table.c.feature_id,
            *(table.c[c] for c in interchange),
            table.c.attributes,
            raw(table.c.geometry),
        )
        .where(table.c.network_version_id == version_id)
        .order_by(table.c.feature_id)
    ).all()
    data: dict[str, Any] = {"id": [r[0] for r in rows]}
    for i, column in enumerate(interchange, start=1):
        data[column] = [r[i] for r in rows]
    frame = pd.DataFrame(data)
    if extras:
        attributes = pd.DataFrame.from_records([r[-2] for r in rows], columns=extras)
        frame = pd.concat([frame, attributes], axis=1)
    return gpd.GeoDataFrame(frame, geometry=decode_many([r[-1] for r in rows]), crs=crs)


def _is_missing(value: Any) -> bool:
    return value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def _text(value: Any, default: str | None = None) -> str | None:
    if _is_missing(value):
        return default
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # ids read from a float column (ints with gaps)
    return str(value)


def _bool(value: Any, default: bool) -> bool:
    if _is_missing(value):
        return default
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "t", "yes", "1"):
            return True
        if text in ("false", "f", "no", "0"):
            return False
        raise ValueError(f"not a boolean: {value!r}")
    return bool(value)


def _int(value: Any, default: int) -> int:
    return default if _is_missing(value) else int(value)


def _critical(value: Any, default: str | None) -> str | None:
    return parse_category(value) or default


_CONVERTERS: dict[str, Callable[..., Any]] = {
    "critical": _critical,
    "normally_passes": _bool,
    "operable": _bool,
    "customers": _int,
}


def _json_value(value: Any) -> Any:
    """A JSON-safe version of a cell: NaN → null, numpy → Python, times → ISO text."""
    if isinstance(value, np.generic):
        value = value.item()
    if _is_missing(value):
        return None
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, np.ndarray):
        return [_json_value(v) for v in value.tolist()]
    return value

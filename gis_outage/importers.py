"""Imports into storage: networks, addresses and operator directory extracts.

A network import is all or nothing: every feature is checked first and the
new version replaces the old one in one transaction. Directory rows that
cannot be used are skipped and counted by row number; their phone numbers
are never printed.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
from sqlalchemy import Engine

from .apartments import normalize_apartment
from .field_carry import field_report
from .model import LANGUAGES
from .network import NetworkError, Problem, build_network, describe, read_layers
from .phones import InvalidPhoneNumber, normalise, number_type
from .storage.addresses import upsert_addresses
from .storage.directory import replace_directory
from .storage.networks import save_network
from .trace import TraceEngine

ADDRESS_COLUMNS = ("id", "street", "house_number", "postal_code", "municipality")
DIRECTORY_COLUMNS = ("phone", "address_id")
TRUE_WORDS = {"true", "t", "yes", "y", "1"}


def network_layers(path: Path | None = None, mapping: Path | None = None) -> dict:
    """The interchange layers of a file, or of the utility's own schema by a mapping."""
    if mapping is not None:
        from .mapping import read_mapped_layers

        return read_mapped_layers(mapping)
    if path is None:
        raise NetworkError([Problem("network", None, "give a file or --mapping")])
    return read_layers(path)


def check_network(
    path: Path | None = None, *, mapping: Path | None = None,
    snap_tolerance_m: float | None = None,
) -> tuple[bool, str]:
    """The full report on a network without importing it: (usable, text)."""
    name = Path(mapping or path).name  # type: ignore[arg-type]
    try:
        layers = network_layers(path, mapping)
        net = build_network(layers, snap_tolerance_m=snap_tolerance_m)
    except NetworkError as exc:
        lines = [f"{name}: {len(exc.problems)} problem(s), nothing would be imported:"]
        return False, "\n".join(lines + [f"  {p}" for p in exc.problems])
    warnings = TraceEngine(net).warnings
    links = net.layers["links"]
    crs = links.crs.to_string() if links.crs is not None else "none"
    x0, y0, x1, y1 = links.total_bounds
    lines = [
        f"{name}: no problems; it would import as:",
        f"  {len(net.link_ids)} links, {len(net.node_ids)} nodes, {len(net.device_ids)} "
        f"devices, {len(net.source_ids)} sources, {len(net.sp_ids)} service points, "
        f"{len(layers.get('addresses', ()))} addresses",
        f"  CRS {crs}; extent x {x0:.10g}…{x1:.10g}, y {y0:.10g}…{y1:.10g}; snap tolerance "
        f"{net.snap_tolerance_m:g} m",
        f"{len(warnings)} warning(s)" + (":" if warnings else ""),
        *(f"  {w}" for w in warnings),
    ]
    return True, "\n".join(lines)


def import_network(
    path: Path | None, service: str, *, engine: Engine,
    snap_tolerance_m: float | None = None, mapping: Path | None = None,
) -> str:
    """Check and store a network file (or the utility's own schema by a mapping) as the
    service's new version, with the tolerance its topology was built with; the summary
    lists the warnings."""
    layers = network_layers(path, mapping)
    net = build_network(layers, snap_tolerance_m=snap_tolerance_m)
    path = Path(mapping or path)  # type: ignore[arg-type]
    warnings = TraceEngine(net).warnings  # the engine adds what only supply shows
    version = save_network(engine, service, net.layers, source_name=Path(path).name,
                           snap_tolerance_m=net.snap_tolerance_m)
    summary = (
        f"imported {service} network version {version} from {Path(path).name}: "
        f"{len(net.link_ids)} links, {len(net.node_ids)} nodes, {len(net.device_ids)} devices, "
        f"{len(net.source_ids)} sources, {len(net.sp_ids)} service points"
    )
    if warnings:
        summary += f"\n{len(warnings)} warning(s):"
        summary += "".join(f"\n  {line}" for line in describe(warnings))
    summary += "".join(f"\n{line}" for line in field_report(engine, service, version, net))
    return summary


def read_addresses(path: Path) -> gpd.GeoDataFrame:
    """Addresses from a GeoPackage/GeoJSON layer, or a CSV with lon and lat in WGS84."""
    if path.suffix.lower() == ".csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        missing = [c for c in (*ADDRESS_COLUMNS, "lon", "lat") if c not in frame.columns]
        if missing:
            raise NetworkError([Problem("addresses", None, f"missing columns: {missing}")])
        try:
            xy = gpd.points_from_xy(frame["lon"].astype(float), frame["lat"].astype(float))
        except ValueError:
            raise NetworkError([Problem("addresses", None, "lon/lat must be numbers")]) from None
        return gpd.GeoDataFrame(frame.drop(columns=["lon", "lat"]), geometry=xy, crs="EPSG:4326")
    layers = read_layers(path)
    if "addresses" not in layers:
        raise NetworkError([Problem("addresses", None, f"{path.name} has no 'addresses' layer")])
    gdf = layers["addresses"]
    missing = [c for c in ADDRESS_COLUMNS if c not in gdf.columns]
    if missing:
        raise NetworkError([Problem("addresses", None, f"missing columns: {missing}")])
    return gdf


def import_addresses(path: Path, *, engine: Engine) -> str:
    gdf = read_addresses(Path(path))
    check = [Problem("addresses", fid, "geometry is missing")
             for fid, g in zip(gdf["id"], gdf.geometry, strict=True) if g is None or g.is_empty]
    if check:
        raise NetworkError(check)
    count = upsert_addresses(engine, gdf)
    return f"imported {count} addresses from {Path(path).name}"


@dataclass
class DirectoryRows:
    rows: list[dict] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    def skip(self, line: int, reason: str) -> None:
        self.skipped[reason] += 1
        if len(self.examples) < 20:
            self.examples.append(f"row {line}: {reason}")


def parse_directory(path: Path, region: str = "FI") -> DirectoryRows:
    """Rows of an operator extract, phone numbers in E.164 with their line type."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in DIRECTORY_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise NetworkError([Problem("directory", None, f"missing columns: {missing}")])
        out = DirectoryRows()
        for line, row in enumerate(reader, start=2):
            try:
                phone = normalise(row["phone"], region)
            except InvalidPhoneNumber as exc:
                out.skip(line, f"phone: {exc}")
                continue
            address = (row.get("address_id") or "").strip()
            if not address:
                out.skip(line, "address_id is empty")
                continue
            birth = (row.get("birth_year") or "").strip()
            if birth and not (birth.isdigit() and 1880 <= int(birth) <= 2100):
                out.skip(line, "birth_year is not a year")
                continue
            try:  # an optional column: the apartment in a block ("A 12")
                apartment = normalize_apartment(row.get("apartment"))
            except ValueError as exc:
                out.skip(line, f"apartment: {exc}")
                continue
            language = (row.get("language") or "").strip().lower() or None  # optional
            if language is not None and language not in LANGUAGES:
                out.skip(line, f"language is none of {', '.join(LANGUAGES)}")
                continue
            out.rows.append({
                "phone": phone,
                "number_type": str(number_type(phone)),
                "address_id": address,
                "secret": (row.get("secret") or "").strip().lower() in TRUE_WORDS,
                "birth_year": int(birth) if birth else None,
                "apartment": apartment,
                "language": language,
            })
    return out


def import_directory(path: Path, *, source: str, engine: Engine, region: str = "FI") -> str:
    parsed = parse_directory(Path(path), region)
    count = replace_directory(engine, parsed.rows, source=source)
    lines = [f"imported {count} directory entries from {Path(path).name} (source {source})"]
    if parsed.skipped:
        lines.append(f"skipped {sum(parsed.skipped.values())} rows:")
        lines += [f"  {reason}: {n}" for reason, n in parsed.skipped.most_common()]
        lines += [f"  {example}" for example in parsed.examples]
    return "\n".join(lines)

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
from .model import LANGUAGES
from .network import NetworkError, Problem, build_network, read_layers
from .phones import InvalidPhoneNumber, normalise, number_type
from .storage.addresses import upsert_addresses
from .storage.directory import replace_directory
from .storage.networks import save_network

ADDRESS_COLUMNS = ("id", "street", "house_number", "postal_code", "municipality")
DIRECTORY_COLUMNS = ("phone", "address_id")
TRUE_WORDS = {"true", "t", "yes", "y", "1"}


def import_network(
    path: Path, service: str, *, engine: Engine, snap_tolerance: float = 0.01
) -> str:
    layers = read_layers(path)
    net = build_network(layers, snap_tolerance=snap_tolerance)
    if "addresses" in layers and len(layers["addresses"]):
        upsert_addresses(engine, layers["addresses"])
    version = save_network(engine, service, net.layers, source_name=Path(path).name)
    return (
        f"imported {service} network version {version} from {Path(path).name}: "
        f"{len(net.link_ids)} links, {len(net.node_ids)} nodes, {len(net.device_ids)} devices, "
        f"{len(net.source_ids)} sources, {len(net.sp_ids)} service points"
    )


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

"""A utility's own GIS schema read as the interchange, by a mapping file (TOML or YAML).

The file names, per interchange layer, where its features come from (any GDAL vector
source: a GeoPackage, a folder of Shapefiles, a PostGIS connection string; a layer or
an SQL query) and which of the utility's columns or fixed values give the interchange
columns. See docs/network-model.md for the format and worked examples.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import yaml

from .network_files import LAYERS
from .network_problems import NetworkError, Problem
from .storage.external import is_postgis, read_postgis_layer

LAYER_KEYS = frozenset({"source", "layer", "sql", "where", "columns", "values",
                        "normally_closed", "inoperable"})
COLUMNS = {
    "links": ("id", "from_node", "to_node", "kind"),
    "devices": ("id", "link_id", "node_id", "kind", "normally_passes", "operable"),
    "sources": ("id", "node_id"),
    "service_points": ("id", "link_id", "node_id", "address_id", "customers", "critical"),
    "addresses": ("id", "street", "house_number", "postal_code", "municipality", "street_sv"),
}
# Sections that say which values of a column mean a device state.
FLAGS = {"normally_closed": "normally_passes", "inoperable": "operable"}


def read_mapped_layers(mapping_path: str | Path) -> dict[str, gpd.GeoDataFrame]:
    """The interchange layers the mapping file describes; NetworkError naming the file and
    key for a mapping that cannot be used, every such problem at once."""
    mapping_path = Path(mapping_path)
    where = str(mapping_path)
    spec = _parse(mapping_path, where)
    problems = _check(spec, where)
    if problems:
        raise NetworkError(problems)
    layers = {}
    for name in LAYERS:
        if name in spec:
            layers[name] = _read_layer(name, spec[name], spec.get("source"), mapping_path,
                                       problems)
    if problems:
        raise NetworkError(problems)
    return layers


def _parse(mapping_path: Path, where: str) -> dict[str, Any]:
    """The file's tables: YAML for .yaml/.yml, TOML otherwise."""
    is_yaml = mapping_path.suffix.lower() in (".yaml", ".yml")
    try:
        text = mapping_path.read_text(encoding="utf-8")
        spec = yaml.safe_load(text) if is_yaml else tomllib.loads(text)
    except FileNotFoundError:
        raise NetworkError([Problem(where, None, "file not found")]) from None
    except (tomllib.TOMLDecodeError, yaml.YAMLError, UnicodeDecodeError) as exc:
        detail = " ".join(str(exc).split())
        kind = "YAML" if is_yaml else "TOML"
        raise NetworkError([Problem(where, None, f"not {kind}: {detail}")]) from None
    if not isinstance(spec, dict):
        raise NetworkError([Problem(where, None, "must hold sections (links, devices, …), "
                                    f"not {type(spec).__name__}")])
    return spec


def _check(spec: dict[str, Any], where: str) -> list[Problem]:
    problems = []
    for key in set(spec) - {*LAYERS, "source"}:
        problems.append(Problem(where, key, f"unknown section; expected {', '.join(LAYERS)} "
                                "or source"))
    if "links" not in spec:
        problems.append(Problem(where, "links", "section is missing"))
    for name in LAYERS:
        section = spec.get(name)
        if section is None:
            continue
        if not isinstance(section, dict):
            problems.append(Problem(where, name, "must be a table"))
            continue
        for key in set(section) - LAYER_KEYS:
            problems.append(Problem(where, f"{name}.{key}", "unknown key; expected "
                                    + ", ".join(sorted(LAYER_KEYS))))
        if ("layer" in section) == ("sql" in section):
            problems.append(Problem(where, name, "give exactly one of layer and sql"))
        if "source" not in section and "source" not in spec:
            problems.append(Problem(where, name, "no source (set source at the top or here)"))
        for part in ("columns", "values"):
            for column in set(section.get(part, {})) - set(COLUMNS[name]):
                problems.append(Problem(where, f"{name}.{part}.{column}",
                                        f"not a column of {name}; expected "
                                        + ", ".join(COLUMNS[name])))
        for flag in FLAGS:
            if flag in section:
                if name != "devices":
                    problems.append(Problem(where, f"{name}.{flag}", "only for devices"))
                elif set(section[flag]) != {"column", "values"}:
                    problems.append(Problem(where, f"{name}.{flag}",
                                            "needs column and values"))
    return problems


def _source(value: str, mapping_path: Path) -> str:
    """A GDAL source; a relative file path is relative to the mapping file."""
    if ":" in value and not Path(value).exists():
        return value  # PG:…, a URL, or another GDAL connection string
    path = Path(value)
    return str(path if path.is_absolute() else mapping_path.parent / path)


def _read_layer(
    name: str, section: dict[str, Any], default_source: str | None, mapping_path: Path,
    problems: list[Problem],
) -> gpd.GeoDataFrame:
    source = _source(section.get("source", default_source), mapping_path)
    where = f"{mapping_path}: {name}"
    try:
        if is_postgis(source):
            frame = read_postgis_layer(source, layer=section.get("layer"),
                                       sql=section.get("sql"), where=section.get("where"))
        else:
            frame = pyogrio.read_dataframe(
                source, layer=section.get("layer"), sql=section.get("sql"),
                where=section.get("where"),
            )
    except Exception as exc:  # GDAL's own message says what it could not open or run
        detail = " ".join(str(exc).split())
        problems.append(Problem(where, None, f"cannot read from the source: {detail}"))
        return gpd.GeoDataFrame({"id": []}, geometry=gpd.GeoSeries([]))
    out = pd.DataFrame(index=frame.index)
    for column, theirs in section.get("columns", {}).items():
        if theirs not in frame.columns:
            problems.append(Problem(where, None, f"column {theirs!r} (for {column}) is not "
                                    f"in the source; it has {', '.join(map(str, frame.columns))}"))
            continue
        out[column] = frame[theirs]
    for column, value in section.get("values", {}).items():
        out[column] = value
    for flag, column in FLAGS.items():
        if flag in section:
            theirs = section[flag]["column"]
            if theirs not in frame.columns:
                problems.append(Problem(where, None, f"column {theirs!r} (for {flag}) is "
                                        "not in the source"))
                continue
            meaning = {str(v).strip().lower() for v in section[flag]["values"]}
            text = frame[theirs].astype("string").str.strip().str.lower()
            out[column] = ~text.isin(meaning).fillna(False).to_numpy(dtype=bool)
    # The utility's other columns are kept, as the interchange keeps extra columns.
    mapped = set(section.get("columns", {}).values())
    geometry = frame.geometry.name
    for column in frame.columns:
        if column not in mapped and column != geometry and column not in out.columns:
            out[column] = frame[column]
    return gpd.GeoDataFrame(out, geometry=frame.geometry, crs=frame.crs)

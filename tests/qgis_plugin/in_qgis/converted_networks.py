"""Networks we were not built with, for the in-QGIS comparison (test_converted_networks.py).

Runs in the project's venv, not in QGIS's Python (it needs wntr, pandapower, networkx):

    .venv/bin/python -m tests.qgis_plugin.in_qgis.converted_networks OUT_DIR

Converts WNTR's Net3 and ky10 and pandapower's mv_oberrhein with our converters, makes
the variants of tests/gis_outage/test_oracle_variants.py (EPSG:4326 without node ids;
EPSG:4326 with zero-length pumps; EPSG:3067 with zero-length transformers and
addresses), writes each as a GeoPackage, picks a few telling traces on each and writes
OUT_DIR/cases.json: per trace, what `gis-outage trace --json` prints for the file and
what the oracles answer (a plain networkx flood fill over the original topology; for
mv_oberrhein's switches also pandapower's `unsupplied_buses`).
"""

from __future__ import annotations

import copy
import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandapower.networks as pn
import pandapower.topology as top
import shapely
import wntr

from gis_outage.convert.epanet import epanet_layers, load_model, make_valve_layer
from gis_outage.convert.gpkg import write_layers
from gis_outage.convert.pandapower import pandapower_layers
from tests.gis_outage.test_oracle_variants import (
    FloodFill,
    in_helsinki,
    with_addresses,
    without_node_ids,
)

BREAKS, OPERATIONS = 3, 2
Layers = dict[str, gpd.GeoDataFrame]


def net3() -> tuple[Layers, Layers]:
    """Net3 in EPSG:4326 without node ids, with addresses: (oracle's layers, file's)."""
    wn = load_model(Path(wntr.library.model_library.get_filepath("Net3")))
    original = with_addresses(
        in_helsinki(epanet_layers(wn, make_valve_layer(wn, "strategic", 2, 3)), 20.0))
    variant = {n: g.to_crs("EPSG:4326") for n, g in without_node_ids(original).items()}
    return original | {"service_points": variant["service_points"]}, variant


def ky10() -> tuple[Layers, Layers]:
    """ky10 in EPSG:4326 with node ids: its pumps are links drawn at one point."""
    wn = load_model(Path(wntr.library.model_library.get_filepath("ky10")))
    original = in_helsinki(epanet_layers(wn, make_valve_layer(wn, "strategic", 2, 0)), 0.3048)
    return original, {n: g.to_crs("EPSG:4326") for n, g in original.items()}


def oberrhein() -> tuple[Layers, Layers]:
    """mv_oberrhein (WGS84 geodata) in EPSG:3067, with zero-length transformers, addresses."""
    original = with_addresses(pandapower_layers(pn.mv_oberrhein()))
    return original, {n: g.to_crs("EPSG:3067") for n, g in original.items()}


CASES = {  # name -> (service it is imported as, builder)
    "net3-4326-no-node-ids": ("water", net3),
    "ky10-4326-zero-length": ("district_heating", ky10),
    "oberrhein-3067-zero-length": ("electricity", oberrhein),
}


def cli_trace(path: Path, flag: str, element: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIS_OUTAGE_")}
    out = subprocess.run([sys.executable, "-m", "gis_outage.cli", "trace", "--network",
                          str(path), flag, element, "--json"],
                         capture_output=True, text=True, check=False, env=env)
    if out.returncode != 0:
        raise SystemExit(f"gis-outage trace {flag} {element} on {path.name}: {out.stderr}")
    return json.loads(out.stdout)


def zero_length_links(layers: Layers) -> list[str]:
    links = layers["links"]  # drawn at one point: zero whatever the CRS's units
    return sorted(str(i) for i in links["id"][shapely.length(links.geometry.values) == 0])


def pick(name: str, oracle: FloodFill, layers: Layers) -> list[tuple[str, str]]:
    """A few telling traces: breaks that need devices operated and cut off service
    points (a zero-length link's first where there is one), operations that cut off some."""
    rng = random.Random(name)
    links = [str(i) for i in layers["links"]["id"]]
    zero = [z for z in zero_length_links(layers) if oracle.break_trace(z)["isolated_links"]]
    breaks = zero[:1]
    for link in rng.sample(links, len(links)):
        if len(breaks) == BREAKS:
            break
        answer = oracle.break_trace(link)
        if link not in breaks and answer["devices_to_operate"] and \
                2 <= len(answer["affected_service_points"]) <= 60:
            breaks.append(link)
    devices = [str(i) for i in layers["devices"]["id"]]
    operated: list[str] = []
    for device in rng.sample(devices, len(devices)):
        if len(operated) == OPERATIONS:
            break
        if 1 <= len(oracle.operate_trace(device)["affected_service_points"]) <= 60:
            operated.append(device)
    assert len(breaks) == BREAKS and len(operated) == OPERATIONS, name
    return [("break", link) for link in breaks] + [("operate", d) for d in operated]


def unsupplied_buses(device: str) -> list[str]:
    """pandapower's answer for opening switch `switch-N` of mv_oberrhein: the bus ids
    (service point ids are bus ids) that lose supply."""
    net = pn.mv_oberrhein()
    before = set(top.unsupplied_buses(net))
    opened = copy.deepcopy(net)
    opened.switch.at[int(device.removeprefix("switch-")), "closed"] = False
    return sorted(str(b) for b in set(top.unsupplied_buses(opened)) - before)


def main(out_dir: Path) -> None:
    cases: dict[str, Any] = {}
    for name, (service, build) in CASES.items():
        oracle_layers, layers = build()
        path = out_dir / f"{name}.gpkg"
        write_layers(layers, path)
        oracle = FloodFill(oracle_layers)
        traces = []
        for mode, element in pick(name, oracle, oracle_layers):
            flag = "--break" if mode == "break" else "--operate"
            expected = (oracle.break_trace(element) if mode == "break"
                        else oracle.operate_trace(element))
            trace = {"mode": mode, "id": element, "cli": cli_trace(path, flag, element),
                     "oracle": expected}
            if name.startswith("oberrhein") and element.startswith("switch-"):
                trace["pandapower"] = unsupplied_buses(element)
            traces.append(trace)
        cases[name] = {"path": str(path), "service": service,
                       "crs": layers["links"].crs.to_string(),
                       "zero_length_links": zero_length_links(oracle_layers),
                       "addresses": "addresses" in layers, "traces": traces}
    (out_dir / "cases.json").write_text(json.dumps(cases, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]))

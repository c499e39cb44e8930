"""Networks we were not built with: WNTR's and pandapower's, reprojected (EPSG:4326,
EPSG:3067), without node ids, with zero-length links, with and without addresses. Our
trace (in-process, CLI and API) agrees with a plain flood fill over nodes and links of the
original topology."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import geopandas as gpd
import networkx as nx
import pytest
import shapely
from fastapi.testclient import TestClient

from gis_outage.config import Settings
from gis_outage.network import build_network, read_layers
from gis_outage.storage.users import create_token, create_user
from gis_outage.trace import TraceEngine
from map_server.app import create_app

from .test_network_validation import write

wntr = pytest.importorskip("wntr")
pn = pytest.importorskip("pandapower.networks")

from gis_outage.convert.epanet import epanet_layers, load_model, make_valve_layer  # noqa: E402
from gis_outage.convert.pandapower import pandapower_layers  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:tap_dependency_table:DeprecationWarning")
X0, Y0 = 385_000.0, 6_672_000.0  # Helsinki in EPSG:3067


class FloodFill:
    """Supply as connectivity of nodes and link ends; a device cuts its link end."""

    def __init__(self, layers: dict[str, gpd.GeoDataFrame]):
        links, devices = layers["links"], layers["devices"]
        self.ends = {r.id: (r.from_node, r.to_node) for r in links.itertuples()}
        self.position = {d: i for i, d in enumerate(devices["id"])}
        self._devices: dict[tuple, list[tuple[str, bool, bool]]] = defaultdict(list)
        for r in devices.itertuples():
            link = r.link_id if isinstance(r.link_id, str) else None  # None: at the node
            self._devices[(link, r.node_id)].append(
                (r.id, bool(r.normally_passes), bool(r.operable)))
        self.sources = set(layers["sources"]["node_id"])
        sps = layers["service_points"]
        self.sp_at = {r.id: (r.link_id, r.node_id) for r in sps.itertuples()}
        self.address = dict(zip(sps["id"], sps["address_id"], strict=True))

    def devices(self, end: tuple[str, str]) -> list[tuple[str, bool, bool]]:
        """(id, passes, operable) of the devices that cut this link end."""
        return self._devices.get(end, []) + self._devices.get((None, end[1]), [])

    def _blocked(self, end: tuple[str, str], operated: set[str]) -> bool:
        return any(not passes or d in operated for d, passes, _ in self.devices(end))

    def supplied(self, operated: set[str], removed: set[str]) -> set[str]:
        g = nx.Graph()
        g.add_nodes_from(("L", k) for k in self.ends if k not in removed)
        for link, (a, b) in self.ends.items():
            if link in removed:
                continue
            for node in (a, b):
                if not self._blocked((link, node), operated):
                    g.add_edge(("L", link), ("N", node))
        out: set = set()
        for s in self.sources:
            if ("N", s) in g:
                out |= nx.node_connected_component(g, ("N", s))
        return out

    def answer(self, before: set, after: set, operate: set[str], isolated: set[str] = frozenset(),
               nodes: set[str] = frozenset()) -> dict:
        """What lost supply, and the work area whether it had supply or not."""
        def on(elements: set) -> set[str]:
            return {sp for sp, (link, node) in self.sp_at.items()
                    if ("L", link) in elements or ("N", node) in elements}
        lost_links = {k for k in self.ends if ("L", k) in before and ("L", k) not in after}
        work = {("L", k) for k in isolated} | {("N", n) for n in nodes}
        lost_sps = (on(before) - on(after)) | on(work)
        return {"devices_to_operate": sorted(operate), "isolated_links": sorted(isolated),
                "affected_links": sorted(lost_links | isolated),
                "affected_service_points": sorted(lost_sps),
                "affected_addresses": sorted({self.address[s] for s in lost_sps
                                              if isinstance(self.address[s], str)})}

    def break_trace(self, link: str) -> dict:
        isolated, nodes, operate = {link}, set(), set()
        stack = [("L", link)]
        while stack:
            kind, x = stack.pop()
            ends = ([(x, n) for n in self.ends[x]] if kind == "L" else
                    [(k, x) for k, e in self.ends.items() if x in e])
            for end in ends:
                if any(not passes for _, passes, _ in self.devices(end)):
                    continue
                # The first in the layer, as the engine takes.
                operable = sorted((d for d, _, ok in self.devices(end) if ok),
                                  key=self.position.get)
                other = ("N", end[1]) if kind == "L" else ("L", end[0])
                if operable:
                    operate.add((operable[0], other))
                elif other[1] not in (isolated if other[0] == "L" else nodes):
                    (isolated if other[0] == "L" else nodes).add(other[1])
                    stack.append(other)
        # A device between two isolated parts closes nothing off.
        to_operate = {d for d, (kind, x) in operate
                      if x not in (isolated if kind == "L" else nodes)}
        before = self.supplied(set(), set())
        after = self.supplied(to_operate, isolated) - {("N", n) for n in nodes}
        return self.answer(before, after, to_operate, isolated, nodes)

    def operate_trace(self, device: str) -> dict:
        passing = {d for ds in self._devices.values() for d, p, _ in ds if p and d == device}
        before = self.supplied(set(), set())
        return self.answer(before, self.supplied(passing, set()), passing)


def ours(result) -> dict:
    return {k: v for k, v in result.to_json().items() if k != "customers"}


def in_helsinki(layers: dict[str, gpd.GeoDataFrame], scale: float) -> dict:
    """EPANET's unitless coordinates as metres in EPSG:3067 around Helsinki."""
    return {name: gpd.GeoDataFrame(gdf.drop(columns="geometry"), crs="EPSG:3067",
                                   geometry=gdf.geometry.scale(scale, scale, origin=(0, 0))
                                   .translate(X0, Y0))
            for name, gdf in layers.items()}


def with_addresses(layers: dict) -> dict:
    sps = layers["service_points"].copy()
    sps["address_id"] = [f"A{i}" for i in range(len(sps))]
    addresses = gpd.GeoDataFrame(
        {"id": sps["address_id"], "street": "Testikatu", "house_number": [str(i + 1) for i in
                                                                         range(len(sps))],
         "postal_code": "00100", "municipality": "Helsinki"}, geometry=sps.geometry,
        crs=sps.crs)
    return layers | {"service_points": sps, "addresses": addresses}


def without_node_ids(layers: dict) -> dict:
    """Topology from geometry only: no from_node/to_node, devices placed by point on their
    link, sources by point, service points on a link at their node."""
    links = layers["links"].drop(columns=["from_node", "to_node"])
    devices = layers["devices"].assign(node_id=None)
    sources = layers["sources"].assign(node_id=None)
    first_link = {}
    for r in layers["links"].itertuples():
        first_link.setdefault(r.from_node, r.id)
        first_link.setdefault(r.to_node, r.id)
    sps = layers["service_points"].copy()
    sps["link_id"] = [first_link[n] for n in sps["node_id"]]
    sps["node_id"] = None
    return layers | {"links": links, "devices": devices, "sources": sources,
                     "service_points": sps}


def net3_variant(tmp: Path, *, addresses: bool) -> tuple[dict, dict]:
    """(original with node ids, variant in EPSG:4326 without node ids)."""
    wn = load_model(Path(wntr.library.model_library.get_filepath("Net3")))
    original = in_helsinki(epanet_layers(wn, make_valve_layer(wn, "strategic", 2, 3)), 20.0)
    if addresses:
        original = with_addresses(original)
    variant = without_node_ids(original)
    variant = {name: gdf.to_crs("EPSG:4326") for name, gdf in variant.items()}
    # The oracle works on the service points as the variant places them.
    oracle_layers = original | {"service_points": variant["service_points"]}
    return oracle_layers, read_layers(write(variant, tmp / "net3-4326.gpkg"))


def ky10_variant(tmp: Path) -> tuple[dict, dict]:
    """ky10 in EPSG:4326 with node ids: its pumps are links drawn at one point."""
    wn = load_model(Path(wntr.library.model_library.get_filepath("ky10")))
    original = in_helsinki(epanet_layers(wn, make_valve_layer(wn, "strategic", 2, 0)), 0.3048)
    variant = {name: gdf.to_crs("EPSG:4326") for name, gdf in original.items()}
    return original, read_layers(write(variant, tmp / "ky10-4326.gpkg"))


def oberrhein_variant(tmp: Path) -> tuple[dict, dict]:
    """mv_oberrhein in EPSG:3067 (from WGS84) with node ids, zero-length transformers and
    addresses."""
    original = with_addresses(pandapower_layers(pn.mv_oberrhein()))
    variant = {name: gdf.to_crs("EPSG:3067") for name, gdf in original.items()}
    return original, read_layers(write(variant, tmp / "oberrhein-3067.gpkg"))


VARIANTS = {"net3-4326-no-node-ids": lambda t: net3_variant(t, addresses=False),
            "net3-4326-no-node-ids-addresses": lambda t: net3_variant(t, addresses=True),
            "ky10-4326-zero-length": ky10_variant,
            "oberrhein-3067-zero-length-addresses": oberrhein_variant}


@pytest.fixture(scope="module", params=list(VARIANTS))
def variant(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(request.param)
    oracle_layers, layers = VARIANTS[request.param](tmp)
    net = build_network(layers)
    return request.param, FloodFill(oracle_layers), net, TraceEngine(net), tmp


def test_break_and_device_traces_agree_with_a_flood_fill(variant):
    name, oracle, net, engine, _ = variant
    rng = random.Random(0)
    links = rng.sample(net.link_ids, min(60, len(net.link_ids)))
    for link in links:
        assert ours(engine.break_trace([link])) == oracle.break_trace(link), (name, link)
    for device in rng.sample(net.device_ids, min(60, len(net.device_ids))):
        assert ours(engine.operate_trace([device])) == oracle.operate_trace(device), \
            (name, device)
    zero = {w.feature_id for w in net.warnings if "zero length" in w.message}
    if "zero-length" in name:
        assert zero and zero <= set(net.link_ids)


def test_cli_and_api_agree_with_the_flood_fill(variant, db_engine, tmp_path):
    name, oracle, net, _, tmp = variant
    path = next(tmp.glob("*.gpkg"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIS_OUTAGE_")}
    env["GIS_OUTAGE_DATABASE_URL"] = db_engine.url.render_as_string(hide_password=False)
    links = random.Random(1).sample(net.link_ids, 8)
    out = subprocess.run([sys.executable, "-m", "gis_outage.cli", "trace", "--network",
                          str(path), "--break", links[0], "--json"], capture_output=True,
                         text=True, check=False, env=env)
    assert out.returncode == 0, out.stderr
    assert {k: v for k, v in json.loads(out.stdout).items() if k != "customers"} == \
        oracle.break_trace(links[0])
    out = subprocess.run([sys.executable, "-m", "gis_outage.cli", "import-network", str(path),
                          "--service", "water"], capture_output=True, text=True, check=False,
                         env=env)
    assert out.returncode == 0, out.stderr
    create_user(db_engine, "viewer", "viewer")
    headers = {"Authorization": f"Bearer {create_token(db_engine, 'viewer')}"}
    with TestClient(create_app(Settings(data_dir=tmp_path), engine=db_engine)) as client:
        for link in links:
            r = client.post("/api/v1/trace", headers=headers,
                            json={"service": "water", "break_links": [link]})
            assert r.status_code == 200, r.text
            body = r.json()
            assert {k: body[k] for k in oracle.break_trace(link)} == oracle.break_trace(link)
            if body["affected_service_points"] and net.crs is not None:
                assert shapely.geometry.shape(body["public_area"]).is_valid

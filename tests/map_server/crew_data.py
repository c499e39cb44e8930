"""A water network whose crew sheet order can be worked out on paper.

                 n3 (VN, 300 m north)
                 |
    n0 -L1- n1 -L2- n2 -L4- n4 (VE, 60 m east)
   source  (VW)  |
                 n5 (VS, 150 m south)

Breaking L2 isolates L2, L3, L4 and L5 behind VW, VN, VE and VS. From the middle of L2
the nearest-neighbour walk is VW (50 m), VE (160 m), VS (162 m), VN (450 m), which is
not the devices' alphabetical order. VE's id is hostile HTML; so is the cause.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd

from gis_outage.storage.addresses import upsert_addresses
from gis_outage.storage.networks import save_network
from tests.gis_outage.networks import layers

HOSTILE_ID = '<img src=x onerror="window.__pwned=1">'
HOSTILE_CAUSE = '<script>window.__pwned=2</script> & "burst"'
ORDER = ["VW", HOSTILE_ID, "VS", "VN"]
STEPS = [50, 160, 162, 450]
X0, Y0 = 385_000.0, 6_672_000.0


def crew_network() -> dict[str, gpd.GeoDataFrame]:
    nodes = {
        "n0": (0, 0),
        "n1": (100, 0),
        "n2": (200, 0),
        "n3": (200, 300),
        "n4": (260, 0),
        "n5": (200, -150),
        "n6": (200, 400),
        "n7": (360, 0),
        "n8": (200, -250),
    }
    nodes = {k: (X0 + x, Y0 + y) for k, (x, y) in nodes.items()}
    links = {
        "L1": ("n0", "n1"),
        "L2": ("n1", "n2"),
        "L3": ("n2", "n3"),
        "L4": ("n2", "n4"),
        "L5": ("n2", "n5"),
        "L6": ("n3", "n6"),
        "L7": ("n4", "n7"),
        "L8": ("n5", "n8"),
    }
    devices = {
        "VW": {"link_id": "L2", "node_id": "n1"},
        "VN": {"link_id": "L3", "node_id": "n3"},
        HOSTILE_ID: {"link_id": "L4", "node_id": "n4"},
        "VS": {"link_id": "L5", "node_id": "n5"},
    }
    sps = {
        "SP-N": {"link_id": "L6", "address_id": "CA1"},
        "SP-E": {"link_id": "L7", "address_id": "CA2", "customers": 30},
        "SP-S": {"link_id": "L8", "address_id": "CA3"},
        "SP-M": {"link_id": "L3", "address_id": "CA4", "customers": 2},
    }
    out = layers(nodes, links, devices, {"S1": "n0"}, sps)
    out["devices"]["diameter"] = out["devices"]["id"].map({"VW": 150})
    out["links"]["dn"] = out["links"]["id"].map({"L5": 200})
    out["service_points"]["critical"] = out["service_points"]["id"].map(
        {"SP-M": "care_home", "SP-E": "home_dialysis"}
    )
    sps_frame = out["service_points"]
    out["addresses"] = gpd.GeoDataFrame(
        {
            "id": ["CA1", "CA2", "CA3", "CA4"],
            "street": ["Pohjoiskatu", "Itäkatu", "Eteläkatu", "Keskuskatu"],
            "house_number": ["1", "2", "3", "4"],
            "postal_code": ["00100"] * 4,
            "municipality": ["Helsinki"] * 4,
        },
        geometry=list(sps_frame.geometry),
        crs=sps_frame.crs,
    )
    return out


def add_crew_network(db: Any) -> None:
    network = crew_network()
    upsert_addresses(db, network["addresses"])
    save_network(db, "water", network, source_name="crew.gpkg")

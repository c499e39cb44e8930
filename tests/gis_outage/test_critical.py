"""Critical customers: flagged in the network import, stored per version, listed first
with their category by the trace CLI and the service layer, on both backends."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import geopandas as gpd
from shapely.geometry import Point

from gis_outage.config import Settings
from gis_outage.services import outages
from gis_outage.services.context import build_context
from gis_outage.services.outages import Selection
from gis_outage.storage.networks import load_network_layers

from .networks import small_water
from .test_mapping import qgis_drawn
from .test_network_validation import write

# Break L5: L4, L5 and L6 lose supply, with SP3 (A3) and the points added here on L6.
EXPECTED = [
    {"service_point": "SP3", "category": "home_dialysis", "address_id": "A3", "customers": 1},
    {"service_point": "SP5", "category": "hospital", "address_id": "A5", "customers": 40},
    {"service_point": "SP6", "category": "school", "address_id": "A6", "customers": 1},
]


def flagged_water(bad: str | None = None) -> dict[str, gpd.GeoDataFrame]:
    """small_water with critical customers, written as a utility might (any case,
    spaces or hyphens); SP1 is a care home outside the break."""
    layers = small_water()
    sps = layers["service_points"]
    l6 = (
        layers["links"]
        .geometry[layers["links"]["id"] == "L6"]
        .iloc[0]
        .interpolate(0.3, normalized=True)
    )
    extra = gpd.GeoDataFrame(
        {
            "id": ["SP5", "SP6", "SP7"],
            "link_id": ["L6"] * 3,
            "node_id": [None] * 3,
            "address_id": ["A5", "A6", "A7"],
            "customers": [40, 1, 1],
        },
        geometry=[Point(l6.x, l6.y)] * 3,
        crs=sps.crs,
    )
    sps = gpd.GeoDataFrame(
        gpd.pd.concat([sps, extra], ignore_index=True), geometry="geometry", crs=sps.crs
    )
    sps["critical"] = sps["id"].map(
        {
            "SP1": "care-home",
            "SP3": "Home dialysis",
            "SP5": "HOSPITAL",
            "SP6": "school",
            "SP7": bad or "",
        }
    )
    layers["service_points"] = sps
    return layers


def run(*args: str, db_url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIS_OUTAGE_")}
    if db_url:
        env["GIS_OUTAGE_DATABASE_URL"] = db_url
    return subprocess.run(
        [sys.executable, "-m", "gis_outage.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def test_the_trace_cli_lists_critical_customers_first(tmp_path):
    gpkg = str(write(flagged_water(), tmp_path / "water.gpkg"))
    out = run("trace", "--network", gpkg, "--break", "L5", "--json")
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert list(answer)[0] == "critical_customers"
    assert answer["critical_customers"] == EXPECTED
    assert answer["affected_service_points"] == ["SP3", "SP5", "SP6", "SP7"]  # still sorted

    text = run("trace", "--network", gpkg, "--break", "L5").stdout.splitlines()
    assert text[:3] == [
        "critical customer:  SP3 (home_dialysis) at A3",
        "critical customer:  SP5 (hospital) at A5",
        "critical customer:  SP6 (school) at A6",
    ]
    assert text[3].startswith("devices to operate:")


def test_flags_are_stored_per_version_and_traced_on_the_stored_network(db_engine, tmp_path):
    url = db_engine.url.render_as_string(hide_password=False)
    gpkg = write(flagged_water(), tmp_path / "water.gpkg")
    out = run("import-network", str(gpkg), "--service", "water", db_url=url)
    assert out.returncode == 0, out.stderr
    stored = load_network_layers(db_engine, "water")["service_points"]
    assert dict(zip(stored["id"], stored["critical"], strict=True)) == {
        "SP1": "care_home",
        "SP2": None,
        "SP3": "home_dialysis",
        "SP4": None,
        "SP5": "hospital",
        "SP6": "school",
        "SP7": None,
    }

    ctx = build_context(Settings(data_dir=tmp_path), db=db_engine)
    traced = outages.trace(ctx, "water", Selection(break_links=("L5",)))
    assert traced.critical == EXPECTED
    assert traced.affected()["critical_customers"] == EXPECTED

    # A new import without flags is a new version without them.
    assert (
        run(
            "import-network",
            str(write(small_water(), tmp_path / "plain.gpkg")),
            "--service",
            "water",
            db_url=url,
        ).returncode
        == 0
    )
    ctx = build_context(Settings(data_dir=tmp_path), db=db_engine)
    assert outages.trace(ctx, "water", Selection(break_links=("L5",))).critical == []


def test_an_unknown_category_is_refused_with_where_and_what(db_engine, tmp_path):
    url = db_engine.url.render_as_string(hide_password=False)
    gpkg = write(flagged_water(bad="VIP"), tmp_path / "water.gpkg")
    out = run("import-network", str(gpkg), "--service", "water", db_url=url)
    assert out.returncode == 2
    assert (
        "service_points 'SP7': critical 'VIP' is not one of home_dialysis, hospital, "
        "care_home, school (leave it empty for none)"
    ) in out.stderr
    assert "Traceback" not in out.stderr
    assert load_network_layers(db_engine, "water") is None


def test_the_mapping_file_names_the_utilitys_own_column(tmp_path):
    mapping = qgis_drawn(tmp_path)
    gpd.GeoDataFrame(
        {
            "liittyma": ["K1", "K2"],
            "putki": [2, 3],
            "asukkaita": [3, 2],
            "erityisryhma": ["kotidialyysi", None],
        },
        geometry=[Point(385_150, 6_672_005), Point(385_250, 6_672_005)],
        crs="EPSG:3067",
    ).to_file(tmp_path / "vesi.gpkg", layer="liittymat")
    text = mapping.read_text().replace(
        'customers = "asukkaita" }', 'customers = "asukkaita", critical = "erityisryhma" }'
    )
    mapping.write_text(text)
    out = run("check-network", "--mapping", str(mapping))
    assert out.returncode == 2
    assert "service_points 'K1': critical 'kotidialyysi' is not one of" in out.stderr

    gpd.GeoDataFrame(
        {
            "liittyma": ["K1", "K2"],
            "putki": [2, 3],
            "asukkaita": [3, 2],
            "erityisryhma": ["home_dialysis", None],
        },
        geometry=[Point(385_150, 6_672_005), Point(385_250, 6_672_005)],
        crs="EPSG:3067",
    ).to_file(tmp_path / "vesi.gpkg", layer="liittymat")
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    out = run("import-network", "--mapping", str(mapping), "--service", "water", db_url=url)
    assert out.returncode == 0, out.stderr
    from gis_outage.storage.db import make_engine

    stored = load_network_layers(make_engine(url), "water")["service_points"]
    assert list(stored["critical"]) == ["home_dialysis", None]
    assert "erityisryhma" not in stored.columns  # mapped, not kept as an extra column

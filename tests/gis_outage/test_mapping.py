"""The utility's own schema by a mapping file: a network drawn in QGIS without node ids
(GeoPackage), and a Giswater-style model read straight from PostGIS; `check-network`
reports without importing; a bad mapping is refused with every reason, nothing stored."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
import sqlalchemy as sa
from shapely.geometry import LineString, Point

from gis_outage.storage.networks import current_network_version
from gis_outage.tracing import TraceEngines

X0, Y0 = 385_000.0, 6_672_000.0


def cli(*args: str, db_url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIS_OUTAGE_")}
    if db_url:
        env["GIS_OUTAGE_DATABASE_URL"] = db_url
    return subprocess.run([sys.executable, "-m", "gis_outage.cli", *args],
                          capture_output=True, text=True, check=False, env=env)


def p(x: float, y: float = 0.0) -> tuple[float, float]:
    return (X0 + x, Y0 + y)


def qgis_drawn(folder: Path) -> Path:
    """Pipes drawn end to end in QGIS (no node ids), valves by state in Finnish."""
    gpkg = folder / "vesi.gpkg"
    gpd.GeoDataFrame({"putki_nro": [1, 2, 3], "materiaali": ["PE", "PE", "VAL"]},
                     geometry=[LineString([p(0), p(100)]), LineString([p(100), p(200)]),
                               LineString([p(200), p(300)])], crs="EPSG:3067"
                     ).to_file(gpkg, layer="putket")
    gpd.GeoDataFrame({"venttiili": ["V1", "V2"], "putki": [2, 3], "tila": ["auki", "kiinni"]},
                     geometry=[Point(p(105)), Point(p(295))], crs="EPSG:3067"
                     ).to_file(gpkg, layer="venttiilit")
    gpd.GeoDataFrame({"nimi": ["Vesitorni"]}, geometry=[Point(p(0))], crs="EPSG:3067"
                     ).to_file(gpkg, layer="laitokset")
    gpd.GeoDataFrame({"liittyma": ["K1", "K2"], "putki": [2, 3], "asukkaita": [3, 2]},
                     geometry=[Point(p(150, 5)), Point(p(250, 5))], crs="EPSG:3067"
                     ).to_file(gpkg, layer="liittymat")
    mapping = folder / "vesi.toml"
    mapping.write_text('''
source = "vesi.gpkg"

[links]
layer = "putket"
columns = { id = "putki_nro" }
values = { kind = "pipe" }

[devices]
layer = "venttiilit"
columns = { id = "venttiili", link_id = "putki" }
values = { kind = "valve" }
normally_closed = { column = "tila", values = ["kiinni"] }

[sources]
layer = "laitokset"
columns = { id = "nimi" }

[service_points]
layer = "liittymat"
columns = { id = "liittyma", link_id = "putki", customers = "asukkaita" }
''')
    return mapping


def test_a_qgis_drawn_network_is_checked_and_imported_by_its_mapping(db_engine, tmp_path):
    mapping = qgis_drawn(tmp_path)
    url = db_engine.url.render_as_string(hide_password=False)
    checked = cli("check-network", "--mapping", str(mapping), db_url=url)
    assert checked.returncode == 0, checked.stderr
    assert "3 links, 4 nodes, 2 devices, 1 sources, 2 service points" in checked.stdout
    assert "CRS EPSG:3067" in checked.stdout and "0 warning(s)" in checked.stdout
    assert current_network_version(db_engine, "water") is None  # checked, not imported

    out = cli("import-network", "--mapping", str(mapping), "--service", "water", db_url=url)
    assert out.returncode == 0, out.stderr
    engine = TraceEngines(db_engine).get("water").engine
    result = engine.break_trace(["1"])
    assert result.affected_service_points == ["K1", "K2"] and result.customers == 5
    assert engine.operate_trace(["V1"]).affected_links == ["2", "3"]
    assert engine.operate_trace(["V2"]).affected_links == []  # already closed


def test_a_bad_mapping_names_every_problem_and_stores_nothing(db_engine, tmp_path):
    mapping = qgis_drawn(tmp_path)
    mapping.write_text(mapping.read_text()
                       .replace('columns = { id = "putki_nro" }',
                                'columns = { id = "putki_nro", diameter = "dn" }')
                       .replace('layer = "laitokset"', 'layer = "laitokset"\nsql = "x"'))
    url = db_engine.url.render_as_string(hide_password=False)
    out = cli("import-network", "--mapping", str(mapping), "--service", "water", db_url=url)
    assert out.returncode == 2
    assert "nothing was imported, 2 problem(s)" in out.stderr
    assert f"{mapping} 'links.columns.diameter': not a column of links" in out.stderr
    assert f"{mapping} 'sources': give exactly one of layer and sql" in out.stderr
    assert "Traceback" not in out.stderr
    mapping.write_text(qgis_drawn(tmp_path).read_text().replace('"asukkaita"', '"persons"'))
    out = cli("check-network", "--mapping", str(mapping), db_url=url)
    assert out.returncode == 2
    assert "column 'persons' (for customers) is not in the source" in out.stderr
    assert current_network_version(db_engine, "water") is None


YAML_MAPPING = """
# The network drawn in QGIS, exported as a folder of Shapefiles (one per layer).
source: shapes
links:
  layer: putket
  columns: {id: putki_nro}
  values: {kind: pipe}
devices:
  layer: venttiilit
  columns: {id: venttiili, link_id: putki}
  values: {kind: valve}
  normally_closed: {column: tila, values: [kiinni]}
sources:
  layer: laitokset
  columns: {id: nimi}
service_points:
  layer: liittymat
  columns: {id: liittyma, link_id: putki, customers: asukkaita}
"""


def test_a_shapefile_folder_by_a_yaml_mapping_gives_the_same_network(db_engine, tmp_path):
    qgis_drawn(tmp_path)
    shapes = tmp_path / "shapes"
    shapes.mkdir()
    for name in ("putket", "venttiilit", "laitokset", "liittymat"):
        gpd.read_file(tmp_path / "vesi.gpkg", layer=name).to_file(
            shapes / f"{name}.shp", engine="pyogrio")
    mapping = tmp_path / "vesi.yaml"
    mapping.write_text(YAML_MAPPING)
    url = db_engine.url.render_as_string(hide_password=False)
    checked = cli("check-network", "--mapping", str(mapping), db_url=url)
    assert checked.returncode == 0, checked.stderr
    assert "3 links, 4 nodes, 2 devices, 1 sources, 2 service points" in checked.stdout
    out = cli("import-network", "--mapping", str(mapping), "--service", "water", db_url=url)
    assert out.returncode == 0, out.stderr
    engine = TraceEngines(db_engine).get("water").engine
    result = engine.break_trace(["1"])
    assert result.affected_service_points == ["K1", "K2"] and result.customers == 5
    assert engine.operate_trace(["V2"]).affected_links == []  # closed by its tila


@pytest.mark.parametrize(("text", "message"), [
    ("links: [unclosed", "not YAML: "),
    ("- links\n- devices\n", "must hold sections (links, devices, …), not list"),
    ("links: {layer: putket, source: x.gpkg, colour: red}\n", "'links.colour': unknown key"),
])
def test_a_bad_yaml_mapping_is_one_clear_error(tmp_path, text, message):
    mapping = tmp_path / "bad.yml"
    mapping.write_text(text)
    out = cli("check-network", "--mapping", str(mapping))
    assert out.returncode == 2
    assert message in out.stderr and "Traceback" not in out.stderr


GISWATER = """
CREATE SCHEMA ws;
CREATE TABLE ws.node (node_id text PRIMARY KEY, nodetype_id text,
                      the_geom geometry(Point, 3067));
CREATE TABLE ws.arc (arc_id text PRIMARY KEY, node_1 text, node_2 text, arccat_id text,
                     the_geom geometry(LineString, 3067));
CREATE TABLE ws.man_valve (node_id text PRIMARY KEY REFERENCES ws.node,
                           closed boolean, broken boolean);
CREATE TABLE ws.connec (connec_id text PRIMARY KEY, arc_id text, customer_code text,
                        the_geom geometry(Point, 3067));
"""


def giswater_rows(conn: sa.Connection) -> None:
    r"""SRC -a1- N1 -a2- VA -a3- N2 -a4- VB -a5- N3; VB is closed, VA broken."""
    xs = {"SRC": 0, "N1": 100, "VA": 200, "N2": 300, "VB": 400, "N3": 500}
    types = {"SRC": "SOURCE", "VA": "VALVE", "VB": "VALVE"}
    for node, x in xs.items():
        conn.execute(sa.text("INSERT INTO ws.node VALUES (:n, :t, ST_SetSRID(ST_MakePoint(:x, "
                             ":y), 3067))"), {"n": node, "t": types.get(node, "JUNCTION"),
                                              "x": X0 + x, "y": Y0})
    names = list(xs)
    for i in range(5):
        a, b = names[i], names[i + 1]
        conn.execute(sa.text(
            "INSERT INTO ws.arc VALUES (:id, :a, :b, 'PVC110', ST_SetSRID(ST_MakeLine("
            "ST_MakePoint(:xa, :y), ST_MakePoint(:xb, :y)), 3067))"),
            {"id": f"a{i + 1}", "a": a, "b": b, "xa": X0 + xs[a], "xb": X0 + xs[b], "y": Y0})
    conn.execute(sa.text("INSERT INTO ws.man_valve VALUES ('VA', false, true), "
                         "('VB', true, false)"))
    for cid, arc, x in (("c1", "a2", 150), ("c2", "a4", 350), ("c3", "a5", 450)):
        conn.execute(sa.text("INSERT INTO ws.connec VALUES (:c, :a, NULL, ST_SetSRID("
                             "ST_MakePoint(:x, :y), 3067))"), {"c": cid, "a": arc,
                                                               "x": X0 + x, "y": Y0 + 5})


GISWATER_MAPPING = '''
source = "{source}"

[links]
layer = "ws.arc"
columns = {{ id = "arc_id", from_node = "node_1", to_node = "node_2", kind = "arccat_id" }}

[devices]
sql = """SELECT n.node_id, n.the_geom, v.closed, v.broken
         FROM ws.node n JOIN ws.man_valve v USING (node_id)"""
columns = {{ id = "node_id", node_id = "node_id" }}
values = {{ kind = "valve" }}
normally_closed = {{ column = "closed", values = [true] }}
inoperable = {{ column = "broken", values = [true] }}

[sources]
layer = "ws.node"
where = "nodetype_id = 'SOURCE'"
columns = {{ id = "node_id", node_id = "node_id" }}

[service_points]
layer = "ws.connec"
columns = {{ id = "connec_id", link_id = "arc_id" }}
'''


@pytest.mark.postgis
def test_a_giswater_schema_is_read_straight_from_postgis(postgis_db, tmp_path):
    with postgis_db.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS ws CASCADE")
        conn.exec_driver_sql(GISWATER)
        giswater_rows(conn)
    url = postgis_db.url
    source = (f"PG:host={url.host} port={url.port or 5432} dbname={url.database} "
              f"user={url.username}")
    mapping = tmp_path / "giswater.toml"
    mapping.write_text(GISWATER_MAPPING.format(source=source))
    db_url = url.render_as_string(hide_password=False)
    try:
        checked = cli("check-network", "--mapping", str(mapping), db_url=db_url)
        assert checked.returncode == 0, checked.stderr
        assert "5 links, 6 nodes, 2 devices, 1 sources, 3 service points" in checked.stdout
        out = cli("import-network", "--mapping", str(mapping), "--service", "water",
                  db_url=db_url)
        assert out.returncode == 0, out.stderr
        engine = TraceEngines(postgis_db).get("water").engine
        # VA is broken, so it is crossed; VB is closed already: nothing to operate, and
        # everything from the source to VB is the work area. a5 had no supply before.
        broken = engine.break_trace(["a2"])
        assert broken.devices_to_operate == []
        assert broken.affected_links == ["a1", "a2", "a3", "a4"]
        assert broken.affected_service_points == ["c1", "c2"]
    finally:
        with postgis_db.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS ws CASCADE")

"""`gis-outage import-*` as an operator runs them: all or nothing, clear errors."""

import os
import subprocess
import sys

import pytest

from gis_outage.storage.directory import directory_entries_for
from gis_outage.storage.networks import current_network_version, load_network_layers

from .networks import small_water
from .test_network_validation import write


def run(db_url: str, *args: str):
    env = os.environ | {"GIS_OUTAGE_DATABASE_URL": db_url}
    return subprocess.run(
        [sys.executable, "-m", "gis_outage.cli", *args],
        capture_output=True, text=True, check=False, env=env,
    )


def url_of(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_bad_network_is_refused_and_the_stored_one_stays(db_engine, tmp_path):
    good = write(small_water(), tmp_path / "good.gpkg")
    out = run(url_of(db_engine), "import-network", str(good), "--service", "water")
    assert out.returncode == 0, out.stderr
    assert "6 links" in out.stdout
    before = current_network_version(db_engine, "water")

    bad_layers = small_water()
    bad_layers["devices"].loc[0, "link_id"] = "L99"
    bad_layers["service_points"].loc[2, "link_id"] = "L77"
    bad = write(bad_layers, tmp_path / "bad.gpkg")
    out = run(url_of(db_engine), "import-network", str(bad), "--service", "water")
    assert out.returncode == 2
    assert "nothing was imported, 2 problem(s)" in out.stderr
    assert "devices 'V1': link_id 'L99' is not a link" in out.stderr
    assert "service_points 'SP3': link_id 'L77' is not a link" in out.stderr
    assert "Traceback" not in out.stderr
    assert current_network_version(db_engine, "water").id == before.id
    stored = load_network_layers(db_engine, "water")
    assert sorted(stored["devices"]["link_id"]) == sorted(small_water()["devices"]["link_id"])


def test_reimport_replaces_the_version(db_engine, tmp_path):
    layers = small_water()
    path = write(layers, tmp_path / "v1.gpkg")
    assert run(url_of(db_engine), "import-network", str(path), "--service", "water").returncode == 0
    first = current_network_version(db_engine, "water").id
    layers["links"] = layers["links"][layers["links"]["id"] != "L6"]
    layers["service_points"] = layers["service_points"][layers["service_points"]["id"] != "SP3"]
    path = write(layers, tmp_path / "v2.gpkg")
    assert run(url_of(db_engine), "import-network", str(path), "--service", "water").returncode == 0
    assert current_network_version(db_engine, "water").id != first
    assert "L6" not in set(load_network_layers(db_engine, "water")["links"]["id"])


@pytest.mark.parametrize("raw", ["040 123 4567", "+358 40 123 4567", "00358401234567"])
def test_directory_numbers_are_normalised_and_classified(db_engine, tmp_path, raw):
    csv = tmp_path / "directory.csv"
    csv.write_text(
        "phone,address_id,secret,birth_year\n"
        f'"{raw}",A1,false,1980\n'
        "09 123 4567,A2,true,\n"
        "12,A3,false,\n"
        "050 555 1234,,false,\n"
    )
    out = run(url_of(db_engine), "import-directory", str(csv), "--source", "op")
    assert out.returncode == 0, out.stderr
    assert "imported 2 directory entries" in out.stdout
    assert "row 4: phone: not a valid phone number" in out.stdout
    assert "row 5: address_id is empty" in out.stdout
    # The skipped numbers are not echoed.
    assert "050 555 1234" not in out.stdout and "12," not in out.stdout
    entries = {e.address_id: e for e in directory_entries_for(db_engine, ["A1", "A2"])}
    assert entries["A1"].phone == "+358401234567"
    assert entries["A1"].number_type == "mobile"
    assert entries["A2"].phone == "+35891234567"
    assert entries["A2"].number_type == "fixed_line"
    assert entries["A2"].secret is True


def test_directory_without_phone_column_is_refused(sqlite_engine, tmp_path):
    csv = tmp_path / "directory.csv"
    csv.write_text("number,address_id\n0401234567,A1\n")
    out = run(url_of(sqlite_engine), "import-directory", str(csv))
    assert out.returncode == 2
    assert "missing columns: ['phone']" in out.stderr

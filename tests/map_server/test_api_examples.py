"""Every engineer-API operation is documented with a description and working examples:
each example in /api/v1/openapi.json is sent, as documented, to the seeded demo city
(`gis-outage demo`'s data) and must succeed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gis_outage.config import Settings
from gis_outage.demo.seed import seed_demo
from gis_outage.services.context import build_context
from gis_outage.storage.users import create_token, create_user
from map_server.app import create_app


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict]]:
    tmp: Path = tmp_path_factory.mktemp("examples")
    settings = Settings(data_dir=tmp, map={"state_ttl_seconds": 0})
    ctx = build_context(settings, migrate_schema=True)
    seeded = seed_demo(ctx, tmp / "city")
    create_user(ctx.db, "Examples Admin", "admin")
    admin = create_token(ctx.db, "Examples Admin")
    with TestClient(create_app(settings, ctx.db)) as client:
        client.headers["Authorization"] = f"Bearer {admin}"
        yield client, {"engineer": seeded.token, "outages": seeded.outages}


def operations(client: TestClient) -> dict[str, dict[str, Any]]:
    spec = client.get("/api/v1/openapi.json").json()
    return {
        f"{method.upper()} {path}": op
        for path, ops in spec["paths"].items() if path.startswith("/api/v1")
        for method, op in ops.items()
    }  # fmt: skip


def body_examples(op: dict[str, Any]) -> dict[str, Any]:
    content = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    return {name: ex["value"] for name, ex in content.get("examples", {}).items()}


def test_every_operation_is_described(demo: tuple[TestClient, dict]) -> None:
    client, _ = demo
    for name, op in operations(client).items():
        assert op.get("summary") and len(op.get("description", "")) > 40, name
        if "requestBody" in op:
            assert body_examples(op), f"{name} has no example body"


def test_every_example_works(demo: tuple[TestClient, dict]) -> None:
    client, seeded = demo
    ops = operations(client)
    assert client.get("/api/v1/me").json() == {"name": "Examples Admin", "role": "admin"}
    streets = client.get("/api/v1/streets", params={"q": "Mannerh"}).json()["streets"]
    assert "Mannerheimintie" in streets
    assert "Mannerheimvägen" in client.get("/api/v1/streets", params={"q": "mannerheimv"}).text

    for name, body in body_examples(ops["POST /api/v1/trace"]).items():
        traced = client.post("/api/v1/trace", json=body)
        assert traced.status_code == 200, (name, traced.text)
        assert traced.json()["customers"] > 0, name

    created = {}
    for name, body in body_examples(ops["POST /api/v1/outages"]).items():
        answer = client.post("/api/v1/outages", json=body)
        assert answer.status_code == 201, (name, answer.text)
        created[name] = answer.json()
        assert created[name]["status"] == "draft" and created[name]["affected"]["customers"] > 0

    listed = client.get("/api/v1/outages", params={"status": ["draft", "published"],
                                                    "service": "water"})
    assert {o["id"] for o in listed.json()} >= {created["burst"]["id"], seeded["outages"][0]}

    planned = created["planned"]["id"]
    for name, body in body_examples(ops["PATCH /api/v1/outages/{outage_id}"]).items():
        answer = client.patch(f"/api/v1/outages/{planned}", json=body)
        assert answer.status_code == 200, (name, answer.text)
        assert {k: answer.json()[k] for k in body} == body, name

    preview = client.post(f"/api/v1/outages/{planned}/recipients/preview")
    assert preview.status_code == 200, preview.text
    sms = preview.json()["sms"]
    assert set(sms) == {"fi", "sv", "en"} and all(v["fragments"] >= 1 for v in sms.values())
    # Planned works years ahead: announced at most planned_notice_days before.
    assert preview.json()["messages"]["action"] == "defer"

    publish = body_examples(ops["POST /api/v1/outages/{outage_id}/publish"])
    burst, area = created["burst"]["id"], created["area"]["id"]
    answer = client.post(f"/api/v1/outages/{burst}/publish", json=publish["now"])
    assert answer.status_code == 200, answer.text
    assert answer.json()["messages"]["action"] in ("send", "defer")
    client.patch(f"/api/v1/outages/{area}", json={"cause": "fault"})  # version 2
    answer = client.post(f"/api/v1/outages/{area}/publish", json=publish["guarded"])
    assert answer.status_code == 200, answer.text
    answer = client.post(f"/api/v1/outages/{planned}/publish")
    assert answer.json()["messages"]["not_before"], answer.json()["messages"]

    resolve = body_examples(ops["POST /api/v1/outages/{outage_id}/resolve"])
    assert client.post(f"/api/v1/outages/{burst}/resolve", json=resolve["now"]).status_code == 200
    answer = client.post(f"/api/v1/outages/{planned}/resolve", json=resolve["earlier"])
    assert answer.status_code == 200, answer.text
    ended = datetime.fromisoformat(answer.json()["ended_at"])
    assert ended == datetime(2030, 6, 10, 10, 40, tzinfo=UTC)

    cancel = body_examples(ops["POST /api/v1/outages/{outage_id}/cancel"])
    assert client.post(f"/api/v1/outages/{area}/cancel", json=cancel["now"]).status_code == 200
    csv = client.get(f"/api/v1/outages/{seeded['outages'][0]}/deliveries.csv")
    assert csv.status_code == 200 and csv.text.startswith("event,channel,destination")


def test_the_field_examples_work(demo: tuple[TestClient, dict]) -> None:
    """Previews of a stuck valve and of a restoration on a drafted burst, and every
    device example, against the demo city."""
    client, _ = demo
    ops = operations(client)
    burst = body_examples(ops["POST /api/v1/outages"])["burst"]
    oid = client.post("/api/v1/outages", json=burst).json()["id"]
    preview = body_examples(ops["POST /api/v1/outages/{outage_id}/stuck"])["preview"]
    answer = client.post(f"/api/v1/outages/{oid}/stuck", json=preview)
    assert answer.status_code == 200 and answer.json()["confirmed"] is False, answer.text
    answer = client.post(f"/api/v1/outages/{oid}/restore", json={"everything": True})
    assert answer.status_code == 200, answer.text
    assert client.get(f"/api/v1/outages/{oid}/backfeed").status_code == 200
    device_op = ops["PUT /api/v1/networks/{service}/devices/{device_id}"]
    for name, body in body_examples(device_op).items():
        answer = client.put("/api/v1/networks/water/devices/WV0007", json=body)
        assert answer.status_code == 200, (name, answer.text)

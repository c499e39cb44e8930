"""Water-quality notices end to end: a boil-water notice drafted and published through the
engineer API, targeted by a trace, reaches the real SMPP test server and aiosmtpd with its
own text (never the supply-cut one) in Finnish and English; lifting it through the API
sends "you may drink the water again" to those told; a do-not-drink notice targets a drawn
area the same way; and a notice operates nothing in the field."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import geopandas as gpd
from fastapi.testclient import TestClient
from shapely.geometry import box, mapping
from sqlalchemy.engine import Engine

from gis_outage.storage.addresses import upsert_addresses
from gis_outage.storage.networks import save_network
from gis_outage.storage.users import create_token, create_user
from map_server.app import create_app
from notifier.pipeline import process_event
from notifier.providers import build_providers
from tests.map_server.test_api import helsinki_water
from tests.settings import notifier_settings

from .outage_data import add_directory, add_subscription, last_event, mobile

PUBLIC = "https://kartta.example.fi"
SUPPLY_CUT_WORDS = ("katko", "outage", "avbrott")


def _site(db: Engine, tmp_path: Path, smpp_port: int, smtp_port: int):
    layers = helsinki_water()
    upsert_addresses(db, layers["addresses"])
    save_network(db, "water", layers, source_name="test.gpkg")
    create_user(db, "engineer-user", "engineer")
    headers = {"Authorization": f"Bearer {create_token(db, 'engineer-user')}"}
    settings = notifier_settings(
        tmp_path,
        sms_providers="smpp",
        smpp_port=smpp_port,
        email_providers="smtp",
        smtp_port=smtp_port,
        public_url=PUBLIC,
        portal={"secret_key": "notice-key"},
    )
    return settings, headers


def _mails(recorder: Any, start: int = 0) -> dict[str, Any]:
    out = {}
    for envelope in recorder.messages[start:]:
        mail = email.message_from_bytes(envelope.content, policy=email.policy.default)
        [to] = envelope.rcpt_tos
        out[to] = mail
    return out


def _texts(smpp: Any, start: int = 0) -> dict[str, str]:
    return {"+" + m["destination"].lstrip("+"): m["text"] for m in smpp.messages()[start:]}


def test_a_boil_water_notice_and_its_lifting_through_the_api_to_the_real_peers(
    db_engine: Engine, tmp_path: Path, smpp_server: Any, smtp_server: Any
) -> None:
    db = db_engine
    controller, recorder = smtp_server
    settings, headers = _site(db, tmp_path, smpp_server.port, controller.port)
    fi_number, en_number = mobile(21), mobile(22)
    # A2 (Aleksanterinkatu 2) is what a break of L2 cuts off; A1 is outside.
    add_directory(
        db,
        [
            {"phone": fi_number, "address_id": "A2", "number_type": "mobile", "language": "fi"},
            {"phone": mobile(23), "address_id": "A1", "number_type": "mobile"},
        ],
    )
    add_subscription(db, "A2", phone=en_number, language="en")
    add_subscription(db, "A2", email="resident@example.fi", language="en")
    add_subscription(db, "A2", email="asukas@example.fi", language="fi")

    providers = build_providers(settings)
    app = create_app(settings, db)
    try:
        with TestClient(app) as client:
            r = client.post(
                "/api/v1/outages",
                headers=headers,
                json={
                    "service": "water",
                    "kind": "boil_water",
                    "starts_at": (datetime.now(UTC) - timedelta(minutes=10)).isoformat(),
                    "cause": "bacteria",
                    "texts": {
                        "fi": "Bakteereja vesinäytteessä",
                        "en": "Bacteria in a water sample",
                    },
                    "selection": {"break_links": ["L2"]},
                },
            )
            assert r.status_code == 201, r.text
            notice = r.json()
            assert notice["kind"] == "boil_water"
            assert notice["affected"]["addresses"] == ["A2"]
            oid = notice["id"]
            r = client.post(f"/api/v1/outages/{oid}/publish", headers=headers)
            assert r.status_code == 200, r.text
            assert r.json()["messages"]["message_kind"] == "boil_water"
            assert process_event(db, settings, last_event(db, oid), providers).sent == 4

            sms = _texts(smpp_server)
            assert set(sms) == {fi_number, en_number}
            url = settings.outage_url(oid)
            assert sms[fi_number] == (
                "Testivesi: Keittokehotus: keitä juoma- ja ruokavesi. Alue: Aleksanterinkatu. "
                f"Syy: Bakteereja vesinäytteessä. Voimassa toistaiseksi. {url}"
            )
            assert sms[en_number] == (
                "Testivesi: Boil water notice: boil water for drinking and cooking. Area: "
                f"Aleksanterinkatu. Reason: Bacteria in a water sample. In force until further "
                f"notice. {url}"
            )
            mails = _mails(recorder)
            assert set(mails) == {"resident@example.fi", "asukas@example.fi"}
            assert mails["resident@example.fi"]["Subject"] == (
                "Boil water notice – Aleksanterinkatu"
            )
            assert mails["asukas@example.fi"]["Subject"] == (
                "Talousveden keittokehotus – Aleksanterinkatu"
            )
            body = mails["resident@example.fi"].get_body(("plain",)).get_content()
            assert "Boil water for drinking and cooking before use" in body
            for text in [*sms.values(), re.split(r"\n-- ?\r?\n", body)[0]]:
                words = text.replace(url, "").lower()  # the link says ?outage=N
                assert not any(w in words for w in SUPPLY_CUT_WORDS), text

            # Lifted: those told hear the water may be drunk again.
            sent_sms, sent_mail = len(smpp_server.messages()), len(recorder.messages)
            r = client.post(f"/api/v1/outages/{oid}/resolve", headers=headers)
            assert r.status_code == 200, r.text
            assert r.json()["messages"]["message_kind"] == "notice_lifted"
            assert process_event(db, settings, last_event(db, oid), providers).sent == 4
    finally:
        providers.close()
    lifted = _texts(smpp_server, sent_sms)
    assert lifted == {
        fi_number: "Testivesi: Talousveden keittokehotus on päättynyt. Alue: Aleksanterinkatu. "
        "Vettä voi taas juoda keittämättä. Juoksuta kylmää vettä muutama minuutti "
        "ennen käyttöä.",
        en_number: "Testivesi: The boil water notice is lifted. Area: Aleksanterinkatu. You may "
        "drink the water without boiling again. Run the cold tap for a few minutes "
        "before use.",
    }
    mails = _mails(recorder, sent_mail)
    assert mails["resident@example.fi"]["Subject"] == (
        "The boil water notice is lifted – Aleksanterinkatu"
    )
    assert mails["asukas@example.fi"]["Subject"] == (
        "Keittokehotus on päättynyt – Aleksanterinkatu"
    )


def test_a_notice_by_drawn_area_escalates_to_do_not_drink_and_holds_no_devices(
    db_engine: Engine, tmp_path: Path, smpp_server: Any, smtp_server: Any
) -> None:
    db = db_engine
    controller, _ = smtp_server
    settings, headers = _site(db, tmp_path, smpp_server.port, controller.port)
    add_directory(
        db, [{"phone": mobile(31), "address_id": a, "number_type": "mobile"} for a in ("A2",)]
    )
    area = gpd.GeoSeries([box(385_000, 6_671_800, 385_400, 6_672_100)], crs="EPSG:3067")
    polygon = mapping(area.to_crs("EPSG:4326").iloc[0])
    start = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    providers = build_providers(settings)
    try:
        with TestClient(create_app(settings, db)) as client:
            r = client.post(
                "/api/v1/outages",
                headers=headers,
                json={
                    "service": "water",
                    "kind": "boil_water",
                    "starts_at": start,
                    "selection": {"polygon": polygon},
                },
            )
            assert r.status_code == 201, r.text
            oid = r.json()["id"]
            assert "A2" in r.json()["affected"]["addresses"]
            # The preview shows the notice's own SMS, one part in Finnish.
            preview = client.post(f"/api/v1/outages/{oid}/recipients/preview", headers=headers)
            assert preview.status_code == 200, preview.text
            assert preview.json()["message_kind"] == "boil_water"
            assert preview.json()["sms"]["fi"]["fragments"] == 1
            assert client.post(f"/api/v1/outages/{oid}/publish", headers=headers).status_code == 200
            assert process_event(db, settings, last_event(db, oid), providers).sent == 1
            [text] = _texts(smpp_server).values()
            assert text.startswith("Testivesi: Keittokehotus: keitä juoma- ja ruokavesi.")

            # Worse than thought: boiling is not enough. Told at once, whatever the estimate.
            r = client.patch(f"/api/v1/outages/{oid}", headers=headers,
                             json={"kind": "do_not_drink"})  # fmt: skip
            assert r.status_code == 200, r.text
            assert r.json()["messages"]["action"] == "send"
            assert r.json()["messages"]["message_kind"] == "do_not_drink"
            assert process_event(db, settings, last_event(db, oid), providers).sent == 1
            [text] = _texts(smpp_server, 1).values()
            assert text.startswith("Testivesi: Käyttökielto: älä juo vettä edes keitettynä.")

            # The water still runs: a pipe burst under the notice isolates as it would
            # without it, and the notice cannot be handled as field work.
            r = client.post(
                "/api/v1/outages",
                headers=headers,
                json={
                    "service": "water",
                    "kind": "unplanned",
                    "starts_at": start,
                    "selection": {"break_links": ["L2"]},
                },
            )
            assert r.status_code == 201, r.text
            assert r.json()["affected"]["devices_to_operate"] == ["V1", "V2"]
            r = client.post(
                f"/api/v1/outages/{oid}/stuck", headers=headers, json={"devices": ["V1"]}
            )
            assert r.status_code == 422, r.text
            assert "water-quality notice" in r.text
    finally:
        providers.close()

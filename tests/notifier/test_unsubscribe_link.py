"""E-mail opt-out in one click: each outage e-mail carries the recipient's own signed
link in `List-Unsubscribe` (with `List-Unsubscribe-Post`, RFC 8058) and in its footer;
the mail client's POST of `List-Unsubscribe=One-Click` to it opts that address out.
Through aiosmtpd and the portal app, with no cookie and no page."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import date
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from gis_outage.services.recipients import resolve_for
from map_server.app import create_app
from notifier.pipeline import process_event
from notifier.providers import build_providers
from tests.settings import notifier_settings

from .outage_data import add_addresses, add_subscription, last_event, publish_outage

PUBLIC = "https://testserver"


def test_an_outage_mail_unsubscribes_its_recipient_in_one_click(
    db_engine: Engine, tmp_path: Path, smtp_server: Any
) -> None:
    db = db_engine
    controller, recorder = smtp_server
    add_addresses(db, ["E1"])
    add_subscription(db, "E1", email="maija@example.fi")
    add_subscription(db, "E1", email="matti@example.fi", language="en")
    settings = notifier_settings(
        tmp_path, email_providers="smtp", smtp_port=controller.port, public_url=PUBLIC,
        portal={"secret_key": "outage-mail-key"},
    )
    providers = build_providers(settings)
    try:
        event_id = last_event(db, publish_outage(db, ["E1"]))
        assert process_event(db, settings, event_id, providers).sent == 2
    finally:
        providers.close()

    links = {}
    for envelope in recorder.messages:
        mail = email.message_from_bytes(envelope.content, policy=email.policy.default)
        [to] = envelope.rcpt_tos
        header = mail["List-Unsubscribe"]
        link = re.fullmatch(r"<(https://testserver/portal/unsubscribe/[^>]+)>", header)
        assert link is not None, header
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert to.split("@")[0] not in link[1]  # a keyed hash, never the address
        assert link[1] in mail.get_body(("plain",)).get_content()  # and in the footer
        links[to] = link[1]
    assert len(set(links.values())) == 2  # each recipient's own

    app = create_app(settings, db)
    with TestClient(app, base_url=PUBLIC) as mail_client:
        response = mail_client.post(links["maija@example.fi"].removeprefix(PUBLIC),
                                    data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    left = resolve_for(db, service="water", address_ids=["E1"],
                       at=date.today(), settings=settings)
    assert {r.destination for r in left} == {"matti@example.fi"}

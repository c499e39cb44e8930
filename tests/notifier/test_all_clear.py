"""The all-clear and the cancellation go to those who were told of the outage, through
the real SMPP test server: not to a number that came to the address since, still to one
whose directory entry was purged since, never to one who opted out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from gis_outage.storage.deliveries import deliveries_for_event
from gis_outage.storage.outages import change_status
from gis_outage.storage.recipients import add_opt_out
from notifier.pipeline import process_event
from notifier.providers import build_providers
from tests.settings import notifier_settings

from .outage_data import (
    ACTOR,
    add_addresses,
    add_directory,
    add_subscription,
    last_event,
    mobile,
    publish_outage,
)


def _destinations(db: Engine, event_id: int) -> set[str]:
    return {d.destination for d in deliveries_for_event(db, event_id)}


def test_the_all_clear_reaches_those_told_of_the_start(
    db_engine: Engine, tmp_path: Path, smpp_server: Any
) -> None:
    db = db_engine
    add_addresses(db, ["C1", "C2", "C3"])
    stays, moves_out, opts_out, moves_in = mobile(1), mobile(2), mobile(3), mobile(4)
    add_directory(db, [
        {"phone": stays, "address_id": "C1", "number_type": "mobile"},
        {"phone": moves_out, "address_id": "C2", "number_type": "mobile"},
        {"phone": opts_out, "address_id": "C3", "number_type": "mobile"},
    ])
    settings = notifier_settings(tmp_path, sms_providers="smpp", smpp_port=smpp_server.port)
    providers = build_providers(settings)
    try:
        outage_id = publish_outage(db, ["C1", "C2", "C3"])
        start = last_event(db, outage_id)
        assert process_event(db, settings, start, providers).sent == 3

        # Since the start: one resident moved out (the directory no longer lists the
        # number), another moved in and registered, a third opted out.
        add_directory(db, [
            {"phone": stays, "address_id": "C1", "number_type": "mobile"},
            {"phone": opts_out, "address_id": "C3", "number_type": "mobile"},
        ])
        add_subscription(db, "C2", phone=moves_in, language="en")
        add_opt_out(db, opts_out, "sms")

        change_status(db, outage_id, "resolved", ACTOR)
        all_clear = last_event(db, outage_id)
        assert process_event(db, settings, all_clear, providers).sent == 2
    finally:
        providers.close()
    assert _destinations(db, all_clear) == {stays, moves_out}
    texts = {m["destination"]: m["text"] for m in smpp_server.messages()}
    assert set(texts) == {n.lstrip("+") for n in (stays, moves_out, opts_out)}
    assert sum(1 for m in smpp_server.messages() if m["destination"] == stays[1:]) == 2


def test_nobody_told_means_no_all_clear_and_the_cancellation_follows_the_same_rule(
    db_engine: Engine, tmp_path: Path, smpp_server: Any
) -> None:
    db = db_engine
    add_addresses(db, ["N1"])
    settings = notifier_settings(tmp_path, sms_providers="smpp", smpp_port=smpp_server.port)
    providers = build_providers(settings)
    try:
        # Published while the address had no number: nobody was told.
        outage_id = publish_outage(db, ["N1"])
        assert process_event(db, settings, last_event(db, outage_id), providers).sent == 0
        add_directory(db, [{"phone": mobile(7), "address_id": "N1", "number_type": "mobile"}])
        change_status(db, outage_id, "cancelled", ACTOR)
        cancelled = last_event(db, outage_id)
        process_event(db, settings, cancelled, providers)
    finally:
        providers.close()
    assert _destinations(db, cancelled) == set()
    assert smpp_server.messages() == []

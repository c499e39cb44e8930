"""PINs and e-mail links go out through the notifier's configured providers.

Providers are built for each message and closed after it: PINs are few, and a
short-lived SMPP bind neither holds a second session open at the SMSC nor sits there
to catch receipts and replies meant for the notifier's own bind (any that do arrive
while it is open are handed to the same handlers the notifier uses).

A call is placed in the background: it lasts the ring time and two playings of the
message, longer than a browser or a proxy in front of the portal waits for a page.
"""

from __future__ import annotations

import logging
import threading
from enum import StrEnum

from sqlalchemy.engine import Engine

from gis_outage.config import Settings
from gis_outage.model import Channel
from notifier.channels.base import Outgoing
from notifier.providers import build_providers
from notifier.receipts import ReceiptSink, opt_out_handler
from notifier.render import Rendered
from notifier.sms_text import sms_info

log = logging.getLogger(__name__)


class PortalMessage(StrEnum):
    """What the demo provider records as the message kind (and service) of portal mail."""

    PIN = "portal_pin"
    LINK = "portal_link"
    PORTAL = "portal"


class Sender:
    def __init__(self, db: Engine, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    def send(
        self,
        channel: Channel,
        destination: str,
        text: str,
        *,
        language: str,
        kind: PortalMessage,
        subject: str | None = None,
    ) -> bool:
        """Send one message; True when a provider accepted it, or a call was placed."""
        args = (channel, destination, text, language, kind, subject)
        if channel is Channel.VOICE:
            threading.Thread(target=self._send, args=args, name="portal-call", daemon=True).start()
            return True
        return self._send(*args)

    def _send(
        self,
        channel: Channel,
        destination: str,
        text: str,
        language: str,
        kind: PortalMessage,
        subject: str | None,
    ) -> bool:
        providers = build_providers(
            self.settings,
            on_receipt=ReceiptSink(self.db),
            on_inbound=opt_out_handler(self.db, self.settings.default_region),
        )
        try:
            chain = providers.get(channel)
            if chain is None:
                log.error("portal: no provider for %s", channel.value)
                return False
            message = Rendered(
                kind=kind,  # type: ignore[arg-type]  # not an outage message kind
                service=PortalMessage.PORTAL,  # type: ignore[arg-type]
                language=language,
                channel=channel,
                text=text,
                subject=subject,
                sms=sms_info(text) if channel is Channel.SMS else None,
            )
            outgoing = Outgoing(delivery_id=0, event_id=0, destination=destination, message=message)
            [result] = chain.send([outgoing])
        except Exception as exc:  # the class name only: errors may quote the destination
            log.error("portal: sending over %s failed: %s", channel.value, type(exc).__name__)
            return False
        finally:
            providers.close()
        if not result.accepted:
            log.warning("portal: %s not accepted: %s", channel.value, result.error)
        return result.accepted

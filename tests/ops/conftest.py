"""The portal's SMPP server and mailbox fixtures, for the ops tests that run real flows."""

from tests.map_server.portal.conftest import mailbox, smpp

__all__ = ["mailbox", "smpp"]

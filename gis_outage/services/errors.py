"""Errors the services raise for the adapters to translate (→ 422)."""

from __future__ import annotations


class TraceError(ValueError):
    """A selection the network cannot trace; `field` names the part that is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field

"""Errors the services raise for the adapters to translate (→ 422)."""

from __future__ import annotations


class FieldError(ValueError):
    """A value the service refuses; `field` names the part that is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class TraceError(FieldError):
    """A selection the network cannot trace."""

"""Domain errors raised by the storage layer (the API maps them to 404/409)."""


class StorageError(Exception):
    """Base class for errors a caller is expected to handle."""


class NotFound(StorageError, LookupError):
    """The requested object does not exist."""


class ConflictError(StorageError):
    """The change conflicts with the stored state (duplicate, concurrent edit, closed)."""


class InvalidTransition(ConflictError):
    """A status change that the outage life cycle (model.TRANSITIONS) does not allow."""

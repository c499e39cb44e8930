"""The 422 answer to a request that fails validation, safe to encode whatever was sent.

FastAPI's own answer echoes each bad value as `input`; a NaN or a lone surrogate there
cannot be written as JSON, so the client got a 500 instead of the 422 naming the field.
Such a value is left out of the answer, and a long one is cut.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

INPUT_MAX = 200  # characters of a bad value echoed back


def _encodable(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError):  # UnicodeEncodeError is a ValueError
        return False
    return True


def _safe(error: dict[str, Any]) -> dict[str, Any]:
    error = {key: value for key, value in error.items() if key != "ctx"}
    value = error.get("input")
    if isinstance(value, str) and len(value) > INPUT_MAX:
        error["input"] = value[:INPUT_MAX] + "…"
    if not _encodable(error.get("input")):
        error.pop("input", None)
    if not _encodable(error):  # a NaN or surrogate in the message itself
        error = {"type": error.get("type"), "loc": error.get("loc"), "msg": "invalid value"}
    return error


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail = [_safe(error) for error in jsonable_encoder(exc.errors())]
    return JSONResponse({"detail": detail}, status_code=422)

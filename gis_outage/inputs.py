"""What engineer-written input may hold: text, moments and coordinates.

Every text an engineer writes ends up in XML (Atom, CAP), SMS, e-mail, HTML and
PostgreSQL `text`. So a text may hold only what XML 1.0 can carry: no C0 control but
tab, line feed and carriage return (U+000B in a cause broke every Atom and CAP
document; NUL cannot be stored in PostgreSQL), no lone surrogate (not encodable as
UTF-8), no U+FFFE/U+FFFF. Moments lie within `EARLIEST`..`LATEST`, where every
time zone's offset still gives a valid date. Coordinates given as WGS84 must be finite
longitudes and latitudes: projected metres or 1e308 read as degrees are refused.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

# Not an XML 1.0 Char (https://www.w3.org/TR/xml/#charsets).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def text_problem(text: str) -> str | None:
    """Why `text` cannot be taken, or None."""
    bad = NOT_XML.search(text)
    if bad is None:
        return None
    return (
        f"contains the character U+{ord(bad.group()):04X} at position {bad.start()}: "
        "control characters (other than tab and line break) and lone surrogates are not allowed"
    )


def xml_text(text: str) -> str:
    """`text` with what XML 1.0 cannot carry dropped (for writers of stored data)."""
    return NOT_XML.sub("", text)


def moment_problem(moment: datetime) -> str | None:
    """Why `moment` (aware) is not a time an outage can have, or None."""
    try:
        utc = moment.astimezone(UTC)
    except (OverflowError, ValueError):
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        return f"must lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d} (UTC)"
    return None


def wgs84_problem(geometry: BaseGeometry) -> str | None:
    """Why `geometry` is not in WGS84 longitude/latitude, or None."""
    coords = shapely.get_coordinates(geometry)
    if not np.isfinite(coords).all():
        return "coordinates must be finite numbers (no NaN or infinity)"
    if len(coords) and (np.abs(coords[:, 0]).max() > 180 or np.abs(coords[:, 1]).max() > 90):
        return (
            "coordinates must be WGS84 longitude (-180..180) and latitude (-90..90) in degrees; "
            "these look projected"
        )
    return None

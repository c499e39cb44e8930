"""Distances in metres whatever the CRS: snap tolerances are given in metres."""

from __future__ import annotations

from typing import Any

import numpy as np
from pyproj import CRS, Proj, Transformer


class Metres:
    """Coordinates of the links' CRS → metres, for distances and tolerances.

    A projected CRS in metres and a network without a CRS (EPANET's coordinates) are
    taken as they are; any other CRS is projected to an azimuthal equidistant CRS centred
    on the data, whose distances from the centre are true and nearly so across a city.
    """

    def __init__(self, transformer: Transformer | None = None, scale: float = 1.0):
        self._transformer = transformer
        self._scale = scale

    def __call__(self, xy: np.ndarray) -> np.ndarray:
        if len(xy) == 0:
            return np.asarray(xy, dtype=float).reshape(0, 2)
        if self._transformer is None:
            return xy * self._scale
        x, y = self._transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])


def metres_for(crs: Any, coords: np.ndarray) -> tuple[Metres, str | None]:
    """The conversion for data in `crs` spanning `coords`, and a warning when the CRS
    does not fit the coordinates (a projected extent labelled geographic)."""
    if crs is None:
        return Metres(), None
    crs = CRS.from_user_input(crs)
    coords = coords[np.isfinite(coords).all(axis=1)]
    if len(coords) == 0:
        return Metres(), None
    (x0, y0), (x1, y1) = coords.min(axis=0), coords.max(axis=0)
    if crs.is_geographic and not (x0 >= -180 and x1 <= 180 and y0 >= -90 and y1 <= 90):
        return Metres(), (
            f"the CRS {crs.name} is geographic but the coordinates (x {x0:.6g}…{x1:.6g}, "
            f"y {y0:.6g}…{y1:.6g}) are not longitudes and latitudes: they look projected; "
            "tolerances are taken in their units")
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(
        (x0 + x1) / 2, (y0 + y1) / 2)
    if crs.is_projected and _scale_error(crs, lon, lat) < 0.01:
        # Within 1 % of true distances there (UTM, national grids): units to metres only.
        unit = crs.axis_info[0] if crs.axis_info else None
        return Metres(scale=unit.unit_conversion_factor if unit else 1.0), None
    local = CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m")
    return Metres(Transformer.from_crs(crs, local, always_xy=True)), None


def _scale_error(crs: CRS, lon: float, lat: float) -> float:
    """How far the projection's scale at (lon, lat) is from true (Web Mercator's is 2
    at 60°N)."""
    try:
        factors = Proj(crs).get_factors(lon, lat)
    except Exception:  # a projection pyproj cannot take factors of: measure locally
        return float("inf")
    scales = (factors.meridional_scale, factors.parallel_scale)
    if not all(np.isfinite(scales)):
        return float("inf")
    return max(abs(s - 1.0) for s in scales)

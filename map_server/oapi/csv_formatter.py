"""pygeoapi's `?f=csv` with every text cell as text in a spreadsheet.

pygeoapi 0.21 loads its CSV formatter by the registry name `CSV` and writes property
values as they are, so an outage cause starting with `=` opened as a formula. Ours
passes each property through `gis_outage.spreadsheet.cell`, the rule the regulator's
deliveries CSV follows, then writes as pygeoapi does.
"""

from __future__ import annotations

from typing import Any

from pygeoapi.formatter.csv_ import CSVFormatter
from pygeoapi.plugin import PLUGINS

from gis_outage.spreadsheet import cell


class TextCSVFormatter(CSVFormatter):
    def write(self, options: dict | None = None, data: dict | None = None) -> Any:
        data = data or {"features": []}
        features = [
            {**feature, "properties": {k: cell(v) for k, v in feature["properties"].items()}}
            for feature in data["features"]
        ]
        return super().write(options or {}, {**data, "features": features})


def install() -> None:
    """Make pygeoapi's `CSV` formatter ours (it looks the name up on each request)."""
    PLUGINS["formatter"]["CSV"] = f"{__name__}.{TextCSVFormatter.__name__}"

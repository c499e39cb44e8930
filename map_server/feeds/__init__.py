"""Machine-readable public feeds: Atom index, CAP 1.2 per outage, GeoJSON."""

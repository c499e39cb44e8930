"""OGC API - Features through pygeoapi, over the in-memory public outages."""

"""The portal's words, one module per language (on top of the map's strings)."""

"""The plugin's Processing provider: the trace for the graphical modeller and qgis_process."""

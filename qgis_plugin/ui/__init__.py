"""The plugin's widgets: the dock and its dialogs, built in code."""

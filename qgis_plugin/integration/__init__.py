"""The plugin's QGIS side that is not a widget: credentials, tasks, layers, i18n."""

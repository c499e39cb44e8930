"""gis-outage QGIS plugin: trace outages on the utility network, publish and follow them.

QGIS calls classFactory; nothing Qt is imported at package import, so the Qt-free
`core` can be imported and tested without QGIS.
"""


def classFactory(iface):  # noqa: N802 - the name QGIS looks for
    from .plugin import GisOutagePlugin

    return GisOutagePlugin(iface)

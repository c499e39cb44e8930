"""The plugin's Qt-free core: API client, models, SMS counting, GeoJSON helpers.

Standard library only, so it runs inside any QGIS Python and under plain pytest.
Nothing here may import qgis or PyQt.
"""

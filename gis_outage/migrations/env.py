"""Alembic environment, driven from code (`gis_outage.storage.db.migrate`).

`migrate()` hands over an open connection in `config.attributes["connection"]`. Run by
the `alembic` command instead (e.g. `alembic -c <ini with script_location> revision
--autogenerate`), it connects to the configured database (GIS_OUTAGE_DATABASE_URL).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from gis_outage.storage.db import autogenerate_filters
from gis_outage.storage.schema import metadata


def run(connection: Connection) -> None:
    dialect = connection.dialect.name
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=dialect == "sqlite",  # SQLite can't ALTER much; batch rebuilds tables
        compare_type=True,
        **autogenerate_filters(dialect),
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    from gis_outage.config import get_settings
    from gis_outage.storage.db import make_engine

    with make_engine(get_settings().effective_database_url).connect() as conn:
        run(conn)
        conn.commit()

"""The field state of the network's devices (migration 0008): positions set by hand and
findings, per network version with who and when. An active outage's own operations are
its affected set (devices to operate, work area, back-feed) and are not repeated here."""

from __future__ import annotations

import sqlalchemy as sa

from gis_outage.model import DeviceFinding
from gis_outage.storage.schema import UTCDateTime, enum_column, metadata, utcnow

device_states = sa.Table(
    "device_states",
    metadata,
    sa.Column(
        "network_version_id",
        sa.Integer,
        sa.ForeignKey("network_versions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("device_id", sa.Text, primary_key=True),
    # Set by hand: passes supply now (true) or not (false); NULL: its normal position.
    sa.Column("passes", sa.Boolean),
    enum_column("finding", DeviceFinding, nullable=True),
    sa.Column("note", sa.Text),
    sa.Column("changed_by", sa.Text, nullable=False),
    sa.Column("changed_at", UTCDateTime(), nullable=False, default=utcnow),
)

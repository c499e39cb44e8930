"""Settings for tests: the one tree, with a section's fields given flat for brevity."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gis_outage.config import NotifySettings, Settings

TOP_LEVEL = frozenset(Settings.model_fields) - {"notify"}
# Quick retries and polls, no quiet hours (the tests of quiet hours set them).
FAST_NOTIFY = {
    "quiet_hours_start": None,
    "quiet_hours_end": None,
    "retry_backoff_seconds": 0.2,
    "delivery_lease_seconds": 2.0,
    "poll_seconds": 0.05,
    "recheck_seconds": 0.5,
    "batch_size": 50,
}


def settings_for(data_dir: Path, **values: Any) -> Settings:
    """Settings in `data_dir`; notifier fields may be given flat (smpp_port=…)."""
    top = {k: v for k, v in values.items() if k in TOP_LEVEL}
    notify = {k: v for k, v in values.items() if k not in TOP_LEVEL}
    unknown = set(notify) - set(NotifySettings.model_fields)
    if unknown:
        raise TypeError(f"not a setting: {sorted(unknown)}")
    return Settings(data_dir=data_dir, notify=notify, **top)


def notifier_settings(data_dir: Path, **values: Any) -> Settings:
    """settings_for with the fast notifier defaults and a utility name."""
    return settings_for(data_dir, **{"utility_name": "Testivesi", **FAST_NOTIFY, **values})

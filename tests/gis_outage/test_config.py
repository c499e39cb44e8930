"""One settings tree from the environment, a .env file and a TOML file, read once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gis_outage.config import Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No GIS_OUTAGE_* from the machine, and no .env in the working directory."""
    for name in list(os.environ):
        if name.startswith("GIS_OUTAGE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_defaults_are_the_embedded_sqlite_file(clean_env, tmp_path):
    settings = Settings(data_dir=tmp_path)
    assert settings.effective_database_url == f"sqlite:///{tmp_path.resolve()}/gis-outage.sqlite"
    assert settings.broker_url is None and settings.embedded_worker
    assert settings.timezone == "Europe/Helsinki"
    assert settings.languages == ["fi", "sv", "en"]


def test_toml_file_then_environment(clean_env, tmp_path):
    config = tmp_path / "gis-outage.toml"
    config.write_text(
        'database_url = "postgresql://db.example/gis"\n'
        'timezone = "Europe/Stockholm"\n'
        'languages = ["sv", "fi"]\n'
        'utility_name = "Toml Water"\n'
        "[notify]\n"
        'smpp_host = "smpp.toml.example"\n'
        "smpp_port = 2776\n"
        "[map]\n"
        "lookup_weeks = 6\n"
    )
    clean_env.setenv("GIS_OUTAGE_CONFIG", str(config))
    clean_env.setenv("GIS_OUTAGE_TIMEZONE", "Europe/Tallinn")
    clean_env.setenv("GIS_OUTAGE_NOTIFY_SMPP_PORT", "2777")
    settings = load_settings()
    assert settings.effective_database_url == "postgresql://db.example/gis"
    assert settings.languages == ["sv", "fi"]
    assert settings.timezone == "Europe/Tallinn"  # the environment wins
    assert settings.utility_name == "Toml Water"
    # A section's settings from the file, one of them overridden by the environment.
    assert (settings.notify.smpp_host, settings.notify.smpp_port) == ("smpp.toml.example", 2777)
    assert settings.map.lookup_weeks == 6
    assert isinstance(settings.data_dir, Path)


def test_a_dotenv_file_in_the_working_directory(clean_env, tmp_path):
    (tmp_path / ".env").write_text(
        "GIS_OUTAGE_UTILITY_NAME=Dotenv Water\nGIS_OUTAGE_NOTIFY_SMPP_SENDER=Vesi\n"
        "GIS_OUTAGE_WEB_WORKERS=4\n"  # docker-compose's own: not a setting, left alone
    )
    settings = load_settings()
    assert (settings.utility_name, settings.notify.smpp_sender) == ("Dotenv Water", "Vesi")


def test_a_misplaced_or_misspelt_setting_is_an_error_that_names_it(clean_env, tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text('smpp_host = "smpp.example"\n')  # belongs under [notify]
    clean_env.setenv("GIS_OUTAGE_CONFIG", str(config))
    with pytest.raises(SettingsError, match=r"'smpp_host' is not a setting here; .*\[notify\]"):
        load_settings()
    clean_env.delenv("GIS_OUTAGE_CONFIG")
    clean_env.setenv("GIS_OUTAGE_NOTIFY_SMPP_HOTS", "smpp.example")
    clean_env.setenv("GIS_OUTAGE_NOTIFY_SMPP_PASSWORD", "")
    clean_env.setenv("GIS_OUTAGE_NOTIFY_SMPP_PORT", "twenty")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert "notify.smpp_hots (GIS_OUTAGE_NOTIFY_SMPP_HOTS): not a setting" in message
    assert "notify.smpp_port (GIS_OUTAGE_NOTIFY_SMPP_PORT)" in message
    assert "smpp.example" not in message and "twenty" not in message  # names, never values


def test_the_cli_says_what_is_wrong_in_one_line_and_exits_2(clean_env, tmp_path):
    env = {**os.environ, "GIS_OUTAGE_NOTIFY_SMPP_PASWORD": "hunter2"}
    out = subprocess.run(
        [sys.executable, "-m", "gis_outage.cli", "migrate"], capture_output=True, text=True,
        env=env, cwd=tmp_path, check=False,
    )
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        "error: invalid settings: notify.smpp_pasword (GIS_OUTAGE_NOTIFY_SMPP_PASWORD): "
        "not a setting"
    ]
    assert "hunter2" not in out.stderr


def test_gis_outage_config_prints_the_effective_tree_with_secrets_masked(clean_env, tmp_path):
    env = {
        **os.environ,
        "GIS_OUTAGE_DATA_DIR": str(tmp_path),
        "GIS_OUTAGE_DATABASE_URL": "postgresql://gis:db-secret@db.example/gis",
        "GIS_OUTAGE_NOTIFY_SMPP_PASSWORD": "smpp-secret",
        "GIS_OUTAGE_PORTAL_SECRET_KEY": "portal-secret",
        "GIS_OUTAGE_UTILITY_NAME": "Example Water",
    }
    run = [sys.executable, "-m", "gis_outage.cli", "config"]
    toml_text = subprocess.run(run, capture_output=True, text=True, env=env, cwd=tmp_path,
                               check=True).stdout
    as_json = json.loads(subprocess.run([*run, "--json"], capture_output=True, text=True,
                                        env=env, cwd=tmp_path, check=True).stdout)
    for secret in ("db-secret", "smpp-secret", "portal-secret"):
        assert secret not in toml_text and secret not in json.dumps(as_json)
    assert as_json["database_url"] == "postgresql://gis:***@db.example/gis"
    assert as_json["utility_name"] == "Example Water"
    assert as_json["notify"]["smpp_password"] == "**********"
    # The TOML it prints is a file the settings read back (unset values commented out).
    printed = tmp_path / "printed.toml"
    printed.write_text(toml_text)
    clean_env.setenv("GIS_OUTAGE_CONFIG", str(printed))
    again = load_settings()
    assert again.utility_name == "Example Water"
    assert again.notify.smpp_port == as_json["notify"]["smpp_port"]
    assert again.map == Settings().map


def test_derived_values_have_one_rule():
    settings = Settings(public_url="https://outages.example.fi/")
    assert settings.public_url == "https://outages.example.fi"
    assert settings.outage_url(7) == "https://outages.example.fi/?outage=7"
    assert settings.opt_out_url == "https://outages.example.fi/portal/unsubscribe"
    assert settings.oapi_url == "https://outages.example.fi/oapi"
    assert settings.cap_sender == "gis-outage@outages.example.fi"
    changed = settings.with_changes(utility_name="Vesi", notify={"smpp_port": 2800})
    assert (changed.utility_name, changed.notify.smpp_port) == ("Vesi", 2800)
    assert changed.notify.smpp_host == settings.notify.smpp_host  # the rest of the section

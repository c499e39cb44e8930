"""Settings come from the environment over a TOML file over the defaults."""

from pathlib import Path

from gis_outage.config import Settings


def test_defaults_are_the_embedded_sqlite_file(monkeypatch, tmp_path):
    monkeypatch.delenv("GIS_OUTAGE_DATABASE_URL", raising=False)
    monkeypatch.delenv("GIS_OUTAGE_CONFIG", raising=False)
    settings = Settings(data_dir=tmp_path)
    assert settings.effective_database_url == f"sqlite:///{tmp_path.resolve()}/gis-outage.sqlite"
    assert settings.broker_url is None
    assert settings.timezone == "Europe/Helsinki"
    assert settings.languages == ["fi", "sv", "en"]


def test_toml_file_then_environment(monkeypatch, tmp_path):
    config = tmp_path / "gis-outage.toml"
    config.write_text(
        'database_url = "postgresql://db.example/gis"\n'
        'timezone = "Europe/Stockholm"\n'
        'languages = ["sv", "fi"]\n'
    )
    monkeypatch.setenv("GIS_OUTAGE_CONFIG", str(config))
    monkeypatch.setenv("GIS_OUTAGE_TIMEZONE", "Europe/Tallinn")
    settings = Settings()
    assert settings.effective_database_url == "postgresql://db.example/gis"
    assert settings.languages == ["sv", "fi"]
    assert settings.timezone == "Europe/Tallinn"  # the environment wins
    assert isinstance(settings.data_dir, Path)

"""Structure of docker-compose.yml, the Dockerfile, deploy/ and its systemd units.

Docker does not run here, so these check what can be checked without it: services,
health checks, start order, that every GIS_OUTAGE_* name is a settings field, and that
the files the Dockerfile copies exist.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from gis_outage.config import CONFIG_FILE_VARIABLE, Settings, load_settings
from notifier.celery_app import PURPOSES

ROOT = Path(__file__).resolve().parents[2]
WORKERS = {f"worker-{purpose}": purpose for purpose in PURPOSES}
# Names the deployment files use that are not application settings.
DEPLOY_ONLY = {"GIS_OUTAGE_WEB_WORKERS", "GIS_OUTAGE_WEB_PORT", "GIS_OUTAGE_WEB_BIND",
               "GIS_OUTAGE_IMAGE"}


def _known_names() -> set[str]:
    """Every GIS_OUTAGE_* variable the settings tree reads (sections: NAME_FIELD)."""
    names = {CONFIG_FILE_VARIABLE}
    for field, info in Settings.model_fields.items():
        section = info.annotation
        if isinstance(section, type) and issubclass(section, BaseModel):
            names |= {f"GIS_OUTAGE_{field}_{name}".upper() for name in section.model_fields}
        else:
            names.add(f"GIS_OUTAGE_{field}".upper())
    return names


def _check_names(names: set[str], where: str) -> None:
    unknown = {n for n in names if n.startswith("GIS_OUTAGE_")} - _known_names() - DEPLOY_ONLY
    assert not unknown, f"{where} uses names no settings class has: {sorted(unknown)}"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]


def _command(service: dict[str, Any]) -> list[str]:
    return [*service.get("entrypoint", []), *service.get("command", [])]


def test_services(services: dict[str, Any]) -> None:
    assert set(services) == {"db", "redis", "migrate", "web", "beat", *WORKERS}
    assert services["db"]["image"] == "postgis/postgis:15-3.4"
    assert services["redis"]["image"].startswith("redis:")


def test_every_long_running_service_has_a_healthcheck(services: dict[str, Any]) -> None:
    for name, service in services.items():
        if name == "migrate":
            assert service["restart"] == "no"  # a one-shot job
            continue
        check = service.get("healthcheck")
        assert check and check["test"][0] in ("CMD", "CMD-SHELL"), name
        assert {"interval", "timeout", "retries"} <= set(check), name
    assert "/ready" in " ".join(services["web"]["healthcheck"]["test"])


def test_start_order(services: dict[str, Any]) -> None:
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert services["migrate"]["command"] == ["migrate"]
    for name in ("web", "beat", *WORKERS):
        deps = services[name]["depends_on"]
        assert deps["db"]["condition"] == "service_healthy", name
        assert deps["redis"]["condition"] == "service_healthy", name
        assert deps["migrate"]["condition"] == "service_completed_successfully", name


def test_web_runs_gis_outage_serve_with_several_workers(services: dict[str, Any]) -> None:
    argv = _command(services["web"])
    assert "entrypoint" not in services["web"]  # the image's: gis-outage
    assert argv[0] == "serve"
    workers = argv[argv.index("--workers") + 1]
    assert re.fullmatch(r"\$\{GIS_OUTAGE_WEB_WORKERS:-([2-9]|\d\d+)\}", workers)


def test_one_worker_per_queue_and_one_beat(services: dict[str, Any]) -> None:
    for name, purpose in WORKERS.items():
        argv = _command(services[name])
        assert argv[:4] == ["celery", "-A", "notifier.celery_app", "worker"], name
        assert argv[argv.index("-Q") + 1] == purpose
        assert services[name]["environment"]["WORKER_NAME"] == purpose
        assert argv[argv.index("-n") + 1] == f"{purpose}@%h"
    assert _command(services["beat"])[:4] == ["celery", "-A", "notifier.celery_app", "beat"]


def test_volumes(compose: dict[str, Any], services: dict[str, Any]) -> None:
    declared = set(compose["volumes"])
    used = {
        volume.split(":")[0]
        for service in services.values()
        for volume in service.get("volumes", [])
    }
    assert used == declared == {"pgdata", "redisdata", "appdata"}
    for name in ("web", "beat", "migrate", *WORKERS):
        assert "appdata:/var/lib/gis-outage" in services[name]["volumes"], name


def test_configuration_by_environment(services: dict[str, Any]) -> None:
    for name in ("web", "beat", "migrate", *WORKERS):
        env = services[name]["environment"]
        for required in (
            "GIS_OUTAGE_DATABASE_URL",
            "GIS_OUTAGE_BROKER_URL",
            "GIS_OUTAGE_PUBLIC_URL",
            "GIS_OUTAGE_DATA_DIR",
        ):
            assert required in env, (name, required)
        assert env["GIS_OUTAGE_DATABASE_URL"].startswith("postgresql://gis:${POSTGRES_PASSWORD")
        assert services[name]["env_file"] == ".env"
        _check_names(set(env), f"service {name}")


def test_every_variable_name_is_a_setting() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    _check_names(set(re.findall(r"\b(GIS_OUTAGE_[A-Z0-9_]+)", text)), "docker-compose.yml")
    example = (ROOT / "deploy" / "env.example").read_text()
    names = set(re.findall(r"^#? ?(GIS_OUTAGE_[A-Z0-9_]+)=", example, re.MULTILINE))
    assert len(names) > 20
    _check_names(names, "deploy/env.example")
    for unit in (ROOT / "deploy" / "systemd").glob("*"):
        _check_names(set(re.findall(r"\b(GIS_OUTAGE_[A-Z0-9_]+)", unit.read_text())), unit.name)


def test_env_example_parses_as_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for line in (ROOT / "deploy" / "env.example").read_text().splitlines():
        match = re.fullmatch(r"#? ?(GIS_OUTAGE_[A-Z0-9_]+)=(.*)", line)
        if match:
            monkeypatch.setenv(*match.groups())
    load_settings()  # every example value has the field's type


def test_dockerfile_copies_files_that_exist() -> None:
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    froms = [line.split()[1] for line in lines if line.startswith("FROM ")]
    assert froms and all(image == "python:3.11-slim-bookworm" for image in froms)
    local = [
        src
        for line in lines
        if line.startswith("COPY ") and "--from=" not in line
        for src in shlex.split(line)[1:-1]
    ]
    assert {"pyproject.toml", "README.md", "gis_outage", "map_server", "notifier"} <= set(local)
    for src in local:
        assert (ROOT / src).exists(), src
    text = "\n".join(lines)
    # The lock's versions with their hashes, then the project without resolving again.
    assert "pip install --require-hashes -r deploy/requirements.txt" in text
    assert "pip install --no-deps ." in text
    assert re.search(r"^USER (?!root)\S+", text, re.MULTILINE)
    assert 'ENTRYPOINT ["gis-outage"]' in text
    assert "espeak-ng" in text


SYSTEMD_UNITS = (
    "gis-outage-web.service",
    "gis-outage-worker@.service",
    "gis-outage-beat.service",
    "gis-outage-migrate.service",
)


def test_systemd_units() -> None:
    for name in SYSTEMD_UNITS:
        text = (ROOT / "deploy" / "systemd" / name).read_text()
        assert "[Unit]" in text and "[Service]" in text, name
        assert "User=gis-outage" in text, name
        assert "EnvironmentFile=/etc/gis-outage/env" in text, name
    worker = (ROOT / "deploy" / "systemd" / "gis-outage-worker@.service").read_text()
    assert "-Q %i" in worker
    for name in ("web", "worker@", "beat"):
        text = (ROOT / "deploy" / "systemd" / f"gis-outage-{name}.service").read_text()
        assert "Requires=gis-outage-migrate.service" in text, name


def test_package_data_covers_every_data_file() -> None:
    """Every non-Python file in the packages is in the wheel that `pip install .` builds."""
    import tomllib
    from fnmatch import fnmatch

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"].get("package-data", {})
    missing = []
    for package in ("gis_outage", "map_server", "notifier"):
        base = ROOT / package
        for path in base.rglob("*"):
            if not path.is_file() or path.suffix in (".py", ".pyc"):
                continue
            relative = path.relative_to(base).as_posix()
            if "__pycache__" in relative:
                continue
            globs = [p.replace("**/", "*") for p in patterns.get(package, [])]
            if not any(fnmatch(relative, glob) for glob in globs):
                missing.append(f"{package}/{relative}")
    assert not missing, missing[:10]


def test_web_workers_share_metrics_in_a_fresh_directory(services: dict[str, Any]) -> None:
    web = services["web"]
    shared = web["environment"]["PROMETHEUS_MULTIPROC_DIR"]
    assert shared in web["tmpfs"]  # empty at every start, as prometheus_client needs
    unit = (ROOT / "deploy" / "systemd" / "gis-outage-web.service").read_text()
    directory = re.search(r"^RuntimeDirectory=(\S+)$", unit, re.MULTILINE)
    assert directory, "the unit needs a RuntimeDirectory for the shared metrics"
    assert f"Environment=PROMETHEUS_MULTIPROC_DIR=/run/{directory[1]}" in unit


def test_production_logs_are_json() -> None:
    example = (ROOT / "deploy" / "env.example").read_text()
    assert re.search(r"^GIS_OUTAGE_LOG_FORMAT=json$", example, re.MULTILINE)
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "GIS_OUTAGE_LOG_FORMAT: ${GIS_OUTAGE_LOG_FORMAT:-json}" in compose

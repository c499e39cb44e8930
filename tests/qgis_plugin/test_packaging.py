"""The installable zip, the Qt-free core and the translation files, checked without QGIS."""

from __future__ import annotations

import ast
import configparser
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

PLUGIN_DIR = Path(__file__).resolve().parents[2] / "qgis_plugin"
PACKAGE = "gisoutage"
MANDATORY = ("name", "qgisMinimumVersion", "description", "about", "version", "author",
             "email", "repository")
PLACEHOLDER = re.compile(r"\{\w*\}")

sys.path.insert(0, str(PLUGIN_DIR))
import build_zip  # noqa: E402
import update_translations  # noqa: E402

sys.path.pop(0)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # Stray caches in the source tree must not reach the zip.
    cache = PLUGIN_DIR / "core" / "__pycache__"
    made = not cache.exists()
    cache.mkdir(exist_ok=True)
    (cache / "stray.cpython-311.pyc").write_bytes(b"")
    try:
        result = subprocess.run([sys.executable, str(PLUGIN_DIR / "build_zip.py"), str(out)],
                                check=True, capture_output=True, text=True)
    finally:
        (cache / "stray.cpython-311.pyc").unlink()
        if made:
            shutil.rmtree(cache)
    return Path(result.stdout.strip())


def test_zip_structure(built):
    assert built.name == f"{PACKAGE}-{build_zip.version()}.zip"
    with zipfile.ZipFile(built) as archive:
        names = archive.namelist()
        assert archive.testzip() is None
    assert all(name.startswith(f"{PACKAGE}/") for name in names)
    for required in ("__init__.py", "plugin.py", "metadata.txt", "icon.svg", "LICENSE",
                     "core/client.py", "ui/dock.py", "i18n/gis_outage_fi.qm",
                     "i18n/gis_outage_sv.qm", "i18n/gis_outage_en.qm"):
        assert f"{PACKAGE}/{required}" in names, required
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".pyo"))]
    assert not [n for n in names if any(part.startswith(".") for part in n.split("/"))]
    assert f"{PACKAGE}/build_zip.py" not in names
    assert f"{PACKAGE}/update_translations.py" not in names


def test_zip_metadata(built):
    with zipfile.ZipFile(built) as archive:
        parser = configparser.ConfigParser()
        parser.read_string(archive.read(f"{PACKAGE}/metadata.txt").decode("utf-8"))
        general = parser["general"]
        for field in MANDATORY:
            assert general.get(field, "").strip(), f"metadata.txt lacks {field}"
        assert general["qgisMinimumVersion"] == "3.22"
        assert f"{PACKAGE}/{general['icon']}" in archive.namelist()
        assert re.fullmatch(r"\d+\.\d+\.\d+", general["version"])


def test_same_sources_same_zip(built, tmp_path):
    again = build_zip.build(tmp_path)
    assert again.read_bytes() == built.read_bytes()


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("path", sorted((PLUGIN_DIR / "core").glob("*.py")),
                         ids=lambda p: p.name)
def test_core_is_stdlib_only(path):
    outside = _imports(path) - set(sys.stdlib_module_names) - {"__future__"}
    assert outside == set(), f"{path.name} imports {outside}"


def test_every_plugin_import_is_stdlib_or_qgis():
    allowed = set(sys.stdlib_module_names) | {"__future__", "qgis"}
    for path in update_translations.source_files():
        assert _imports(path) <= allowed, path


def test_translations_are_complete_and_current():
    messages = update_translations.extract()
    assert "Trace" in messages and len(messages) > 100
    for language in update_translations.LANGUAGES:
        path = update_translations.ts_path(language)
        translations = update_translations.read_ts(path)
        expected = update_translations.render_ts(language, messages, translations)
        assert path.read_text(encoding="utf-8") == expected, (
            f"{path.name} is out of date: run python3 qgis_plugin/update_translations.py")
        for source in messages:
            translated = translations.get(source, "")
            assert translated, f"{language}: untranslated {source!r}"
            assert sorted(PLACEHOLDER.findall(translated)) == sorted(
                PLACEHOLDER.findall(source)), f"{language}: placeholders differ in {source!r}"


@pytest.mark.skipif(not (shutil.which("lrelease") or shutil.which("lrelease-qt5")),
                    reason="lrelease (Debian qttools5-dev-tools) is not installed")
@pytest.mark.parametrize("language", sorted(update_translations.LANGUAGES))
def test_compiled_translations_match_their_sources(language, tmp_path):
    lrelease = shutil.which("lrelease") or shutil.which("lrelease-qt5")
    fresh = tmp_path / f"{language}.qm"
    subprocess.run([lrelease, "-silent", str(update_translations.ts_path(language)),
                    "-qm", str(fresh)], check=True)
    assert fresh.read_bytes() == update_translations.qm_path(language).read_bytes(), (
        "the .qm is stale: run python3 qgis_plugin/update_translations.py")


def test_metadata_names_the_projects_own_contact_and_addresses(built):
    import tomllib

    project = tomllib.loads((PLUGIN_DIR.parent / "pyproject.toml").read_text())["project"]
    with zipfile.ZipFile(built) as archive:
        parser = configparser.ConfigParser()
        parser.read_string(archive.read(f"{PACKAGE}/metadata.txt").decode("utf-8"))
    general = parser["general"]
    assert general["email"] == project["maintainers"][0]["email"]
    assert general["repository"] == project["urls"]["Repository"]
    assert general["tracker"] == project["urls"]["Issues"]
    assert general["homepage"] == project["urls"]["Homepage"]
    reserved = re.compile(r"example\.(org|com|net)|\.(example|invalid|test|localhost)\b")
    for field in ("email", "repository", "tracker", "homepage"):
        assert not reserved.search(general[field]), f"{field} is a placeholder"
    assert general["hasProcessingProvider"] == "yes"
    assert "plugin" not in PACKAGE and "qgis" not in PACKAGE  # the plugin repository's rule


def test_licence_is_the_full_agpl_text(built):
    with zipfile.ZipFile(built) as archive:
        text = archive.read(f"{PACKAGE}/LICENSE").decode("utf-8")
    assert "GNU AFFERO GENERAL PUBLIC LICENSE" in text and "Version 3, 19 November 2007" in text
    assert "TERMS AND CONDITIONS" in text and "END OF TERMS AND CONDITIONS" in text
    assert "13. Remote Network Interaction; Use with the GNU General Public License." in text
    assert len(text) > 30_000

"""Build the installable plugin zip (standard library only).

    python3 qgis_plugin/build_zip.py OUT_DIR

writes OUT_DIR/gisoutage-<version>.zip with one top folder, gisoutage/,
which QGIS ("Install from ZIP") unpacks into the profile's python/plugins. The folder
name is the plugin's module name in QGIS; it is not `gis_outage`, the server library's.
"""

from __future__ import annotations

import configparser
import sys
import zipfile
from pathlib import Path

PLUGIN_DIR = Path(__file__).resolve().parent
PACKAGE = "gisoutage"
# Developer tools and build leftovers stay out of the zip.
EXCLUDE_NAMES = {"build_zip.py", "update_translations.py", "ruff.toml"}
EXCLUDE_DIRS = {"__pycache__"}
EXCLUDE_SUFFIXES = {".pyc", ".pyo", ".orig", ".rej", ".swp"}


def version() -> str:
    parser = configparser.ConfigParser()
    parser.read(PLUGIN_DIR / "metadata.txt", encoding="utf-8")
    return parser["general"]["version"]


def plugin_files() -> list[Path]:
    files = []
    for path in sorted(PLUGIN_DIR.rglob("*")):
        relative = path.relative_to(PLUGIN_DIR)
        if path.is_dir() or EXCLUDE_DIRS & set(relative.parts):
            continue
        if path.name in EXCLUDE_NAMES or path.suffix in EXCLUDE_SUFFIXES:
            continue
        if any(part.startswith(".") for part in relative.parts):  # .ruff_cache, .DS_Store …
            continue
        files.append(path)
    return files


def build(out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{PACKAGE}-{version()}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in plugin_files():
            name = f"{PACKAGE}/{path.relative_to(PLUGIN_DIR).as_posix()}"
            # A fixed timestamp: the same sources give the same zip.
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return target


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    print(build(Path(argv[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Refresh the plugin's Qt translation sources and compile them (a developer's tool).

    python3 qgis_plugin/update_translations.py [--check]

Finds every `tr("...")` in the plugin's Python (one context, "GisOutage"), merges the
strings into i18n/gis_outage_{fi,sv,en}.ts keeping existing translations, and runs
Qt's `lrelease` (Debian: qttools5-dev-tools) to write the .qm files QGIS loads.
With --check it changes nothing and exits 1 when a .ts is out of date or a string is
untranslated. Standard library only, like build_zip.py.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

PLUGIN_DIR = Path(__file__).resolve().parent
I18N_DIR = PLUGIN_DIR / "i18n"
CONTEXT = "GisOutage"
LANGUAGES = {"fi": "fi_FI", "sv": "sv_SE", "en": "en_GB"}
SKIP = {"build_zip.py", "update_translations.py"}


def source_files(plugin_dir: Path = PLUGIN_DIR) -> list[Path]:
    return sorted(p for p in plugin_dir.rglob("*.py")
                  if p.name not in SKIP and "__pycache__" not in p.parts)


def extract(plugin_dir: Path = PLUGIN_DIR) -> list[str]:
    """The strings of every tr("...") call, in order of first appearance."""
    found: dict[str, None] = {}
    for path in source_files(plugin_dir):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            first = node.args[0]
            if name == "tr" and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.setdefault(first.value, None)
    return list(found)


def ts_path(language: str) -> Path:
    return I18N_DIR / f"gis_outage_{language}.ts"


def qm_path(language: str) -> Path:
    return I18N_DIR / f"gis_outage_{language}.qm"


def read_ts(path: Path) -> dict[str, str]:
    """source → translation ('' when unfinished or absent)."""
    if not path.exists():
        return {}
    out = {}
    for message in ET.parse(path).getroot().iter("message"):
        translation = message.find("translation")
        unfinished = translation is None or translation.get("type") in ("unfinished", "vanished")
        out[message.findtext("source", "")] = "" if unfinished else (translation.text or "")
    return out


def render_ts(language: str, messages: list[str], translations: dict[str, str]) -> str:
    root = ET.Element("TS", version="2.1", language=LANGUAGES[language], sourcelanguage="en")
    context = ET.SubElement(root, "context")
    ET.SubElement(context, "name").text = CONTEXT
    for source in messages:
        message = ET.SubElement(context, "message")
        ET.SubElement(message, "source").text = source
        translation = ET.SubElement(message, "translation")
        text = translations.get(source, "") or (source if language == "en" else "")
        if text:
            translation.text = text
        else:
            translation.set("type", "unfinished")
    ET.indent(root, space="    ")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n"


def compile_qm(language: str) -> bool:
    lrelease = shutil.which("lrelease") or shutil.which("lrelease-qt5")
    if lrelease is None:
        return False
    subprocess.run([lrelease, "-silent", str(ts_path(language)), "-qm", str(qm_path(language))],
                   check=True)
    return True


def main(argv: list[str]) -> int:
    check = "--check" in argv
    messages = extract()
    problems = []
    for language in LANGUAGES:
        path = ts_path(language)
        translations = read_ts(path)
        text = render_ts(language, messages, translations)
        missing = [m for m in messages if not (translations.get(m) or language == "en")]
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                problems.append(f"{path.name} is out of date: run update_translations.py")
            problems += [f"{path.name}: untranslated: {m!r}" for m in missing]
            continue
        path.write_text(text, encoding="utf-8")
        for m in missing:
            print(f"{path.name}: untranslated: {m!r}")
        if not compile_qm(language):
            print("lrelease not found (Debian: qttools5-dev-tools): .qm files not rebuilt")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

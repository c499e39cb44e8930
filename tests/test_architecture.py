"""The layout rules of docs/architecture.md, checked on the code itself."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from gis_outage import model
from gis_outage.public import PROPERTY_NAMES

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("gis_outage", "map_server", "notifier")
MAX_LINES = 520  # "about 500"


def _modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "__pycache__" not in p.parts)


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top_level_imports(path: Path) -> set[str]:
    """Modules imported when `path` is imported (not those inside functions)."""
    tree = ast.parse(path.read_text())
    package = _name(path) if path.name == "__init__.py" else _name(path).rpartition(".")[0]
    found = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")
                parent = parent[: len(parent) - node.level + 1]
                base = ".".join([*parent, base]) if base else ".".join(parent)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def test_the_core_imports_no_web_framework_celery_or_qt() -> None:
    code = (
        "import importlib, pkgutil, sys, gis_outage\n"
        "for m in pkgutil.walk_packages(gis_outage.__path__, 'gis_outage.'):\n"
        "    if m.name != 'gis_outage.migrations.env': importlib.import_module(m.name)\n"
        "bad = {'fastapi', 'starlette', 'uvicorn', 'pygeoapi', 'celery', 'kombu', 'PyQt5',\n"
        "       'qgis', 'map_server', 'notifier'}\n"
        "print(sorted({n.split('.')[0] for n in sys.modules} & bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_no_module_is_much_over_500_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for package in (*PACKAGES, "qgis_plugin")
        for p in _modules(package)
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert not long, long


def test_only_storage_runs_sql() -> None:
    """Outside gis_outage/storage (and the migrations) no module imports the tables or
    builds queries; engines are passed around, and SQLAlchemy's exception classes may be
    named to tell a database that is away from other errors."""
    allowed_sqlalchemy = {"sqlalchemy.engine.Engine", "sqlalchemy.Engine", "sqlalchemy.engine"}
    offenders = {}
    for package in PACKAGES:
        for path in _modules(package):
            name = _name(path)
            if name.startswith(("gis_outage.storage", "gis_outage.migrations")):
                continue
            imports = _top_level_imports(path)
            bad = {
                i for i in imports
                if i.startswith("gis_outage.storage.schema") and not i.endswith(".utcnow")
                and i != "gis_outage.storage.schema"
            }
            text = path.read_text()
            if "sa.select(" in text or ".execute(" in text or "exec_driver_sql" in text:
                bad.add("runs SQL")
            sqlalchemy = {i for i in imports if i.startswith("sqlalchemy")}
            if sqlalchemy - allowed_sqlalchemy - {"sqlalchemy"}:
                bad |= sqlalchemy - allowed_sqlalchemy - {"sqlalchemy"}
            if bad:
                offenders[name] = sorted(bad)
    assert not offenders, offenders


def test_no_import_cycles() -> None:
    graph: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in _modules(package):
            graph[_name(path)] = set()
    for package in PACKAGES:
        for path in _modules(package):
            targets = _top_level_imports(path)
            graph[_name(path)] = {t for t in targets if t in graph and t != _name(path)}
    # A package's __init__ importing its own modules is not a cycle worth reporting.
    for name, targets in graph.items():
        graph[name] = {t for t in targets if not name.startswith(t + ".")}

    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, cycles[:5]


def test_the_qgis_plugin_speaks_the_core_vocabulary() -> None:
    """The plugin is stdlib-only and keeps its own copies; they must agree."""
    from qgis_plugin.core import models

    assert tuple(model.Service) == models.SERVICES
    assert tuple(model.OutageKind) == models.KINDS
    assert set(models.WATER_NOTICES) == set(model.WATER_NOTICES)
    assert set(models.NOTICE_SERVICES) == set(model.NOTICE_SERVICES)
    assert models.LANGUAGES == model.LANGUAGES
    statuses = (models.DRAFT, models.PUBLISHED, models.RESOLVED, models.CANCELLED)
    assert statuses == tuple(model.OutageStatus)
    plugin_moves = {(a, b) for a, nexts in models._NEXT.items() for b in nexts}
    assert plugin_moves == {(a.value, b.value) for a, b in model.TRANSITIONS}
    assert models.MAX_CAUSE == model.CAUSE_MAX_LENGTH
    assert models.CRITICAL_CATEGORIES == model.CRITICAL_CATEGORIES


def test_the_qgis_plugin_refuses_the_texts_the_api_refuses() -> None:
    """The plugin's own check of a draft's texts and the API's schema agree at the
    limit, counted the same way (characters, not bytes), for the cause and each text."""
    from datetime import UTC, datetime

    from pydantic import TypeAdapter, ValidationError

    from map_server.api.schemas import Text
    from qgis_plugin.core.models import BREAK, OutageDraft, Selection

    def api_takes(text: str) -> bool:
        try:
            TypeAdapter(Text).validate_python(text)
        except ValidationError:
            return False
        return True

    pipe = Selection(BREAK, ("WP1",))
    n = model.CAUSE_MAX_LENGTH
    for text in ("x" * n, "x" * (n + 1), "ä" * n, "ä" * (n + 1), "😀" * n, "😀" * (n + 1)):
        for cause, texts in ((text, {}), ("Vesikatko", {"fi": "Vesikatko", "sv": text})):
            draft = OutageDraft("water", "planned", datetime(2030, 1, 1, tzinfo=UTC), None,
                                cause, texts, pipe)  # fmt: skip
            assert (draft.problems() == []) == api_takes(text), (len(text), cause == text)


def test_public_properties_name_no_personal_or_engineer_field() -> None:
    assert set(PROPERTY_NAMES).isdisjoint({"affected", "created_by", "texts", "version"})

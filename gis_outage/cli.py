"""The `gis-outage` command line: a thin adapter over the services, like the web app.

Settings are read once here (`gis_outage.config`) and passed down. A user-facing error
is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .cli_field import CliError, add_field_commands
from .config import Settings, SettingsError, get_settings
from .logs import configure_logging
from .model import Role, Service
from .network import NetworkError, describe


def _store(settings: Settings) -> Any:
    """The configured database, migrated to the newest schema."""
    from .storage.db import make_engine, migrate

    engine = make_engine(settings.effective_database_url)
    migrate(engine)
    return engine


def _trace(args: argparse.Namespace, settings: Settings) -> int:
    from .critical import critical_customers, flagged
    from .network import build_network, read_layers
    from .services.outages import Selection, TraceError, run_trace
    from .trace import TraceEngine

    tolerance = args.snap_tolerance or settings.network.snap_tolerance_m
    try:
        net = build_network(read_layers(args.network), snap_tolerance_m=tolerance)
    except NetworkError as exc:
        raise CliError(f"{args.network}: {exc}") from None
    selection = Selection(
        break_links=tuple(args.break_link or ()), operate_devices=tuple(args.operate or ())
    )
    engine = TraceEngine(net)
    try:
        result = run_trace(lambda: net, engine, selection)
    except TraceError as exc:
        raise CliError(str(exc)) from None
    # On stderr, so that --json output stays one JSON object.
    for line in describe(engine.warnings):
        print(f"warning: {line}", file=sys.stderr)
    critical = critical_customers(engine, result.affected_service_points)
    if args.json:
        out = result.to_json()
        if flagged(engine):  # a network without flags prints the contract's keys only
            out = {"critical_customers": critical, **out}
        print(json.dumps(out, allow_nan=False))
    else:
        for row in critical:
            print(f"critical customer:  {row['service_point']} ({row['category']}) at "
                  f"{row['address_id'] or '-'}")
        print(f"devices to operate: {', '.join(result.devices_to_operate) or '-'}")
        print(f"isolated links:     {len(result.isolated_links)}")
        print(f"affected links:     {len(result.affected_links)}")
        print(f"service points:     {len(result.affected_service_points)}")
        print(f"addresses:          {len(result.affected_addresses)}")
        print(f"customers:          {result.customers}")
    return 0


def _import_network(args: argparse.Namespace, settings: Settings) -> int:
    from .importers import import_network

    tolerance = args.snap_tolerance or settings.network.snap_tolerance_m
    if (args.file is None) == (args.mapping is None):
        raise CliError("give a network file or --mapping FILE, not both")
    try:
        summary = import_network(
            args.file, args.service, engine=_store(settings), snap_tolerance_m=tolerance,
            mapping=args.mapping,
        )
    except NetworkError as exc:
        print(f"error: {args.file or args.mapping}: nothing was imported, "
              f"{len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    print(summary)
    return 0


def _check_network(args: argparse.Namespace, settings: Settings) -> int:
    from .importers import check_network

    if (args.file is None) == (args.mapping is None):
        raise CliError("give a network file or --mapping FILE, not both")
    ok, report = check_network(args.file, mapping=args.mapping, snap_tolerance_m=(
        args.snap_tolerance or settings.network.snap_tolerance_m))
    print(report, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 2


def _import_addresses(args: argparse.Namespace, settings: Settings) -> int:
    from .importers import import_addresses

    print(import_addresses(args.file, engine=_store(settings)))
    return 0


def _import_directory(args: argparse.Namespace, settings: Settings) -> int:
    from .importers import import_directory

    print(import_directory(args.file, source=args.source, engine=_store(settings),
                           region=settings.default_region))
    return 0


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from .storage.backup import BackupError, export_backup
    from .storage.db import make_engine

    try:
        summary = export_backup(make_engine(settings.effective_database_url), args.file)
    except BackupError as exc:
        raise CliError(str(exc)) from None
    print(f"wrote {args.file}: {summary.rows} rows in {summary.tables} tables at schema "
          f"revision {summary.revision}; it holds personal data (mode 0600)")
    return 0


def _import(args: argparse.Namespace, settings: Settings) -> int:
    from .storage.backup import BackupError, import_backup
    from .storage.db import make_engine

    engine = make_engine(settings.effective_database_url)
    try:
        summary = import_backup(engine, args.file, replace=args.replace)
    except BackupError as exc:
        raise CliError(str(exc)) from None
    print(f"loaded {args.file}: {summary.rows} rows in {summary.tables} tables "
          f"(schema revision {summary.revision}); the database is at the newest schema")
    return 0


def _convert_epanet(args: argparse.Namespace, settings: Settings) -> int:
    from .convert.epanet import ConvertError, convert_epanet

    try:
        counts = convert_epanet(
            args.input, args.output, valves=args.valves, valves_per_node=args.valves_n,
            seed=args.seed, crs=args.crs, allow_no_coordinates=args.allow_no_coordinates,
        )
    except ConvertError as exc:
        raise CliError(str(exc)) from None
    print(f"wrote {args.output}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def _convert_pandapower(args: argparse.Namespace, settings: Settings) -> int:
    from .convert.pandapower import ConvertError, convert_pandapower

    try:
        counts = convert_pandapower(args.input, args.output)
    except ConvertError as exc:
        raise CliError(str(exc)) from None
    print(f"wrote {args.output}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    _store(settings)
    print("database is at the newest schema")
    return 0


def _create_user(args: argparse.Namespace, settings: Settings) -> int:
    from .storage.errors import ConflictError
    from .storage.users import create_user

    try:
        create_user(_store(settings), args.name, args.role)
    except ConflictError as exc:
        raise CliError(str(exc)) from None
    print(f"created {args.role} {args.name!r}")
    return 0


def _create_token(args: argparse.Namespace, settings: Settings) -> int:
    from .storage.errors import ConflictError, NotFound
    from .storage.users import create_token

    days = settings.security.token_days if args.days is None else args.days
    if not days > 0:
        raise CliError("--days must be more than 0")
    try:
        token = create_token(_store(settings), args.name, days=days)
    except (NotFound, ConflictError) as exc:
        raise CliError(str(exc)) from None
    print(token)
    return 0


def _revoke_token(args: argparse.Namespace, settings: Settings) -> int:
    from .storage.errors import NotFound
    from .storage.users import revoke_tokens

    try:
        count = revoke_tokens(_store(settings), args.name, token_id=args.id)
    except NotFound as exc:
        raise CliError(str(exc)) from None
    if args.id is not None and count == 0:
        raise CliError(f"{args.name!r} has no live token {args.id}")
    print(f"revoked {count} token(s) of {args.name!r}")
    return 0


def _disable_user(args: argparse.Namespace, settings: Settings) -> int:
    from .storage.errors import NotFound
    from .storage.users import disable_user

    try:
        count = disable_user(_store(settings), args.name)
    except NotFound as exc:
        raise CliError(str(exc)) from None
    print(f"disabled {args.name!r}; revoked {count} token(s)")
    return 0


def _tokens(args: argparse.Namespace, settings: Settings) -> int:
    from .storage.schema import utcnow
    from .storage.users import list_tokens

    now = utcnow()
    print("id\tuser\tcreated\texpires\tlast used\tstate")
    for t in list_tokens(_store(settings), args.name):
        used = t.last_used_at.isoformat(timespec="seconds") if t.last_used_at else "-"
        print(f"{t.id}\t{t.user}\t{t.created_at.isoformat(timespec='seconds')}\t"
              f"{t.expires_at.isoformat(timespec='seconds')}\t{used}\t{t.state(now)}")
    return 0


def _import_move_outs(args: argparse.Namespace, settings: Settings) -> int:
    from .move_outs import MoveOutFileError, import_move_outs

    try:
        print(import_move_outs(args.file, settings, _store(settings)))
    except MoveOutFileError as exc:
        raise CliError(f"{args.file}: {exc}") from None
    return 0


def _retention(args: argparse.Namespace, settings: Settings) -> int:
    from .services.notification import describe_retention, retention

    print(describe_retention(retention(_store(settings), settings), settings))
    return 0


def _doctor(args: argparse.Namespace, settings: Settings) -> int:
    from .doctor import main_doctor

    return main_doctor([], settings)


def _config(args: argparse.Namespace, settings: Settings) -> int:
    from .settings_text import as_toml

    print(json.dumps(settings.masked(), indent=2) if args.json else as_toml(settings.masked()))
    return 0


def _build_basemap(args: argparse.Namespace, settings: Settings) -> int:
    from .basemap import BasemapError, build_basemap

    output = args.output or settings.basemap_file
    try:
        info = build_basemap(args.extract, output, min_zoom=args.min_zoom,
                             max_zoom=args.max_zoom)
    except BasemapError as exc:
        raise CliError(str(exc)) from None
    layers = ", ".join(f"{name} {n}" for name, n in info.features.items())
    print(f"wrote {info.path} ({info.size_bytes // 1024} KiB; {layers}); the map server "
          "serves it at /basemap.pmtiles")
    return 0


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    # The web app is the one command that needs the map server package.
    from map_server.serve import run_serve

    return run_serve(settings, host=args.host, port=args.port, workers=args.workers,
                     root_path=args.root_path)


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from map_server.demo import run_demo

    return run_demo(host=args.host, port=args.port, data_dir=args.data_dir)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gis-outage", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    services = [s.value for s in Service]

    def command(name: str, handler: Callable[[argparse.Namespace, Settings], int], text: str):
        p = sub.add_parser(name, help=text, description=text)
        p.set_defaults(handler=handler)
        return p

    def tolerance(p: argparse.ArgumentParser) -> None:
        p.add_argument("--snap-tolerance", type=float, default=None, metavar="METRES",
                       help="link ends closer than this share a node "
                            "(default GIS_OUTAGE_NETWORK_SNAP_TOLERANCE_M)")

    p = command("trace", _trace, "Trace a fault or a device operation on a network file")
    p.add_argument("--network", type=Path, required=True, help="GeoPackage in the interchange")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--break", dest="break_link", action="append", metavar="LINK_ID")
    what.add_argument("--operate", action="append", metavar="DEVICE_ID")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    tolerance(p)

    p = command("import-network", _import_network, "Import a network GeoPackage into storage")
    p.add_argument("file", type=Path, nargs="?")
    p.add_argument("--mapping", type=Path, default=None,
                   help="a TOML file mapping the utility's own schema to the interchange")
    p.add_argument("--service", required=True, choices=services)
    tolerance(p)

    p = command("check-network", _check_network,
                "Report problems, warnings, counts, extent and CRS without importing")
    p.add_argument("file", type=Path, nargs="?")
    p.add_argument("--mapping", type=Path, default=None,
                   help="a TOML file mapping the utility's own schema to the interchange")
    tolerance(p)

    p = command("import-addresses", _import_addresses, "Import addresses (GeoPackage/CSV)")
    p.add_argument("file", type=Path)

    p = command("import-directory", _import_directory, "Import an operator directory extract")
    p.add_argument("file", type=Path)
    p.add_argument("--source", default="operator", help="name of the directory's operator")

    p = command("import-move-outs", _import_move_outs,
                "Purge registrations of residents who moved out (CSV from the customer system)")
    p.add_argument("file", type=Path)

    command("retention", _retention,
            "Delete delivery logs and portal data past their retention period")

    p = command("convert-epanet", _convert_epanet, "EPANET .inp → interchange GeoPackage")
    p.add_argument("input", type=Path)
    p.add_argument("output", type=Path)
    p.add_argument("--valves", default="strategic",
                   help="strategic, random, none, or a CSV of link,node valve positions")
    p.add_argument("--valves-n", type=int, default=2,
                   help="valves per node (strategic) or in all (random)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--crs", default=None,
                   help="the CRS of the model's coordinates, e.g. EPSG:3067 (default: none)")
    p.add_argument("--allow-no-coordinates", action="store_true",
                   help="convert a model without [COORDINATES] with a schematic layout")

    p = command("convert-pandapower", _convert_pandapower,
                "pandapower JSON (or .xlsx) → interchange GeoPackage")
    p.add_argument("input", type=Path)
    p.add_argument("output", type=Path)

    p = command("export", _export,
                "Write every stored row to one backup file (holds personal data: mode 0600)")
    p.add_argument("file", type=Path)

    p = command("import", _import,
                "Load an export into the database (empty, or --replace), in one transaction")
    p.add_argument("file", type=Path)
    p.add_argument("--replace", action="store_true",
                   help="delete the data already in the database first")

    p = command("build-basemap", _build_basemap,
                "Cut the public map's base map from an OpenStreetMap extract (.osm.pbf)")
    p.add_argument("extract", type=Path)
    p.add_argument("--output", type=Path, default=None,
                   help="the PMTiles file (default GIS_OUTAGE_MAP_BASEMAP, else "
                        "basemap.pmtiles in the data dir)")
    p.add_argument("--min-zoom", type=int, default=10)
    p.add_argument("--max-zoom", type=int, default=16)

    command("migrate", _migrate, "Create or upgrade the database schema")
    command("doctor", _doctor, "Check a deployment: database, migrations, broker, SMTP/SMPP")
    p = command("config", _config, "Print the effective settings (secrets masked)")
    p.add_argument("--json", action="store_true", help="as JSON instead of TOML")

    p = command("create-user", _create_user, "Add an engineer-API user")
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=[r.value for r in Role])

    p = command("create-token", _create_token, "Print a new API token for a user (shown once)")
    p.add_argument("name")
    p.add_argument("--days", type=float, default=None,
                   help="valid this many days (default GIS_OUTAGE_SECURITY_TOKEN_DAYS)")

    p = command("revoke-token", _revoke_token, "Revoke a user's API tokens (audit-logged)")
    p.add_argument("name")
    p.add_argument("--id", type=int, default=None, help="only this token (see `tokens`)")

    p = command("disable-user", _disable_user,
                "Disable an API user: every token revoked, no new one (audit-logged)")
    p.add_argument("name")

    p = command("tokens", _tokens, "List API tokens: id, user, dates, state (never the token)")
    p.add_argument("name", nargs="?", default=None, help="only this user's")

    p = command("serve", _serve,
                "Run the web app, and the notifier worker in-process when no broker is set")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1, help="web processes (as uvicorn's)")
    p.add_argument("--root-path", default="", help="as uvicorn's, behind a path prefix")

    add_field_commands(command)

    p = command("demo", _demo, "Build the demo city and start the product on it")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--data-dir", type=Path, default=Path("data/demo"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = get_settings()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # Before any command logs: one format, personal data redacted. The demo prints where
    # to look, and the libraries' progress lines would bury that.
    configure_logging(default_level="WARNING" if args.command == "demo" else "INFO")
    try:
        return args.handler(args, settings)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
    except NetworkError as exc:
        print(f"error: nothing was imported, {len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
    except OSError as exc:  # a file that is missing or unreadable
        print(f"error: {exc.strerror or exc}: {exc.filename}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())

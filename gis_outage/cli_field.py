"""`gis-outage field …`: the engineer API's field steps from the command line.

Each step prints the difference (or the suggestions) as one JSON object; `--confirm`
stores it, as `confirm: true` does in the API. `--expected-version` (the difference's
`outage_version`) stores it only if the outage has not changed since it was shown.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from .model import DeviceFinding, Service
from .services.errors import TraceError
from .storage.errors import ConflictError, NotFound

POSITIONS = {"open": True, "closed": False, "normal": None}
FINDINGS = [f.value for f in DeviceFinding] + ["clear"]


class CliError(Exception):
    """A user-facing error: printed on one line, exit status 2 (every command's)."""


def _context(settings: Any) -> Any:
    from .cli import _store
    from .services.context import build_context

    return build_context(settings, db=_store(settings))


def _run(call: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return call(*args, **kwargs)
    except (TraceError, NotFound, ConflictError, ValueError) as exc:
        raise CliError(str(exc)) from None


def _show(proposal: Any, args: argparse.Namespace, ctx: Any, action: str,
          findings: list[str] = ()) -> int:
    from .services import field

    out: dict[str, Any] = {"confirmed": bool(args.confirm), "difference": proposal.difference()}
    if args.confirm:
        outage = _run(field.confirm, ctx, proposal, args.actor, action, list(findings),
                      expected_version=args.expected_version)
        out["status"] = outage.status
    print(json.dumps(out, default=str, allow_nan=False))
    return 0


def _stuck(args: argparse.Namespace, settings: Any) -> int:
    from .services import field

    ctx = _context(settings)
    return _show(_run(field.stuck, ctx, args.outage, args.device), args, ctx, "stuck",
                 args.device)


def _restore(args: argparse.Namespace, settings: Any) -> int:
    from .services import field

    ctx = _context(settings)
    proposal = _run(field.restore, ctx, args.outage, links=args.link or [],
                    devices=args.device or [], everything=args.all)
    return _show(proposal, args, ctx, "restore")


def _backfeed(args: argparse.Namespace, settings: Any) -> int:
    from .services import field

    ctx = _context(settings)
    radial = False if args.no_radial else None
    if not args.device:
        print(json.dumps(_run(field.suggestions, ctx, args.outage, radial=radial)))
        return 0
    proposal = _run(field.backfeed, ctx, args.outage, args.device, radial=radial)
    return _show(proposal, args, ctx, "backfeed")


def _device(args: argparse.Namespace, settings: Any) -> int:
    from .services import field

    changes: dict[str, Any] = {}
    if args.position is not None:
        changes["passes"] = POSITIONS[args.position]
    if args.finding is not None:
        changes["finding"] = None if args.finding == "clear" else args.finding
    if not changes:
        raise CliError("give --position and/or --finding")
    row = _run(field.set_device, _context(settings), args.service, args.device_id, args.actor,
               note=args.note, **changes)
    state = row.as_dict() if row is not None else None
    print(json.dumps({"device_id": args.device_id, "state": state}, default=str))
    return 0


def add_field_commands(command: Any) -> None:
    """The `field` command and its steps, on the main parser's `command` helper."""
    p = command("field", None, "The outage as it unfolds: stuck devices, staged "
                "restoration, back-feed, devices set by hand or found")
    steps = p.add_subparsers(dest="step", required=True)

    def step(name: str, handler: Any, text: str, outage: bool = True) -> argparse.ArgumentParser:
        s = steps.add_parser(name, help=text, description=text)
        s.set_defaults(handler=handler)
        if outage:
            s.add_argument("outage", type=int, help="outage id")
            s.add_argument("--confirm", action="store_true", help="store the change")
            s.add_argument("--expected-version", type=int, metavar="N",
                           help="with --confirm: store only if the outage is still at version "
                                "N (the difference's outage_version); else exit 2, storing "
                                "nothing")
        s.add_argument("--actor", default="cli", help="who, for the audit trail")
        return s

    s = step("stuck", _stuck, "Devices that will not operate: plan the isolation again")
    s.add_argument("--device", action="append", required=True, metavar="DEVICE_ID")
    s = step("restore", _restore, "Repaired links and devices operated back")
    s.add_argument("--link", action="append", metavar="LINK_ID")
    s.add_argument("--device", action="append", metavar="DEVICE_ID")
    s.add_argument("--all", action="store_true", help="the whole work area, every device")
    s = step("backfeed", _backfeed, "Back-feed suggestions, or apply one with --device")
    s.add_argument("--device", metavar="DEVICE_ID")
    s.add_argument("--no-radial", action="store_true", help="allow meshing two feeders")
    s = step("device", _device, "Set a device by hand or record a finding", outage=False)
    s.add_argument("service", choices=[v.value for v in Service])
    s.add_argument("device_id")
    s.add_argument("--position", choices=list(POSITIONS))
    s.add_argument("--finding", choices=FINDINGS)
    s.add_argument("--note")

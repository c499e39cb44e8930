"""What is supplied now: the field state laid over a network's segment graph.

The trace engine (trace.py) answers for the network as imported. In the field the
network differs: outages and crews have operated devices, some devices turned out to
be inoperable (stuck, broken) or could not be found, and work areas are under repair.
`FieldState` holds all of that; outages that overlap combine by merging their states.
Every answer here is a flood fill of the segment graph from the sources under one
state, and every change is the difference between two states, so stuck devices,
staged restoration, back-feed and resolving one of several outages are one rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .trace import TraceEngine, TraceResult, UnknownIdError


@dataclass(frozen=True)
class FieldState:
    """Everything that differs from the network's normal state right now."""

    positions: Mapping[str, bool] = field(default_factory=dict)  # device id -> passes now
    inoperable: frozenset[str] = frozenset()  # stuck, broken or not found: cannot be operated
    work_links: frozenset[str] = frozenset()  # under repair: never supplied, never to be fed
    # Junctions of a work area that hold no link (a device at the node cuts every link off).
    work_nodes: frozenset[str] = frozenset()

    def merge(self, *others: FieldState) -> FieldState:
        """Several outages and hand operations at once; a device held closed by any of
        them stays closed (opening it is the later, deliberate step)."""
        positions = dict(self.positions)
        inoperable, work = set(self.inoperable), set(self.work_links)
        nodes = set(self.work_nodes)
        for other in others:
            for device, passes in other.positions.items():
                positions[device] = positions.get(device, passes) and passes
            inoperable |= other.inoperable
            work |= other.work_links
            nodes |= other.work_nodes
        return FieldState(positions, frozenset(inoperable), frozenset(work), frozenset(nodes))

    def operate(self, devices: Iterable[str], passes: bool) -> FieldState:
        return replace(self, positions={**self.positions, **dict.fromkeys(devices, passes)})

    def release(self, devices: Iterable[str]) -> FieldState:
        """These devices go back to their normal position."""
        gone = set(devices)
        return replace(self, positions={d: p for d, p in self.positions.items() if d not in gone})

    def finding(self, devices: Iterable[str]) -> FieldState:
        return replace(self, inoperable=self.inoperable | frozenset(devices))

    def repaired(self, links: Iterable[str], nodes: Iterable[str] = ()) -> FieldState:
        return replace(self, work_links=self.work_links - frozenset(links),
                       work_nodes=self.work_nodes - frozenset(nodes))


@dataclass(frozen=True)
class Isolation:
    """How to close off a work area under the current field state."""

    devices_to_operate: list[str]  # passing now, operable, to be closed
    work_links: list[str]  # the links of the work area
    work_nodes: list[str]  # its junctions that hold no link
    crossed: list[str]  # devices the work area grew past because they cannot be operated

    def state(self) -> FieldState:
        """The outage's own part of the field state once the crew has done it."""
        return FieldState(
            positions=dict.fromkeys(self.devices_to_operate, False),
            work_links=frozenset(self.work_links),
            work_nodes=frozenset(self.work_nodes),
        )


@dataclass(frozen=True)
class Change:
    """Who loses supply and who gets it back between two field states."""

    lost: TraceResult
    regained: TraceResult
    lost_addresses: list[str]  # addresses cut off after and not before (any service point)
    regained_addresses: list[str]  # cut off before and fully supplied after

    def to_json(self) -> dict:
        return {
            "lost": self.lost.to_json(),
            "regained": self.regained.to_json(),
            "lost_addresses": self.lost_addresses,
            "regained_addresses": self.regained_addresses,
        }


@dataclass(frozen=True)
class Suggestion:
    """A device whose operation supplies part of the cut-off healthy area again."""

    device: str
    restores: TraceResult
    meshed: bool  # closing it would join two supplied parts (not radial)

    def to_json(self) -> dict:
        return {"device": self.device, "meshed": self.meshed, "restores": self.restores.to_json()}


class FeedsWorkArea(ValueError):
    """A state in which supply would reach a work area that is still under repair."""

    def __init__(self, links: list[str]) -> None:
        shown = ", ".join(links[:10]) + (" …" if len(links) > 10 else "")
        super().__init__(f"this would feed the work area still under repair (links {shown})")
        self.links = links


class FieldEngine:
    """Supply under a field state, for one network version (wraps its TraceEngine)."""

    def __init__(self, engine: TraceEngine):
        self.engine = engine
        self._a, self._b = engine.segment_ends
        self._n = engine.n_segments
        self._sources = engine.source_segments()
        self._normal = self.supplied(FieldState())

    # ------------------------------------------------------------------ state → arrays

    def _devices(self, ids: Iterable[str]) -> np.ndarray:
        found = {str(d): self.engine.device_ids.index(str(d)) for d in ids}
        unknown = sorted(d for d, i in found.items() if i < 0)
        if unknown:
            raise UnknownIdError(f"unknown device id {unknown[0]!r}")
        return np.asarray([found[str(d)] for d in ids], dtype=np.int64)

    def passes(self, state: FieldState) -> np.ndarray:
        passes = self.engine.device_passes.copy()
        if state.positions:
            ids = list(state.positions)
            passes[self._devices(ids)] = [bool(state.positions[d]) for d in ids]
        return passes

    def operable(self, state: FieldState) -> np.ndarray:
        operable = self.engine.device_operable.copy()
        operable[self._devices(sorted(state.inoperable))] = False
        return operable

    def work_segments(self, state: FieldState) -> np.ndarray:
        work = np.zeros(self._n, dtype=bool)
        if state.work_links:
            work[self.engine.link_segments(sorted(state.work_links))] = True
        if state.work_nodes:
            found = {n: self.engine.node_ids.index(n) for n in state.work_nodes}
            unknown = sorted(n for n, i in found.items() if i < 0)
            if unknown:
                raise UnknownIdError(f"unknown node id {unknown[0]!r}")
            nodes = np.asarray([found[n] for n in state.work_nodes], dtype=np.int64)
            work[self.engine.segment_of[nodes]] = True
        return work

    # ------------------------------------------------------------------ supply

    def supplied(self, state: FieldState, *, into_work: bool = False) -> np.ndarray:
        """Per segment: reached from a source through passing devices. Work areas are
        dead and pass nothing unless `into_work` asks where supply would reach."""
        live = ~self.engine.edges_blocked(self.passes(state))
        work = np.zeros(self._n, dtype=bool) if into_work else self.work_segments(state)
        return self._flood(live, work)

    def _flood(self, live: np.ndarray, dead: np.ndarray) -> np.ndarray:
        a, b, n = self._a, self._b, self._n
        keep = live & ~dead[a] & ~dead[b]
        sources = self._sources[~dead[self._sources]]
        src = np.concatenate([a[keep], np.full(len(sources), n)])
        dst = np.concatenate([b[keep], sources])
        graph = coo_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n + 1, n + 1))
        _, labels = connected_components(graph, directed=False)
        return labels[:n] == labels[n]

    def cut_off_segments(self, state: FieldState) -> np.ndarray:
        """Per segment: supplied normally and not now, or in a work area."""
        return (self._normal & ~self.supplied(state)) | self.work_segments(state)

    def cut_off(self, state: FieldState) -> TraceResult:
        """Everything without supply under this state that has it normally."""
        return self.engine.segment_contents(np.flatnonzero(self.cut_off_segments(state)))

    def fed_work_links(self, state: FieldState) -> list[str]:
        """Work-area links that supply would reach under this state."""
        fed = self.supplied(state, into_work=True) & self.work_segments(state)
        return self.engine.segment_contents(np.flatnonzero(fed)).affected_links

    def check_not_feeding(self, before: FieldState, after: FieldState) -> None:
        """FeedsWorkArea when `after` feeds work-area links that `before` did not."""
        newly = sorted(set(self.fed_work_links(after)) - set(self.fed_work_links(before)))
        if newly:
            raise FeedsWorkArea(newly)

    def release_safely(self, state: FieldState, devices: list[str]) -> tuple[FieldState, list[str]]:
        """Put these devices back to normal one by one, keeping in place any whose
        operation would feed a work area still under repair (another outage's, say);
        the new state and the devices kept."""
        fed = set(self.fed_work_links(state))
        kept: list[str] = []
        for device in devices:
            trial = state.release([device])
            if set(self.fed_work_links(trial)) - fed:
                kept.append(device)
            else:
                state = trial
        return state, kept

    def compare(self, before: FieldState, after: FieldState) -> Change:
        was, now = self.cut_off_segments(before), self.cut_off_segments(after)
        lost = self.engine.segment_contents(np.flatnonzero(now & ~was))
        regained = self.engine.segment_contents(np.flatnonzero(was & ~now))
        addr_was, addr_now = self._addresses(was), self._addresses(now)
        return Change(
            lost=lost,
            regained=regained,
            lost_addresses=sorted(addr_now - addr_was),
            regained_addresses=sorted(addr_was - addr_now),
        )

    def _addresses(self, cut: np.ndarray) -> set[str]:
        """Addresses with at least one service point cut off."""
        codes = self.engine.sp_address[self.engine.segment_sps(np.flatnonzero(cut))]
        return set(self.engine.address_ids.take(np.unique(codes[codes >= 0]).tolist()))

    # ------------------------------------------------------------------ isolation

    def isolate(self, fault_links: list[str], state: FieldState) -> Isolation:
        """Close off these links with the nearest devices that can be operated now.

        A device blocking already (by design, by an outage, by hand) bounds the area
        as it is; a passing, operable one is to be closed; one that cannot be operated
        is crossed and the search runs on to the next devices outward.
        """
        passes, operable = self.passes(state), self.operable(state)
        blocked = self.engine.edges_blocked(passes)
        start = {int(s) for s in self.engine.link_segments(fault_links)}
        area, stack = set(start), list(start)
        boundary: list[tuple[int, int]] = []
        crossed: set[int] = set()
        while stack:
            seg = stack.pop()
            for e in self.engine.incident_edges(seg).tolist():
                if blocked[e]:
                    continue
                other = int(self._b[e] if self._a[e] == seg else self._a[e])
                devices = self.engine.edge_devices(e)
                usable = devices[operable[devices]]
                if len(usable):
                    boundary.append((int(usable.min()), other))
                    continue
                crossed.update(devices.tolist())
                if other not in area:
                    area.add(other)
                    stack.append(other)
        to_operate = sorted({d for d, other in boundary if other not in area})
        segments = np.fromiter(area, dtype=np.int64)
        ids = self.engine.device_ids
        bare = segments[self.engine.node_only[segments]]
        return Isolation(
            devices_to_operate=sorted(ids.take(to_operate)),
            work_links=self.engine.segment_contents(segments).affected_links,
            work_nodes=sorted(self.engine.node_ids.take(self._bare_nodes(bare))),
            crossed=sorted(ids.take(crossed)),
        )

    def _bare_nodes(self, segments: np.ndarray) -> list[int]:
        nodes = np.flatnonzero(np.isin(self.engine.segment_of[: self.engine.n_nodes], segments))
        return nodes.tolist()

    # ------------------------------------------------------------------ back-feed

    def backfeed(self, state: FieldState, *, radial: bool = True) -> list[Suggestion]:
        """Blocking devices whose operation supplies part of the cut-off healthy area
        again from a source without feeding a work area, most customers first.
        `radial` leaves out those that would mesh two supplied parts (electricity)."""
        passes, operable = self.passes(state), self.operable(state)
        work = self.work_segments(state)
        supplied = self.supplied(state)
        healthy_dead = self._normal & ~supplied & ~work
        if not healthy_dead.any():
            return []
        fed_before = set(self.fed_work_links(state))
        loops_before = self._loops(passes, work, supplied)
        out: list[Suggestion] = []
        for d in np.flatnonzero(~passes & operable).tolist():
            segs = self._device_segments(d)
            if not (healthy_dead[segs].any() and supplied[segs].any()):
                continue
            trial = state.operate([self.engine.device_ids[d]], True)
            now = self.supplied(trial)
            restored = healthy_dead & now
            if not restored.any() or set(self.fed_work_links(trial)) - fed_before:
                continue
            meshed = self._loops(self.passes(trial), work, now) > loops_before
            if meshed and radial:
                continue
            contents = self.engine.segment_contents(np.flatnonzero(restored))
            if not contents.affected_service_points:
                continue  # lines back under voltage with nobody on them
            out.append(Suggestion(self.engine.device_ids[d], contents, meshed))
        out.sort(key=lambda s: (-s.restores.customers, s.device))
        return out

    def _device_segments(self, device: int) -> np.ndarray:
        edges = self.engine.device_edges(np.asarray([device]))
        return np.unique(np.concatenate([self._a[edges], self._b[edges]]))

    def _loops(self, passes: np.ndarray, work: np.ndarray, supplied: np.ndarray) -> int:
        """Independent loops of the energised graph with every source joined to one
        virtual root: two supplied parts joined, or a ring closed, adds one."""
        live = ~self.engine.edges_blocked(passes)
        a, b = self._a, self._b
        edges = int((live & supplied[a] & supplied[b] & ~work[a] & ~work[b]).sum())
        edges += int(supplied[self._sources].sum())
        return edges - (int(supplied.sum()) + 1) + 1

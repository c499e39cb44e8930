"""Synthetic city-scale networks in the interchange layout, for benchmarks and tests.

`city_network(n_links)` lays out a meshed distribution network the way a city
grows one: several districts, each a street grid with irregular blocks (some
grid links left out) and dead-end branches into the blocks; districts joined by
trunk mains (some doubled, so districts form loops too) and by tie mains that
end in a normally-closed valve (the boundary between two pressure zones or
feeders); a handful of plants, each feeding a district through its own main.

Valves sit at link ends (`link_id` + `node_id`), about one per 2.5 links; about
1% of them are inoperable. Every link carries about one service point with
1–40 customers, except trunk, tie and plant mains. Everything is supplied in
the normal state. Coordinates are metres in ETRS-TM35FIN (EPSG:3067) around
Helsinki.

Everything is built with vectorised numpy and shapely, so a million links take
a few seconds. The same `n_links` and `seed` always give the same layers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely

CRS = "EPSG:3067"
ORIGIN = (370_000.0, 6_660_000.0)  # south-west corner, west of Helsinki centre
MIN_LINKS = 100

# Link roles, kept in the `role` column (an extra column, which importers keep).
GRID, BRANCH, TRUNK, TIE, PLANT = "street", "branch", "trunk", "tie", "plant"

BRANCH_SHARE = 0.08  # of all links, in dead-end branches
GRID_DROP = 0.2  # share of a grid's non-tree links left out (irregular blocks)
ZONE_WIDTHS = (2, 2, 3)  # valve zones span 2 or 3 street blocks each way
ZONE_VALVE = 0.9  # share of links crossing a zone border with a valve on them
BRANCH_VALVE = 0.5  # share of dead-end branches with a valve where they start
EXTRA_VALVE = 0.015  # share of other link ends with a valve
INOPERABLE = 0.01
SINGLE_CUSTOMER = 0.75  # share of service points with one customer (houses)
MAX_CUSTOMERS = 40


@dataclass
class _Parts:
    """Nodes and links collected piece by piece, concatenated at the end."""

    xy: list[np.ndarray] = field(default_factory=list)
    a: list[np.ndarray] = field(default_factory=list)
    b: list[np.ndarray] = field(default_factory=list)
    role: list[np.ndarray] = field(default_factory=list)
    valve_a: list[np.ndarray] = field(default_factory=list)  # a valve at the from end
    valve_b: list[np.ndarray] = field(default_factory=list)  # a valve at the to end
    closed_a: list[np.ndarray] = field(default_factory=list)  # ... which is normally closed
    n_nodes: int = 0

    def add_nodes(self, xy: np.ndarray) -> np.ndarray:
        self.xy.append(xy)
        first = self.n_nodes
        self.n_nodes += len(xy)
        return np.arange(first, self.n_nodes)

    def add_links(
        self,
        a: np.ndarray,
        b: np.ndarray,
        role: str,
        valve_a: np.ndarray | None = None,
        valve_b: np.ndarray | None = None,
        closed_a: np.ndarray | None = None,
    ) -> None:
        """Links from nodes `a` to nodes `b`; the flags force valves at their ends."""
        n = len(a)
        none = np.zeros(n, dtype=bool)
        self.a.append(np.asarray(a, dtype=np.int64))
        self.b.append(np.asarray(b, dtype=np.int64))
        self.role.append(np.full(n, role, dtype=object))
        self.valve_a.append(none if valve_a is None else valve_a)
        self.valve_b.append(none if valve_b is None else valve_b)
        self.closed_a.append(none if closed_a is None else closed_a)

    def node_xy(self, node: int) -> np.ndarray:
        for block in self.xy:
            if node < len(block):
                return block[node]
            node -= len(block)
        raise IndexError(node)

    @property
    def n_links(self) -> int:
        return sum(len(a) for a in self.a)


@dataclass
class _District:
    first: int  # index of its first node; nodes run row by row
    nx: int
    ny: int
    spacing: float
    cell: tuple[int, int]  # (row, col) in the layout of districts

    def node(self, col: np.ndarray | int, row: np.ndarray | int) -> np.ndarray | int:
        return self.first + np.asarray(row) * self.nx + np.asarray(col)


def city_network(n_links: int, *, seed: int = 0) -> dict[str, gpd.GeoDataFrame]:
    """A meshed city network with exactly `n_links` links, as interchange layers.

    Returns the layers `links` (id, from_node, to_node, kind, role), `devices`
    (id, link_id, node_id, kind, normally_passes, operable), `sources` (id,
    node_id, name) and `service_points` (id, link_id, address_id, customers).
    """
    if n_links < MIN_LINKS:
        raise ValueError(f"n_links must be at least {MIN_LINKS}, got {n_links}")
    rng = np.random.default_rng(seed)
    parts = _Parts()

    n_districts = int(np.clip(round(n_links**0.5 / 40), 2, 25))
    districts, grid = _grids(parts, rng, n_links, n_districts)
    _district_mains(parts, rng, districts)
    plant_nodes = _plants(parts, rng, districts)

    # Hit the asked size exactly: drop more optional grid links, or grow branches.
    fixed = parts.n_links
    grid_keep = grid.keep
    optional = np.flatnonzero(grid_keep == 1)
    surplus = fixed + int((grid_keep > 0).sum()) - n_links
    if surplus > 0:
        if surplus > len(optional):
            raise ValueError(f"cannot lay out {n_links} links")  # not reached for n >= MIN
        grid_keep[rng.choice(optional, size=surplus, replace=False)] = 0
    keep = grid_keep > 0
    parts.add_links(
        grid.a[keep], grid.b[keep], GRID, valve_a=grid.valve_a[keep], valve_b=grid.valve_b[keep]
    )
    _branches(parts, rng, districts, n_links - parts.n_links)

    xy = np.concatenate(parts.xy)
    link_a, link_b = np.concatenate(parts.a), np.concatenate(parts.b)
    role = np.concatenate(parts.role)
    valve_a, valve_b = np.concatenate(parts.valve_a), np.concatenate(parts.valve_b)
    closed_a = np.concatenate(parts.closed_a)
    assert len(link_a) == n_links

    node_ids = _ids("N", len(xy))
    link_ids = _ids("L", n_links)
    links = gpd.GeoDataFrame(
        {
            "id": link_ids,
            "from_node": node_ids[link_a],
            "to_node": node_ids[link_b],
            "kind": np.full(n_links, "pipe", dtype=object),
            "role": role,
        },
        geometry=shapely.linestrings(np.stack([xy[link_a], xy[link_b]], axis=1)),
        crs=CRS,
    )
    return {
        "links": links,
        "devices": _devices(
            rng, xy, (link_a, link_b), (valve_a, valve_b, closed_a), link_ids, node_ids
        ),
        "sources": _sources(xy, plant_nodes, node_ids),
        "service_points": _service_points(rng, xy, link_a, link_b, role, link_ids),
    }


# --------------------------------------------------------------------------- layout


@dataclass
class _GridLinks:
    """Candidate street links: ends, valves, and whether each is kept.

    `keep` is 2 for links in a grid's spanning tree, 1 for optional ones, 0 for
    dropped ones.
    """

    a: np.ndarray
    b: np.ndarray
    keep: np.ndarray
    valve_a: np.ndarray
    valve_b: np.ndarray


def _zones(n: int, rng: np.random.Generator) -> np.ndarray:
    """Zone number of each of `n` grid columns (or rows), zones 2–3 wide."""
    widths = rng.choice(ZONE_WIDTHS, size=n)
    return np.repeat(np.arange(n), widths)[:n]


def _grids(
    parts: _Parts, rng: np.random.Generator, n_links: int, n_districts: int
) -> tuple[list[_District], _GridLinks]:
    """Street grids, one per district, placed on a coarse layout of cells.

    Valves follow valve zones: rectangles of 2–3 by 2–3 blocks, with a valve on
    (most) links that cross a zone border, so that closing a zone's valves shuts
    off a dozen links or so, as a utility's valve plan would.
    """
    # A grid of m nodes has about 2m links, minus the dropped share of its m
    # non-tree links; aim below the target and fill up with branches.
    grid_links = n_links * (1 - BRANCH_SHARE) - 4 * n_districts
    grid_nodes = grid_links / (2 - GRID_DROP)
    weights = rng.uniform(0.6, 1.4, n_districts)
    nodes_per = grid_nodes * weights / weights.sum()
    aspect = rng.uniform(0.6, 1.6, n_districts)
    spacing = rng.uniform(45.0, 80.0, n_districts)
    nxs = np.maximum(3, np.round(np.sqrt(nodes_per * aspect))).astype(int)
    nys = np.maximum(3, np.round(nodes_per / nxs)).astype(int)

    cols = int(np.ceil(np.sqrt(n_districts)))
    cell = float(np.max(np.maximum(nxs, nys) * spacing)) + 600.0
    districts: list[_District] = []
    pieces: list[tuple[np.ndarray, ...]] = []
    for d in range(n_districts):
        nx, ny, s = int(nxs[d]), int(nys[d]), float(spacing[d])
        row, col = divmod(d, cols)
        origin = np.array(ORIGIN) + (col * cell, row * cell) + rng.uniform(0, 200, 2)
        cc, rr = np.meshgrid(np.arange(nx), np.arange(ny))
        xy = origin + np.stack([cc.ravel(), rr.ravel()], axis=1) * s
        xy += rng.normal(0.0, 0.1 * s, xy.shape)
        first = int(parts.add_nodes(xy)[0])
        district = _District(first, nx, ny, s, (row, col))
        districts.append(district)

        # A spanning tree: every node but the corner takes its left or lower
        # neighbour as parent, so the grid stays connected whatever else drops.
        left_ok, down_ok = cc > 0, rr > 0
        take_left = left_ok & (~down_ok | (rng.random(cc.shape) < 0.5))
        take_down = down_ok & ~take_left
        h_tree = take_left[:, 1:]  # link (col-1 -> col) in each row
        v_tree = take_down[1:, :]  # link (row-1 -> row) in each column
        h_a = district.node(cc[:, :-1], rr[:, :-1]).ravel()
        v_a = district.node(cc[:-1, :], rr[:-1, :]).ravel()
        tree = np.concatenate([h_tree.ravel(), v_tree.ravel()])
        a = np.concatenate([h_a, v_a])
        b = np.concatenate([h_a + 1, v_a + nx])
        keep = np.where(tree, 2, np.where(rng.random(len(a)) < GRID_DROP, 0, 1))

        zone_col, zone_row = _zones(nx, rng), _zones(ny, rng)
        h_cross = np.broadcast_to(zone_col[:-1] != zone_col[1:], (ny, nx - 1))
        v_cross = np.broadcast_to((zone_row[:-1] != zone_row[1:])[:, None], (ny - 1, nx))
        crossing = np.concatenate([h_cross.ravel(), v_cross.ravel()])
        valved = crossing & (rng.random(len(a)) < ZONE_VALVE)
        at_a = rng.random(len(a)) < 0.5
        pieces.append((a, b, keep.astype(np.int8), valved & at_a, valved & ~at_a))

    a, b, keep, valve_a, valve_b = (np.concatenate(column) for column in zip(*pieces, strict=True))
    return districts, _GridLinks(a, b, keep, valve_a, valve_b)


def _border_node(district: _District, side: str, rng: np.random.Generator) -> int:
    """A node on one side of a district, away from the corners when there is room."""
    nx, ny = district.nx, district.ny
    along = int(rng.integers(1, max(2, (ny if side in "WE" else nx) - 1)))
    col, row = {
        "W": (0, along),
        "E": (nx - 1, along),
        "S": (along, 0),
        "N": (along, ny - 1),
    }[side]
    return int(district.node(col, row))


def _chain(
    parts: _Parts,
    start: int,
    end: int,
    n: int,
    role: str,
    rng: np.random.Generator,
    *,
    valved: bool = False,
    closed: bool = False,
) -> None:
    """A main of `n` links from node `start` to node `end`, with gentle bends.

    `valved` puts a valve at both ends of the main; `closed` a normally-closed
    one at its start.
    """
    t = np.linspace(0.0, 1.0, n + 1)[1:-1, None]
    a_xy, b_xy = parts.node_xy(start), parts.node_xy(end)
    inner = a_xy + t * (b_xy - a_xy) + rng.normal(0.0, 15.0, (n - 1, 2))
    nodes = parts.add_nodes(inner)
    path = np.concatenate([[start], nodes, [end]])
    first = np.arange(n) == 0
    last = np.arange(n) == n - 1
    parts.add_links(
        path[:-1],
        path[1:],
        role,
        valve_a=first & (valved or closed),
        valve_b=last & valved,
        closed_a=first & closed,
    )


def _district_mains(parts: _Parts, rng: np.random.Generator, districts: list[_District]) -> None:
    """Trunk mains along a spanning tree of the districts, some doubled; a few ties."""
    by_cell = {d.cell: d for d in districts}
    adjacent = [
        (d, by_cell[(d.cell[0], d.cell[1] + 1)], "E", "W")
        for d in districts
        if (d.cell[0], d.cell[1] + 1) in by_cell
    ] + [
        (d, by_cell[(d.cell[0] + 1, d.cell[1])], "N", "S")
        for d in districts
        if (d.cell[0] + 1, d.cell[1]) in by_cell
    ]
    # Tree: each district but the first joins its western or southern neighbour.
    tree: list[tuple[_District, _District, str, str]] = []
    for d in districts[1:]:
        row, col = d.cell
        options = []
        if (row, col - 1) in by_cell:
            options.append((by_cell[(row, col - 1)], d, "E", "W"))
        if (row - 1, col) in by_cell:
            options.append((by_cell[(row - 1, col)], d, "N", "S"))
        tree.append(options[int(rng.integers(len(options)))])
    doubled = [pair for pair in tree if rng.random() < 0.5]
    for west, east, side_a, side_b in tree + doubled:
        a, b = _border_node(west, side_a, rng), _border_node(east, side_b, rng)
        _chain(parts, a, b, int(rng.integers(3, 7)), TRUNK, rng, valved=True)

    # Ties between neighbouring districts end in a normally-closed valve.
    n_ties = max(2, len(districts) // 2)
    for i in rng.choice(len(adjacent), size=n_ties, replace=n_ties > len(adjacent)):
        west, east, side_a, side_b = adjacent[int(i)]
        a, b = _border_node(west, side_a, rng), _border_node(east, side_b, rng)
        _chain(parts, a, b, int(rng.integers(2, 5)), TIE, rng, closed=True)


def _plants(parts: _Parts, rng: np.random.Generator, districts: list[_District]) -> np.ndarray:
    """A handful of plants, each joined to a district's street grid by one main."""
    n_plants = int(np.clip(len(districts) // 3 + 1, 2, 6))
    chosen = rng.choice(len(districts), size=n_plants, replace=n_plants > len(districts))
    plants = []
    for i in chosen:
        d = districts[int(i)]
        col, row = int(rng.integers(1, d.nx - 1)), int(rng.integers(1, d.ny - 1))
        grid_node = int(d.node(col, row))
        xy = parts.node_xy(grid_node) + 0.5 * d.spacing
        plant = int(parts.add_nodes(xy[None, :])[0])
        parts.add_links(np.array([plant]), np.array([grid_node]), PLANT, valve_b=np.array([True]))
        plants.append(plant)
    return np.asarray(plants, dtype=np.int64)


def _branches(parts: _Parts, rng: np.random.Generator, districts: list[_District], n: int) -> None:
    """`n` links in dead-end chains of 1–3 links, from street nodes into the blocks."""
    if n <= 0:
        return
    lengths = rng.choice([1, 2, 3], size=n, p=[0.5, 0.3, 0.2])
    count = int(np.searchsorted(np.cumsum(lengths), n)) + 1
    lengths = lengths[:count]
    lengths[-1] -= int(lengths.sum()) - n
    lengths = lengths[lengths > 0]

    firsts = np.array([d.first for d in districts])
    sizes = np.array([d.nx * d.ny for d in districts])
    spacings = np.array([d.spacing for d in districts])
    district = rng.choice(len(districts), size=len(lengths), p=sizes / sizes.sum())
    anchor = firsts[district] + (rng.random(len(lengths)) * sizes[district]).astype(np.int64)
    direction = rng.choice([-1.0, 1.0], size=(len(lengths), 2)) * np.array([0.6, 0.8])
    direction = np.where(rng.random((len(lengths), 1)) < 0.5, direction, direction[:, ::-1])
    step = 0.22 * spacings[district]

    xy_all = np.concatenate(parts.xy)
    parts.xy = [xy_all]
    chain = np.repeat(np.arange(len(lengths)), lengths)
    position = np.arange(n) - np.repeat(np.cumsum(lengths) - lengths, lengths) + 1
    xy = xy_all[anchor[chain]] + direction[chain] * (step[chain] * position)[:, None]
    nodes = parts.add_nodes(xy)
    previous = np.where(position == 1, anchor[chain], nodes - 1)
    valved = position == 1
    valved[valved] = rng.random(len(lengths)) < BRANCH_VALVE
    parts.add_links(previous, nodes, BRANCH, valve_a=valved)


# --------------------------------------------------------------------------- layers


def _ids(prefix: str, n: int) -> np.ndarray:
    return np.array([f"{prefix}{i}" for i in range(n)], dtype=object)


def _devices(
    rng: np.random.Generator,
    xy: np.ndarray,
    ends: tuple[np.ndarray, np.ndarray],
    forced: tuple[np.ndarray, np.ndarray, np.ndarray],
    link_ids: np.ndarray,
    node_ids: np.ndarray,
) -> gpd.GeoDataFrame:
    """Valves at link ends: the planned ones and a few more at random."""
    link_a, link_b = ends
    valve_a, valve_b, closed_a = forced
    n = len(link_a)
    at_a = valve_a | (rng.random(n) < EXTRA_VALVE)
    at_b = valve_b | (rng.random(n) < EXTRA_VALVE)

    link = np.concatenate([np.flatnonzero(at_a), np.flatnonzero(at_b)])
    node = np.concatenate([link_a[at_a], link_b[at_b]])
    other = np.concatenate([link_b[at_a], link_a[at_b]])
    order = np.lexsort((node, link))
    link, node, other = link[order], node[order], other[order]
    n_dev = len(link)

    closed = closed_a[link] & (node == link_a[link])
    operable = (rng.random(n_dev) >= INOPERABLE) | closed
    # Each valve stands 3 m (or a fifth of a short link) from its node, on the link.
    vector = xy[other] - xy[node]
    length = np.hypot(vector[:, 0], vector[:, 1])
    offset = np.minimum(3.0, 0.2 * length) / np.maximum(length, 1e-9)
    point = xy[node] + vector * offset[:, None]
    return gpd.GeoDataFrame(
        {
            "id": _ids("V", n_dev),
            "link_id": link_ids[link],
            "node_id": node_ids[node],
            "kind": np.full(n_dev, "valve", dtype=object),
            "normally_passes": ~closed,
            "operable": operable,
        },
        geometry=shapely.points(point),
        crs=CRS,
    )


def _sources(xy: np.ndarray, plant_nodes: np.ndarray, node_ids: np.ndarray) -> gpd.GeoDataFrame:
    n = len(plant_nodes)
    return gpd.GeoDataFrame(
        {
            "id": _ids("S", n),
            "node_id": node_ids[plant_nodes],
            "name": np.array([f"Plant {i + 1}" for i in range(n)], dtype=object),
        },
        geometry=shapely.points(xy[plant_nodes]),
        crs=CRS,
    )


def _service_points(
    rng: np.random.Generator,
    xy: np.ndarray,
    link_a: np.ndarray,
    link_b: np.ndarray,
    role: np.ndarray,
    link_ids: np.ndarray,
) -> gpd.GeoDataFrame:
    """About one service point per street or branch link, a little off the pipe."""
    served = (role == GRID) | (role == BRANCH)
    per_link = np.where(served, rng.choice(3, size=len(role), p=[0.2, 0.6, 0.2]), 0)
    link = np.repeat(np.arange(len(role)), per_link)
    n = len(link)
    t = rng.uniform(0.2, 0.8, n)[:, None]
    vector = xy[link_b[link]] - xy[link_a[link]]
    normal = vector[:, ::-1] * np.array([-1.0, 1.0])
    normal /= np.maximum(np.hypot(normal[:, 0], normal[:, 1]), 1e-9)[:, None]
    side = rng.choice([-1.0, 1.0], size=(n, 1)) * rng.uniform(6.0, 15.0, (n, 1))
    point = xy[link_a[link]] + t * vector + side * normal
    customers = np.where(rng.random(n) < SINGLE_CUSTOMER, 1, rng.integers(2, MAX_CUSTOMERS + 1, n))
    return gpd.GeoDataFrame(
        {
            "id": _ids("SP", n),
            "link_id": link_ids[link],
            "address_id": np.full(n, None, dtype=object),
            "customers": customers.astype(np.int64),
        },
        geometry=shapely.points(point),
        crs=CRS,
    )

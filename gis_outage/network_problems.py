"""What is wrong with a network (problems) and what is odd (warnings, listed on import and
trace)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


@dataclass(frozen=True)
class Problem:
    layer: str
    feature_id: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.layer} {self.feature_id!r}" if self.feature_id is not None else self.layer
        return f"{where}: {self.message}"


def describe(problems: list[Problem], limit: int = 20) -> list[str]:
    """One line per problem, at most `limit` of them and a count of the rest."""
    lines = [str(p) for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"(and {len(problems) - limit} more)")
    return lines


class NetworkError(Exception):
    """The input cannot be used; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        super().__init__(f"{len(problems)} problem(s): {shown}{more}")


def topology_warnings(
    n_nodes: int, link_from: np.ndarray, link_to: np.ndarray, n_sources: int
) -> list[tuple[str, str]]:
    """(layer, message) for inputs that are valid but rarely meant: no sources, most
    links apart from each other."""
    out = []
    if n_sources == 0:
        out.append(("sources", "there are no sources: nothing is supplied, so no trace "
                    "finds anything cut off"))
    n_links = len(link_from)
    if n_links < 10:
        return out
    graph = coo_matrix((np.ones(n_links, dtype=np.int8), (link_from, link_to)),
                       shape=(n_nodes, n_nodes))
    _, labels = connected_components(graph, directed=False)
    largest = int(np.bincount(labels[link_from]).max())
    if largest < n_links / 2:
        out.append(("links", f"most links are not connected: the largest connected part "
                    f"has {largest} of {n_links} links (check from_node/to_node, or whether "
                    "the snap tolerance suits the data)"))
    return out

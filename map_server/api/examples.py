"""Working examples for every engineer-API operation, shown in /api/v1/docs.

They name the demo city's network (`gis-outage demo`): link WP0001, valve WV0007, the
streets of central Helsinki. tests/map_server/test_api_examples.py sends each of them to
a seeded demo and checks the answer, so a schema change cannot leave one broken.
"""

from __future__ import annotations

from typing import Any

# A block of central Helsinki (Kluuvi), WGS84.
KLUUVI = {
    "type": "Polygon",
    "coordinates": [[[24.9395, 60.1685], [24.9445, 60.1685], [24.9445, 60.1712],
                     [24.9395, 60.1712], [24.9395, 60.1685]]],
}  # fmt: skip


def example(summary: str, value: Any, description: str | None = None) -> dict[str, Any]:
    out = {"summary": summary, "value": value}
    if description:
        out["description"] = description
    return out


TRACE = {
    "break": example("A burst pipe", {"service": "water", "break_links": ["WP0001"]},
                     "The segment around link WP0001 between operable valves, and what it "
                     "cuts off."),
    "operate": example("A valve closed", {"service": "water", "operate_devices": ["WV0007"]}),
    "area": example("An area drawn on the map", {"service": "water", "polygon": KLUUVI},
                    "Where topology is missing: every connection inside the polygon."),
    "streets": example("Whole streets, by either name",
                       {"service": "district_heating",
                        "streets": ["Mannerheimintie", "Annankatu"]}),
    "addresses": example("Picked addresses (ids from /lookup/addresses)",
                         {"service": "electricity",
                          "addresses": ["A-n1012079943", "A-n1012079944"]}),
}  # fmt: skip

CREATE = {
    "planned": example(
        "Planned works on two streets",
        {
            "service": "district_heating", "kind": "planned",
            "starts_at": "2030-06-10T08:00:00+03:00",
            "estimated_end_at": "2030-06-10T15:00:00+03:00",
            "cause": "maintenance",
            "texts": {"fi": "Kaukolämpöverkon huoltotyö", "sv": "Underhåll av fjärrvärmenätet",
                      "en": "District heating maintenance"},
            "selection": {"streets": ["Mannerheimintie", "Annankatu"]},
        },
        "A draft: nothing is public or sent until it is published. `cause` is a code "
        "(maintenance, repair, pipe_burst, leak, cable_fault, …) or free text; `texts` "
        "give the cause per language as residents read it.",
    ),
    "burst": example(
        "A burst pipe, the end not known yet",
        {
            "service": "water", "kind": "unplanned", "starts_at": "2030-06-10T10:15:00+03:00",
            "cause": "pipe_burst", "selection": {"break_links": ["WP0001"]},
        },
    ),
    "area": example(
        "A cable fault in a drawn area",
        {
            "service": "electricity", "kind": "unplanned",
            "starts_at": "2030-06-10T10:15:00+03:00",
            "estimated_end_at": "2030-06-10T12:00:00+03:00",
            "cause": "cable_fault", "selection": {"polygon": KLUUVI},
        },
    ),
    "boil_water": example(
        "A boil-water notice in a drawn area",
        {
            "service": "water", "kind": "boil_water", "starts_at": "2030-06-10T10:15:00+03:00",
            "texts": {"fi": "Bakteereja vesinäytteessä", "sv": "Bakterier i ett vattenprov",
                      "en": "Bacteria in a water sample"},
            "selection": {"polygon": KLUUVI},
        },
        "A water-quality notice (`boil_water` or `do_not_drink`; water only): the water "
        "keeps running, so residents get the notice's own message and, when it is "
        "resolved, that they may drink the water again. Targeted like an outage: a trace "
        "or a drawn area.",
    ),
}  # fmt: skip

UPDATE = {
    "restoration": example(
        "A new restoration time",
        {"estimated_end_at": "2030-06-10T18:00:00+03:00"},
        "Residents who were told the old estimate hear of the new one when it moves more "
        "than notify.restoration_change_min_minutes.",
    ),
    "cause": example("The cause found", {"cause": "pipe_burst",
                                         "texts": {"fi": "Putkirikko", "sv": "Rörbrott"}}),
    "unknown_end": example("The end is not known after all", {"estimated_end_at": None}),
}

STATUS = {
    "now": example("Now", {}),
    "guarded": example(
        "Only if nobody changed it meanwhile",
        {"expected_version": 2},
        "The version from the outage as you read it; a 409 says someone changed it.",
    ),
}
RESOLVE = {
    **STATUS,
    "earlier": example("Supply came back at a known time",
                       {"at": "2030-06-10T13:40:00+03:00"}),
}

# The field (map_server/api/field.py): each answers the difference unless `confirm`.
STUCK = {
    "preview": example("Valve WV0007 will not close: what changes",
                       {"devices": ["WV0007"]},
                       "The next valves outward and the new affected set; nothing is stored."),
    "confirm": example("The same, stored and messaged", {"devices": ["WV0007"], "confirm": True}),
}  # fmt: skip
RESTORE = {
    "links": example("Link WP0001 repaired", {"links": ["WP0001"]}),
    "devices": example("A valve of the outage opened again", {"devices": ["WV0007"]}),
    "everything": example("Everything back", {"everything": True, "confirm": True},
                          "The outage resolves; the all-clear goes to those supplied again."),
}  # fmt: skip
BACKFEED = {
    "apply": example("Close tie WV0042 to feed the healthy part", {"device": "WV0042"}),
    "mesh": example("The same, meshing two feeders on purpose",
                    {"device": "WV0042", "radial": False, "confirm": True}),
}  # fmt: skip
DEVICE = {
    "stuck": example("Found stuck", {"finding": "inoperable", "note": "spindle broken"}),
    "by_hand": example("Closed by hand", {"passes": False}),
    "clear": example("Repaired, back to normal", {"passes": None, "finding": None}),
}  # fmt: skip

"""The portal's words in Finnish, Swedish, English and Lithuanian (on top of the map's
strings)."""

from __future__ import annotations

from map_server.i18n import STRINGS
from map_server.portal.texts import en, fi, lt, sv

PORTAL: dict[str, dict[str, str]] = {"fi": fi.TEXTS, "sv": sv.TEXTS, "en": en.TEXTS,
                                     "lt": lt.TEXTS}
# The privacy page: headed paragraphs per language.
PRIVACY: dict[str, list[tuple[str, str]]] = {
    "fi": fi.PRIVACY, "sv": sv.PRIVACY, "en": en.PRIVACY, "lt": lt.PRIVACY
}


def strings(language: str) -> dict[str, str]:
    """The map's strings and the portal's, for one language."""
    return {**STRINGS[language], **PORTAL[language]}

"""Public UI strings in Finnish, Swedish and English, and local time formatting.

The same dictionary is rendered into the page for its script, so the server-rendered
list and the refreshed one read the same.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from starlette.requests import Request

LANGUAGES = ("fi", "sv", "en")
LANGUAGE_NAMES = {"fi": "Suomeksi", "sv": "På svenska", "en": "In English"}

STRINGS: dict[str, dict[str, str]] = {
    "fi": {
        "title": "Käyttökatkot",
        "map_label": "Kartta käyttökatkoista",
        "list_heading": "Katkot listana",
        "legend": "Selite",
        "water": "Vesi",
        "district_heating": "Kaukolämpö",
        "electricity": "Sähkö",
        "planned": "Suunniteltu",
        "unplanned": "Häiriö",
        "service": "Palvelu",
        "kind": "Tyyppi",
        "status": "Tila",
        "starts_at": "Alkaa",
        "estimated_end_at": "Arvioitu loppu",
        "ended_at": "Päättyi",
        "cause": "Syy",
        "customers": "Asiakkaita",
        "area": "Alue",
        "updated_at": "Päivitetty",
        "last_updated": "Tiedot päivitetty",
        "no_outages": "Ei tiedossa olevia katkoja.",
        "count": "Katkoja: {n}",
        "search_heading": "Onko osoitteessani katko?",
        "search_label": "Katuosoite",
        "search_hint": "Kirjoita katu ja talon numero, esim. Mannerheimintie 5",
        "weeks_label": "Tulevat viikot",
        "search_button": "Tarkista",
        "affected_now": "Osoitteessa on katko nyt.",
        "affected_planned": "Osoitteeseen on suunniteltu töitä seuraavien {weeks} viikon aikana.",
        "not_affected": (
            "Osoitteessa ei ole katkoa eikä suunniteltuja töitä seuraavien {weeks} viikon aikana."
        ),
        "pick_address": "Valitse osoite ehdotuksista.",
        "no_addresses": "Osoitetta ei löytynyt.",
        "error": "Tietoja ei juuri nyt saatu. Yritetään uudelleen.",
        "language": "Kieli",
        "feeds": "Syötteet",
        "published": "Julkaistu",
        "unknown": "ei tiedossa",
        "skip_to_list": "Siirry katkolistaan",
        "show_on_map": "Näytä kartalla",
        "resolved": "Päättynyt",
        "cancelled": "Peruttu",
    },
    "sv": {
        "title": "Avbrott",
        "map_label": "Karta över avbrott",
        "list_heading": "Avbrotten som lista",
        "legend": "Teckenförklaring",
        "water": "Vatten",
        "district_heating": "Fjärrvärme",
        "electricity": "El",
        "planned": "Planerat",
        "unplanned": "Störning",
        "service": "Tjänst",
        "kind": "Typ",
        "status": "Status",
        "starts_at": "Börjar",
        "estimated_end_at": "Beräknat slut",
        "ended_at": "Slutade",
        "cause": "Orsak",
        "customers": "Kunder",
        "area": "Område",
        "updated_at": "Uppdaterat",
        "last_updated": "Uppgifterna uppdaterade",
        "no_outages": "Inga kända avbrott.",
        "count": "Avbrott: {n}",
        "search_heading": "Berörs min adress av ett avbrott?",
        "search_label": "Gatuadress",
        "search_hint": "Skriv gata och husnummer, t.ex. Mannerheimvägen 5",
        "weeks_label": "Kommande veckor",
        "search_button": "Kontrollera",
        "affected_now": "Adressen har ett avbrott just nu.",
        "affected_planned": "Arbeten är planerade på adressen inom {weeks} veckor.",
        "not_affected": (
            "Adressen har inget avbrott och inga planerade arbeten inom {weeks} veckor."
        ),
        "pick_address": "Välj en adress bland förslagen.",
        "no_addresses": "Adressen hittades inte.",
        "error": "Uppgifterna kunde inte hämtas just nu. Vi försöker igen.",
        "language": "Språk",
        "feeds": "Flöden",
        "published": "Publicerat",
        "unknown": "okänt",
        "skip_to_list": "Hoppa till listan",
        "show_on_map": "Visa på kartan",
        "resolved": "Avslutat",
        "cancelled": "Inställt",
    },
    "en": {
        "title": "Outages",
        "map_label": "Map of outages",
        "list_heading": "Outages as a list",
        "legend": "Legend",
        "water": "Water",
        "district_heating": "District heating",
        "electricity": "Electricity",
        "planned": "Planned",
        "unplanned": "Unplanned",
        "service": "Service",
        "kind": "Type",
        "status": "Status",
        "starts_at": "Starts",
        "estimated_end_at": "Estimated end",
        "ended_at": "Ended",
        "cause": "Cause",
        "customers": "Customers",
        "area": "Area",
        "updated_at": "Updated",
        "last_updated": "Data updated",
        "no_outages": "No known outages.",
        "count": "Outages: {n}",
        "search_heading": "Is my address affected?",
        "search_label": "Street address",
        "search_hint": "Type the street and house number, e.g. Mannerheimintie 5",
        "weeks_label": "Coming weeks",
        "search_button": "Check",
        "affected_now": "The address has an outage now.",
        "affected_planned": "Works are planned at the address within {weeks} weeks.",
        "not_affected": "No outage and no planned works at the address within {weeks} weeks.",
        "pick_address": "Choose an address from the suggestions.",
        "no_addresses": "No such address found.",
        "error": "Could not load the data just now. Trying again.",
        "language": "Language",
        "feeds": "Feeds",
        "published": "Published",
        "unknown": "unknown",
        "skip_to_list": "Skip to the list",
        "show_on_map": "Show on map",
        "resolved": "Over",
        "cancelled": "Cancelled",
    },
}

DATE_FORMAT = {"fi": "%-d.%-m.%Y klo %H.%M", "sv": "%-d.%-m.%Y kl. %H.%M", "en": "%-d %b %Y %H:%M"}


def pick_language(request: Request, supported: tuple[str, ...], default: str) -> str:
    """`?lang=` first, then Accept-Language, then the utility's default."""
    offered = [lang for lang in supported if lang in STRINGS] or list(LANGUAGES)
    wanted = request.query_params.get("lang")
    if wanted in offered:
        return wanted
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in offered:
            return tag
    return default if default in offered else offered[0]


def local_time(value: datetime | None, language: str, timezone: str) -> str:
    if value is None:
        return "–"
    return value.astimezone(ZoneInfo(timezone)).strftime(DATE_FORMAT[language])

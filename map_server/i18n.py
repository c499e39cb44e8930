"""Public UI strings in Finnish, Swedish and English, and local time formatting.

The same dictionary is rendered into the page for its script, so the server-rendered
list and the refreshed one read the same.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from starlette.requests import Request

from gis_outage.public import PublicOutage
from notifier.render import words

LANGUAGES = ("fi", "sv", "en", "lt")
LANGUAGE_NAMES = {
    "fi": "Suomeksi", "sv": "På svenska", "en": "In English", "lt": "Lietuviškai"
}

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
        "boil_water": "Keittokehotus",
        "do_not_drink": "Käyttökielto",
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
        "search_hint": "Kirjoita katu ja talon numero, esim. {example}",
        "weeks_label": "Tulevat viikot",
        "search_button": "Tarkista",
        "affected_now": "Osoitteessa on katko nyt.",
        "notice_now": "Osoitteessa on voimassa talousvettä koskeva tiedote (katso alta).",
        "affected_planned": "Osoitteeseen on suunniteltu töitä seuraavien {weeks} viikon aikana.",
        "not_affected": (
            "Osoitteessa ei ole katkoa eikä suunniteltuja töitä seuraavien {weeks} viikon aikana."
        ),
        "maybe_affected": "Osoite on katkon alueella ja voi olla katkon piirissä (katso alta).",
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
        "zoom_in": "Lähennä",
        "zoom_out": "Loitonna",
        "close": "Sulje",
        "summary_heading": "Tilanne nyt",
        "summary_now": "Katkoja nyt: {n}. Asiakkaita ilman palvelua: {customers}.",
        "summary_planned": "Suunniteltuja töitä tulossa: {n}.",
        "summary_ended": "Äskettäin päättyneitä: {n}.",
        "filters": "Näytä kartalla ja listassa",
        "show_ended": "Äskettäin päättyneet",
        "ongoing": "Käynnissä",
        "restored_at": "Palautui {when}",
        "cancelled_at": "Peruttu {when}",
        "approximate": (
            "Varjostetut alueet ovat likimääräisiä. Tarkista oma osoitteesi haulla: se kertoo, "
            "koskeeko katko sitä."
        ),
        "link_ended": "Linkin katko on päättynyt: {when}.",
        "link_cancelled": "Linkin katko on peruttu.",
        "link_gone": "Linkin katko ei ole enää kartalla: se on päättynyt tai peruttu.",
        "your_address": "Hakemasi osoite",
        "ended_here": "Osoitteen katko päättyi {when}.",
        "no_connection": (
            "{service}: merkitty alue kattaa osoitteen, mutta osoitteessa ei ole liittymää tähän "
            "verkkoon, joten katko ei koske sitä."
        ),
        "not_cut_off": (
            "{service}: osoite on merkityllä alueella, mutta sen liittymä ei ole katkon piirissä."
            " Alue on likimääräinen."
        ),
        "small_area": (
            "{service}: osoite on pienen katkon merkityllä alueella. Haku ei kerro, mitkä "
            "osoitteet katko koskee, jotta muutaman asiakkaan tiedot eivät paljastu."
        ),
        "portal_link": "Tilaa katkotiedotteet tekstiviestinä tai sähköpostina",
        "portal_who": (
            "Julkiset numerot saavat tiedotteet automaattisesti. Salaiset numerot, prepaid-"
            "liittymät, työnumerot ja mökkien osoitteet pitää rekisteröidä itse."
        ),
        "scam_warning": (
            "Emme koskaan pyydä tekstiviestillä tai sähköpostilla maksua, pankkitunnuksia tai "
            "henkilötietoja."
        ),
        "map_loading_error": "Taustakarttaa ei voitu ladata.",
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
        "boil_water": "Kokningsrekommendation",
        "do_not_drink": "Användningsförbud",
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
        "search_hint": "Skriv gata och husnummer, t.ex. {example}",
        "weeks_label": "Kommande veckor",
        "search_button": "Kontrollera",
        "affected_now": "Adressen har ett avbrott just nu.",
        "notice_now": "För adressen gäller ett meddelande om kranvattnet (se nedan).",
        "affected_planned": "Arbeten är planerade på adressen inom {weeks} veckor.",
        "not_affected": (
            "Adressen har inget avbrott och inga planerade arbeten inom {weeks} veckor."
        ),
        "maybe_affected": "Adressen ligger i ett avbrotts område och kan beröras (se nedan).",
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
        "zoom_in": "Zooma in",
        "zoom_out": "Zooma ut",
        "close": "Stäng",
        "summary_heading": "Läget nu",
        "summary_now": "Avbrott nu: {n}. Kunder utan tjänsten: {customers}.",
        "summary_planned": "Planerade arbeten på kommande: {n}.",
        "summary_ended": "Nyss avslutade: {n}.",
        "filters": "Visa på kartan och i listan",
        "show_ended": "Nyss avslutade",
        "ongoing": "Pågår",
        "restored_at": "Återställt {when}",
        "cancelled_at": "Inställt {when}",
        "approximate": (
            "De skuggade områdena är ungefärliga. Sök din egen adress: sökningen berättar om "
            "avbrottet gäller den."
        ),
        "link_ended": "Avbrottet i länken är över: {when}.",
        "link_cancelled": "Avbrottet i länken har ställts in.",
        "link_gone": "Avbrottet i länken visas inte längre på kartan: det är över eller inställt.",
        "your_address": "Adressen du sökte",
        "ended_here": "Avbrottet på adressen slutade {when}.",
        "no_connection": (
            "{service}: det markerade området täcker adressen, men adressen är inte ansluten till"
            " det här nätet, så avbrottet gäller den inte."
        ),
        "not_cut_off": (
            "{service}: adressen ligger i det markerade området, men dess anslutning berörs inte."
            " Området är ungefärligt."
        ),
        "small_area": (
            "{service}: adressen ligger i ett litet avbrotts markerade område. Sökningen säger "
            "inte vilka adresser det berör, för att skydda de få kunderna."
        ),
        "portal_link": "Beställ avbrottsmeddelanden som textmeddelande eller e-post",
        "portal_who": (
            "Offentliga nummer får meddelandena automatiskt. Hemliga nummer, kontantkort, "
            "arbetsnummer och stugadresser måste registreras."
        ),
        "scam_warning": (
            "Vi ber aldrig om betalning, bankkoder eller personuppgifter per textmeddelande eller"
            " e-post."
        ),
        "map_loading_error": "Bakgrundskartan kunde inte laddas.",
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
        "boil_water": "Boil water notice",
        "do_not_drink": "Do not drink notice",
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
        "search_hint": "Type the street and house number, e.g. {example}",
        "weeks_label": "Coming weeks",
        "search_button": "Check",
        "affected_now": "The address has an outage now.",
        "notice_now": "A water quality notice is in force at this address (see below).",
        "affected_planned": "Works are planned at the address within {weeks} weeks.",
        "not_affected": "No outage and no planned works at the address within {weeks} weeks.",
        "maybe_affected": "The address lies in an outage's area and may be affected (see below).",
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
        "zoom_in": "Zoom in",
        "zoom_out": "Zoom out",
        "close": "Close",
        "summary_heading": "Now",
        "summary_now": "Outages now: {n}. Customers without supply: {customers}.",
        "summary_planned": "Planned works coming up: {n}.",
        "summary_ended": "Recently ended: {n}.",
        "filters": "Show on the map and in the list",
        "show_ended": "Recently ended",
        "ongoing": "Ongoing",
        "restored_at": "Restored at {when}",
        "cancelled_at": "Cancelled {when}",
        "approximate": (
            "The shaded areas are approximate. Search for your own address: the answer says "
            "whether an outage affects it."
        ),
        "link_ended": "The outage in the link is over: {when}.",
        "link_cancelled": "The outage in the link was cancelled.",
        "link_gone": "The outage in the link is no longer on the map: it is over or was cancelled.",
        "your_address": "The address you searched for",
        "ended_here": "The outage at the address ended at {when}.",
        "no_connection": (
            "{service}: the shaded area covers the address, but the address is not connected to "
            "this network, so the outage does not affect it."
        ),
        "not_cut_off": (
            "{service}: the address is in the shaded area, but its connection is not cut off. The"
            " area is approximate."
        ),
        "small_area": (
            "{service}: the address is in the shaded area of a small outage. To protect the few "
            "customers it affects, the search does not say which addresses are cut off."
        ),
        "portal_link": "Get outage notices by text message or e-mail",
        "portal_who": (
            "Listed numbers get notices automatically. Secret, prepaid and work numbers and "
            "holiday-home addresses must be registered."
        ),
        "scam_warning": (
            "We never ask for payment, bank codes or personal details by text message or e-mail."
        ),
        "map_loading_error": "The background map could not be loaded.",
    },
}

# Lithuanian: the messages have had templates in it; the pages speak it too.
STRINGS["lt"] = {
    "title": "Tiekimo sutrikimai",
    "map_label": "Sutrikimų žemėlapis",
    "list_heading": "Sutrikimų sąrašas",
    "legend": "Legenda",
    "water": "Vanduo",
    "district_heating": "Centralizuotas šildymas",
    "electricity": "Elektra",
    "planned": "Planuotas",
    "unplanned": "Neplanuotas",
    "boil_water": "Rekomendacija virinti vandenį",
    "do_not_drink": "Draudimas gerti vandenį",
    "service": "Paslauga",
    "kind": "Tipas",
    "status": "Būsena",
    "starts_at": "Pradžia",
    "estimated_end_at": "Numatoma pabaiga",
    "ended_at": "Baigėsi",
    "cause": "Priežastis",
    "customers": "Klientų",
    "area": "Vietovė",
    "updated_at": "Atnaujinta",
    "last_updated": "Duomenys atnaujinti",
    "no_outages": "Žinomų sutrikimų nėra.",
    "count": "Sutrikimų: {n}",
    "search_heading": "Ar sutrikimas paliečia mano adresą?",
    "search_label": "Adresas",
    "search_hint": "Įrašykite gatvę ir namo numerį, pvz., {example}",
    "weeks_label": "Ateinančios savaitės",
    "search_button": "Tikrinti",
    "affected_now": "Šiuo adresu dabar yra sutrikimas.",
    "notice_now": "Šiuo adresu galioja pranešimas apie vandens kokybę (žr. toliau).",
    "affected_planned": "Šiuo adresu per {weeks} sav. planuojami darbai.",
    "not_affected": "Šiuo adresu per {weeks} sav. nėra nei sutrikimų, nei planuojamų darbų.",
    "maybe_affected": "Adresas yra sutrikimo vietovėje ir gali būti paveiktas (žr. toliau).",
    "pick_address": "Pasirinkite adresą iš pasiūlymų.",
    "no_addresses": "Tokio adreso nerasta.",
    "error": "Šiuo metu duomenų gauti nepavyko. Bandysime dar kartą.",
    "language": "Kalba",
    "feeds": "Sklaidos kanalai",
    "published": "Paskelbta",
    "unknown": "nežinoma",
    "skip_to_list": "Pereiti prie sąrašo",
    "show_on_map": "Rodyti žemėlapyje",
    "resolved": "Baigėsi",
    "cancelled": "Atšaukta",
    "zoom_in": "Priartinti",
    "zoom_out": "Nutolinti",
    "close": "Uždaryti",
    "summary_heading": "Dabar",
    "summary_now": "Sutrikimų dabar: {n}. Klientų be tiekimo: {customers}.",
    "summary_planned": "Artėjančių planuotų darbų: {n}.",
    "summary_ended": "Neseniai pasibaigusių: {n}.",
    "filters": "Rodyti žemėlapyje ir sąraše",
    "show_ended": "Neseniai pasibaigę",
    "ongoing": "Vyksta",
    "restored_at": "Atkurta {when}",
    "cancelled_at": "Atšaukta {when}",
    "approximate": (
        "Pažymėtos vietovės yra apytikslės. Ieškokite savo adreso: atsakymas parodys, "
        "ar sutrikimas jį paliečia."
    ),
    "link_ended": "Nuorodoje nurodytas sutrikimas baigėsi: {when}.",
    "link_cancelled": "Nuorodoje nurodytas sutrikimas atšauktas.",
    "link_gone": (
        "Nuorodoje nurodyto sutrikimo žemėlapyje nebėra: jis baigėsi arba buvo atšauktas."
    ),
    "your_address": "Jūsų ieškotas adresas",
    "ended_here": "Sutrikimas šiuo adresu baigėsi {when}.",
    "no_connection": (
        "{service}: pažymėta vietovė apima adresą, bet adresas neprijungtas prie šio "
        "tinklo, todėl sutrikimas jo nepaliečia."
    ),
    "not_cut_off": (
        "{service}: adresas yra pažymėtoje vietovėje, bet jo tiekimas nenutrauktas. "
        "Vietovė apytikslė."
    ),
    "small_area": (
        "{service}: adresas yra nedidelio sutrikimo pažymėtoje vietovėje. Kad apsaugotų kelis "
        "klientus, paieška nenurodo, kuriems adresams tiekimas nutrauktas."
    ),
    "portal_link": "Gaukite pranešimus apie sutrikimus SMS žinute arba el. paštu",
    "portal_who": (
        "Vieši numeriai pranešimus gauna automatiškai. Slapti, išankstinio mokėjimo ir "
        "darbo numeriai bei sodybų adresai turi būti užregistruoti."
    ),
    "scam_warning": (
        "Mes niekada neprašome mokėjimo, banko prisijungimo duomenų ar asmens duomenų "
        "SMS žinute ar el. paštu."
    ),
    "map_loading_error": "Pagrindo žemėlapio įkelti nepavyko.",
}
assert set(STRINGS["lt"]) == set(STRINGS["fi"])

DATE_FORMAT = {
    "fi": "%-d.%-m.%Y klo %H.%M", "sv": "%-d.%-m.%Y kl. %H.%M", "en": "%-d %b %Y %H:%M",
    "lt": "%Y-%m-%d %H:%M",
}


def pick_language(request: Request, supported: tuple[str, ...] | list[str], default: str) -> str:
    """`?lang=` first (any language the pages speak: a link may name one the utility does
    not list), then Accept-Language among the utility's, then the utility's default."""
    offered = [lang for lang in supported if lang in STRINGS] or list(LANGUAGES[:3])
    wanted = request.query_params.get("lang")
    if wanted in STRINGS:
        return wanted
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in offered:
            return tag
    return default if default in offered else offered[0]


def cause_text(outage: PublicOutage, language: str, template_dir: Path | None = None) -> str | None:
    """The outage's cause in `language`, a cause code put in the messages' words."""
    cause = outage.cause(language)
    if cause is None:
        return None
    return words(language, template_dir).get("causes", {}).get(cause, cause)


def advice(service: str, phase: str, language: str, template_dir: Path | None = None) -> str:
    """What residents should do (`advance`, `during` or `after`), as the messages say."""
    return words(language, template_dir).get(phase, {}).get(service, "")


def notice_advice(
    kind: str, phase: str, language: str, template_dir: Path | None = None
) -> str:
    """What to do under a water-quality notice (`during`) or once it is lifted (`after`),
    as the messages say."""
    return words(language, template_dir).get(f"notice_{phase}", {}).get(kind, "")


def local_time(value: datetime | None, language: str, timezone: str) -> str:
    if value is None:
        return "–"
    return value.astimezone(ZoneInfo(timezone)).strftime(DATE_FORMAT[language])

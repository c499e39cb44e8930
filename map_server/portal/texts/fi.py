"""The portal's words in Finnish."""

TEXTS: dict[str, str] = {
    "portal_title": "Katkotiedotteet – omat tiedot",
    "map": "Katkokartta",
    "privacy": "Tietosuoja",
    "logout": "Kirjaudu ulos",
    "start_heading": "Tilaa tiedotteet katkoista",
    "start_intro": (
        "Saat tekstiviestin, sähköpostin tai puhelun, kun osoitteessasi on vesi-, "
        "kaukolämpö- tai sähkökatko. Palvelu on maksuton, ja tietojasi käytetään vain "
        "katkoista tiedottamiseen. Samalla tavalla pääset myöhemmin muuttamaan tai "
        "poistamaan tietojasi."
    ),
    "name": "Nimi",
    "phone": "Puhelinnumero",
    "phone_hint": "Esim. 040 123 4567. Lankapuhelimeen koodi luetaan puhelussa.",
    "email": "Sähköposti",
    "email_hint": "Jos annat myös puhelinnumeron, koodi lähetetään puhelimeen.",
    "send_code": "Lähetä koodi",
    "name_required": "Kirjoita nimesi.",
    "phone_or_email": "Anna puhelinnumero tai sähköpostiosoite.",
    "phone_invalid": "Puhelinnumero ei ole kelvollinen.",
    "phone_not_ordinary": (
        "Vain tämän maan tavallisia matka- ja lankapuhelinnumeroita "
        "voi rekisteröidä."
    ),
    "apartment_invalid": "Huoneisto ei ole kelvollinen: anna porras ja numero, esim. A 12.",
    "email_invalid": (
        "Sähköpostiosoite ei ole kelvollinen. Anna yksi osoite, esimerkiksi "
        "nimi@esimerkki.fi."
    ),
    "too_long": "Teksti on liian pitkä.",
    "too_many": "Liian monta yritystä. Yritä myöhemmin uudelleen.",
    "send_failed": "Viestiä ei voitu lähettää juuri nyt. Yritä hetken kuluttua uudelleen.",
    "pin_heading": "Kirjoita vahvistuskoodi",
    "sent_sms": "Lähetimme nelinumeroisen koodin tekstiviestinä numeroon {to}.",
    "sent_voice": "Soitamme numeroon {to} ja luemme nelinumeroisen koodin.",
    "sent_email": "Lähetimme nelinumeroisen koodin osoitteeseen {to}.",
    "pin_valid": "Koodi on voimassa {minutes} minuuttia.",
    "pin": "Koodi",
    "confirm": "Vahvista",
    "wrong_pin": "Koodi ei ole oikein. Yrityksiä jäljellä: {n}.",
    "pin_dead": "Koodi on vanhentunut tai yrityksiä oli liian monta. Pyydä uusi koodi.",
    "new_code": "Pyydä uusi koodi",
    "me_heading": "Omat tietosi",
    "welcome_new": "Rekisteröinti onnistui. Lisää seuraavaksi osoite, josta haluat tiedotteet.",
    "profile": "Perustiedot",
    "message_language": "Viestien kieli",
    "save": "Tallenna",
    "cancel": "Peruuta",
    "logins": "Kirjautumiseen käytetyt yhteystiedot",
    "verified": "vahvistettu",
    "phone_unproven": (
        "odottaa koodia – numeroon ei lähetetä mitään ennen kuin sille lähetetty koodi on "
        "syötetty tähän"
    ),
    "send_pin_again": "Lähetä koodi numeroon",
    "addresses": "Osoitteet",
    "no_addresses": "Et ole vielä lisännyt osoitteita.",
    "add_address": "Lisää osoite",
    "delete_address": "Poista osoite",
    "service": "Palvelu",
    "role": "Rooli",
    "resident": "Asukas tai omistaja",
    "property_manager": "Isännöitsijä tai kiinteistönhoitaja",
    "customer_number": "Asiakasnumero",
    "facility_number": "Käyttöpaikan numero",
    "apartment": "Huoneisto",
    "apartment_hint": "Kerrostalossa porras ja numero, esim. A 12; omakotitalossa tyhjä.",
    "invoice_hint": "Laskusta, vapaaehtoinen.",
    "edit": "Muuta",
    "delete": "Poista",
    "opt_out_heading": "Viestien esto",
    "opt_out_intro": (
        "Estettyyn numeroon tai osoitteeseen ei lähetetä katkotiedotteita lainkaan, "
        "ei myöskään operaattorien numerotiedoista. Tekstiviestiin voi myös vastata LOPETA."
    ),
    "blocked": "estetty",
    "receives": "saa tiedotteet",
    "block": "Estä viestit",
    "unblock": "Salli viestit",
    "your_data": "Tietosi",
    "download": "Lataa kaikki tietosi (JSON)",
    "erase_confirm": "Ymmärrän, että kaikki tietoni poistetaan pysyvästi.",
    "erase": "Poista kaikki tietoni",
    "address_heading": "Lisää osoite",
    "postal_code": "Postinumero",
    "street": "Katu",
    "house_number": "Talon numero",
    "address_hint": "Aloita postinumerosta; katu ja numero täydentyvät osoiterekisteristä.",
    "services": "Palvelut",
    "notices_to": "Tiedotteet lähetetään",
    "service_required": "Valitse vähintään yksi palvelu.",
    "destination_required": "Anna puhelinnumero tai sähköpostiosoite.",
    "subscription_heading": "Muuta tilausta",
    "saved": "Tallennettu.",
    "deleted": "Poistettu.",
    "opted_out": "Viestit estetty.",
    "opted_in": "Viestit sallittu.",
    "erased": "Tietosi on poistettu.",
    "logged_out": "Olet kirjautunut ulos.",
    "link_invalid": "Linkki on vanhentunut tai virheellinen.",
    "unsubscribe_heading": "Peru katkotiedotteet sähköpostiin",
    "unsubscribe_text": (
        "Vahvista, ettet halua enää katkotiedotteita tähän sähköpostiosoitteeseen."
    ),
    "unsubscribe_button": "Peru tiedotteet",
    "unsubscribed": "Tähän sähköpostiosoitteeseen ei enää lähetetä katkotiedotteita.",
    "unsubscribe_ask": (
        "Kirjoita sähköpostiosoitteesi, niin lähetämme siihen linkin, jolla tiedotteet "
        "perutaan."
    ),
    "send_link": "Lähetä linkki",
    "unsubscribe_sent": "Lähetimme osoitteeseen linkin, jolla voit perua tiedotteet.",
    "forbidden": (
        "Lomakkeen tarkiste puuttui tai oli vanhentunut. Lataa sivu uudelleen ja yritä "
        "uudelleen."
    ),
    "not_found": "Tietoa ei löytynyt.",
    "session_expired": "Istunto on päättynyt. Kirjaudu uudelleen.",
    "back": "Takaisin",
    # messages sent to residents
    "pin_sms": (
        "{utility}: vahvistuskoodisi on {pin}. Koodi on voimassa {minutes} min. "
        "Älä kerro sitä kenellekään."
    ),
    "pin_voice": (
        "Hei, täällä {utility}. Vahvistuskoodisi on {digits}. Toistan: {digits}. "
        "Älä kerro sitä kenellekään."
    ),
    "pin_subject": "{utility}: vahvistuskoodi",
    "pin_email": (
        "Vahvistuskoodisi on {pin}. Koodi on voimassa {minutes} minuuttia. "
        "Älä kerro sitä kenellekään.\n\n"
        "Jos et pyytänyt koodia, voit jättää viestin huomiotta."
    ),
    "unsubscribe_subject": "{utility}: katkotiedotteiden peruminen",
    "unsubscribe_email_text": (
        "Voit perua katkotiedotteet tähän osoitteeseen avaamalla linkin:\n{url}\n\n"
        "Linkki on voimassa {days} päivää."
    ),
    "name_hint": "Vain uusille: palaava asukas kirjautuu ilman nimeä.",
    "too_many_wait": "Liian monta yritystä. Voit pyytää uuden koodin {minutes} minuutin kuluttua.",
    "pin_format": "Kirjoita koodin kaikki neljä numeroa. Yritystä ei laskettu.",
    "delete_heading": "Vahvista poisto",
    "delete_text": "Poistetaanko tämä? {what}",
    "delete_yes": "Kyllä, poista",
    "address_incomplete": "Anna postinumero, katu ja talon numero.",
    "postal_code_unknown": "Emme toimita tällä postinumerolla. Tarkista postinumero.",
    "street_elsewhere": "Katu on alueellamme toisella postinumerolla.",
    "number_unknown": "Kadulla ei ole tätä talon numeroa rekisterissämme. Kadun numerot:",
    "street_unknown": "Tällä postinumerolla ei ole tämän nimistä katua.",
    "suggestions": "Tarkoititko:",
    "name_missing": "Kirjoita nimesi perustietoihin, niin tunnistamme sinut, jos otat yhteyttä.",
    "who_heading": "Kenen pitää rekisteröityä?",
    "privacy_controller": "Rekisterinpitäjä ja yhteystiedot",
    "privacy_retention": "Säilytysajat",
    "privacy_retention_text": (
        "Toimitusloki poistetaan {days} päivän kuluttua. Vahvistuskoodi on voimassa "
        "{minutes} minuuttia. Rekisteröinti säilyy, kunnes poistat sen tai muutat pois."
    ),
    "privacy_complaint": "Valitus",
    "privacy_complaint_text": (
        "Voit tehdä valituksen tietosuojavaltuutetun toimistolle (tietosuoja.fi), jos "
        "katsot, että tietojasi käsitellään lainvastaisesti."
    ),
    "unverified": (
        "odottaa koodia – osoitteeseen ei lähetetä mitään ennen kuin sille sähköpostilla "
        "lähetetty koodi on syötetty tähän"
    ),
    "awaiting_proof": "ei vielä vahvistettu: sen koodia ei ole syötetty",
    "prove_first": (
        "Täällä voi estää tai sallia viestit vain numeroon tai osoitteeseen, jonka olet "
        "vahvistanut sen koodilla. Toisen numeron viestit saa loppumaan vastaamalla "
        "viestiin STOP; sähköpostiosoitteen viestit katkotiedotteen sähköpostissa olevalla "
        "linkillä."
    ),
    "proven": "Vahvistettu. Katkotiedotteet lähetetään nyt siihen.",
    "send_code_to_address": "Lähetä koodi osoitteeseen",
    "code_sent_recently": (
        "{to}: koodi lähetettiin jo viimeisten {resend} minuutin aikana, joten uutta ei "
        "lähetetty nyt. Syötä sen viestin koodi; uuden koodin voit pyytää {wait} minuutin "
        "kuluttua."
    ),
    "type_code": "Syötä koodi",
    "link_retired": (
        "Sähköpostiosoitteita ei enää vahvisteta avaamalla linkki. Tämä linkki ei vahvista "
        "mitään: osoitteen lisääjä syöttää osoitteeseen lähetetyn koodin omalla tilillään."
    ),
    "proof_sms": (
        "{utility}: koodi {pin} lisää numeron jonkun katkotiedotetilille ({minutes} min). "
        "Et pyytänyt? Älä välitä äläkä kerro koodia kenellekään."
    ),
    "proof_voice": (
        "Hei, täällä {utility}. Tätä numeroa pyydettiin lisättäväksi katkotiedotteiden "
        "tilille. Koodi on {digits}. Toistan: {digits}. Jos et pyytänyt sitä, älä kerro "
        "koodia kenellekään."
    ),
    "proof_email_subject": "{utility}: joku pyysi lisäämään tämän sähköpostiosoitteen",
    "proof_email_text": (
        "Joku pyysi lisäämään tämän sähköpostiosoitteen tiliinsä "
        "katkotiedotepalvelussamme. Jos se olit sinä, syötä tämä koodi palveluun sillä "
        "tilillä, jolla lisäsit osoitteen:\n\n{pin}\n\nKoodi on voimassa {minutes} minuuttia. "
        "Sen syöttäminen antaa tilille oikeuden saada ja perua tähän osoitteeseen lähtevät "
        "katkotiedotteet. Jos se et ollut sinä, jätä viesti huomiotta: mikään ei muutu. "
        "Älä anna koodia kenellekään."
    ),
}

# The privacy page: headed paragraphs.
PRIVACY: list[tuple[str, str]] = [
    (
        "Mitä tallennamme",
        (
            "Nimesi, puhelinnumerosi ja sähköpostiosoitteesi, osoitteet joista haluat "
            "tiedotteet, valitsemasi palvelut (vesi, kaukolämpö, sähkö), roolisi (asukas tai "
            "isännöitsijä), laskun asiakas- ja käyttöpaikan numeron jos annat ne, viestien "
            "kielen sekä estot. Lisäksi kirjaamme, mitä tiedotteita numeroihisi ja "
            "osoitteisiisi on lähetetty ja menivätkö ne perille."
        ),
    ),
    (
        "Miksi",
        (
            "Vain jotta voimme kertoa sinulle vesi-, kaukolämpö- ja sähkökatkoista. Tietoja ei "
            "käytetä markkinointiin eikä luovuteta muille. Rekisteröity numero korvaa "
            "osoitteen operaattorien luettelonumerot."
        ),
    ),
    (
        "Kuinka kauan",
        (
            "Rekisteröinnit säilyvät, kunnes poistat ne tai muutat pois (saamme tiedon "
            "muutosta asiakasjärjestelmästä). Lähetyslokit poistetaan määräajan jälkeen. "
            "Vahvistuskoodit vanhenevat 10 minuutissa ja poistetaan. Estot säilytetään, jotta "
            "ne pysyvät voimassa."
        ),
    ),
    ("Missä", "Tiedot säilytetään Euroopan unionin alueella."),
    (
        "Oikeutesi",
        (
            "Voit nähdä, korjata, ladata ja poistaa kaikki tietosi tässä palvelussa. Voit "
            "estää viestit täällä, sähköpostin linkistä tai vastaamalla tekstiviestiin "
            "LOPETA."
        ),
    ),
]

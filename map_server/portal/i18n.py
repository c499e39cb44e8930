"""The portal's words in Finnish, Swedish and English (on top of the map's strings)."""

from __future__ import annotations

from map_server.i18n import STRINGS

PORTAL: dict[str, dict[str, str]] = {
    "fi": {
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
        "email_invalid": "Sähköpostiosoite ei ole kelvollinen.",
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
        "unverified": "odottaa vahvistusta – avaa sähköpostiin lähetetty linkki",
        "resend_link": "Lähetä linkki uudelleen",
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
        "address_not_found": (
            "Osoitetta ei löydy palvelualueeltamme. Tarkista postinumero, katu ja talon "
            "numero. Tiedotteita saa vain osoitteisiin, joihin toimitamme palveluja."
        ),
        "service_required": "Valitse vähintään yksi palvelu.",
        "destination_required": "Anna puhelinnumero tai sähköpostiosoite.",
        "subscription_heading": "Muuta tilausta",
        "link_sent": (
            "Lähetimme vahvistuslinkin sähköpostiin. Sähköpostia käytetään vasta, kun "
            "olet avannut linkin."
        ),
        "saved": "Tallennettu.",
        "deleted": "Poistettu.",
        "opted_out": "Viestit estetty.",
        "opted_in": "Viestit sallittu.",
        "email_verified": "Sähköpostiosoite on vahvistettu.",
        "erased": "Tietosi on poistettu.",
        "logged_out": "Olet kirjautunut ulos.",
        "verify_heading": "Vahvista sähköpostiosoite",
        "verify_text": "Vahvista, että haluat katkotiedotteet tähän sähköpostiosoitteeseen.",
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
        "pin_voice": "Hei, täällä {utility}. Vahvistuskoodisi on {digits}. Toistan: {digits}.",
        "pin_subject": "{utility}: vahvistuskoodi",
        "pin_email": (
            "Vahvistuskoodisi on {pin}. Koodi on voimassa {minutes} minuuttia.\n\n"
            "Jos et pyytänyt koodia, voit jättää viestin huomiotta."
        ),
        "verify_subject": "{utility}: vahvista sähköpostiosoitteesi",
        "verify_email_text": (
            "Vahvista, että haluat katkotiedotteet tähän osoitteeseen, avaamalla linkki:\n"
            "{url}\n\nLinkki on voimassa {days} päivää. Jos et tilannut tiedotteita, voit "
            "jättää viestin huomiotta."
        ),
        "unsubscribe_subject": "{utility}: katkotiedotteiden peruminen",
        "unsubscribe_email_text": (
            "Voit perua katkotiedotteet tähän osoitteeseen avaamalla linkin:\n{url}\n\n"
            "Linkki on voimassa {days} päivää."
        ),
    },
    "sv": {
        "portal_title": "Avbrottsmeddelanden – mina uppgifter",
        "map": "Avbrottskarta",
        "privacy": "Dataskydd",
        "logout": "Logga ut",
        "start_heading": "Beställ meddelanden om avbrott",
        "start_intro": (
            "Du får ett sms, e-post eller ett samtal när det blir avbrott i vatten, "
            "fjärrvärme eller el på din adress. Tjänsten är avgiftsfri och dina uppgifter "
            "används bara för meddelanden om avbrott. På samma sätt kan du senare ändra "
            "eller radera dina uppgifter."
        ),
        "name": "Namn",
        "phone": "Telefonnummer",
        "phone_hint": "T.ex. 040 123 4567. Till en fast telefon läses koden upp i ett samtal.",
        "email": "E-post",
        "email_hint": "Om du också anger ett telefonnummer skickas koden till telefonen.",
        "send_code": "Skicka kod",
        "name_required": "Skriv ditt namn.",
        "phone_or_email": "Ange ett telefonnummer eller en e-postadress.",
        "phone_invalid": "Telefonnumret är inte giltigt.",
        "email_invalid": "E-postadressen är inte giltig.",
        "too_long": "Texten är för lång.",
        "too_many": "För många försök. Försök igen senare.",
        "send_failed": "Meddelandet kunde inte skickas just nu. Försök igen om en stund.",
        "pin_heading": "Skriv verifieringskoden",
        "sent_sms": "Vi skickade en fyrsiffrig kod som sms till numret {to}.",
        "sent_voice": "Vi ringer numret {to} och läser upp en fyrsiffrig kod.",
        "sent_email": "Vi skickade en fyrsiffrig kod till adressen {to}.",
        "pin_valid": "Koden gäller i {minutes} minuter.",
        "pin": "Kod",
        "confirm": "Bekräfta",
        "wrong_pin": "Koden är fel. Försök kvar: {n}.",
        "pin_dead": "Koden har gått ut eller det blev för många försök. Be om en ny kod.",
        "new_code": "Be om en ny kod",
        "me_heading": "Mina uppgifter",
        "welcome_new": (
            "Registreringen lyckades. Lägg nu till en adress som du vill ha meddelanden om."
        ),
        "profile": "Grunduppgifter",
        "message_language": "Meddelandenas språk",
        "save": "Spara",
        "cancel": "Avbryt",
        "logins": "Kontaktuppgifter för inloggning",
        "verified": "bekräftad",
        "unverified": "väntar på bekräftelse – öppna länken som skickades per e-post",
        "resend_link": "Skicka länken igen",
        "addresses": "Adresser",
        "no_addresses": "Du har inte lagt till några adresser ännu.",
        "add_address": "Lägg till adress",
        "delete_address": "Ta bort adressen",
        "service": "Tjänst",
        "role": "Roll",
        "resident": "Boende eller ägare",
        "property_manager": "Disponent eller fastighetsskötare",
        "customer_number": "Kundnummer",
        "facility_number": "Förbrukningsplatsens nummer",
        "invoice_hint": "Från fakturan, frivilligt.",
        "edit": "Ändra",
        "delete": "Ta bort",
        "opt_out_heading": "Spärra meddelanden",
        "opt_out_intro": (
            "Till ett spärrat nummer eller en spärrad adress skickas inga meddelanden om "
            "avbrott, inte heller utifrån operatörernas nummeruppgifter. Du kan också svara "
            "SLUTA på ett sms."
        ),
        "blocked": "spärrad",
        "receives": "får meddelanden",
        "block": "Spärra meddelanden",
        "unblock": "Tillåt meddelanden",
        "your_data": "Dina uppgifter",
        "download": "Ladda ner alla dina uppgifter (JSON)",
        "erase_confirm": "Jag förstår att alla mina uppgifter raderas för gott.",
        "erase": "Radera alla mina uppgifter",
        "address_heading": "Lägg till adress",
        "postal_code": "Postnummer",
        "street": "Gata",
        "house_number": "Husnummer",
        "address_hint": "Börja med postnumret; gata och nummer fylls i från adressregistret.",
        "services": "Tjänster",
        "notices_to": "Meddelandena skickas till",
        "address_not_found": (
            "Adressen finns inte i vårt serviceområde. Kontrollera postnummer, gata och "
            "husnummer. Meddelanden kan bara fås för adresser som vi levererar till."
        ),
        "service_required": "Välj minst en tjänst.",
        "destination_required": "Ange ett telefonnummer eller en e-postadress.",
        "subscription_heading": "Ändra beställningen",
        "link_sent": (
            "Vi skickade en bekräftelselänk per e-post. E-posten används först när du har "
            "öppnat länken."
        ),
        "saved": "Sparat.",
        "deleted": "Borttaget.",
        "opted_out": "Meddelandena spärrade.",
        "opted_in": "Meddelandena tillåtna.",
        "email_verified": "E-postadressen är bekräftad.",
        "erased": "Dina uppgifter har raderats.",
        "logged_out": "Du har loggat ut.",
        "verify_heading": "Bekräfta e-postadressen",
        "verify_text": (
            "Bekräfta att du vill ha meddelanden om avbrott till den här e-postadressen."
        ),
        "link_invalid": "Länken har gått ut eller är felaktig.",
        "unsubscribe_heading": "Avbeställ meddelanden om avbrott per e-post",
        "unsubscribe_text": (
            "Bekräfta att du inte längre vill ha meddelanden om avbrott till den här "
            "e-postadressen."
        ),
        "unsubscribe_button": "Avbeställ",
        "unsubscribed": "Inga fler meddelanden om avbrott skickas till den här e-postadressen.",
        "unsubscribe_ask": (
            "Skriv din e-postadress så skickar vi en länk med vilken du kan avbeställa "
            "meddelandena."
        ),
        "send_link": "Skicka länken",
        "unsubscribe_sent": "Vi skickade en länk till adressen med vilken du kan avbeställa.",
        "forbidden": (
            "Formulärets kontrollkod saknades eller hade gått ut. Ladda om sidan och försök igen."
        ),
        "not_found": "Uppgiften hittades inte.",
        "session_expired": "Sessionen har gått ut. Logga in igen.",
        "back": "Tillbaka",
        "pin_sms": (
            "{utility}: din verifieringskod är {pin}. Koden gäller i {minutes} min. "
            "Berätta den inte för någon."
        ),
        "pin_voice": (
            "Hej, det här är {utility}. Din verifieringskod är {digits}. Jag upprepar: {digits}."
        ),
        "pin_subject": "{utility}: verifieringskod",
        "pin_email": (
            "Din verifieringskod är {pin}. Koden gäller i {minutes} minuter.\n\n"
            "Om du inte bad om koden kan du strunta i meddelandet."
        ),
        "verify_subject": "{utility}: bekräfta din e-postadress",
        "verify_email_text": (
            "Bekräfta att du vill ha meddelanden om avbrott till den här adressen genom att "
            "öppna länken:\n{url}\n\nLänken gäller i {days} dagar. Om du inte har beställt "
            "meddelanden kan du strunta i det här."
        ),
        "unsubscribe_subject": "{utility}: avbeställning av meddelanden om avbrott",
        "unsubscribe_email_text": (
            "Du kan avbeställa meddelanden om avbrott till den här adressen genom att öppna "
            "länken:\n{url}\n\nLänken gäller i {days} dagar."
        ),
    },
    "en": {
        "portal_title": "Outage notices – my details",
        "map": "Outage map",
        "privacy": "Privacy",
        "logout": "Log out",
        "start_heading": "Get notices of outages",
        "start_intro": (
            "You get a text message, an e-mail or a call when water, district heating or "
            "electricity is cut at your address. The service is free, and your details are "
            "used for nothing but outage notices. The same way you can later change or "
            "delete your details."
        ),
        "name": "Name",
        "phone": "Phone number",
        "phone_hint": "E.g. 040 123 4567. For a landline the code is read out in a call.",
        "email": "E-mail",
        "email_hint": "If you give a phone number too, the code goes to the phone.",
        "send_code": "Send code",
        "name_required": "Type your name.",
        "phone_or_email": "Give a phone number or an e-mail address.",
        "phone_invalid": "The phone number is not valid.",
        "email_invalid": "The e-mail address is not valid.",
        "too_long": "The text is too long.",
        "too_many": "Too many attempts. Please try again later.",
        "send_failed": "The message could not be sent just now. Please try again shortly.",
        "pin_heading": "Type the verification code",
        "sent_sms": "We sent a four-digit code by text message to {to}.",
        "sent_voice": "We are calling {to} to read out a four-digit code.",
        "sent_email": "We sent a four-digit code to {to}.",
        "pin_valid": "The code is valid for {minutes} minutes.",
        "pin": "Code",
        "confirm": "Confirm",
        "wrong_pin": "The code is not right. Tries left: {n}.",
        "pin_dead": "The code has expired or was tried too many times. Ask for a new code.",
        "new_code": "Ask for a new code",
        "me_heading": "My details",
        "welcome_new": "You are registered. Now add an address you want notices about.",
        "profile": "Basic details",
        "message_language": "Language of messages",
        "save": "Save",
        "cancel": "Cancel",
        "logins": "Contact details you log in with",
        "verified": "verified",
        "unverified": "waiting for verification – open the link we e-mailed",
        "resend_link": "Send the link again",
        "addresses": "Addresses",
        "no_addresses": "You have not added any addresses yet.",
        "add_address": "Add an address",
        "delete_address": "Remove the address",
        "service": "Service",
        "role": "Role",
        "resident": "Resident or owner",
        "property_manager": "Property manager or caretaker",
        "customer_number": "Customer number",
        "facility_number": "Facility number",
        "invoice_hint": "From the invoice, optional.",
        "edit": "Change",
        "delete": "Remove",
        "opt_out_heading": "Block messages",
        "opt_out_intro": (
            "A blocked number or address gets no outage messages at all, not even from "
            "the operators' directories. You can also reply STOP to a text message."
        ),
        "blocked": "blocked",
        "receives": "receives notices",
        "block": "Block messages",
        "unblock": "Allow messages",
        "your_data": "Your data",
        "download": "Download all your data (JSON)",
        "erase_confirm": "I understand that all my details are deleted for good.",
        "erase": "Delete all my details",
        "address_heading": "Add an address",
        "postal_code": "Postal code",
        "street": "Street",
        "house_number": "House number",
        "address_hint": (
            "Start with the postal code; street and number come from the address register."
        ),
        "services": "Services",
        "notices_to": "Send notices to",
        "address_not_found": (
            "The address is not in our service area. Check the postal code, street and "
            "house number. Notices are only for addresses we supply."
        ),
        "service_required": "Choose at least one service.",
        "destination_required": "Give a phone number or an e-mail address.",
        "subscription_heading": "Change the subscription",
        "link_sent": (
            "We e-mailed a verification link. The e-mail address is used only once you "
            "have opened the link."
        ),
        "saved": "Saved.",
        "deleted": "Removed.",
        "opted_out": "Messages blocked.",
        "opted_in": "Messages allowed.",
        "email_verified": "The e-mail address is verified.",
        "erased": "Your details have been deleted.",
        "logged_out": "You have logged out.",
        "verify_heading": "Verify your e-mail address",
        "verify_text": "Confirm that you want outage notices at this e-mail address.",
        "link_invalid": "The link has expired or is not valid.",
        "unsubscribe_heading": "Stop outage notices by e-mail",
        "unsubscribe_text": (
            "Confirm that you no longer want outage notices at this e-mail address."
        ),
        "unsubscribe_button": "Stop notices",
        "unsubscribed": "No more outage notices will be sent to this e-mail address.",
        "unsubscribe_ask": (
            "Type your e-mail address and we will send a link that stops the notices."
        ),
        "send_link": "Send the link",
        "unsubscribe_sent": "We sent a link to the address with which you can stop the notices.",
        "forbidden": (
            "The form's check code was missing or out of date. Reload the page and try again."
        ),
        "not_found": "Not found.",
        "session_expired": "Your session has ended. Please log in again.",
        "back": "Back",
        "pin_sms": (
            "{utility}: your verification code is {pin}. It is valid for {minutes} min. "
            "Do not share it."
        ),
        "pin_voice": (
            "Hello, this is {utility}. Your verification code is {digits}. Again: {digits}."
        ),
        "pin_subject": "{utility}: verification code",
        "pin_email": (
            "Your verification code is {pin}. It is valid for {minutes} minutes.\n\n"
            "If you did not ask for a code, you can ignore this message."
        ),
        "verify_subject": "{utility}: verify your e-mail address",
        "verify_email_text": (
            "Confirm that you want outage notices at this address by opening the link:\n"
            "{url}\n\nThe link is valid for {days} days. If you did not ask for notices, you "
            "can ignore this message."
        ),
        "unsubscribe_subject": "{utility}: stopping outage notices",
        "unsubscribe_email_text": (
            "You can stop outage notices to this address by opening the link:\n{url}\n\n"
            "The link is valid for {days} days."
        ),
    },
}

# The privacy page: headed paragraphs per language.
PRIVACY: dict[str, list[tuple[str, str]]] = {
    "fi": [
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
    ],
    "sv": [
        (
            "Vad vi sparar",
            (
                "Ditt namn, telefonnummer och din e-postadress, adresserna du vill ha meddelanden "
                "om, valda tjänster (vatten, fjärrvärme, el), din roll (boende eller disponent), "
                "fakturans kund- och förbrukningsplatsnummer om du anger dem, meddelandenas språk "
                "och spärrar. Vi antecknar också vilka meddelanden som skickats till dina nummer "
                "och adresser och om de kom fram."
            ),
        ),
        (
            "Varför",
            (
                "Bara för att kunna meddela dig om avbrott i vatten, fjärrvärme och el. "
                "Uppgifterna används inte för marknadsföring och lämnas inte ut. Ett registrerat "
                "nummer ersätter operatörernas katalognummer för adressen."
            ),
        ),
        (
            "Hur länge",
            (
                "Registreringarna sparas tills du raderar dem eller flyttar (vi får uppgiften "
                "från kundsystemet). Sändningsloggar raderas efter en bestämd tid. "
                "Verifieringskoder går ut efter 10 minuter och raderas. Spärrar sparas så att de "
                "fortsätter gälla."
            ),
        ),
        ("Var", "Uppgifterna förvaras inom Europeiska unionen."),
        (
            "Dina rättigheter",
            (
                "Du kan se, rätta, ladda ner och radera alla dina uppgifter i den här tjänsten. "
                "Du kan spärra meddelanden här, via länken i e-posten eller genom att svara SLUTA "
                "på ett sms."
            ),
        ),
    ],
    "en": [
        (
            "What we store",
            (
                "Your name, phone number and e-mail address, the addresses you want notices "
                "about, the services you chose (water, district heating, electricity), your role "
                "(resident or property manager), the customer and facility numbers from your "
                "invoice if you give them, the language of messages and any blocks. We also log "
                "which notices were sent to your numbers and addresses and whether they arrived."
            ),
        ),
        (
            "Why",
            (
                "Only to tell you about water, district heating and electricity outages. The "
                "data is not used for marketing and not given to anyone else. A registered number "
                "replaces the operators' directory numbers for that address."
            ),
        ),
        (
            "How long",
            (
                "Registrations are kept until you delete them or move out (the customer system "
                "tells us). Delivery logs are deleted after a set period. Verification codes "
                "expire after 10 minutes and are deleted. Blocks are kept so that they stay in "
                "force."
            ),
        ),
        ("Where", "The data is kept within the European Union."),
        (
            "Your rights",
            (
                "You can see, correct, download and delete all your data in this service. You "
                "can block messages here, by the link in an e-mail, or by replying STOP to a text "
                "message."
            ),
        ),
    ],
}


def strings(language: str) -> dict[str, str]:
    """The map's strings and the portal's, for one language."""
    return {**STRINGS[language], **PORTAL[language]}

"""The portal's words in Swedish."""

TEXTS: dict[str, str] = {
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
    "phone_not_ordinary": (
        "Endast vanliga mobil- och fasta nummer i det här landet "
        "kan registreras."
    ),
    "apartment_invalid": "Lägenheten är inte giltig: ange trappa och nummer, t.ex. A 12.",
    "email_invalid": "E-postadressen är inte giltig. Ange en adress, till exempel namn@exempel.fi.",
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
    "phone_unproven": (
        "väntar på sin kod – inget skickas till numret förrän koden som skickades dit har "
        "skrivits in här"
    ),
    "send_pin_again": "Skicka koden till numret",
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
    "apartment": "Lägenhet",
    "apartment_hint": "I flervåningshus trappa och nummer, t.ex. A 12; tomt för egnahemshus.",
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
    "service_required": "Välj minst en tjänst.",
    "destination_required": "Ange ett telefonnummer eller en e-postadress.",
    "subscription_heading": "Ändra beställningen",
    "saved": "Sparat.",
    "deleted": "Borttaget.",
    "opted_out": "Meddelandena spärrade.",
    "opted_in": "Meddelandena tillåtna.",
    "erased": "Dina uppgifter har raderats.",
    "logged_out": "Du har loggat ut.",
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
        "Hej, det här är {utility}. Din verifieringskod är {digits}. Jag upprepar: {digits}. "
        "Berätta den inte för någon."
    ),
    "pin_subject": "{utility}: verifieringskod",
    "pin_email": (
        "Din verifieringskod är {pin}. Koden gäller i {minutes} minuter. "
        "Berätta den inte för någon.\n\n"
        "Om du inte bad om koden kan du strunta i meddelandet."
    ),
    "unsubscribe_subject": "{utility}: avbeställning av meddelanden om avbrott",
    "unsubscribe_email_text": (
        "Du kan avbeställa meddelanden om avbrott till den här adressen genom att öppna "
        "länken:\n{url}\n\nLänken gäller i {days} dagar."
    ),
    "name_hint": "Bara för nya: den som återvänder loggar in utan namn.",
    "too_many_wait": "För många försök. Du kan be om en ny kod om {minutes} minuter.",
    "pin_format": "Skriv alla fyra siffrorna i koden. Försöket räknades inte.",
    "delete_heading": "Bekräfta borttagningen",
    "delete_text": "Ta bort detta? {what}",
    "delete_yes": "Ja, ta bort",
    "address_incomplete": "Ange postnummer, gata och husnummer.",
    "postal_code_unknown": "Vi levererar inte till det här postnumret. Kontrollera postnumret.",
    "street_elsewhere": "Gatan finns i vårt område med ett annat postnummer.",
    "number_unknown": "Gatan har inte det husnumret i vårt register. Gatans nummer:",
    "street_unknown": "Det finns ingen gata med det namnet inom postnumret.",
    "suggestions": "Menade du:",
    "name_missing": (
        "Skriv ditt namn i grunduppgifterna, så känner vi igen dig om du kontaktar oss."
    ),
    "who_heading": "Vem behöver registrera sig?",
    "privacy_controller": "Personuppgiftsansvarig och kontaktuppgifter",
    "privacy_retention": "Lagringstider",
    "privacy_retention_text": (
        "Leveransloggen raderas efter {days} dagar. Verifieringskoden gäller i {minutes} "
        "minuter. Registreringen finns kvar tills du raderar den eller flyttar."
    ),
    "privacy_complaint": "Klagomål",
    "privacy_complaint_text": (
        "Du kan klaga hos dataombudsmannens byrå (tietosuoja.fi) om du anser att dina "
        "uppgifter behandlas i strid med lagen."
    ),
    "unverified": (
        "väntar på sin kod – inget skickas till adressen förrän koden som e-postades dit "
        "har skrivits in här"
    ),
    "awaiting_proof": "inte bekräftad ännu: dess kod har inte skrivits in",
    "prove_first": (
        "Här kan du bara spärra eller tillåta meddelanden till ett nummer eller en adress "
        "som du har bekräftat med dess kod. För att stoppa meddelanden till ett annat "
        "nummer, svara STOP på ett meddelande; för en e-postadress, använd länken i ett "
        "e-postmeddelande om avbrott."
    ),
    "proven": "Bekräftat. Avbrottsmeddelanden skickas nu dit.",
    "send_code_to_address": "Skicka koden till adressen",
    "code_sent_recently": (
        "En kod skickades redan till {to} under de senaste {resend} minuterna, så ingen ny "
        "skickades nu. Skriv in koden från det meddelandet; du kan be om en ny om {wait} "
        "minuter."
    ),
    "type_code": "Skriv in koden",
    "link_retired": (
        "E-postadresser bekräftas inte längre genom att öppna en länk. Den här länken "
        "bekräftar ingenting: den som lade till adressen skriver in koden som e-postades "
        "dit i sitt eget konto."
    ),
    "proof_sms": (
        "{utility}: kod {pin} lägger till numret i någons konto för avbrottsmeddelanden "
        "({minutes} min). Inte du? Strunta i det, ge koden till ingen."
    ),
    "proof_voice": (
        "Hej, det här är {utility}. Någon bad att lägga till det här numret i ett konto för "
        "avbrottsmeddelanden. Koden är {digits}. Jag upprepar: {digits}. Om det inte var du, "
        "ge inte koden till någon."
    ),
    "proof_email_subject": "{utility}: någon vill lägga till den här e-postadressen",
    "proof_email_text": (
        "Någon bad om att få lägga till den här e-postadressen i sitt konto i vår tjänst "
        "för meddelanden om avbrott. Om det var du, skriv in den här koden i tjänsten, i "
        "kontot där du lade till adressen:\n\n{pin}\n\nKoden gäller i {minutes} minuter. Med "
        "den får kontot ta emot och avbeställa de meddelanden om avbrott som skickas till "
        "den här adressen. Om det inte var du kan du strunta i det här meddelandet: "
        "ingenting ändras. Ge inte koden till någon."
    ),
}

# The privacy page: headed paragraphs.
PRIVACY: list[tuple[str, str]] = [
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
]

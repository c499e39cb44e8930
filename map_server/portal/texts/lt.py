"""The portal's words in Lithuanian."""

TEXTS: dict[str, str] = {
    "portal_title": "Pranešimai apie sutrikimus – mano duomenys",
    "map": "Sutrikimų žemėlapis",
    "privacy": "Privatumas",
    "logout": "Atsijungti",
    "start_heading": "Gaukite pranešimus apie sutrikimus",
    "start_intro": (
        "Gausite SMS žinutę, el. laišką arba skambutį, kai jūsų adresu "
        "nutraukiamas vandens, šilumos ar elektros tiekimas. Paslauga nemokama,"
        " o jūsų duomenys naudojami tik pranešimams apie sutrikimus. Tokiu pat "
        "būdu vėliau galėsite pakeisti arba ištrinti savo duomenis."
    ),
    "name": "Vardas ir pavardė",
    "phone": "Telefono numeris",
    "phone_hint": "Pvz., 040 123 4567. Į laidinį telefoną kodas perskaitomas skambučiu.",
    "email": "El. paštas",
    "email_hint": "Jei nurodysite ir telefono numerį, kodas bus išsiųstas į telefoną.",
    "send_code": "Siųsti kodą",
    "name_required": "Įrašykite savo vardą.",
    "phone_or_email": "Nurodykite telefono numerį arba el. pašto adresą.",
    "phone_invalid": "Telefono numeris netinkamas.",
    "phone_not_ordinary": (
        "Galima registruoti tik įprastus šios šalies mobiliojo ir "
        "fiksuoto ryšio numerius."
    ),
    "apartment_invalid": "Butas nurodytas neteisingai: nurodykite laiptinę ir numerį, pvz., A 12.",
    "email_invalid": (
        "El. pašto adresas netinkamas. Nurodykite vieną adresą, pvz., vardas@pavyzdys.lt."
    ),
    "too_long": "Tekstas per ilgas.",
    "too_many": "Per daug bandymų. Bandykite vėliau.",
    "send_failed": "Šiuo metu žinutės išsiųsti nepavyko. Netrukus bandykite dar kartą.",
    "pin_heading": "Įveskite patvirtinimo kodą",
    "sent_sms": "Keturių skaitmenų kodą išsiuntėme SMS žinute numeriu {to}.",
    "sent_voice": "Skambiname numeriu {to} ir perskaitysime keturių skaitmenų kodą.",
    "sent_email": "Keturių skaitmenų kodą išsiuntėme adresu {to}.",
    "pin_valid": "Kodas galioja {minutes} min.",
    "pin": "Kodas",
    "confirm": "Patvirtinti",
    "wrong_pin": "Kodas neteisingas. Liko bandymų: {n}.",
    "pin_dead": "Kodas nebegalioja arba buvo bandytas per daug kartų. Paprašykite naujo kodo.",
    "new_code": "Paprašyti naujo kodo",
    "me_heading": "Mano duomenys",
    "welcome_new": "Užsiregistravote. Dabar pridėkite adresą, apie kurį norite gauti pranešimus.",
    "profile": "Pagrindiniai duomenys",
    "message_language": "Pranešimų kalba",
    "save": "Išsaugoti",
    "cancel": "Atšaukti",
    "logins": "Kontaktai, kuriais prisijungiate",
    "verified": "patvirtinta",
    "phone_unproven": (
        "laukia kodo – į numerį nieko nesiunčiama, kol čia neįvestas į jį išsiųstas kodas"
    ),
    "send_pin_again": "Siųsti kodą į numerį",
    "addresses": "Adresai",
    "no_addresses": "Dar nepridėjote nė vieno adreso.",
    "add_address": "Pridėti adresą",
    "delete_address": "Pašalinti adresą",
    "service": "Paslauga",
    "role": "Vaidmuo",
    "resident": "Gyventojas arba savininkas",
    "property_manager": "Pastato administratorius arba prižiūrėtojas",
    "customer_number": "Kliento numeris",
    "facility_number": "Objekto numeris",
    "apartment": "Butas",
    "apartment_hint": "Daugiabutyje laiptinė ir numeris, pvz., A 12; individualiam namui tuščia.",
    "invoice_hint": "Iš sąskaitos, neprivaloma.",
    "edit": "Keisti",
    "delete": "Pašalinti",
    "opt_out_heading": "Blokuoti pranešimus",
    "opt_out_intro": (
        "Užblokuotas numeris ar adresas negauna jokių pranešimų apie "
        "sutrikimus, net ir iš operatorių katalogų. Taip pat galite atsakyti "
        "STOP į SMS žinutę."
    ),
    "blocked": "užblokuota",
    "receives": "gauna pranešimus",
    "block": "Blokuoti pranešimus",
    "unblock": "Leisti pranešimus",
    "your_data": "Jūsų duomenys",
    "download": "Atsisiųsti visus savo duomenis (JSON)",
    "erase_confirm": "Suprantu, kad visi mano duomenys bus ištrinti visam laikui.",
    "erase": "Ištrinti visus mano duomenis",
    "address_heading": "Pridėti adresą",
    "postal_code": "Pašto kodas",
    "street": "Gatvė",
    "house_number": "Namo numeris",
    "address_hint": "Pradėkite nuo pašto kodo; gatvė ir numeris imami iš adresų registro.",
    "services": "Paslaugos",
    "notices_to": "Pranešimus siųsti",
    "service_required": "Pasirinkite bent vieną paslaugą.",
    "destination_required": "Nurodykite telefono numerį arba el. pašto adresą.",
    "subscription_heading": "Keisti prenumeratą",
    "saved": "Išsaugota.",
    "deleted": "Pašalinta.",
    "opted_out": "Pranešimai užblokuoti.",
    "opted_in": "Pranešimai leidžiami.",
    "erased": "Jūsų duomenys ištrinti.",
    "logged_out": "Atsijungėte.",
    "link_invalid": "Nuoroda nebegalioja arba yra netinkama.",
    "unsubscribe_heading": "Nebegauti pranešimų el. paštu",
    "unsubscribe_text": (
        "Patvirtinkite, kad nebenorite gauti pranešimų apie sutrikimus šiuo el."
        " pašto adresu."
    ),
    "unsubscribe_button": "Nebegauti pranešimų",
    "unsubscribed": "Šiuo el. pašto adresu pranešimai apie sutrikimus nebebus siunčiami.",
    "unsubscribe_ask": (
        "Įrašykite savo el. pašto adresą ir atsiųsime nuorodą, kuria galėsite "
        "atsisakyti pranešimų."
    ),
    "send_link": "Siųsti nuorodą",
    "unsubscribe_sent": "Išsiuntėme nuorodą, kuria galite atsisakyti pranešimų.",
    "forbidden": (
        "Formos patikros kodo nebuvo arba jis pasenęs. Atnaujinkite puslapį ir "
        "bandykite dar kartą."
    ),
    "not_found": "Nerasta.",
    "session_expired": "Jūsų sesija baigėsi. Prisijunkite dar kartą.",
    "back": "Atgal",
    "pin_sms": (
        "{utility}: jūsų patvirtinimo kodas {pin}. Galioja {minutes} min. "
        "Niekam jo nesakykite."
    ),
    "pin_voice": (
        "Sveiki, skambina {utility}. Jūsų patvirtinimo kodas: {digits}. "
        "Pakartoju: {digits}. Niekam jo nesakykite."
    ),
    "pin_subject": "{utility}: patvirtinimo kodas",
    "pin_email": (
        "Jūsų patvirtinimo kodas: {pin}. Jis galioja {minutes} min. "
        "Niekam jo nesakykite.\n\nJei kodo "
        "neprašėte, šio laiško galite nepaisyti."
    ),
    "unsubscribe_subject": "{utility}: pranešimų apie sutrikimus atsisakymas",
    "unsubscribe_email_text": (
        "Pranešimų šiuo adresu galite atsisakyti atidarę nuorodą:\n{url}\n\n"
        "Nuoroda galioja {days} d."
    ),
    "name_hint": "Tik naujiems: sugrįžęs gyventojas prisijungia be vardo.",
    "too_many_wait": "Per daug bandymų. Naujo kodo galėsite paprašyti po {minutes} min.",
    "pin_format": "Įveskite visus keturis kodo skaitmenis. Šis bandymas neįskaitytas.",
    "delete_heading": "Patvirtinkite pašalinimą",
    "delete_text": "Pašalinti? {what}",
    "delete_yes": "Taip, pašalinti",
    "address_incomplete": "Nurodykite pašto kodą, gatvę ir namo numerį.",
    "postal_code_unknown": "Šiuo pašto kodu paslaugų neteikiame. Patikrinkite pašto kodą.",
    "street_elsewhere": "Ši gatvė mūsų teritorijoje turi kitą pašto kodą.",
    "number_unknown": "Mūsų registre šioje gatvėje tokio namo numerio nėra. Gatvės numeriai:",
    "street_unknown": "Šiuo pašto kodu tokios gatvės nėra.",
    "suggestions": "Ar turėjote omenyje:",
    "name_missing": (
        "Įrašykite savo vardą pagrindiniuose duomenyse, kad atpažintume jus, "
        "jei susisieksite."
    ),
    "who_heading": "Kam reikia registruotis?",
    "privacy_controller": "Duomenų valdytojas ir kontaktai",
    "privacy_retention": "Saugojimo terminai",
    "privacy_retention_text": (
        "Pristatymo žurnalas ištrinamas po {days} d. Patvirtinimo kodas galioja"
        " {minutes} min. Registracija saugoma, kol ją ištrinsite arba "
        "išsikelsite."
    ),
    "privacy_complaint": "Skundai",
    "privacy_complaint_text": (
        "Jei manote, kad jūsų duomenys tvarkomi neteisėtai, galite pateikti "
        "skundą Duomenų apsaugos ombudsmeno tarnybai (tietosuoja.fi)."
    ),
    "unverified": (
        "laukia kodo – į adresą nieko nesiunčiama, kol čia neįvestas į jį el. paštu "
        "išsiųstas kodas"
    ),
    "awaiting_proof": "dar nepatvirtinta: jos kodas neįvestas",
    "prove_first": (
        "Čia galima blokuoti ar leisti pranešimus tik numeriui ar adresui, kurį "
        "patvirtinote jo kodu. Kad pranešimai kitam numeriui nebebūtų siunčiami, "
        "atsakykite į pranešimą STOP; el. pašto adresui naudokite nuorodą el. laiške apie "
        "sutrikimą."
    ),
    "proven": "Patvirtinta. Pranešimai apie sutrikimus dabar siunčiami čia.",
    "send_code_to_address": "Siųsti kodą į adresą",
    "code_sent_recently": (
        "Kodas į {to} jau buvo išsiųstas per pastarąsias {resend} min., todėl naujas dabar "
        "nesiųstas. Įveskite to pranešimo kodą; naujo galėsite paprašyti po {wait} min."
    ),
    "type_code": "Įvesti kodą",
    "link_retired": (
        "El. pašto adresai nebepatvirtinami atidarant nuorodą. Ši nuoroda nieko "
        "nepatvirtina: adresą pridėjęs asmuo savo paskyroje įveda į adresą išsiųstą kodą."
    ),
    "proof_sms": (
        "{utility}: kodas {pin} prideda šį numerį prie kažkieno pranešimų paskyros "
        "({minutes} min). Ne jūs? Nepaisykite ir niekam jo nesakykite."
    ),
    "proof_voice": (
        "Sveiki, skambina {utility}. Kažkas paprašė pridėti šį numerį prie pranešimų apie "
        "sutrikimus paskyros. Kodas: {digits}. Pakartoju: {digits}. Jei to neprašėte, "
        "niekam jo nesakykite."
    ),
    "proof_email_subject": "{utility}: kažkas prašo pridėti šį el. pašto adresą",
    "proof_email_text": (
        "Kažkas paprašė pridėti šį el. pašto adresą prie savo paskyros mūsų pranešimų apie "
        "sutrikimus portale. Jei tai buvote jūs, įveskite šį kodą portale, toje paskyroje, "
        "kurioje pridėjote adresą:\n\n{pin}\n\nKodas galioja {minutes} min. Jį įvedus ta "
        "paskyra galės gauti ir atšaukti šiuo adresu siunčiamus pranešimus apie "
        "sutrikimus. Jei tai buvote ne jūs, šio laiško nepaisykite: niekas nepasikeis. "
        "Niekam neduokite šio kodo."
    ),
}

# The privacy page: headed paragraphs.
PRIVACY: list[tuple[str, str]] = [
    (
        "Ką saugome",
        (
            "Jūsų vardą, telefono numerį ir el. pašto adresą, adresus, apie kuriuos"
            " norite gauti pranešimus, pasirinktas paslaugas (vanduo, "
            "centralizuotas šildymas, elektra), jūsų vaidmenį (gyventojas ar "
            "administratorius), kliento ir objekto numerius iš sąskaitos, jei juos "
            "nurodote, pranešimų kalbą ir blokavimus. Taip pat registruojame, kurie"
            " pranešimai išsiųsti jūsų numeriais ir adresais ir ar jie pristatyti."
        ),
    ),
    (
        "Kodėl",
        (
            "Tik tam, kad praneštume apie vandens, šilumos ir elektros tiekimo "
            "sutrikimus. Duomenys nenaudojami rinkodarai ir niekam neperduodami. "
            "Užregistruotas numeris tam adresui pakeičia operatorių katalogų "
            "numerius."
        ),
    ),
    (
        "Kiek laiko",
        (
            "Registracijos saugomos, kol jas ištrinsite arba išsikelsite (tai "
            "praneša klientų sistema). Pristatymo žurnalai ištrinami po nustatyto "
            "laiko. Patvirtinimo kodai nustoja galioti po 10 minučių ir ištrinami. "
            "Blokavimai saugomi, kad išliktų galioti."
        ),
    ),
    (
        "Kur",
        "Duomenys saugomi Europos Sąjungoje.",
    ),
    (
        "Jūsų teisės",
        (
            "Šioje paslaugoje galite peržiūrėti, pataisyti, atsisiųsti ir ištrinti "
            "visus savo duomenis. Pranešimus galite užblokuoti čia, nuoroda el. "
            "laiške arba atsakę STOP į SMS žinutę."
        ),
    ),
]

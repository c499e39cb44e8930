"""The portal's words in English."""

TEXTS: dict[str, str] = {
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
    "phone_not_ordinary": (
        "Only ordinary mobile and landline numbers of this country "
        "can be registered."
    ),
    "apartment_invalid": "The apartment is not valid: give the staircase and number, e.g. A 12.",
    "email_invalid": "The e-mail address is not valid. Give one address, like name@example.fi.",
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
    "phone_unproven": (
        "waiting for its code – nothing is sent to it until the code sent to the number is "
        "typed here"
    ),
    "send_pin_again": "Send the code to the number",
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
    "apartment": "Apartment",
    "apartment_hint": "In a block of flats the staircase and number, e.g. A 12; empty for a house.",
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
    "service_required": "Choose at least one service.",
    "destination_required": "Give a phone number or an e-mail address.",
    "subscription_heading": "Change the subscription",
    "saved": "Saved.",
    "deleted": "Removed.",
    "opted_out": "Messages blocked.",
    "opted_in": "Messages allowed.",
    "erased": "Your details have been deleted.",
    "logged_out": "You have logged out.",
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
        "Hello, this is {utility}. Your verification code is {digits}. Again: {digits}. "
        "Do not give it to anyone."
    ),
    "pin_subject": "{utility}: verification code",
    "pin_email": (
        "Your verification code is {pin}. It is valid for {minutes} minutes. "
        "Do not give it to anyone.\n\n"
        "If you did not ask for a code, you can ignore this message."
    ),
    "unsubscribe_subject": "{utility}: stopping outage notices",
    "unsubscribe_email_text": (
        "You can stop outage notices to this address by opening the link:\n{url}\n\n"
        "The link is valid for {days} days."
    ),
    "name_hint": "New residents only: a returning one logs in without it.",
    "too_many_wait": "Too many attempts. You can ask for a new code in {minutes} minutes.",
    "pin_format": "Type all four digits of the code. This try was not counted.",
    "delete_heading": "Confirm removal",
    "delete_text": "Remove this? {what}",
    "delete_yes": "Yes, remove",
    "address_incomplete": "Give the postal code, street and house number.",
    "postal_code_unknown": "We supply no addresses with this postal code. Check the postal code.",
    "street_elsewhere": "The street is in our area with another postal code.",
    "number_unknown": "The street has no such house number in our register. Its numbers:",
    "street_unknown": "There is no street of that name within the postal code.",
    "suggestions": "Did you mean:",
    "name_missing": "Add your name to the basic details, so we know you if you contact us.",
    "who_heading": "Who needs to register?",
    "privacy_controller": "Controller and contact",
    "privacy_retention": "Retention",
    "privacy_retention_text": (
        "Delivery logs are deleted after {days} days. A verification code is valid for "
        "{minutes} minutes. A registration is kept until you delete it or move out."
    ),
    "privacy_complaint": "Complaints",
    "privacy_complaint_text": (
        "You may complain to the Office of the Data Protection Ombudsman (tietosuoja.fi) "
        "if you think your data is handled unlawfully."
    ),
    "unverified": (
        "waiting for its code – nothing is sent to it until the code e-mailed to the "
        "address is typed here"
    ),
    "awaiting_proof": "not confirmed yet: its code has not been typed",
    "prove_first": (
        "Only a number or an address you have confirmed with its code can be blocked or "
        "allowed here. To stop messages to another number, reply STOP to a message; for an "
        "e-mail address, use the link in an outage e-mail."
    ),
    "proven": "Confirmed. Outage notices now go to it.",
    "send_code_to_address": "Send the code to the address",
    "code_sent_recently": (
        "A code was already sent to {to} within the last {resend} minutes, so no new one "
        "was sent now. Type the code from that message; you can ask for a new one in "
        "{wait} minutes."
    ),
    "type_code": "Type the code",
    "link_retired": (
        "E-mail addresses are no longer confirmed by opening a link. This link confirms "
        "nothing: whoever added the address types the code mailed to it in their own "
        "account."
    ),
    "proof_sms": (
        "{utility}: code {pin} adds this number to someone's outage notice account "
        "({minutes} min). Not you? Ignore it and give the code to no one."
    ),
    "proof_voice": (
        "Hello, this is {utility}. Someone asked to add this number to an outage notice "
        "account. The code is {digits}. Again: {digits}. If it was not you, do not give the "
        "code to anyone."
    ),
    "proof_email_subject": "{utility}: someone asked to add this e-mail address",
    "proof_email_text": (
        "Someone asked to add this e-mail address to an account in our outage notice "
        "portal. If it was you, type this code in the portal, in the account where you "
        "added the address:\n\n{pin}\n\nThe code is valid for {minutes} minutes. Typing it "
        "lets that account receive, and stop, the outage notices sent to this address. If "
        "it was not you, ignore this message: nothing changes. Do not give the code to "
        "anyone."
    ),
}

# The privacy page: headed paragraphs.
PRIVACY: list[tuple[str, str]] = [
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
]

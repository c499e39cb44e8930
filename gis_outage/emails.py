"""E-mail addresses as residents type them: one address, in one normal form."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email


def normalise_email(raw: str) -> str:
    """One e-mail address in lower case, or ValueError. A real validator (RFC 5322 and
    6531 syntax, no DNS look-up): a hand-made pattern let "a@b.org,attacker" through,
    and the mail went to both. Quoted local parts and bare hosts are refused."""
    value = raw.strip()
    if len(value) > 254:
        raise ValueError("too long for an e-mail address")
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise ValueError("not one e-mail address") from None
    return checked.normalized.lower()

"""`/.well-known/security.txt` (RFC 9116): where to report a vulnerability, from
`security.contact`; a 404 while none is set."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import PlainTextResponse

router = APIRouter(include_in_schema=False)

# RFC 9116 wants an expiry under a year ahead; the file is made per request, so it
# never goes stale while the setting stands.
VALID_FOR = timedelta(days=180)


@router.get("/.well-known/security.txt")
def security_txt(request: Request) -> PlainTextResponse:
    settings = request.app.state.settings
    contact = settings.security.contact
    if not contact:
        raise HTTPException(404, "no security contact is configured")
    if "://" not in contact and not contact.startswith(("mailto:", "tel:")):
        contact = f"mailto:{contact}" if "@" in contact else f"tel:{contact}"
    expires = (datetime.now(UTC) + VALID_FOR).replace(microsecond=0).isoformat()
    lines = [
        f"Contact: {contact}",
        f"Expires: {expires.replace('+00:00', 'Z')}",
        f"Preferred-Languages: {', '.join(settings.languages)}",
        f"Canonical: {settings.public_url}/.well-known/security.txt",
    ]
    return PlainTextResponse("\n".join(lines) + "\n")

"""The security headers of every response: one policy for the whole site.

Every page (map, portal, console, /oapi, the API docs) runs only script files from our
origin: no inline script or style, no plugin, no `<base>`, and no other site may frame
it. So text that got into a page unescaped still cannot run, and a script on one page
(the public OGC views, say) could not have been planted to read another (the portal).
Only the tile server named by `map.tile_url`, if any, is added to `img-src`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gis_outage.config import Settings


def content_security_policy(settings: Settings) -> str:
    images = ["'self'", "data:"]  # data: Swagger UI's icons, the blank tile of /oapi
    if settings.map.tile_url:
        # Leaflet's subdomain pattern ({s}.tile.example.org) stands for any of them.
        tiles = urlsplit(settings.map.tile_url.replace("{s}", "*"))
        images.append(f"{tiles.scheme}://{tiles.netloc}")
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {' '.join(images)}",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def security_headers(settings: Settings) -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(settings),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        # Portal links carry one-time tokens: no page tells another site where it was.
        "Referrer-Policy": "no-referrer",
    }


class SecurityHeaders:
    """Adds the headers to every HTTP response, errors and 304s included."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.headers = list(security_headers(settings).items())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers:
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)

"""The security headers of every response: one policy for the whole site.

Every page (map, portal, console, /oapi, the API docs) runs only script files from our
origin: no inline script or style, no plugin, no `<base>`, and no other site may frame
it. So text that got into a page unescaped still cannot run, and a script on one page
(the public OGC views, say) could not have been planted to read another (the portal).
Only the tile server named by `map.tile_url`, if any, is added to `img-src`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

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


def set_headers(message: Message, raw: list[tuple[bytes, bytes]], names: frozenset[bytes]) -> None:
    """Set `raw` (lower-case `names`) on a response start, replacing any of those names,
    in one pass over the headers (they come on every map request; starlette's
    MutableHeaders scans them once per header set). The message gets a new list: the one
    it holds may be a cached copy's."""
    kept = [h for h in message.get("headers", ()) if h[0].lower() not in names]
    message["headers"] = kept + raw


def raw_headers(headers: dict[str, str]) -> tuple[list[tuple[bytes, bytes]], frozenset[bytes]]:
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    return raw, frozenset(name for name, _ in raw)


class SecurityHeaders:
    """Adds the headers to every HTTP response, errors and 304s included."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.raw, self.names = raw_headers(security_headers(settings))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                set_headers(message, self.raw, self.names)
            await send(message)

        await self.app(scope, receive, send_with_headers)

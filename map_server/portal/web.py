"""What every portal page shares: rendering, cookies, CSRF, sessions, error pages and
no caching (the site adds its CSP, no framing, no referrer: link tokens stay put)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from gis_outage.storage.logins import get_session
from map_server.i18n import LANGUAGE_NAMES, pick_language

from .context import Portal, portal
from .i18n import strings
from .security import csrf_ok, csrf_token, new_token, token_hash

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")

SESSION, CHALLENGE, CSRF, LANG = "portal_session", "portal_pin", "portal_csrf", "portal_lang"
PROVE = "portal_prove"  # the code sent to a number or e-mail a logged-in resident added
# Notices a redirect may name in ?m= (keys only: nothing personal travels in a URL).
FLASH = frozenset(
    {
        "saved", "deleted", "opted_out", "opted_in", "erased", "logged_out",
        "welcome_new", "session_expired", "pin_dead", "unsubscribed", "proven",
    }
)  # fmt: skip
# The CSP, framing and referrer headers are the site's (map_server/headers.py).
SECURITY_HEADERS = {"Cache-Control": "no-store"}


class PortalError(Exception):
    """Ends a request with a notice page: a status and the key of its text."""

    def __init__(self, status: int, key: str, *, back: str | None = None) -> None:
        super().__init__(key)
        self.status, self.key, self.back = status, key, back


class Redirect(Exception):  # noqa: N818 - a control-flow signal, not an error
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


class PortalRoute(APIRoute):
    """Turns PortalError/Redirect into pages and adds the security headers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                response = await handler(request)
            except Redirect as jump:
                response = RedirectResponse(jump.url, status_code=303)
            except PortalError as error:
                response = render(
                    request, "portal/notice.html",
                    {"notice": error.key, "back": error.back}, status=error.status,
                )  # fmt: skip
            response.headers.update(SECURITY_HEADERS)
            return response

        return route


def cookie(p: Portal, name: str) -> str:
    # __Secure-: set only over HTTPS, with Secure. (__Host- would demand Path=/, and the
    # portal's cookies stay under /portal: the public pages never receive them.)
    return f"__Secure-{name}" if p.secure_cookies else name


def set_cookie(p: Portal, response: Response, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(
        cookie(p, name), value, max_age=max_age, path=p.cookie_path, secure=p.secure_cookies,
        httponly=True, samesite="lax",
    )  # fmt: skip


def clear_cookie(p: Portal, response: Response, name: str) -> None:
    response.delete_cookie(
        cookie(p, name), path=p.cookie_path, secure=p.secure_cookies, httponly=True,
        samesite="lax",
    )  # fmt: skip


def url(request: Request, path: str) -> str:
    """An absolute path under the app's root path."""
    return f"{request.scope.get('root_path', '')}{path}"


def language(request: Request, preferred: str | None = None) -> str:
    """?lang= first, then the language cookie, the subscriber's, the browser's."""
    p = portal(request)
    offered = p.languages
    for wanted in (request.query_params.get("lang"), request.cookies.get(cookie(p, LANG))):
        if wanted in offered:
            return wanted
    if preferred in offered:
        return preferred  # type: ignore[return-value]
    default = p.settings.default_language
    picked = pick_language(request, offered, default)
    return picked if picked in offered else (default if default in offered else offered[0])


def csrf_cookie_value(request: Request) -> tuple[str, bool]:
    """(the browser's CSRF cookie, or a new one, whether it is new)."""
    p = portal(request)
    known = request.cookies.get(cookie(p, CSRF))
    if known:
        return known, False
    made = getattr(request.state, "new_csrf", None)
    if made is None:
        made = request.state.new_csrf = new_token()
    return made, True


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    lang: str | None = None,
) -> HTMLResponse:
    p = portal(request)
    lang = lang or language(request, context.get("preferred_language"))
    csrf_value, new_csrf = csrf_cookie_value(request)
    session = request.cookies.get(cookie(p, SESSION))
    flash = request.query_params.get("m")
    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "lang": lang,
            "t": strings(lang),
            "languages": [(code, LANGUAGE_NAMES[code]) for code in p.languages],
            "csrf": csrf_token(p.secret, csrf_value, session),
            "root": request.scope.get("root_path", ""),
            "utility": p.settings.utility_name,
            "flash": flash if flash in FLASH else None,
            "here": _here(request),
            "logged_in": False,
            **context,
        },
        status_code=status,
    )
    if new_csrf:
        set_cookie(p, response, CSRF, csrf_value, None)
    if request.query_params.get("lang") in p.languages:
        set_cookie(p, response, LANG, request.query_params["lang"], 365 * 86400)
    return response


def _here(request: Request) -> str:
    """Where the language links lead: this page, or after a POST the page it came from."""
    path = request.url.path
    if request.method == "GET":
        return path
    root = request.scope.get("root_path", "")
    if path.startswith(f"{root}/portal/me"):
        return f"{root}/portal/me"
    if path == f"{root}/portal/start" or path == f"{root}/portal/logout":
        return f"{root}/portal/"
    return path  # /pin, /unsubscribe…: each has its own GET page


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token matches this browser's cookie and session."""
    p = portal(request)
    form = await request.form()
    sent = form.get("csrf")
    ok = csrf_ok(
        p.secret,
        sent if isinstance(sent, str) else None,
        request.cookies.get(cookie(p, CSRF)),
        request.cookies.get(cookie(p, SESSION)),
    )
    if not ok:
        raise PortalError(403, "forbidden")
    return form


@dataclass(frozen=True)
class PortalSession:
    token: str = field(repr=False)
    subscriber_id: int
    login_destination: str = field(repr=False)
    login_channel: str


def current_session(request: Request) -> PortalSession | None:
    p = portal(request)
    token = request.cookies.get(cookie(p, SESSION))
    if not token:
        return None
    row = get_session(p.db, token_hash(token), idle=p.config.session_idle)
    if row is None:
        return None
    return PortalSession(token, row.subscriber_id, row.destination, row.channel)


def require_session(request: Request) -> PortalSession:
    """The logged-in resident; anyone else is sent to the start page."""
    session = current_session(request)
    if session is None:
        raise Redirect(url(request, "/portal/?m=session_expired"))
    return session


def field_value(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""

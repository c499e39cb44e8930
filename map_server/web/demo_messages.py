"""/demo/messages: what residents would have received, in the demo only.

Registered only when the app runs the demo provider, so a production server
never has this page. Destinations are masked by the provider before they are kept.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from map_server.web.page import TEMPLATES

router = APIRouter(include_in_schema=False)


@router.get("/demo/messages", response_class=HTMLResponse)
def demo_messages(request: Request, limit: int = 100) -> HTMLResponse:
    worker = getattr(request.app.state, "worker", None)
    messages = worker.recent_messages(min(max(limit, 1), 500)) if worker else []
    return TEMPLATES.TemplateResponse(
        request, "demo_messages.html", {"messages": messages, "limit": limit}
    )

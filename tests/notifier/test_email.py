"""The SMTP client against a real aiosmtpd server on loopback."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from notifier.channels import Outcome
from notifier.channels.email import EmailContent, SmtpClient, SmtpConfig
from notifier.render import MessageContext, RenderConfig, render

RESIDENT = "asukas@example.org"


def _config(controller: Any, **options: Any) -> SmtpConfig:
    return SmtpConfig(
        host=controller.hostname, port=controller.port, from_address="katkot@hsy.example",
        from_name="Helsingin Vesi – käyttökatkot", **options,
    )


def _received(recorder: Any) -> EmailMessage:
    [envelope] = recorder.messages
    return message_from_bytes(envelope.original_content, policy=policy.default)  # type: ignore[return-value]


def test_message_arrives_with_headers_and_both_parts(smtp_server: tuple[Any, Any]) -> None:
    controller, recorder = smtp_server
    rendered = render(
        "planned_notice", "water", "fi", "email",
        MessageContext(utility_name="Helsingin Vesi", streets=["Mäkelänkatu", "Sturenkatu"],
                       starts_at=datetime(2025, 5, 13, 6, 0, tzinfo=UTC),
                       ends_at=datetime(2025, 5, 13, 12, 0, tzinfo=UTC),
                       map_url="https://hsy.example/k/1",
                       unsubscribe_url="https://hsy.example/u/tok"),
        config=RenderConfig(),
    )
    with SmtpClient(_config(controller, reply_to="asiakaspalvelu@hsy.example")) as client:
        result = client.send(EmailContent(
            to=RESIDENT, subject=rendered.subject or "", text=rendered.text, html=rendered.html,
            unsubscribe_url="https://hsy.example/u/tok", unsubscribe_mailto="pois@hsy.example",
            reference="delivery-42",
        ))
    assert result.outcome is Outcome.ACCEPTED
    [envelope] = recorder.messages
    assert envelope.mail_from == "katkot@hsy.example"
    assert envelope.rcpt_tos == [RESIDENT]
    msg = _received(recorder)
    assert msg["Subject"] == "Vesikatko ti 13.5. klo 9.00–15.00 – Mäkelänkatu ja Sturenkatu"
    assert msg["From"].addresses[0].display_name == "Helsingin Vesi – käyttökatkot"
    assert msg["To"] == RESIDENT
    assert msg["Reply-To"] == "asiakaspalvelu@hsy.example"
    assert msg["Message-ID"] == result.provider_message_id
    assert msg["Message-ID"].endswith("@hsy.example>")
    assert msg["List-Unsubscribe"].strip() == (  # folded after the colon: legal, unfolds
        "<https://hsy.example/u/tok>, <mailto:pois@hsy.example?subject=unsubscribe>"
    )
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["X-Notification-Reference"] == "delivery-42"
    assert msg["Date"]
    # Headers travel as 7-bit: the UTF-8 subject is RFC 2047-encoded on the wire.
    raw_subject = next(
        line for line in envelope.original_content.split(b"\r\n") if line.startswith(b"Subject:")
    )
    assert raw_subject.isascii() and b"=?utf-8?" in raw_subject.lower()
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "Varaa juomavettä etukäteen." in text
    assert "Peru tilaus: https://hsy.example/u/tok" in text
    assert '<a href="https://hsy.example/k/1">' in html


def test_text_only_without_unsubscribe(smtp_server: tuple[Any, Any]) -> None:
    controller, recorder = smtp_server
    with SmtpClient(_config(controller)) as client:
        result = client.send(EmailContent(to=RESIDENT, subject="Ärrä", text="Hei!"))
    assert result.accepted
    msg = _received(recorder)
    assert msg.get_content_type() == "text/plain"
    assert msg["List-Unsubscribe"] is None
    assert msg["Subject"] == "Ärrä"


def test_one_connection_for_many_messages(smtp_server: tuple[Any, Any]) -> None:
    controller, recorder = smtp_server
    with SmtpClient(_config(controller)) as client:
        results = [
            client.send(EmailContent(to=f"r{i}@example.org", subject="s", text="t"))
            for i in range(5)
        ]
    assert all(r.accepted for r in results)
    assert len({r.provider_message_id for r in results}) == 5
    assert len(recorder.messages) == 5


def test_refused_recipients(smtp_server: tuple[Any, Any]) -> None:
    controller, recorder = smtp_server
    recorder.refuse = {"gone@example.org": "550 5.1.1 No such user",
                       "full@example.org": "452 4.2.2 Mailbox full"}
    with SmtpClient(_config(controller)) as client:
        gone = client.send(EmailContent(to="gone@example.org", subject="s", text="t"))
        full = client.send(EmailContent(to="full@example.org", subject="s", text="t"))
        fine = client.send(EmailContent(to=RESIDENT, subject="s", text="t"))
    assert gone.outcome is Outcome.PERMANENT_FAILURE
    assert full.outcome is Outcome.TEMPORARY_FAILURE
    assert fine.accepted


def test_unreachable_server_is_temporary() -> None:
    from .conftest import free_port

    client = SmtpClient(SmtpConfig(host="127.0.0.1", port=free_port(), timeout=2))
    result = client.send(EmailContent(to=RESIDENT, subject="s", text="t"))
    assert result.outcome is Outcome.TEMPORARY_FAILURE


def test_starttls_and_login(
    smtp_tls_server: tuple[Any, Any], tls_files: tuple[Path, Path]
) -> None:
    controller, recorder = smtp_tls_server
    context = ssl.create_default_context(cafile=str(tls_files[0]))
    config = _config(controller, starttls=True, username="notifier", password="secret",
                     ssl_context=context)
    with SmtpClient(config) as client:
        result = client.send(EmailContent(to=RESIDENT, subject="Sähkökatko", text="Hei!"))
    assert result.accepted
    assert recorder.logins == ["notifier"]
    assert _received(recorder)["Subject"] == "Sähkökatko"


def test_wrong_password_is_temporary(
    smtp_tls_server: tuple[Any, Any], tls_files: tuple[Path, Path]
) -> None:
    controller, recorder = smtp_tls_server
    context = ssl.create_default_context(cafile=str(tls_files[0]))
    config = _config(controller, starttls=True, username="notifier", password="wrong",
                     ssl_context=context, timeout=3)
    result = SmtpClient(config).send(EmailContent(to=RESIDENT, subject="s", text="t"))
    assert result.outcome is Outcome.TEMPORARY_FAILURE  # our configuration, not the address
    assert recorder.messages == []

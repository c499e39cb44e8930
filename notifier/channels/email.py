"""E-mail over SMTP: plain text with a simple HTML alternative, one connection reused.

Every message carries List-Unsubscribe (and List-Unsubscribe-Post for one-click when the
link is https, RFC 8058) so mail clients show an unsubscribe button, and
Auto-Submitted so out-of-office replies are not sent back.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from .base import Outcome, SendResult

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 587
    from_address: str = "noreply@example.org"
    from_name: str = ""
    reply_to: str | None = None
    starttls: bool = False
    implicit_tls: bool = False  # SMTPS on port 465
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)
    message_id_domain: str | None = None  # defaults to the sender's domain
    name: str = "smtp"


@dataclass(frozen=True)
class EmailContent:
    to: str = field(repr=False)
    subject: str = field(repr=False)
    text: str = field(repr=False)
    html: str | None = field(default=None, repr=False)
    unsubscribe_url: str | None = field(default=None, repr=False)
    unsubscribe_mailto: str | None = field(default=None, repr=False)
    reference: str | None = None  # the caller's id, sent as X-Notification-Reference


def build_message(config: SmtpConfig, content: EmailContent) -> EmailMessage:
    """The MIME message: text/plain, plus text/html as an alternative when given."""
    msg = EmailMessage()
    domain = config.message_id_domain or config.from_address.rpartition("@")[2] or None
    username, _, sender_domain = config.from_address.rpartition("@")
    msg["From"] = Address(config.from_name, username, sender_domain)
    msg["To"] = content.to
    msg["Subject"] = content.subject  # non-ASCII is RFC 2047-encoded by the policy
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain=domain)
    if config.reply_to:
        msg["Reply-To"] = config.reply_to
    targets = []
    if content.unsubscribe_url:
        targets.append(f"<{content.unsubscribe_url}>")
    if content.unsubscribe_mailto:
        targets.append(f"<mailto:{content.unsubscribe_mailto}?subject=unsubscribe>")
    if targets:
        msg["List-Unsubscribe"] = ", ".join(targets)
        if content.unsubscribe_url and content.unsubscribe_url.startswith("https://"):
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Auto-Submitted"] = "auto-generated"
    if content.reference:
        msg["X-Notification-Reference"] = content.reference
    # quoted-printable rather than 8bit: every relay on the way takes it
    msg.set_content(content.text, charset="utf-8", cte="quoted-printable")
    if content.html:
        msg.add_alternative(content.html, subtype="html", charset="utf-8", cte="quoted-printable")
    return msg


class SmtpClient:
    """Sends over one SMTP connection, reconnecting when the server has dropped it."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        context = cfg.ssl_context or ssl.create_default_context()
        smtp: smtplib.SMTP
        if cfg.implicit_tls:
            smtp = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout, context=context)
        else:
            smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
        try:
            smtp.ehlo()
            if cfg.starttls:
                smtp.starttls(context=context)
                smtp.ehlo()
            if cfg.username:
                smtp.login(cfg.username, cfg.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def __enter__(self) -> SmtpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, content: EmailContent) -> SendResult:
        """Send one e-mail; the Message-ID is the provider message id."""
        msg = build_message(self.config, content)
        message_id = msg["Message-ID"]
        for attempt in (1, 2):
            if self._smtp is None:
                try:
                    self._smtp = self._connect()
                except (smtplib.SMTPException, OSError) as exc:
                    # Unreachable, TLS or login trouble is ours, not the recipient's.
                    error = f"connect: {exc.__class__.__name__}"
                    return self._fail(Outcome.TEMPORARY_FAILURE, error)
            try:
                refused = self._smtp.send_message(msg)
            except smtplib.SMTPServerDisconnected:
                self._smtp = None
                if attempt == 1:
                    continue  # the server closed an idle connection: reconnect once
                return self._fail(Outcome.TEMPORARY_FAILURE, "disconnected")
            except smtplib.SMTPRecipientsRefused as exc:
                code = next(iter(exc.recipients.values()))[0]
                return self._fail(_by_code(code), f"recipient refused {code}")
            except smtplib.SMTPResponseException as exc:
                self._reset()
                return self._fail(_by_code(exc.smtp_code), f"smtp {exc.smtp_code}")
            except (smtplib.SMTPException, OSError) as exc:
                self.close()
                return self._fail(Outcome.TEMPORARY_FAILURE, exc.__class__.__name__)
            if refused:
                code = next(iter(refused.values()))[0]
                return self._fail(_by_code(code), f"recipient refused {code}")
            return SendResult(Outcome.ACCEPTED, self.config.name, message_id, (message_id,))
        raise AssertionError("unreachable")

    def _reset(self) -> None:
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def _fail(self, outcome: Outcome, error: str) -> SendResult:
        log.warning("%s: send failed: %s", self.config.name, error)
        return SendResult(outcome, self.config.name, error=error)


def _by_code(code: int) -> Outcome:
    """5xx is the server's final word; 4xx and anything odd may work later."""
    return Outcome.PERMANENT_FAILURE if 500 <= code < 600 else Outcome.TEMPORARY_FAILURE

"""No phone number, e-mail address or message text reaches a log line or a repr."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from notifier.channels import InboundMessage, SmsMessage
from notifier.channels.email import EmailContent, SmtpClient, SmtpConfig
from notifier.channels.http_sms import HttpSmsClient, HttpSmsConfig
from notifier.channels.smpp import SmppClient, SmppConfig

from .conftest import HttpGateway

NUMBER, DIGITS = "+358401112223", "401112223"
EMAIL = "matti.meikalainen@example.org"
SECRET_TEXT = "Matti Meikäläinen Kotikatu 5"


def test_nothing_personal_in_logs(
    caplog: pytest.LogCaptureFixture, smpp_server_factory: Any, smtp_server: Any,
    http_gateway: HttpGateway,
) -> None:
    caplog.set_level(logging.DEBUG)  # smpplib's own DEBUG output included
    server = smpp_server_factory(reject_destinations={"358409998887": 0x0B})
    inbound: list[InboundMessage] = []
    config = SmppConfig("127.0.0.1", server.port, "utility", "bind-password")
    with SmppClient(config, on_inbound=inbound.append) as client:
        results = client.send_many([
            SmsMessage(NUMBER, SECRET_TEXT), SmsMessage("+358409998887", SECRET_TEXT),
        ])
        server.send_mo(NUMBER, "Notice", "STOP")
        deadline = time.monotonic() + 5
        while not inbound and time.monotonic() < deadline:
            time.sleep(0.01)
    assert inbound and results[0].accepted and not results[1].accepted

    controller, recorder = smtp_server
    recorder.refuse = {"gone@example.org": "550 5.1.1 No such user"}
    with SmtpClient(SmtpConfig(host=controller.hostname, port=controller.port)) as smtp:
        smtp.send(EmailContent(to=EMAIL, subject=SECRET_TEXT, text=SECRET_TEXT))
        smtp.send(EmailContent(to="gone@example.org", subject=SECRET_TEXT, text=SECRET_TEXT))

    http_gateway.status = 400
    with HttpSmsClient(HttpSmsConfig(url=http_gateway.url, token="api-token")) as http:
        http.send(SmsMessage(NUMBER, SECRET_TEXT))

    # aiosmtpd's "mail.log" is the test server's own log, not ours
    ours = [r for r in caplog.records if not r.name.startswith("mail.")]
    logged = "\n".join(r.getMessage() + repr(r.args) + str(r.exc_text) for r in ours)
    assert ours  # something was logged, so the check means something
    for secret in (DIGITS, EMAIL, "gone@example.org", "Meikäläinen", "bind-password",
                   "api-token", "9998887"):
        assert secret not in logged, secret
    for value in (*results, inbound[0], SmsMessage(NUMBER, SECRET_TEXT),
                  EmailContent(to=EMAIL, subject=SECRET_TEXT, text=SECRET_TEXT)):
        assert DIGITS not in repr(value) and EMAIL not in repr(value)
        assert "Meikäläinen" not in repr(value)

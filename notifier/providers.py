"""Channel providers as the pipeline sees them, and failover between them.

Each channel has an ordered chain of providers (primary first). A message that a
provider could not take for a reason that may pass (temporary failure) is offered to
the next provider at once; a provider that failed is tried last for a cool-down
period, so a dead primary does not slow every batch. A permanent failure is final:
another provider will not make a wrong number right.

A provider that answers, but slowly (its mean response time in a batch above
`slow_after`), is put last for the cool-down like a failed one: the batches after it go
to the next provider. The slow batch itself is not sent again elsewhere: its messages
were submitted and wait for their answers, so failing over cannot duplicate them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from gis_outage.config import NotifySettings, Settings, secret
from gis_outage.model import Channel

from .channels.base import (
    Admit,
    DeliveryReceipt,
    InboundMessage,
    Outcome,
    Outgoing,
    SendResult,
)
from .smpp_provider import SmppProvider as SmppProvider
from .smpp_provider import sms_message

log = logging.getLogger(__name__)


ResultCallback = Callable[[int, SendResult], None]  # (index in the batch, result)


class Provider(Protocol):
    name: str

    def send_batch(
        self, items: Sequence[Outgoing], on_result: ResultCallback | None = None
    ) -> list[SendResult]:
        """One result per item, in order; never raises for a provider problem.

        `on_result` is called once per item as soon as its result is known (from any
        thread), so the caller can record sends while the rest are still going out.
        A provider whose class says `admits = True` also takes `admit` (`Admit`) and asks
        it before each item.
        """
        ...

    def close(self) -> None: ...


def _each(
    items: Sequence[Any],
    send: Callable[[Any], SendResult],
    on_result: ResultCallback | None,
    admit: Admit | None = None,
) -> list[SendResult]:
    """Send one at a time, reporting each result as it comes."""
    results = []
    for index, item in enumerate(items):
        if admit is not None:
            admit(index, True)
        result = send(item)
        results.append(result)
        if on_result is not None:
            on_result(index, result)
    return results


class HttpSmsProvider:
    admits = True

    def __init__(self, client: Any) -> None:
        self.client = client
        self.name = client.config.name

    def send_batch(
        self,
        items: Sequence[Outgoing],
        on_result: ResultCallback | None = None,
        admit: Admit | None = None,
    ) -> list[SendResult]:
        return _each(items, lambda i: self.client.send(sms_message(i)), on_result, admit)

    def close(self) -> None:
        self.client.close()


class SmtpProvider:
    admits = True

    def __init__(self, client: Any) -> None:
        self.client = client
        self.name = client.config.name
        self._lock = threading.Lock()  # one SMTP connection: one conversation at a time

    def send_batch(
        self,
        items: Sequence[Outgoing],
        on_result: ResultCallback | None = None,
        admit: Admit | None = None,
    ) -> list[SendResult]:
        from .channels.email import EmailContent

        def send(i: Outgoing) -> SendResult:
            return self.client.send(
                EmailContent(
                    to=i.destination,
                    subject=i.message.subject or "",
                    text=i.message.text,
                    html=i.message.html,
                    unsubscribe_url=i.unsubscribe_url,
                    reference=str(i.delivery_id),
                )
            )

        with self._lock:
            return _each(items, send, on_result, admit)

    def close(self) -> None:
        self.client.close()


class ProviderChain:
    """The providers of one channel in order of preference, with failover."""

    def __init__(
        self,
        channel: Channel | str,
        providers: Sequence[Provider],
        *,
        cooldown: float = 60.0,
        slow_after: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not providers:
            raise ValueError(f"no provider for {channel}")
        self.channel = Channel(channel)
        self.providers = list(providers)
        self.cooldown = cooldown
        self.slow_after = slow_after  # None: speed is not watched
        self._clock = clock
        self._failed_at: dict[str, float] = {}

    def _order(self) -> list[Provider]:
        now = self._clock()
        healthy = [
            p for p in self.providers if now - self._failed_at.get(p.name, -1e18) > self.cooldown
        ]
        return healthy + [p for p in self.providers if p not in healthy]

    def send(
        self,
        items: Sequence[Outgoing],
        on_result: ResultCallback | None = None,
        *,
        admit: Admit | None = None,
        release: Callable[[int], None] | None = None,
    ) -> list[SendResult]:
        """Results in order; `on_result` gets each final one (a temporary failure is final
        only once the last provider has had it).

        `admit(index, block)` is asked before an item goes to a provider that takes it
        (`admits`); `release(index)` is told when a provider is done with an item that
        `on_result` does not get (a temporary failure that goes on to the next one)."""
        results: list[SendResult | None] = [None] * len(items)
        todo = list(range(len(items)))
        order = self._order()
        for position, provider in enumerate(order):
            if not todo:
                break
            last = position == len(order) - 1
            batch = list(todo)

            def forward(k: int, result: SendResult, batch=batch, last=last) -> None:
                if last or result.outcome is not Outcome.TEMPORARY_FAILURE:
                    if on_result is not None:
                        on_result(batch[k], result)
                elif release is not None:
                    release(batch[k])

            started = time.monotonic()
            chunk = [items[i] for i in batch]
            if admit is not None and getattr(provider, "admits", False):
                answers = provider.send_batch(
                    chunk, forward, admit=lambda k, block, batch=batch: admit(batch[k], block)
                )
            else:
                answers = provider.send_batch(chunk, forward)
            slow = self._slow(provider, started)
            retry = []
            for index, result in zip(batch, answers, strict=True):
                results[index] = result
                if result.outcome is Outcome.TEMPORARY_FAILURE:
                    retry.append(index)
            if retry and len(retry) == len(batch):
                # Nothing got through: the provider, not the messages, is the trouble.
                self._failed_at[provider.name] = self._clock()
                log.warning(
                    "%s: provider %s failed %d messages%s",
                    self.channel,
                    provider.name,
                    len(retry),
                    "" if last else "; failing over",
                )
            elif slow:
                self._failed_at[provider.name] = self._clock()
                log.warning(
                    "%s: provider %s answers slowly (%.1f s on average)%s",
                    self.channel,
                    provider.name,
                    slow,
                    "" if last else "; next batches go to the next provider",
                )
            elif len(retry) < len(batch):
                self._failed_at.pop(provider.name, None)
            todo = retry
        return [r for r in results if r is not None]

    def _slow(self, provider: Provider, since: float) -> float:
        """The provider's response time in seconds since `since` when over `slow_after`,
        else 0 (also for providers that do not measure it)."""
        measure = getattr(provider, "response_time", None)
        if self.slow_after is None or measure is None:
            return 0.0
        seconds = float(measure(since))
        return seconds if seconds > self.slow_after else 0.0

    def close(self) -> None:
        for provider in self.providers:
            try:
                provider.close()
            except Exception as exc:  # closing is best effort
                log.warning("closing %s failed: %s", provider.name, exc.__class__.__name__)


class Providers:
    """A chain per channel. Channels without one are not sent (see the pipeline)."""

    def __init__(self, chains: Mapping[Channel | str, ProviderChain]) -> None:
        self.chains = {Channel(k): v for k, v in chains.items()}

    @classmethod
    def single(cls, provider: Provider, channels: Sequence[Channel] = tuple(Channel)):
        return cls({c: ProviderChain(c, [provider]) for c in channels})

    def get(self, channel: Channel | str) -> ProviderChain | None:
        return self.chains.get(Channel(channel))

    def close(self) -> None:
        closed: set[int] = set()
        for chain in self.chains.values():
            for provider in chain.providers:
                if id(provider) not in closed:
                    closed.add(id(provider))
                    try:
                        provider.close()
                    except Exception as exc:
                        log.warning("closing %s: %s", provider.name, exc.__class__.__name__)


ReceiptHandler = Callable[[DeliveryReceipt], None]
InboundHandler = Callable[[InboundMessage], None]


def build_providers(
    settings: Settings,
    *,
    on_receipt: ReceiptHandler | None = None,
    on_inbound: InboundHandler | None = None,
    shared_rates: bool = False,
) -> Providers:
    """Provider chains from the settings' provider names (demo, smpp, smpp2, http, smtp, sip).

    `shared_rates`: an SMPP account's rate is kept in Redis for every process sending
    through it (Celery workers), not in this process alone (the embedded worker).
    """
    notifier = settings.notify
    made: dict[str, Provider] = {}
    store = rate_store(settings) if shared_rates else None

    def provider(name: str) -> Provider:
        if name not in made:
            if name in ("smpp", "smpp2"):
                made[name] = _smpp(name, notifier, store, on_receipt, on_inbound)
            else:
                made[name] = _make(name, notifier, settings.data_dir, on_receipt, on_inbound)
        return made[name]

    chains = {}
    for channel in Channel:
        names = notifier.provider_names(channel.value)
        if names:
            chains[channel] = ProviderChain(
                channel,
                [provider(n) for n in names],
                cooldown=notifier.provider_cooldown_seconds,
                slow_after=notifier.provider_slow_seconds,
            )
    return Providers(chains)


def rate_store(settings: Settings) -> str | None:
    """The Redis URL that keeps SMPP accounts' rates for all processes, if any."""
    url = settings.notify.rate_limit_url or settings.broker_url or ""
    return url if url.startswith(("redis://", "rediss://", "unix://")) else None


def _smpp(
    name: str,
    s: NotifySettings,
    store: str | None,
    on_receipt: ReceiptHandler | None,
    on_inbound: InboundHandler | None,
) -> Provider:
    """An SMPP account's binds, paced each at its own rate and together at the account's."""
    from .channels.ratelimit import Limiter, RateLimiter, shared_limiter
    from .channels.smpp import SmppClient, SmppConfig

    second = name == "smpp2"
    if second and not s.smpp2_host:
        raise ValueError("provider smpp2 needs GIS_OUTAGE_NOTIFY_SMPP2_HOST")
    binds = s.smpp2_binds if second else s.smpp_binds
    rate = s.smpp2_max_per_second if second else s.smpp_max_per_second
    account_rate = s.smpp2_account_max_per_second if second else s.smpp_account_max_per_second
    account_rate = account_rate or (binds * rate if rate else None)
    host = (s.smpp2_host if second else s.smpp_host) or ""
    port = s.smpp2_port if second else s.smpp_port
    system_id = s.smpp2_system_id if second else s.smpp_system_id
    config = SmppConfig(
        host=host,
        port=port,
        system_id=system_id,
        password=secret(s.smpp2_password if second else s.smpp_password) or "",
        sender=s.smpp_sender,
        window=s.smpp_window,
        max_per_second=rate,
        name=name,
    )
    account: Limiter | None = None
    if account_rate and (binds > 1 or store or account_rate != rate):
        burst = max(1.0, account_rate * s.smpp_account_burst_seconds)
        if store:
            key = f"gis-outage:smpp-rate:{system_id}@{host}:{port}"
            # 5 ms of the account's rate per round trip to Redis, within a quarter burst
            batch = int(min(account_rate / 200, burst / 4))
            account = shared_limiter(store, key, account_rate, burst, batch=max(1, batch))
        else:
            account = RateLimiter(account_rate, burst)
    clients = [
        SmppClient(config, on_receipt=on_receipt, on_inbound=on_inbound, account=account)
        for _ in range(binds)
    ]
    return SmppProvider(*clients)


def _make(
    name: str,
    s: NotifySettings,
    data_dir: Path,
    on_receipt: ReceiptHandler | None,
    on_inbound: InboundHandler | None,
) -> Provider:
    if name == "demo":
        from .channels.demo import DemoProvider

        return DemoProvider(data_dir, voice_audio=s.demo_voice_audio)
    if name == "http":
        from .channels.http_sms import HttpSmsClient, HttpSmsConfig

        if not s.http_sms_url:
            raise ValueError("provider http needs GIS_OUTAGE_NOTIFY_HTTP_SMS_URL")
        return HttpSmsProvider(
            HttpSmsClient(
                HttpSmsConfig(url=s.http_sms_url, token=secret(s.http_sms_token),
                              sender=s.smpp_sender)
            )
        )
    if name == "smtp":
        from .channels.email import SmtpClient, SmtpConfig

        return SmtpProvider(
            SmtpClient(
                SmtpConfig(
                    host=s.smtp_host,
                    port=s.smtp_port,
                    from_address=s.smtp_from,
                    from_name=s.smtp_from_name,
                    starttls=s.smtp_starttls,
                    username=s.smtp_username,
                    password=secret(s.smtp_password),
                )
            )
        )
    if name == "sip":
        from .channels.sip import SipConfig, SipProvider

        return SipProvider(
            SipConfig(
                host=s.sip_host,
                port=s.sip_port,
                transport=s.sip_transport,
                username=s.sip_username,
                password=secret(s.sip_password),
                caller_id=s.sip_from,
                register=s.sip_register,
                max_calls=s.sip_max_calls,
                ring_timeout=s.sip_ring_timeout_seconds,
                number_prefix=s.sip_number_prefix,
                local_port=s.sip_local_port,
                rtp_port=s.sip_rtp_port,
                rtp_port_range=s.sip_rtp_port_range,
            ),
            on_receipt=on_receipt,
        )
    raise ValueError(f"unknown provider {name!r} (demo, smpp, smpp2, http, smtp, sip)")

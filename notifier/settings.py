"""Notifier settings: policies, retries and providers, from GIS_OUTAGE_NOTIFY_* variables.

Utility-wide settings (timezone, languages, data dir, broker) stay in
`gis_outage.config.Settings`; these are the notifier's own.
"""

from __future__ import annotations

from datetime import time, timedelta
from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

UnknownNumberPolicy = Literal["sms", "voice", "skip"]


class NotifierSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="GIS_OUTAGE_NOTIFY_", env_file=".env", extra="ignore"
    )

    # -- what messages say -------------------------------------------------------------
    utility_name: str = "gis-outage"
    public_url: str | None = Field(default=None, description="Map link base, e.g. https://…")
    contact_phone: str | None = None
    unsubscribe_url: str | None = Field(
        default=None, description="Opt-out page in e-mails; default the portal's under public_url"
    )

    # -- recipients --------------------------------------------------------------------
    subscription_replaces_directory: bool = Field(
        default=True, description="A registered number replaces directory numbers there"
    )
    unknown_number_channel: UnknownNumberPolicy = Field(
        default="sms", description="Channel for numbers neither mobile nor fixed line"
    )
    min_age: int = 16

    # -- policies ----------------------------------------------------------------------
    electricity_min_minutes: float = Field(
        default=3.0, description="Shorter electricity outages are not messaged"
    )
    restoration_change_min_minutes: float = Field(
        default=30.0, description="A new restoration time is messaged if it moves more"
    )
    quiet_hours_start: time | None = time(21, 0)
    quiet_hours_end: time | None = time(8, 0)
    planned_notice_days: int | None = Field(
        default=7, description="Planned works are announced at most this many days ahead"
    )
    reminder_hour: int = Field(default=10, description="Local hour of day-before reminders")

    # -- delivery ----------------------------------------------------------------------
    max_attempts: int = 5
    retry_backoff_seconds: float = 30.0  # doubles per attempt
    retry_backoff_max_seconds: float = 3600.0
    delivery_lease_seconds: float = Field(
        default=120.0, description="A claimed, unconfirmed send is retried after this"
    )
    batch_size: int = Field(
        default=500,
        ge=1,
        description="Deliveries claimed at once; each batch ends by waiting for its last "
        "answers, so fewer, larger batches keep the SMSC busier",
    )
    record_every: int = Field(
        default=20, description="Send outcomes are written in groups this small"
    )
    provider_cooldown_seconds: float = Field(
        default=60.0, description="A provider that failed is tried last for this long"
    )
    provider_slow_seconds: float | None = Field(
        default=5.0,
        gt=0,
        description="A provider whose answers take longer on average in a batch is "
        "tried last for the cool-down, like a failed one",
    )
    outbox_lease_seconds: float = Field(
        default=600.0, description="An event a worker holds is taken over after this"
    )
    poll_seconds: float = 0.5  # embedded worker: how often to look at the outbox

    # -- Celery ------------------------------------------------------------------------
    drain_seconds: float = Field(default=2.0, description="Beat: how often to drain the outbox")
    queue_prefix: str = Field(default="", description="Before each queue name (shared brokers)")
    send_task_grace_seconds: float = Field(
        default=600.0,
        gt=0,
        description="A queued, never-tried delivery younger than this is presumed on its "
        "way through the broker; older, it is sent again (a broker that lost its task)",
    )

    # -- providers (comma-separated names, primary first) --------------------------------
    sms_providers: str = "demo"
    email_providers: str = "demo"
    voice_providers: str = "demo"
    smpp_host: str = "127.0.0.1"
    smpp_port: int = 2775
    smpp_system_id: str = "gis-outage"
    smpp_password: str = Field(default="", repr=False)
    smpp_sender: str = "Notice"
    smpp_window: int = 10
    smpp_max_per_second: float | None = None
    smpp2_host: str | None = None  # a second SMPP provider for failover
    smpp2_port: int = 2775
    smpp2_system_id: str = "gis-outage"
    smpp2_password: str = Field(default="", repr=False)
    http_sms_url: str | None = None
    http_sms_token: str | None = Field(default=None, repr=False)
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_from: str = "noreply@example.org"
    smtp_from_name: str = ""
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = Field(default=None, repr=False)
    # voice calls through a SIP trunk (provider "sip")
    sip_host: str = "127.0.0.1"
    sip_port: int = Field(default=5060, ge=1, le=65535)
    sip_transport: Literal["udp", "tcp"] = "udp"
    sip_username: str | None = Field(default=None, description="Answers a 401/407 challenge")
    sip_password: str | None = Field(default=None, repr=False)
    sip_from: str | None = Field(default=None, description="Caller id: number, user or sip: URI")
    sip_register: bool = False
    sip_number_prefix: str = Field(default="+", description="Replaces the + of E.164 numbers")
    sip_max_calls: int = Field(default=4, ge=1, le=32, description="Calls at once")
    sip_ring_timeout_seconds: float = Field(default=45.0, gt=0)
    sip_local_port: int = Field(default=0, ge=0, le=65535, description="0: any free port")
    sip_rtp_port: int = Field(default=4000, ge=1024, le=65535, description="First RTP port")
    sip_rtp_port_range: int = Field(default=0, ge=0, description="0: as many as needed")
    demo_voice_audio: bool = Field(
        default=False, description="Demo provider also speaks voice messages to WAV"
    )

    def batch_for(self, channel: str) -> int:
        """Deliveries claimed at once on a channel.

        A call lasts the ring time and two playings of the message, so a voice batch is
        only the calls placed at once: each claim is then done within its lease, and no
        call waits in a batch long enough to be claimed and made a second time. For the
        same reason an SMS batch on a throttled SMPP bind is what it sends in half a
        lease.
        """
        if channel == "voice":
            return self.sip_max_calls
        if channel == "sms" and self.smpp_max_per_second:
            # A throttled bind must get through a batch well within the lease.
            paced = int(self.smpp_max_per_second * self.delivery_lease_seconds / 2)
            return max(1, min(self.batch_size, paced))
        return self.batch_size

    def backoff(self, attempts: int) -> timedelta:
        """Wait before attempt `attempts + 1` after a temporary failure."""
        seconds = self.retry_backoff_seconds * 2 ** max(0, attempts - 1)
        return timedelta(seconds=min(seconds, self.retry_backoff_max_seconds))

    @property
    def opt_out_url(self) -> str | None:
        if self.unsubscribe_url or not self.public_url:
            return self.unsubscribe_url
        return f"{self.public_url.rstrip('/')}/portal/unsubscribe"

    def under(self, public_url: str | None) -> NotifierSettings:
        """These settings with the map server's public address (GIS_OUTAGE_PUBLIC_URL)
        as the base of map links and of the opt-out page, unless
        GIS_OUTAGE_NOTIFY_PUBLIC_URL gives one of its own."""
        if self.public_url is not None or not public_url:
            return self
        return self.model_copy(update={"public_url": public_url})

    @property
    def send_task_grace(self) -> timedelta:
        return timedelta(seconds=self.send_task_grace_seconds)

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.delivery_lease_seconds)

    def provider_names(self, channel: str) -> list[str]:
        raw = {
            "sms": self.sms_providers,
            "email": self.email_providers,
            "voice": self.voice_providers,
        }[channel]
        return [name.strip() for name in raw.split(",") if name.strip()]


@lru_cache
def get_notifier_settings() -> NotifierSettings:
    return NotifierSettings()

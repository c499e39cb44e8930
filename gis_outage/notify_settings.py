"""The notifier's section of the settings tree (`[notify]`, `GIS_OUTAGE_NOTIFY_*`), and
the base of every section; `gis_outage.config` assembles the tree."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from .model import Channel, CriticalCategory
from .settings_text import CommaList

UnknownNumberPolicy = Literal["sms", "voice", "skip"]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NotifySettings(Section):
    """The notifier: who is messaged, when, and through which providers."""

    contact_phone: str | None = None
    unsubscribe_url: str | None = Field(
        default=None, description="Opt-out page in e-mails; default the portal's under public_url"
    )
    # -- recipients --------------------------------------------------------------------
    subscription_replaces_directory: Literal["own", "facility"] = Field(
        default="own", description="A registration replaces the registrant's own directory "
        "numbers, or (facility) every one of its facility: the house, or the apartment")
    one_contact_per_facility: bool = Field(
        default=False, description="One phone and one e-mail per service per facility")
    unknown_number_channel: UnknownNumberPolicy = Field(
        default="sms", description="Channel for numbers neither mobile nor fixed line"
    )
    min_age: int = 16
    critical_voice: Annotated[list[CriticalCategory], NoDecode, CommaList] = Field(
        default=[CriticalCategory.HOME_DIALYSIS, CriticalCategory.CARE_HOME],
        description="Critical customers of these categories (comma-separated; none: no "
        "one) get a call too where they get SMS")
    sms_fold_diacritics: bool = Field(default=False, description="SMS: š → s so lt fits GSM-7")
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
        default=500, ge=1,
        description="Deliveries claimed at once; each batch ends by waiting for its last "
        "answers, so fewer, larger batches keep the SMSC busier",
    )
    record_every: int = Field(default=20, description="Send outcomes are written in groups")
    provider_cooldown_seconds: float = Field(
        default=60.0, description="A provider that failed is tried last for this long"
    )
    provider_slow_seconds: float | None = Field(
        default=5.0, gt=0,
        description="A provider whose answers take longer on average in a batch is "
        "tried last for the cool-down, like a failed one",
    )
    outbox_lease_seconds: float = Field(
        default=600.0, gt=0, description="An event a worker holds is taken over after this"
    )
    recheck_seconds: float = Field(
        default=30.0, gt=0,
        description="An event still sending is looked at again this often (retries, lost tasks)",
    )
    poll_seconds: float = Field(default=0.5, gt=0, description="Embedded worker: outbox polls")
    address_slice: int = Field(
        default=2000, gt=0,
        description="An event's addresses resolved and queued at a time (under Celery, "
        "a resolve task per slice)",
    )
    receipt_hold_seconds: float = Field(
        default=60.0, gt=0,
        description="A receipt that arrives before its send is recorded is tried this long",
    )
    receipt_window_hours: float = Field(default=72.0, gt=0, description="A receipt is "
                                        "matched only to a send this recent (ids get reused)")
    # -- Celery ------------------------------------------------------------------------
    drain_seconds: float = Field(default=2.0, description="Beat: how often to drain the outbox")
    queue_prefix: str = Field(default="", description="Before each queue name (shared brokers)")
    resolve_hold_seconds: float = Field(
        default=60.0, gt=0,
        description="A slice holds its event this long for the next slice's task; an "
        "event whose next slice has not started by then (a broker that lost the task) is "
        "taken over from where it stood",
    )
    send_task_grace_seconds: float = Field(
        default=600.0, gt=0,
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
    smpp_password: SecretStr = SecretStr("")
    smpp_sender: str = "Notice"
    # An SMPP account (smpp2_*: the second's): binds per sending process; per bind a window
    # and submit_sm/s; the account's rate over all binds and processes (empty: binds × rate).
    smpp_binds: int = Field(default=1, ge=1, le=64)
    smpp_window: int = Field(default=10, ge=1)
    smpp_max_per_second: float | None = Field(default=None, gt=0)
    smpp_account_max_per_second: float | None = Field(default=None, gt=0)
    smpp2_host: str | None = None  # a second SMPP provider for failover
    smpp2_port: int = 2775
    smpp2_system_id: str = "gis-outage"
    smpp2_password: SecretStr = SecretStr("")
    smpp2_binds: int = Field(default=1, ge=1, le=64)
    smpp2_max_per_second: float | None = Field(default=None, gt=0)
    smpp2_account_max_per_second: float | None = Field(default=None, gt=0)
    smpp_account_burst_seconds: float = Field(default=0.05, gt=0)  # a burst: 1/20 s of rate
    rate_limit_url: str | None = Field(default=None, description="Redis keeping accounts' "
                                       "rates for Celery workers; empty: the broker's if Redis")
    http_sms_url: str | None = None
    http_sms_token: SecretStr | None = None
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_from: str = "noreply@example.org"
    smtp_from_name: str = ""
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    # voice calls through a SIP trunk (provider "sip")
    sip_host: str = "127.0.0.1"
    sip_port: int = Field(default=5060, ge=1, le=65535)
    sip_transport: Literal["udp", "tcp"] = "udp"
    sip_username: str | None = Field(default=None, description="Answers a 401/407 challenge")
    sip_password: SecretStr | None = None
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

    @field_validator("quiet_hours_start", "quiet_hours_end", mode="before")
    @classmethod
    def _no_quiet_hours(cls, value: object) -> object:
        # GIS_OUTAGE_NOTIFY_QUIET_HOURS_START= (empty) or "off": no quiet hours.
        if isinstance(value, str) and value.strip().lower() in ("", "off", "none"):
            return None
        return value

    def batch_for(self, channel: str) -> int:
        """Deliveries claimed at once on a channel.

        A call lasts the ring time and two playings of the message, so a voice batch is
        only the calls placed at once: each claim is then done within its lease, and no
        call waits in a batch long enough to be claimed and made a second time. For the
        same reason an SMS batch on a throttled SMPP bind is what it sends in a quarter
        of a lease: a sending process claims its next SMS batch while the one before is
        still going out (notifier/sendline.py), so a claim lives for up to two batches.
        """
        if channel == Channel.VOICE:
            return self.sip_max_calls
        rate = self.smpp_account_max_per_second or self.smpp_binds * (self.smpp_max_per_second or 0)
        if channel == Channel.SMS and rate:
            paced = int(rate * self.delivery_lease_seconds / 4)
            return max(1, min(self.batch_size, paced))
        return self.batch_size

    def backoff(self, attempts: int) -> timedelta:
        """Wait before attempt `attempts + 1` after a temporary failure."""
        seconds = self.retry_backoff_seconds * 2 ** max(0, attempts - 1)
        return timedelta(seconds=min(seconds, self.retry_backoff_max_seconds))

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.delivery_lease_seconds)

    @property
    def outbox_lease(self) -> timedelta:
        return timedelta(seconds=self.outbox_lease_seconds)

    @property
    def recheck(self) -> timedelta:
        return timedelta(seconds=self.recheck_seconds)

    @property
    def resolve_hold(self) -> timedelta:
        return timedelta(seconds=self.resolve_hold_seconds)

    @property
    def send_task_grace(self) -> timedelta:
        return timedelta(seconds=self.send_task_grace_seconds)

    def provider_names(self, channel: str) -> list[str]:
        raw = {
            Channel.SMS: self.sms_providers,
            Channel.EMAIL: self.email_providers,
            Channel.VOICE: self.voice_providers,
        }[Channel(channel)]
        return [name.strip() for name in raw.split(",") if name.strip()]

"""Message texts from Jinja2 templates: one template per message kind and language.

`notifier/templates/{language}/{kind}.j2` holds every part of one message as blocks
(sms, subject, email, voice). A utility changes texts without code by putting files
with the same names in its override directory; they win over the built-in ones, and
may extend a built-in one as "builtin/{language}/{kind}.j2" to change a single part.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from gis_outage.config import Settings
from gis_outage.model import LANGUAGES, Channel, MessageKind, Service

from .formats import Formatter
from .sms_text import SmsInfo, fold_diacritics, sanitise, sms_info

BUILTIN_DIR = Path(__file__).with_name("templates")


@dataclass
class MessageContext:
    """What a message may say. Times are aware datetimes (naive ones are taken as UTC)."""

    utility_name: str | Mapping[str, str]  # one name, or one per language
    streets: Sequence[str] = ()
    starts_at: datetime | None = None
    ends_at: datetime | None = None  # planned or estimated end
    previous_ends_at: datetime | None = None  # for a restoration-time change
    resolved_at: datetime | None = None
    cause: str | None = None  # a code (maintenance, pipe_burst, …) or free text
    instructions: str | None = None  # replaces the default advice for the service
    map_url: str | None = None
    website: str | None = None  # the public site without the scheme, for voice messages
    contact_phone: str | None = None  # the utility's number, shown in e-mails
    unsubscribe_url: str | None = None
    reference: str | None = None
    notice: str | None = None  # boil_water or do_not_drink: the water-quality notice
    now: datetime | None = None  # when the message is sent; "today" for relative times


@dataclass(frozen=True)
class RenderConfig:
    timezone: str = "Europe/Helsinki"
    default_language: str = "fi"
    languages: tuple[str, ...] = LANGUAGES  # the ones this utility offers
    override_dir: Path | None = None
    locales: tuple[tuple[str, str], ...] = ()  # (language, Babel locale), e.g. ("sv", "sv_SE")
    sms_fold_diacritics: bool = False  # š → s so Lithuanian fits GSM-7

    @classmethod
    def from_settings(cls, settings: Settings) -> RenderConfig:
        """From the settings (template_dir is GIS_OUTAGE_TEMPLATE_DIR)."""
        override = settings.template_dir
        return cls(
            timezone=settings.timezone,
            default_language=settings.default_language,
            languages=tuple(settings.languages),
            override_dir=Path(override) if override else None,
            sms_fold_diacritics=settings.notify.sms_fold_diacritics,
        )


@dataclass(frozen=True)
class Rendered:
    kind: MessageKind
    service: Service
    language: str  # the language used, after any fallback
    channel: Channel
    text: str  # SMS text, e-mail plain-text body or the words to speak
    subject: str | None = None
    html: str | None = None
    sms: SmsInfo | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def _upfirst(value: str) -> str:
    return value[:1].upper() + value[1:]


def _sentence(value: Any) -> str:
    """Ends free text with a full stop unless it already ends a sentence."""
    text = str(value).strip()
    return text if not text or text[-1] in ".!?…" else text + "."


@lru_cache(maxsize=16)
def _environment(override_dir: Path | None) -> jinja2.Environment:
    builtin = jinja2.FileSystemLoader(BUILTIN_DIR)
    loaders: list[jinja2.BaseLoader] = []
    if override_dir is not None:
        loaders.append(jinja2.FileSystemLoader(override_dir))
    loaders += [builtin, jinja2.PrefixLoader({"builtin": builtin})]
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,  # a typo in a template fails loudly, not silently
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # plain text; the HTML part is escaped in _html()
    )
    env.filters["upfirst"] = _upfirst
    env.filters["sentence"] = _sentence
    return env


# The shared words the map and the feeds read too: cause codes, advice per service
# (before, during, after a supply cut), and a water-quality notice's name and advice
# per notice kind (while in force, after it is lifted).
WORDS = ("causes", "advance", "during", "after", "notice", "notice_during", "notice_after")


def words(language: str, override_dir: Path | None = None) -> dict[str, Any]:
    """The words a language's messages share (`{language}/_words.j2`: see `WORDS`), with
    the utility's overrides, so the map and the feeds say what the messages say. Empty
    for a language without templates."""
    env = _environment(override_dir)
    name = f"{language}/_words.j2"
    if not _template_exists(env, name):
        return {}
    module = env.get_template(name).module
    return {k: getattr(module, k) for k in WORDS if isinstance(getattr(module, k, None), dict)}


def _template_exists(env: jinja2.Environment, name: str) -> bool:
    try:
        env.get_template(name)
    except jinja2.TemplateNotFound:
        return False
    return True


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _paragraphs(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)]")


def _html(text: str) -> str:
    """A simple HTML part from the plain text: paragraphs, line breaks, links."""
    out = []
    for block in text.split("\n\n"):
        escaped = html.escape(block)
        linked = _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
        out.append("<p>" + linked.replace("\n", "<br>\n") + "</p>")
    body = "\n".join(out)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>\n'
        f'<body style="font-family:sans-serif;line-height:1.4">\n{body}\n</body></html>\n'
    )


def _context(context: MessageContext | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(context, MessageContext):
        values = asdict(context)
    else:
        known = {f.name for f in fields(MessageContext)}
        unknown = set(context) - known
        if unknown:
            raise TypeError(f"unknown context keys: {sorted(unknown)}")
        values = asdict(MessageContext(**context))
    values["streets"] = list(values["streets"] or ())
    values["now"] = values["now"] or datetime.now(UTC)
    return values


def render(
    event_kind: MessageKind | str,
    service: Service | str,
    language: str,
    channel: Channel | str,
    context: MessageContext | Mapping[str, Any],
    *,
    config: RenderConfig | None = None,
) -> Rendered:
    """One message for one channel, in `language` or else the utility's default language."""
    config = config or RenderConfig()
    kind, service, channel = MessageKind(event_kind), Service(service), Channel(channel)
    env = _environment(config.override_dir)

    used = language
    if language not in config.languages or not _template_exists(env, f"{language}/{kind}.j2"):
        used = config.default_language
    template = env.get_template(f"{used}/{kind}.j2")

    values = _context(context)
    name = values["utility_name"]
    if isinstance(name, Mapping):
        values["utility_name"] = name.get(used) or name.get(config.default_language) or next(
            iter(name.values())
        )
    locales = dict(config.locales)
    values.update(
        service=service.value,
        kind=kind.value,
        language=used,
        fmt=Formatter(used, config.timezone, locales.get(used)),
    )

    def part(name: str) -> str:
        return template.render(values, part=name)

    if channel is Channel.SMS:
        text = _one_line(sanitise(part("sms")))
        if config.sms_fold_diacritics:
            text = fold_diacritics(text)
        return Rendered(kind, service, used, channel, text, sms=sms_info(text))
    if channel is Channel.EMAIL:
        body = _paragraphs(part("email"))
        return Rendered(
            kind, service, used, channel, body, subject=_one_line(part("subject")), html=_html(body)
        )
    return Rendered(kind, service, used, channel, _one_line(part("voice")))

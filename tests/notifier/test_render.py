"""Every message renders in every language, for every service and channel, within budget."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gis_outage.config import Settings
from gis_outage.model import (
    LANGUAGES,
    Channel,
    EventKind,
    MessageKind,
    OutageKind,
    Service,
    message_kind,
)
from notifier.formats import Formatter
from notifier.render import (
    MessageContext,
    RenderConfig,
    render,
)
from notifier.sms_text import Encoding

CONFIG = RenderConfig(timezone="Europe/Helsinki", default_language="fi")
NAMES = {"fi": "Helsingin Vesi", "sv": "Helsingfors Vatten", "en": "Helsinki Water",
         "lt": "Vilniaus vandenys"}

# The common case the SMS budget is set for: a utility name, one street, a cause code,
# a short map link.
TYPICAL = MessageContext(
    utility_name=NAMES,
    streets=["Mannerheimintie"],
    starts_at=datetime(2025, 5, 13, 6, 0, tzinfo=UTC),  # 9.00 in Helsinki
    ends_at=datetime(2025, 5, 13, 12, 0, tzinfo=UTC),
    previous_ends_at=datetime(2025, 5, 13, 10, 0, tzinfo=UTC),
    resolved_at=datetime(2025, 5, 13, 11, 40, tzinfo=UTC),
    cause="maintenance",
    map_url="https://hsy.fi/k/123",
    contact_phone="09 123 4567",
    unsubscribe_url="https://hsy.fi/u/abc",
    now=datetime(2025, 5, 13, 6, 5, tzinfo=UTC),
)
# Everything long at once: several streets, free-text cause and instructions, across midnight.
LONG = MessageContext(
    utility_name="Vantaan Energia Sähköverkot",
    streets=["Tikkurilantie", "Kielotie", "Ratatie", "Asematie", "Talkootie"],
    starts_at=datetime(2025, 11, 30, 20, 0, tzinfo=UTC),
    ends_at=datetime(2025, 12, 1, 4, 30, tzinfo=UTC),
    previous_ends_at=datetime(2025, 11, 30, 23, 0, tzinfo=UTC),
    cause="Muuntamon uusiminen ja kaapelin siirto",
    instructions="Pidä pakastimen ovi kiinni",
    map_url="https://www.vantaanenergia.fi/katkot/2025/123456",
    now=datetime(2025, 11, 30, 21, 0, tzinfo=UTC),
)
SPARSE = MessageContext(
    utility_name="Kuopion Vesi", streets=[], starts_at=datetime(2025, 5, 13, 6, 0, tzinfo=UTC)
)

SMS_BUDGET_TYPICAL = {"fi": 1, "sv": 1, "en": 1, "lt": 3}  # lt: UCS-2 for its letters
SMS_BUDGET_LONG = {"fi": 3, "sv": 3, "en": 3, "lt": 6}
ALL = [(k, s, lang) for k in MessageKind for s in Service for lang in LANGUAGES]


def _clean(text: str) -> None:
    assert text.strip()
    for leftover in ("{{", "{%", "None", "Undefined", "  "):
        assert leftover not in text, leftover
    assert ".." not in text.replace("...", "")


@pytest.mark.parametrize(("kind", "service", "language"), ALL)
@pytest.mark.parametrize("context", [TYPICAL, LONG, SPARSE], ids=["typical", "long", "sparse"])
def test_every_message_renders(
    kind: MessageKind, service: Service, language: str, context: MessageContext
) -> None:
    for channel in Channel:
        rendered = render(kind, service, language, channel, context, config=CONFIG)
        assert rendered.language == language
        _clean(rendered.text)
        if channel is Channel.EMAIL:
            assert rendered.subject and rendered.html
            _clean(rendered.subject)
            assert "\n" not in rendered.subject
            if context.unsubscribe_url:
                assert context.unsubscribe_url in rendered.text
        if channel is Channel.VOICE:
            # No digit times a voice reads as "nine point zero zero" ("6:30 am" reads well).
            assert not re.search(r"\d[.:]\d\d(?! [ap]m)", rendered.text), rendered.text
            assert "http" not in rendered.text


@pytest.mark.parametrize(("kind", "service", "language"), ALL)
def test_sms_fits_the_budget(kind: MessageKind, service: Service, language: str) -> None:
    typical = render(kind, service, language, Channel.SMS, TYPICAL, config=CONFIG)
    assert typical.sms is not None
    if language == "lt":
        assert typical.sms.fragments <= SMS_BUDGET_TYPICAL["lt"], typical.text
    else:
        assert typical.sms.encoding is Encoding.GSM7, typical.text
        assert typical.sms.fragments == 1, (typical.sms, typical.text)
    long = render(kind, service, language, Channel.SMS, LONG, config=CONFIG)
    assert long.sms is not None
    assert long.sms.fragments <= SMS_BUDGET_LONG[language], (long.sms, long.text)


@pytest.mark.parametrize(("kind", "service"), [(k, s) for k in MessageKind for s in Service])
def test_lithuanian_fits_gsm7_when_folding(kind: MessageKind, service: Service) -> None:
    config = RenderConfig(sms_fold_diacritics=True)
    rendered = render(kind, service, "lt", Channel.SMS, TYPICAL, config=config)
    assert rendered.sms is not None
    assert rendered.sms.encoding is Encoding.GSM7
    assert rendered.sms.fragments <= 2, rendered.text


def test_service_specific_wording() -> None:
    texts = {
        s: render("planned_notice", s, "fi", "sms", TYPICAL, config=CONFIG).text for s in Service
    }
    assert "Vesikatko" in texts[Service.WATER]
    assert "Kaukolämpökatko" in texts[Service.DISTRICT_HEATING]
    assert "Sähkökatko" in texts[Service.ELECTRICITY]
    assert "juomavettä" in texts[Service.WATER]


def test_finnish_planned_sms_reads_naturally() -> None:
    text = render("planned_notice", "water", "fi", "sms", TYPICAL, config=CONFIG).text
    assert text == (
        "Helsingin Vesi: Vesikatko ti 13.5. klo 9.00-15.00. Alue: Mannerheimintie. "
        "Syy: huoltotyö. Varaa juomavettä etukäteen. https://hsy.fi/k/123"
    )


def test_times_are_in_the_utility_timezone() -> None:
    helsinki = render("planned_notice", "electricity", "sv", "sms", TYPICAL, config=CONFIG)
    assert "kl. 9.00-15.00" in helsinki.text  # Finland-Swedish writes times as Finnish does
    stockholm = RenderConfig(timezone="Europe/Stockholm", locales=(("sv", "sv_SE"),))
    text = render("planned_notice", "electricity", "sv", "sms", TYPICAL, config=stockholm).text
    assert "kl. 08:00-14:00" in text


@pytest.mark.parametrize(
    ("language", "locale", "written"),
    [
        ("fi", None, "klo 9.05"),
        ("sv", None, "kl. 9.05"),
        ("sv", "sv_SE", "kl. 09:05"),
        ("en", None, "09:05"),
        ("lt", None, "09:05"),
        ("fi", "de_DE", "klo 9.05"),  # a locale with no form of its own: the language's
    ],
)
def test_written_time_is_the_promised_form(language: str, locale: str | None, written: str):
    """The time format is the product's promise per language, not CLDR's current output."""
    fmt = Formatter(language, "Europe/Helsinki", locale)
    assert fmt.clock(datetime(2025, 5, 13, 6, 5, tzinfo=UTC)) == written


def test_period_across_midnight_names_both_days() -> None:
    text = render("planned_notice", "electricity", "fi", "email", LONG, config=CONFIG).text
    assert "su 30.11. klo 22.00 – ma 1.12. klo 6.30" in text
    voice = render("planned_notice", "electricity", "fi", "voice", LONG, config=CONFIG).text
    assert "sunnuntaina kolmaskymmenes marraskuuta kello 22 alkaen" in voice
    assert "maanantaina ensimmäinen joulukuuta kello 6 30 asti" in voice
    en = render("planned_notice", "electricity", "en", "voice", LONG, config=CONFIG).text
    assert "from 10 pm on Sunday 30th November until 6:30 am on Monday 1st December" in en
    lt = render("planned_notice", "electricity", "lt", "voice", LONG, config=CONFIG).text
    assert "nuo lapkričio trisdešimtos dienos dvidešimt antros valandos" in lt.lower()


def test_restoration_change_gives_old_and_new_time() -> None:
    text = render("restoration_change", "water", "en", "sms", TYPICAL, config=CONFIG).text
    assert "now expected to end by 15:00 (previously 13:00)" in text


def test_unknown_or_disabled_language_falls_back_to_default() -> None:
    rendered = render("resolved", "water", "de", "sms", TYPICAL, config=CONFIG)
    assert rendered.language == "fi"
    assert rendered.text.startswith("Helsingin Vesi: Vesikatko on päättynyt.")
    only_fi_sv = RenderConfig(default_language="sv", languages=("fi", "sv"))
    assert render("resolved", "water", "lt", "sms", TYPICAL, config=only_fi_sv).language == "sv"


def test_utility_overrides_one_part_without_code(tmp_path: Path) -> None:
    (tmp_path / "fi").mkdir()
    (tmp_path / "fi" / "planned_notice.j2").write_text(
        '{% extends "builtin/fi/planned_notice.j2" %}\n'
        "{% block sms %}{{ utility_name }}: katko {{ fmt.period(starts_at, ends_at) }}."
        "{% endblock %}\n",
        encoding="utf-8",
    )
    config = RenderConfig(override_dir=tmp_path)
    sms = render("planned_notice", "water", "fi", "sms", TYPICAL, config=config)
    assert sms.text == "Helsingin Vesi: katko ti 13.5. klo 9.00-15.00."
    email = render("planned_notice", "water", "fi", "email", TYPICAL, config=config)
    assert "Varaa juomavettä etukäteen." in email.text  # the other parts stay built in


def test_utility_overrides_shared_words(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    words = Path(__file__).parents[2] / "notifier" / "templates" / "en" / "_words.j2"
    (tmp_path / "en" / "_words.j2").write_text(
        words.read_text(encoding="utf-8").replace('"power cut"', '"power outage"'),
        encoding="utf-8",
    )
    config = RenderConfig(override_dir=tmp_path)
    text = render("resolved", "electricity", "en", "sms", TYPICAL, config=config).text
    assert "The power outage is over." in text


def test_html_part_escapes_and_links() -> None:
    context = MessageContext(
        utility_name="Vesi & Lämpö <Oy>", streets=["Koulukatu"],
        starts_at=TYPICAL.starts_at, map_url="https://example.fi/k?a=1&b=2",
    )
    email = render("unplanned_start", "water", "fi", "email", context, config=CONFIG)
    assert email.html is not None
    assert "Vesi &amp; Lämpö &lt;Oy&gt;" in email.html
    assert '<a href="https://example.fi/k?a=1&amp;b=2">' in email.html


def test_unknown_context_keys_are_refused() -> None:
    with pytest.raises(TypeError):
        render("resolved", "water", "fi", "sms", {"utility_name": "X", "strets": []}, config=CONFIG)


def test_mapping_context_and_free_text_cause() -> None:
    text = render(
        "unplanned_start", "water", "sv", "sms",
        {"utility_name": "Borgå Vatten", "streets": ["Runebergsgatan", "Mannerheimgatan"],
         "starts_at": TYPICAL.starts_at, "cause": "Rörbrott vid bron!", "now": TYPICAL.now},
        config=CONFIG,
    ).text
    assert "Område: Runebergsgatan och Mannerheimgatan." in text
    assert "Orsak: Rörbrott vid bron! Reparationstiden meddelas senare." in text


@pytest.mark.parametrize(
    ("event", "outage", "kind"),
    [
        (EventKind.PUBLISHED, OutageKind.PLANNED, MessageKind.PLANNED_NOTICE),
        (EventKind.PUBLISHED, OutageKind.UNPLANNED, MessageKind.UNPLANNED_START),
        (EventKind.REMINDER, OutageKind.PLANNED, MessageKind.REMINDER),
        (EventKind.UPDATED, OutageKind.UNPLANNED, MessageKind.RESTORATION_CHANGE),
        (EventKind.RESOLVED, OutageKind.UNPLANNED, MessageKind.RESOLVED),
        (EventKind.CANCELLED, OutageKind.PLANNED, MessageKind.CANCELLED),
        (EventKind.PUBLISHED, OutageKind.BOIL_WATER, MessageKind.BOIL_WATER),
        (EventKind.UPDATED, OutageKind.BOIL_WATER, MessageKind.BOIL_WATER),
        (EventKind.PUBLISHED, OutageKind.DO_NOT_DRINK, MessageKind.DO_NOT_DRINK),
        (EventKind.RESOLVED, OutageKind.BOIL_WATER, MessageKind.NOTICE_LIFTED),
        (EventKind.RESTORED, OutageKind.DO_NOT_DRINK, MessageKind.NOTICE_LIFTED),
        (EventKind.CANCELLED, OutageKind.DO_NOT_DRINK, MessageKind.NOTICE_LIFTED),
    ],
)
def test_message_kind_for_event(event: EventKind, outage: OutageKind, kind: MessageKind) -> None:
    assert message_kind(event, outage) is kind


def test_config_from_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from gis_outage.config import Settings

    monkeypatch.setenv("GIS_OUTAGE_TIMEZONE", "Europe/Vilnius")
    monkeypatch.setenv("GIS_OUTAGE_DEFAULT_LANGUAGE", "sv")
    monkeypatch.setenv("GIS_OUTAGE_TEMPLATE_DIR", str(tmp_path))
    config = RenderConfig.from_settings(Settings())
    assert config.timezone == "Europe/Vilnius"
    assert config.override_dir == tmp_path
    assert config.languages == ("fi", "sv", "en")  # the settings' default offer
    rendered = render("resolved", "water", "lt", "sms", TYPICAL, config=config)
    assert rendered.language == "sv"  # Lithuanian not offered: the default language


@pytest.mark.parametrize("language", ["fi", "sv", "en", "lt"])
def test_voice_notice_names_the_website(language: str) -> None:
    """A landline caller hears where to look, not just "our website"."""
    context = replace(TYPICAL, website="katkot.example.fi")
    voice = render("planned_notice", "water", language, "voice", context, config=CONFIG).text
    assert "katkot.example.fi" in voice
    without = render("planned_notice", "water", language, "voice", TYPICAL, config=CONFIG).text
    assert "example" not in without


@pytest.mark.parametrize("language", ["fi", "sv", "en", "lt"])
def test_water_quality_notices_never_speak_of_an_outage(language: str) -> None:
    """A boil-water or do-not-drink notice and its lifting are their own messages: the
    water still runs, so none of them says the water is off, and the lifting names the
    notice it lifts."""
    outage_words = {"fi": "katko", "sv": "avbrott", "en": "outage", "lt": "nebus tiekiam"}
    texts = {}
    for kind in ("boil_water", "do_not_drink"):
        for channel in Channel:
            rendered = render(kind, "water", language, channel, TYPICAL, config=CONFIG)
            body = rendered.text.split("\n--\n")[0]  # not the footer's subscription words
            assert outage_words[language] not in body.lower(), body
            texts[kind, channel] = rendered.text
        lifted = render("notice_lifted", "water", language, "sms",
                        replace(TYPICAL, notice=kind), config=CONFIG).text
        assert outage_words[language] not in lifted.lower(), lifted
        texts["lifted", kind] = lifted
    assert texts["boil_water", Channel.SMS] != texts["do_not_drink", Channel.SMS]
    assert texts["lifted", "boil_water"] != texts["lifted", "do_not_drink"]


def test_finnish_notice_texts_read_as_promised() -> None:
    sms = render("boil_water", "water", "fi", "sms", TYPICAL, config=CONFIG).text
    assert sms == ("Helsingin Vesi: Keittokehotus: keitä juoma- ja ruokavesi. Alue: "
                   "Mannerheimintie. Syy: huoltotyö. Arviolta klo 15.00 asti. "
                   "https://hsy.fi/k/123")
    lifted = render("notice_lifted", "water", "fi", "sms", replace(TYPICAL, notice="boil_water"),
                    config=CONFIG).text
    assert lifted.startswith("Helsingin Vesi: Talousveden keittokehotus on päättynyt.")
    assert "Vettä voi taas juoda keittämättä." in lifted


def test_folding_is_the_notify_setting_off_by_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """GIS_OUTAGE_NOTIFY_SMS_FOLD_DIACRITICS reaches every renderer through the settings."""
    monkeypatch.delenv("GIS_OUTAGE_NOTIFY_SMS_FOLD_DIACRITICS", raising=False)
    kept = replace(RenderConfig.from_settings(Settings(data_dir=tmp_path)), languages=LANGUAGES)
    monkeypatch.setenv("GIS_OUTAGE_NOTIFY_SMS_FOLD_DIACRITICS", "true")
    folded = replace(RenderConfig.from_settings(Settings(data_dir=tmp_path)), languages=LANGUAGES)
    assert (kept.sms_fold_diacritics, folded.sms_fold_diacritics) == (False, True)
    for kind in MessageKind:
        as_written = render(kind, Service.WATER, "lt", Channel.SMS, TYPICAL, config=kept)
        fitted = render(kind, Service.WATER, "lt", Channel.SMS, TYPICAL, config=folded)
        assert as_written.sms is not None and fitted.sms is not None
        assert as_written.sms.encoding is Encoding.UCS2, as_written.text
        assert fitted.sms.encoding is Encoding.GSM7, fitted.text
        assert fitted.sms.fragments < as_written.sms.fragments, (kind, fitted.sms)

"""Dates, times and street lists as each language writes them, in the utility's timezone.

Written forms use Babel's localised weekday/month names and time format. Spoken forms
(for espeak-ng) spell what a text-to-speech engine reads wrongly from digits: "9.00"
is read "nine point zero zero" and "13." as a cardinal, so hours and ordinal days are
given as words or in a shape the voice reads right.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

DEFAULT_LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB", "lt": "lt_LT"}
# The written time each locale gets, fixed here rather than taken from CLDR's "short"
# format, whose punctuation changes between releases: Finnish and Finland-Swedish write
# "9.00" (Kielitoimisto, Svenska språkbyrån i Finland), Sweden, Britain and Lithuania
# "09:00". A locale not listed takes its language's form.
TIME_PATTERNS = {"fi": "H.mm", "sv": "H.mm", "sv_SE": "HH:mm", "en": "HH:mm", "lt": "HH:mm"}

# "A, B and C" / "A, B and others" per language.
_AND = {"fi": "ja", "sv": "och", "en": "and", "lt": "ir"}
_MORE = {"fi": "ym.", "sv": "m.fl.", "en": "and nearby streets", "lt": "ir kt."}

_FI_ORDINALS = (
    "ensimmäinen",
    "toinen",
    "kolmas",
    "neljäs",
    "viides",
    "kuudes",
    "seitsemäs",
    "kahdeksas",
    "yhdeksäs",
    "kymmenes",
    "yhdestoista",
    "kahdestoista",
    "kolmastoista",
    "neljästoista",
    "viidestoista",
    "kuudestoista",
    "seitsemästoista",
    "kahdeksastoista",
    "yhdeksästoista",
)
# Essive weekdays ("on Tuesday"); Babel's CLDR data is not consistent about the case.
_FI_WEEKDAYS = (
    "maanantaina",
    "tiistaina",
    "keskiviikkona",
    "torstaina",
    "perjantaina",
    "lauantaina",
    "sunnuntaina",
)
# Feminine ordinal stems 1–19; + "os" genitive, + "ą" accusative.
_LT_STEMS = (
    "pirm",
    "antr",
    "treči",
    "ketvirt",
    "penkt",
    "šešt",
    "septint",
    "aštunt",
    "devint",
    "dešimt",
    "vienuolikt",
    "dvylikt",
    "trylikt",
    "keturiolikt",
    "penkiolikt",
    "šešiolikt",
    "septyniolikt",
    "aštuoniolikt",
    "devyniolikt",
)


def _fi_ordinal(n: int) -> str:
    if n < 20:
        return _FI_ORDINALS[n - 1]
    tens = "kahdeskymmenes" if n < 30 else "kolmaskymmenes"
    return tens + ("" if n % 10 == 0 else _FI_ORDINALS[n % 10 - 1])


def _lt_ordinal(n: int, ending: str) -> str:
    """Feminine ordinal: ending 'os' (genitive) or 'ą' (accusative)."""
    if n < 20:
        return _LT_STEMS[n - 1] + ending
    tens = "dvidešimt" if n < 30 else "trisdešimt"
    if n % 10 == 0:
        return tens + ending
    return f"{tens} {_LT_STEMS[n % 10 - 1]}{ending}"


def _sv_ordinal(n: int) -> str:
    return f"{n}:a" if n % 10 in (1, 2) and n not in (11, 12) else f"{n}:e"


class Formatter:
    """Bound to one language, locale and timezone; templates get it as `fmt`."""

    def __init__(self, language: str, timezone: str, locale: str | None = None) -> None:
        self.language = language
        self.locale = locale or DEFAULT_LOCALES.get(language, language)
        self.tz = ZoneInfo(timezone)

    def local(self, when: datetime) -> datetime:
        # Naive datetimes are taken as UTC, as the database stores them.
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return when.astimezone(self.tz)

    # -- written ---------------------------------------------------------------------

    def date(self, when: datetime) -> str:
        """ti 13.5. / tis 13.5. / Tue 13 May / gegužės 13 d."""
        pattern = {"en": "EEE d MMM", "lt": "MMMM d 'd.'"}.get(self.language, "EEE d.M.")
        return format_date(self.local(when), pattern, locale=self.locale)

    def time(self, when: datetime) -> str:
        """9.00 or 09:00: the locale's form in TIME_PATTERNS."""
        pattern = TIME_PATTERNS.get(self.locale) or TIME_PATTERNS.get(self.language, "HH:mm")
        return format_time(self.local(when), pattern, locale=self.locale)

    def clock(self, when: datetime) -> str:
        """A time with the word that goes before it: 'klo 9.00', 'kl. 9.00', '09:00'."""
        prefix = {"fi": "klo ", "sv": "kl. "}.get(self.language, "")
        return prefix + self.time(when)

    def moment(self, when: datetime) -> str:
        """Date and time: 'ti 13.5. klo 9.00'."""
        return f"{self.date(when)} {self.clock(when)}"

    def same_day(self, a: datetime, b: datetime | None) -> bool:
        return b is not None and self.local(a).date() == self.local(b).date()

    def until(self, when: datetime, reference: datetime | None) -> str:
        """The time alone when it falls on the reference's day, else date and time."""
        return self.clock(when) if self.same_day(when, reference) else self.moment(when)

    def period(self, start: datetime, end: datetime | None) -> str:
        """'ti 13.5. klo 9.00–15.00'; across midnight both dates; open end: from start."""
        if self.language == "lt":
            if end is None:
                return f"nuo {self.date(start)} {self.time(start)}"
            if self.same_day(start, end):
                return f"{self.date(start)} nuo {self.time(start)} iki {self.time(end)}"
            return f"nuo {self.moment(start)} iki {self.moment(end)}"
        if end is None:
            word = {"fi": "alkaen", "sv": "och framåt", "en": "onwards"}[self.language]
            return f"{self.moment(start)} {word}"
        if self.same_day(start, end):
            return f"{self.moment(start)}–{self.time(end)}"
        return f"{self.moment(start)} – {self.moment(end)}"

    def streets(self, names: Sequence[str], limit: int = 3) -> str:
        """'A, B ja C' or, past the limit, 'A, B ym.'."""
        names = list(dict.fromkeys(n for n in names if n))
        if len(names) > limit:
            return ", ".join(names[: limit - 1]) + " " + _MORE[self.language]
        if len(names) <= 1:
            return "".join(names)
        return ", ".join(names[:-1]) + f" {_AND[self.language]} " + names[-1]

    # -- spoken ----------------------------------------------------------------------

    def spoken_day(self, when: datetime) -> str:
        """'tiistaina kolmastoista toukokuuta', 'on Tuesday 13th May'."""
        local = self.local(when)
        day = local.day
        if self.language == "fi":
            weekday = _FI_WEEKDAYS[local.weekday()]
            month = format_date(local, "MMMM", locale=self.locale)  # partitive: toukokuuta
            return f"{weekday} {_fi_ordinal(day)} {month}"
        if self.language == "sv":
            weekday = format_date(local, "EEEE", locale=self.locale)
            month = format_date(local, "MMMM", locale=self.locale)
            return f"{weekday} den {_sv_ordinal(day)} {month}"
        if self.language == "lt":
            month = format_date(local, "MMMM", locale=self.locale)  # genitive: gegužės
            return f"{month} {_lt_ordinal(day, 'ą')} dieną"
        suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
        return f"on {format_date(local, 'EEEE', locale=self.locale)} {day}{suffix} " + format_date(
            local, "MMMM", locale=self.locale
        )

    def spoken_time(self, when: datetime) -> str:
        """'kello 9', 'klockan 9 30', '9:30 am', 'devintos valandos' (genitive, after nuo/iki)."""
        local = self.local(when)
        h, m = local.hour, local.minute
        if self.language == "fi":
            return f"kello {h}" + (f" {m:02d}" if m else "")
        if self.language == "sv":
            return f"klockan {h}" + (f" {m:02d}" if m else "")
        if self.language == "lt":
            if h == 0 and m == 0:
                return "vidurnakčio"
            words = f"{_lt_ordinal(h, 'os') if h else 'nulinės'} valandos"
            return words + (f" {m} minučių" if m else "")
        if h == 0 and m == 0:
            return "midnight"
        if h == 12 and m == 0:
            return "noon"
        hour12 = h % 12 or 12
        return f"{hour12}" + (f":{m:02d}" if m else "") + (" am" if h < 12 else " pm")

    def spoken_period(self, start: datetime, end: datetime | None) -> str:
        day, t0 = self.spoken_day(start), self.spoken_time(start)
        lang = self.language
        if end is None:
            return {
                "fi": f"{day} {t0} alkaen",
                "sv": f"från {day} {t0}",
                "en": f"from {t0} {day}",
                "lt": f"nuo {day} {t0}",
            }[lang]
        t1 = self.spoken_time(end)
        if self.same_day(start, end):
            return {
                "fi": f"{day} {t0} ja {t1} välillä",
                "sv": f"{day} mellan {t0} och {t1}",
                "en": f"{day} between {t0} and {t1}",
                "lt": f"{day} nuo {t0} iki {t1}",
            }[lang]
        day1 = self.spoken_day(end)
        if lang == "lt":
            # nuo/iki take the genitive: gegužės tryliktos dienos devintos valandos
            def gen(when: datetime) -> str:
                local = self.local(when)
                month = format_date(local, "MMMM", locale=self.locale)
                return f"{month} {_lt_ordinal(local.day, 'os')} dienos {self.spoken_time(when)}"

            return f"nuo {gen(start)} iki {gen(end)}"
        return {
            "fi": f"{day} {t0} alkaen {day1} {t1} asti",
            "sv": f"från {day} {t0} till {day1} {t1}",
            "en": f"from {t0} {day} until {t1} {day1}",
        }[lang]

    def spoken_until(self, when: datetime, reference: datetime | None) -> str:
        """The spoken time alone on the reference's day, else with the day."""
        t = self.spoken_time(when)
        if self.same_day(when, reference):
            return t
        day = self.spoken_day(when)
        if self.language == "lt":
            local = self.local(when)
            month = format_date(local, "MMMM", locale=self.locale)
            return f"{month} {_lt_ordinal(local.day, 'os')} dienos {t}"
        if self.language == "en":
            return f"{t} {day}"
        return f"{day} {t}"

"""SMS fragment counting, the same rule as the notifier's `notifier/sms_text.py`.

The plugin cannot import the notifier (QGIS has only the standard library), so the
rule is ported here; a test checks both agree on the same texts. Keep them in step:
GSM-7 160/153 septets, UCS-2 70/67 units, an extension character or a surrogate pair
never split between two parts, typography sanitised to GSM-7 first.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_SINGLE = 160
GSM7_PART = 153
UCS2_SINGLE = 70
UCS2_PART = 67

GSM7 = "gsm7"
UCS2 = "ucs2"

_GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = set("\f^{}\\[~]|€")

# Typography that phones and word processors insert; each has a plain GSM-7 twin.
_SANITISE = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u00b4": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2015": "-", "\u2212": "-",
    "\u2026": "...",
    "\u00a0": " ", "\u2002": " ", "\u2003": " ", "\u2004": " ", "\u2005": " ",
    "\u2006": " ", "\u2007": " ", "\u2008": " ", "\u2009": " ", "\u200a": " ",
    "\u202f": " ", "\t": " ",
    "\u00ad": "", "\u200b": "", "\ufeff": "",
})


@dataclass(frozen=True)
class SmsCount:
    encoding: str  # GSM7 or UCS2
    characters: int  # septets (extension characters count 2) or UTF-16 units
    fragments: int


def sanitise(text: str) -> str:
    return text.replace("\r\n", "\n").translate(_SANITISE)


def is_gsm7(text: str) -> bool:
    return all(ch in _GSM7_BASIC or ch in _GSM7_EXTENSION for ch in text)


def _units(text: str, encoding: str) -> list[int]:
    if encoding == GSM7:
        return [2 if ch in _GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def _fragments(units: list[int], single: int, part: int) -> int:
    if sum(units) <= single:
        return 1
    count, used = 1, 0
    for size in units:
        if used + size > part:  # this character starts the next part
            count, used = count + 1, 0
        used += size
    return count


def count_sms(text: str) -> SmsCount:
    """Encoding, length and number of SMS parts `text` is sent (and billed) as."""
    clean = sanitise(text)
    encoding = GSM7 if is_gsm7(clean) else UCS2
    units = _units(clean, encoding)
    if not clean:
        return SmsCount(encoding, 0, 0)
    single, part = (GSM7_SINGLE, GSM7_PART) if encoding == GSM7 else (UCS2_SINGLE, UCS2_PART)
    return SmsCount(encoding, sum(units), _fragments(units, single, part))

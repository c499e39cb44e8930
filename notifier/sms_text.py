"""SMS text: sanitising, GSM-7 / UCS-2 choice, splitting into parts and counting fragments.

Fragment counts come from the same split that the SMPP client sends, so the count shown
in a preview is the number of parts the provider is billed for. A GSM-7 extension
character (escape + code) and a UTF-16 surrogate pair are never cut between two parts,
which is why a part may hold one unit less than 153 (GSM-7) or 67 (UCS-2).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

GSM7_SINGLE = 160
GSM7_PART = 153  # 160 septets less the 6-octet concatenation header (7 septets)
UCS2_SINGLE = 70
UCS2_PART = 67  # 140 octets less the 6-octet header, in 2-octet units

# 3GPP TS 23.038 default alphabet, index = code; '\x1b' at 0x1B is the escape to the
# extension table.
_GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = {
    "\f": 0x0A, "^": 0x14, "{": 0x28, "}": 0x29, "\\": 0x2F,
    "[": 0x3C, "~": 0x3D, "]": 0x3E, "|": 0x40, "€": 0x65,
}
_BASIC_CODE = {ch: code for code, ch in enumerate(_GSM7_BASIC) if ch != "\x1b"}
_BASIC_DECODE = dict(enumerate(_GSM7_BASIC))
_EXTENSION_DECODE = {code: ch for ch, code in _GSM7_EXTENSION.items()}

# Typography that word processors and phones put in by themselves; each has a plain
# GSM-7 twin, and one of them alone would otherwise turn a message into UCS-2.
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


class Encoding(StrEnum):
    GSM7 = "gsm7"
    UCS2 = "ucs2"


@dataclass(frozen=True)
class SmsInfo:
    encoding: Encoding
    characters: int  # septets for GSM-7 (extension characters count 2), UTF-16 units for UCS-2
    fragments: int


def sanitise(text: str) -> str:
    """Smart quotes, dashes, ellipsis and odd spaces → their GSM-7 equivalents."""
    return text.replace("\r\n", "\n").translate(_SANITISE)


def fold_diacritics(text: str) -> str:
    """Strip accents that GSM-7 lacks (š → s, õ → o) and keep the ones it has (ä, ö, å, é).

    Opt-in per utility: Lithuanian or Estonian text then fits GSM-7, at the cost of
    spelling; the default keeps the letters and sends UCS-2.
    """
    out = []
    for ch in text:
        if ch in _BASIC_CODE or ch in _GSM7_EXTENSION:
            out.append(ch)
            continue
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        out.append(base if base and all(c in _BASIC_CODE for c in base) else ch)
    return "".join(out)


def is_gsm7(text: str) -> bool:
    return all(ch in _BASIC_CODE or ch in _GSM7_EXTENSION for ch in text)


def _units(text: str, encoding: Encoding) -> list[int]:
    """Size of each character in the units a fragment is measured in."""
    if encoding is Encoding.GSM7:
        return [2 if ch in _GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def split(text: str, encoding: Encoding | None = None) -> list[str]:
    """The text of each part as sent; one part when it fits a single message.

    `text` must already be sanitised; `encoding` defaults to the one the text needs.
    """
    encoding = encoding or (Encoding.GSM7 if is_gsm7(text) else Encoding.UCS2)
    single, part = (
        (GSM7_SINGLE, GSM7_PART) if encoding is Encoding.GSM7 else (UCS2_SINGLE, UCS2_PART)
    )
    units = _units(text, encoding)
    if sum(units) <= single:
        return [text]
    parts: list[str] = []
    start = used = 0
    for i, size in enumerate(units):
        if used + size > part:
            parts.append(text[start:i])
            start, used = i, 0
        used += size
    parts.append(text[start:])
    return parts


def sms_info(text: str) -> SmsInfo:
    """Encoding, length in fragment units and fragment count of `text` after sanitising."""
    clean = sanitise(text)
    encoding = Encoding.GSM7 if is_gsm7(clean) else Encoding.UCS2
    characters = sum(_units(clean, encoding))
    fragments = 0 if not clean else len(split(clean, encoding))
    return SmsInfo(encoding=encoding, characters=characters, fragments=fragments)


def encode(text: str, encoding: Encoding) -> bytes:
    """Wire bytes for SMPP: unpacked GSM-7 septets (data_coding 0) or UTF-16BE (8)."""
    if encoding is Encoding.UCS2:
        return text.encode("utf-16-be")
    out = bytearray()
    for ch in text:
        code = _BASIC_CODE.get(ch)
        if code is None:
            out += bytes((0x1B, _GSM7_EXTENSION[ch]))
        else:
            out.append(code)
    return bytes(out)


def decode(data: bytes, encoding: Encoding) -> str:
    """Inverse of `encode`; unknown codes become U+FFFD rather than failing."""
    if encoding is Encoding.UCS2:
        return data.decode("utf-16-be", errors="replace")
    out = []
    escape = False
    for byte in data:
        if escape:
            out.append(_EXTENSION_DECODE.get(byte, "\ufffd"))
            escape = False
        elif byte == 0x1B:
            escape = True
        else:
            out.append(_BASIC_DECODE.get(byte, "\ufffd"))
    return "".join(out)

"""The plugin's SMS counter agrees with the notifier's, which decides what is sent."""

from __future__ import annotations

import pytest

from qgis_plugin.core.sms import GSM7, UCS2, count_sms

TEXTS = [
    "",
    "a",
    "Vesikatko Hakaniemenrannalla klo 8-14.",
    "Vattenavbrott på Viherniemenkatu kl. 8–14.",
    "Vandens tiekimo sutrikimas: Šv. Ignoto g.",
    "a" * 160,
    "a" * 161,
    "a" * 306,
    "a" * 307,
    "€" * 80,
    "€" * 81,
    "a" * 152 + "€" + "a" * 10,  # an escape pair must not be cut between two parts
    "ä" * 160 + "ö",
    "š" * 70,
    "š" * 71,
    "š" * 134,
    "š" * 135,
    "😀" * 35,
    "😀" * 36,
    "x" * 66 + "😀" + "x" * 10,  # a surrogate pair must not be cut either
    "“Quotes” ‘and’ — dashes… tabs\tand\u00a0spaces",
    "line\r\nbreaks\nand {braces} [brackets] ~tilde| ^caret \\",
    "\u200bzero width\ufeff and soft\u00adhyphen",
    "Kaukolämpökatko " * 20,
]


@pytest.mark.parametrize("text", TEXTS)
def test_agrees_with_the_notifier(text):
    sms_text = pytest.importorskip("notifier.sms_text")  # the server side, in the venv
    theirs = sms_text.sms_info(text)
    ours = count_sms(text)
    assert (ours.encoding, ours.characters, ours.fragments) == (
        theirs.encoding.value, theirs.characters, theirs.fragments)


@pytest.mark.parametrize(
    ("text", "encoding", "characters", "fragments"),
    [
        ("", GSM7, 0, 0),
        ("a" * 160, GSM7, 160, 1),
        ("a" * 161, GSM7, 161, 2),
        ("a" * 306, GSM7, 306, 2),
        ("a" * 307, GSM7, 307, 3),
        ("€" * 80, GSM7, 160, 1),  # an extension character takes two septets
        ("a" * 152 + "€", GSM7, 154, 1),
        ("a" * 152 + "€" + "a" * 10, GSM7, 164, 2),
        ("Säästä vettä", GSM7, 12, 1),  # ä is in the GSM-7 alphabet
        ("š" * 70, UCS2, 70, 1),
        ("š" * 71, UCS2, 71, 2),
        ("😀" * 35, UCS2, 70, 1),  # two UTF-16 units each
        ("Don’t", GSM7, 5, 1),  # a smart quote is sanitised, not a reason for UCS-2
    ],
)
def test_known_counts(text, encoding, characters, fragments):
    count = count_sms(text)
    assert (count.encoding, count.characters, count.fragments) == (
        encoding, characters, fragments)

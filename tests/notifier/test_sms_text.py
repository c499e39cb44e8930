"""GSM-7 / UCS-2 choice and fragment counting at the edges."""

import pytest

from notifier.sms_text import (
    GSM7_PART,
    UCS2_PART,
    Encoding,
    decode,
    encode,
    fold_diacritics,
    is_gsm7,
    sanitise,
    sms_info,
    split,
)


@pytest.mark.parametrize(
    ("length", "fragments"), [(1, 1), (159, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3)]
)
def test_gsm7_fragments(length: int, fragments: int) -> None:
    info = sms_info("a" * length)
    assert info.encoding is Encoding.GSM7
    assert info.characters == length
    assert info.fragments == fragments


@pytest.mark.parametrize(
    ("text", "characters", "fragments"),
    [
        ("a" * 158 + "€", 160, 1),  # the extension character still fits
        ("a" * 159 + "€", 161, 2),  # ...and one more septet does not
        ("a" * 159 + "[", 161, 2),
        ("{" * 80, 160, 1),
        ("{" * 81, 162, 2),
    ],
)
def test_extension_characters_count_two(text: str, characters: int, fragments: int) -> None:
    info = sms_info(text)
    assert info.encoding is Encoding.GSM7
    assert (info.characters, info.fragments) == (characters, fragments)


def test_extension_character_is_not_cut_between_parts() -> None:
    # 306 septets would be two parts of 153, but the € at septets 153–154 would straddle
    # the boundary: it moves to the second part, which pushes one 'a' into a third.
    text = "a" * 152 + "€" + "a" * 152
    assert sms_info(text).characters == 306
    parts = split(text)
    assert [len(p) for p in parts] == [152, 152, 1]
    assert parts[1].startswith("€")
    assert sms_info(text).fragments == 3
    for part in parts:
        assert len(encode(part, Encoding.GSM7)) <= GSM7_PART
        assert decode(encode(part, Encoding.GSM7), Encoding.GSM7) == part


@pytest.mark.parametrize(
    ("length", "fragments"), [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3)]
)
def test_ucs2_fragments(length: int, fragments: int) -> None:
    info = sms_info("ж" * length)
    assert (info.encoding, info.characters, info.fragments) == (Encoding.UCS2, length, fragments)


def test_emoji_counts_two_utf16_units() -> None:
    assert sms_info("😀").characters == 2
    assert sms_info("ж" * 68 + "😀").fragments == 1  # 70 units
    assert sms_info("ж" * 69 + "😀").fragments == 2  # 71 units


def test_surrogate_pair_is_not_cut_between_parts() -> None:
    text = "ж" * 66 + "😀" + "ж" * 66  # the emoji would straddle units 67–68
    parts = split(text)
    assert parts[0] == "ж" * 66
    assert parts[1].startswith("😀")
    for part in parts:
        assert len(part.encode("utf-16-be")) <= UCS2_PART * 2
    assert "".join(parts) == text


@pytest.mark.parametrize("letters", ["äöåÄÖÅ", "éÉüÜñÑ", "Helsingin Vesi: Vesikatko"])
def test_nordic_letters_are_gsm7(letters: str) -> None:
    assert sms_info(letters).encoding is Encoding.GSM7


@pytest.mark.parametrize("letter", ["õ", "š", "ž", "Š", "Ž", "ą", "ė", "ç"])
def test_other_letters_need_ucs2(letter: str) -> None:
    assert sms_info("Katko " + letter).encoding is Encoding.UCS2


def test_smart_typography_is_sanitised_before_deciding() -> None:
    text = "“Vesikatko” ‘klo’ 9\u00a0–\u00a015 — huomenna… \u202fOK\u00ad"
    assert sanitise(text) == "\"Vesikatko\" 'klo' 9 - 15 - huomenna...  OK"
    info = sms_info(text)
    assert info.encoding is Encoding.GSM7
    assert info.characters == len(sanitise(text))


def test_one_stray_character_turns_the_whole_message_ucs2() -> None:
    base = "a" * 100
    assert sms_info(base).fragments == 1
    info = sms_info(base + "õ")
    assert info.encoding is Encoding.UCS2
    assert info.fragments == 2  # 101 units > 70


def test_empty_text() -> None:
    assert sms_info("").fragments == 0


def test_gsm7_round_trip_with_extension_table() -> None:
    text = "@£$¥ {[~]}|\\^€ ÄÖÅäöå§¿¡\n"
    assert is_gsm7(text)
    data = encode(text, Encoding.GSM7)
    assert data[:4] == bytes((0x00, 0x01, 0x02, 0x03))  # @ £ $ ¥
    assert b"\x1be" in data  # € is escape + 0x65
    assert decode(data, Encoding.GSM7) == text


def test_fold_diacritics_keeps_gsm_letters() -> None:
    folded = fold_diacritics("Šiaulių gatvė, Žvėrynas, Tõnismägi, Åbo, Pärnu")
    assert folded == "Siauliu gatve, Zverynas, Tonismägi, Åbo, Pärnu"
    assert is_gsm7(folded)

"""Normalise text for matching only; what a reader sees always comes from the source text.

Two copies of one provision should get the same key whether they were published with
full-width or half-width punctuation, in Traditional or Simplified characters, hard-wrapped
or not: NFKC, then Traditional → Simplified (OpenCC), then no whitespace.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WHITESPACE = re.compile(r"\s+")

CHINESE_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CHINESE_UNITS = {"十": 10, "百": 100, "千": 1000}


@lru_cache(maxsize=1)
def _t2s():
    """Return OpenCC's Traditional → Simplified converter, or None when OpenCC is absent."""
    try:
        import opencc
    except (
        ImportError
    ):  # pragma: no cover - opencc is a dependency; keep matching usable
        return None
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Convert Traditional characters to Simplified (text already Simplified is unchanged)."""
    converter = _t2s()
    return converter.convert(text) if converter and text else text


def matching_key(text: str) -> str:
    """Return ``text`` as compared by the aligner: NFKC, Simplified, lower case, no whitespace."""
    text = unicodedata.normalize("NFKC", text)
    text = _WHITESPACE.sub("", text)
    return to_simplified(text).lower()


def chinese_number(numeral: str) -> int | None:
    """Parse a Chinese or Arabic numeral (十二, 一百零五, 二〇, 12) into an int.

    >>> chinese_number("一百零五")
    105
    """
    numeral = unicodedata.normalize("NFKC", numeral).strip()
    if numeral.isdigit():
        return int(numeral)
    total, current = 0, 0
    for char in numeral:
        if char in CHINESE_DIGITS:
            current = (
                current * 10 + CHINESE_DIGITS[char] if current else CHINESE_DIGITS[char]
            )
        elif char in CHINESE_UNITS:
            total += (current or 1) * CHINESE_UNITS[char]
            current = 0
        else:
            return None
    return total + current

"""Normalise text for matching only; what a reader sees always comes from the source text.

Two copies of one provision should get the same key whether they were published with
full-width or half-width punctuation, in Traditional or Simplified characters, hard-wrapped
or not: NFKC, then Traditional → Simplified (OpenCC), then no whitespace.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

#: The invisible characters web pages pad or indent text with: zero-width spaces and
#: joiners, a byte-order mark.
INVISIBLE_CHARS = "\u200b-\u200d\u2060\ufeff"
_INVISIBLE = re.compile(f"[{INVISIBLE_CHARS}]")
#: A PDF page number left alone on its line in a text copy: — 3 —, - 12 -.
PAGE_NUMBER = re.compile(
    r"^[^\S\n]*[-—–－─]+[^\S\n]*\d{1,4}[^\S\n]*[-—–－─]+[^\S\n]*$", re.MULTILINE
)
_WHITESPACE = re.compile(rf"[\s{INVISIBLE_CHARS}]+")


def without_layout_marks(text: str) -> str:
    """``text`` without what a copy adds that no version wrote: PDF page-number lines and
    invisible characters."""
    return _INVISIBLE.sub("", PAGE_NUMBER.sub("", text))

CHINESE_DIGITS = {
    "零": 0,
    "〇": 0,
    "○": 0,
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


@lru_cache(maxsize=3)
def _converter(config: str):
    """Return an OpenCC converter, or None when OpenCC is absent."""
    try:
        import opencc
    except ImportError:  # pragma: no cover - opencc is a dependency; keep matching usable
        return None
    return opencc.OpenCC(config)


def each_to_simplified(text: str) -> str:
    """Convert every Traditional character and phrase of ``text`` to Simplified, whatever
    script the rest is in: for text that mixes them (a page's Simplified header and a
    Traditional body, searched for a start marker). :func:`to_simplified` first asks
    whether a text is in Traditional at all.

    tw2s, not t2s: it also reads Taiwan-standard forms (著力 → 着力) and is phrase-aware
    (著作 stays 著作), and texts in standard Traditional convert the same way.
    """
    converter = _converter("tw2s")
    return converter.convert(text) if converter is not None and text else text


def script_variants(term: str) -> tuple[str, ...]:
    """A search term as it is, in Simplified and in Traditional characters, so that a
    search finds a version published in either script (开放 also finds 開放)."""
    to_traditional = _converter("s2t")
    traditional = to_traditional.convert(term) if to_traditional is not None else term
    return tuple(dict.fromkeys([term, each_to_simplified(term), traditional]))


@lru_cache(maxsize=65536)
def to_simplified(text: str) -> str:
    """Convert a text in Traditional characters to Simplified (:func:`each_to_simplified`);
    a text in Simplified is returned as it is, since tw2s reads its 著 as the Taiwan form
    of 着 and would quote a Simplified 显著 as 显着."""
    return each_to_simplified(text) if script(text) == "traditional" else text


_HAN_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


@lru_cache(maxsize=4096)
def script(text: str) -> str | None:
    """Say whether ``text`` is written in ``traditional`` or ``simplified`` characters:
    traditional when standard Traditional → Simplified conversion (OpenCC t2s, which
    leaves every Simplified text of the corpora alone) changes it, simplified when it has
    Chinese characters and t2s changes none, None when it has no Chinese characters."""
    converter = _converter("t2s")
    if not text or converter is None or not _HAN_CHAR.search(text):
        return None
    return "traditional" if converter.convert(text) != text else "simplified"


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


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
_HALF_TO_FULL = str.maketrans(
    {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
)
_HALF_PUNCTUATION = re.compile(r"[,;:?!()]")
_LINE_END = "。！？；：!?;:”’」』）)》】"
_ITEM_START = re.compile(
    r"^(?:第[一二三四五六七八九十百千零〇两兩\d]+[条條章节節编編]|[（(][一二三四五六七八九十\d]+[）)]"
    r"|[一二三四五六七八九十]+、|\d{1,2}[.．、）)]|[①-⑳])"
)
_SPACES = re.compile(r"[^\S\n]+")
# Characters a Chinese (or Japanese) text sets without spaces between them: ideographs,
# CJK and full-width punctuation, kana, bopomofo. Hangul is not among them: Korean puts
# spaces between words. Quotation marks “” and dashes are shared with Latin text, so they
# do not count either.
_CJK_SET = (
    "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u31c0-\u31ef"
    "\u3200-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe10-\ufe1f\ufe30-\ufe4f"
    "\uff00-\uff9f\uffe0-\uffef\U00020000-\U0003134f"
)
_SPACE_BESIDE_CJK = re.compile(f"(?<=[{_CJK_SET}]) | (?=[{_CJK_SET}])")
# An article or a section label at the start of a line (第十二条, 第十条之一, 第三章, and
# in Traditional characters 第十二條), as segment.ARTICLE and LAW_HEADING read them.
_LABEL_AT_LINE_START = re.compile(
    r"^((?>第[一二三四五六七八九十百千零〇两兩\d０-９]+"
    r"(?:[条條](?:之[一二三四五六七八九十百千零〇两兩\d０-９]+)?|部分|分[编編]|[编編章节節])))"
    r"[ ]*(?=\S)"
)


def unify_punctuation(text: str) -> str:
    """Write half-width punctuation that stands beside Chinese text in full width, as
    Chinese typesetting does (drafts converted from PDF often come with ``,`` for ``，``).
    Punctuation between Latin letters or digits (1,000; a:b) is left alone."""

    def widen(match: re.Match[str]) -> str:
        before = text[match.start() - 1 : match.start()]
        after = text[match.end() : match.end() + 1]
        if _CJK.match(before) or _CJK.match(after):
            return match.group().translate(_HALF_TO_FULL)
        return match.group()

    return _HALF_PUNCTUATION.sub(widen, text)


def repair_hard_wraps(lines: list[str]) -> list[str]:
    """Join lines that a hard wrap broke inside a sentence: a line that does not end a
    sentence or clause, followed by one that does not start a numbered item or article.
    """
    joined: list[str] = []
    for line in lines:
        if (
            joined
            and not joined[-1].endswith(tuple(_LINE_END))
            and not _ITEM_START.match(line)
        ):
            glue = " " if joined[-1][-1:].isascii() and line[:1].isascii() else ""
            joined[-1] += glue + line
        else:
            joined.append(line)
    return joined


def layout_free(text: str) -> str:
    """The text as a reader compares it, without its layout: lines stripped, blank lines
    dropped, hard wraps inside sentences joined, and punctuation width unified.

    A space is layout in Chinese text, as the matching key has it: spaces beside a Chinese
    character or full-width punctuation are dropped (适用 《…》 reads 适用《…》), a run of
    spaces between Latin words or numbers is read as one. The one space kept is after a
    line's leading article or section label, written whether or not the source has it
    (第二条　本法 and 第二条本法 both read 第二条 本法). The words and their order are kept.
    """
    lines = [
        _SPACES.sub(" ", line).strip()
        for line in without_layout_marks(text).splitlines()
    ]
    joined = repair_hard_wraps([line for line in lines if line])
    # Twice: widening a comma can leave a space beside the full-width one.
    return "\n".join(
        _drop_cjk_spaces(unify_punctuation(_drop_cjk_spaces(line))) for line in joined
    )


def _drop_cjk_spaces(line: str) -> str:
    label = _LABEL_AT_LINE_START.match(line)
    if label is None:
        return _SPACE_BESIDE_CJK.sub("", line)
    return label.group(1) + " " + _SPACE_BESIDE_CJK.sub("", line[label.end() :])


_HEADING_NUMBER = re.compile(
    r"^附件\s*\d*\s*[:：]?\s*|^\S*?[章节節编編篇、）)]\s*|^第\S+[章节節编編篇]\s*"
)


def section_title(heading: str) -> str:
    """A heading's title as compared across versions: numbering (第三章, 二、, （四）) and
    spaces left out, so a renumbered section is the same section."""
    return matching_key(_HEADING_NUMBER.sub("", heading))


_NON_WORD = re.compile(r"[\W_]+")


@lru_cache(maxsize=65536)
def bigrams(key: str) -> Counter:
    """Character bigrams of a matching key, punctuation left out (unigrams for a key of one
    character). Cached: the aligner and the measure matcher ask for the same keys often.
    The Counter is shared, so callers must not change it."""
    chars = _NON_WORD.sub("", key)
    if len(chars) < 2:
        return Counter(chars)
    return Counter(chars[i : i + 2] for i in range(len(chars) - 1))


def dice(a: str, b: str) -> float:
    """Dice coefficient of the character bigrams of two matching keys, in [0, 1]."""
    fa, fb = bigrams(a), bigrams(b)
    total = sum(fa.values()) + sum(fb.values())
    return 2 * sum((fa & fb).values()) / total if total else 1.0

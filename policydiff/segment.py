"""Segment a policy or law text into a clause tree: headings › clauses › sentences.

Two genres, told apart by the text itself:

* laws (第X条 / Article N at the start of lines): a clause is an article, with its paragraphs
  and （一） items; 第X编/章/节 (Part, Chapter, Section) and 附件 are headings;
* plans (一、 （一） 1. （1） headings): a clause is a paragraph under its headings, named by its
  lead sentence; a numbered line that carries its own text is an item clause, and when it
  opens with a title (（九）对标…环境。全面落实…) the paragraphs after it belong to it.

The title and notes before the text and a table of contents (目录) become ``front`` clauses,
so that every character of the text belongs to exactly one node, but for its layout:
whitespace (any Unicode space), invisible characters (a BOM, zero-width spaces) and PDF page
numbers (— 3 —) left between clauses. Layout is read through: a page number or a hard wrap
inside a clause stays in its text but not in its key. 條/節/編 are read as 条/节/编.
Offsets always point into the original text: a clause's ``text`` is ``source[start:end]``.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass

from .errors import InputError
from .model import Clause, ClauseTree, Heading, Sentence
from .normalize import (
    INVISIBLE_CHARS,
    PAGE_NUMBER,
    chinese_number,
    matching_key,
    to_simplified,
    without_layout_marks,
)

_NUM = r"[一二三四五六七八九十百千零〇两\d０-９]+"
# Whitespace of every kind, and the invisible characters web pages indent or pad with.
_BLANK = rf"[\s{INVISIBLE_CHARS}]"
# The same characters as a string for str.strip, which is linear where a regex anchored at
# the end of a long run of spaces is not. Every whitespace character lies in the BMP.
_BLANK_CHARS = "".join(c for c in map(chr, range(0x10000)) if c.isspace()) + re.sub(
    r"(.)-(.)",
    lambda m: "".join(map(chr, range(ord(m[1]), ord(m[2]) + 1))),
    INVISIBLE_CHARS,
)
# PDF copies set Arabic numbers apart: 第 1 条.
_PAD = r"[ \u3000\u00a0]?"
_HEADING_KIND = r"部分|分[编編]|[编編章节節篇]"

# 第一百二十条之一: an article inserted by an amendment after 第一百二十条 (條 in Traditional).
ARTICLE = re.compile(
    rf"^第{_PAD}({_NUM}){_PAD}[条條](?:之({_NUM}))?(?:{_BLANK}+|(?=\S)|$)"
)
ARTICLE_EN = re.compile(r"^(?:Article|ARTICLE|Art\.)\s+(\d+)\b\.?")
LAW_HEADING = re.compile(rf"^第{_PAD}({_NUM}){_PAD}({_HEADING_KIND}){_BLANK}*(.*)$")
LAW_HEADING_EN = re.compile(
    r"^(Part|PART|Chapter|CHAPTER|Section|SECTION)\s+([IVXLC\d]+)\b[.:]?\s*(.*)$"
)
# 附件1, 附件2：开放措施清单: an annex after the text is a part of its own.
ANNEX = re.compile(rf"^(附件(?:{_BLANK}*{_NUM})?)(?:{_BLANK}*[:：]|{_BLANK}+|$)(.*)$")
# What follows an article number that is set apart: 第二条　…, 第二条之一　…
_ARTICLE_SPACE = re.compile(rf"(?:之{_NUM})?{_BLANK}")
# 目录 just before the first entry of a table of contents run into its line.
_CONTENTS_BEFORE = re.compile(rf"目{_BLANK}*[录錄]{_BLANK}*$")
# An article or heading number anywhere in a line: where a text that lost its line breaks
# (pasted from a web page) starts its next part.
STRUCTURE_MARK = re.compile(
    rf"第{_PAD}{_NUM}{_PAD}(?:(?P<article>[条條])|{_HEADING_KIND})"
)
LAW_HEADING_RANK = {
    "附件": 0,  # an annex closes every part of the text before it
    "编": 1,
    "篇": 1,  # five-year plans: 第一篇 › 第一章
    "部分": 1,  # plans: 第一部分 总体要求
    "Part": 1,
    "PART": 1,
    "分编": 1.5,  # the Civil Code divides some 编 into 分编 before its 章
    "章": 2,
    "Chapter": 2,
    "CHAPTER": 2,
}
LAW_HEADING_RANK_DEFAULT = 3  # 节, Section

# Plan numbering, outermost first. Each pattern captures the numeral and the rest of the line.
PLAN_MARKERS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(r"^([一二三四五六七八九十]+)[、．.]\s*(.*)$")),
    (2, re.compile(r"^[（(]([一二三四五六七八九十]+)[）)]\s*(.*)$")),
    (3, re.compile(r"^(\d{1,2})[.．、](?!\d)\s*(.*)$")),
    (3.5, re.compile(r"^(\d{1,2}\.\d{1,2})\.?\s+(.*)$")),
    (4, re.compile(r"^[（(](\d{1,2})[）)]\s*(.*)$")),
    (4, re.compile(r"^(\d{1,2})[）)]\s*(.*)$")),  # 1） and 1) are written for （1） too
    (5, re.compile(r"^([①-⑳])\s*(.*)$")),
)
CONTENTS_LINE = re.compile(rf"^目{_BLANK}*[录錄]$|^Contents$|^CONTENTS$")
# A cross-reference that a hard wrap put at the start of a line, not a new article:
# 第三十条规定…, Article 3 of this Law.
CROSS_REFERENCE_TAIL = re.compile(r"^(?:[、至和或及]|规定|的规定|第|\s*[a-z,;])")
SENTENCE_END = "。！？!?"
LINE_END = "。！？；：!?;:."
CLOSERS = "”’」』）)》】\"'"
# Columns, a CJK character taking two: 40 Chinese characters, or 80 Latin ones.
HEADING_MAX_WIDTH = 80
LABEL_LEAD_CHARS = 24
# Punctuation that a sentence has and a title does not.
_SENTENCE_PUNCTUATION = re.compile(r"[。！？；：，!?;:,]")
_FIRST_SENTENCE = re.compile(
    rf"[^{SENTENCE_END}]*[{SENTENCE_END}][{re.escape(CLOSERS)}]*"
)


@dataclass
class _Line:
    start: int
    end: int
    text: str  # stripped of surrounding whitespace; start/end point at it
    after_blank: bool = False  # a blank line comes before it (not a page break)
    indent: str = ""  # the whitespace before it on its line

    @property
    def chars(self) -> int:
        """How many characters the line takes, with its indentation."""
        return len(self.indent) + len(self.text)

    @property
    def columns(self) -> int:
        """How many columns the line takes, with its indentation."""
        return _width(self.indent + self.text)


@dataclass
class _Block:
    """A run of lines that becomes one node: a heading or a clause."""

    role: str  # heading | article | paragraph | item | front
    lines: list[_Line]
    rank: int = 0
    number: str = ""
    numeral: int | None = None
    title: str = ""  # a heading's title; the title an item opens with, if any
    display: str = ""  # how the heading reads in a path, when not its first line

    @property
    def start(self) -> int:
        return self.lines[0].start

    @property
    def end(self) -> int:
        return self.lines[-1].end


def segment(text: str, label: str = "") -> ClauseTree:
    """Split ``text`` into headings and clauses (with their sentences).

    :param label: the version label, used as the prefix of every clause id (``2009:a12``).
    """
    lines = _split_lines(text)
    if not lines:
        raise InputError(f"{label or 'text'}: the text is empty")
    blocks = _law_blocks(lines) if _is_law(lines) else _plan_blocks(lines)
    return _build_tree(text, blocks, label)


# ---------------------------------------------------------------------------- lines


def _split_lines(text: str) -> list[_Line]:
    """The lines of ``text`` that carry text, stripped, with their offsets and whether a
    blank line comes before them; a line that runs several articles or headings together
    is cut before each of them, and a page number is skipped with the blank lines around
    it (a page break is no paragraph break)."""
    lines: list[_Line] = []
    gap: set[str] = set()
    for match in re.finditer(r"^.*$", text, re.MULTILINE):
        physical = match.group()
        if not _strip(physical):
            gap.add("blank")
            continue
        if PAGE_NUMBER.match(physical):
            gap.add("page")
            continue
        cuts = [0, *_run_on_cuts(physical), len(physical)]
        for a, b in itertools.pairwise(cuts):
            piece = physical[a:b]
            stripped = _strip(piece)
            if not stripped:
                continue
            start = match.start() + a + piece.index(stripped)
            indent = text[match.start() : start] if a == 0 else ""
            after_blank = gap == {"blank"}
            lines.append(
                _Line(start, start + len(stripped), stripped, after_blank, indent)
            )
            gap = set()
    return lines


def _strip(text: str) -> str:
    """``text`` without the whitespace and invisible characters around it."""
    return text.strip(_BLANK_CHARS)


def _run_on_cuts(line: str) -> list[int]:
    """Where to cut a line that runs a law together: before an article that follows a
    sentence end and is set apart by a space (…制定本法。第二条　…), before a heading that
    follows a sentence end, and before whatever follows a heading's short title
    (第一章　总则　第一条 …), so that a whole law pasted as one line reads as it was printed.
    The text before the first heading is its title (and 目录, when a table of contents
    follows it) if short-titled headings lead from it to an article."""
    marks = list(STRUCTURE_MARK.finditer(line))
    opening = _opening_heading(line, marks)
    cuts = []
    # Whether the previous mark was a heading, whose title runs up to this mark.
    after_title = False
    for k, mark in enumerate(marks):
        before = _last_char_before(line, mark.start())
        after_sentence = before in ("", "。", "；", ";")
        if mark["article"]:
            spaced = _ARTICLE_SPACE.match(line, mark.end())
            opens = k == 0 and spaced and _opens_law(line, mark)
            cut = after_title or (after_sentence and spaced) or opens
            after_title = False
        else:
            following = marks[k + 1].start() if k + 1 < len(marks) else len(line)
            title = line[mark.end() : following]
            cut = (after_title or after_sentence or k == opening) and _is_heading_title(
                title
            )
            after_title = cut
        if k == opening:
            contents = _CONTENTS_BEFORE.search(
                line, max(0, mark.start() - 16), mark.start()
            )
            if contents and _last_char_before(line, contents.start()):
                cuts.append(contents.start())
        if cut and before:
            cuts.append(mark.start())
    return cuts


def _opens_law(line: str, mark: re.Match[str]) -> bool:
    """Whether article ``mark``, the first structure mark of ``line``, is 第一条 after the
    law's title or enactment note (中华人民共和国…法　第一条　…, …修正）第一条　…): a law
    without chapters pasted as one line starts there."""
    number = re.search(_NUM, mark.group())
    before = _strip(line[: mark.start()])
    return (
        number is not None
        and chinese_number(number.group()) == 1
        and bool(before)
        and (before[-1] in "）)" or _is_heading_title(before))
    )


def _opening_heading(line: str, marks: list[re.Match[str]]) -> int | None:
    """The index of the first heading mark in ``line`` when it opens the text: it and the
    headings after it have short titles, and an article follows them (第一章　总则第一条,
    or a table of contents, 第一章 总则第二章 …第一章 总则第一条)."""
    first = next((k for k, mark in enumerate(marks) if not mark["article"]), None)
    if first is None:
        return None
    for k in range(first, len(marks)):
        if marks[k]["article"]:
            return first
        following = marks[k + 1].start() if k + 1 < len(marks) else len(line)
        title = line[marks[k].end() : following]
        if not _strip(title) or not _is_heading_title(title):
            return None
    return None


def _last_char_before(line: str, end: int) -> str:
    """The last character before ``end`` that is not blank, or "" for none. Only the
    blanks between two marks are walked over, so a line is read once, whatever its length.
    """
    k = end
    while k and line[k - 1] in _BLANK_CHARS:
        k -= 1
    return line[k - 1 : k]


def _is_heading_title(text: str) -> bool:
    """Whether ``text`` can be a heading's title: short, without a sentence's punctuation."""
    short = _width(_strip(text)) <= HEADING_MAX_WIDTH
    return short and not _SENTENCE_PUNCTUATION.search(text)


def _is_law(lines: list[_Line]) -> bool:
    articles = sum(
        1 for line in lines if ARTICLE.match(line.text) or ARTICLE_EN.match(line.text)
    )
    return articles >= 2


def _ends_line(text: str) -> bool:
    return text.rstrip(CLOSERS)[-1:] in LINE_END


def _width(text: str) -> int:
    """Columns ``text`` takes in print: two for a CJK character, one for a Latin one."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _is_title_like(text: str) -> bool:
    """A line that stands alone: a title, a document number, 附件, （此件公开发布）, a 专栏
    title: short, ending no sentence and without a sentence's punctuation inside."""
    return _is_heading_title(text) and not _ends_line(text)


def _joined(lines: list[_Line]) -> str:
    """The text of hard-wrapped lines read as one: joined directly in Chinese, with a
    space between Latin words."""
    text = lines[0].text
    for line in lines[1:]:
        text += _glue(text, line.text) + line.text
    return text


def _glue(left: str, right: str) -> str:
    return " " if left[-1:].isascii() and right[:1].isascii() else ""


# ---------------------------------------------------------------------------- contents


def _contents_end(texts: list[str], i: int) -> int:
    """Where a table of contents that starts at ``texts[i]`` (目录) ends: its entries are
    heading lines, and the text begins where its first entry comes again (a 第一节 may
    come under every chapter, and the text's own 第一章 does not)."""
    first = None
    j = i + 1
    while j < len(texts):
        entry = _contents_entry(texts[j])
        if entry is None or entry == first:
            break
        first = first or entry
        j += 1
    return j


def _contents_entry(text: str) -> tuple[float, str] | None:
    """The (rank, number) of a table of contents entry, or None for a line that is not one."""
    marker = _plan_marker(text)
    if marker is None:
        return None
    rank, number, rest = marker
    if _width(rest) > HEADING_MAX_WIDTH or _count_sentences(rest) > 1:
        return None
    return rank, number


# ---------------------------------------------------------------------------- laws


def _law_heading(text: str) -> tuple[int, str, str] | None:
    """Return (rank, number, title) when ``text`` is a 第X章-style heading line (or 附件)."""
    match = LAW_HEADING.match(text)
    if match:
        numeral, kind, title = match.groups()
        if _width(title) > HEADING_MAX_WIDTH or "。" in title or ARTICLE.match(title):
            return None
        rank = LAW_HEADING_RANK.get(to_simplified(kind), LAW_HEADING_RANK_DEFAULT)
        return rank, f"第{numeral}{kind}", _strip(title)
    match = ANNEX.match(text)
    if match and _is_heading_title(match.group(2)):
        return LAW_HEADING_RANK["附件"], match.group(1), _strip(match.group(2))
    match = LAW_HEADING_EN.match(text)
    if match and not _reads_as_sentence(match.group(3)):
        kind, numeral, title = match.groups()
        return (
            LAW_HEADING_RANK.get(kind, LAW_HEADING_RANK_DEFAULT),
            f"{kind} {numeral}",
            title,
        )
    return None


def _reads_as_sentence(title: str) -> bool:
    """Whether what follows "Section 6" is a sentence about section 6, not its title: a
    title is short and starts with a capital, and one that ends in a full stop has no more
    lower-case words than others ("Section 6 states terms for…" and "Section 6 States the
    terms for distribution of such executables." are sentences; "17. Interpretation of
    Sections 15 and 16." is a title)."""
    title = title.strip()
    words = title.split()
    lower = sum(word[:1].islower() for word in words)
    return (
        _width(title) > HEADING_MAX_WIDTH
        or title[:1].islower()
        or (title.endswith(".") and len(words) > 3 and lower * 2 > len(words))
    )


def _article_start(
    line: _Line, previous: _Line | None, last_number: int
) -> tuple[str, int] | None:
    """Return (label, number) when ``line`` opens a new article, telling articles from a
    hard-wrapped cross-reference (…依照本法 / 第三十条规定…) by numbering and context."""
    match = ARTICLE.match(line.text) or ARTICLE_EN.match(line.text)
    if not match:
        return None
    number = chinese_number(match.group(1))
    if number is None:
        return None
    tail = line.text[match.end() :]
    label = _strip(match.group())
    if match.re is ARTICLE and match.group(2):
        # An inserted article (第X条之一) follows article X itself.
        return (label, number) if number == last_number else None
    if last_number == 0 or number == last_number + 1:
        if (
            CROSS_REFERENCE_TAIL.match(tail)
            and previous
            and not _ends_line(previous.text)
        ):
            return None
        return label, number
    follows_break = (
        previous is None
        or _ends_line(previous.text)
        or _law_heading(previous.text) is not None
    )
    spaced = match.group() != match.group().rstrip() or tail[:1] in ("", "\u3000")
    if (
        number > last_number
        and follows_break
        and (spaced or not CROSS_REFERENCE_TAIL.match(tail))
    ):
        return label, number
    return None


def _law_blocks(lines: list[_Line]) -> list[_Block]:
    blocks: list[_Block] = []
    last_number = 0
    current: _Block | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        previous = lines[i - 1] if i else None
        if CONTENTS_LINE.match(line.text) and last_number == 0:
            end = _contents_end([line.text for line in lines], i)
            blocks.append(_Block("front", lines[i:end], title="目录"))
            current, i = None, end
            continue
        heading = _law_heading(line.text)
        article = _article_start(line, previous, last_number)
        if article:
            label, last_number = article
            current = _Block("article", [line], number=label, numeral=last_number)
            blocks.append(current)
        elif heading and (
            current is None or current.role != "article" or _ends_line(previous.text)
        ):
            rank, number, title = heading
            current = _Block("heading", [line], rank=rank, number=number, title=title)
            while i + 1 < len(lines) and _continues_heading(current, lines[i + 1]):
                i += 1
                _extend_heading(current, lines[i])
            blocks.append(current)
            current = None
        elif current is not None and current.role in ("article", "paragraph"):
            current.lines.append(line)
        else:
            role = (
                "front"
                if last_number == 0 and not _has_heading(blocks)
                else "paragraph"
            )
            current = _Block(role, [line])
            blocks.append(current)
            if role == "front":
                current = None  # one front clause per line: title, notes, …
        i += 1
    return blocks


def _continues_heading(heading: _Block, line: _Line) -> bool:
    """Whether ``line`` is the rest of a heading split over two lines (第二章 / 动物疫病的
    预防, or a long title hard-wrapped): in a law a heading is followed by an article or
    another heading, not by a short line that ends no sentence."""
    return (
        _plan_marker(line.text) is None
        and not ARTICLE.match(line.text)
        and not ARTICLE_EN.match(line.text)
        and not CONTENTS_LINE.match(line.text)
        and _is_title_like(line.text)
        and _width(heading.title + line.text) <= HEADING_MAX_WIDTH
    )


def _extend_heading(heading: _Block, line: _Line) -> None:
    """Add the next line of a split heading to its title and to how it reads: after a bare
    number with a space (第二章 动物疫病的预防), after a title as wrapped lines join."""
    shown = heading.display or heading.lines[0].text
    glue = _glue(heading.title, line.text) if heading.title else " "
    heading.lines.append(line)
    heading.title = (heading.title + glue if heading.title else "") + line.text
    heading.display = shown + glue + line.text


def _has_heading(blocks: list[_Block]) -> bool:
    return any(b.role == "heading" for b in blocks)


# ---------------------------------------------------------------------------- plans


def _plan_marker(text: str) -> tuple[float, str, str] | None:
    for rank, pattern in PLAN_MARKERS:
        match = pattern.match(text)
        if match:
            return rank, match.group(1), match.group(2)
    heading = _law_heading(text)
    if heading:
        return heading[0] - 3, heading[1], heading[2]
    return None


def _is_heading_line(
    marker: tuple[float, str, str], following: _Line | None, in_list: bool
) -> bool:
    """A numbered line is a heading when it is short, one sentence at most, and what follows
    it is body text or deeper numbering; otherwise it is an item that carries its own text.
    The last entry of a list of short items is an item too, whatever follows it.
    """
    rank, _, rest = marker
    if _width(rest) > HEADING_MAX_WIDTH or _count_sentences(rest) > 1:
        return False
    if following is None:
        return False
    next_marker = _plan_marker(following.text)
    if next_marker is None:
        return not in_list
    return next_marker[0] > rank


def _count_sentences(text: str) -> int:
    return len([s for s in re.split(f"[{SENTENCE_END}]", text) if s.strip()])


def _plan_blocks(lines: list[_Line]) -> list[_Block]:
    paragraphs = _paragraph_lines(lines)
    texts = [_joined(p) for p in paragraphs]
    blocks: list[_Block] = []
    # For each rank, whether the last numbered line at that rank was a list entry.
    in_list: dict[float, bool] = {}
    k = 0
    while k < len(paragraphs):
        text = texts[k]
        following = paragraphs[k + 1][0] if k + 1 < len(paragraphs) else None
        marker = _plan_marker(text)
        if CONTENTS_LINE.match(text) and not _has_heading(blocks):
            end = _contents_end(texts, k)
            contents = [line for p in paragraphs[k:end] for line in p]
            blocks.append(_Block("front", contents, title="目录"))
            k = end
            continue
        if marker:
            rank = marker[0]
            block = _numbered_block(marker, paragraphs[k], text, following, in_list)
            in_list = {r: e for r, e in in_list.items() if r < rank}
            in_list[rank] = block.role == "item" and not block.title
        elif all(b.role == "front" for b in blocks) and _is_title_like(text):
            block = _Block("front", paragraphs[k])  # the title, a document number, …
        else:
            block = _Block("paragraph", paragraphs[k])
        blocks.append(block)
        k += 1
    return blocks


def _numbered_block(
    marker: tuple[float, str, str],
    lines: list[_Line],
    text: str,
    following: _Line | None,
    in_list: dict[float, bool],
) -> _Block:
    """A numbered paragraph as a heading or as an item, with how it reads in a path."""
    rank, number, rest = marker
    if _is_heading_line(marker, following, in_list.get(rank, False)):
        return _Block(
            "heading", lines, rank=rank, number=number, title=rest, display=text
        )
    title = _opening_title(rest)
    display = text[: len(text) - len(rest) + len(title)] if title else ""
    return _Block("item", lines, rank=rank, number=number, title=title, display=display)


def _opening_title(rest: str) -> str:
    """The title a numbered paragraph opens with (对标国际先进规则，打造一流营商环境。 in
    （九）对标…环境。全面落实…): a short first sentence with more text after it."""
    first = _FIRST_SENTENCE.match(rest)
    if first and rest[first.end() :].strip():
        return first.group() if _width(first.group()) <= HEADING_MAX_WIDTH else ""
    return ""


def _paragraph_lines(lines: list[_Line]) -> list[list[_Line]]:
    """Group the lines of a plan into paragraphs: a sentence broken by a hard wrap or a
    line break runs on into the next line; a numbered line starts a paragraph of its own.
    """
    layout = _layout(lines)
    paragraphs: list[list[_Line]] = []
    # The number of the last entry at each rank that started a paragraph.
    entries: dict[float, tuple[int, ...] | None] = {}
    for line in lines:
        marker = _plan_marker(line.text)
        next_entry = marker is not None and _follows(entries.get(marker[0]), marker[1])
        if paragraphs and not next_entry and _runs_on(paragraphs[-1], line, layout):
            paragraphs[-1].append(line)
            continue
        paragraphs.append([line])
        if marker:
            rank, number, _ = marker
            entries = {r: n for r, n in entries.items() if r < rank}
            entries[rank] = _ordinal(number)
    return paragraphs


def _ordinal(number: str) -> tuple[int, ...] | None:
    """The numbers of a numbering mark: 3 for 三、, （三）, 3. or 第三章; 1, 2 for 1.2."""
    heading = LAW_HEADING.match(number)
    parts = [chinese_number(p) for p in (heading[1] if heading else number).split(".")]
    return None if None in parts else tuple(parts)


def _follows(last: tuple[int, ...] | None, number: str) -> bool:
    """Whether ``number`` comes right after the entry numbered ``last``: a list goes on,
    where a line that a hard wrap broke would start with any number (…under section / 7.).
    """
    ordinal = _ordinal(number)
    if last is None or ordinal is None:
        return False
    return ordinal[:-1] == last[:-1] and ordinal[-1] == last[-1] + 1


@dataclass(frozen=True)
class _Layout:
    """Where a text was hard-wrapped, in characters and in columns (a PDF fits more digits
    in a line, a text editor does not), and whether blank lines set its paragraphs apart.
    """

    chars: float
    columns: float
    blank_paragraphs: bool
    #: Whether it indents the first line of a paragraph (　　) and not the lines a hard
    #: wrap made, so a line without indent carries on the paragraph before it.
    indented_paragraphs: bool = False


def _layout(lines: list[_Line]) -> _Layout | None:
    """How the text was laid out, or None when it was not hard-wrapped."""
    chars = _common_longest([line.chars for line in lines])
    columns = _common_longest([line.columns for line in lines])
    if chars is None and columns is None:
        return None
    # Blank lines one line in ten or more; a page break now and then sets nothing apart.
    blank_paragraphs = sum(line.after_blank for line in lines) * 10 >= len(lines)
    indented = sum(bool(line.indent) for line in lines)
    indented_paragraphs = len(lines) < indented * 10 < len(lines) * 9
    return _Layout(
        chars or float("inf"),
        columns or float("inf"),
        blank_paragraphs,
        indented_paragraphs,
    )


def _common_longest(lengths: list[int]) -> int | None:
    """The length hardly any line passes, when two lines in five or more come near it
    (within a word's length, in Latin text)."""
    lengths = sorted(lengths)
    longest = lengths[len(lengths) * 19 // 20]
    reaching = sum(1 for n in lengths if n >= longest * 0.85)
    return longest if len(lengths) >= 5 and reaching * 5 >= len(lengths) * 2 else None


def _runs_on(paragraph: list[_Line], line: _Line, layout: _Layout | None) -> bool:
    """Whether ``line`` carries on the paragraph before it. In a text that sets its
    paragraphs apart with blank lines, only a blank line or a numbered line starts anew.
    After a line that a hard wrap broke inside a sentence, ``line`` carries on even across
    a page break or when it starts like a number (…监管方式代码121 / 0）…, …under section /
    7.  This requirement…), unless it is the next entry of a list (_paragraph_lines tells).
    Otherwise a numbered line starts anew, and so does a line after a blank line, a
    numbered heading, a sentence end, or a line that stands alone (a title, 附件,
    （此件公开发布）)."""
    previous = paragraph[-1]
    unfinished = not _ends_line(previous.text)
    blank_paragraphs = layout is not None and layout.blank_paragraphs
    if line.after_blank and blank_paragraphs:
        return False
    if unfinished and _is_wrapped(previous, line, layout):
        return True
    if (
        layout is not None
        and layout.indented_paragraphs
        and not line.indent
        and _is_wrapped(previous, line, layout)
        and not _plan_marker(line.text)
    ):
        return True  # a sentence ended at the margin, and the paragraph goes on
    if line.after_blank or _plan_marker(line.text):
        return False
    if blank_paragraphs:
        return True
    if _plan_marker(paragraph[0].text):
        return False
    return unfinished and not _is_title_like(previous.text)


def _is_wrapped(previous: _Line, line: _Line, layout: _Layout | None) -> bool:
    """Whether ``previous`` was wrapped at the margin: the next line's first word would
    not have fitted after it (give or take a tenth: a text editor fills lines loosely); a
    Chinese line reaches the margin, or stops a character short (a comma may not start a
    line)."""
    if layout is None:
        return False
    word = re.match(r"[A-Za-z'\"(-]+", line.text)
    if word:
        return previous.columns + 1 + len(word.group()) > layout.columns * 0.9
    return previous.chars >= layout.chars - 1 or previous.columns >= layout.columns - 2


# ---------------------------------------------------------------------------- tree


def _build_tree(text: str, blocks: list[_Block], label: str) -> ClauseTree:
    prefix = f"{label}:" if label else ""
    headings: list[Heading] = []
    clauses: list[Clause] = []
    stack: list[tuple[_Block, Heading | None]] = []
    counters: dict[tuple, int] = {}
    used_ids: set[str] = set()
    for block in blocks:
        if block.role in ("heading", "item"):
            while stack and stack[-1][0].rank >= block.rank:
                stack.pop()  # a numbered line closes the sections it is a sibling of
        if block.role == "heading":
            heading = _make_heading(text, block, stack, prefix, len(headings))
            headings.append(heading)
            stack.append((block, heading))
            continue
        # Places whose addresses read the same (the text before section 0 and section 0
        # itself, both 0) share one numbering, so that ids stay unique.
        place = _place(b for b, _ in stack)
        counters[(block.role, place)] = counters.get((block.role, place), 0) + 1
        clause_id = _unique(
            prefix + _clause_address(block, place, counters[(block.role, place)]),
            used_ids,
        )
        if block.role == "item" and block.title:
            # An item that opens with a title is a heading run into its first paragraph:
            # it heads its own path and the paragraphs after it, its second, third, …
            stack.append((block, None))
            counters[("paragraph", _place(b for b, _ in stack))] = 1
        clauses.append(_make_clause(text, block, stack, clause_id, len(clauses)))
    return ClauseTree(
        text=text, headings=tuple(headings), clauses=tuple(clauses), label=label
    )


def _address_part(block: _Block) -> str:
    """How a heading or an item is named in clause ids: by its number (第三章 → 3, （二） → 2,
    Section 6 → 6, Part IV → IV), an annex as annex1, so that it does not stand for the
    text's own 一、."""
    annex = block.number.startswith("附件")
    heading = LAW_HEADING.match(block.number)
    english = LAW_HEADING_EN.match(block.number)
    if heading:
        numeral = heading.group(1)
    elif english:
        numeral = english.group(2)
    else:
        numeral = block.number.removeprefix("附件")
    if block.numeral is None:
        block.numeral = chinese_number(numeral) if _strip(numeral) else None
    if annex:
        return f"annex{'' if block.numeral is None else block.numeral}"
    if block.numeral is not None:
        return str(block.numeral)
    return numeral if english else block.number


def _place(blocks) -> str:
    """The address of the headings (and items) a clause is under: 2.3, or 0 for none."""
    return ".".join(_address_part(b) for b in blocks) or "0"


def _clause_address(block: _Block, place: str, count: int) -> str:
    if block.role == "article":
        inserted = ARTICLE.match(block.number)
        if inserted and inserted.group(2):
            return f"a{block.numeral}.{chinese_number(inserted.group(2))}"
        return f"a{block.numeral}"
    if block.role == "front":
        return f"f{count}"
    if block.role == "item":
        return f"{place}.{_address_part(block)}"
    return f"{place}.p{count}"


def _unique(candidate: str, used: set[str]) -> str:
    clause_id, n = candidate, 1
    while clause_id in used:
        n += 1
        clause_id = f"{candidate}-{n}"
    used.add(clause_id)
    return clause_id


def _heading_display(block: _Block) -> str:
    """How a heading reads in a path: its line, or its lines joined when it was split, and
    for an item that opens a section, its number and title."""
    return block.display or block.lines[0].text


def _make_heading(
    text: str, block: _Block, stack: list, prefix: str, ordinal: int
) -> Heading:
    path = tuple(_heading_display(b) for b, _ in stack) + (_heading_display(block),)
    return Heading(
        id=f"{prefix}h{ordinal + 1}",
        label=block.number,
        title=block.title,
        level=len(stack) + 1,
        path=path,
        text=text[block.start : block.end],
        start=block.start,
        end=block.end,
    )


def _make_clause(
    text: str, block: _Block, stack: list, clause_id: str, ordinal: int
) -> Clause:
    source = text[block.start : block.end]
    body_offset = _label_length(block, source)
    sentences = split_sentences(text, block.start, block.end, body_offset)
    return Clause(
        id=clause_id,
        label=_clause_label(block, stack, source[body_offset:]),
        kind=block.role,
        ordinal=ordinal,
        path=tuple(_heading_display(b) for b, _ in stack),
        text=source,
        start=block.start,
        end=block.end,
        key=_key(source[body_offset:]),
        sentences=sentences,
        number=block.numeral if block.role == "article" else None,
    )


def _label_length(block: _Block, source: str) -> int:
    """How many leading characters of the clause are its numbering (第十二条, （三）)."""
    if block.role == "article":
        match = ARTICLE.match(source) or ARTICLE_EN.match(source)
        return match.end() if match else 0
    if block.role == "item":
        for _, pattern in PLAN_MARKERS:
            match = pattern.match(block.lines[0].text)  # the pattern reads one line
            if match:
                return match.start(2)
    return 0


def _key(text: str) -> str:
    """The matching key of a clause's or a sentence's text, without its layout: PDF page
    numbers and the invisible characters web pages indent with."""
    return matching_key(without_layout_marks(text))


def _lead(body: str) -> str:
    """The lead sentence that names a plan paragraph, shortened for a label."""
    first = re.split(f"[{SENTENCE_END}；;\n]", body.strip(), maxsplit=1)[0].strip()
    if len(first) > LABEL_LEAD_CHARS:
        first = first[: LABEL_LEAD_CHARS - 1] + "…"
    return first


def _clause_label(block: _Block, stack: list, body: str) -> str:
    if block.role == "article":
        return block.number
    numbered = [b for b, _ in stack if b is not block]
    if block.role == "item":
        numbered.append(block)
    numbers, spaced = "", False
    for b in numbered:  # 二（三）, but 2 1.1 where digits would run together
        part = _numbering(b)
        if spaced or numbers[-1:].isdigit() and part[:1].isdigit():
            numbers += " "
        numbers += part
        spaced = _is_named_number(b)
    lead = _lead(body)
    if spaced or numbers[-1:] == ")" and lead[:1].isascii():
        numbers += " "  # 第一部分 到2025年…, 附件1 序号, (1) assert…
    elif numbers and numbers[-1] not in "）)":
        numbers += "、" if not numbers[-1].isascii() else ". "
    return f"{numbers}{lead}"


def _is_named_number(block: _Block) -> bool:
    """Whether a heading's number reads as words (第一章, 附件1) rather than as a mark (二、)."""
    return block.role == "heading" and block.rank <= 0


def _numbering(block: _Block) -> str:
    """How a heading's number reads inside a label: 二 for 二、, （三） for （三）."""
    if _is_named_number(block):
        return block.number
    line = block.lines[0].text
    for rank, pattern in PLAN_MARKERS:
        match = pattern.match(line)
        if match:
            marker = line[: match.start(2)].strip()
            return marker.rstrip("、．.") if rank in (1, 3) else marker
    return block.number


# ---------------------------------------------------------------------------- sentences


_SENTENCE_BREAK = re.compile(
    rf"[{SENTENCE_END}][{re.escape(CLOSERS)}]*"
    r"|(?<=[a-z0-9\)])[.](?=\s+[A-Z(])"
    rf"|[；;：:][{re.escape(CLOSERS)}]*(?=[ \t\u3000\r]*\n)"
)


def split_sentences(
    text: str, start: int, end: int, body_offset: int = 0
) -> tuple[Sentence, ...]:
    """Split ``text[start:end]`` into sentences whose spans cover it, ending a sentence at
    。！？ (and ； or ： at the end of a line, as in a list of items), never at a hard wrap.

    :param body_offset: leading characters (the article label) left out of the first key.
    """
    source = text[start:end]
    bounds = [m.end() for m in _SENTENCE_BREAK.finditer(source)]
    pieces, cursor = [], 0
    for bound in bounds + [len(source)]:
        if source[cursor:bound].strip():
            pieces.append((cursor, bound))
            cursor = bound
    if pieces and cursor < len(source) and not source[cursor:].strip():
        pass
    sentences = []
    for index, (a, b) in enumerate(pieces):
        lead = len(source[a:b]) - len(source[a:b].lstrip())
        a += lead
        key_from = max(a, body_offset)
        sentences.append(
            Sentence(
                index=index,
                text=source[a:b],
                start=start + a,
                end=start + b,
                key=_key(source[key_from:b]),
            )
        )
    return tuple(sentences)

"""Segment a policy or law text into a clause tree: headings › clauses › sentences.

Two genres, told apart by the text itself:

* laws (第X条 / Article N at the start of lines): a clause is an article, with its paragraphs
  and （一） items; 第X编/章/节 (Part, Chapter, Section) are headings;
* plans (一、 （一） 1. （1） headings): a clause is a paragraph under its headings, named by its
  lead sentence; a numbered line that carries its own text is an item clause.

Everything before the first heading or article (title, enactment notes, 目录) becomes ``front``
clauses, so that every non-whitespace character of the text belongs to exactly one node.
Offsets always point into the original text: a clause's ``text`` is ``source[start:end]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import InputError
from .model import Clause, ClauseTree, Heading, Sentence
from .normalize import chinese_number, matching_key

_NUM = r"[一二三四五六七八九十百千零〇两\d０-９]+"
_SPACE = "[\\s\u3000\u00a0]"

# 第一百二十条之一: an article inserted by an amendment after 第一百二十条.
ARTICLE = re.compile(rf"^第({_NUM})条(?:之({_NUM}))?(?:{_SPACE}+|(?=\S)|$)")
# Where a text run together into one line (pasted from a web page) starts its next article:
# after a sentence end, at 第X条 followed by a space.
RUN_ON_ARTICLE = re.compile(rf"(?<=[。；;])[ \t\u3000]*(?=第{_NUM}条[ \t\u3000])")
ARTICLE_EN = re.compile(r"^(?:Article|ARTICLE|Art\.)\s+(\d+)\b\.?")
LAW_HEADING = re.compile(rf"^第({_NUM})(部分|分编|[编章节])(?:{_SPACE}*)(.*)$")
LAW_HEADING_EN = re.compile(
    r"^(Part|PART|Chapter|CHAPTER|Section|SECTION)\s+([IVXLC\d]+)\b[.:]?\s*(.*)$"
)
LAW_HEADING_RANK = {
    "编": 1,
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
    (5, re.compile(r"^([①-⑳])\s*(.*)$")),
)
CONTENTS_LINE = re.compile(rf"^目{_SPACE}*录$|^Contents$|^CONTENTS$")
# A cross-reference that a hard wrap put at the start of a line, not a new article.
CROSS_REFERENCE_TAIL = re.compile(r"^(?:[、至和或及]|规定|的规定|第)")
SENTENCE_END = "。！？!?"
LINE_END = "。！？；：!?;:"
CLOSERS = "”’」』）)》】\"'"
HEADING_MAX_CHARS = 40
LABEL_LEAD_CHARS = 24


@dataclass
class _Line:
    start: int
    end: int
    text: str  # stripped of surrounding whitespace; start/end point at it


@dataclass
class _Block:
    """A run of lines that becomes one node: a heading or a clause."""

    role: str  # heading | article | paragraph | item | front
    lines: list[_Line]
    rank: int = 0
    number: str = ""
    numeral: int | None = None
    title: str = ""

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
    if not text.strip():
        raise InputError(f"{label or 'text'}: the text is empty")
    lines = _split_lines(text)
    blocks = _law_blocks(lines) if _is_law(lines) else _plan_blocks(lines)
    return _build_tree(text, blocks, label)


# ---------------------------------------------------------------------------- lines


def _split_lines(text: str) -> list[_Line]:
    """The non-blank lines of ``text``, stripped, with their offsets; a line that runs
    several articles together is cut before each of them."""
    lines = []
    for match in re.finditer(r"[^\n]*", text):
        cuts = [0] + [m.end() for m in RUN_ON_ARTICLE.finditer(match.group())]
        for a, b in zip(cuts, cuts[1:] + [len(match.group())]):
            raw = match.group()[a:b]
            stripped = raw.strip(" \t\r\f\v\u3000\u00a0\ufeff")
            if not stripped.strip():
                continue
            start = match.start() + a + raw.index(stripped)
            lines.append(_Line(start, start + len(stripped), stripped))
    return lines


def _is_law(lines: list[_Line]) -> bool:
    articles = sum(
        1 for line in lines if ARTICLE.match(line.text) or ARTICLE_EN.match(line.text)
    )
    return articles >= 2


def _ends_line(text: str) -> bool:
    return text.rstrip(CLOSERS)[-1:] in LINE_END


# ---------------------------------------------------------------------------- laws


def _law_heading(text: str) -> tuple[int, str, str] | None:
    """Return (rank, number, title) when ``text`` is a 第X章-style heading line."""
    match = LAW_HEADING.match(text)
    if match:
        numeral, kind, title = match.groups()
        if len(title) > HEADING_MAX_CHARS or "。" in title or ARTICLE.match(title):
            return None
        rank = LAW_HEADING_RANK.get(kind, LAW_HEADING_RANK_DEFAULT)
        return rank, f"第{numeral}{kind}", title.strip(" \u3000")
    match = LAW_HEADING_EN.match(text)
    if match and len(match.group(3)) <= HEADING_MAX_CHARS * 2:
        kind, numeral, title = match.groups()
        return (
            LAW_HEADING_RANK.get(kind, LAW_HEADING_RANK_DEFAULT),
            f"{kind} {numeral}",
            title,
        )
    return None


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
    label = match.group().strip(" \u3000\t")
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
    in_contents = False
    contents_seen: set[str] = set()
    current: _Block | None = None
    for i, line in enumerate(lines):
        previous = lines[i - 1] if i else None
        heading = _law_heading(line.text)
        if in_contents:
            if heading and heading[1] not in contents_seen:
                contents_seen.add(heading[1])
                current.lines.append(line)
                continue
            in_contents = False
        if CONTENTS_LINE.match(line.text) and last_number == 0:
            current = _Block("front", [line], title="目录")
            blocks.append(current)
            in_contents = True
            continue
        article = _article_start(line, previous, last_number)
        if article:
            label, last_number = article
            current = _Block("article", [line], number=label, numeral=last_number)
            blocks.append(current)
        elif heading and (
            current is None or current.role != "article" or _ends_line(previous.text)
        ):
            rank, number, title = heading
            blocks.append(
                _Block("heading", [line], rank=rank, number=number, title=title)
            )
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
    return blocks


def _has_heading(blocks: list[_Block]) -> bool:
    return any(b.role == "heading" for b in blocks)


# ---------------------------------------------------------------------------- plans


def _plan_marker(text: str) -> tuple[int, str, str] | None:
    for rank, pattern in PLAN_MARKERS:
        match = pattern.match(text)
        if match:
            return rank, match.group(1), match.group(2)
    heading = _law_heading(text)
    if heading:
        return heading[0] - 3, heading[1], heading[2]
    return None


def _is_heading_line(marker: tuple[int, str, str], following: _Line | None) -> bool:
    """A numbered line is a heading when it is short, one sentence at most, and what follows
    it is body text or deeper numbering; otherwise it is an item that carries its own text.
    """
    rank, _, rest = marker
    if len(rest) > HEADING_MAX_CHARS or _count_sentences(rest) > 1:
        return False
    if following is None:
        return False
    next_marker = _plan_marker(following.text)
    return next_marker is None or next_marker[0] > rank


def _count_sentences(text: str) -> int:
    return len([s for s in re.split(f"[{SENTENCE_END}]", text) if s.strip()])


def _plan_blocks(lines: list[_Line]) -> list[_Block]:
    blocks: list[_Block] = []
    current: _Block | None = None
    for i, line in enumerate(lines):
        marker = _plan_marker(line.text)
        following = lines[i + 1] if i + 1 < len(lines) else None
        if marker and _is_heading_line(marker, following):
            rank, number, title = marker
            blocks.append(
                _Block("heading", [line], rank=rank, number=number, title=title)
            )
            current = None
        elif marker:
            rank, number, _ = marker
            current = _Block("item", [line], rank=rank, number=number)
            blocks.append(current)
        elif current is not None and not _ends_line(current.lines[-1].text):
            current.lines.append(line)  # a hard line break inside a sentence
        else:
            current = _Block("paragraph", [line])
            blocks.append(current)
    return blocks


# ---------------------------------------------------------------------------- tree


def _build_tree(text: str, blocks: list[_Block], label: str) -> ClauseTree:
    prefix = f"{label}:" if label else ""
    headings: list[Heading] = []
    clauses: list[Clause] = []
    stack: list[tuple[_Block, Heading]] = []
    counters: dict[tuple, int] = {}
    used_ids: set[str] = set()
    for block in blocks:
        if block.role == "heading":
            while stack and stack[-1][0].rank >= block.rank:
                stack.pop()
            heading = _make_heading(text, block, stack, prefix, len(headings))
            headings.append(heading)
            stack.append((block, heading))
            continue
        address = tuple(_address_part(b) for b, _ in stack)
        counters[(block.role, address)] = counters.get((block.role, address), 0) + 1
        clause_id = _unique(
            prefix + _clause_address(block, address, counters), used_ids
        )
        clauses.append(_make_clause(text, block, stack, clause_id, len(clauses)))
    return ClauseTree(
        text=text, headings=tuple(headings), clauses=tuple(clauses), label=label
    )


def _address_part(block: _Block) -> str:
    if block.numeral is None:
        heading = LAW_HEADING.match(block.number)
        numeral = heading.group(1) if heading else block.number
        block.numeral = chinese_number(numeral) if numeral else None
    return str(block.numeral) if block.numeral is not None else block.number


def _clause_address(block: _Block, address: tuple[str, ...], counters: dict) -> str:
    count = counters[(block.role, address)]
    if block.role == "article":
        inserted = ARTICLE.match(block.number)
        if inserted and inserted.group(2):
            return f"a{block.numeral}.{chinese_number(inserted.group(2))}"
        return f"a{block.numeral}"
    if block.role == "front":
        return f"f{count}"
    base = ".".join(address) if address else "0"
    if block.role == "item":
        return f"{base}.{_address_part(block)}"
    return f"{base}.p{count}"


def _unique(candidate: str, used: set[str]) -> str:
    clause_id, n = candidate, 1
    while clause_id in used:
        n += 1
        clause_id = f"{candidate}-{n}"
    used.add(clause_id)
    return clause_id


def _heading_display(block: _Block) -> str:
    return block.lines[0].text


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
        key=matching_key(source[body_offset:]),
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
            match = pattern.match(source)
            if match:
                return match.start(2)
    return 0


def _lead(body: str) -> str:
    """The lead sentence that names a plan paragraph, shortened for a label."""
    first = re.split(f"[{SENTENCE_END}；;\n]", body.strip(), maxsplit=1)[0].strip()
    if len(first) > LABEL_LEAD_CHARS:
        first = first[: LABEL_LEAD_CHARS - 1] + "…"
    return first


def _clause_label(block: _Block, stack: list, body: str) -> str:
    if block.role == "article":
        return block.number
    parts = [_numbering(b) for b, _ in stack]
    if block.role == "item":
        parts.append(_numbering(block))
    numbers = ""
    for part in parts:  # 二（三）, but 2 1.1 where digits would run together
        numbers += " " + part if numbers[-1:].isdigit() and part[:1].isdigit() else part
    if numbers and numbers[-1] not in "）)":
        numbers += "、" if not numbers[-1].isascii() else ". "
    return f"{numbers}{_lead(body)}"


def _numbering(block: _Block) -> str:
    """How a heading's number reads inside a label: 二 for 二、, （三） for （三）."""
    if block.role == "heading" and block.rank <= 0:
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
    rf"|[；;：:][{re.escape(CLOSERS)}]*(?=[ \t\u3000]*\n)"
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
                key=matching_key(source[key_from:b]),
            )
        )
    return tuple(sentences)

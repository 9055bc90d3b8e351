"""Diff linked clauses word by word, and render comparisons as text, HTML, Markdown or JSON.

A diff is a tuple of diff-match-patch operations ``(op, text)``: -1 delete, 0 equal, 1 insert.
The raw character diff (no time limit, semantic cleanup) is widened to word boundaries, so a
reader sees 探索 → 允许 and not scattered characters. In every diff the equal and delete
texts make the old text, the equal and insert texts make the new one, no text is empty and no
two neighbours have the same op.

What a clause diff (``Change.diff``, the JSON ``diff``) is computed over is not the clauses'
source ``text`` but what a reader compares (see :func:`comparable_texts`): each side's
clauses, each made layout-free (``normalize.layout_free``: lines stripped, hard wraps joined,
spaces beside Chinese characters dropped, punctuation width unified) and joined with
newlines; and, when one side is written in Traditional characters and the other in
Simplified, both converted to Simplified (``normalize.to_simplified``). So joining the equal
and delete texts gives that old side, not the byte-exact source text. The diff then shows
what the aligner's type says: an ``unchanged`` link, whose matching keys are equal, has no
deletions or insertions except, when it was renumbered, its article label (第十二条 → 第十五条),
which the key leaves out. The sentence diffs of ``--unit sentence`` read their sentences the
same way. Every renderer shows these same diffs.
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Callable, Sequence

from .model import Change, Clause, Comparison, DiffOp, SentenceLink
from .normalize import layout_free, script, to_simplified

DELETE, EQUAL, INSERT = -1, 0, 1

_FAST_OPS = {"-": DELETE, "=": EQUAL, "+": INSERT}

# CJK ideographs (URO, Extension A, compatibility, Extensions B–H): cut into words by jieba.
_HAN_RUN = re.compile(
    r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+)"
)
# Elsewhere a word is a run of letters and digits; every other character stands alone.
_OTHER_TOKEN = re.compile(r"[^\W_]+|.", re.DOTALL)


# ---------------------------------------------------------------------------- diffing


def raw_diff(old: str, new: str, *, backend: str = "auto") -> tuple[DiffOp, ...]:
    """Diff two texts by character: diff-match-patch, no time limit, semantic cleanup.

    :param backend: ``fast`` (the C++ fast_diff_match_patch), ``pure`` (diff_match_patch) or
        ``auto``: fast when it is installed. Both give the same ops.
    """
    if backend == "auto":
        backend = "fast" if _fast_module() is not None else "pure"
    if backend == "fast":
        fast = _fast_module()
        if fast is None:
            raise ValueError(
                "backend 'fast' needs fast-diff-match-patch: pip install it"
            )
        ops = fast.diff(
            old,
            new,
            timelimit=0,
            checklines=False,
            cleanup="Semantic",
            counts_only=False,
        )
        return tuple((_FAST_OPS[op], text) for op, text in ops)
    if backend == "pure":
        from diff_match_patch import diff_match_patch

        dmp = diff_match_patch()
        # The default of 1 s silently degrades long diffs to delete-all/insert-all.
        dmp.Diff_Timeout = 0
        ops = dmp.diff_main(old, new, False)
        dmp.diff_cleanupSemantic(ops)
        return tuple((op, text) for op, text in ops)
    raise ValueError(f"unknown diff backend {backend!r}: use 'auto', 'fast' or 'pure'")


@functools.cache
def _fast_module():
    try:
        import fast_diff_match_patch
    except ImportError:
        return None
    return fast_diff_match_patch


@functools.cache
def _cut_words() -> Callable[[str], list[str]]:
    # Imported on first use: loading the dictionary takes ~0.1 s (rjieba) or ~1 s (jieba).
    try:
        import rjieba

        return rjieba.cut
    except ImportError:
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        return lambda text: list(jieba.cut(text))


def tokenize(text: str) -> list[str]:
    """Split text into words: jieba for Chinese, letter/digit runs, single other characters.

    The tokens always join back into ``text``.
    """
    tokens: list[str] = []
    for i, part in enumerate(_HAN_RUN.split(text)):
        if not part:
            continue
        if i % 2:
            words = _cut_words()(part)
            tokens.extend(words if "".join(words) == part else part)
        else:
            tokens.extend(_OTHER_TOKEN.findall(part))
    return tokens


def word_boundaries(text: str) -> frozenset[int]:
    """Return the offsets in ``text`` where a token starts or ends (0 and ``len(text)`` too)."""
    bounds = {0}
    offset = 0
    for token in tokenize(text):
        offset += len(token)
        bounds.add(offset)
    return frozenset(bounds)


def snap_to_words(
    ops: Sequence[DiffOp], old_bounds: frozenset[int], new_bounds: frozenset[int]
) -> tuple[DiffOp, ...]:
    """Widen each changed region of a diff until it starts and ends on word boundaries.

    A region that cuts a word takes the whole word on both sides, the shared part leaving
    the equal run beside it; regions that come to touch are merged. Each region is written
    as its delete, then its insert.

    :param old_bounds: token boundaries of the old text (see :func:`word_boundaries`).
    """
    old = "".join(text for op, text in ops if op != INSERT)
    new = "".join(text for op, text in ops if op != DELETE)
    regions = _changed_regions(ops)
    widened: list[tuple[int, int, int, int]] = []
    for k, (a1, a2, b1, b2) in enumerate(regions):
        # The equal runs either side are shared text, so both sides move together, and
        # never past the neighbouring regions.
        floor = regions[k - 1][1] if k else 0
        ceiling = regions[k + 1][0] if k + 1 < len(regions) else len(old)
        while a1 > floor and not (a1 in old_bounds and b1 in new_bounds):
            a1, b1 = a1 - 1, b1 - 1
        while a2 < ceiling and not (a2 in old_bounds and b2 in new_bounds):
            a2, b2 = a2 + 1, b2 + 1
        if widened and widened[-1][1] >= a1:
            # The equal run between the two was used up: one region now.
            widened[-1] = (widened[-1][0], a2, widened[-1][2], b2)
        else:
            widened.append((a1, a2, b1, b2))
    return _regions_to_ops(widened, old, new)


def _changed_regions(ops: Sequence[DiffOp]) -> list[tuple[int, int, int, int]]:
    """Return each maximal run of non-equal ops as ``(old_start, old_end, new_start, new_end)``."""
    regions: list[tuple[int, int, int, int]] = []
    a = b = 0
    start: tuple[int, int] | None = None
    for op, text in ops:
        if op == EQUAL:
            if start is not None:
                regions.append((start[0], a, start[1], b))
                start = None
            a += len(text)
            b += len(text)
            continue
        if start is None:
            start = (a, b)
        if op == DELETE:
            a += len(text)
        else:
            b += len(text)
    if start is not None:
        regions.append((start[0], a, start[1], b))
    return regions


def _regions_to_ops(
    regions: Sequence[Sequence[int]], old: str, new: str
) -> tuple[DiffOp, ...]:
    ops: list[DiffOp] = []
    a = 0
    for a1, a2, b1, b2 in regions:
        for op, text in (
            (EQUAL, old[a:a1]),
            (DELETE, old[a1:a2]),
            (INSERT, new[b1:b2]),
        ):
            if text:
                ops.append((op, text))
        a = a2
    if old[a:]:
        ops.append((EQUAL, old[a:]))
    return tuple(ops)


def diff_texts(old: str, new: str) -> tuple[DiffOp, ...]:
    """Diff two clause texts word by word.

    >>> diff_texts("探索设立外资演出经纪机构", "允许设立外资演出经纪机构")
    ((-1, '探索'), (1, '允许'), (0, '设立外资演出经纪机构'))
    """
    ops = raw_diff(old, new)
    if all(op == EQUAL for op, _ in ops):
        return ops
    return snap_to_words(ops, word_boundaries(old), word_boundaries(new))


def diff_clauses(old: Sequence[Clause], new: Sequence[Clause]) -> tuple[DiffOp, ...]:
    """Diff the texts of linked clauses, as :func:`comparable_texts` gives them.

    A reader is not shown indentation, a hard wrap, a space between Chinese characters, a
    comma's width or a character's Traditional form as a change.
    With no old clauses (an added clause) the diff is all insert; with no new ones, all delete.
    """
    return diff_texts(*comparable_texts([c.text for c in old], [c.text for c in new]))


def comparable_texts(old: Sequence[str], new: Sequence[str]) -> tuple[str, str]:
    """Return the two sides of a diff as a reader compares them: each text layout-free
    (``normalize.layout_free``), each side's texts joined with newlines, and both sides in
    Simplified characters when one is written in Traditional and the other in Simplified.

    >>> comparable_texts(["第一条　爲保證食品安全"], ["第一条 为了保证食品安全"])
    ('第一条 为保证食品安全', '第一条 为了保证食品安全')
    """
    old_text = "\n".join(layout_free(text) for text in old)
    new_text = "\n".join(layout_free(text) for text in new)
    return in_one_script(old_text, new_text)


def in_one_script(old: str, new: str) -> tuple[str, str]:
    """Convert the text in Traditional characters to Simplified when the other is in
    Simplified (which stays as written); otherwise return both as they are."""
    if _scripts_differ(old, new):
        return to_simplified(old), to_simplified(new)
    return old, new


def _scripts_differ(old: str, new: str) -> bool:
    return {script(old), script(new)} == {"traditional", "simplified"}


# ---------------------------------------------------------------------------- shared


def _shown(comparison: Comparison, changed_only: bool) -> list[Change]:
    return [
        c for c in comparison.changes if not (changed_only and c.type == "unchanged")
    ]


def _labels(change: Change) -> str:
    return _join_labels([c.label for c in change.old], [c.label for c in change.new])


def _join_labels(old: Sequence[str], new: Sequence[str]) -> str:
    """``第十二条 → 第十五条``, or one label when both sides carry the same one."""
    old_text, new_text = "、".join(old), "、".join(new)
    if not old_text or not new_text or old_text == new_text:
        return old_text or new_text
    return f"{old_text} → {new_text}"


def _count_summary(comparison: Comparison) -> str:
    counts = [f"{n} {t}" for t, n in comparison.counts().items() if n]
    return ", ".join(counts) or "no clauses"


def _has_edits(ops: Sequence[DiffOp]) -> bool:
    return any(op != EQUAL for op, _ in ops)


def _similarity(change: Change) -> str:
    return f"{change.similarity:.2f}"


# ---------------------------------------------------------------------------- text

_SYMBOLS = {
    "unchanged": "=",
    "modified": "~",
    "moved": "^",
    "split": "<",
    "merged": ">",
    "added": "+",
    "deleted": "-",
}
_TYPE_COLORS = {"modified": "yellow", "added": "green", "deleted": "red"}
_ANSI_FG = {"red": 31, "green": 32, "yellow": 33}
_INDENT = "    "


def _style(
    text: str, fg: str | None = None, bold: bool = False, strikethrough: bool = False
) -> str:
    """Wrap text in ANSI codes, exactly as ``click.style`` does (core modules avoid click)."""
    codes = [f"\x1b[{_ANSI_FG[fg]}m"] if fg else []
    if bold:
        codes.append("\x1b[1m")
    if strikethrough:
        codes.append("\x1b[9m")
    return "".join(codes) + text + "\x1b[0m"


def ops_to_text(ops: Sequence[DiffOp], *, color: bool = True, indent: str = "") -> str:
    """Render a diff inline: red struck-through deletions and green insertions, or, without
    colour, wdiff markers ``[-删除-]{+插入+}``.

    Each line of a changed run is marked on its own, so lines stay readable when indented.
    """
    out: list[str] = []
    for op, text in ops:
        pieces = text.split("\n")
        if op != EQUAL:
            pieces = [_mark_text(p, op, color) if p else p for p in pieces]
        out.append(("\n" + indent).join(pieces))
    return indent + "".join(out)


def _mark_text(text: str, op: int, color: bool) -> str:
    if op == DELETE:
        return _style(text, fg="red", strikethrough=True) if color else f"[-{text}-]"
    return _style(text, fg="green") if color else f"{{+{text}+}}"


def _entry_line(
    type: str, labels: str, similarity: float, color: bool, indent: str = ""
) -> str:
    """``~ modified  第十二条 → 第十五条  (0.87)``; no similarity for unchanged, added, deleted."""
    line = f"{indent}{_SYMBOLS[type]} {type:<9} {labels}"
    if type not in ("unchanged", "added", "deleted"):
        line += f"  ({similarity:.2f})"
    return _style(line, fg=_TYPE_COLORS.get(type), bold=True) if color else line


def _diff_text(ops: Sequence[DiffOp]) -> str:
    return "".join(text for _, text in ops)


def _plain_body(text: str, fg: str, color: bool, indent: str) -> str:
    lines = [
        _style(line, fg=fg) if color and line else line for line in text.split("\n")
    ]
    return indent + ("\n" + indent).join(lines)


def _change_text(
    comparison: Comparison, change: Change, color: bool, unit: str, changed_only: bool
) -> list[str]:
    lines = [_entry_line(change.type, _labels(change), change.similarity, color)]
    # An added or deleted clause is shown as the other renderers show it: its diff's text.
    if change.type == "added":
        lines.append(_plain_body(_diff_text(change.diff), "green", color, _INDENT))
    elif change.type == "deleted":
        lines.append(_plain_body(_diff_text(change.diff), "red", color, _INDENT))
    elif unit == "sentence" and change.type == "modified" and change.sentences:
        lines.extend(_sentence_lines(comparison, change, color, changed_only))
    elif _has_edits(change.diff):
        lines.append(ops_to_text(change.diff, color=color, indent=_INDENT))
    return lines


def render_text(
    comparison: Comparison,
    *,
    color: bool = True,
    changed_only: bool = False,
    unit: str = "clause",
) -> str:
    """Render a comparison for the terminal: a summary line, then one entry per change.

    :param color: ANSI colours; without them, wdiff markers ``[-删除-]{+插入+}``.
    :param changed_only: leave out unchanged clauses (and, by sentence, unchanged sentences).
    :param unit: ``clause``, or ``sentence`` to diff modified clauses sentence by sentence.
    """
    if unit not in ("clause", "sentence"):
        raise ValueError(f"unknown unit {unit!r}: use 'clause' or 'sentence'")
    header = (
        f"{comparison.document} {comparison.from_version} → {comparison.to_version}: "
        f"{_count_summary(comparison)}"
    )
    lines = [_style(header, bold=True) if color else header]
    for change in _shown(comparison, changed_only):
        lines.extend(_change_text(comparison, change, color, unit, changed_only))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- sentences


def _sentence_lines(
    comparison: Comparison, change: Change, color: bool, changed_only: bool = False
) -> list[str]:
    """One line per sentence link of a modified clause, each with its own diff, in reading
    order (see :func:`sentence_diffs`)."""
    lookup = _clause_lookup(comparison, change)
    lines: list[str] = []
    for link, ops in sentence_diffs(change, lookup):
        if changed_only and link.type == "unchanged":
            continue
        labels = _join_labels(
            [_sentence_label(lookup, ref) for ref in link.old],
            [_sentence_label(lookup, ref) for ref in link.new],
        )
        lines.append(
            _entry_line(link.type, labels, link.similarity, color, indent="  ")
        )
        if link.type != "unchanged" and _has_edits(ops):
            lines.append(ops_to_text(ops, color=color, indent=_INDENT + "  "))
    return lines


def sentence_diffs(
    change: Change, lookup: dict[str, Clause] | None = None
) -> list[tuple[SentenceLink, tuple[DiffOp, ...]]]:
    """Diff each sentence link of a change, read as the clause diff reads its clauses.

    Sentences are layout-free, and in Simplified when the change's two sides are in
    different scripts. The links come in reading order: by place in the new clause, and a
    deleted sentence where it stood in the old one, after the sentences that preceded it.

    :param lookup: clauses by id, for links that reach into other clauses.
    """
    lookup = lookup or {c.id: c for c in change.old + change.new}
    simplify = _scripts_differ(
        "\n".join(c.text for c in change.old), "\n".join(c.text for c in change.new)
    )
    result = []
    for link in change.sentences:  # in reading order (align._sentences_in_reading_order)
        old = layout_free(_sentence_text(lookup, link.old))
        new = layout_free(_sentence_text(lookup, link.new))
        if simplify:
            old, new = to_simplified(old), to_simplified(new)
        result.append((link, diff_texts(old, new)))
    return result


def _clause_lookup(comparison: Comparison, change: Change) -> dict[str, Clause]:
    """Map clause ids to clauses: those of the change, and of both versions when known."""
    lookup: dict[str, Clause] = {}
    if comparison.alignment is not None:
        for tree in (comparison.alignment.old, comparison.alignment.new):
            lookup.update((c.id, c) for c in tree.clauses)
    lookup.update((c.id, c) for c in change.old + change.new)
    return lookup


def _sentence_text(lookup: dict[str, Clause], refs: Sequence[tuple[str, int]]) -> str:
    texts = []
    for clause_id, index in refs:
        clause = lookup.get(clause_id)
        sentence = (
            next((s for s in clause.sentences if s.index == index), None)
            if clause
            else None
        )
        if sentence is not None:
            texts.append(sentence.text)
    return "".join(texts)


def _sentence_label(lookup: dict[str, Clause], ref: tuple[str, int]) -> str:
    """``第十二条(2)``: the clause label and the sentence's number in it, from 1."""
    clause_id, index = ref
    clause = lookup.get(clause_id)
    return f"{clause.label if clause else clause_id}({index + 1})"


# ---------------------------------------------------------------------------- HTML


def ops_to_html(ops: Sequence[DiffOp]) -> str:
    """Render a diff as an inline redline: ``<del>`` and ``<ins>``, every text escaped.

    Newlines become ``<br>``, so the fragment needs no ``white-space`` style.
    """
    parts = []
    for op, text in ops:
        escaped = html.escape(text).replace("\n", "<br>\n")
        if op == DELETE:
            escaped = f"<del>{escaped}</del>"
        elif op == INSERT:
            escaped = f"<ins>{escaped}</ins>"
        parts.append(escaped)
    return "".join(parts)


def _change_html(change: Change) -> str:
    e = html.escape
    old = "、".join(c.label for c in change.old)
    new = "、".join(c.label for c in change.new)
    heading = [f'<span class="type">{e(change.type)}</span>']
    if old:
        heading.append(f'<span class="old">{e(old)}</span>')
    if old and new:
        heading.append("→")
    if new:
        heading.append(f'<span class="new">{e(new)}</span>')
    if change.type not in ("unchanged", "added", "deleted"):
        heading.append(f'<span class="similarity">{_similarity(change)}</span>')
    return (
        f'<section class="change change-{e(change.type)}" data-type="{e(change.type)}"'
        f' data-similarity="{change.similarity:.4f}">\n'
        f"<h3>{' '.join(heading)}</h3>\n"
        f'<div class="diff">{ops_to_html(change.diff)}</div>\n'
        "</section>"
    )


def render_html(comparison: Comparison, *, changed_only: bool = False) -> str:
    """Render a comparison as a self-contained HTML fragment: one ``<section>`` per change."""
    e = html.escape
    counts = "".join(
        f'<li data-type="{e(t)}">{n} {e(t)}</li>'
        for t, n in comparison.counts().items()
        if n
    )
    sections = "\n".join(_change_html(c) for c in _shown(comparison, changed_only))
    return (
        f'<article class="policydiff-comparison" data-document="{e(comparison.document)}"'
        f' data-from="{e(comparison.from_version)}" data-to="{e(comparison.to_version)}">\n'
        f"<header><h2>{e(comparison.document)}: {e(comparison.from_version)} → "
        f'{e(comparison.to_version)}</h2>\n<ul class="counts">{counts}</ul></header>\n'
        f"{sections}\n</article>\n"
    )


#: The redline's look in a stand-alone report (the Datasette pages have their own CSS).
_REPORT_STYLE = (
    "body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.6}"
    "ins{background:#e6ffe6;color:#05620c;text-decoration:underline}"
    "del{background:#ffe6e6;color:#a1060f}"
    "section{border-top:1px solid #ddd;padding:.5em 0}"
    ".counts li{display:inline;margin-right:1em}"
)


def render_html_document(comparison: Comparison, *, changed_only: bool = False) -> str:
    """Render a comparison as a whole HTML page (UTF-8, with a small stylesheet) that can
    be opened from disk: ``render_html``'s fragment inside it."""
    title = html.escape(
        f"{comparison.document}: {comparison.from_version} → {comparison.to_version}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="zh">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n<style>{_REPORT_STYLE}</style>\n</head>\n<body>\n"
        f"{render_html(comparison, changed_only=changed_only)}</body>\n</html>\n"
    )


# ---------------------------------------------------------------------------- Markdown

# Escaped wherever they stand: a backslash (it escapes what follows), code spans, emphasis
# (``*`` works inside words), links and images, HTML and autolinks, strikethrough (GFM) and
# math (GitHub's ``$…$``).
_MD_INLINE = re.compile(
    r"[\\`*\[\]<~$]"
    # ``_`` emphasises only at a word's edge: 食品_安全 and snake_case stay as they are.
    r"|(?<![^\W_])_|_(?![^\W_])"
    # ``&`` only where it would start an entity (&amp; &#20013;).
    r"|&(?=[A-Za-z][A-Za-z0-9]{0,31};|#[0-9]{1,7};|#[xX][0-9A-Fa-f]{1,6};)"
)
# At the start of a line: a heading (#), a quote (>), a list item (- + 1. 1)), a setext
# underline or thematic break (= -), a table's delimiter row (| : -).
_MD_LINE_START = re.compile(r"^([ \t]*)(?:([#>+=|:-])|([0-9]{1,9})([.)])(?=[ \t]|$))")


def escape_markdown(text: str, *, line_start: bool = True, table: bool = False) -> str:
    """Backslash-escape what Markdown (CommonMark with GitHub's extensions) would read as
    markup where it stands, and nothing else. ``*``, ``[`` or ``<`` are escaped anywhere,
    ``#``, ``-`` or ``1.`` only at the start of a line, so food-safety-law (2015) stays as
    it is.

    :param line_start: ``text`` starts a line (every line after a newline in it does).
    :param table: ``text`` goes in a table cell: ``|`` is escaped too, and line breaks
        become ``<br>``.
    """
    lines = []
    for k, line in enumerate(text.split("\n")):
        line = _MD_INLINE.sub(r"\\\g<0>", line)
        if table:
            line = line.replace("|", "\\|")
        elif line_start or k:
            line = _MD_LINE_START.sub(_escape_line_start, line)
        lines.append(line)
    return ("<br>" if table else "\n").join(lines)


def _escape_line_start(match: re.Match[str]) -> str:
    indent, mark, number, delimiter = match.groups()
    return f"{indent}\\{mark}" if mark else f"{indent}{number}\\{delimiter}"


def ops_to_markdown(ops: Sequence[DiffOp]) -> str:
    """Render a diff as Markdown: ``<del>deleted</del>`` and ``<ins>inserted</ins>``, the
    lines of a clause kept apart by hard line breaks (``\\`` at the end of a line).

    The marks are HTML, which CommonMark and GitHub keep: ``~~…~~`` and ``**…**`` do not
    open or close beside punctuation (要求~~，~~销售 shows its tildes). Every ``<`` of the
    text is escaped, so no text can close a mark or open one.
    """
    out: list[str] = []
    line_start = True
    for op, text in ops:
        escaped = escape_markdown(text, line_start=line_start and op == EQUAL)
        escaped = escaped.replace("\n", "\\\n")
        if op != EQUAL:
            tag = "del" if op == DELETE else "ins"
            escaped = f"<{tag}>{escaped}</{tag}>"
        out.append(escaped)
        line_start = text.endswith("\n")
    return "".join(out)


def _change_markdown(change: Change) -> str:
    details = change.type
    if change.type not in ("unchanged", "added", "deleted"):
        details += f", {_similarity(change)}"
    heading = escape_markdown(_labels(change), line_start=False)
    return f"### {heading} ({details})\n\n{ops_to_markdown(change.diff)}\n"


def render_markdown(comparison: Comparison, *, changed_only: bool = False) -> str:
    """Render a comparison as Markdown: a heading, a table of counts, a section per change."""
    title = (
        f"{comparison.document}: {comparison.from_version} → {comparison.to_version}"
    )
    rows = [f"| {t} | {n} |" for t, n in comparison.counts().items() if n]
    parts = [
        f"# {escape_markdown(title, line_start=False)}\n",
        "| type | clauses |\n| --- | ---: |\n" + "\n".join(rows) + "\n",
    ]
    parts.extend(_change_markdown(c) for c in _shown(comparison, changed_only))
    return "\n".join(parts)


# ---------------------------------------------------------------------------- JSON


def render_json(comparison: Comparison, *, changed_only: bool = False) -> str:
    """Render a comparison as JSON, with the keys of ``Comparison.to_dict``."""
    return json.dumps(comparison.to_dict(changed_only), ensure_ascii=False, indent=2)


RENDERERS: dict[str, Callable[..., str]] = {
    "text": render_text,
    "html": render_html_document,
    "markdown": render_markdown,
    "json": render_json,
}


def render(comparison: Comparison, fmt: str, **options) -> str:
    """Render a comparison as ``text``, ``html``, ``markdown`` or ``json``.

    :param options: passed to the renderer; only ``text`` takes ``color`` and ``unit``.
    """
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(
            f"unknown format {fmt!r}: use one of {', '.join(RENDERERS)}"
        ) from None
    return renderer(comparison, **options)

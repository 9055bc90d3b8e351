"""SYNTHETIC revisions of the real 2019 Beijing plan, with the alignment they should get.

Nothing here is a policy version and nothing here is ever shipped as one: every function
derives an invented "revision" from the real 2019 text by a known edit (a section swap, a
moved, split, merged, reworded, added or removed paragraph) and returns the new text together
with the truth, which old clause ids must be linked to which new clause ids, and with what
type. The truth is kept line by line while editing (each non-heading line of the plan is one
paragraph clause) and turned into clause ids at the end by segmenting both texts and finding
each clause by its text.

Every function takes a ``seed`` and draws from its own ``random.Random(seed)``, so a seed
names one revision for good.
"""

from __future__ import annotations

import itertools
import random
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from policydiff.model import Alignment, ClauseTree
from policydiff.segment import segment

HERE = Path(__file__).resolve()
PLAN_PATHS = (
    HERE.parents[1] / "versions" / "beijing-services-pilot" / "2019.txt",
    HERE.parents[2] / "shared" / "seeds" / "000_2338ae18da4978cf.txt",
)
OLD_LABEL = "2019"
NEW_LABEL = "synthetic"

NUMERALS = "一二三四五六七八九十"
HEADING_1 = re.compile(rf"^[{NUMERALS}]+、")
HEADING_2 = re.compile(rf"^（([{NUMERALS}]+)）")
SENTENCE = re.compile(r"[^。！？]+[。！？]”?|[^。！？]+$")

#: Policy-verb rewordings, the kind a real revision makes (探索 → 支持: trial → support).
REWORDINGS = {
    "探索": "支持",
    "鼓励": "允许",
    "逐步": "全面",
    "积极": "大力",
    "研究": "推动",
}
NUMBER = re.compile(r"\d+")

#: Sentences for an added paragraph: invented, neutral, and unlike any sentence of the plan,
#: so that nothing in the old version carries their content.
SYNTHETIC_SENTENCES = (
    "本段落为合成测试样例，仅供校验对齐程序之用。",
    "其中文字纯属虚构，与任何真实条文无关。",
    "甲乙丙丁四位同学周末去湖边写生，画了白鹭和垂柳。",
    "清晨小雨，午后转晴，傍晚西风三四级。",
    "图书馆新到一批童话绘本，欢迎小朋友借阅。",
    "这句话只用来凑足段落的长度，请勿引用。",
    "猫在窗台上晒太阳，狗在院子里追蝴蝶。",
)
ADDED_MARK = "（合成测试段落）"


# ---------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Line:
    """One line of a draft revision.

    :param role: ``heading1`` (一、), ``heading2`` (（一）), ``paragraph`` or ``front``.
    :param sources: the indexes of the old lines whose content this line carries.
    :param edit: what happened to it: unchanged, reordered (its section was swapped with a
        neighbour), modified, moved, split, merged or added.
    """

    text: str
    role: str
    sources: tuple[int, ...]
    edit: str = "unchanged"


@dataclass
class Draft:
    """A revision being made: the old lines, the new lines, the old lines removed."""

    old: tuple[Line, ...]
    lines: list[Line]
    deleted: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TruthLink:
    """A link the aligner must find. ``types`` holds the acceptable types, usually one."""

    types: tuple[str, ...]
    old: tuple[str, ...]
    new: tuple[str, ...]
    pairs: frozenset[tuple[str | None, str | None]]


@dataclass(frozen=True)
class Revision:
    """A SYNTHETIC revision of the 2019 plan and the alignment it should get."""

    kind: str
    old_text: str = field(repr=False)
    new_text: str = field(repr=False)
    truth: tuple[TruthLink, ...] = field(repr=False)
    notes: tuple[str, ...] = ()

    def trees(self) -> tuple[ClauseTree, ClauseTree]:
        return segment(self.old_text, OLD_LABEL), segment(self.new_text, NEW_LABEL)


# ---------------------------------------------------------------------------- the plan


def plan_text() -> str:
    """The real 2019 Beijing plan, from the project's versions or the shared seed."""
    for path in PLAN_PATHS:
        if path.exists():
            return path.read_text(encoding="utf-8")
    raise FileNotFoundError("the 2019 Beijing plan: " + ", ".join(map(str, PLAN_PATHS)))


def parse_lines(text: str) -> tuple[Line, ...]:
    lines = []
    for raw in text.splitlines():
        stripped = raw.strip(" \t\u3000\ufeff")
        if not stripped:
            continue
        if HEADING_1.match(stripped):
            role = "heading1"
        elif HEADING_2.match(stripped):
            role = "heading2"
        elif lines:
            role = "paragraph"
        else:
            role = "front"
        lines.append(Line(stripped, role, (len(lines),)))
    return tuple(lines)


def start(text: str | None = None) -> Draft:
    old = parse_lines(text if text is not None else plan_text())
    return Draft(old=old, lines=list(old))


def sentences(text: str) -> list[str]:
    parts = SENTENCE.findall(text)
    assert "".join(parts) == text, text
    return parts


# ---------------------------------------------------------------------------- sections


def sections(lines: Sequence[Line]) -> list[tuple[int, list[int]]]:
    """Each heading's index with the indexes of the paragraphs right under it."""
    result: list[tuple[int, list[int]]] = []
    for n, line in enumerate(lines):
        if line.role.startswith("heading"):
            result.append((n, []))
        elif line.role == "paragraph" and result:
            result[-1][1].append(n)
    return result


def _untouched(lines: Sequence[Line], indexes: Sequence[int]) -> list[int]:
    return [n for n in indexes if lines[n].edit == "unchanged"]


def _name(draft: Draft, n: int) -> str:
    """A line of the draft, named for a reader: its first sentence."""
    return sentences(draft.lines[n].text)[0][:30]


# ---------------------------------------------------------------------------- edits


def reorder_sections(draft: Draft, rng: random.Random) -> bool:
    """SYNTHETIC: swap two neighbouring （X） sections, with their paragraphs.

    The headings are renumbered afterwards, as a real revision would; the paragraphs keep
    their text, so each must be linked 1:1 (unchanged or moved) to its own copy.
    """
    secs = sections(draft.lines)
    choices = []
    for (h1, p1), (h2, p2) in itertools.pairwise(secs):
        both = [h1, h2, *p1, *p2]
        if (
            draft.lines[h1].role == draft.lines[h2].role == "heading2"
            and p1
            and p2
            and h2 == p1[-1] + 1
            and all(draft.lines[n].edit == "unchanged" for n in both)
        ):
            choices.append((h1, h2, p2[-1] + 1))
    if not choices:
        return False
    first, second, end = rng.choice(choices)
    block_a, block_b = draft.lines[first:second], draft.lines[second:end]
    moved = [
        replace(line, edit="reordered") if line.role == "paragraph" else line
        for line in block_b + block_a
    ]
    draft.notes.append(f"swap {block_a[0].text[:12]} and {block_b[0].text[:12]}")
    draft.lines[first:end] = moved
    return True


def move_paragraph(draft: Draft, rng: random.Random) -> bool:
    """SYNTHETIC: move a paragraph, unchanged, into another section."""
    secs = [(h, _untouched(draft.lines, ps), ps) for h, ps in sections(draft.lines)]
    sources = [(h, free) for h, free, ps in secs if free and len(ps) >= 2]
    if not sources or len(secs) < 2:
        return False
    heading, free = rng.choice(sources)
    n = rng.choice(free)
    target, paragraphs = rng.choice([(h, ps) for h, _, ps in secs if h != heading])
    slot = rng.choice([target + 1] + [p + 1 for p in paragraphs])
    _move(draft, n, target, slot)
    return True


def _move(draft: Draft, n: int, heading: int, slot: int) -> None:
    line = replace(draft.lines[n], edit="moved")
    draft.notes.append(
        f"move {_name(draft, n)} to under {draft.lines[heading].text[:12]}"
    )
    draft.lines.insert(slot, line)
    del draft.lines[n if n < slot else n + 1]


def split_paragraph(draft: Draft, rng: random.Random) -> bool:
    """SYNTHETIC: split a paragraph into two at a sentence boundary, about half each."""
    candidates = [
        n
        for n, line in enumerate(draft.lines)
        if line.role == "paragraph"
        and line.edit == "unchanged"
        and len(sentences(line.text)) >= 4
    ]
    if not candidates:
        return False
    n = rng.choice(candidates)
    _split(draft, n, (len(sentences(draft.lines[n].text)) + rng.randint(0, 1)) // 2)
    return True


def _split(draft: Draft, n: int, cut: int) -> None:
    parts = sentences(draft.lines[n].text)
    head, tail = "".join(parts[:cut]), "".join(parts[cut:])
    draft.notes.append(f"split {_name(draft, n)} after sentence {cut} of {len(parts)}")
    old = draft.lines[n]
    draft.lines[n : n + 1] = [
        replace(old, text=head, edit="split"),
        replace(old, text=tail, edit="split"),
    ]


def merge_paragraphs(draft: Draft, rng: random.Random) -> bool:
    """SYNTHETIC: merge two neighbouring paragraphs of a section into one."""
    candidates = [
        n
        for n in range(len(draft.lines) - 1)
        if all(
            draft.lines[m].role == "paragraph" and draft.lines[m].edit == "unchanged"
            for m in (n, n + 1)
        )
    ]
    if not candidates:
        return False
    _merge(draft, rng.choice(candidates))
    return True


def _merge(draft: Draft, n: int) -> None:
    a, b = draft.lines[n], draft.lines[n + 1]
    draft.notes.append(f"merge {_name(draft, n)} and {_name(draft, n + 1)}")
    merged_line = Line(a.text + b.text, "paragraph", a.sources + b.sources, "merged")
    draft.lines[n : n + 2] = [merged_line]


def reword_paragraph(draft: Draft, rng: random.Random) -> bool:
    """SYNTHETIC: replace policy verbs (探索→支持, 鼓励→允许, 逐步→全面…) and a number."""
    candidates = [
        n
        for n, line in enumerate(draft.lines)
        if line.role == "paragraph"
        and line.edit == "unchanged"
        and any(w in line.text for w in REWORDINGS)
    ]
    if not candidates:
        return False
    _reword(draft, rng.choice(candidates), rng)
    return True


def _reword(draft: Draft, n: int, rng: random.Random) -> None:
    text = draft.lines[n].text
    for word, new_word in REWORDINGS.items():
        text = text.replace(word, new_word)
    numbers = list(NUMBER.finditer(text))
    if numbers:
        match = rng.choice(numbers)
        number = str(int(match.group()) * 2 + 1)
        text = text[: match.start()] + number + text[match.end() :]
    draft.notes.append(f"reword {_name(draft, n)}")
    draft.lines[n] = replace(draft.lines[n], text=text, edit="modified")


def add_paragraph(draft: Draft, rng: random.Random) -> bool:
    """SYNTHETIC: add an invented paragraph made of sentences that are in no real version."""
    slots = [h + 1 for h, _ in sections(draft.lines)]
    slots += [n + 1 for n, line in enumerate(draft.lines) if line.role == "paragraph"]
    slot = rng.choice(slots)
    picked = rng.sample(SYNTHETIC_SENTENCES, 3)
    text = ADDED_MARK + "".join(picked)
    # Two added paragraphs must differ, or they would be one clause text found twice.
    while any(line.text == text for line in draft.lines):
        text += rng.choice(SYNTHETIC_SENTENCES)
    draft.notes.append(f"add a paragraph at line {slot}")
    draft.lines.insert(slot, Line(text, "paragraph", (), "added"))
    return True


def remove_paragraph(draft: Draft, rng: random.Random) -> bool:
    """SYNTHETIC: remove a paragraph from a section that keeps at least one."""
    candidates = [
        n
        for _, ps in sections(draft.lines)
        if len(ps) >= 2
        for n in _untouched(draft.lines, ps)
    ]
    if not candidates:
        return False
    n = rng.choice(candidates)
    draft.notes.append(f"remove {_name(draft, n)}")
    draft.deleted.extend(draft.lines[n].sources)
    del draft.lines[n]
    return True


EDITS: dict[str, Callable[[Draft, random.Random], bool]] = {
    "reorder": reorder_sections,
    "move": move_paragraph,
    "split": split_paragraph,
    "merge": merge_paragraphs,
    "reword": reword_paragraph,
    "add": add_paragraph,
    "remove": remove_paragraph,
}


# ---------------------------------------------------------------------------- truth


def renumber(lines: Sequence[Line]) -> list[Line]:
    """Number the （X） headings 一, 二, 三… again under each 一、 heading."""
    result, count = [], 0
    for line in lines:
        if line.role == "heading1":
            count = 0
        elif line.role == "heading2":
            count += 1
            text = HEADING_2.sub(f"（{_numeral(count)}）", line.text, count=1)
            line = replace(line, text=text)
        result.append(line)
    return result


def _numeral(n: int) -> str:
    if n <= 10:
        return NUMERALS[n - 1]
    return (
        "十" + NUMERALS[n - 11]
        if n < 20
        else NUMERALS[n // 10 - 1] + "十" + (NUMERALS[n % 10 - 1] if n % 10 else "")
    )


def clause_ids(tree: ClauseTree, lines: Sequence[Line]) -> dict[int, str]:
    """Each non-heading line's index → the id of the clause whose text it is."""
    by_text = defaultdict(list)
    for clause in tree.clauses:
        by_text[clause.text].append(clause.id)
    ids = {}
    for n, line in enumerate(lines):
        if line.role.startswith("heading"):
            continue
        found = by_text.get(line.text, [])
        if len(found) != 1:
            raise AssertionError(
                f"{tree.label}: line {n} is {len(found)} clauses: {line.text[:40]}"
            )
        ids[n] = found[0]
    if len(ids) != len(tree.clauses):
        raise AssertionError(
            f"{tree.label}: {len(tree.clauses)} clauses for {len(ids)} lines"
        )
    return ids


def finish(draft: Draft, kind: str, old_text: str | None = None) -> Revision:
    """Write the draft out and state, in clause ids, the alignment it should get."""
    old_text = old_text if old_text is not None else plan_text()
    lines = renumber(draft.lines)
    new_text = "\n".join(line.text for line in lines) + "\n"
    old_ids = clause_ids(segment(old_text, OLD_LABEL), draft.old)
    new_ids = clause_ids(segment(new_text, NEW_LABEL), lines)
    truth = []
    splits: dict[int, list[str]] = defaultdict(list)
    for n, line in enumerate(lines):
        if line.role.startswith("heading"):
            continue
        new_id = new_ids[n]
        olds = tuple(old_ids[s] for s in line.sources)
        if line.edit == "split":
            splits[line.sources[0]].append(new_id)
        elif line.edit == "added":
            truth.append(
                TruthLink(("added",), (), (new_id,), frozenset({(None, new_id)}))
            )
        elif line.edit == "merged":
            pairs = frozenset((o, new_id) for o in olds)
            truth.append(TruthLink(("merged",), olds, (new_id,), pairs))
        else:
            types = ("unchanged", "moved") if line.edit == "reordered" else (line.edit,)
            truth.append(
                TruthLink(types, olds, (new_id,), frozenset({(olds[0], new_id)}))
            )
    for source, news in splits.items():
        old_id = old_ids[source]
        truth.append(
            TruthLink(
                ("split",), (old_id,), tuple(news), frozenset((old_id, n) for n in news)
            )
        )
    for source in draft.deleted:
        old_id = old_ids[source]
        truth.append(
            TruthLink(("deleted",), (old_id,), (), frozenset({(old_id, None)}))
        )
    return Revision(kind, old_text, new_text, tuple(truth), tuple(draft.notes))


# ---------------------------------------------------------------------------- revisions


def revise(kinds: Sequence[str], seed: int, text: str | None = None) -> Revision:
    """SYNTHETIC: apply the edits named in ``kinds`` in turn, each to lines no earlier edit
    touched (an edit that finds nothing left to touch is skipped)."""
    rng = random.Random(seed)
    draft = start(text)
    for kind in kinds:
        EDITS[kind](draft, rng)
    return finish(draft, "+".join(kinds), text)


def reordered(seed: int) -> Revision:
    """SYNTHETIC: two neighbouring （X） sections swapped."""
    return revise(["reorder"], seed)


def moved(seed: int) -> Revision:
    """SYNTHETIC: one paragraph moved to another section."""
    return revise(["move"], seed)


def split(seed: int) -> Revision:
    """SYNTHETIC: one paragraph split in two at a sentence boundary."""
    return revise(["split"], seed)


def merged(seed: int) -> Revision:
    """SYNTHETIC: two neighbouring paragraphs merged into one."""
    return revise(["merge"], seed)


def reworded(seed: int) -> Revision:
    """SYNTHETIC: one paragraph's policy verbs and a number replaced."""
    return revise(["reword"], seed)


def added(seed: int) -> Revision:
    """SYNTHETIC: one invented paragraph added."""
    return revise(["add"], seed)


def removed(seed: int) -> Revision:
    """SYNTHETIC: one paragraph removed."""
    return revise(["remove"], seed)


def combined(seed: int) -> Revision:
    """SYNTHETIC: a section swap, a move, a split, a merge, a rewording, an added and a
    removed paragraph, all in one revision, each on paragraphs the others left alone."""
    return revise(
        ["reorder", "move", "split", "merge", "reword", "add", "remove"], seed
    )


def find(draft: Draft, lead: str) -> int:
    """The index of the one line of the draft that starts with ``lead``."""
    found = [n for n, line in enumerate(draft.lines) if line.text.startswith(lead)]
    if len(found) != 1:
        raise ValueError(f"{len(found)} lines start with {lead!r}")
    return found[0]


def scripted(
    steps: Sequence[tuple[str, ...]], kind: str = "scripted", seed: int = 0
) -> Revision:
    """SYNTHETIC: named edits in turn, each step a tuple naming its lines by how they start.

    ``("move", LEAD, HEADING, "start"|"end")``, ``("split", LEAD, CUT)``,
    ``("merge", LEAD)`` (with the next paragraph), ``("reword", LEAD)``, ``("remove", LEAD)``.
    """
    rng = random.Random(seed)
    draft = start()
    for step in steps:
        action, lead, *rest = step
        n = find(draft, lead)
        if action == "move":
            heading = find(draft, rest[0])
            paragraphs = dict(sections(draft.lines))[heading]
            at_end = rest[1] == "end" and paragraphs
            _move(draft, n, heading, paragraphs[-1] + 1 if at_end else heading + 1)
        elif action == "split":
            _split(draft, n, int(rest[0]))
        elif action == "merge":
            _merge(draft, n)
        elif action == "reword":
            _reword(draft, n, rng)
        elif action == "remove":
            draft.notes.append(f"remove {_name(draft, n)}")
            draft.deleted.extend(draft.lines[n].sources)
            del draft.lines[n]
        else:
            raise ValueError(f"unknown step {action!r}")
    return finish(draft, kind)


REVISIONS: dict[str, Callable[[int], Revision]] = {
    "reorder": reordered,
    "move": moved,
    "split": split,
    "merge": merged,
    "reword": reworded,
    "add": added,
    "remove": removed,
    "combined": combined,
}


# ---------------------------------------------------------------------------- checking


def found_links(
    alignment: Alignment,
) -> set[tuple[str, tuple[str, ...], tuple[str, ...], frozenset]]:
    return {
        (
            link.type,
            tuple(sorted(link.old)),
            tuple(sorted(link.new)),
            frozenset(link.pairs),
        )
        for link in alignment.links
    }


def mismatches(revision: Revision, alignment: Alignment) -> list[str]:
    """What the alignment gets wrong against the truth, one line per wrong link, naming the
    clauses (empty when it is right)."""
    found = found_links(alignment)
    problems = []
    old_text = {c.id: c.text for c in alignment.old.clauses}
    new_text = {c.id: c.text for c in alignment.new.clauses}

    def show(ids, texts):
        return " + ".join(f"{i} «{texts[i][:14]}…»" for i in ids) or "∅"

    expected = set()
    for t in revision.truth:
        key = (tuple(sorted(t.old)), tuple(sorted(t.new)), t.pairs)
        expected.add(key)
        if not any((kind, *key) in found for kind in t.types):
            want = "/".join(t.types)
            problems.append(
                f"missing {want}: {show(t.old, old_text)} → {show(t.new, new_text)}"
            )
    for kind, olds, news, pairs in sorted(found, key=lambda f: (f[1], f[2])):
        if (olds, news, pairs) in expected:
            truth = next(
                t
                for t in revision.truth
                if (tuple(sorted(t.old)), tuple(sorted(t.new)), t.pairs)
                == (olds, news, pairs)
            )
            if kind in truth.types:
                continue
        pair_text = "" if len(pairs) <= 1 else f" pairs={sorted(pairs, key=str)}"
        problems.append(
            f"found {kind}: {show(olds, old_text)} → {show(news, new_text)}{pair_text}"
        )
    return problems

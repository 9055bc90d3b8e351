"""Measures: the policy actions inside each clause, and how they changed between versions.

A measure is one sentence of a clause, or one part of a sentence, that carries one policy
action: in a plan a policy verb and its object (支持…, 允许…, 探索…), in a law a norm
(应当…, 不得…) or a penalty (处…罚款). Sentences are cut at ；, and in plans also at a
comma that starts a new action (…平台，支持…建设，有序引进…). Each measure keeps its exact
span in the version text, its policy verbs, and the actors and scope it names.

Measures are aligned on top of the clause links: inside each link first (identical, then
most similar), then across links, so a measure that went to another clause is found and
typed ``moved``. Every linked pair is classified (see :mod:`policydiff.classify`).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .classify import Classes, classify
from .lexicon import Lexicon, load_lexicon
from .model import Clause, Comparison
from .normalize import dice, matching_key, to_simplified

#: Measure link types, in the order a reader meets them.
MEASURE_LINK_TYPES = (
    "unchanged",
    "modified",
    "moved",
    "split",
    "merged",
    "added",
    "deleted",
)
#: The counts of :meth:`MeasureComparison.class_counts`.
CLASS_COUNTS = (
    "strengthened",
    "weakened",
    "mixed",
    "loosened",
    "tightened",
    "parameter_changes",
    "actors_changed",
    "scope_changed",
)
#: Similarity (Dice of character bigrams) above which two measures of one clause link pair.
LINK_THRESHOLD = 0.45
#: Similarity above which a measure is found in another clause (moved).
MOVE_THRESHOLD = 0.7
#: Similarity above which a leftover measure is the other part of a split or merge.
SPLIT_THRESHOLD = 0.6
#: A piece shorter than this stays with the one before it.
MIN_CHARS = 4

_LABEL = re.compile(
    r"^(?:第[一二三四五六七八九十百千零〇\d]+[条條]|[（(][一二三四五六七八九十\d]+[）)]"
    r"|[一二三四五六七八九十]+、|\d{1,2}[.．、](?!\d))[\s\u3000]*"
)
_PART_END = re.compile(r"[；;]")
_COMMA = re.compile(r"[，,]")
_NON_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Measure:
    """One policy action inside a clause.

    :param id: the clause id and the measure's place in it: ``2015:a124.m2``.
    :param text: exactly as in the source: ``version_text[start:end]``.
    :param verbs: the policy verbs it uses, in reading order.
    :param actors: the bodies it names; ``scope``: the places, sectors and subjects.
    """

    id: str
    clause: str
    label: str
    version: str
    index: int
    text: str
    start: int
    end: int
    sentence: int
    verbs: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    scope: tuple[str, ...] = ()
    key: str = field(default="", repr=False)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "clause": self.clause,
            "label": self.label,
            "text": self.text,
            "verbs": list(self.verbs),
            "actors": list(self.actors),
            "scope": list(self.scope),
        }


@dataclass(frozen=True)
class MeasureLink:
    """An old measure → a new one (None on the empty side of an added or deleted one).

    :param method: how the pair was found: ``clause`` (inside a clause link), ``move``
        (across links) or ``review`` (set by a person in the review file).
    """

    type: str
    old: Measure | None
    new: Measure | None
    similarity: float
    method: str
    classes: Classes = field(default_factory=Classes)
    reviewed: bool = False

    @property
    def id(self) -> str:
        return f"{self.old.id if self.old else ''}>{self.new.id if self.new else ''}"

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "type": self.type,
            "similarity": round(self.similarity, 4),
            "method": self.method,
            "reviewed": self.reviewed,
            "from": self.old.to_dict() if self.old else None,
            "to": self.new.to_dict() if self.new else None,
            "classes": self.classes.to_dict(),
            "evidence": [e.to_dict() for e in self.classes.evidence],
        }


@dataclass(frozen=True)
class MeasureComparison:
    """The measures of two versions and every link between them."""

    document: str
    from_version: str
    to_version: str
    links: tuple[MeasureLink, ...]

    def counts(self) -> dict[str, int]:
        counts = {t: 0 for t in MEASURE_LINK_TYPES}
        for link in self.links:
            counts[link.type] += 1
        return counts

    def class_counts(self) -> dict[str, int]:
        """How many linked measures got each class, and how many parameters changed."""
        counts = dict.fromkeys(CLASS_COUNTS, 0)
        for link in self.links:
            classes = link.classes
            if classes.strength != "same":
                counts[classes.strength] += 1
            if classes.restriction:
                counts[classes.restriction] += 1
            counts["parameter_changes"] += len(classes.parameters)
            counts["actors_changed"] += bool(
                classes.actors_added or classes.actors_removed
            )
            counts["scope_changed"] += bool(
                classes.scope_added or classes.scope_removed
            )
        return counts

    def to_dict(self, changed_only: bool = False) -> dict:
        links = [
            link.to_dict() for link in self.links if not changed_only or _changed(link)
        ]
        return {
            "document": self.document,
            "from": self.from_version,
            "to": self.to_version,
            "counts": self.counts(),
            "classes": self.class_counts(),
            "measures": links,
        }


def _changed(link: MeasureLink) -> bool:
    return link.type != "unchanged" or link.classes.changed


# ---------------------------------------------------------------------------- extraction


def clause_measures(
    clause: Clause, lexicon: Lexicon | None = None
) -> tuple[Measure, ...]:
    """Cut a clause into its measures (none for the title and notes before the text)."""
    if clause.kind == "front":
        return ()
    lexicon = lexicon or load_lexicon()
    version = clause.id.partition(":")[0]
    plan = clause.kind != "article"
    measures = []
    for sentence in clause.sentences:
        reading = _reading(sentence.text)
        for start, end in _parts(reading, plan, lexicon):
            lead = _LABEL.match(reading, start, end) if start == 0 else None
            if lead:
                start = lead.end()
            end = start + len(reading[start:end].rstrip())
            if not _NON_WORD.sub("", reading[start:end]):
                continue
            measures.append((sentence, start, end, reading[start:end]))
    return tuple(
        _measure(clause, version, n, sentence, start, end, read, lexicon)
        for n, (sentence, start, end, read) in enumerate(measures)
    )


def _reading(text: str) -> str:
    """The text as the lexicon reads it: in Simplified characters, when converting keeps
    every character in its place (so the measure's offsets still point into the text)."""
    simplified = to_simplified(text)
    return simplified if len(simplified) == len(text) else text


def _measure(clause, version, n, sentence, start, end, reading, lexicon) -> Measure:
    text = sentence.text[start:end]
    actors = lexicon.actors_in(reading)
    return Measure(
        id=f"{clause.id}.m{n + 1}",
        clause=clause.id,
        label=clause.label,
        version=version,
        index=n,
        text=text,
        start=sentence.start + start,
        end=sentence.start + start + len(text),
        sentence=sentence.index,
        verbs=tuple(lexicon.verbs_in(reading)),
        actors=tuple(dict.fromkeys(a[0] for a in actors)),
        scope=tuple(lexicon.scope_in(reading, [(a, b) for _, a, b in actors])),
        key=matching_key(text),
    )


def _parts(text: str, plan: bool, lexicon: Lexicon) -> list[tuple[int, int]]:
    """Where to cut a sentence: after each ；, and in plans before a comma-led action."""
    cuts = [m.end() for m in _PART_END.finditer(text)]
    if plan:
        cuts += [
            m.end()
            for m in _COMMA.finditer(text)
            if lexicon.starts_action(text[m.end() :].lstrip())
        ]
    parts: list[tuple[int, int]] = []
    cursor = 0
    for cut in sorted(set(cuts)) + [len(text)]:
        piece = _NON_WORD.sub("", text[cursor:cut])
        if len(piece) < MIN_CHARS and parts:
            parts[-1] = (parts[-1][0], cut)
        elif piece or not parts:
            parts.append((cursor, cut))
        cursor = cut
    if len(parts) > 1 and len(_NON_WORD.sub("", text[parts[-1][0] :])) < MIN_CHARS:
        last = parts.pop()
        parts[-1] = (parts[-1][0], last[1])
    if len(parts) > 1 and len(_NON_WORD.sub("", text[: parts[0][1]])) < MIN_CHARS:
        first = parts.pop(0)
        parts[0] = (first[0], parts[0][1])
    return parts


def extract(clauses: Iterable[Clause], lexicon: Lexicon | None = None) -> dict:
    """The measures of each clause, by clause id."""
    lexicon = lexicon or load_lexicon()
    return {clause.id: clause_measures(clause, lexicon) for clause in clauses}


# ---------------------------------------------------------------------------- alignment


def similarity(a: Measure, b: Measure) -> float:
    """Dice coefficient of the character bigrams of two measures."""
    return dice(a.key, b.key)


def _pair_within(
    olds: Sequence[Measure], news: Sequence[Measure], threshold: float
) -> list[tuple[Measure, Measure, float]]:
    """Identical measures first, then the most similar, each measure at most once."""
    pairs: list[tuple[Measure, Measure, float]] = []
    used_old: set[str] = set()
    used_new: set[str] = set()
    by_key: dict[str, list[Measure]] = defaultdict(list)
    for m in news:
        by_key[m.key].append(m)
    for m in olds:
        for n in by_key.get(m.key, ()):
            if n.id not in used_new:
                pairs.append((m, n, 1.0))
                used_old.add(m.id)
                used_new.add(n.id)
                break
    scored = sorted(
        (
            (similarity(m, n), -abs(m.index - n.index), m.id, n.id, m, n)
            for m in olds
            if m.id not in used_old
            for n in news
            if n.id not in used_new
        ),
        key=lambda s: s[:4],
        reverse=True,
    )
    for score, _, _, _, m, n in scored:
        if score < threshold:
            break
        if m.id not in used_old and n.id not in used_new:
            pairs.append((m, n, score))
            used_old.add(m.id)
            used_new.add(n.id)
    return pairs


def compare_measures(
    comparison: Comparison,
    lexicon: Lexicon | None = None,
    reviews=None,
) -> MeasureComparison:
    """Align the measures of two compared versions and classify every linked pair.

    :param reviews: a :class:`policydiff.reviews.Reviews`; its measure links and classes
        win over the ones found here.
    """
    lexicon = lexicon or load_lexicon()
    cache: dict[str, tuple[Measure, ...]] = {}

    def measures_of(clauses: Sequence[Clause]) -> list[Measure]:
        found = []
        for clause in clauses:
            if clause.id not in cache:
                cache[clause.id] = clause_measures(clause, lexicon)
            found += cache[clause.id]
        return found

    pairs: list[tuple[Measure, Measure, float, str]] = []
    lonely_old: list[Measure] = []
    lonely_new: list[Measure] = []
    for change in comparison.changes:
        olds, news = measures_of(change.old), measures_of(change.new)
        found = [
            (m, n, s, "clause") for m, n, s in _pair_within(olds, news, LINK_THRESHOLD)
        ]
        found += _extra_parts(olds, news, found)
        pairs += found
        lonely_old += [m for m in olds if m.id not in {p[0].id for p in found}]
        lonely_new += [n for n in news if n.id not in {p[1].id for p in found}]
    pairs += [
        (m, n, s, "move")
        for m, n, s in _pair_within(lonely_old, lonely_new, MOVE_THRESHOLD)
    ]
    all_old = [m for c in comparison.changes for m in measures_of(c.old)]
    all_new = [m for c in comparison.changes for m in measures_of(c.new)]
    away = _away_from_home(pairs)
    links = [
        _link(m, n, s, method, lexicon, moved=(m.id, n.id) in away)
        for m, n, s, method in pairs
    ]
    linked_old = {link.old.id for link in links}
    linked_new = {link.new.id for link in links}
    links += [
        MeasureLink("deleted", m, None, 0.0, "clause")
        for m in all_old
        if m.id not in linked_old
    ]
    links += [
        MeasureLink("added", None, n, 0.0, "clause")
        for n in all_new
        if n.id not in linked_new
    ]
    if reviews is not None:
        links = reviews.apply_to_measures(
            comparison,
            links,
            {m.id: m for m in all_old},
            {n.id: n for n in all_new},
            lambda m, n: _link(m, n, similarity(m, n), "review", lexicon),
        )
    ordered = _in_reading_order(links, all_old, all_new)
    if reviews is not None:
        ordered = reviews.apply_to_classes(comparison, ordered)
    return MeasureComparison(
        document=comparison.document,
        from_version=comparison.from_version,
        to_version=comparison.to_version,
        links=tuple(ordered),
    )


def _extra_parts(
    olds: Sequence[Measure], news: Sequence[Measure], found: list
) -> list[tuple[Measure, Measure, float, str]]:
    """A measure left over on one side of a clause link that is much like one already
    paired: the other half of a measure that was split in two (or of two merged).

    A measure paired with an identical one came through whole, so it was not split or
    merged: a leftover most like it is new wording (added) or dropped wording (deleted),
    as when a version repeats a sentence or drops a repeated one.
    """
    paired_old = {m.id: m for m, _, _, _ in found}
    paired_new = {n.id: n for _, n, _, _ in found}
    whole = {m.id for m, n, _, _ in found if m.key == n.key}
    whole |= {n.id for m, n, _, _ in found if m.key == n.key}
    extra = []
    for n in news:
        if n.id in paired_new:
            continue
        best = max(paired_old.values(), key=lambda m: similarity(m, n), default=None)
        if _a_part_of(best, n, whole):
            extra.append((best, n, similarity(best, n), "split"))
    for m in olds:
        if m.id in paired_old:
            continue
        best = max(paired_new.values(), key=lambda n: similarity(m, n), default=None)
        if _a_part_of(best, m, whole):
            extra.append((m, best, similarity(m, best), "merge"))
    return extra


def _a_part_of(paired: Measure | None, leftover: Measure, whole: set[str]) -> bool:
    """Whether ``leftover`` is the other part of the split or merged ``paired``."""
    return (
        paired is not None
        and paired.id not in whole
        and similarity(paired, leftover) >= SPLIT_THRESHOLD
    )


def _away_from_home(pairs) -> set[tuple[str, str]]:
    """Pairs inside a clause link whose new measure is not in the clause that took most of
    the old clause's measures (its home): the measure went to another clause."""
    targets: dict[str, Counter] = defaultdict(Counter)
    order: dict[str, dict[str, int]] = defaultdict(dict)
    for m, n, _, method in pairs:
        if method == "clause":
            targets[m.clause][n.clause] += 1
            order[m.clause].setdefault(n.clause, len(order[m.clause]))
    home = {
        old: max(counts, key=lambda c: (counts[c], -order[old][c]))
        for old, counts in targets.items()
    }
    return {
        (m.id, n.id)
        for m, n, _, method in pairs
        if method == "clause" and n.clause != home[m.clause]
    }


def _link(
    m: Measure, n: Measure, score: float, method: str, lexicon, moved: bool = False
) -> MeasureLink:
    kind = {"move": "moved", "split": "split", "merge": "merged"}.get(method)
    if kind is None:
        kind = "moved" if moved else "unchanged" if m.key == n.key else "modified"
    if m.key == n.key:
        classes = Classes()
    else:  # read in Simplified, as the measures were found
        classes = classify(_reading(m.text), _reading(n.text), lexicon)
    return MeasureLink(kind, m, n, score, method, classes, method == "review")


def _in_reading_order(
    links: list[MeasureLink], old: Sequence[Measure], new: Sequence[Measure]
) -> list[MeasureLink]:
    """New measures in their order; a deleted one after the new measure its neighbour went
    to."""
    old_place = {m.id: k for k, m in enumerate(old)}
    new_place = {m.id: k for k, m in enumerate(new)}
    target: dict[int, float] = {}
    for link in links:
        if link.old is not None and link.new is not None:
            target[old_place[link.old.id]] = new_place[link.new.id]

    def place(link: MeasureLink) -> tuple[float, float]:
        if link.new is not None:
            return (new_place[link.new.id], 0)
        k = old_place[link.old.id]
        before = [target[j] for j in range(k - 1, -1, -1) if j in target][:1]
        return ((before[0] if before else -1) + 0.5, k)

    return sorted(links, key=place)


def measure_history(history, lexicon: Lexicon | None = None, reviews=None):
    """The measure comparison of every consecutive pair of versions of a document."""
    return tuple(
        compare_measures(comparison, lexicon, reviews)
        for comparison in history.comparisons
    )


def changed_links(comparison: MeasureComparison) -> list[MeasureLink]:
    """The links that are not unchanged, or whose classes say something changed."""
    return [link for link in comparison.links if _changed(link)]


# ---------------------------------------------------------------------------- rendering


def _side(measure: Measure | None) -> str:
    return f"{measure.label} m{measure.index + 1}" if measure else "∅"


def render_measures_text(result: MeasureComparison, changed_only: bool = True) -> str:
    """The measure links as plain text: each pair, its classes and their evidence."""
    counts = ", ".join(f"{n} {t}" for t, n in result.counts().items() if n)
    classes = ", ".join(
        f"{n} {c.replace('_', ' ')}" for c, n in result.class_counts().items() if n
    )
    lines = [
        f"{result.document} {result.from_version} → {result.to_version} measures: {counts}",
        f"classes: {classes or 'none'}",
    ]
    for link in result.links:
        if changed_only and not _changed(link):
            continue
        head = f"{link.type}  {_side(link.old)} → {_side(link.new)}"
        if link.old and link.new:
            head += f"  ({link.similarity:.2f})"
        if link.reviewed or link.classes.reviewed:
            head += "  [reviewed]"
        lines += ["", head]
        if link.old:
            lines.append(f"  - {_one_line(link.old.text)}")
        if link.new:
            lines.append(f"  + {_one_line(link.new.text)}")
        summary = link.classes.summary()
        if summary:
            lines.append(f"  = {summary}")
        for evidence in link.classes.evidence:
            read = " → ".join(filter(None, (evidence.old, evidence.new)))
            lines.append(
                f"    {evidence.cls}: {evidence.rule}" + (f" ({read})" if read else "")
            )
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text)

"""Classify how a measure changed between two versions, with the evidence for each class.

For a pair of measure texts, :func:`classify` says whether the measure was strengthened or
weakened (policy verbs on the lexicon's ordinal scales, hedges and negation), which
parameters changed (amounts, multiples, percentages, dates, durations, counts), which
bodies (actors) and which places, sectors or subjects (scope) were added or removed, and
whether a list-style restriction was loosened or tightened. Every class comes with the rule
that fired and the spans of text it read, so a researcher can check it.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from .lexicon import Lexicon, Term, actor_key, load_lexicon
from .numbers import Quantity, quantities

STRENGTHS = ("strengthened", "weakened", "same", "mixed")
RESTRICTIONS = ("loosened", "tightened", "mixed")
#: How alike (Dice of bigrams) a segment must be to one of the other text to be its
#: counterpart: see :func:`_has_counterpart`.
COUNTERPART = 0.5


@dataclass(frozen=True)
class Evidence:
    """Why a class was given: the rule, and the old and new text it read."""

    cls: str
    rule: str
    old: str = ""
    new: str = ""
    old_span: tuple[int, int] | None = None
    new_span: tuple[int, int] | None = None
    direction: int = 0

    def to_dict(self) -> dict:
        return {
            "class": self.cls,
            "rule": self.rule,
            "old": self.old,
            "new": self.new,
            "old_span": list(self.old_span) if self.old_span else None,
            "new_span": list(self.new_span) if self.new_span else None,
        }


@dataclass(frozen=True)
class ParameterChange:
    """A quantity that changed: ``old`` or ``new`` is None when it was added or removed."""

    kind: str
    old: str | None
    new: str | None
    unit: str
    old_text: str = ""
    new_text: str = ""
    old_qualifier: str = ""
    new_qualifier: str = ""
    old_unit: str = ""
    new_unit: str = ""
    old_span: tuple[int, int] | None = None
    new_span: tuple[int, int] | None = None

    def to_dict(self) -> dict:
        data = dict(self.__dict__)
        for key in ("old_span", "new_span"):
            data[key] = list(data[key]) if data[key] else None
        return data


@dataclass(frozen=True)
class Classes:
    """Every class of one measure pair. ``reviewed`` names the classes a person set."""

    strength: str = "same"
    restriction: str | None = None
    parameters: tuple[ParameterChange, ...] = ()
    actors_added: tuple[str, ...] = ()
    actors_removed: tuple[str, ...] = ()
    scope_added: tuple[str, ...] = ()
    scope_removed: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    reviewed: tuple[str, ...] = field(default=())

    @property
    def changed(self) -> bool:
        return bool(
            self.strength != "same"
            or self.restriction
            or self.parameters
            or self.actors_added
            or self.actors_removed
            or self.scope_added
            or self.scope_removed
        )

    def to_dict(self) -> dict:
        return {
            "strength": self.strength,
            "restriction": self.restriction,
            "parameters": [p.to_dict() for p in self.parameters],
            "actors": {
                "added": list(self.actors_added),
                "removed": list(self.actors_removed),
            },
            "scope": {
                "added": list(self.scope_added),
                "removed": list(self.scope_removed),
            },
            "reviewed": list(self.reviewed),
        }

    def summary(self) -> str:
        """The classes in a few words: ``strengthened; amount 2000-50000 → 50000-100000 元``."""
        parts = []
        if self.strength != "same":
            parts.append(self.strength)
        if self.restriction:
            parts.append(self.restriction)
        for p in self.parameters:
            parts.append(f"{p.kind} {p.old or '∅'} → {p.new or '∅'} {p.unit}".rstrip())
        for sign, items in (("+", self.actors_added), ("−", self.actors_removed)):
            parts += [f"actor {sign}{a}" for a in items]
        for sign, items in (("+", self.scope_added), ("−", self.scope_removed)):
            parts += [f"scope {sign}{s}" for s in items]
        return "; ".join(parts)


def classify(old: str, new: str, lexicon: Lexicon | None = None) -> Classes:
    """Classify how the measure ``old`` became ``new`` (texts of one linked measure pair)."""
    lexicon = lexicon or load_lexicon()
    if old == new:
        return Classes()
    (old, old_at), (new, new_at) = _compact(old), _compact(new)
    classes = _classify(old, new, lexicon)
    return replace(
        classes,
        parameters=tuple(_at(p, old_at, new_at) for p in classes.parameters),
        evidence=tuple(_at(e, old_at, new_at) for e in classes.evidence),
    )


_SPACE = re.compile(r"[\s\u3000\u00a0]+")


def _compact(text: str) -> tuple[str, list[int]]:
    """The text without whitespace (1997's texts break words with spaces), and where each
    of its characters stands in the original."""
    kept = [(k, c) for k, c in enumerate(text) if not _SPACE.match(c)]
    return "".join(c for _, c in kept), [k for k, _ in kept] + [len(text)]


def _at(item, old_at: list[int], new_at: list[int]):
    """Move the spans of an evidence or parameter row back onto the original texts."""

    def back(span, at):
        if span is None:
            return None
        return (at[span[0]], at[span[1] - 1] + 1 if span[1] > span[0] else at[span[0]])

    return replace(
        item, old_span=back(item.old_span, old_at), new_span=back(item.new_span, new_at)
    )


def _classify(old: str, new: str, lexicon: Lexicon) -> Classes:
    evidence: list[Evidence] = []
    strength = _strength(old, new, lexicon, evidence)
    parameters = parameter_changes(old, new)
    restriction = _restriction(old, new, parameters, lexicon, evidence)
    for p in parameters:
        rule = "added" if p.old is None else "removed" if p.new is None else "changed"
        evidence.append(
            Evidence(
                "parameters",
                f"{p.kind} {rule}",
                p.old_text,
                p.new_text,
                p.old_span,
                p.new_span,
            )
        )
    old_actors, new_actors = lexicon.actors_in(old), lexicon.actors_in(new)
    actors_added, actors_removed = _set_change(
        [a[0] for a in old_actors], [a[0] for a in new_actors], actor_key
    )
    old_spans = {name: (a, b) for name, a, b in old_actors}
    new_spans = {name: (a, b) for name, a, b in new_actors}
    for name in actors_added:
        evidence.append(
            Evidence("actors", "actor added", "", name, None, new_spans.get(name))
        )
    for name in actors_removed:
        evidence.append(
            Evidence("actors", "actor removed", name, "", old_spans.get(name), None)
        )
    old_scope = lexicon.scope_in(old, [(a, b) for _, a, b in old_actors])
    new_scope = lexicon.scope_in(new, [(a, b) for _, a, b in new_actors])
    scope_added, scope_removed = _set_change(old_scope, new_scope)
    for name in scope_added + scope_removed:
        evidence.append(
            Evidence(
                "scope",
                "scope added" if name in scope_added else "scope removed",
                name if name in scope_removed else "",
                name if name in scope_added else "",
            )
        )
    return Classes(
        strength=strength,
        restriction=restriction,
        parameters=tuple(parameters),
        actors_added=tuple(actors_added),
        actors_removed=tuple(actors_removed),
        scope_added=tuple(scope_added),
        scope_removed=tuple(scope_removed),
        evidence=tuple(evidence),
    )


def _set_change(
    old: Sequence[str], new: Sequence[str], key=lambda name: name
) -> tuple[list[str], list[str]]:
    """What ``new`` adds to ``old`` and what it drops, each in reading order, comparing
    names by ``key``."""
    old_keys = {key(o) for o in old}
    new_keys = {key(n) for n in new}
    added = [n for n in dict.fromkeys(new) if key(n) not in old_keys]
    removed = [o for o in dict.fromkeys(old) if key(o) not in new_keys]
    return added, removed


# ---------------------------------------------------------------------------- strength


def _direction(up: int, down: int) -> str:
    if up and down:
        return "mixed"
    return "strengthened" if up else "weakened" if down else "same"


def _strength(old: str, new: str, lexicon: Lexicon, evidence: list[Evidence]) -> str:
    old_terms, new_terms = lexicon.strength_terms(old), lexicon.strength_terms(new)
    votes = []
    for scale in lexicon.scales:
        removed, added = _unmatched(
            [t for t in old_terms if t.scale == scale.name],
            [t for t in new_terms if t.scale == scale.name],
        )
        for a, b in zip(removed, added):
            votes.append(_step(a, b, scale.name))
        for a in removed[len(added) :]:
            if _has_counterpart(old, a, new):
                votes.append(_alone(a, scale.baseline, removed=True))
        for b in added[len(removed) :]:
            if _has_counterpart(new, b, old):
                votes.append(_alone(b, scale.baseline, removed=False))
    up = down = 0
    for vote in votes:
        if vote is None or not vote.direction:
            continue
        evidence.append(vote)
        up += vote.direction > 0
        down += vote.direction < 0
    return _direction(up, down)


def _unmatched(old: list[Term], new: list[Term]) -> tuple[list[Term], list[Term]]:
    """The terms of ``old`` not in ``new`` and those of ``new`` not in ``old`` (as
    multisets of word and negation, in reading order)."""
    left = list(new)
    removed = []
    for term in old:
        same = next(
            (t for t in left if (t.word, t.negated) == (term.word, term.negated)),
            None,
        )
        if same is None:
            removed.append(term)
        else:
            left.remove(same)
    return removed, left


_SEGMENT = re.compile(r"[^，,；;。：:]+")
_NON_WORD = re.compile(r"[\W_]+")


def _bigrams(text: str) -> Counter:
    chars = _NON_WORD.sub("", text)
    return Counter(chars[i : i + 2] for i in range(len(chars) - 1))


def _has_counterpart(text: str, term: Term, other: str) -> bool:
    """Whether the words around ``term`` (its comma-delimited segment, without the term)
    stand in ``other`` too: only then does inserting or removing the term alone change the
    same provision (并没收… → 并可以没收…), rather than come with new content."""
    segment = next(
        (m for m in _SEGMENT.finditer(text) if m.start() <= term.start < m.end()), None
    )
    if segment is None:
        return False
    rest = _bigrams(text[segment.start() : term.start] + text[term.end : segment.end()])
    if sum(rest.values()) < 2:
        return True
    for match in _SEGMENT.finditer(other):
        theirs = _bigrams(match.group())
        total = sum(rest.values()) + sum(theirs.values())
        if total and 2 * sum((rest & theirs).values()) / total >= COUNTERPART:
            return True
    return False


def _value(term: Term) -> float:
    return -term.rank - 1 if term.negated else term.rank


def _step(a: Term, b: Term, scale: str) -> Evidence | None:
    if a.negated != b.negated:
        direction = -1 if b.negated else 1
        rule = f"{scale}: negation {'added' if b.negated else 'removed'}"
    else:
        difference = _value(b) - _value(a)
        direction = (difference > 0) - (difference < 0)
        rule = f"{scale}: {a.word} → {b.word}"
    return Evidence(
        "strength",
        rule,
        _shown(a),
        _shown(b),
        (a.start, a.end),
        (b.start, b.end),
        direction,
    )


def _alone(term: Term, baseline: float | None, removed: bool) -> Evidence | None:
    if baseline is None:
        return None
    direction = (term.rank > baseline) - (term.rank < baseline)
    if term.negated:
        direction = -direction
    if removed:
        direction = -direction
    action = "removed" if removed else "inserted"
    span = (term.start, term.end)
    return Evidence(
        "strength",
        f"{term.scale}: {term.word} {action}",
        _shown(term) if removed else "",
        "" if removed else _shown(term),
        span if removed else None,
        None if removed else span,
        direction,
    )


def _shown(term: Term) -> str:
    return ("不" if term.negated else "") + term.word


# ---------------------------------------------------------------------------- parameters


def parameter_changes(old: str, new: str) -> list[ParameterChange]:
    """The quantities that differ between two texts of a measure, paired by position.

    Quantities are paired along a diff of the two texts in which each quantity is one
    token (its kind): a quantity in unchanged context is compared with the one in the same
    place; in a changed region, those of the same kind are paired in order, and the rest
    were added or removed.
    """
    old_q, new_q = quantities(old), quantities(new)
    if not old_q and not new_q:
        return []
    a, a_refs = _tokens(old, old_q)
    b, b_refs = _tokens(new, new_q)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    pairs: list[tuple[Quantity | None, Quantity | None]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        olds = [a_refs[i] for i in range(i1, i2) if i in a_refs]
        news = [b_refs[j] for j in range(j1, j2) if j in b_refs]
        if tag == "equal":
            pairs += zip(olds, news)
            continue
        for kind in dict.fromkeys(q.kind for q in olds + news):
            these_old = [q for q in olds if q.kind == kind]
            these_new = [q for q in news if q.kind == kind]
            pairs += zip(these_old, these_new)
            pairs += [(q, None) for q in these_old[len(these_new) :]]
            pairs += [(None, q) for q in these_new[len(these_old) :]]
    pairs = _pair_leftovers(pairs)
    changes = [_parameter(o, n) for o, n in pairs if _differs(o, n)]
    return sorted(changes, key=_position)


def _pair_leftovers(pairs: list) -> list:
    """Pair a removed quantity with an added one of the same kind and unit found in
    another changed region (可以处一千元以下罚款 → 处一千元以上五千元以下罚款)."""
    removed = [o for o, n in pairs if n is None]
    added = [n for o, n in pairs if o is None]
    kept = [(o, n) for o, n in pairs if o is not None and n is not None]
    for o in list(removed):
        match = next((n for n in added if (n.kind, n.unit) == (o.kind, o.unit)), None)
        if match is not None:
            kept.append((o, match))
            removed.remove(o)
            added.remove(match)
    return kept + [(o, None) for o in removed] + [(None, n) for n in added]


def _tokens(
    text: str, found: Sequence[Quantity]
) -> tuple[list[str], dict[int, Quantity]]:
    tokens: list[str] = []
    refs: dict[int, Quantity] = {}
    cursor = 0
    for q in found:
        tokens += list(text[cursor : q.start])
        refs[len(tokens)] = q
        tokens.append(f"\0{q.kind}")
        cursor = q.end
    tokens += list(text[cursor:])
    return tokens, refs


def _differs(old: Quantity | None, new: Quantity | None) -> bool:
    if old is None or new is None:
        return True
    return (old.value, old.unit, old.qualifier) != (new.value, new.unit, new.qualifier)


def _parameter(old: Quantity | None, new: Quantity | None) -> ParameterChange:
    either = new or old
    return ParameterChange(
        kind=either.kind,
        old=old.value if old else None,
        new=new.value if new else None,
        unit=(new.unit if new else old.unit),
        old_text=old.text if old else "",
        new_text=new.text if new else "",
        old_qualifier=old.qualifier if old else "",
        new_qualifier=new.qualifier if new else "",
        old_unit=old.unit if old else "",
        new_unit=new.unit if new else "",
        old_span=(old.start, old.end) if old else None,
        new_span=(new.start, new.end) if new else None,
    )


def _position(p: ParameterChange) -> tuple[int, int]:
    return (p.new_span or p.old_span)[0], 0 if p.new_span else 1


# ---------------------------------------------------------------------------- restriction


def _restriction(
    old: str,
    new: str,
    parameters: Sequence[ParameterChange],
    lexicon: Lexicon,
    evidence: list[Evidence],
) -> str | None:
    votes: list[Evidence] = []
    removed, added = _unmatched(
        lexicon.restriction_terms(old), lexicon.restriction_terms(new)
    )
    top = len(lexicon.restriction.levels) - 1

    def level(term: Term) -> int:
        # 不再允许 forbids: a negated liberal word sits at the top
        return top - term.rank if term.negated else term.rank

    for a, b in zip(removed, added):
        if level(a) != level(b):
            votes.append(
                Evidence(
                    "restriction",
                    f"restriction: {_shown(a)} → {_shown(b)}",
                    _shown(a),
                    _shown(b),
                    (a.start, a.end),
                    (b.start, b.end),
                    1 if level(b) > level(a) else -1,
                )
            )
    new_terms = lexicon.restriction_terms(new)
    for b in added[len(removed) :]:
        # 限制… → 取消…限制: the old restriction is named again, to be lifted
        lifted = [
            t
            for t in new_terms
            if t.rank > 0
            and t.start > b.start
            and t.word in old
            and not re.search(r"[，,；;。]", new[b.end : t.start])
        ]
        if b.rank == 0 and not b.negated and lifted:
            votes.append(
                Evidence(
                    "restriction",
                    f"restriction lifted: {b.word}…{lifted[0].word}",
                    lifted[0].word,
                    new[b.start : lifted[0].end],
                    None,
                    (b.start, lifted[0].end),
                    -1,
                )
            )
    for p in parameters:
        vote = _bound_vote(p, old, new, lexicon)
        if vote is not None:
            votes.append(vote)
    tight = sum(v.direction > 0 for v in votes)
    loose = sum(v.direction < 0 for v in votes)
    evidence += votes
    if tight and loose:
        return "mixed"
    return "tightened" if tight else "loosened" if loose else None


_UPTO = ("以下", "不超过", "不得超过", "以内", "内", "不高于", "最高", "最多", "不足")


def _bounds(value: str, qualifier: str) -> tuple[float, float]:
    low, _, high = value.partition("-")
    if not high and any(
        qualifier.endswith(q) or qualifier.startswith(q) for q in _UPTO
    ):
        return 0.0, float(low)  # 五千元以下: from nothing up to 5000
    return float(low), float(high or low)


def _moved(p: ParameterChange) -> int:
    """+1 when a value or range went up (both ends at least as high), -1 down, else 0."""
    a, b = _bounds(p.old, p.old_qualifier)
    c, d = _bounds(p.new, p.new_qualifier)
    if c >= a and d >= b and (c, d) != (a, b):
        return 1
    if c <= a and d <= b and (c, d) != (a, b):
        return -1
    return 0


def _penalty(text: str, span: tuple[int, int] | None, lexicon: Lexicon) -> bool:
    """Whether the quantity at ``span`` is a fine or a term of detention (…罚款 after it)."""
    if span is None:
        return False
    after = re.match(r"[^，,；;。]{0,8}", text[span[1] :]).group()
    return any(w in after for w in lexicon.penalties)


def _bound_vote(
    p: ParameterChange, old: str, new: str, lexicon: Lexicon
) -> Evidence | None:
    """A raised cap or a lowered floor loosens; a raised fine tightens."""
    if p.kind not in ("amount", "multiple", "percentage", "count", "duration"):
        return None
    if p.old is None or p.new is None:
        if p.old is not None and p.old_qualifier in lexicon.caps and "取消" in new:
            return Evidence(
                "restriction", "cap removed", p.old_text, "取消", direction=-1
            )
        if p.new is not None and _penalty(new, p.new_span, lexicon):
            return Evidence("restriction", "penalty added", "", p.new_text, direction=1)
        if p.old is not None and _penalty(old, p.old_span, lexicon):
            return Evidence(
                "restriction", "penalty removed", p.old_text, "", direction=-1
            )
        return None
    if p.old_unit != p.new_unit:
        return None
    sign = _moved(p)
    if not sign:
        return None
    if _penalty(new, p.new_span, lexicon):
        return Evidence(
            "restriction",
            "penalty raised" if sign > 0 else "penalty lowered",
            p.old_text,
            p.new_text,
            direction=sign,
        )
    qualifier = p.new_qualifier or p.old_qualifier
    if qualifier in lexicon.caps or any(qualifier.startswith(c) for c in lexicon.caps):
        rule = "cap raised" if sign > 0 else "cap lowered"
        return Evidence("restriction", rule, p.old_text, p.new_text, direction=-sign)
    if qualifier in lexicon.floors or any(
        qualifier.startswith(f) for f in lexicon.floors
    ):
        rule = "floor raised" if sign > 0 else "floor lowered"
        return Evidence("restriction", rule, p.old_text, p.new_text, direction=sign)
    return None

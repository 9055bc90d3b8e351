"""Reviews: a researcher's decisions on clause links, measure links and change classes.

They live in a plain CSV file beside the corpus, ``versions/<document>/reviews.csv``, one
row per decision, and win over the algorithm every time the document is compared, so they
survive rebuilds. Every link or class a review touched is marked ``reviewed``.

    kind,from_version,to_version,old,new,decision,value,who,why
    clause,2009,2015,2009:a24,2015:a29,link,modified,Li Wei,a24 became a29 (local standards)
    clause,2009,2015,2009:a5,2015:a6,confirm,,Li Wei,checked
    measure,2009,2015,2009:a24.m1,2015:a29.m2,unlink,,Li Wei,different provisions
    class,2009,2015,2009:a85.m1,2015:a123.m1,set,strength=weakened,Li Wei,可以 made it optional

* ``kind``: ``clause`` (a clause link), ``measure`` (a measure link) or ``class`` (a class of
  a measure link).
* ``old`` and ``new``: clause or measure ids (``2009:a24``, ``2009:a24.m1``; the version
  prefix may be left out); several clauses of a split or merge are joined with ``+``; one
  side is empty for an added or deleted clause.
* ``decision``: ``confirm`` (the link is right), ``link`` (make this link, whatever the
  aligner said; ``value`` may give its type), ``unlink`` (these are not linked), and for
  classes ``set`` (``value`` is ``name=value``: ``strength=weakened``,
  ``restriction=loosened``, ``actors_added=商务部;国务院``) or ``confirm``.
* ``who`` is required; ``why`` is what a later reader will want to know.

A malformed file raises :class:`~policydiff.errors.ReviewError` naming the file and line,
before anything is written.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .align import align_sentences, text_similarity
from .errors import ReviewError
from .model import CHANGE_TYPES, Alignment, Clause, Document, Link

if TYPE_CHECKING:  # only annotations: the classifier loads when a review needs it
    from .classify import Classes

REVIEW_FILE = "reviews.csv"
COLUMNS = (
    "kind",
    "from_version",
    "to_version",
    "old",
    "new",
    "decision",
    "value",
    "who",
    "why",
)
REQUIRED = ("kind", "from_version", "to_version", "old", "new", "decision", "who")
DECISIONS = {
    "clause": ("confirm", "link", "unlink"),
    "measure": ("confirm", "link", "unlink"),
    "class": ("set", "confirm"),
}
LIST_CLASSES = ("actors_added", "actors_removed", "scope_added", "scope_removed")
CLASS_NAMES = ("strength", "restriction", *LIST_CLASSES)


@dataclass(frozen=True)
class Review:
    """One decision, from one line of the review file."""

    line: int
    kind: str
    from_version: str
    to_version: str
    old: tuple[str, ...]
    new: tuple[str, ...]
    decision: str
    value: str = ""
    who: str = ""
    why: str = ""

    def to_dict(self) -> dict:
        return {
            "line": self.line,
            "kind": self.kind,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "old": "+".join(self.old),
            "new": "+".join(self.new),
            "decision": self.decision,
            "value": self.value,
            "who": self.who,
            "why": self.why,
        }


@dataclass(frozen=True)
class Reviews:
    """The decisions of one review file."""

    path: Path
    rows: tuple[Review, ...]

    def error(self, review: Review, message: str) -> ReviewError:
        return ReviewError(f"{self.path}, line {review.line}: {message}")

    def of(self, kind: str, from_version: str, to_version: str) -> list[Review]:
        return [
            r
            for r in self.rows
            if r.kind == kind
            and (r.from_version, r.to_version) == (from_version, to_version)
        ]

    # ------------------------------------------------------------------ clause links

    def apply_to_alignment(self, alignment: Alignment) -> Alignment:
        """The alignment with every clause review of its pair of versions applied."""
        rows = self.of("clause", alignment.old.label, alignment.new.label)
        if not rows:
            return alignment
        old = {c.id: c for c in alignment.old.clauses}
        new = {c.id: c for c in alignment.new.clauses}
        links = list(alignment.links)
        for review in rows:
            olds = self._ids(review, review.old, old, alignment.old.label)
            news = self._ids(review, review.new, new, alignment.new.label)
            links = self._apply_clause(review, links, olds, news, old, new)
        return replace(alignment, links=tuple(links))

    def _ids(self, review, ids, clauses: dict, label: str) -> tuple[str, ...]:
        full = []
        for item in ids:
            clause_id = item if ":" in item else f"{label}:{item}"
            if clause_id not in clauses:
                raise self.error(
                    review,
                    f"version {label} has no clause {item!r}; list the clause ids with"
                    f" policydiff show DOCUMENT {label}",
                )
            full.append(clause_id)
        return tuple(full)

    def _apply_clause(self, review, links, olds, news, old, new) -> list[Link]:
        found = [
            k
            for k, link in enumerate(links)
            if set(link.old) == set(olds) and set(link.new) == set(news)
        ]
        if review.decision == "confirm":
            if not found:
                raise self.error(
                    review,
                    f"there is no link {_show(olds)} → {_show(news)} to confirm; use"
                    " decision 'link' to make it",
                )
            links[found[0]] = replace(links[found[0]], reviewed=True)
            return links
        touched = [
            k
            for k, link in enumerate(links)
            if set(link.old) & set(olds) or set(link.new) & set(news)
        ]
        place = touched[0] if touched else len(links)
        freed_old = [i for k in touched for i in links[k].old if i not in olds]
        freed_new = [i for k in touched for i in links[k].new if i not in news]
        kept = [link for k, link in enumerate(links) if k not in touched]
        place -= sum(1 for k in touched if k < place)
        made: list[Link] = []
        if review.decision == "link":
            made.append(_clause_link(review, olds, news, old, new))
        else:
            freed_old += list(olds)
            freed_new += list(news)
        made += [_lonely("deleted", i, True) for i in dict.fromkeys(freed_old)]
        made += [_lonely("added", i, False) for i in dict.fromkeys(freed_new)]
        return kept[:place] + made + kept[place:]

    # ------------------------------------------------------------------ measure links

    def apply_to_measures(
        self, comparison, links: list, old: dict, new: dict, make: Callable
    ) -> list:
        """Measure links with every measure review of the pair applied.

        :param make: builds a classified link from an old and a new measure.
        """
        from .measures import MeasureLink

        rows = self.of("measure", comparison.from_version, comparison.to_version)
        for review in rows:
            olds = self._measure_ids(review, review.old, old, comparison.from_version)
            news = self._measure_ids(review, review.new, new, comparison.to_version)
            if len(olds) > 1 or len(news) > 1:
                raise self.error(review, "a measure review links one measure to one")
            m = old[olds[0]] if olds else None
            n = new[news[0]] if news else None
            at = [
                k
                for k, link in enumerate(links)
                if (link.old and m and link.old.id == m.id)
                or (link.new and n and link.new.id == n.id)
            ]
            same = [k for k in at if links[k].old == m and links[k].new == n]
            if review.decision == "confirm":
                if not same:
                    raise self.error(
                        review,
                        f"there is no measure link {_show(olds)} → {_show(news)} to"
                        " confirm; use decision 'link' to make it",
                    )
                links[same[0]] = replace(links[same[0]], reviewed=True)
                continue
            freed = [(links[k].old, links[k].new) for k in at]
            links = [link for k, link in enumerate(links) if k not in at]
            if review.decision == "link":
                if m is None or n is None:
                    raise self.error(review, "a measure link needs both old and new")
                links.append(replace(make(m, n), reviewed=True))
            lonely_old = {o.id: o for o, _ in freed if o is not None}
            lonely_new = {x.id: x for _, x in freed if x is not None}
            if review.decision == "link":
                lonely_old.pop(m.id, None)
                lonely_new.pop(n.id, None)
            links += [
                MeasureLink("deleted", o, None, 0.0, "review", reviewed=True)
                for o in lonely_old.values()
            ]
            links += [
                MeasureLink("added", None, x, 0.0, "review", reviewed=True)
                for x in lonely_new.values()
            ]
        return links

    def _measure_ids(self, review, ids, measures: dict, label: str) -> tuple[str, ...]:
        full = []
        for item in ids:
            measure_id = item if ":" in item else f"{label}:{item}"
            if measure_id not in measures:
                raise self.error(
                    review,
                    f"version {label} has no measure {item!r}; list the measure ids with"
                    " policydiff measures DOCUMENT --format json",
                )
            full.append(measure_id)
        return tuple(full)

    def apply_to_classes(self, comparison, links: list) -> list:
        """Measure links whose classes have been set or confirmed by a review."""
        rows = self.of("class", comparison.from_version, comparison.to_version)
        for review in rows:
            olds = _qualified(review.old, comparison.from_version)
            news = _qualified(review.new, comparison.to_version)
            at = [
                k
                for k, link in enumerate(links)
                if (link.old.id if link.old else None) == (olds[0] if olds else None)
                and (link.new.id if link.new else None) == (news[0] if news else None)
            ]
            if not at:
                raise self.error(
                    review,
                    f"there is no measure link {_show(olds)} → {_show(news)}; classes can"
                    " be set only on a link (add a 'measure' review to make it)",
                )
            link = links[at[0]]
            links[at[0]] = replace(link, classes=_set_class(review, link.classes))
        return links


def _set_class(review: Review, classes: Classes) -> Classes:
    if review.decision == "confirm":
        return replace(
            classes, reviewed=tuple(dict.fromkeys((*classes.reviewed, "all")))
        )
    name, _, value = review.value.partition("=")
    name = name.strip()
    if name in LIST_CLASSES:
        items = tuple(v.strip() for v in value.split(";") if v.strip())
        changed = replace(classes, **{name: items})
    else:
        changed = replace(classes, **{name: value.strip() or None})
        if name == "strength" and not value.strip():
            changed = replace(classes, strength="same")
    return replace(changed, reviewed=tuple(dict.fromkeys((*classes.reviewed, name))))


def _qualified(ids: Sequence[str], label: str) -> tuple[str, ...]:
    return tuple(i if ":" in i else f"{label}:{i}" for i in ids)


def _show(ids: Sequence[str]) -> str:
    return "+".join(ids) or "∅"


def _clause_link(review: Review, olds, news, old: dict, new: dict) -> Link:
    old_clauses: list[Clause] = [old[i] for i in olds]
    new_clauses: list[Clause] = [new[i] for i in news]
    # The aligner's measure, so that a reviewed link reads like any other.
    similarity = text_similarity(
        "".join(c.key for c in old_clauses), "".join(c.key for c in new_clauses)
    )
    kind = review.value or (
        "added"
        if not olds
        else (
            "deleted"
            if not news
            else (
                "merged"
                if len(olds) > 1
                else (
                    "split"
                    if len(news) > 1
                    else (
                        "unchanged"
                        if old_clauses[0].key == new_clauses[0].key
                        else "modified"
                    )
                )
            )
        )
    )
    sentences = align_sentences(
        [(c.id, s) for c in old_clauses for s in c.sentences],
        [(c.id, s) for c in new_clauses for s in c.sentences],
    )
    return Link(
        type=kind,
        old=tuple(olds),
        new=tuple(news),
        similarity=round(similarity, 4),
        method="review",
        sentences=tuple(sentences),
        pairs=tuple((o, n) for o in olds for n in news),
        reviewed=True,
    )


def _lonely(kind: str, clause_id: str, old_side: bool) -> Link:
    return Link(
        type=kind,
        old=(clause_id,) if old_side else (),
        new=() if old_side else (clause_id,),
        similarity=0.0,
        method="review",
        pairs=((clause_id, None),) if old_side else ((None, clause_id),),
        reviewed=True,
    )


# ---------------------------------------------------------------------------- reading


def review_path(document: Document) -> Path:
    return Path(document.path) / REVIEW_FILE


def load_reviews(document: Document) -> Reviews | None:
    """The reviews of a document, or None when it has no review file."""
    path = review_path(document)
    if not path.is_file():
        return None
    labels = {v.label for v in document.versions}
    return read_reviews(path, labels)


def read_reviews(path: str | Path, versions: set[str] | None = None) -> Reviews:
    """Read and check a review file; any fault raises ReviewError naming its line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise ReviewError(
            f"{path}: not UTF-8 (byte {e.start}); save it as UTF-8 CSV"
        ) from None
    except OSError as e:
        raise ReviewError(f"{path}: cannot read the file ({e.strerror})") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        return Reviews(path, ())
    header = [h.strip() for h in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ReviewError(
            f"{path}, line 1: missing column {missing[0]!r}; the header must be"
            f" {','.join(COLUMNS)}"
        )
    reviews = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            raise ReviewError(
                f"{path}, line {number}: {len(row)} fields for {len(header)} columns;"
                " quote a value that holds a comma"
            )
        values = {
            h: (row[k].strip() if k < len(row) else "") for k, h in enumerate(header)
        }
        reviews.append(_review(path, number, values, versions))
    return Reviews(path, tuple(reviews))


def _review(path: Path, line: int, values: dict, versions: set[str] | None) -> Review:
    def fail(message: str) -> ReviewError:
        return ReviewError(f"{path}, line {line}: {message}")

    kind = values["kind"]
    if kind not in DECISIONS:
        raise fail(f"unknown kind {kind!r}; use clause, measure or class")
    decision = values["decision"]
    if decision not in DECISIONS[kind]:
        raise fail(
            f"unknown decision {decision!r} for a {kind}; use"
            f" {' or '.join(DECISIONS[kind])}"
        )
    for column in ("from_version", "to_version"):
        label = values[column]
        if not label:
            raise fail(f"{column} is empty; give the version label, e.g. 2015")
        if versions is not None and label not in versions:
            raise fail(
                f"{column} {label!r} is not a version of this document; it has"
                f" {', '.join(sorted(versions))}"
            )
    old = tuple(i.strip() for i in values["old"].split("+") if i.strip())
    new = tuple(i.strip() for i in values["new"].split("+") if i.strip())
    if not old and not new:
        raise fail("old and new are both empty; give the clause or measure ids")
    if not values["who"]:
        raise fail("who is empty; say who made the decision")
    value = values.get("value", "")
    if kind == "clause" and decision == "link" and value and value not in CHANGE_TYPES:
        raise fail(f"unknown link type {value!r}; use one of {', '.join(CHANGE_TYPES)}")
    if kind == "class" and decision == "set":
        _check_class(value, fail)
    return Review(
        line=line,
        kind=kind,
        from_version=values["from_version"],
        to_version=values["to_version"],
        old=old,
        new=new,
        decision=decision,
        value=value,
        who=values["who"],
        why=values.get("why", ""),
    )


def _check_class(value: str, fail) -> None:
    name, equals, setting = value.partition("=")
    name, setting = name.strip(), setting.strip()
    if not equals or name not in CLASS_NAMES:
        raise fail(
            f"value {value!r} does not set a class; write name=value with a name among"
            f" {', '.join(CLASS_NAMES)}"
        )
    from .classify import RESTRICTIONS, STRENGTHS

    if name == "strength" and setting not in STRENGTHS:
        raise fail(f"unknown strength {setting!r}; use {', '.join(STRENGTHS)}")
    if name == "restriction" and setting and setting not in RESTRICTIONS:
        raise fail(
            f"unknown restriction {setting!r}; use {', '.join(RESTRICTIONS)} or nothing"
        )

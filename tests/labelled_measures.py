"""The hand-labelled measure pairs of tests/data/measures/labelled.csv, with their texts.

The corpus rows point into ../shared/corpora (file, article, and a short anchor that picks
one measure of the article), so the texts are read at run time and not copied here. The
SYNTHETIC rows start from a measure of the real 2019 Beijing plan (in versions/) and apply
the written edit (``old→new``, several separated by `` | ``) to make each side.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from policydiff.lexicon import actor_key
from policydiff.measures import clause_measures
from policydiff.segment import segment

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "tests" / "data" / "measures" / "labelled.csv"
CORPORA = ROOT.parent / "shared" / "corpora"
VERSIONS = ROOT / "versions"


@dataclass(frozen=True)
class Pair:
    id: str
    source: str
    old: str
    new: str
    strength: str
    restriction: str | None
    parameters: frozenset
    actors_added: tuple[str, ...]
    actors_removed: tuple[str, ...]
    scope_added: tuple[str, ...]
    scope_removed: tuple[str, ...]


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


@cache
def _measures(path: Path) -> tuple:
    tree = segment(path.read_text(encoding="utf-8"), path.stem)
    return tuple((clause, clause_measures(clause)) for clause in tree.clauses)


def _measure_text(path: Path, article: str, anchor: str) -> str:
    found = [
        m.text
        for clause, measures in _measures(path)
        if not article or clause.label == article
        for m in measures
        if _compact(anchor) in _compact(m.text)
    ]
    if not found:
        raise LookupError(f"{path} {article}: no measure contains {anchor!r}")
    return found[0]


def _edit(text: str, edits: str) -> str:
    for edit in filter(None, (e.strip() for e in edits.split(" | "))):
        old, new = edit.split("→", 1)
        if old not in text:
            raise LookupError(f"edit {edit!r} does not apply to {text!r}")
        text = text.replace(old, new, 1)
    return text


def _items(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(";") if v.strip())


def load_pairs(path: Path = LABELLED) -> list[Pair]:
    pairs = []
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["source"] == "SYNTHETIC":
                base = _measure_text(VERSIONS / row["old_file"], "", row["old_anchor"])
                old, new = _edit(base, row["old_edit"]), _edit(base, row["new_edit"])
            else:
                old = _measure_text(
                    CORPORA / row["old_file"], row["old_article"], row["old_anchor"]
                )
                new = _measure_text(
                    CORPORA / row["new_file"], row["new_article"], row["new_anchor"]
                )
            pairs.append(
                Pair(
                    id=row["id"],
                    source=row["source"],
                    old=old,
                    new=new,
                    strength=row["strength"],
                    restriction=row["restriction"] or None,
                    parameters=frozenset(
                        tuple(p) for p in json.loads(row["parameters"] or "[]")
                    ),
                    actors_added=_items(row["actors_added"]),
                    actors_removed=_items(row["actors_removed"]),
                    scope_added=_items(row["scope_added"]),
                    scope_removed=_items(row["scope_removed"]),
                )
            )
    return pairs


def same_item(a: str, b: str) -> bool:
    """Two names of one body or place: equal once normalised, or one inside the other."""
    a, b = actor_key(a), actor_key(b)
    return a in b or b in a


def matched(predicted, labelled) -> int:
    """How many labelled items a predicted item matches (each used once)."""
    left = list(predicted)
    hits = 0
    for item in labelled:
        match = next((p for p in left if same_item(p, item)), None)
        if match is not None:
            left.remove(match)
            hits += 1
    return hits


def parameter_rows(classes) -> frozenset:
    return frozenset((p.kind, p.old, p.new, p.unit) for p in classes.parameters)

"""Plain rows of measures, their links and classes, parameter changes and change indices,
for the database (one dict per row, JSON-ready values, keyed by table name). Ids carry the
document, as the ``clauses`` table's do: ``food-safety-law/2009:a85.m2``.

    >>> tables = measure_rows(history)       # doctest: +SKIP
    >>> sorted(tables)
    ['measure_classes', 'measure_links', 'measures', 'parameter_changes', 'stats']
"""

from __future__ import annotations

import json

from .lexicon import Lexicon, lexicon_for
from .measures import MeasureComparison, MeasureLink, clause_measures, compare_measures
from .model import DocumentHistory
from .reviews import load_reviews
from .stats import document_stats

TABLES = ("measures", "measure_links", "measure_classes", "parameter_changes", "stats")


def _json(items) -> str:
    return json.dumps(list(items), ensure_ascii=False)


def measure_rows(
    history: DocumentHistory,
    lexicon: Lexicon | None = None,
    reviews=None,
    measures: tuple[MeasureComparison, ...] | None = None,
) -> dict[str, list[dict]]:
    """Every measure of every version, every measure link between consecutive versions,
    their classes and parameter changes, and the change indices, as rows.

    The document's own lexicon.toml and reviews.csv are used unless given.
    """
    document = history.document
    lexicon = lexicon or lexicon_for(document.path)
    if reviews is None:
        reviews = load_reviews(document)
    if measures is None:
        measures = tuple(
            compare_measures(c, lexicon, reviews) for c in history.comparisons
        )
    tables: dict[str, list[dict]] = {name: [] for name in TABLES}
    for tree in history.trees:
        for clause in tree.clauses:
            for measure in clause_measures(clause, lexicon):
                tables["measures"].append(
                    {
                        "id": f"{document.slug}/{measure.id}",
                        "document": document.slug,
                        "version": measure.version,
                        "clause_id": f"{document.slug}/{measure.clause}",
                        "clause_label": measure.label,
                        "ordinal": measure.index,
                        "sentence": measure.sentence,
                        "text": measure.text,
                        "start": measure.start,
                        "end": measure.end,
                        "verbs": _json(measure.verbs),
                        "actors": _json(measure.actors),
                        "scope": _json(measure.scope),
                    }
                )
    for comparison in measures:
        for link in comparison.links:
            tables["measure_links"].append(_link_row(document.slug, comparison, link))
            tables["measure_classes"] += _class_rows(document.slug, comparison, link)
            tables["parameter_changes"] += _parameter_rows(
                document.slug, comparison, link
            )
    tables["stats"] = document_stats(history, lexicon, reviews, measures)
    return tables


def _ref(slug: str, measure, attribute: str) -> str | None:
    """A measure's or its clause's id as the database has it: ``document/2009:a5.m1``."""
    return f"{slug}/{getattr(measure, attribute)}" if measure is not None else None


def _base(slug: str, comparison: MeasureComparison, link: MeasureLink) -> dict:
    return {
        "link_id": f"{slug}/{link.id}",
        "document": slug,
        "from_version": comparison.from_version,
        "to_version": comparison.to_version,
    }


def _link_row(slug: str, comparison: MeasureComparison, link: MeasureLink) -> dict:
    classes = link.classes
    base = _base(slug, comparison, link)
    return {
        "id": base.pop("link_id"),
        **base,
        "type": link.type,
        "old_measure": _ref(slug, link.old, "id"),
        "new_measure": _ref(slug, link.new, "id"),
        "old_clause": _ref(slug, link.old, "clause"),
        "new_clause": _ref(slug, link.new, "clause"),
        "old_text": link.old.text if link.old else None,
        "new_text": link.new.text if link.new else None,
        "similarity": round(link.similarity, 4),
        "method": link.method,
        "strength": classes.strength,
        "restriction": classes.restriction,
        "parameter_changes": len(classes.parameters),
        "actors_added": _json(classes.actors_added),
        "actors_removed": _json(classes.actors_removed),
        "scope_added": _json(classes.scope_added),
        "scope_removed": _json(classes.scope_removed),
        "summary": classes.summary(),
        "reviewed": int(link.reviewed or bool(classes.reviewed)),
    }


def _class_rows(slug: str, comparison: MeasureComparison, link: MeasureLink) -> list:
    """One row per class a link got (strength, restriction, each actor or scope item,
    each parameter), with the evidence that gave it."""
    classes = link.classes
    values: list[tuple[str, str]] = []
    if classes.strength != "same":
        values.append(("strength", classes.strength))
    if classes.restriction:
        values.append(("restriction", classes.restriction))
    for p in classes.parameters:
        values.append(("parameters", p.kind))
    for name in ("actors_added", "actors_removed", "scope_added", "scope_removed"):
        values += [(name, item) for item in getattr(classes, name)]
    rows = []
    for n, (cls, value) in enumerate(values):
        family = cls.partition("_")[0]
        evidence = [
            e.to_dict()
            for e in classes.evidence
            if e.cls == family
            and (family != "actors" and family != "scope" or value in (e.old, e.new))
        ]
        reviewed = bool(
            link.reviewed or "all" in classes.reviewed or cls in classes.reviewed
        )
        rows.append(
            {
                "id": f"{slug}/{link.id}/{n + 1}",
                **_base(slug, comparison, link),
                "class": cls,
                "value": value,
                "rules": _json(dict.fromkeys(e["rule"] for e in evidence)),
                "evidence": json.dumps(evidence, ensure_ascii=False),
                "reviewed": int(reviewed),
            }
        )
    return rows


def _parameter_rows(
    slug: str, comparison: MeasureComparison, link: MeasureLink
) -> list:
    reviewed = int(link.reviewed or bool(link.classes.reviewed))
    return [
        {
            "id": f"{slug}/{link.id}/p{n + 1}",
            **_base(slug, comparison, link),
            "old_measure": _ref(slug, link.old, "id"),
            "new_measure": _ref(slug, link.new, "id"),
            **{
                key: (json.dumps(value) if isinstance(value, tuple) else value)
                for key, value in p.to_dict().items()
                if key not in ("old_span", "new_span")
            },
            "reviewed": reviewed,
        }
        for n, p in enumerate(link.classes.parameters)
    ]

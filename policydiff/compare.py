"""Compare versions: segment, align, then diff every link. The one pipeline that the library,
the CLI and the database share."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from pathlib import Path

from .align import align
from .corpus import DEFAULT_CORPUS, load_corpus, load_document, read_version
from .diff import diff_clauses
from .errors import PolicydiffError, UnknownVersionError
from .lineage import lineages
from .model import (
    Alignment,
    Change,
    ClauseTree,
    Comparison,
    Document,
    DocumentHistory,
)
from .reviews import Reviews, load_reviews
from .segment import segment

Progress = Callable[[str], None]


def changes_of(alignment: Alignment) -> tuple[Change, ...]:
    """Diff every link of an alignment: one Change per link, in reading order."""
    old = {c.id: c for c in alignment.old.clauses}
    new = {c.id: c for c in alignment.new.clauses}
    changes = []
    for link in alignment.links:
        old_clauses = tuple(old[i] for i in link.old)
        new_clauses = tuple(new[i] for i in link.new)
        changes.append(
            Change(
                type=link.type,
                similarity=link.similarity,
                method=link.method,
                old=old_clauses,
                new=new_clauses,
                diff=diff_clauses(old_clauses, new_clauses),
                sentences=link.sentences,
                reviewed=link.reviewed,
                pairs=link.pairs,
            )
        )
    return tuple(changes)


def compare_trees(
    old: ClauseTree, new: ClauseTree, document: str = "", reviews: Reviews | None = None
) -> Comparison:
    """Align two segmented versions and diff every link.

    :param reviews: the document's reviews; their clause links win over the aligner's.
    """
    alignment = align(old, new)
    if reviews is not None:
        alignment = reviews.apply_to_alignment(alignment)
    return Comparison(
        document=document,
        from_version=old.label,
        to_version=new.label,
        changes=changes_of(alignment),
        alignment=alignment,
    )


def compare_texts(
    old_text: str, new_text: str, old_label: str = "old", new_label: str = "new"
) -> Comparison:
    """Compare two texts directly, without a corpus."""
    return compare_trees(segment(old_text, old_label), segment(new_text, new_label))


def segment_version(document: Document, label: str) -> ClauseTree:
    """Read (and checksum) one version of a document and segment it."""
    version = read_version(document, label)
    return segment(version.text, version.label)


def compare(
    document: Document, from_label: str | None = None, to_label: str | None = None
) -> Comparison:
    """Compare two versions of a document.

    Without ``from_label`` and ``to_label``, the last two versions that have text; with only
    one of them, its neighbour among the versions that have text.
    """
    from_label, to_label = _pair(document, from_label, to_label)
    old = segment_version(document, from_label)
    new = segment_version(document, to_label)
    return compare_trees(old, new, document.slug, load_reviews(document))


def require_two_versions(document: Document) -> None:
    """Raise a clear error when a document has fewer than two versions with text."""
    present = [v.label for v in document.present_versions]
    if len(present) < 2:
        raise UnknownVersionError(
            f"{document.slug}: needs two versions with text to compare, has "
            f"{', '.join(present) or 'none'}; add one with policydiff add"
        )


def _pair(
    document: Document, from_label: str | None, to_label: str | None
) -> tuple[str, str]:
    present = [v.label for v in document.present_versions]
    for label in (from_label, to_label):
        if label is not None and label not in present:
            read_version(document, label)  # raises the error that says what is wrong
    if from_label is None and to_label is None:
        require_two_versions(document)
        return present[-2], present[-1]
    if to_label is None:
        later = present[present.index(from_label) + 1 :]
        if not later:
            raise UnknownVersionError(
                f"{document.slug}: no version after {from_label}; give --to"
            )
        return from_label, later[0]
    if from_label is None:
        earlier = present[: present.index(to_label)]
        if not earlier:
            raise UnknownVersionError(
                f"{document.slug}: no version before {to_label}; give --from"
            )
        return earlier[-1], to_label
    return from_label, to_label


def document_history(
    document: Document, progress: Progress | None = None
) -> DocumentHistory:
    """Segment every present version of a document, compare each consecutive pair, and chain
    the links into lineages."""
    trees = []
    for info in document.present_versions:
        if progress:
            progress(f"{document.slug} {info.label}: segment")
        trees.append(segment_version(document, info.label))
    comparisons = []
    reviews = load_reviews(document)
    for old, new in itertools.pairwise(trees):
        if progress:
            progress(f"{document.slug} {old.label} → {new.label}: align and diff")
        comparisons.append(compare_trees(old, new, document.slug, reviews))
    return DocumentHistory(
        document=document,
        trees=tuple(trees),
        comparisons=tuple(comparisons),
        lineages=lineages(trees, comparisons),
    )


def build(
    db_path: str | Path,
    corpus: str | Path = DEFAULT_CORPUS,
    documents: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> Path:
    """Compare every document of a corpus and write the database at ``db_path``.

    Everything is read, checked and compared before the database is touched, and the new
    database replaces the old one only when complete: a broken corpus leaves it as it was.
    """
    loaded = load_corpus(corpus)
    chosen = loaded.documents
    if documents:
        chosen = tuple(load_document(name, corpus) for name in documents)
    if not chosen:
        raise PolicydiffError(
            f"{corpus}: no documents to build; add one with policydiff add"
        )
    histories = [document_history(document, progress) for document in chosen]
    from .store import (
        write_database,
    )  # sqlite-utils is needed only here: keep `diff` quick

    return write_database(db_path, histories, progress=progress)

"""The plain, typed data that flows between policydiff's stages.

corpus → Version → segment → ClauseTree → align → Alignment → diff → Change → lineage → build.
Every stage takes and returns these frozen dataclasses, so the library, the CLI and the
database all see the same values. ``to_dict`` methods give the JSON shapes the CLI prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

#: Link types, in the order a reader meets them.
CHANGE_TYPES: tuple[str, ...] = (
    "unchanged",
    "modified",
    "moved",
    "split",
    "merged",
    "added",
    "deleted",
)

#: A version is ``present`` when its text is in the corpus, ``missing`` when only its
#: metadata is known (the text still has to be added or fetched).
VERSION_STATUSES: tuple[str, ...] = ("present", "missing")


# ---------------------------------------------------------------------------- corpus


@dataclass(frozen=True)
class VersionInfo:
    """One version of a document as its manifest describes it."""

    label: str
    status: str = "present"
    file: str | None = None
    date: str | None = None
    title: str | None = None
    issuer: str | None = None
    doc_number: str | None = None
    source: str | None = None
    sha256: str | None = None
    # How the text was imported: where it begins and ends in its original, the original's
    # encoding, and the original itself when it differs from the stored text.
    url: str | None = None
    start: str | None = None
    end: str | None = None
    encoding: str | None = None
    original_file: str | None = None
    original_sha256: str | None = None
    # Provenance of a fetched text.
    final_url: str | None = None
    retrieved_at: str | None = None
    http_status: int | None = None
    content_type: str | None = None
    note: str | None = None

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class Document:
    """One policy over time: a folder of version texts and, usually, a manifest."""

    slug: str
    path: Path
    versions: tuple[VersionInfo, ...]
    title: str | None = None
    issuer: str | None = None
    description: str | None = None
    source: str | None = None
    manifest: Path | None = None
    language: str = "zh"

    @property
    def present_versions(self) -> tuple[VersionInfo, ...]:
        return tuple(v for v in self.versions if v.status == "present")


@dataclass(frozen=True)
class Corpus:
    """A folder of documents (``versions/`` by default)."""

    path: Path
    documents: tuple[Document, ...]


@dataclass(frozen=True)
class Version:
    """The text of one version, read and checked, with its metadata."""

    document: str
    info: VersionInfo
    text: str
    path: Path | None = None

    @property
    def label(self) -> str:
        return self.info.label


# ---------------------------------------------------------------------------- segments


@dataclass(frozen=True)
class Sentence:
    """One sentence of a clause; ``text`` is the exact source slice ``[start, end)``."""

    index: int
    text: str
    start: int
    end: int
    key: str


@dataclass(frozen=True)
class Heading:
    """A numbered heading (第二章, 一、, （三）, 1.) that groups clauses."""

    id: str
    label: str
    title: str
    level: int
    path: tuple[str, ...]
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Clause:
    """The unit that is aligned: a law article or a plan paragraph.

    :param id: stable within the document: the version label and a structural address
        (``2009:a12`` for 第十二条, ``2019:2.3.1`` for the first paragraph under 二（三）).
    :param label: the human label (第十二条; 二（三）推进文化行业扩大对外开放).
    :param kind: ``article``, ``paragraph``, ``item`` or ``front`` (title, notes, contents).
    :param path: the titles of the headings above it, outermost first.
    :param text: exactly as in the source, ``source[start:end]``.
    :param key: the text normalised for matching only (NFKC, Simplified, no whitespace,
        no numbering label).
    """

    id: str
    label: str
    kind: str
    ordinal: int
    path: tuple[str, ...]
    text: str
    start: int
    end: int
    key: str
    sentences: tuple[Sentence, ...] = ()
    number: int | None = None

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "label": self.label,
            "kind": self.kind,
            "path": list(self.path),
            "text": self.text,
        }


@dataclass(frozen=True)
class ClauseTree:
    """A segmented version: its headings and clauses, which together cover its text."""

    text: str
    headings: tuple[Heading, ...]
    clauses: tuple[Clause, ...]
    label: str = ""

    @cached_property
    def _by_id(self) -> dict[str, Clause]:
        return {clause.id: clause for clause in self.clauses}

    def clause(self, clause_id: str) -> Clause:
        """The clause with this id (KeyError if there is none)."""
        return self._by_id[clause_id]


# ---------------------------------------------------------------------------- alignment


@dataclass(frozen=True)
class SentenceLink:
    """Old sentence(s) → new sentence(s) inside (or across) linked clauses.

    ``old`` and ``new`` hold ``(clause_id, sentence_index)`` pairs.
    """

    type: str
    old: tuple[tuple[str, int], ...]
    new: tuple[tuple[str, int], ...]
    similarity: float


@dataclass(frozen=True)
class Link:
    """Old clause(s) → new clause(s), typed, with a similarity in [0, 1].

    :param method: the alignment pass that made the link (exact, backbone, gap, move,
        leftover, partial, split, merge, residual), so a reader can see why.
    :param pairs: the clause-to-clause connections inside the link, ``(old_id, new_id)``,
        with ``None`` on the empty side of an added or deleted clause; in a split or merge
        they say which parts went where.
    """

    type: str
    old: tuple[str, ...]
    new: tuple[str, ...]
    similarity: float
    method: str
    sentences: tuple[SentenceLink, ...] = ()
    pairs: tuple[tuple[str | None, str | None], ...] = ()
    #: Set by a person in the document's review file (see policydiff.reviews).
    reviewed: bool = False


@dataclass(frozen=True)
class Alignment:
    """Every clause of two versions, each in exactly one link."""

    old: ClauseTree
    new: ClauseTree
    links: tuple[Link, ...]


# ---------------------------------------------------------------------------- diffs


#: A diff-match-patch operation: -1 delete, 0 equal, 1 insert, and its text.
DiffOp = tuple[int, str]


@dataclass(frozen=True)
class Change:
    """A link with its clauses and the word-level diff of their texts."""

    type: str
    similarity: float
    method: str
    old: tuple[Clause, ...]
    new: tuple[Clause, ...]
    diff: tuple[DiffOp, ...]
    sentences: tuple[SentenceLink, ...] = ()
    #: Set by a person in the document's review file (see policydiff.reviews).
    reviewed: bool = False
    #: Which old clause went into which new one, as in :attr:`Link.pairs`.
    pairs: tuple[tuple[str | None, str | None], ...] = ()

    def to_dict(self) -> dict:
        return {
            "type": self.type,
            "similarity": round(self.similarity, 4),
            "method": self.method,
            "from": [c.to_dict() for c in self.old],
            "to": [c.to_dict() for c in self.new],
            "pairs": [list(pair) for pair in self.pairs],
            "diff": [[op, text] for op, text in self.diff],
            "reviewed": self.reviewed,
        }


@dataclass(frozen=True)
class Comparison:
    """Two versions of a document compared: every change between them."""

    document: str
    from_version: str
    to_version: str
    changes: tuple[Change, ...]
    alignment: Alignment | None = field(default=None, repr=False, compare=False)

    def counts(self) -> dict[str, int]:
        counts = {t: 0 for t in CHANGE_TYPES}
        for change in self.changes:
            counts[change.type] += 1
        return counts

    def to_dict(self, changed_only: bool = False) -> dict:
        changes = [
            c.to_dict()
            for c in self.changes
            if not (changed_only and c.type == "unchanged")
        ]
        return {
            "document": self.document,
            "from": self.from_version,
            "to": self.to_version,
            "counts": self.counts(),
            "changes": changes,
        }


# ---------------------------------------------------------------------------- lineage


@dataclass(frozen=True)
class LineageStep:
    """What happened to a lineage between two consecutive versions."""

    from_version: str
    to_version: str
    type: str
    old: tuple[str, ...]
    new: tuple[str, ...]
    similarity: float


@dataclass(frozen=True)
class Lineage:
    """One clause's history through every version: the clauses it was, version by version."""

    id: str
    clauses: tuple[tuple[str, tuple[str, ...]], ...]
    steps: tuple[LineageStep, ...]

    @property
    def first_version(self) -> str:
        return self.clauses[0][0]

    @property
    def last_version(self) -> str:
        return self.clauses[-1][0]


@dataclass(frozen=True)
class DocumentHistory:
    """Everything policydiff knows of one document: what ``build`` writes to the database.

    :param trees: the segmented present versions, in version order (``tree.label``).
    :param comparisons: each consecutive pair of present versions compared.
    """

    document: Document
    trees: tuple[ClauseTree, ...]
    comparisons: tuple[Comparison, ...]
    lineages: tuple[Lineage, ...]

"""policydiff: track exactly how a policy text changed between versions.

The library is the product; the CLI (``policydiff``) and the Datasette plugin are thin layers
over these functions. Nothing here prints or exits: bad input raises a ``PolicydiffError``
whose message names the file or version and says what to do.

    >>> import policydiff
    >>> document = policydiff.load_document("food-safety-law")
    >>> comparison = policydiff.compare(document, "2009", "2015")
    >>> comparison.counts()["added"] > 0
    True
"""

from .align import AlignOptions, align
from .classify import classify
from .compare import build, compare, compare_texts, compare_trees, document_history
from .corpus import (
    DEFAULT_CORPUS,
    add_version,
    check_corpus,
    check_document,
    load_corpus,
    load_document,
    read_version,
)
from .diff import diff_clauses, diff_texts, render
from .errors import (
    ChecksumError,
    FetchError,
    FormatError,
    InputError,
    ManifestError,
    PolicydiffError,
    UnknownDocumentError,
    UnknownVersionError,
)
from .fetch import fetch_missing, fetch_version
from .importers import ImportedText, import_bytes, import_file
from .lineage import find_lineages, lineages
from .measures import compare_measures
from .model import (
    CHANGE_TYPES,
    Alignment,
    Change,
    Clause,
    ClauseTree,
    Comparison,
    Corpus,
    Document,
    DocumentHistory,
    Heading,
    Lineage,
    LineageStep,
    Link,
    Sentence,
    SentenceLink,
    Version,
    VersionInfo,
)
from .reviews import read_reviews
from .segment import segment
from .stats import document_stats
from .table import comparison_table

__all__ = [
    "CHANGE_TYPES",
    "DEFAULT_CORPUS",
    "AlignOptions",
    "Alignment",
    "Change",
    "ChecksumError",
    "Clause",
    "ClauseTree",
    "Comparison",
    "Corpus",
    "Document",
    "DocumentHistory",
    "FetchError",
    "FormatError",
    "Heading",
    "ImportedText",
    "InputError",
    "Lineage",
    "LineageStep",
    "Link",
    "ManifestError",
    "PolicydiffError",
    "Sentence",
    "SentenceLink",
    "UnknownDocumentError",
    "UnknownVersionError",
    "Version",
    "VersionInfo",
    "add_version",
    "align",
    "build",
    "check_corpus",
    "check_document",
    "classify",
    "compare",
    "compare_measures",
    "compare_texts",
    "compare_trees",
    "comparison_table",
    "diff_clauses",
    "diff_texts",
    "document_history",
    "document_stats",
    "fetch_missing",
    "fetch_version",
    "find_lineages",
    "import_bytes",
    "import_file",
    "lineages",
    "load_corpus",
    "load_document",
    "read_reviews",
    "read_version",
    "render",
    "segment",
]

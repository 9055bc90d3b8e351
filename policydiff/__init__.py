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
from .lineage import lineages
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
from .segment import segment

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
    "compare",
    "compare_texts",
    "compare_trees",
    "diff_clauses",
    "diff_texts",
    "document_history",
    "fetch_missing",
    "fetch_version",
    "import_bytes",
    "import_file",
    "lineages",
    "load_corpus",
    "load_document",
    "read_version",
    "render",
    "segment",
]

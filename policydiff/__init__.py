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
from .lineage import find_lineages, lineages
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

#: Loaded on first use: these pull in HTTP, HTML, Word and PDF readers or the measure
#: lexicon, which the commands that only diff should not pay for at start-up. (The change
#: classifier is ``policydiff.classify.classify``: the module has the function's name.)
_LAZY = {
    "compare_measures": ".measures",
    "comparison_table": ".table",
    "document_stats": ".stats",
    "fetch_missing": ".fetch",
    "fetch_version": ".fetch",
    "ImportedText": ".importers",
    "import_bytes": ".importers",
    "import_file": ".importers",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'policydiff' has no attribute {name!r}")


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

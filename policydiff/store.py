"""Write document histories to SQLite, atomically, and search their clauses.

The database is rebuilt from scratch on every build: it is written to a temporary file
beside the target and renamed into place, so readers only ever see a complete database.
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import sqlite_utils

from policydiff.diff import ops_to_html
from policydiff.errors import InputError
from policydiff.model import Change, Clause, DocumentHistory, Lineage

#: Separator between heading titles in ``clauses.path`` and ``headings.path``.
PATH_SEPARATOR = " › "
#: Separator between clause labels in ``changes.from_labels`` / ``to_labels``.
LABEL_SEPARATOR = "、"
#: FTS5's trigram tokenizer cannot match a term shorter than this.
TRIGRAM = 3

SCHEMA: dict[str, dict] = {
    "documents": {
        "columns": {
            "id": str,
            "title": str,
            "issuer": str,
            "description": str,
            "language": str,
            "source": str,
            "version_count": int,
            "present_count": int,
        },
        "pk": "id",
    },
    "versions": {
        "columns": {
            "id": str,
            "document_id": str,
            "label": str,
            "ordinal": int,
            "status": str,
            "date": str,
            "title": str,
            "issuer": str,
            "doc_number": str,
            "source": str,
            "sha256": str,
            "file": str,
            "note": str,
            "clause_count": int,
        },
        "pk": "id",
        "foreign_keys": [("document_id", "documents", "id")],
    },
    "headings": {
        "columns": {
            "id": str,
            "version_id": str,
            "label": str,
            "title": str,
            "level": int,
            "path": str,
            "ordinal": int,
        },
        "pk": "id",
        "foreign_keys": [("version_id", "versions", "id")],
    },
    "clauses": {
        "columns": {
            "id": str,
            "document_id": str,
            "version_id": str,
            "label": str,
            "kind": str,
            "section": str,
            "path": str,
            "ordinal": int,
            "number": int,
            "text": str,
            "sentence_count": int,
        },
        "pk": "id",
        "foreign_keys": [
            ("document_id", "documents", "id"),
            ("version_id", "versions", "id"),
        ],
    },
    "changes": {
        "columns": {
            "id": int,
            "document_id": str,
            "from_version": str,
            "to_version": str,
            "type": str,
            "similarity": float,
            "method": str,
            "from_labels": str,
            "to_labels": str,
            "diff_html": str,
            "diff_json": str,
            "old_text": str,
            "new_text": str,
        },
        "pk": "id",
        "foreign_keys": [
            ("document_id", "documents", "id"),
            ("from_version", "versions", "id"),
            ("to_version", "versions", "id"),
        ],
    },
    "change_clauses": {
        "columns": {"change_id": int, "clause_id": str, "side": str},
        "pk": ("change_id", "clause_id", "side"),
        "foreign_keys": [
            ("change_id", "changes", "id"),
            ("clause_id", "clauses", "id"),
        ],
    },
    "lineages": {
        "columns": {
            "id": str,
            "document_id": str,
            "first_version": str,
            "last_version": str,
            "first_label": str,
            "last_label": str,
            "status": str,
            "change_count": int,
        },
        "pk": "id",
        "foreign_keys": [
            ("document_id", "documents", "id"),
            ("first_version", "versions", "id"),
            ("last_version", "versions", "id"),
        ],
    },
    "lineage_clauses": {
        "columns": {"lineage_id": str, "clause_id": str, "version_id": str},
        "pk": ("lineage_id", "clause_id"),
        "foreign_keys": [
            ("lineage_id", "lineages", "id"),
            ("clause_id", "clauses", "id"),
            ("version_id", "versions", "id"),
        ],
    },
}

VIEWS: dict[str, str] = {
    "changes_detail": """
select
  changes.id,
  changes.document_id,
  documents.title as document_title,
  from_versions.label as from_label,
  from_versions.date as from_date,
  to_versions.label as to_label,
  to_versions.date as to_date,
  changes.type,
  changes.similarity,
  changes.method,
  changes.from_labels,
  changes.to_labels,
  changes.diff_html,
  changes.old_text,
  changes.new_text
from changes
  join documents on documents.id = changes.document_id
  join versions as from_versions on from_versions.id = changes.from_version
  join versions as to_versions on to_versions.id = changes.to_version
""",
}


def write_database(
    path: str | Path,
    histories: Sequence[DocumentHistory],
    *,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Write document histories to a new SQLite database, replacing ``path`` atomically.

    The database is written to a temporary file in the same folder and renamed onto
    ``path`` only when complete; on any error the temporary file is removed and an
    existing database at ``path`` is left untouched.

    :param progress: called with one line of text per step, for a progress display.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        _write(tmp, histories, progress or (lambda message: None))
        os.replace(tmp, path)
    except BaseException:
        for leftover in (tmp, Path(f"{tmp}-journal")):
            leftover.unlink(missing_ok=True)
        raise
    return path


def _write(
    path: Path, histories: Sequence[DocumentHistory], progress: Callable[[str], None]
) -> None:
    conn = sqlite3.connect(path)
    try:
        # The rename gives atomicity, so the temporary file needs no journal of its own.
        conn.execute("pragma journal_mode = off")
        conn.execute("pragma synchronous = off")
        db = sqlite_utils.Database(conn)
        _create_tables(db)
        change_ids = itertools.count(1)
        seen: set[str] = set()
        for history in histories:
            if history.document.slug in seen:
                raise ValueError(f"document {history.document.slug} is given twice")
            seen.add(history.document.slug)
            counts = _write_history(db, history, change_ids)
            progress(
                f"{history.document.slug}: {counts['versions']} versions, "
                f"{counts['clauses']} clauses, {counts['changes']} changes, "
                f"{counts['lineages']} lineages"
            )
        db.index_foreign_keys()
        progress("full-text index (trigram) on clauses.text")
        db["clauses"].enable_fts(["text"], tokenize="trigram", create_triggers=False)
        for name, sql in VIEWS.items():
            db.create_view(name, sql.strip())
        _check_foreign_keys(conn)
        conn.commit()
    finally:
        conn.close()
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _create_tables(db: sqlite_utils.Database) -> None:
    for name, spec in SCHEMA.items():
        db[name].create(
            spec["columns"], pk=spec["pk"], foreign_keys=spec.get("foreign_keys", [])
        )


def _check_foreign_keys(conn: sqlite3.Connection) -> None:
    problems = conn.execute("pragma foreign_key_check").fetchall()
    if problems:
        table, rowid, parent, _ = problems[0]
        raise ValueError(
            f"{len(problems)} rows refer to missing rows, the first in {table} "
            f"(rowid {rowid}) to a missing row of {parent}"
        )


def _write_history(
    db: sqlite_utils.Database, history: DocumentHistory, change_ids: Iterator[int]
) -> dict[str, int]:
    document = history.document
    slug = document.slug
    trees = {tree.label: tree for tree in history.trees}
    clauses = {clause.id: clause for tree in history.trees for clause in tree.clauses}
    db["documents"].insert(
        {
            "id": slug,
            "title": document.title,
            "issuer": document.issuer,
            "description": document.description,
            "language": document.language,
            "source": document.source,
            "version_count": len(document.versions),
            "present_count": len(document.present_versions),
        }
    )
    db["versions"].insert_all(
        {
            "id": f"{slug}/{info.label}",
            "document_id": slug,
            "label": info.label,
            "ordinal": ordinal,
            "status": info.status,
            "date": info.date,
            "title": info.title,
            "issuer": info.issuer,
            "doc_number": info.doc_number,
            "source": info.source,
            "sha256": info.sha256,
            "file": info.file,
            "note": info.note,
            "clause_count": (
                len(trees[info.label].clauses) if info.label in trees else None
            ),
        }
        for ordinal, info in enumerate(document.versions, start=1)
    )
    for tree in history.trees:
        version_id = f"{slug}/{tree.label}"
        db["headings"].insert_all(
            {
                "id": f"{version_id}/{_local_id(heading.id, tree.label)}",
                "version_id": version_id,
                "label": heading.label,
                "title": heading.title,
                "level": heading.level,
                "path": PATH_SEPARATOR.join(heading.path),
                "ordinal": ordinal,
            }
            for ordinal, heading in enumerate(tree.headings, start=1)
        )
        db["clauses"].insert_all(
            _clause_row(slug, version_id, clause) for clause in tree.clauses
        )
    change_count = 0
    for comparison in history.comparisons:
        for change in comparison.changes:
            change_id = next(change_ids)
            db["changes"].insert(
                _change_row(
                    change_id,
                    slug,
                    f"{slug}/{comparison.from_version}",
                    f"{slug}/{comparison.to_version}",
                    change,
                )
            )
            db["change_clauses"].insert_all(
                {
                    "change_id": change_id,
                    "clause_id": f"{slug}/{clause.id}",
                    "side": side,
                }
                for side, side_clauses in (("old", change.old), ("new", change.new))
                for clause in side_clauses
            )
            change_count += 1
    present = document.present_versions
    last_present = present[-1].label if present else None
    for lineage in history.lineages:
        _write_lineage(db, slug, lineage, clauses, last_present)
    return {
        "versions": len(document.versions),
        "clauses": len(clauses),
        "changes": change_count,
        "lineages": len(history.lineages),
    }


def _local_id(item_id: str, label: str) -> str:
    """Drop a leading ``LABEL:`` from an id, as the version id already carries it."""
    return item_id.removeprefix(f"{label}:")


def _clause_row(slug: str, version_id: str, clause: Clause) -> dict:
    return {
        "id": f"{slug}/{clause.id}",
        "document_id": slug,
        "version_id": version_id,
        "label": clause.label,
        "kind": clause.kind,
        "section": clause.path[0] if clause.path else "",
        "path": PATH_SEPARATOR.join(clause.path),
        "ordinal": clause.ordinal,
        "number": clause.number,
        "text": clause.text,
        "sentence_count": len(clause.sentences),
    }


def _change_row(
    change_id: int, slug: str, from_version: str, to_version: str, change: Change
) -> dict:
    return {
        "id": change_id,
        "document_id": slug,
        "from_version": from_version,
        "to_version": to_version,
        "type": change.type,
        "similarity": round(change.similarity, 4),
        "method": change.method,
        "from_labels": LABEL_SEPARATOR.join(c.label for c in change.old),
        "to_labels": LABEL_SEPARATOR.join(c.label for c in change.new),
        "diff_html": ops_to_html(change.diff),
        "diff_json": json.dumps(
            [[op, text] for op, text in change.diff], ensure_ascii=False
        ),
        "old_text": "\n".join(c.text for c in change.old) if change.old else None,
        "new_text": "\n".join(c.text for c in change.new) if change.new else None,
    }


def _write_lineage(
    db: sqlite_utils.Database,
    slug: str,
    lineage: Lineage,
    clauses: dict[str, Clause],
    last_present: str | None,
) -> None:
    def labels(clause_ids: Sequence[str]) -> str:
        return LABEL_SEPARATOR.join(
            clauses[i].label if i in clauses else i for i in clause_ids
        )

    lineage_id = f"{slug}/{lineage.id}"
    db["lineages"].insert(
        {
            "id": lineage_id,
            "document_id": slug,
            "first_version": f"{slug}/{lineage.first_version}",
            "last_version": f"{slug}/{lineage.last_version}",
            "first_label": labels(lineage.clauses[0][1]),
            "last_label": labels(lineage.clauses[-1][1]),
            "status": "current" if lineage.last_version == last_present else "removed",
            "change_count": sum(1 for s in lineage.steps if s.type != "unchanged"),
        }
    )
    db["lineage_clauses"].insert_all(
        {
            "lineage_id": lineage_id,
            "clause_id": f"{slug}/{clause_id}",
            "version_id": f"{slug}/{label}",
        }
        for label, clause_ids in lineage.clauses
        for clause_id in clause_ids
    )


# ---------------------------------------------------------------------------- search


def search_clauses(
    db: str | Path | sqlite3.Connection | sqlite_utils.Database,
    query: str,
    *,
    limit: int | None = None,
) -> list[dict]:
    """Find the clauses whose text contains every whitespace-separated term of ``query``.

    Terms of three or more characters go through the trigram full-text index; shorter
    terms, which a trigram index cannot match, through ``LIKE`` on ``clauses.text``.
    Rows come in document, version and clause order, each with ``like_fallback`` set
    when a short term was matched with ``LIKE``.

    :param db: a database path or an open connection.
    """
    terms = query.split()
    if not terms:
        return []
    long_terms = [t for t in terms if len(t) >= TRIGRAM]
    short_terms = [t for t in terms if len(t) < TRIGRAM]
    where, params = [], []
    if long_terms:
        where.append(
            "clauses.rowid in (select rowid from clauses_fts where clauses_fts match ?)"
        )
        params.append(" AND ".join(_fts_phrase(t) for t in long_terms))
    for term in short_terms:
        where.append("clauses.text like ? escape '\\'")
        params.append(f"%{_like_escape(term)}%")
    sql = f"""
        select clauses.id, clauses.document_id, clauses.version_id, clauses.label,
            clauses.path, clauses.text
        from clauses join versions on versions.id = clauses.version_id
        where {" and ".join(where)}
        order by clauses.document_id, versions.ordinal, clauses.ordinal
    """
    if limit is not None:
        sql += " limit ?"
        params.append(limit)
    conn, close = _connect(db)
    try:
        cursor = conn.execute(sql, params)
        columns = [d[0] for d in cursor.description]
        return [
            dict(zip(columns, row), like_fallback=bool(short_terms)) for row in cursor
        ]
    finally:
        if close:
            conn.close()


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _connect(
    db: str | Path | sqlite3.Connection | sqlite_utils.Database,
) -> tuple[sqlite3.Connection, bool]:
    if isinstance(db, sqlite_utils.Database):
        return db.conn, False
    if isinstance(db, sqlite3.Connection):
        return db, False
    path = Path(db)
    if not path.exists():
        raise InputError(f"{path}: no such database; run policydiff build first")
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True), True

"""The ``policydiff`` command: parse options, call the library, print, map errors.

Every :class:`~policydiff.errors.PolicydiffError` becomes one ``Error: …`` line and exit
code 1, in :meth:`PolicydiffGroup.invoke`; click itself gives exit code 2 for bad usage.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import sqlite3
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import click

from .compare import build as build_database
from .compare import compare, document_history, segment_version
from .corpus import (
    DEFAULT_CORPUS,
    Problem,
    add_version,
    atomic_write,
    check_corpus,
    check_document,
    load_corpus,
    load_document,
    valid_date,
)
from .diff import ops_to_text, render
from .errors import PolicydiffError
from .lineage import find_lineages
from .model import Clause, ClauseTree, Document, DocumentHistory, Lineage
from .normalize import matching_key

#: Seconds of work after which a command says on stderr what it is doing.
SLOW = 1.0
#: Characters of unchanged text kept on each side of an edit in a short diff.
CONTEXT = 10
#: Characters of an inserted or deleted run shown in a short diff.
LONG_EDIT = 60
#: Tables whose rows ``build`` counts at the end.
COUNTED_TABLES = ("documents", "versions", "clauses", "changes", "lineages")


class PolicydiffGroup(click.Group):
    """A click group that turns library errors into one ``Error: …`` line, exit code 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except PolicydiffError as e:
            raise click.ClickException(str(e)) from e


@click.group(
    cls=PolicydiffGroup, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(package_name="policydiff", prog_name="policydiff")
def cli():
    """Track how Chinese policy and law texts change between versions.

    The corpus is a folder (./versions by default) with one folder per document: a
    manifest.toml and one UTF-8 text file per version. A bare folder of .txt files works
    too: its files are the versions, in file-name order.

    \b
    Examples:
      policydiff versions
      policydiff diff food-safety-law --from 2009 --to 2015
      policydiff history food-safety-law 食品安全风险评估
      policydiff build policydiff.db && policydiff serve policydiff.db
    """


# ---------------------------------------------------------------------------- options


def corpus_option(command):
    return click.option(
        "--corpus",
        type=click.Path(file_okay=False, path_type=Path),
        default=DEFAULT_CORPUS,
        show_default=True,
        help="The corpus folder: one subfolder per document.",
    )(command)


def format_option(*formats: str):
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(formats),
        default=formats[0],
        show_default=True,
        help="Output format: human text, or " + ", ".join(formats[1:]) + ".",
    )


def color_option(command):
    return click.option(
        "--color/--no-color",
        default=None,
        help="Colour the output; by default only when stdout is a terminal and NO_COLOR"
        " is not set.",
    )(command)


def quiet_option(command):
    return click.option(
        "--quiet",
        "-q",
        is_flag=True,
        help="Show no progress on stderr.",
    )(command)


def _check_date(ctx: click.Context, param: click.Parameter, value: str | None):
    if value is not None and not valid_date(value):
        raise click.BadParameter(
            f"{value!r} is not a date; use YYYY-MM-DD, YYYY-MM or YYYY"
        )
    return value


def _use_color(color: bool | None, to_file: bool = False) -> bool:
    if to_file:
        return False
    if color is not None:
        return color
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


@contextlib.contextmanager
def _notice_if_slow(message: str, quiet: bool) -> Iterator[None]:
    """Say on stderr what is going on, if it takes more than :data:`SLOW` seconds."""
    if quiet:
        yield
        return
    timer = threading.Timer(SLOW, lambda: click.echo(message, err=True))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def _count(n: int, noun: str) -> str:
    """``1 document``, ``2 documents``: ``noun`` is the plural."""
    return f"{n} {noun.removesuffix('s') if n == 1 else noun}"


def _dump(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


# ---------------------------------------------------------------------------- versions


@cli.command()
@click.argument("document", required=False)
@format_option("text", "json")
@corpus_option
def versions(document: str | None, fmt: str, corpus: Path):
    """List the documents of the corpus and their versions.

    Each version shows its status (present, or missing when only its metadata is known),
    date, document number and title; a missing version says how to add its text.
    DOCUMENT is a document name in the corpus or the path to a document folder.

    \b
    Examples:
      policydiff versions
      policydiff versions beijing-services-pilot --format json
      policydiff versions ../shared/corpora/food-safety-law
    """
    if document is None:
        documents = load_corpus(corpus).documents
    else:
        documents = (load_document(document, corpus),)
    if fmt == "json":
        _dump({"documents": [_document_dict(d, document, corpus) for d in documents]})
        return
    if not documents:
        click.echo(f"No documents in {corpus}; add one with policydiff add")
    for n, doc in enumerate(documents):
        if n:
            click.echo()
        click.echo("  ".join(filter(None, (doc.slug, doc.title))))
        for line in _version_lines(doc, document, corpus):
            click.echo(line)


def _add_hint(document: Document, name: str | None, corpus: Path, label: str) -> str:
    """The command that adds a missing version, as the user would type it."""
    if name is not None and (name != document.slug or "/" in name):
        return f"policydiff add {name} FILE --label {label}"
    hint = f"policydiff add {document.slug} FILE --label {label}"
    if Path(corpus) != DEFAULT_CORPUS:
        hint += f" --corpus {corpus}"
    return hint


def _version_lines(doc: Document, name: str | None, corpus: Path) -> list[str]:
    if not doc.versions:
        return ["  (no versions)"]
    width = max(len(v.label) for v in doc.versions)
    lines = []
    for info in doc.versions:
        fields = [
            info.label.ljust(width),
            info.status.ljust(7),
            (info.date or "-").ljust(10),
            info.doc_number or "-",
            info.title or "",
        ]
        lines.append("  " + "  ".join(fields).rstrip())
        if info.status == "missing":
            hint = _add_hint(doc, name, corpus, info.label)
            lines.append(" " * (width + 4) + f"add the text with: {hint}")
    return lines


def _document_dict(doc: Document, name: str | None, corpus: Path) -> dict:
    versions = []
    for info in doc.versions:
        item = info.to_dict()
        item["add_command"] = (
            _add_hint(doc, name, corpus, info.label)
            if info.status == "missing"
            else None
        )
        versions.append(item)
    return {
        "slug": doc.slug,
        "title": doc.title,
        "issuer": doc.issuer,
        "path": str(doc.path),
        "versions": versions,
    }


# ---------------------------------------------------------------------------- add


@cli.command()
@click.argument("document")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--label", required=True, help="The version label: 2019, 2020-draft-1.")
@click.option(
    "--date",
    callback=_check_date,
    help="The date of the version: YYYY-MM-DD, YYYY-MM or YYYY.",
)
@click.option("--source", help="Where the text comes from: a URL or a description.")
@click.option("--title", help="The title of this version.")
@click.option("--doc-number", help="The document number, e.g. 国函〔2015〕81号.")
@click.option("--issuer", help="The body that issued this version.")
@click.option(
    "--replace",
    is_flag=True,
    help="Replace the text of a version that has one (the old text is kept as .bak).",
)
@corpus_option
def add(
    document: str,
    file: Path,
    label: str,
    date: str | None,
    source: str | None,
    title: str | None,
    doc_number: str | None,
    issuer: str | None,
    replace: bool,
    corpus: Path,
):
    """Add the text of a version to a document, from a UTF-8 text file.

    The text is stored as <label>.txt in the document's folder and its sha256 recorded in
    the manifest; a new document is created if needed. A version listed as missing is
    filled in and keeps its metadata, which the options here override.

    \b
    Examples:
      policydiff add beijing-services-pilot plan-2015.txt --label 2015
      policydiff add food-safety-law 2021.txt --label 2021 --date 2021-04-29 \\
          --source http://www.npc.gov.cn/
    """
    info = add_version(
        document,
        file,
        label,
        corpus=corpus,
        date=date,
        source=source,
        title=title,
        doc_number=doc_number,
        issuer=issuer,
        replace=replace,
    )
    doc = load_document(document, corpus)
    click.echo(f"Added version {info.label} of {doc.slug}: {doc.path / info.file}")
    for key in ("sha256", "date", "doc_number", "title", "source"):
        value = getattr(info, key)
        if value:
            click.echo(f"  {key}: {value}")


# ---------------------------------------------------------------------------- check


@cli.command()
@click.argument("document", required=False)
@format_option("text", "json")
@corpus_option
def check(document: str | None, fmt: str, corpus: Path):
    """Check the corpus: manifests, files, encodings and sha256 checksums.

    Prints each problem, and the source of each version that has its text. Exits with
    code 1 if any version cannot be used (a missing file, a checksum mismatch), and 0
    when there are only warnings (a version whose text is still missing).

    \b
    Examples:
      policydiff check
      policydiff check food-safety-law
    """
    if document is None:
        loaded = load_corpus(corpus)
        documents = loaded.documents
        problems = check_corpus(loaded)
    else:
        documents = (load_document(document, corpus),)
        problems = check_document(documents[0])
    errors = [p for p in problems if p.severity == "error"]
    if fmt == "json":
        _dump(
            {
                "documents": [_document_dict(d, document, corpus) for d in documents],
                "problems": [p.to_dict() for p in problems],
            }
        )
    else:
        _print_check(documents, problems)
    if errors:
        s = "" if len(errors) == 1 else "s"
        raise click.ClickException(
            f"{len(errors)} version{s} cannot be used; fix the problem{s} above"
        )


def _print_check(documents: Sequence[Document], problems: Sequence[Problem]) -> None:
    for doc in documents:
        click.echo(doc.slug)
        mine = [p for p in problems if p.document == doc.slug]
        for info in doc.versions:
            found = [p for p in mine if p.label == info.label]
            for problem in found:
                click.echo(f"  {info.label}  {problem.severity}: {problem.message}")
            if not found:
                click.echo(
                    f"  {info.label}  ok, source: {info.source or 'not recorded'}"
                )
        for problem in mine:
            if problem.label is None:
                click.echo(f"  {problem.severity}: {problem.message}")
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    versions = sum(len(d.versions) for d in documents)
    click.echo(
        f"{_count(len(documents), 'documents')}, {_count(versions, 'versions')}:"
        f" {_count(errors, 'errors')}, {_count(warnings, 'warnings')}"
    )


# ---------------------------------------------------------------------------- diff


@cli.command()
@click.argument("document")
@click.option(
    "--from", "from_label", help="The old version; by default the one before --to."
)
@click.option(
    "--to",
    "to_label",
    help="The new version; by default the one after --from, or the latest.",
)
@format_option("text", "html", "markdown", "json")
@click.option(
    "--unit",
    type=click.Choice(["clause", "sentence"]),
    default="clause",
    show_default=True,
    help="Diff modified clauses whole, or sentence by sentence (text format only).",
)
@click.option("--changed-only", is_flag=True, help="Leave out unchanged clauses.")
@color_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of stdout (never coloured).",
)
@quiet_option
@corpus_option
def diff(
    document: str,
    from_label: str | None,
    to_label: str | None,
    fmt: str,
    unit: str,
    changed_only: bool,
    color: bool | None,
    output: Path | None,
    quiet: bool,
    corpus: Path,
):
    """Compare two versions of a document, clause by clause.

    DOCUMENT is a document name in the corpus or the path to a document folder (a bare
    folder of .txt files works). Without --from and --to, the last two versions that have
    text are compared. Each clause is shown as unchanged, modified, moved, split, merged,
    added or deleted, with its word-level diff.

    \b
    Examples:
      policydiff diff food-safety-law --from 2009 --to 2015
      policydiff diff food-safety-law --changed-only --format markdown -o changes.md
      policydiff diff ../shared/corpora/food-safety-law --from 2009 --to 2015
    """
    if unit != "clause" and fmt != "text":
        raise click.UsageError("--unit sentence works only with --format text")
    doc = load_document(document, corpus)
    with _notice_if_slow(f"Comparing {doc.slug}…", quiet):
        comparison = compare(doc, from_label, to_label)
    use_color = _use_color(color, to_file=output is not None)
    options: dict = {"changed_only": changed_only}
    if fmt == "text":
        options.update(color=use_color, unit=unit)
    text = render(comparison, fmt, **options)
    if not text.endswith("\n"):
        text += "\n"
    if output is None:
        click.echo(text, nl=False, color=use_color)
        return
    try:
        atomic_write(output, text.encode("utf-8"))
    except OSError as e:
        raise click.ClickException(f"{output}: cannot write the file ({e.strerror})")


# ---------------------------------------------------------------------------- show


@cli.command()
@click.argument("document")
@click.argument("version")
@click.argument("clause", required=False)
@format_option("text", "json")
@corpus_option
def show(document: str, version: str, clause: str | None, fmt: str, corpus: Path):
    """Show the clause tree of a version, or the full text of one clause.

    Without CLAUSE, the headings and clause labels of the version, indented, each clause
    with its id. CLAUSE is a clause id (2009:a12 or a12) or label (第十二条).

    \b
    Examples:
      policydiff show beijing-services-pilot 2019
      policydiff show food-safety-law 2009 第十二条
      policydiff show food-safety-law 2009 a12 --format json
    """
    doc = load_document(document, corpus)
    tree = segment_version(doc, version)
    if clause is None:
        if fmt == "json":
            _dump(_tree_dict(doc, tree))
        else:
            for line in _tree_lines(tree):
                click.echo(line)
        return
    found = find_clause(doc, tree, clause)
    if fmt == "json":
        _dump({"document": doc.slug, "version": tree.label, **_clause_dict(found)})
    else:
        _print_clause(doc, found)


def _local_id(clause_id: str) -> str:
    return clause_id.partition(":")[2] or clause_id


def _tree_lines(tree: ClauseTree) -> list[str]:
    """Headings and clauses in reading order, indented by depth."""
    nodes: list[tuple[int, str]] = [
        (h.start, "  " * (h.level - 1) + h.path[-1]) for h in tree.headings
    ]
    nodes += [
        (c.start, "  " * len(c.path) + f"{c.label}  [{_local_id(c.id)}]")
        for c in tree.clauses
    ]
    return [line for _, line in sorted(nodes, key=lambda node: node[0])]


def _heading_dict(heading) -> dict:
    return {
        "id": heading.id,
        "label": heading.label,
        "title": heading.title,
        "level": heading.level,
        "path": list(heading.path),
    }


def _tree_dict(doc: Document, tree: ClauseTree) -> dict:
    return {
        "document": doc.slug,
        "version": tree.label,
        "headings": [_heading_dict(h) for h in tree.headings],
        "clauses": [c.to_dict() for c in tree.clauses],
    }


def _clause_dict(clause: Clause) -> dict:
    return {**clause.to_dict(), "sentences": [s.text for s in clause.sentences]}


def _print_clause(doc: Document, clause: Clause) -> None:
    click.echo(f"{clause.label}  [{clause.id}]")
    if clause.path:
        click.echo(" › ".join(clause.path))
    click.echo()
    click.echo(clause.text)
    click.echo()
    click.echo("Sentences:")
    for sentence in clause.sentences:
        click.echo(f"  {sentence.index + 1}. {sentence.text.strip()}")


def find_clause(doc: Document, tree: ClauseTree, query: str) -> Clause:
    """Find a clause by id, id without the version prefix, or label."""
    key = matching_key(query)
    for test in (
        lambda c: query in (c.id, _local_id(c.id), c.label),
        lambda c: key == matching_key(c.label),
        lambda c: matching_key(c.label.rstrip("…")).startswith(key),
    ):
        matches = [c for c in tree.clauses if test(c)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            ids = ", ".join(_local_id(c.id) for c in matches[:8])
            raise PolicydiffError(
                f"{doc.slug} {tree.label}: {query!r} matches {len(matches)} clauses"
                f" ({ids}); give the clause id"
            )
    raise PolicydiffError(_unknown_clause_message(doc, tree, query))


def _unknown_clause_message(doc: Document, tree: ClauseTree, query: str) -> str:
    names = [c.label for c in tree.clauses] + [_local_id(c.id) for c in tree.clauses]
    near = difflib.get_close_matches(query, names, n=5, cutoff=0.5)
    if not near:
        near = [c.label for c in tree.clauses[:5]]
    return (
        f"{doc.slug} {tree.label} has no clause {query!r}; near: {', '.join(near)};"
        f" list them with policydiff show {doc.slug} {tree.label}"
    )


# ---------------------------------------------------------------------------- history


@cli.command()
@click.argument("document")
@click.argument("query")
@format_option("text", "json")
@color_option
@quiet_option
@corpus_option
def history(
    document: str,
    query: str,
    fmt: str,
    color: bool | None,
    quiet: bool,
    corpus: Path,
):
    """Follow the clauses whose text or label contains QUERY through every version.

    Each matching lineage is shown version by version: the clause labels, how each step
    changed them (type and similarity) and a short diff, where the lineage first appears
    and where it ends. Matching ignores whitespace, width and Traditional/Simplified
    differences.

    \b
    Examples:
      policydiff history food-safety-law 食品安全风险评估
      policydiff history food-safety-law 第十二条 --format json
    """
    doc = load_document(document, corpus)
    with _notice_if_slow(f"Comparing every version of {doc.slug}…", quiet):
        result = document_history(doc)
    found = find_lineages(result, query)
    if fmt == "json":
        _dump(
            {
                "document": doc.slug,
                "query": query,
                "versions": [t.label for t in result.trees],
                "lineages": [_lineage_dict(result, lin) for lin in found],
            }
        )
        return
    if not found:
        raise PolicydiffError(
            f"no clause of {doc.slug} contains {query!r}; try a shorter query"
        )
    use_color = _use_color(color)
    for n, lineage in enumerate(found):
        if n:
            click.echo()
        for line in _lineage_lines(result, lineage, use_color):
            click.echo(line, color=use_color)


def _clauses_by_id(result: DocumentHistory) -> dict[str, Clause]:
    return {c.id: c for tree in result.trees for c in tree.clauses}


def _step_diff(result: DocumentHistory, step) -> tuple:
    """The diff of the change behind a lineage step."""
    for comparison in result.comparisons:
        if (comparison.from_version, comparison.to_version) != (
            step.from_version,
            step.to_version,
        ):
            continue
        for change in comparison.changes:
            if (tuple(c.id for c in change.old), tuple(c.id for c in change.new)) == (
                step.old,
                step.new,
            ):
                return change.diff
    return ()


def _deleted_in(result: DocumentHistory, lineage: Lineage) -> str | None:
    """The version in which a lineage's last clauses were deleted, if they were."""
    labels = [t.label for t in result.trees]
    k = labels.index(lineage.last_version) + 1
    return labels[k] if k < len(labels) else None


def _span(result: DocumentHistory, lineage: Lineage) -> str:
    """Where a lineage first appears and where it ends, in words."""
    labels = [t.label for t in result.trees]
    first, last = lineage.first_version, lineage.last_version
    if len(labels) == 1:
        return f"only in {first}, the only version with text"
    if first == last == labels[-1]:
        return f"added in {first}, the latest version"
    if first == labels[0]:
        start = f"from {first}, the first version"
    else:
        start = f"added in {first}"
    deleted = _deleted_in(result, lineage)
    if deleted is None:
        return f"{start}; runs to {last}, the latest version"
    return f"{start}; ends in {last}, deleted in {deleted}"


def _short_diff(ops: Sequence[tuple[int, str]]) -> list[tuple[int, str]]:
    """Shorten a diff for a summary: unchanged runs to :data:`CONTEXT` characters around
    each edit, and long edits to their start."""
    short = []
    for k, (op, text) in enumerate(ops):
        if op == 0 and len(text) > 2 * CONTEXT + 1:
            head = text[:CONTEXT] if k else ""
            tail = text[-CONTEXT:] if k < len(ops) - 1 else ""
            text = f"{head}…{tail}"
        elif op != 0 and len(text) > LONG_EDIT:
            text = text[: LONG_EDIT - 1] + "…"
        short.append((op, text.replace("\n", " ")))
    return short


def _lineage_lines(result: DocumentHistory, lineage: Lineage, color: bool) -> list[str]:
    clauses = _clauses_by_id(result)

    def labels(ids: Sequence[str]) -> str:
        return "、".join(clauses[i].label for i in ids)

    lines = [f"Lineage {lineage.id}: {_span(result, lineage)}"]
    for version, ids in lineage.clauses:
        into = [s for s in lineage.steps if s.to_version == version and s.old]
        head = f"  {version}  {labels(ids)}"
        if len(into) == 1:
            head += f"  {into[0].type}, similarity {into[0].similarity:.2f}"
        lines.append(head)
        for step in into:
            if len(into) > 1:
                lines.append(
                    f"      {labels(step.old)} → {labels(step.new)}:"
                    f" {step.type}, similarity {step.similarity:.2f}"
                )
            ops = _step_diff(result, step)
            if step.type != "unchanged" and any(op for op, _ in ops):
                lines.append(ops_to_text(_short_diff(ops), color=color, indent=" " * 8))
    for step in lineage.steps:
        if not step.new:
            lines.append(f"  {step.to_version}  deleted")
    return lines


def _lineage_dict(result: DocumentHistory, lineage: Lineage) -> dict:
    clauses = _clauses_by_id(result)
    return {
        "id": lineage.id,
        "first_version": lineage.first_version,
        "last_version": lineage.last_version,
        "deleted_in": _deleted_in(result, lineage),
        "span": _span(result, lineage),
        "clauses": [
            {"version": version, "clauses": [clauses[i].to_dict() for i in ids]}
            for version, ids in lineage.clauses
        ],
        "steps": [
            {
                "from": step.from_version,
                "to": step.to_version,
                "type": step.type,
                "similarity": round(step.similarity, 4),
                "old": list(step.old),
                "new": list(step.new),
                "diff": [[op, text] for op, text in _step_diff(result, step)],
            }
            for step in lineage.steps
        ],
    }


# ---------------------------------------------------------------------------- build


@cli.command()
@click.argument("db", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--document",
    "documents",
    multiple=True,
    help="Build only this document (repeat for several); by default all of them.",
)
@quiet_option
@corpus_option
def build(db: Path, documents: tuple[str, ...], quiet: bool, corpus: Path):
    """Build the SQLite database DB from the corpus, for Datasette.

    The database is written to a temporary file and renamed into place, so an error
    leaves an existing database as it was, and running it twice is safe.

    \b
    Examples:
      policydiff build policydiff.db
      policydiff build policydiff.db --document food-safety-law
    """

    def progress(line: str) -> None:
        click.echo(line, err=True)

    path = build_database(
        db,
        corpus,
        documents=list(documents) or None,
        progress=None if quiet else progress,
    )
    counts = _table_counts(path)
    summary = ", ".join(_count(n, table) for table, n in counts.items())
    click.echo(f"Built {path}: {summary}")


def _table_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {
            table: conn.execute(f"select count(*) from [{table}]").fetchone()[0]
            for table in COUNTED_TABLES
        }
    finally:
        conn.close()


# ---------------------------------------------------------------------------- serve


@cli.command()
@click.argument("db", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="The address to listen on."
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8001,
    show_default=True,
    help="The port to listen on.",
)
def serve(db: Path, host: str, port: int):
    """Browse the database DB in Datasette, with policydiff's pages and redlines.

    \b
    Examples:
      policydiff serve policydiff.db
      policydiff serve policydiff.db --port 8002
    """
    if not db.is_file():
        raise click.ClickException(
            f"{db}: no such database; build it first with policydiff build {db}"
        )
    # Imported here: loading Datasette takes about a second.
    from .web import serve as serve_database

    serve_database(db, host=host, port=port)

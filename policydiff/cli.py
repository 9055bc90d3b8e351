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
from .compare import compare, document_history, require_two_versions, segment_version
from .corpus import (
    DEFAULT_CORPUS,
    Problem,
    add_version,
    atomic_write,
    check_corpus_folder,
    check_document,
    load_corpus,
    load_document,
    valid_date,
)
from .diff import ops_to_text, render
from .errors import PolicydiffError
from .fetch import MAX_BYTES, RETRIES, TIMEOUT, fetch_missing, fetch_version
from .importers import FORMATS
from .lineage import find_lineages
from .model import Clause, ClauseTree, Document, DocumentHistory, Lineage
from .normalize import chinese_number, matching_key
from .segment import ARTICLE

#: Seconds of work after which a command says on stderr what it is doing.
SLOW = 1.0
#: Characters of unchanged text kept on each side of an edit in a short diff.
CONTEXT = 10
#: Characters of an inserted or deleted run shown in a short diff.
LONG_EDIT = 60
#: Tables whose rows ``build`` counts at the end.
COUNTED_TABLES = ("documents", "versions", "clauses", "changes", "lineages", "measures")


class PolicydiffGroup(click.Group):
    """A click group that turns library errors into one ``Error: …`` line, exit code 1."""

    def invoke(self, ctx: click.Context):
        try:
            result = super().invoke(ctx)
            sys.stdout.flush()  # a closed pipe shows here, not at exit
            return result
        except click.UsageError as e:
            raise OneLineUsageError(e) from e
        except PolicydiffError as e:
            raise click.ClickException(str(e)) from e
        except BrokenPipeError:
            # The reader stopped reading (``| head``): stop quietly, as a pipe expects.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(0)
        except OSError as e:
            # A file the library did not expect to fail (a read-only folder, a full disk):
            # still one line that names it, not a traceback.
            where = e.filename or "a file"
            raise click.ClickException(f"{where}: {e.strerror or e}") from e


class OneLineUsageError(click.ClickException):
    """Bad usage (an unknown option, a bad value) as one line that says where to look,
    instead of click's usage block; exit code 2, as click gives."""

    exit_code = 2

    def __init__(self, error: click.UsageError):
        where = error.ctx.command_path if error.ctx else "policydiff"
        message = error.format_message().rstrip(".")
        separator = " " if message.endswith("?") else "; "  # Did you mean '--corpus'?
        super().__init__(f"{message}{separator}see {where} --help")


@click.group(
    cls=PolicydiffGroup, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(package_name="policydiff", prog_name="policydiff")
def cli():
    """Track how Chinese policy and law texts change between versions.

    The corpus is a folder (./versions by default) with one folder per document: a
    manifest.toml and one UTF-8 text file per version. A bare folder of .txt files works
    too: its files are the versions, in natural file-name order (v2 before v10).

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


def format_option(*formats: str, from_output: bool = False):
    """``--format``; with ``from_output``, it has no default, and :func:`output_format`
    tells it from the suffix of ``--output``."""
    help = "Output format: human text, or " + ", ".join(formats[1:]) + "."
    if from_output:
        help += f" By default from the suffix of --output, else {formats[0]}."
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(formats),
        default=None if from_output else formats[0],
        show_default=not from_output,
        help=help,
    )


#: What ``diff`` and ``measures`` write; the first is the default.
DIFF_FORMATS = ("text", "html", "markdown", "json")
MEASURES_FORMATS = ("text", "json")
#: The output format a file suffix names.
SUFFIX_FORMATS = {
    ".txt": "text",
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".json": "json",
    ".csv": "csv",
    ".xlsx": "xlsx",
    ".docx": "docx",
}


def output_format(
    fmt: str | None, output: Path | None, formats: Sequence[str], default: str
) -> str:
    """The format to write: the one given, else the one the output file's suffix names
    (``-o changes.html``), else ``default``. A suffix that names no format this command
    writes, or another format than ``--format``, is an error: ``-o table.pdf`` must not
    quietly get Markdown, nor ``--format xlsx -o table.csv`` a spreadsheet."""
    named = SUFFIX_FORMATS.get(output.suffix.lower()) if output else None
    suffixes = {f: next(s for s, g in SUFFIX_FORMATS.items() if g == f) for f in formats}
    if fmt is not None:
        if named in formats and named != fmt:
            raise click.UsageError(
                f"{output}: --format {fmt} writes {suffixes[fmt]}, not {output.suffix};"
                f" name the file {output.with_suffix(suffixes[fmt]).name}, or leave out"
                " --format"
            )
        return fmt
    if output is None or not output.suffix:
        return default
    if named not in formats:
        raise click.UsageError(
            f"{output}: cannot tell the format from {output.suffix!r}; name the file"
            f" {', '.join(suffixes.values())}, or give --format"
        )
    return named


def color_option(command):
    return click.option(
        "--color/--no-color",
        default=None,
        help="Colour the output; by default only when stdout is a terminal and NO_COLOR"
        " is not set.",
    )(command)


def output_option(help: str):
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        help=help,
    )


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
        if info.status == "missing" and info.url:
            hint = _fetch_hint(doc, name, corpus, info.label)
            lines.append(" " * (width + 4) + f"fetch the text with: {hint}")
        elif info.status == "missing":
            hint = _add_hint(doc, name, corpus, info.label)
            lines.append(" " * (width + 4) + f"add the text with: {hint}")
    return lines


def _fetch_hint(doc: Document, name: str | None, corpus: Path, label: str) -> str:
    """The fetch command for a missing version whose manifest records its url."""
    hint = _add_hint(doc, name, corpus, label).replace(
        f" FILE --label {label}", f" {label}"
    )
    return hint.replace("policydiff add ", "policydiff fetch ", 1)


def _document_dict(doc: Document, name: str | None, corpus: Path) -> dict:
    versions = []
    for info in doc.versions:
        item = info.to_dict()
        missing = info.status == "missing"
        item["add_command"] = (
            _add_hint(doc, name, corpus, info.label) if missing else None
        )
        item["fetch_command"] = (
            _fetch_hint(doc, name, corpus, info.label) if missing and info.url else None
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


def metadata_options(command):
    """The version metadata options that add and fetch share."""
    options = [
        click.option(
            "--date",
            callback=_check_date,
            help="The date of the version: YYYY-MM-DD, YYYY-MM or YYYY.",
        ),
        click.option("--title", help="The title of this version."),
        click.option(
            "--doc-number", help="The document number, e.g. 国函〔2015〕81号."
        ),
        click.option("--issuer", help="The body that issued this version."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def import_options(command):
    """The options that say how to read a file or page: format, encoding, markers."""
    options = [
        click.option(
            "--input-format",
            type=click.Choice(FORMATS),
            help="The format of the file: text, html, docx or pdf; by default told from"
            " its content and name.",
        ),
        click.option(
            "--encoding",
            help="The encoding of a text or HTML file (utf-8, gb18030, big5); by default"
            " detected.",
        ),
        click.option(
            "--start",
            help="Keep the text from the first line that starts with this text (e.g. the"
            " plan's title, to leave out an approval letter before it).",
        ),
        click.option(
            "--end",
            help="Keep the text up to and including this text (e.g. the plan's last"
            " sentence).",
        ),
        click.option(
            "--replace",
            is_flag=True,
            help="Replace the text of a version that has one (the old text, original and"
            " manifest are kept as .bak). A changed text drops the recorded source:"
            " give the new one with --source.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@cli.command()
@click.argument("document")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--label", required=True, help="The version label: 2019, 2020-draft-1.")
@click.option("--source", help="Where the text comes from: a URL or a description.")
@metadata_options
@import_options
@quiet_option
@corpus_option
def add(
    document: str,
    file: Path,
    label: str,
    source: str | None,
    corpus: Path,
    input_format: str | None,
    quiet: bool,
    **options,
):
    """Add the text of a version to a document, from a text, HTML, Word or PDF file.

    The text is stored as UTF-8 in <label>.txt in the document's folder and its sha256
    recorded in the manifest; the original file, when it differs (another encoding, a web
    page, a .docx or a PDF), is kept beside it as <label>.orig.<ext> with its sha256. A new
    document is created if needed. A version listed as missing is filled in and keeps its
    metadata, which the options here override.

    Text files may be UTF-8, GB18030 (GBK) or Big5; web pages lose their menus and footers;
    PDFs lose page headers, footers and numbers, and their hard line breaks are joined.

    \b
    Examples:
      policydiff add beijing-services-pilot plan-2015.txt --label 2015
      policydiff add beijing-services-pilot page.html --label 2015 \\
          --start 北京市服务业扩大开放综合试点总体方案
      policydiff add food-safety-law 2021.pdf --label 2021 --date 2021-04-29 \\
          --source http://www.npc.gov.cn/
    """
    with _notice_if_slow(f"Importing {file}…", quiet):
        info = add_version(
            document,
            file,
            label,
            corpus=corpus,
            source=source,
            format=input_format,
            **options,
        )
    doc = load_document(document, corpus)
    click.echo(f"Added version {info.label} of {doc.slug}: {doc.path / info.file}")
    _print_entry(info)


#: The manifest keys add and fetch print after storing a version, in this order.
SHOWN_KEYS = (
    "sha256",
    "date",
    "doc_number",
    "title",
    "source",
    "url",
    "final_url",
    "retrieved_at",
    "http_status",
    "content_type",
    "encoding",
    "start",
    "end",
    "original_file",
    "original_sha256",
)


def _print_entry(info) -> None:
    for key in SHOWN_KEYS:
        value = getattr(info, key)
        if value:
            click.echo(f"  {key}: {value}")
    if not info.source and not info.url:
        click.echo("  source: not recorded; record where the text comes from with --source")


# ---------------------------------------------------------------------------- fetch


@cli.command()
@click.argument("document")
@click.argument("label", required=False)
@click.argument("url", required=False)
@click.option(
    "--missing",
    is_flag=True,
    help="Fetch every missing version whose manifest entry has a url.",
)
@click.option(
    "--source", help="Where the text comes from, if not the URL: a description."
)
@metadata_options
@import_options
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=TIMEOUT,
    show_default=True,
    help="Seconds to wait for the server to answer or send more.",
)
@click.option(
    "--retries",
    type=click.IntRange(0, 10),
    default=RETRIES,
    show_default=True,
    help="Tries after the first, for timeouts, lost connections and 5xx answers.",
)
@click.option(
    "--max-size",
    type=click.FloatRange(min=0, min_open=True),
    default=MAX_BYTES / 1024 / 1024,
    show_default=True,
    help="The largest page or file accepted, in MB.",
)
@quiet_option
@corpus_option
def fetch(
    document: str,
    label: str | None,
    url: str | None,
    missing: bool,
    max_size: float,
    quiet: bool,
    corpus: Path,
    input_format: str | None,
    **options,
):
    """Download the text of a version from URL, with its provenance.

    The page or file is imported as by policydiff add (HTML, PDF, Word or text, in any
    of the usual encodings) and stored with the URL, the final URL after redirects, the
    time, the HTTP status, the content type and the checksums of the text and of the
    original, which is kept beside it. Nothing is written unless the whole download
    and import succeed. Without URL, or with --missing, the url, start and end that the
    manifest records for the version are used.

    \b
    Examples:
      policydiff fetch beijing-services-pilot 2015 http://www.gov.cn/… \\
          --start 北京市服务业扩大开放综合试点总体方案
      policydiff fetch beijing-services-pilot --missing
    """
    if missing and (label or url):
        raise click.UsageError("give either LABEL (and URL) or --missing, not both")
    if not missing and not label:
        raise click.UsageError(
            "give LABEL (and URL, unless the manifest records one), or --missing"
        )

    def progress(line: str) -> None:
        if not quiet:
            click.echo(line, err=True)

    options.update(
        corpus=corpus,
        format=input_format,
        max_bytes=int(max_size * 1024 * 1024),
        progress=progress,
    )
    if not missing:
        info = fetch_version(document, label, url, **options)
        doc = load_document(document, corpus)
        click.echo(
            f"Fetched version {info.label} of {doc.slug}: {doc.path / info.file}"
        )
        _print_entry(info)
        return
    if any(options.get(key) for key in ("start", "end", "source", "title")):
        raise click.UsageError(
            "--start, --end, --source and --title apply to one version; with --missing"
            " they come from the manifest"
        )
    results = fetch_missing(document, **options)
    if not results:
        click.echo(f"No missing versions in {document}")
    for result in results:
        if result.info:
            click.echo(f"Fetched version {result.label} from {result.url}")
            _print_entry(result.info)
        else:
            click.echo(f"Version {result.label} not fetched: {result.error}")
    failed = [r for r in results if r.error]
    if failed:
        raise click.ClickException(
            f"{len(failed)} of {len(results)} missing versions not fetched; see above"
        )


# ---------------------------------------------------------------------------- check


@cli.command()
@click.argument("document", required=False)
@format_option("text", "json")
@corpus_option
def check(document: str | None, fmt: str, corpus: Path):
    """Check the corpus: manifests, files, encodings and sha256 checksums.

    Prints each problem, and the source of each version that has its text. Exits with
    code 1 if any version or manifest cannot be used (a missing file, a checksum
    mismatch, a broken manifest: the check goes on past it), and 0
    when there are only warnings (a version whose text is still missing).

    \b
    Examples:
      policydiff check
      policydiff check food-safety-law
    """
    if document is None:
        documents, problems = check_corpus_folder(corpus)
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
            f"{len(errors)} error{s} in the corpus; fix the problem{s} above"
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
                for line in _provenance_lines(info):
                    click.echo(" " * (len(info.label) + 4) + line)
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


def _provenance_lines(info) -> list[str]:
    """How a checked version was fetched and imported, for check's report."""
    lines = []
    if info.retrieved_at:
        url = info.url or info.source
        via = f" (redirected to {info.final_url})" if info.final_url else ""
        answer = ", ".join(
            str(v) for v in (info.http_status, info.content_type) if v is not None
        )
        lines.append(f"fetched {info.retrieved_at} from {url}{via}: {answer}")
    if info.original_file:
        how = ", ".join(
            filter(None, (info.encoding, info.start and f"from {info.start!r}"))
        )
        lines.append(
            f"original {info.original_file}, sha256 {info.original_sha256[:12]}…"
            f" checked{f' ({how})' if how else ''}"
        )
    return lines


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
@format_option(*DIFF_FORMATS, from_output=True)
@click.option(
    "--unit",
    type=click.Choice(["clause", "sentence"]),
    default="clause",
    show_default=True,
    help="Diff modified clauses whole, or sentence by sentence (text format only).",
)
@click.option("--changed-only", is_flag=True, help="Leave out unchanged clauses.")
@color_option
@output_option("Write to this file instead of stdout (never coloured).")
@quiet_option
@corpus_option
def diff(
    document: str,
    from_label: str | None,
    to_label: str | None,
    fmt: str | None,
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
      policydiff diff food-safety-law --changed-only -o changes.md
      policydiff diff ../shared/corpora/food-safety-law --from 2009 --to 2015
    """
    fmt = output_format(fmt, output, DIFF_FORMATS, "text")
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
    """Find a clause by id, id without the version prefix, label, or article number."""
    key = matching_key(query)
    number = _article_number(query)
    for test in (
        lambda c: query in (c.id, _local_id(c.id), c.label),
        lambda c: key == matching_key(c.label),
        # 第十条, not 第十条之一 inserted after it (a10.1), which has the same number.
        lambda c: number is not None and _local_id(c.id) == f"a{number}",
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


def _article_number(query: str) -> int | None:
    """The number of the article a query names however it is written (第104条, 第一〇四条,
    第 12 條), read as the segmenter reads article labels; None for anything else."""
    query = query.strip()
    article = ARTICLE.match(query)
    if article is None or article.group(2) or len(article.group().rstrip()) != len(query):
        return None
    return chinese_number(article.group(1))


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
    if not matching_key(query):
        raise click.BadParameter("give some text to look for", param_hint="QUERY")
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


# ---------------------------------------------------------------------------- measures


def lexicon_option(command):
    return click.option(
        "--lexicon",
        type=click.Path(dir_okay=False, path_type=Path),
        help="A lexicon file (TOML) to classify with; by default the document's own"
        " lexicon.toml, else the one shipped with policydiff.",
    )(command)


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
@format_option(*MEASURES_FORMATS, from_output=True)
@click.option(
    "--changed-only",
    is_flag=True,
    help="Leave out measures that are unchanged and have no change class.",
)
@lexicon_option
@output_option("Write to this file instead of stdout.")
@quiet_option
@corpus_option
def measures(
    document: str,
    from_label: str | None,
    to_label: str | None,
    fmt: str | None,
    changed_only: bool,
    lexicon: Path | None,
    output: Path | None,
    quiet: bool,
    corpus: Path,
):
    """Show how each measure changed between two versions, and why.

    A measure is a sentence, or part of one, that carries one policy action (支持…, 允许…,
    应当…, 处…罚款). Measures are aligned on top of the clause links, and every linked pair
    is classified: strength (strengthened, weakened, same or mixed), parameters (amounts,
    multiples, percentages, dates, durations, counts: old and new value), actors and scope
    (added and removed), and restriction (loosened or tightened), each with the rule that
    fired and the text it read. Decisions in the document's reviews.csv win.

    \b
    Examples:
      policydiff measures food-safety-law --from 2009 --to 2015 --changed-only
      policydiff measures food-safety-law --format json -o measures.json
      policydiff measures ../shared/corpora/animal-epidemic-prevention-law --from 2015 --to 2021
    """
    from .lexicon import lexicon_for
    from .measures import compare_measures, render_measures_text
    from .reviews import load_reviews

    fmt = output_format(fmt, output, MEASURES_FORMATS, "text")
    doc = load_document(document, corpus)
    chosen = lexicon_for(doc.path, lexicon)
    reviews = load_reviews(doc)
    with _notice_if_slow(f"Comparing the measures of {doc.slug}…", quiet):
        comparison = compare(doc, from_label, to_label)
        result = compare_measures(comparison, chosen, reviews)
    if fmt == "json":
        text = json.dumps(
            result.to_dict(changed_only=changed_only), ensure_ascii=False, indent=2
        )
    else:
        text = render_measures_text(result, changed_only=changed_only)
    _write_or_echo(text, output)


@cli.command()
@click.argument("document")
@click.option(
    "--versions",
    "version_list",
    help="The versions to show, comma-separated (2015,2017,2019); by default all with"
    " text.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["docx", "xlsx", "csv", "markdown"]),
    help="Output format; by default from the suffix of --output, else markdown.",
)
@click.option(
    "--changed-only", is_flag=True, help="Leave out rows whose text never changed."
)
@lexicon_option
@output_option("Write to this file: .docx, .xlsx, .csv or .md (needed for docx and xlsx).")
@quiet_option
@corpus_option
def table(
    document: str,
    version_list: str | None,
    fmt: str | None,
    changed_only: bool,
    lexicon: Path | None,
    output: Path | None,
    quiet: bool,
    corpus: Path,
):
    """Write the comparison table (修改前后对照表) of a document.

    One column per version, one row per lineage (a clause through every version), and a
    last column with the change classes of its measures. Text a version added is bold and
    underlined; text the next version deleted is struck through (in CSV, plain text).

    \b
    Examples:
      policydiff table food-safety-law -o 对照表.docx
      policydiff table food-safety-law --versions 2009,2015 --format xlsx -o table.xlsx
      policydiff table food-safety-law --changed-only --format markdown
    """
    from .lexicon import lexicon_for
    from .reviews import load_reviews
    from .table import TABLE_FORMATS, comparison_table, version_titles, write_table

    fmt = output_format(fmt, output, TABLE_FORMATS, "markdown")
    if fmt in ("docx", "xlsx") and output is None:
        raise click.UsageError(f"--format {fmt} writes a binary file; give -o FILE")
    chosen = (
        [v.strip() for v in version_list.split(",") if v.strip()]
        if version_list is not None
        else None
    )
    if chosen is not None and len(chosen) < 2:
        raise click.BadParameter(
            "name two versions or more, separated by commas (2009,2015)",
            param_hint="--versions",
        )
    doc = load_document(document, corpus)
    with _notice_if_slow(f"Comparing every version of {doc.slug}…", quiet):
        result = document_history(doc)
        built = comparison_table(
            result,
            chosen,
            lexicon_for(doc.path, lexicon),
            load_reviews(doc),
            changed_only=changed_only,
        )
    data = write_table(built, fmt, version_titles(result))
    if output is None:
        click.echo(data.decode("utf-8"), nl=False)
        return
    try:
        atomic_write(output, data)
    except OSError as e:
        raise click.ClickException(f"{output}: cannot write the file ({e.strerror})")
    if not quiet:
        click.echo(
            f"Wrote {output}: {len(built.rows)} rows, versions {', '.join(built.versions)}",
            err=True,
        )


@cli.command()
@click.argument("document")
@format_option("text", "json")
@lexicon_option
@quiet_option
@corpus_option
def stats(document: str, fmt: str, lexicon: Path | None, quiet: bool, corpus: Path):
    """Show change indices for each pair of consecutive versions, and each section.

    Shares of clause links unchanged, modified, moved, split, merged, added and deleted;
    the mean similarity of linked clauses; how many measures were strengthened, weakened,
    loosened or tightened; how many parameters changed.

    \b
    Examples:
      policydiff stats food-safety-law
      policydiff stats food-safety-law --format json
    """
    from .lexicon import lexicon_for
    from .reviews import load_reviews
    from .stats import document_stats, render_stats_json, render_stats_text

    doc = load_document(document, corpus)
    require_two_versions(doc)
    with _notice_if_slow(f"Comparing every version of {doc.slug}…", quiet):
        result = document_history(doc)
        rows = document_stats(result, lexicon_for(doc.path, lexicon), load_reviews(doc))
    if fmt == "json":
        _write_or_echo(render_stats_json(rows), None)
    else:
        _write_or_echo(render_stats_text(rows), None)


def _write_or_echo(text: str, output: Path | None) -> None:
    if not text.endswith("\n"):
        text += "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        atomic_write(output, text.encode("utf-8"))
    except OSError as e:
        raise click.ClickException(f"{output}: cannot write the file ({e.strerror})")


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

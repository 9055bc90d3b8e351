"""Read and write the corpus: ``versions/<document>/`` folders of texts and manifests.

A document folder holds one UTF-8 text file per present version and, usually, a
``manifest.toml`` that lists its versions in order with their metadata (see DESIGN.md).
A folder without a manifest is read as it is: its ``.txt`` files are its versions, in
natural file-name order (v2 before v10). Every error is one of :mod:`policydiff.errors`, with
a one-line message that names the file or version and says what to do.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import hashlib
import os
import re
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from .errors import (
    ChecksumError,
    InputError,
    ManifestError,
    PolicydiffError,
    UnknownDocumentError,
    UnknownVersionError,
)
from .importers import ImportedText, MarkerError, import_file, read_bytes
from .model import VERSION_STATUSES, Corpus, Document, Version, VersionInfo
from .normalize import without_layout_marks

DEFAULT_CORPUS = Path("versions")
MANIFEST_NAME = "manifest.toml"

#: Keys a manifest may hold at the top level, and in each ``[[versions]]`` entry.
DOCUMENT_KEYS: tuple[str, ...] = (
    "title",
    "issuer",
    "description",
    "language",
    "source",
    "versions",
)
VERSION_KEYS: tuple[str, ...] = tuple(VersionInfo.__dataclass_fields__)
INTEGER_KEYS: tuple[str, ...] = ("http_status",)
#: The provenance of a fetched text, cleared when a text is added from a file.
FETCH_KEYS: tuple[str, ...] = (
    "final_url",
    "retrieved_at",
    "http_status",
    "content_type",
)
#: The name of a kept original: ``2015.orig.html`` (never read as a version).
ORIGINAL_RE = re.compile(r"\.orig\.[A-Za-z0-9]+$")

DIGITS_RE = re.compile(r"(\d+)")
SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
LABEL_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
DATE_RE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
SHA256_RE = re.compile(r"[0-9a-f]{64}")
SEVERITIES: tuple[str, ...] = ("error", "warning")

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Problem:
    """One thing ``check`` found wrong with a document or one of its versions.

    :param label: the version at fault, or ``None`` for the document as a whole.
    :param severity: ``error`` (the version cannot be used) or ``warning``.
    """

    document: str
    label: str | None
    severity: str
    message: str

    def to_dict(self) -> dict:
        return dict(self.__dict__)


# ---------------------------------------------------------------------------- reading


def sha256_file(path: str | Path) -> str:
    """Return the hex sha256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_text_file(path: Path) -> str:
    """Read a UTF-8 text file, strictly, with its line endings normalised to ``\\n``.

    A UTF-8 byte-order mark is allowed and dropped. A missing file, a folder, an empty
    or whitespace-only file, and binary or non-UTF-8 content raise :class:`InputError`.
    """
    return _decode_text(Path(path), read_bytes(Path(path)))


def _decode_text(path: Path, data: bytes) -> str:
    """Decode a text file's bytes, refusing anything that is not usable UTF-8 text."""
    if not data:
        raise InputError(f"{path}: file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{path}: UTF-16 text; convert it to UTF-8 first")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError(
            f"{path}: binary file (NUL byte at offset {nul}); give a UTF-8 text file"
        )
    skip = len(_BOM) if data.startswith(_BOM) else 0
    try:
        text = data[skip:].decode("utf-8")
    except UnicodeDecodeError as e:
        offset = skip + e.start
        raise InputError(
            f"{path}: not UTF-8 text (byte 0x{data[offset]:02x} at offset {offset}); "
            "convert it to UTF-8 first"
        ) from None
    if not without_layout_marks(text).strip():
        raise InputError(
            f"{path}: file holds only whitespace (or invisible characters)"
        )
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_manifest(path: str | Path) -> Document:
    """Read and validate a document's ``manifest.toml`` (or the folder that holds one).

    Raise :class:`ManifestError`, naming the manifest and the version, for TOML syntax
    errors, unknown keys, missing or duplicate labels, bad statuses, present versions
    without a file, and dates that are not YYYY-MM-DD, YYYY-MM or YYYY.
    """
    path = Path(path)
    if path.is_dir():
        path = path / MANIFEST_NAME
    data = _load_toml(path)
    unknown = sorted(set(data) - set(DOCUMENT_KEYS))
    if unknown:
        raise ManifestError(
            f"{path}: unknown key {unknown[0]!r}; "
            f"the keys a manifest may hold are {', '.join(DOCUMENT_KEYS)}"
        )
    fields = {
        key: _string(path, None, key, data.get(key)) for key in DOCUMENT_KEYS[:-1]
    }
    if "versions" not in data:
        raise ManifestError(
            f"{path}: no versions; list each version in a [[versions]] table"
            " with a label"
        )
    entries = data["versions"]
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ManifestError(
            f"{path}: versions must be an array of tables;"
            " write each one as [[versions]]"
        )
    versions: list[VersionInfo] = []
    for number, entry in enumerate(entries, 1):
        info = _version_info(path, number, entry)
        _check_unique(path, info, versions)
        versions.append(info)
    return Document(
        slug=path.resolve().parent.name,
        path=path.parent,
        versions=tuple(versions),
        title=fields["title"],
        issuer=fields["issuer"],
        description=fields["description"],
        source=fields["source"],
        manifest=path,
        language=fields["language"] or "zh",
    )


def _load_toml(path: Path) -> dict:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ManifestError(f"{path}: no such file") from None
    except OSError as e:
        raise ManifestError(
            f"{path}: cannot read the manifest ({e.strerror})"
        ) from None
    try:
        text = data.removeprefix(_BOM).decode("utf-8")
    except UnicodeDecodeError as e:
        raise ManifestError(
            f"{path}: not UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start}); "
            "save the manifest as UTF-8"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ManifestError(f"{path}: invalid TOML: {e}; fix the manifest") from None


def _version_info(path: Path, number: int, entry: dict) -> VersionInfo:
    label = entry.get("label")
    if label is None or label == "":
        raise ManifestError(
            f'{path}: [[versions]] entry {number} has no label; add label = "…"'
        )
    if not isinstance(label, str):
        raise ManifestError(
            f"{path}: [[versions]] entry {number}: label must be a string; "
            f'write label = "{label}"'
        )
    where = f"{path}: version {label}"
    unknown = sorted(set(entry) - set(VERSION_KEYS))
    if unknown:
        raise ManifestError(
            f"{where}: unknown key {unknown[0]!r}; "
            f"the keys a version may hold are {', '.join(VERSION_KEYS)}"
        )
    values = {key: _value(path, label, key, entry.get(key)) for key in VERSION_KEYS}
    values["status"] = values["status"] or "present"
    info = VersionInfo(**values)
    _check_files(where, info)
    if info.status not in VERSION_STATUSES:
        raise ManifestError(
            f"{where}: status {info.status!r} is not one of"
            f" {', '.join(VERSION_STATUSES)}"
        )
    if info.status == "present" and not info.file:
        raise ManifestError(
            f'{where}: status is present but no file is given; add file = "{label}.txt"'
            ' or set status = "missing"'
        )
    if info.status == "missing" and (info.file or info.sha256 or info.original_file):
        raise ManifestError(
            f"{where}: status is missing but a file or sha256 is given;"
            ' set status = "present" or remove them'
        )
    if info.date is not None and not valid_date(info.date):
        raise ManifestError(
            f"{where}: bad date {info.date!r}; use YYYY-MM-DD, YYYY-MM or YYYY"
        )
    return info


def _check_files(where: str, info: VersionInfo) -> None:
    """Check the file names and checksums of a version entry."""
    for key in ("file", "original_file"):
        name = getattr(info, key)
        if name and (Path(name).name != name or name in (".", "..")):
            raise ManifestError(
                f"{where}: {key} {name!r} must be a file name inside the document"
                " folder"
            )
    for key in ("sha256", "original_sha256"):
        value = getattr(info, key)
        if value and not SHA256_RE.fullmatch(value):
            raise ManifestError(f"{where}: {key} must be 64 lowercase hex digits")
    if bool(info.original_file) != bool(info.original_sha256):
        raise ManifestError(
            f"{where}: original_file and original_sha256 go together;"
            " give both or neither"
        )
    if info.original_file and info.original_file == info.file:
        raise ManifestError(
            f"{where}: original_file must not be the version's file; name it"
            f' "{info.label}.orig.EXT"'
        )


def _value(path: Path, label: str, key: str, value: object) -> str | int | None:
    """Return a version entry's value: a whole number for the integer keys, else a string."""
    if key not in INTEGER_KEYS:
        return _string(path, label, key, value)
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise ManifestError(
        f"{path}: version {label}: {key} must be a whole number; write {key} = 200"
    )


def _string(path: Path, label: str | None, key: str, value: object) -> str | None:
    """Return a manifest value as a string, accepting an unquoted TOML date as well."""
    if value is None or isinstance(value, str):
        return value
    if key == "date" and type(value) is datetime.date:
        return value.isoformat()
    where = f"{path}: version {label}" if label is not None else str(path)
    raise ManifestError(f'{where}: {key} must be a string; write {key} = "{value}"')


def _check_unique(path: Path, info: VersionInfo, before: list[VersionInfo]) -> None:
    for other in before:
        if other.label == info.label:
            raise ManifestError(
                f"{path}: version {info.label} is listed twice;"
                " give each version its own label"
            )
        if info.file and other.file == info.file:
            raise ManifestError(
                f"{path}: version {info.label}: file {info.file} is also the file of"
                f" version {other.label}; give each version its own file"
            )


def valid_date(value: str) -> bool:
    """Tell whether ``value`` is a real date written YYYY-MM-DD, YYYY-MM or YYYY."""
    match = DATE_RE.fullmatch(value)
    if not match:
        return False
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


def read_folder(path: str | Path) -> Document:
    """Read a document folder: its manifest if it has one, otherwise its ``.txt`` files.

    Without a manifest the ``.txt`` files are the versions, in natural file-name order
    (v2 before v10), labelled by file name without ``.txt``, all present and with no
    recorded sha256.
    """
    path = Path(path)
    if (path / MANIFEST_NAME).is_file():
        return read_manifest(path / MANIFEST_NAME)
    versions = tuple(VersionInfo(label=f.stem, file=f.name) for f in _text_files(path))
    return Document(slug=path.resolve().name, path=path, versions=versions)


def _text_files(folder: Path) -> list[Path]:
    """A folder's version texts (``.txt``, any case), in natural order of their names."""
    return sorted(
        (
            f
            for f in folder.iterdir()
            if f.suffix.lower() == ".txt"
            and f.is_file()
            and not f.name.startswith(".")
            and not ORIGINAL_RE.search(f.name)
        ),
        key=lambda f: natural_key(f.stem),
    )


def natural_key(name: str) -> list:
    """Sort key that reads runs of digits as numbers and a shorter name first: v2 before
    v10, and 2019 before 2019-amended (a plain sort puts ``2019-amended.txt`` first, since
    ``-`` sorts before ``.``)."""
    return [int(part) if n % 2 else part for n, part in enumerate(DIGITS_RE.split(name))]


def _is_document_folder(path: Path) -> bool:
    return path.is_dir() and (
        (path / MANIFEST_NAME).is_file() or bool(_text_files(path))
    )


def _document_folders(corpus: Path) -> list[Path]:
    return sorted(
        (
            p
            for p in corpus.iterdir()
            if not p.name.startswith(".") and _is_document_folder(p)
        ),
        key=lambda p: p.name,
    )


def _check_corpus_folder(corpus: Path) -> None:
    if not corpus.is_dir():
        what = "is not a folder" if corpus.exists() else "does not exist"
        raise PolicydiffError(
            f"corpus folder {corpus} {what};"
            " run from the project folder or pass --corpus PATH"
        )
    if _is_document_folder(corpus) and not _document_folders(corpus):
        raise PolicydiffError(
            f"{corpus}: is a document folder, not a corpus (a corpus holds one folder per"
            f" document); pass --corpus {corpus.resolve().parent}, or give {corpus} as"
            " the DOCUMENT"
        )


def load_corpus(path: str | Path = DEFAULT_CORPUS) -> Corpus:
    """Read every document of a corpus: each subfolder with a manifest or .txt files.

    Documents are sorted by slug.
    """
    path = Path(path)
    _check_corpus_folder(path)
    documents = tuple(read_folder(folder) for folder in _document_folders(path))
    return Corpus(path=path, documents=documents)


def load_document(name: str | Path, corpus: str | Path = DEFAULT_CORPUS) -> Document:
    """Find a document by its slug in ``corpus``, or by the path to its folder.

    :param name: a document slug (``beijing-services-pilot``), a path to a document
        folder (``../shared/corpora/food-safety-law``) or to its ``manifest.toml``.
    """
    corpus = Path(corpus)
    candidates = [Path(name)]
    if isinstance(name, str) and "/" not in name and name not in ("", ".", ".."):
        candidates.insert(0, corpus / name)
    for candidate in candidates:
        if candidate.name == MANIFEST_NAME and candidate.is_file():
            return read_manifest(candidate)
        if _is_document_folder(candidate):
            return read_folder(candidate)
    raise UnknownDocumentError(_unknown_document_message(str(name), corpus))


def _unknown_document_message(name: str, corpus: Path) -> str:
    if Path(name).is_dir():
        return (
            f"{name}: no manifest.toml and no .txt files in this folder; add a version"
        )
    if not corpus.is_dir():
        return (
            f"no document {name!r}: it is not a folder and corpus folder {corpus}"
            " does not exist; pass --corpus PATH"
        )
    slugs = [folder.name for folder in _document_folders(corpus)]
    known = ", ".join(slugs) if slugs else "none"
    return f"no document {name!r} in {corpus}; the documents are: {known}"


def find_version(document: Document, label: str) -> VersionInfo:
    """Return the manifest entry of one version, present or missing."""
    for info in document.versions:
        if info.label == label:
            return info
    labels = ", ".join(v.label for v in document.versions) or "none"
    raise UnknownVersionError(
        f"document {document.slug} has no version {label!r}; its versions are: {labels}"
    )


def add_command(document: Document | str, label: str) -> str:
    """Return the command that adds the text of a version."""
    slug = document.slug if isinstance(document, Document) else document
    return f"policydiff add {slug} FILE --label {label}"


def missing_note(document: Document | str, label: str) -> str:
    """Return the standard note of a missing version, which ``add_version`` drops."""
    return f"Text not yet in the corpus; add it with `{add_command(document, label)}`."


def read_version(document: Document, label: str) -> Version:
    """Read the text of one version, checking its sha256 if the manifest records one."""
    info = find_version(document, label)
    if info.status != "present" or not info.file:
        raise UnknownVersionError(
            f"version {label} of {document.slug}: text missing (the manifest has only"
            f" its metadata); add it with {add_command(document, label)}"
        )
    path = document.path / info.file
    data = _read_listed_bytes(document, info)
    text = _decode_text(path, data)
    if info.sha256:
        actual = hashlib.sha256(data).hexdigest()
        if actual != info.sha256:
            raise ChecksumError(_checksum_message(document, info, path, actual))
    return Version(document=document.slug, info=info, text=text, path=path)


def _read_listed_bytes(document: Document, info: VersionInfo) -> bytes:
    path = document.path / info.file
    if not path.exists() and document.manifest is not None:
        raise InputError(
            f"{path}: no such file, but {document.manifest} lists it for version"
            f" {info.label}; restore the file or set the version's status to missing"
        )
    return read_bytes(path)


def _checksum_message(
    document: Document, info: VersionInfo, path: Path, actual: str
) -> str:
    return (
        f"{path}: sha256 is {actual[:12]}…, the manifest records {info.sha256[:12]}…;"
        " if the text was changed on purpose, re-add it with"
        f" {add_command(document, info.label)} --replace"
    )


# ---------------------------------------------------------------------------- checking


def check_document(document: Document) -> list[Problem]:
    """Check every version of a document: files exist, read as text, match their sha256.

    Missing versions and ``.txt`` files the manifest does not list are warnings.
    """
    problems: list[Problem] = []
    for info in document.versions:
        problem = _check_version(document, info)
        if problem is not None:
            problems.append(problem)
    if document.manifest is not None:
        listed = {info.file for info in document.versions}
        for path in _text_files(document.path):
            if path.name not in listed:
                problems.append(
                    Problem(
                        document.slug,
                        None,
                        "warning",
                        f"{path}: not listed in {document.manifest}; add it with"
                        f" {add_command(document, path.stem)}, or move it away",
                    )
                )
    return problems


def _check_version(document: Document, info: VersionInfo) -> Problem | None:
    if info.status == "missing":
        how = (
            f"fetch it with policydiff fetch {document.slug} {info.label}"
            if info.url
            else f"add it with {add_command(document, info.label)}"
        )
        return Problem(document.slug, info.label, "warning", f"text missing; {how}")
    try:
        read_version(document, info.label)
        check_original(document, info)
    except PolicydiffError as e:
        return Problem(document.slug, info.label, "error", str(e))
    if document.manifest is not None and not info.sha256:
        return Problem(
            document.slug,
            info.label,
            "warning",
            f"{document.manifest} records no sha256 for this version, so its text"
            f" cannot be checked; record it with policydiff add {document.slug}"
            f" {document.path / info.file} --label {info.label} --replace"
            f" --corpus {document.path.parent}",
        )
    return None


def check_original(document: Document, info: VersionInfo) -> None:
    """Check that a version's kept original is there and matches its recorded sha256."""
    if not info.original_file:
        return
    path = document.path / info.original_file
    if not path.is_file():
        raise InputError(
            f"{path}: no such file, but {document.manifest} lists it as the original of"
            f" version {info.label}; restore it, or re-import the version with --replace"
        )
    actual = sha256_file(path)
    if actual != info.original_sha256:
        raise ChecksumError(
            f"{path}: sha256 is {actual[:12]}…, the manifest records"
            f" {info.original_sha256[:12]}… for the original of version {info.label};"
            " restore it, or re-import the version with --replace"
        )


def check_corpus(corpus: Corpus) -> list[Problem]:
    """Check every document of a corpus; see :func:`check_document`."""
    return [
        problem for document in corpus.documents for problem in check_document(document)
    ]


def check_corpus_folder(
    path: str | Path = DEFAULT_CORPUS,
) -> tuple[tuple[Document, ...], list[Problem]]:
    """Check a corpus folder, going on past a document whose manifest cannot be read.

    Returns the documents that could be read (a broken one as a document with no
    versions) and every problem, the broken manifests' among them.
    """
    path = Path(path)
    _check_corpus_folder(path)
    documents, problems = [], []
    for folder in _document_folders(path):
        try:
            document = read_folder(folder)
        except ManifestError as e:
            document = Document(slug=folder.name, path=folder, versions=())
            problems.append(Problem(folder.name, None, "error", str(e)))
        else:
            problems.extend(check_document(document))
        documents.append(document)
    return tuple(documents), problems


# ---------------------------------------------------------------------------- writing


def add_version(
    document: str | Path,
    file: str | Path,
    label: str,
    *,
    corpus: str | Path = DEFAULT_CORPUS,
    date: str | None = None,
    source: str | None = None,
    title: str | None = None,
    doc_number: str | None = None,
    issuer: str | None = None,
    replace: bool = False,
    format: str | None = None,
    encoding: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> VersionInfo:
    """Import a text, HTML, Word or PDF file as a version of a document.

    The file is read and imported first (see :mod:`policydiff.importers`), so bad input
    leaves the corpus as it was; then :func:`store_version` stores it. Without ``start``
    and ``end``, the markers the manifest records for the version are used.

    :param document: a document slug (``[a-z0-9-]+``) in ``corpus``, or the path to a
        document folder.
    :param title: the version's title; for a new document, its title as well (and
        likewise ``issuer``).
    :param format: ``text``, ``html``, ``docx`` or ``pdf``; by default told from the file.
    :param encoding: the encoding of a text or HTML file; by default detected.
    :param start: the text begins at the first line that starts with this marker.
    :param end: the text ends with this marker.
    """
    plan = plan_version(document, label, corpus=corpus, date=date, replace=replace)
    with markers_from_manifest(plan, start, end) as markers:
        imported = import_file(
            file, format=format, encoding=encoding, start=markers[0], end=markers[1]
        )
    return store_version(
        plan,
        imported,
        date=date,
        source=source,
        title=title,
        doc_number=doc_number,
        issuer=issuer,
    )


@dataclass(frozen=True)
class VersionPlan:
    """Where a new or replaced version will go, checked before anything is read or fetched.

    :param existing: the document as it is, or ``None`` for a new document.
    :param old: the version's manifest entry as it is, or ``None`` for a new version.
    """

    folder: Path
    slug: str
    label: str
    existing: Document | None
    old: VersionInfo | None
    target: Path
    replace: bool


@contextlib.contextmanager
def markers_from_manifest(
    plan: VersionPlan, start: str | None, end: str | None
) -> Iterator[tuple[str | None, str | None]]:
    """Give the start and end markers to use: those given, or else the manifest's; and
    say so when one from the manifest is not in the text."""
    old = plan.old
    markers = (start or (old.start if old else None), end or (old.end if old else None))
    try:
        yield markers
    except MarkerError as e:
        if (start, end)[e.which == "end"]:
            raise
        raise MarkerError(
            f"{e}; this {e.which} marker is the one the manifest records for version"
            f" {plan.label}: give another with --{e.which}, or remove it from"
            f" {plan.folder / MANIFEST_NAME}",
            e.which,
        ) from None


def plan_version(
    document: str | Path,
    label: str,
    *,
    corpus: str | Path = DEFAULT_CORPUS,
    date: str | None = None,
    replace: bool = False,
) -> VersionPlan:
    """Check that a version can be added (its label, date and document, and that it has
    no text yet unless ``replace``) and return where it will go."""
    folder, slug = _document_folder(document, Path(corpus))
    _check_label(label)
    if date is not None and not valid_date(date):
        raise InputError(
            f"bad date {date!r} for version {label}; use YYYY-MM-DD, YYYY-MM or YYYY"
        )
    plan = VersionPlan(folder, slug, label, None, None, folder, replace)
    return _refresh(plan)


def store_version(
    plan: VersionPlan, imported: ImportedText, **metadata: str | int | None
) -> VersionInfo:
    """Store an imported text as a version and record it in the manifest.

    The text is stored as UTF-8 in ``<label>.txt`` (or the file the manifest already
    names), and the original, when it differs, beside it as ``<label>.orig.<ext>``; the
    manifest records both sha256 checksums, how the text was imported and ``metadata``
    (``date``, ``source``, ``title``, … and, for a fetched text, its provenance). A
    ``missing`` entry of the same label is filled and keeps its metadata, which the
    given metadata overrides. Replacing keeps the old text, original and manifest as
    ``.bak`` files. Every file is written atomically, the version is read back and
    checked, and if anything fails every file is put back as it was.
    """
    plan = _refresh(plan)  # the corpus may have changed during a download
    info = _new_entry(plan, imported, metadata)
    versions = list(plan.existing.versions) if plan.existing else []
    existing = plan.existing
    if existing and existing.manifest is None:
        # A bare folder gets its first manifest: record the texts it holds as they are,
        # and their language (read as zh until now, for want of a manifest to say so).
        versions = [_with_checksum(existing, v) for v in versions]
        existing = dataclasses.replace(existing, language=language_of(imported.text))
    if plan.old is None:
        versions.insert(_date_position(versions, info.date), info)
    else:
        versions = [info if v.label == plan.label else v for v in versions]
    doc = existing or Document(
        slug=plan.slug,
        path=plan.folder,
        versions=(),
        title=metadata.get("title"),
        issuer=metadata.get("issuer"),
        language=language_of(imported.text),
    )
    manifest_toml = _manifest_text(doc, versions).encode("utf-8")

    def verify() -> None:
        document = dataclasses.replace(read_folder(plan.folder), slug=plan.slug)
        read_version(document, plan.label)
        check_original(document, info)

    _write_files(_version_writes(plan, imported, manifest_toml), verify)
    return info


_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def language_of(text: str) -> str:
    """``zh`` for a text mostly in Chinese characters, ``en`` for one mostly in Latin
    letters: what a new document's manifest records (an English text is not ``zh``)."""
    han, latin = len(_HAN.findall(text)), len(_LATIN.findall(text))
    # A Latin letter carries about a fifth of what a character does.
    return "en" if latin > 5 * han else "zh"


def _text_changed(plan: VersionPlan, old: VersionInfo, imported: ImportedText) -> bool:
    """Whether the text replacing a present version differs from the one its source
    describes: the text the manifest's checksum records, or else the stored file."""
    if old.status != "present" or not old.file:
        return False
    data = imported.text.encode("utf-8")
    if old.sha256:
        return hashlib.sha256(data).hexdigest() != old.sha256
    path = plan.folder / old.file
    return not path.is_file() or path.read_bytes() != data


def _with_checksum(document: Document, info: VersionInfo) -> VersionInfo:
    """A bare folder's version with the sha256 of its file as it is now."""
    data = read_bytes(document.path / info.file)
    return dataclasses.replace(info, sha256=hashlib.sha256(data).hexdigest())


def _original_path(plan: VersionPlan, imported: ImportedText) -> Path:
    return plan.folder / f"{plan.label}.orig.{imported.extension}"


def _new_entry(
    plan: VersionPlan, imported: ImportedText, metadata: dict
) -> VersionInfo:
    """The version's manifest entry after the import: the old one, if any, with the new
    file, checksums, import record and metadata (fetch provenance reset)."""
    old, kept = plan.old, imported.keeps_original
    original = _original_path(plan, imported)
    if (
        kept
        and original.exists()
        and (old is None or old.original_file != original.name)
    ):
        raise InputError(
            f"{original}: the file exists but is not the recorded original of version"
            f" {plan.label}; move the file away first"
        )
    info = VersionInfo(label=plan.label)
    if old is not None:
        info = dataclasses.replace(
            old, note=_drop_missing_note(old.note, plan.slug, plan.label)
        )
    if old is not None and _text_changed(plan, old, imported):
        # The recorded source described the text being replaced, not this one.
        info = dataclasses.replace(info, source=None)
    return dataclasses.replace(
        info,
        status="present",
        file=plan.target.name,
        sha256=hashlib.sha256(imported.text.encode("utf-8")).hexdigest(),
        start=imported.start,
        end=imported.end,
        encoding=imported.encoding if kept else None,
        original_file=original.name if kept else None,
        original_sha256=imported.original_sha256 if kept else None,
        **{**dict.fromkeys(FETCH_KEYS), **_not_none(metadata)},
    )


def _version_writes(
    plan: VersionPlan, imported: ImportedText, manifest_toml: bytes
) -> list[tuple[Path, bytes | None]]:
    """The files to write, in order (``None`` to delete): backups of a replaced version,
    the original, the text, and the manifest last."""
    old, kept = plan.old, imported.keeps_original
    original = _original_path(plan, imported)
    writes = _backups(plan, old)
    if kept:
        writes.append((original, imported.original))
    if old and old.original_file and (not kept or old.original_file != original.name):
        writes.append((plan.folder / old.original_file, None))
    writes.append((plan.target, imported.text.encode("utf-8")))
    writes.append((plan.folder / MANIFEST_NAME, manifest_toml))
    return writes


def _refresh(plan: VersionPlan) -> VersionPlan:
    existing = _existing_document(plan.folder, plan.slug)
    old = find_entry(existing, plan.label)
    target = plan.folder / (old.file if old and old.file else f"{plan.label}.txt")
    _refuse_conflicts(existing, old, target, plan.slug, plan.replace)
    return dataclasses.replace(plan, existing=existing, old=old, target=target)


def find_entry(document: Document | None, label: str) -> VersionInfo | None:
    """Return a document's entry for ``label``, or ``None`` if it has none."""
    if document is None:
        return None
    return next((v for v in document.versions if v.label == label), None)


def _backups(plan: VersionPlan, old: VersionInfo | None) -> list[tuple[Path, bytes]]:
    """The ``.bak`` copies that keep a replaced version recoverable."""
    if old is None or old.status != "present":
        return []
    paths = [plan.target, plan.folder / MANIFEST_NAME]
    if old.original_file:
        paths.append(plan.folder / old.original_file)
    return [
        (path.with_name(path.name + ".bak"), path.read_bytes())
        for path in paths
        if path.is_file()
    ]


def _check_label(label: str) -> None:
    if not LABEL_RE.fullmatch(label):
        raise InputError(
            f"bad version label {label!r}; use letters, digits, '.', '_' or '-'"
            " (2019, 2020-draft-1)"
        )


def _date_position(versions: list[VersionInfo], date: str | None) -> int:
    """Where a new version goes: before the first version dated after it, so that the
    order of versions (and so every comparison) stays chronological; at the end when it
    has no date or the others have none."""
    if date:
        for position, version in enumerate(versions):
            if version.date and version.date > date:
                return position
    return len(versions)


def _document_folder(document: str | Path, corpus: Path) -> tuple[Path, str]:
    if str(document).strip() in ("", ".", ".."):
        raise InputError(
            f"bad document name {str(document)!r}; give a document of the corpus or a"
            " new name with a-z, 0-9 and '-' (beijing-services-pilot)"
        )
    if isinstance(document, str) and "/" not in document:
        if not SLUG_RE.fullmatch(document) and not (corpus / document).is_dir():
            raise InputError(
                f"bad document name {document!r}; a new document's name uses a-z, 0-9"
                " and '-' (beijing-services-pilot)"
            )
        return corpus / document, document
    folder = Path(document)
    if not folder.is_dir():
        raise InputError(
            f"{folder}: no such document folder; a new document is made by name inside"
            " the corpus (policydiff add NAME FILE --label L)"
        )
    return folder, folder.resolve().name


def _existing_document(folder: Path, slug: str) -> Document | None:
    if not folder.exists():
        return None
    if not folder.is_dir():
        raise InputError(f"{folder}: is a file, not a document folder")
    document = read_folder(folder)
    return (
        dataclasses.replace(document, slug=slug)
        if document.manifest or document.versions
        else None
    )


def _refuse_conflicts(
    existing: Document | None,
    old: VersionInfo | None,
    target: Path,
    slug: str,
    replace: bool,
) -> None:
    if old is not None and old.status == "present" and not replace:
        raise PolicydiffError(
            f"{target}: version {old.label} of {slug} already has a text;"
            " use --replace to replace it (the old text is kept as .bak)"
        )
    if (old is None or old.status == "missing") and target.exists():
        where = existing.manifest if existing and existing.manifest else target.parent
        raise InputError(
            f"{target}: the file exists but {where} does not list it as a present"
            " version; move the file away first"
        )


def _drop_missing_note(note: str | None, slug: str, label: str) -> str | None:
    """Drop the standard "text not yet in the corpus" sentence, now that it is wrong."""
    if note is None:
        return None
    note = note.replace(missing_note(slug, label), "").strip()
    return note or None


def _not_none(values: dict) -> dict:
    return {key: value for key, value in values.items() if value is not None}


def manifest_text(document: Document) -> str:
    """Return a document's manifest as TOML, one ``[[versions]]`` table a version."""
    return _manifest_text(document, list(document.versions))


def _manifest_text(document: Document, versions: list[VersionInfo]) -> str:
    head = {
        "title": document.title,
        "issuer": document.issuer,
        "description": document.description,
        "language": document.language,
        "source": document.source,
    }
    chunks = [tomli_w.dumps(_not_none(head))]
    for info in versions:
        chunks.append("[[versions]]\n" + tomli_w.dumps(_not_none(info.to_dict())))
    return "\n".join(chunks)


def _write_files(
    writes: list[tuple[Path, bytes | None]], verify: Callable[[], None]
) -> None:
    """Write each file atomically (or delete it, for ``None``), in order, then ``verify``;
    if anything fails or is interrupted, put every file back as it was."""
    folder = writes[-1][0].parent
    created = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    saved = [(path, path.read_bytes() if path.exists() else None) for path, _ in writes]
    try:
        for path, data in writes:
            if data is None:
                path.unlink(missing_ok=True)
            else:
                atomic_write(path, data)
        verify()
    except BaseException:
        for path, previous in reversed(saved):
            _restore(path, previous)
        for path in created:
            if path.exists() and not any(path.iterdir()):
                path.rmdir()
        raise


def _restore(path: Path, data: bytes | None) -> None:
    if data is None:
        path.unlink(missing_ok=True)
    elif not path.exists() or path.read_bytes() != data:
        atomic_write(path, data)


def atomic_write(path: Path, data: bytes) -> None:
    """Write a file atomically: a temporary file in its folder, fsync, then rename."""
    handle, temp = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable; not every platform lets a folder be opened.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

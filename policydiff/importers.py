"""Import policy texts from the formats researchers get them in: text, HTML, Word, PDF.

Every importer takes the original bytes and returns an :class:`ImportedText`: the text with
``\\n`` line endings, cut to the policy by optional start and end markers, together with the
original bytes and how they were read. Nothing here writes files; ``corpus.store_version``
stores the result, and ``fetch`` downloads the bytes.

* Text: UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark, GB18030
  (and so GBK and GB2312) and Big5, detected with charset-normalizer or given.
* HTML: decoded by the HTTP header, the page's ``<meta charset>`` or detection; trafilatura
  finds where the main text begins and ends, and the lines between come from the page as it
  is, so a heading trafilatura leaves out is not lost. Navigation and footers fall outside.
* Word: the paragraphs and tables of a ``.docx`` (python-docx), in reading order.
* PDF: the text layer (pypdf, layout mode), with running headers, footers and page numbers
  dropped and the hard line breaks inside paragraphs repaired.

Start and end markers are matched ignoring whitespace, width and Traditional/Simplified
differences: the text begins at the first line that starts with the start marker and ends
with the end marker, both kept.
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import io
import itertools
import math
import re
import struct
import unicodedata
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import FormatError, InputError
from .normalize import each_to_simplified, without_layout_marks

#: The formats policydiff imports, and the extension its original is kept under.
FORMATS: tuple[str, ...] = ("text", "html", "docx", "pdf")
EXTENSIONS = {"text": "txt", "html": "html", "docx": "docx", "pdf": "pdf"}
HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")
HTML_TYPES = ("text/html", "application/xhtml+xml")

#: Encodings decoded with a superset codec, so that a stray extension character still reads.
SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc_cn": "gb18030",
    "big5": "big5hkscs",
}
CHINESE_ENCODINGS = frozenset({"gb18030", "big5hkscs", "cp950", "hz", "iso2022_cn"})
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: The share of common characters above which a GB18030 or Big5 reading is taken.
CHINESE_SHARE = 0.9


class MarkerError(FormatError):
    """A start or end marker that is not in the text.

    :param which: ``start`` or ``end``.
    """

    def __init__(self, message: str, which: str):
        super().__init__(message)
        self.which = which


@dataclass(frozen=True)
class ImportedText:
    """A version's text as imported, with the original bytes it came from.

    :param text: the text, ``\\n`` line endings, cut to the policy by the markers.
    :param format: ``text``, ``html``, ``docx`` or ``pdf``.
    :param encoding: the encoding the original was decoded with (text and HTML only).
    :param start: the start marker used, if any; ``end`` likewise.
    """

    text: str
    format: str
    original: bytes
    encoding: str | None = None
    start: str | None = None
    end: str | None = None

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]

    @property
    def original_sha256(self) -> str:
        return hashlib.sha256(self.original).hexdigest()

    @property
    def keeps_original(self) -> bool:
        """Whether the original differs from the stored text, and so must be kept too."""
        return self.original != self.text.encode("utf-8")


# ---------------------------------------------------------------------------- entry points


def import_file(
    path: str | Path,
    *,
    format: str | None = None,
    encoding: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> ImportedText:
    """Read and import a text, HTML, Word (.docx) or PDF file.

    :param format: ``text``, ``html``, ``docx`` or ``pdf``; by default told from the
        file's content and name.
    :param encoding: the encoding of a text or HTML file; by default detected.
    :param start: the text begins at the first line that starts with this marker.
    :param end: the text ends with this marker (after the start).
    """
    path = Path(path)
    return import_bytes(
        read_bytes(path),
        name=path.name,
        where=str(path),
        format=format,
        encoding=encoding,
        start=start,
        end=end,
    )


def import_bytes(
    data: bytes,
    *,
    name: str | None = None,
    content_type: str | None = None,
    where: str | None = None,
    kind: str = "file",
    format: str | None = None,
    encoding: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> ImportedText:
    """Import a text from its bytes; see :func:`import_file`.

    :param name: the file name (or the last part of a URL), to tell the format by.
    :param content_type: the HTTP ``Content-Type``, to tell the format and charset by.
    :param where: the file or URL to name in error messages.
    :param kind: what ``where`` is, in error messages: ``file`` or ``response``.
    """
    where = where or name or "input"
    start, end = start or None, end or None
    if not data:
        raise InputError(f"{where}: {kind} is empty")
    fmt = format or detect_format(data, name, content_type, where)
    if fmt not in FORMATS:
        raise FormatError(
            f"{where}: unknown format {fmt!r}; use one of {', '.join(FORMATS)}"
        )
    used = None
    bounds = None
    if fmt == "text":
        text, used = decode_text(data, encoding, where)
    elif fmt == "html":
        text, used, bounds = html_text(data, where, encoding, charset_of(content_type))
    elif fmt == "docx":
        text = docx_text(data, where)
    else:
        text = pdf_text(data, where)
    text = normalize_newlines(text)
    if not without_layout_marks(text).strip():
        raise InputError(
            f"{where}: {kind} holds only whitespace (or invisible characters)"
        )
    if bounds == NO_MAIN_TEXT and not (start or end):
        raise FormatError(
            f"{where}: no main text found in the page; check the URL, or mark the"
            " policy text with --start and --end"
        )
    if start or end or bounds:
        text = cut(text, start, end, where=where, bounds=bounds)
    if fmt == "html" and not has_prose(text):
        raise FormatError(
            f"{where}: no policy text in the page (only links, menus or short lines);"
            " check the URL, or mark the text with --start and --end"
        )
    return ImportedText(text, fmt, data, encoding=used, start=start, end=end)


def read_bytes(path: Path) -> bytes:
    """Read a file's bytes, with one-line errors for a folder or a missing file."""
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a text file")
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read the file ({e.strerror})") from None


def normalize_newlines(text: str) -> str:
    """Turn ``\\r\\n`` and ``\\r`` line endings into ``\\n``."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


# ---------------------------------------------------------------------------- formats


_SAVE_AS = "save it as .docx, PDF or plain text first"
_OCR = "run OCR on it first, or give the text as a text, HTML, .docx or PDF file"
_MAGIC = (
    (
        b"\xd0\xcf\x11\xe0",
        f"an old Word .doc (or other Office 97–2003) file; {_SAVE_AS}",
    ),
    (b"{\\rtf", f"an RTF file; {_SAVE_AS}"),
    (b"\x89PNG", f"an image (PNG), not a text; {_OCR}"),
    (b"\xff\xd8\xff", f"an image (JPEG), not a text; {_OCR}"),
    (b"GIF8", f"an image (GIF), not a text; {_OCR}"),
)
_HTML_SNIFF = re.compile(
    rb"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]", re.IGNORECASE
)


def detect_format(
    data: bytes,
    name: str | None = None,
    content_type: str | None = None,
    where: str = "input",
) -> str:
    """Tell the format of a file from its first bytes, then its name or content type."""
    suffix = Path(name).suffix.lower() if name else ""
    mime = (content_type or "").split(";")[0].strip().lower()
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        if _is_docx(data):
            return "docx"
        raise FormatError(
            f"{where}: a ZIP archive, not a Word .docx file; unpack it and give the"
            " file inside"
        )
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise FormatError(f"{where}: {what}")
    if suffix == ".pdf" or mime == "application/pdf":
        raise FormatError(f"{where}: not a PDF file (no %PDF header); check the file")
    if suffix == ".docx":
        raise FormatError(f"{where}: not a Word .docx file (no ZIP header)")
    if suffix in HTML_SUFFIXES or mime in HTML_TYPES:
        return "html"
    if suffix in (".txt", ".text") or mime == "text/plain":
        return "text"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return "html" if _HTML_SNIFF.search(head) else "text"


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


# ---------------------------------------------------------------------------- text


def charset_of(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a ``Content-Type`` header, if it has one."""
    match = re.search(
        r"charset\s*=\s*[\"']?([\w.:-]+)", content_type or "", re.IGNORECASE
    )
    return match.group(1) if match else None


def codec_name(encoding: str) -> str:
    """Python's name of an encoding, widened to its superset (gbk → gb18030)."""
    name = codecs.lookup(encoding).name.replace("-", "_")
    name = {"utf_8": "utf-8", "utf_8_sig": "utf-8-sig"}.get(name, name)
    return SUPERSETS.get(name, name)


def decode_text(
    data: bytes,
    encoding: str | None = None,
    where: str = "input",
    declared: str | None = None,
) -> tuple[str, str]:
    """Decode text bytes strictly and return ``(text, encoding)``.

    A byte-order mark decides first; then ``encoding`` if given (an error if the bytes are
    not in it), UTF-8, the ``declared`` charset of a web page, and charset-normalizer's
    detection, preferring a Chinese encoding among equally good readings.
    """
    if encoding:
        return _decode_given(data, encoding, where)
    for bom, name in BOMS:
        if data.startswith(bom):
            return _decode_strict(data, name, where), name.removesuffix("-sig")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError(
            f"{where}: binary file (NUL byte at offset {nul}); give a text, HTML,"
            " Word (.docx) or PDF file"
        )
    candidates = ["utf-8"]
    if declared:
        try:
            candidates.append(codec_name(declared))
        except LookupError:
            pass
    for name in candidates:
        try:
            return data.decode(name), name
        except UnicodeDecodeError:
            continue
    name = detect_encoding(data)
    if name is None:
        raise InputError(
            f"{where}: cannot tell the encoding of the text (it is not UTF-8,"
            " GB18030 or Big5); give it with --encoding"
        )
    return _decode_strict(data, name, where), name


def _decode_given(data: bytes, encoding: str, where: str) -> tuple[str, str]:
    try:
        name = codec_name(encoding)
    except LookupError:
        raise InputError(
            f"unknown encoding {encoding!r}; use utf-8, gb18030 or big5, or leave"
            " --encoding out to detect it"
        ) from None
    if name == "utf-8" and data.startswith(codecs.BOM_UTF8):
        name = "utf-8-sig"
    text = _decode_strict(
        data,
        name,
        where,
        hint="check --encoding, or leave it out to detect it",
        shown=encoding,
    )
    return text, name.removesuffix("-sig")


def _decode_strict(
    data: bytes, name: str, where: str, hint: str = "", shown: str = ""
) -> str:
    try:
        return data.decode(name)
    except UnicodeDecodeError as e:
        shown = (shown or name.removesuffix("-sig")).upper().replace("_", "-")
        hint = hint or "give the encoding with --encoding"
        raise InputError(
            f"{where}: not {shown} text (byte 0x{data[e.start]:02x} at offset"
            f" {e.start}); {hint}"
        ) from None


def detect_encoding(data: bytes) -> str | None:
    """Guess the encoding of non-UTF-8 text, or return None.

    GB18030 and Big5 are tried first: the reading in which (after conversion to Simplified)
    nearly every character is one of the 6,763 common characters of GB2312 wins, since a
    Chinese text read in the wrong one of the two turns into rare characters. Any other
    encoding is not guessed (None): it must be named.
    """
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    guesses = [_widen(m.encoding) for m in matches]
    scored = []
    for name in dict.fromkeys(["gb18030", "big5hkscs", "cp950", *guesses]):
        if name not in CHINESE_ENCODINGS:
            continue
        try:
            text = data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        scored.append((chinese_share(text), -len(scored), name))
    if scored and max(scored)[0] >= CHINESE_SHARE:
        return max(scored)[2]
    # Not a Chinese text in GB18030 or Big5. Other guesses (Shift-JIS, Latin-1, cp1250 …)
    # are too often wrong to store unasked: the user gives the encoding with --encoding.
    return None


def chinese_share(text: str, sample: int = 20000) -> float:
    """The share of a text's non-ASCII characters that are common Chinese characters or
    punctuation (in GB2312, once converted to Simplified)."""
    chars = "".join(c for c in text if ord(c) > 0x7F and not c.isspace())[:sample]
    if not chars:
        return 0.0
    simplified = each_to_simplified(chars)
    return sum(map(_in_gb2312, simplified)) / len(simplified)


@functools.lru_cache(maxsize=65536)
def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _widen(encoding: str) -> str:
    try:
        return codec_name(encoding)
    except LookupError:
        return encoding


# ---------------------------------------------------------------------------- cutting


def cut(
    text: str,
    start: str | None = None,
    end: str | None = None,
    *,
    where: str = "text",
    bounds: tuple[int, int] | None = None,
) -> str:
    """Cut the policy out of a longer text by its start and end markers, both kept.

    The text begins at the first line that starts with ``start`` and ends with the first
    ``end`` after that. Markers match ignoring
    whitespace, character width and Traditional/Simplified differences.

    :param bounds: where the text begins and ends when a marker is not given (for a web
        page, the main text trafilatura found); the whole text by default.
    """
    begin, finish = bounds or (0, len(text))
    if start:
        begin = _find_start(text, start, where, (begin, finish))
    if end:
        finish = _find_end(text, end, begin, where)
    elif finish <= begin:
        finish = len(text)
    return text[begin:finish].strip("\n") + "\n"


def _fold(text: str) -> str:
    """Fold text for marker matching, one character for one character."""
    chars = []
    for char in text:
        folded = unicodedata.normalize("NFKC", char)
        folded = folded if len(folded) == 1 else char
        lower = folded.lower()
        chars.append(lower if len(lower) == 1 else folded)
    folded = "".join(chars)
    simplified = each_to_simplified(folded)
    return simplified if len(simplified) == len(folded) else folded


def marker_spans(text: str, marker: str) -> Iterator[tuple[int, int]]:
    """Every place ``marker`` occurs in ``text``, as (start, end) offsets into ``text``."""
    positions = [k for k, char in enumerate(text) if not char.isspace()]
    key = _fold("".join(text[k] for k in positions))
    wanted = _fold("".join(marker.split()))
    if not wanted:
        return
    found = key.find(wanted)
    while found >= 0:
        yield positions[found], positions[found + len(wanted) - 1] + 1
        found = key.find(wanted, found + 1)


def _at_line_start(text: str, offset: int) -> bool:
    line_start = text.rfind("\n", 0, offset) + 1
    return not text[line_start:offset].strip()


def _find_start(text: str, start: str, where: str, bounds: tuple[int, int]) -> int:
    spans = [a for a, _ in marker_spans(text, start) if _at_line_start(text, a)]
    if spans:
        inside = [a for a in spans if bounds[0] <= a < bounds[1]]
        return (inside or spans)[0]
    if any(True for _ in marker_spans(text, start)):
        problem = "no line starts with it (it occurs only inside a line)"
    else:
        preview = " ".join(text.split())[:40]
        problem = f"it is not in the text, which begins {preview!r}"
    raise MarkerError(
        f"{where}: the start marker {start!r} does not start a line: {problem};"
        " check --start",
        "start",
    )


def _find_end(text: str, end: str, begin: int, where: str) -> int:
    for a, b in marker_spans(text, end):
        if a >= begin:
            return b
    raise MarkerError(
        f"{where}: the end marker {end!r} is not in the text after the start;"
        " check --end",
        "end",
    )


def has_prose(text: str) -> bool:
    """Whether a text holds at least one sentence, not only links and menu items."""
    if len("".join(text.split())) < 20:
        return False
    return bool(re.search(r"[。！？；]|[a-z][.!?;](\s|$)", text))


# ---------------------------------------------------------------------------- HTML


_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_META_CHARSET = re.compile(
    rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE
)
_SPACES = re.compile(r"[ \t\n\r\f]+")
NO_MAIN_TEXT = (0, 0)
BLOCK_TAGS = frozenset(
    {
        *("address", "article", "aside", "blockquote", "caption", "center", "dd"),
        *("details", "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure"),
        *("footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li"),
        *("main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody"),
        *("tfoot", "thead", "tr", "ul"),
    }
)
CELL_TAGS = frozenset({"td", "th"})
DROPPED_TAGS = ("script", "style", "noscript", "template", "head", "iframe", "object")


def html_text(
    data: bytes,
    where: str = "input",
    encoding: str | None = None,
    charset: str | None = None,
) -> tuple[str, str, tuple[int, int] | None]:
    """Decode a web page; return its visible text, the encoding and the main text's bounds.

    The bounds are the offsets in the text where trafilatura's main text begins and ends:
    :data:`NO_MAIN_TEXT` when it finds none, and ``None`` when its lines cannot be found in
    the page, in which case the text returned is trafilatura's.
    """
    declared = charset or _meta_charset(data)
    page, used = decode_text(data, encoding, where, declared=declared)
    page = _CONTROL_CHARS.sub("", page)  # not allowed in HTML; the parsers refuse them
    lines = page_lines(page)
    text = "\n".join(lines) + "\n"
    main = main_lines(page)
    span = _locate(main, lines)
    if span is None:
        if not main:
            return text, used, NO_MAIN_TEXT
        return "\n".join(main) + "\n", used, None
    first, last = span
    begin = sum(len(line) + 1 for line in lines[:first])
    finish = sum(len(line) + 1 for line in lines[: last + 1]) - 1
    return text, used, (begin, finish)


def _meta_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:8192])
    return match.group(1).decode("ascii", "replace") if match else None


def page_lines(page: str) -> list[str]:
    """Every visible line of a web page, in reading order: block elements and ``<br>``
    end lines, table cells are joined by a space, scripts and styles are dropped."""
    from lxml import etree
    from lxml import html as lxml_html

    page = _XML_DECLARATION.sub("", page, count=1)
    try:
        root = lxml_html.document_fromstring(page)
    except (etree.ParserError, ValueError):
        return [line.strip() for line in page.splitlines() if line.strip()]
    for element in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        element.drop_tree()
    for element in root.xpath("|".join(f"//{tag}" for tag in DROPPED_TAGS)):
        element.drop_tree()
    parts: list[str] = []
    in_pre = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if event == "start":
            in_pre += tag == "pre"
            parts.append("\n" if tag in BLOCK_TAGS or tag == "br" else "")
            parts.append(" " if tag in CELL_TAGS else "")
            parts.append(_html_text_run(element.text, in_pre))
        else:
            in_pre -= tag == "pre"
            parts.append("\n" if tag in BLOCK_TAGS else "")
            parts.append(_html_text_run(element.tail, in_pre))
    text = "".join(parts)
    return [line.strip() for line in text.split("\n") if line.strip()]


def _html_text_run(text: str | None, in_pre: int) -> str:
    if not text:
        return ""
    return text if in_pre else _SPACES.sub(" ", text)


def main_lines(page: str) -> list[str]:
    """The lines of the page's main text as trafilatura finds it (none if it finds none)."""
    import trafilatura

    main = trafilatura.extract(
        page, include_comments=False, include_tables=True, deduplicate=False
    )
    return [line.strip() for line in (main or "").splitlines() if line.strip()]


def _key(line: str) -> str:
    return "".join(line.split())


def _locate(main: Sequence[str], lines: Sequence[str]) -> tuple[int, int] | None:
    """Find trafilatura's main lines in the page's lines, in order: return the indexes of
    the first and last page line they cover, or None if too few of them are there.

    A main line is looked for as a whole line first, then inside a longer one (where
    trafilatura split a line the page has whole).
    """
    keys = [_key(line) for line in lines]
    first = last = None
    found = position = 0
    for line in main:
        wanted = _key(line)
        k = _find_line(keys, wanted, position) if wanted else None
        if k is None:
            continue
        first = k if first is None else first
        last = position = k
        found += 1
    if first is None or found * 2 < len(main):
        return None
    return first, last


def _find_line(keys: Sequence[str], wanted: str, position: int) -> int | None:
    for match in (str.__eq__, str.__contains__):
        for k in range(position, len(keys)):
            if match(keys[k], wanted):
                return k
    return None


# ---------------------------------------------------------------------------- Word


def docx_text(data: bytes, where: str = "input") -> str:
    """The paragraphs and table rows of a Word .docx body, one a line, in reading order.

    Page headers and footers, footnotes and text boxes are not part of the body and are
    left out; so are the numbers of Word's automatic lists.
    """
    import docx
    from docx.opc.exceptions import OpcError
    from docx.table import Table
    from lxml.etree import LxmlError

    try:
        document = docx.Document(io.BytesIO(data))
    except (OpcError, LxmlError, KeyError, ValueError, zipfile.BadZipFile) as e:
        raise FormatError(
            f"{where}: not a readable Word .docx file ({type(e).__name__}); open it in"
            " Word and save it again"
        ) from None
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines.extend(_table_lines(block))
        else:
            lines.extend(block.text.split("\n"))
    return "".join(line.strip() + "\n" for line in lines if line.strip())


def _table_lines(table) -> list[str]:
    lines = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if text and (not cells or cells[-1] != text):  # a merged cell repeats
                cells.append(text)
        if cells:
            lines.append(" ".join(cells))
    return lines


# ---------------------------------------------------------------------------- PDF


PAGE_NUMBER = re.compile(
    r"^[\s\-—–－·•]*(?:第\s*)?\d{1,4}\s*页?"
    r"(?:\s*[/／]\s*\d{1,4}|\s*共\s*\d{1,4}\s*页)?[\s\-—–－·•]*$"
    r"|^(?:page|p\.)\s*\d{1,4}(?:\s*of\s*\d{1,4})?$",
    re.IGNORECASE,
)
_CJK = (
    "\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef“”‘’"
)
_CJK_GAP = re.compile(f"(?<=[{_CJK}])[ \t\u00a0]+(?=[{_CJK}])")
_CJK_CHAR = re.compile(f"[{_CJK}]")
_CJK_SIDE_GAP = re.compile(f"(?<=[{_CJK}])[ \t\u00a0]+|[ \t\u00a0]+(?=[{_CJK}])")
_COMPAT_IDEOGRAPHS = re.compile("[\u2e80-\u2fdf\uf900-\ufaff]")
RUNNING_LINES = 1  # lines at the top and at the bottom of a page that may be running
PAGE_NUMBER_LINES = 2  # lines at the top and at the bottom that may be a page number
SHORT_LINE = 0.6  # a line shorter than this share of a full line ends its paragraph
LETTER_SPACED = 3  # spaces between Chinese characters in a line that mean layout


def pdf_text(data: bytes, where: str = "input") -> str:
    """The text layer of a PDF, with hard line breaks repaired; see :func:`repair_pages`."""
    pages = pdf_pages(data, where)
    if not any(line.strip() for page in pages for line in page):
        raise FormatError(
            f"{where}: the PDF has no text layer (a scan?); run OCR on it, or give"
            " the text in another format"
        )
    return repair_pages(pages)


def pdf_pages(data: bytes, where: str = "input") -> list[list[str]]:
    """The lines of each page of a PDF, as pypdf lays them out (indentation kept)."""
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    # What pypdf raises for damaged or unusual files, besides its own errors.
    damaged = (PyPdfError, ValueError, KeyError, TypeError, IndexError, AttributeError)
    damaged += (AssertionError, OSError, zlib.error, struct.error, RecursionError)
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise FormatError(
                f"{where}: the PDF is encrypted; give a copy without a password"
            )
        pages = []
        for page in reader.pages:
            try:
                text = page.extract_text(
                    extraction_mode="layout", layout_mode_space_vertically=False
                )
            except damaged:  # layout mode gives up on some pages; plain mode won't
                text = page.extract_text()
            pages.append(normalize_newlines(text or "").split("\n"))
    except FormatError:
        raise
    except damaged as e:
        raise FormatError(
            f"{where}: not a readable PDF ({type(e).__name__}: {e}); check the file"
        ) from None
    return pages


@dataclass
class _PdfLine:
    text: str
    indent: int  # leading spaces beyond the page's left margin


def repair_pages(pages: Sequence[Sequence[str]]) -> str:
    """Join the lines of a PDF's pages into paragraphs, one a line.

    Running headers and footers (lines that repeat at the top or bottom of most pages,
    page numbers aside) and page numbers are dropped. A line break is a hard wrap, and
    is removed, when the next line does not start with a heading number (一、 （一）
    第X条 …) and either the document indents its paragraphs and the next line is not
    indented, or, when it does not indent them, the line is full (so a paragraph that
    ends at the very end of a line is joined to the next one).
    """
    lines = _body_lines(pages)
    if not lines:
        return ""
    full = _full_length(lines)
    indents = _uses_indentation(lines, full)
    paragraphs: list[str] = [lines[0].text]
    for previous, line in itertools.pairwise(lines):
        if _continues(previous, line, full, indents):
            paragraphs[-1] = _join(paragraphs[-1], line.text)
        else:
            paragraphs.append(line.text)
    return "".join(p + "\n" for p in paragraphs)


def _running_key(line: str) -> str:
    return re.sub(r"\d+", "#", "".join(line.split()))


def _edges(page: Sequence[str], n: int = RUNNING_LINES) -> set[int]:
    """The indexes of the first and last ``n`` lines of a page that are not blank."""
    filled = [k for k, line in enumerate(page) if line.strip()]
    return set(filled[:n] + filled[-n:])


def _body_lines(pages: Sequence[Sequence[str]]) -> list[_PdfLine]:
    """Every page's lines without running headers, footers and page numbers."""
    counts: Counter[str] = Counter()
    for page in pages:
        counts.update({_running_key(page[k]) for k in _edges(page)})
    repeated = max(2, math.ceil(len(pages) / 2))
    body: list[_PdfLine] = []
    for page in pages:
        running = {
            k
            for k in _edges(page)
            if len(pages) > 1 and counts[_running_key(page[k])] >= repeated
        }
        numbers = {
            k
            for k in _edges(page, PAGE_NUMBER_LINES)
            if PAGE_NUMBER.match(page[k].strip())
        }
        kept = [
            line
            for k, line in enumerate(page)
            if line.strip() and k not in running | numbers
        ]
        margin = min((len(line) - len(line.lstrip()) for line in kept), default=0)
        body += [
            _PdfLine(_clean_pdf_line(line), len(line) - len(line.lstrip()) - margin)
            for line in kept
        ]
    return [line for line in body if line.text]


def _clean_pdf_line(line: str) -> str:
    """Fold radicals read as ideographs; drop the spaces of letter-spaced Chinese (three
    gaps or more in a line: one space, as after 第一条, is kept)."""
    line = _COMPAT_IDEOGRAPHS.sub(
        lambda m: _single(unicodedata.normalize("NFKC", m.group()), m.group()), line
    )
    line = line.strip()
    if len(_CJK_GAP.findall(line)) >= LETTER_SPACED:
        line = _CJK_SIDE_GAP.sub("", line)
    return re.sub(r"[ \t\u00a0]{2,}", " ", line)


def _single(folded: str, char: str) -> str:
    return folded if len(folded) == 1 else char


def _full_length(lines: Sequence[_PdfLine]) -> int:
    """The length of a full line: the 80th percentile of line lengths (most lines of a
    text are full)."""
    lengths = sorted(len(line.text) for line in lines)
    return lengths[min(len(lengths) - 1, int(len(lengths) * 0.8))]


def _is_full(line: _PdfLine, full: int) -> bool:
    """Whether a line reaches the right margin: within one character in Chinese text
    (a line can lose one to a comma that may not start the next), within 15% in Latin.
    """
    chinese = len(_CJK_CHAR.findall(line.text)) * 2 >= len(line.text)
    return len(line.text) >= full - (1 if chinese else round(full * 0.15))


def _uses_indentation(lines: Sequence[_PdfLine], full: int) -> bool:
    """Whether paragraphs begin indented: after a short line (the end of a paragraph),
    the next line is indented at least half the time."""
    after_short = [
        b.indent > 0
        for a, b in itertools.pairwise(lines)
        if (a.indent == 0 and not _is_full(a, full)) or len(a.text) < full * SHORT_LINE
    ]
    return len(after_short) >= 2 and sum(after_short) * 2 >= len(after_short)


def _starts_heading(text: str) -> bool:
    from .segment import ARTICLE, CROSS_REFERENCE_TAIL, LAW_HEADING, PLAN_MARKERS

    article = ARTICLE.match(text)
    if article:
        return not CROSS_REFERENCE_TAIL.match(text[article.end() :])
    return bool(
        LAW_HEADING.match(text)
        or any(pattern.match(text) for _, pattern in PLAN_MARKERS)
    )


def _continues(previous: _PdfLine, line: _PdfLine, full: int, indents: bool) -> bool:
    if _starts_heading(line.text):
        return False
    if indents:
        return line.indent == 0 and len(previous.text) >= full * SHORT_LINE
    # Without indents, an indented line is centred or set right: a title, a signature.
    # A full line that ends a sentence may end its paragraph too; far more often the
    # sentence ended where the line was wrapped, so it is joined.
    return previous.indent == line.indent == 0 and _is_full(previous, full)


def _join(text: str, more: str) -> str:
    """Join a wrapped line to its paragraph: directly in Chinese text (even inside a number
    or a Latin word, which Chinese typesetting may wrap anywhere), with a space in Latin.
    """
    latin = re.search(r"[A-Za-z0-9,;:)]$", text) and re.match(r"[A-Za-z0-9(]", more)
    if latin and len(_CJK_CHAR.findall(text)) * 3 < len(text):
        return f"{text} {more}"
    return text + more

"""Importing texts: encodings, web pages, Word, PDF, start/end markers, and nothing lost.

The fixtures are made here from the bundled 2019 plan (see formats.py): each copy must come
back as the same clauses as the UTF-8 original, and align with it as unchanged.
"""

import codecs
import dataclasses
import hashlib
import io
import shutil
from pathlib import Path

import pytest
from formats import (
    APPROVAL,
    FOOTER,
    LAST_SENTENCE,
    NAVIGATION,
    PLAN,
    PLAN_LINES,
    START,
    TITLE,
    docx_bytes,
    gov_page,
    navigation_page,
    pdf_bytes,
    traditional,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policydiff import corpus as corpus_module
from policydiff.compare import compare, compare_texts
from policydiff.corpus import (
    add_version,
    check_document,
    load_document,
    read_version,
    sha256_file,
)
from policydiff.errors import (
    ChecksumError,
    FormatError,
    InputError,
    ManifestError,
    PolicydiffError,
)
from policydiff.importers import (
    cut,
    decode_text,
    detect_format,
    import_bytes,
    import_file,
    repair_pages,
)
from policydiff.segment import segment

BUNDLED = Path(__file__).resolve().parents[1] / "versions"
BEIJING = "beijing-services-pilot"


def clauses(text: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """The clauses of a text as a reader sees them: label, text and headings."""
    return [(c.label, c.text, c.path) for c in segment(text, "2019").clauses]


ORIGINAL_CLAUSES = clauses(PLAN)


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def corpus(tmp_path, monkeypatch):
    """A copy of the bundled corpus at ``versions/`` in the working folder."""
    shutil.copytree(BUNDLED, tmp_path / "versions")
    monkeypatch.chdir(tmp_path)
    return Path("versions")


# ---------------------------------------------------------------------------- formats

ENCODED = {
    "utf-8": PLAN.encode("utf-8"),
    "utf-8 with a BOM and CRLF": codecs.BOM_UTF8
    + PLAN.replace("\n", "\r\n").encode("utf-8"),
    "gb18030": PLAN.encode("gb18030"),
    "gbk": PLAN.encode("gbk"),
    "utf-16 with a BOM": PLAN.encode("utf-16"),
}


@pytest.mark.parametrize("name", ENCODED)
def test_text_in_any_encoding_gives_the_same_clauses(name):
    imported = import_bytes(ENCODED[name], name="plan.txt")
    assert imported.text == PLAN
    assert clauses(imported.text) == ORIGINAL_CLAUSES
    assert imported.keeps_original == (name != "utf-8")
    assert imported.original == ENCODED[name]


def test_gb18030_detected_and_given():
    data = PLAN.encode("gb18030")
    assert decode_text(data) == (PLAN, "gb18030")
    assert decode_text(data, "gbk") == (PLAN, "gb18030")  # read as the superset
    assert decode_text(data, "GB2312") == (PLAN, "gb18030")
    short = "第一条　为保证食品安全，制定本法。\n"
    assert decode_text(short.encode("gb18030")) == (short, "gb18030")


def test_big5_traditional_is_stored_as_published():
    published = traditional()  # synthetic: OpenCC s2t, 爲 written 為 as in Big5
    data = published.encode("big5hkscs")
    imported = import_bytes(data, name="plan-big5.txt")
    assert imported.encoding == "big5hkscs"
    assert imported.text == published
    assert "綜合試點" in imported.text and "综合试点" not in imported.text
    assert [c[0] for c in clauses(imported.text)][:3] != [
        c[0] for c in ORIGINAL_CLAUSES
    ][:3]
    assert len(clauses(imported.text)) == len(ORIGINAL_CLAUSES)
    short = "第一條　為保證食品安全，制定本法。\n"
    assert decode_text(short.encode("big5")) == (short, "big5hkscs")


def test_the_wrong_encoding_given_is_one_clear_error():
    with pytest.raises(InputError) as e:
        decode_text(PLAN.encode("gb18030"), "utf-8", where="plan.txt")
    assert str(e.value) == (
        "plan.txt: not UTF-8 text (byte 0xb1 at offset 1); check --encoding, or leave"
        " it out to detect it"
    )
    with pytest.raises(InputError) as e:
        decode_text(b"abc", "klingon", where="plan.txt")
    assert str(e.value) == (
        "unknown encoding 'klingon'; use utf-8, gb18030 or big5, or leave --encoding"
        " out to detect it"
    )


def test_web_page_with_the_approval_letter_before_the_plan():
    page = gov_page().encode("utf-8")
    imported = import_bytes(page, name="content_5367824.htm", start=START)
    assert imported.format == "html"
    assert imported.text == "\n".join(PLAN_LINES) + "\n"
    assert clauses(imported.text) == ORIGINAL_CLAUSES
    assert (imported.start, imported.encoding) == (START, "utf-8")

    # Without markers: the letter and the plan, and nothing of the page around them.
    whole = import_bytes(page, name="content_5367824.htm").text
    assert APPROVAL[2] in whole and PLAN_LINES[-1] in whole
    assert TITLE in whole  # trafilatura leaves the title out; the page's lines keep it
    lines = whole.splitlines()
    assert lines[0] == APPROVAL[1]
    assert not set(NAVIGATION) - {"国务院"} & set(lines)
    for boilerplate in ["您现在的位置", "搜索", "发文字号", "相关稿件", *FOOTER]:
        assert boilerplate not in whole
    assert "统计代码" not in whole

    # The plan's title as the start marker, its last sentence as the end marker.
    titled = import_bytes(page, name="page.html", start=TITLE, end=LAST_SENTENCE).text
    assert titled == TITLE + "\n" + imported.text


def test_web_page_in_big5_declared_in_a_meta_tag():
    lines = [traditional(line) for line in PLAN_LINES]
    page = traditional(gov_page(charset="big5")).encode("big5hkscs")
    imported = import_bytes(page, name="page.html", start=START)  # a Simplified marker
    assert imported.encoding == "big5hkscs"
    assert imported.text == "\n".join(lines) + "\n"
    comparison = compare_texts(PLAN, imported.text, "2019", "big5")
    assert {c.type for c in comparison.changes} == {"unchanged"}


def test_page_without_policy_text():
    with pytest.raises(FormatError) as e:
        import_bytes(navigation_page().encode(), name="index.html")
    assert str(e.value) == (
        "index.html: no policy text in the page (only links, menus or short lines);"
        " check the URL, or mark the text with --start and --end"
    )


def test_word_file():
    data = docx_bytes()
    imported = import_bytes(data, name="plan.docx", start=START)
    assert imported.format == "docx"
    assert clauses(imported.text) == ORIGINAL_CLAUSES
    whole = import_bytes(data, name="plan.docx").text
    assert whole.startswith(APPROVAL[0] + "\n")
    assert "国务院公报" not in whole and "— 1 —" not in whole  # header and footer


@pytest.mark.parametrize("chars_per_line", [20, 27, 34, 50])
def test_pdf_with_indented_paragraphs(chars_per_line):
    data = pdf_bytes(chars_per_line=chars_per_line)
    imported = import_bytes(data, name="plan.pdf", start=START)
    assert imported.format == "pdf"
    assert clauses(imported.text) == ORIGINAL_CLAUSES
    assert imported.text == "\n".join(PLAN_LINES) + "\n"
    whole = import_bytes(data, name="plan.pdf").text
    assert whole.startswith(TITLE + "\n" + START)
    assert "国务院公报" not in whole
    assert not [line for line in whole.splitlines() if line.startswith("—")]


def test_pdf_without_indents_keeps_every_character():
    # Without indents a paragraph that ends at the very end of a line cannot be told
    # from a wrapped one; the text is all there, and most paragraphs come out right.
    imported = import_bytes(pdf_bytes(indent=False), name="plan.pdf", start=START)
    assert "".join(imported.text.split()) == "".join(PLAN.split())
    lines = imported.text.splitlines()
    assert sum(line in PLAN_LINES for line in lines) >= len(PLAN_LINES) * 0.85


def test_pdf_without_text_layer():
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.rect(100, 100, 200, 200, fill=1)  # a scan is an image; this is as textless
    page.save()
    with pytest.raises(FormatError) as e:
        import_bytes(out.getvalue(), name="scan.pdf")
    assert str(e.value) == (
        "scan.pdf: the PDF has no text layer (a scan?); run OCR on it, or give the"
        " text in another format"
    )


# ---------------------------------------------------------------------------- aligning


def test_every_copy_aligns_with_the_bundled_text_as_unchanged(corpus, tmp_path):
    copies = {
        "gb18030.txt": PLAN.encode("gb18030"),
        "bom-crlf.txt": ENCODED["utf-8 with a BOM and CRLF"],
        "big5.txt": traditional().encode("big5hkscs"),
        "page.html": gov_page().encode("utf-8"),
        "plan.docx": docx_bytes(),
        "plan.pdf": pdf_bytes(),
    }
    for k, (name, data) in enumerate(copies.items()):
        path = tmp_path / name
        path.write_bytes(data)
        add_version(BEIJING, path, f"2019.{k}", corpus=corpus, start=START)
    document = load_document(BEIJING, corpus=corpus)
    assert check_document(document) == check_document(
        load_document(BEIJING, corpus=BUNDLED)
    )
    for k, name in enumerate(copies):
        comparison = compare(document, "2019", f"2019.{k}")
        types = [change.type for change in comparison.changes]
        assert types == ["unchanged"] * len(ORIGINAL_CLAUSES), name
        for change in comparison.changes:
            (old,), (new,) = change.old, change.new
            assert old.label == new.label or name == "big5.txt"


def test_taiwan_standard_copy_aligns_as_unchanged():
    # OpenCC s2tw writes 着 as 著 (着力 → 著力), as the real Big5 mirror page does.
    published = traditional(config="s2tw").encode("big5hkscs")
    imported = import_bytes(published, name="plan-big5.txt")
    comparison = compare_texts(PLAN, imported.text, "2019", "tw")
    assert {c.type for c in comparison.changes} == {"unchanged"}


# ---------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    "data,name,content_type,expected",
    [
        (b"%PDF-1.7\n", "x.bin", None, "pdf"),
        (b"<!DOCTYPE html><p>x", "x.txt", "text/html", "html"),
        (b"<html><body>x", None, None, "html"),
        (b"   <!doctype HTML>", "content.jsp", None, "html"),
        (b"\xef\xbb\xbf<html>", None, None, "html"),
        (b"plain <b>text</b>", "x.txt", None, "text"),
        (b"plain", "page.shtml", None, "html"),
        (b"plain", None, "text/plain; charset=gbk", "text"),
        (b"plain", None, None, "text"),
    ],
)
def test_detect_format(data, name, content_type, expected):
    assert detect_format(data, name, content_type) == expected


@pytest.mark.parametrize(
    "data,name,message",
    [
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1",
            "plan.doc",
            (
                "plan.doc: an old Word .doc (or other Office 97–2003) file; save it as"
                " .docx, PDF or plain text first"
            ),
        ),
        (
            b"PK\x03\x04rest",
            "plan.zip",
            (
                "plan.zip: a ZIP archive, not a Word .docx file; unpack it and give the"
                " file inside"
            ),
        ),
        (b"\x89PNG\r\n", "scan.png", "scan.png: an image (PNG), not a text; run OCR"),
        (b"plain", "plan.pdf", "plan.pdf: not a PDF file (no %PDF header); check"),
        (b"plain", "plan.docx", "plan.docx: not a Word .docx file (no ZIP header)"),
        (b"%PDF-1.4\nbroken", "plan.pdf", "plan.pdf: not a readable PDF"),
        (
            b"text \x00\x01 bytes",
            "data.txt",
            (
                "data.txt: binary file (NUL byte at offset 5); give a text, HTML, Word"
                " (.docx) or PDF file"
            ),
        ),
    ],
)
def test_formats_that_cannot_be_imported(data, name, message):
    with pytest.raises(InputError) as e:
        import_bytes(data, name=name)
    assert str(e.value).startswith(message)
    assert "\n" not in str(e.value)


def test_damaged_word_file():
    good = docx_bytes()
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(out, "w") as zip_:
        for item in source.infolist():
            data = source.read(item)
            zip_.writestr(
                item, data[:100] if item.filename.endswith("document.xml") else data
            )
    with pytest.raises(FormatError) as e:
        import_bytes(out.getvalue(), name="plan.docx")
    assert str(e.value).startswith("plan.docx: not a readable Word .docx file (")


# ---------------------------------------------------------------------------- markers


def test_markers_ignore_spaces_width_and_script():
    text = "批复……\n  北京市服务业 扩大开放（试点）方案\n一、總體要求\n内容。\n附件：表格\n"
    assert cut(text, "北京市服务业扩大开放(试点)方案") == (
        "北京市服务业 扩大开放（试点）方案\n一、總體要求\n内容。\n附件：表格\n"
    )
    assert cut(text, "一、总体要求", "内容。") == "一、總體要求\n内容。\n"


def test_start_marker_must_start_a_line():
    text = "原则同意《北京市服务业扩大开放综合试点总体方案》。\n北京市服务业扩大开放综合试点总体方案\n正文。\n"
    assert cut(text, "北京市服务业扩大开放综合试点总体方案").startswith("北京市")
    with pytest.raises(FormatError) as e:
        cut("原则同意《方案》。\n", "方案", where="page.html")
    assert str(e.value) == (
        "page.html: the start marker '方案' does not start a line: no line starts"
        " with it (it occurs only inside a line); check --start"
    )
    with pytest.raises(FormatError) as e:
        cut("原则同意。\n", "方案", where="page.html")
    assert str(e.value) == (
        "page.html: the start marker '方案' does not start a line: it is not in the"
        " text, which begins '原则同意。'; check --start"
    )
    with pytest.raises(FormatError) as e:
        cut("方案\n正文。\n", "方案", "结束", where="page.html")
    assert str(e.value) == (
        "page.html: the end marker '结束' is not in the text after the start;"
        " check --end"
    )


# ---------------------------------------------------------------------------- PDF lines


def page_of(*body: str, number: str) -> list[str]:
    """A page of a gazette: a running header, body lines and a page number."""
    return ["国务院公报 2019年第7号", "", *body, "", number]


def paragraph(n: int, lines: int = 3) -> list[str]:
    """A paragraph wrapped at 20 characters, its first line indented two."""
    text = f"第{n}段正文" + f"这是第{n}段很长的文字，写满一行又一行，" * lines
    text = text[: 18 + 20 * (lines - 1) + 7] + "。"
    wrapped = ["  " + text[:18]] + [text[k : k + 20] for k in range(18, len(text), 20)]
    return wrapped


def test_repair_pages_drops_running_lines_and_page_numbers():
    paragraphs = [paragraph(n) for n in range(1, 7)]
    lines = [line for p in paragraphs for line in p]
    pages = [
        page_of(*lines[:7], number="- 1 -"),
        page_of(*lines[7:14], number="第 2 页"),
        page_of(*lines[14:], number="3"),
    ]
    expected = ["".join(line.strip() for line in p) for p in paragraphs]
    assert repair_pages(pages) == "\n".join(expected) + "\n"


def test_repair_pages_keeps_headings_and_labels():
    pages = [
        [
            "第一条 这是一条很长的条文，一直写到这一行的最末尾为止而且",
            "第二条规定的情形除外。",
            "第二条 另一条，也是很长的条文，一直写到这一行的最末尾，",
            "第三条 又一条，也是很长的条文，一直写到这一行的最末尾，",
            "而且写到了下一行。",
        ]
    ]
    assert repair_pages(pages) == (
        "第一条 这是一条很长的条文，一直写到这一行的最末尾为止而且第二条规定的情形除外。\n"
        "第二条 另一条，也是很长的条文，一直写到这一行的最末尾，\n"
        "第三条 又一条，也是很长的条文，一直写到这一行的最末尾，而且写到了下一行。\n"
    )
    spaced = [["索 引 号 ： 0 0 0 1 4 3 4 9 / 2 0 1 9 ，第 七 号"]]
    assert repair_pages(spaced) == "索引号：0 0 0 1 4 3 4 9 / 2 0 1 9，第七号\n"
    assert repair_pages([["第 1 页", "正文。", "", "- 1 -"]]) == "正文。\n"


def test_repair_pages_joins_latin_lines_with_a_space():
    english = [
        [
            "The quick brown fox jumps over the lazy dog and",
            "keeps running until the end of the line, where",
            "it stops.",
        ]
    ]
    assert repair_pages(english) == (
        "The quick brown fox jumps over the lazy dog and keeps running until the end"
        " of the line, where it stops.\n"
    )


# ---------------------------------------------------------------------------- corpus


def test_add_keeps_the_original_and_check_verifies_it(corpus, tmp_path):
    page = tmp_path / "page.html"
    page.write_bytes(gov_page().encode("utf-8"))
    info = add_version(
        BEIJING, page, "2020", corpus=corpus, start=START, end=LAST_SENTENCE
    )
    folder = corpus / BEIJING
    assert (info.file, info.original_file) == ("2020.txt", "2020.orig.html")
    assert (folder / "2020.orig.html").read_bytes() == page.read_bytes()
    assert info.original_sha256 == sha256_file(page)
    assert info.sha256 == sha256_file(folder / "2020.txt")
    assert (info.start, info.end, info.encoding) == (START, LAST_SENTENCE, "utf-8")
    document = load_document(BEIJING, corpus=corpus)
    assert [v.label for v in document.versions] == ["2015", "2017", "2019", "2020"]
    assert read_version(document, "2020").text == "\n".join(PLAN_LINES) + "\n"
    assert [p.label for p in check_document(document)] == ["2015", "2017"]

    original = folder / "2020.orig.html"
    original.write_bytes(
        original.read_bytes().replace("国务院".encode(), "国务".encode())
    )
    (problem,) = [p for p in check_document(document) if p.label == "2020"]
    assert problem.severity == "error"
    assert problem.message.startswith(f"{original}: sha256 is ")
    assert problem.message.endswith(
        "for the original of version 2020; restore it, or re-import the version with"
        " --replace"
    )
    original.unlink()
    (problem,) = [p for p in check_document(document) if p.label == "2020"]
    assert problem.message == (
        f"{original}: no such file, but {folder / 'manifest.toml'} lists it as the"
        " original of version 2020; restore it, or re-import the version with --replace"
    )


def test_replace_keeps_the_old_version_recoverable(corpus, tmp_path):
    folder = corpus / BEIJING
    gb = tmp_path / "plan.txt"
    gb.write_bytes(PLAN.encode("gb18030"))
    add_version(BEIJING, gb, "2020", corpus=corpus)
    before = snapshot(folder)
    page = tmp_path / "page.html"
    page.write_bytes(gov_page().encode("utf-8"))
    with pytest.raises(PolicydiffError):
        add_version(BEIJING, page, "2020", corpus=corpus, start=START)
    assert snapshot(folder) == before

    info = add_version(BEIJING, page, "2020", corpus=corpus, start=START, replace=True)
    assert info.original_file == "2020.orig.html"
    assert not (folder / "2020.orig.txt").exists()
    for name in ("2020.txt", "2020.orig.txt", "manifest.toml"):
        assert (folder / f"{name}.bak").read_bytes() == before[name]
    assert check_document(load_document(BEIJING, corpus=corpus))[-1].label == "2017"


@pytest.mark.parametrize("failing", ["orig.html", "txt", "manifest.toml"])
@pytest.mark.parametrize(
    "error", [OSError(28, "No space left on device"), KeyboardInterrupt()]
)
def test_an_interrupted_add_leaves_the_corpus_as_it_was(
    corpus, tmp_path, monkeypatch, failing, error
):
    page = tmp_path / "page.html"
    page.write_bytes(gov_page().encode("utf-8"))
    before = snapshot(corpus)
    write = corpus_module.atomic_write

    def failing_write(path, data):
        if path.name.endswith(failing):
            raise error
        write(path, data)

    monkeypatch.setattr(corpus_module, "atomic_write", failing_write)
    for label, replace in [("2020", False), ("2019", True)]:
        with pytest.raises(type(error)):
            add_version(
                BEIJING, page, label, corpus=corpus, start=START, replace=replace
            )
        assert snapshot(corpus) == before


def test_a_version_that_does_not_read_back_is_undone(corpus, tmp_path, monkeypatch):
    page = tmp_path / "page.html"
    page.write_bytes(gov_page().encode("utf-8"))
    before = snapshot(corpus)

    def corrupting_write(path, data, write=corpus_module.atomic_write):
        write(path, data.replace("总体要求".encode(), "总体安排".encode()))

    monkeypatch.setattr(corpus_module, "atomic_write", corrupting_write)
    with pytest.raises(ChecksumError):
        add_version(BEIJING, page, "2019", corpus=corpus, start=START, replace=True)
    monkeypatch.undo()
    assert snapshot(corpus) == before


def test_manifest_markers_are_used_and_named_when_missing(corpus, tmp_path):
    # The bundled manifest marks where the 2015 plan begins: at its title.
    page = tmp_path / "page.html"
    page.write_bytes(gov_page(title="北京市服务业扩大开放综合试点总体方案").encode())
    info = add_version(BEIJING, page, "2015", corpus=corpus)
    assert info.start == "北京市服务业扩大开放综合试点总体方案"
    text = read_version(load_document(BEIJING, corpus=corpus), "2015").text
    assert text.startswith("北京市服务业扩大开放综合试点总体方案\n" + START)

    plain = tmp_path / "plan.txt"
    plain.write_text(PLAN, encoding="utf-8")
    with pytest.raises(FormatError) as e:
        add_version(BEIJING, plain, "2017", corpus=corpus)
    manifest = corpus / BEIJING / "manifest.toml"
    assert str(e.value).endswith(
        "; check --start; this start marker is the one the manifest records for"
        f" version 2017: give another with --start, or remove it from {manifest}"
    )
    assert (
        add_version(BEIJING, plain, "2017", corpus=corpus, start=START).start == START
    )


def test_originals_are_not_versions(tmp_path):
    folder = tmp_path / "law"
    folder.mkdir()
    (folder / "2009.txt").write_text(PLAN, encoding="utf-8")
    (folder / "2009.orig.txt").write_bytes(PLAN.encode("gb18030"))
    document = load_document(folder)
    assert [v.label for v in document.versions] == ["2009"]
    assert check_document(document) == []


@pytest.mark.parametrize(
    "entry,message",
    [
        (
            'original_file = "2019.orig.html"',
            "original_file and original_sha256 go together",
        ),
        ('original_sha256 = "abc"', "original_sha256 must be 64 lowercase hex digits"),
        (
            'original_file = "../x.html"',
            "original_file '../x.html' must be a file name",
        ),
        (
            'http_status = "200"',
            "http_status must be a whole number; write http_status = 200",
        ),
    ],
)
def test_bad_provenance_in_the_manifest(corpus, entry, message):
    manifest = corpus / BEIJING / "manifest.toml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(
        text.replace('file = "2019.txt"\n', f'file = "2019.txt"\n{entry}\n'),
        encoding="utf-8",
    )
    with pytest.raises(ManifestError) as e:
        load_document(BEIJING, corpus=corpus)
    assert message in str(e.value)


def test_stored_text_and_import_file(tmp_path):
    path = tmp_path / "plan.docx"
    path.write_bytes(docx_bytes())
    imported = import_file(path, start=START, end=LAST_SENTENCE)
    assert imported.text.encode() != imported.original
    assert imported.original_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert dataclasses.replace(imported, text="x").extension == "docx"


# ---------------------------------------------------------------------------- fuzzing


def covered(tree) -> list[int]:
    owners = [0] * len(tree.text)
    for node in (*tree.headings, *tree.clauses):
        for k in range(node.start, node.end):
            owners[k] += 1
    return owners


any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=400)
plan_like = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "一、",
                "（二）",
                "1.",
                "第三条 ",
                "第一章 总则",
                "\r\n",
                "\n",
                "\r",
                "\u3000",
                "。",
                "；",
            ]
        ),
        st.sampled_from(PLAN_LINES).map(lambda line: line[:60]),
        any_text,
    ),
    max_size=20,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(any_text, plan_like), st.booleans())
def test_import_and_segment_any_text(text, bom):
    data = (codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8")
    try:
        imported = import_bytes(data, name="version.txt")
    except InputError:
        # Only empty, blank or binary input is refused.
        assert not text.strip() or "\x00" in text
        return
    assert imported.text == text.replace("\r\n", "\n").replace("\r", "\n")
    tree = segment(imported.text, "v")
    owners = covered(tree)
    for k, char in enumerate(imported.text):
        if not char.isspace():
            assert owners[k] == 1, (k, char)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.one_of(any_text, plan_like), max_size=8), max_size=5))
def test_pdf_line_repair_never_invents_text(pages):
    pages = [
        [line.replace("\n", " ").replace("\r", " ") for line in page] for page in pages
    ]
    text = repair_pages(pages)
    source = iter("".join("".join(page) for page in pages))
    # What comes out is what went in, in order, less dropped lines and spaces.
    for char in "".join(text.split()):
        assert any(char == c or char == _nfkc(c) for c in source), char


def _nfkc(char: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKC", char)


@settings(max_examples=100, deadline=None)
@given(st.one_of(any_text, plan_like))
def test_web_page_import_never_crashes(text):
    page = (
        "<html><body><div>"
        + "".join(f"<p>{line}</p>" for line in text.split("\n"))
        + "</div></body></html>"
    )
    try:
        imported = import_bytes(page.encode("utf-8"), name="page.html")
    except InputError:
        return
    assert imported.text.strip()


# ---------------------------------------------------------------------------- CLI


def test_cli_add_a_web_page(corpus, tmp_path):
    from click.testing import CliRunner

    from policydiff.cli import cli

    page = tmp_path / "content.jsp"  # a name that does not tell the format
    page.write_bytes(gov_page().encode("utf-8"))
    args = ["add", BEIJING, str(page), "--label", "2020", "--input-format", "html"]
    result = CliRunner().invoke(cli, [*args, "--start", START, "--corpus", "versions"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"Added version 2020 of {BEIJING}: versions/{BEIJING}/2020.txt"
    assert lines[1:] == [
        f"  sha256: {sha256_file(corpus / BEIJING / '2020.txt')}",
        "  encoding: utf-8",
        f"  start: {START}",
        "  original_file: 2020.orig.html",
        f"  original_sha256: {sha256_file(page)}",
        "  source: not recorded; record where the text comes from with --source",
    ]
    check = CliRunner().invoke(cli, ["check", BEIJING, "--corpus", "versions"])
    assert check.exit_code == 0, check.output
    assert (
        "        original 2020.orig.html, sha256"
        f" {sha256_file(page)[:12]}… checked (utf-8, from '{START}')"
    ) in check.stdout.splitlines()

    result = CliRunner().invoke(
        cli, [*args, "--encoding", "big5", "--replace", "--corpus", "versions"]
    )
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {page}: not BIG5 text (byte 0xe5 at offset 71); check"
        " --encoding, or leave it out to detect it\n"
    )


@pytest.mark.parametrize(
    "data",
    [
        "Café crème brûlée, été 1995.\n".encode("latin-1"),
        ("これは日本語の文章です。食品の安全を守る。" * 5).encode("shift_jis"),
    ],
    ids=["latin-1", "shift-jis"],
)
def test_an_encoding_other_than_utf8_gb18030_or_big5_must_be_named(data):
    with pytest.raises(InputError) as e:
        import_bytes(data, name="other.txt")
    assert "cannot tell the encoding of the text" in str(e.value)
    assert "give it with --encoding" in str(e.value)

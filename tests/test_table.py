"""The comparison table (修改前后对照表), written as DOCX, XLSX, CSV and Markdown and read
back with python-docx and openpyxl."""

import csv
import io
import re
import shutil
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner

from policydiff import document_history, load_document
from policydiff.cli import cli
from policydiff.errors import UnknownVersionError
from policydiff.table import (
    comparison_table,
    version_titles,
    write_table,
)

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"


@pytest.fixture(scope="module")
def food_safety():
    return document_history(load_document("food-safety-law", ROOT / "versions"))


@pytest.fixture(scope="module")
def table(food_safety):
    return comparison_table(food_safety)


def test_one_column_per_version_and_one_row_per_lineage(food_safety, table):
    assert table.versions == ("1995", "2009", "2015")
    assert len(table.rows) == len(food_safety.lineages)
    first = table.rows[0].texts()
    assert first[0].startswith("第一条") and first[2].startswith("第一条")


def test_cells_mark_additions_and_deletions(table):
    # 第一条 2009 → 2015: 为 → 为了
    row = next(r for r in table.rows if r.texts()[1].startswith("第一条 为保证"))
    assert ("为", False, True) in row.cells[1]
    assert ("为了", True, False) in row.cells[2]
    assert "2009→2015: modified" in row.changes


def test_the_changes_column_names_parameter_changes(table):
    row = next(r for r in table.rows if "第一百二十三条" in r.texts()[2])
    assert "amount 2000-50000 → 100000-150000 元" in row.changes


def test_docx_reads_back(food_safety, table):
    data = write_table(table, "docx", version_titles(food_safety))
    document = docx.Document(io.BytesIO(data))
    (grid,) = document.tables
    header = [cell.text for cell in grid.rows[0].cells]
    assert header == [
        "lineage",
        "1995 中华人民共和国食品卫生法",
        "2009 中华人民共和国食品安全法",
        "2015 中华人民共和国食品安全法",
        "变化 Changes",
    ]
    assert len(grid.rows) == len(table.rows) + 1
    runs = [
        run
        for row in grid.rows[1:]
        for cell in row.cells
        for p in cell.paragraphs
        for run in p.runs
    ]
    assert any(r.text == "为了" and r.bold and r.underline for r in runs)
    assert any(r.text == "为" and r.font.strike for r in runs)
    assert any("十五万" in r.text and r.bold and r.underline for r in runs)


def test_xlsx_reads_back(food_safety, table):
    data = write_table(table, "xlsx", version_titles(food_safety))
    workbook = openpyxl.load_workbook(io.BytesIO(data), rich_text=True)
    sheet = workbook.active
    assert [c.value for c in sheet[1]][1:4] == [
        "1995 中华人民共和国食品卫生法",
        "2009 中华人民共和国食品安全法",
        "2015 中华人民共和国食品安全法",
    ]
    assert sheet.max_row == len(table.rows) + 1
    blocks = [
        block
        for row in sheet.iter_rows(min_row=2)
        for cell in row
        if not isinstance(cell.value, (str, type(None), int))
        for block in cell.value
        if not isinstance(block, str)
    ]
    assert any(b.text == "为了" and b.font.b and b.font.u == "single" for b in blocks)
    assert any(b.text == "为" and b.font.strike for b in blocks)


def test_csv_and_markdown(food_safety):
    table = comparison_table(food_safety, ["2009", "2015"], changed_only=True)
    rows = list(csv.reader(io.StringIO(write_table(table, "csv").decode("utf-8"))))
    assert rows[0] == ["lineage", "2009", "2015", "变化 Changes"]
    assert all(r[1] != r[2] for r in rows[1:])
    markdown = write_table(table, "markdown").decode("utf-8")
    assert "<del>为</del>保证食品安全" in markdown
    assert "<strong><ins>为了</ins></strong>保证食品安全" in markdown


def test_an_unknown_version_is_an_error(food_safety):
    with pytest.raises(UnknownVersionError, match="has no text for version '2017'"):
        comparison_table(food_safety, ["2009", "2017"])


def test_the_beijing_plan_table_reads_back(tmp_path):
    out = tmp_path / "plan.docx"
    result = CliRunner().invoke(
        cli,
        ["table", "beijing-services-pilot", "--format", "docx", "-o", str(out), "-q"],
    )
    assert result.exit_code == 0, result.output
    (grid,) = docx.Document(out).tables
    assert [c.text for c in grid.rows[0].cells] == [
        "lineage",
        "2019 全面推进北京市服务业扩大开放综合试点工作方案",
        "变化 Changes",
    ]
    assert any("推进文化行业扩大对外开放" in row.cells[1].text for row in grid.rows)
    out = tmp_path / "plan.xlsx"
    result = CliRunner().invoke(
        cli, ["table", "beijing-services-pilot", "-o", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out).active
    assert sheet.cell(row=1, column=2).value.startswith("2019")


def test_table_command(tmp_path):
    out = tmp_path / "t.docx"
    result = CliRunner().invoke(
        cli,
        [
            "table",
            "food-safety-law",
            "--versions",
            "1995,2009,2015",
            "--format",
            "docx",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 10000
    result = CliRunner().invoke(cli, ["table", "food-safety-law", "--format", "xlsx"])
    assert result.exit_code == 2
    assert "Error: --format xlsx writes a binary file; give -o FILE" in result.output
    result = CliRunner().invoke(
        cli, ["table", "beijing-services-pilot", "--versions", "2015,2019"]
    )
    assert result.exit_code == 1
    assert result.output == (
        "Error: beijing-services-pilot has no text for version '2015'; versions with"
        " text: 2019; add it with policydiff add\n"
    )


def test_rows_follow_the_newest_version_with_deleted_articles_where_they_stood(
    food_safety,
):
    table = comparison_table(food_safety, versions=["2009", "2015"])
    newest = [row.texts()[1] for row in table.rows if row.texts()[1]]
    numbers = [text.split(" ", 1)[0] for text in newest]
    assert numbers[:4] == ["第一条", "第二条", "第三条", "第四条"]
    assert len(numbers) >= 130  # split and merged articles share a row
    # 2009 第二十二条 has no 2015 successor: its row stands between its neighbours' rows.
    texts = [row.texts() for row in table.rows]
    k = next(
        n
        for n, (old, new) in enumerate(texts)
        if old.startswith("第二十二条") and not new
    )
    assert texts[k - 1][0].startswith("第二十一条") or texts[k + 1][0].startswith(
        "第二十三条"
    )


# ---------------------------------------------------------------------------- the lineage id


def _first_column(data: bytes, fmt: str) -> list[str]:
    """The first column of a written table, its heading first."""
    if fmt == "csv":
        return [row[0] for row in csv.reader(io.StringIO(data.decode("utf-8")))]
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        return [row[0].value for row in sheet.iter_rows()]
    if fmt == "docx":
        (grid,) = docx.Document(io.BytesIO(data)).tables
        return [row.cells[0].text for row in grid.rows]
    rows = [_md_cells(line) for line in _md_rows(data.decode("utf-8"))]
    return [_md_text(row[0]) for row in rows]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "docx", "markdown"])
def test_every_format_starts_with_the_lineage_id(food_safety, fmt):
    # 1995 left out: a row still carries the id of its lineage's first clause, 1995:a1.
    table = comparison_table(food_safety, ["2009", "2015"], changed_only=True)
    column = _first_column(write_table(table, fmt, version_titles(food_safety)), fmt)
    assert column == ["lineage", *(row.lineage for row in table.rows)]
    assert column[1] == "1995:a1"
    assert len(set(column)) == len(column)


# ---------------------------------------------------------------------------- Markdown

#: What must never stand unescaped in a cell: emphasis, code, link and image brackets,
#: HTML, strikethrough, math and the cell border. ``_`` and ``&`` are escaped only where
#: they would act (at a word's edge, starting an entity), ``(`` ``!`` ``>`` mean nothing
#: once ``[`` and ``<`` are escaped.
_MARKUP = set("\\`*~[]<|$")
_TAGS = {"<br>", "<strong>", "</strong>", "<ins>", "</ins>", "<del>", "</del>"}


def _md_rows(markdown: str) -> list[str]:
    """The table's lines: the heading row and the body rows, not the |---| rule."""
    return [
        line
        for line in markdown.splitlines()
        if line.startswith("| ") and not line.startswith("|---")
    ]


def _md_cells(line: str) -> list[str]:
    """A row's cells, split at the borders: the pipes no backslash escapes."""
    cells, cell = [], ""
    for token in re.findall(r"\\.|.", line.strip()[1:-1]):
        if token == "|":
            cells.append(cell.strip())
            cell = ""
        else:
            cell += token
    return [*cells, cell.strip()]


def _md_text(cell: str) -> str:
    """The text a cell shows: escapes resolved, <br> a line break, our tags dropped.
    Fails on a markup character left unescaped, which a renderer would act on."""
    text = []
    for escaped, tag, char in re.findall(r"\\(.)|(<[^>]*>)|(.)", cell):
        assert not tag or tag in _TAGS, tag
        assert char not in _MARKUP, f"unescaped {char!r} in {cell!r}"
        text.append(escaped or ("\n" if tag == "<br>" else "") or char)
    return "".join(text)


MARKUP_TEXT = "见[链接](http://~~x~~)、_下划线_、a|b、*星*、<u>标签</u>、&amp;、$x$、`代码`、C:\\目录。"


@pytest.fixture(scope="module")
def marked_up(tmp_path_factory):
    """Synthetic: food-safety-law 2009 and 2015, 2015 第一条 given every kind of Markdown
    markup."""
    folder = tmp_path_factory.mktemp("markup") / "food-safety-markup"
    folder.mkdir()
    shutil.copy(CORPORA / "food-safety-law" / "2009.txt", folder / "2009.txt")
    text = (CORPORA / "food-safety-law" / "2015.txt").read_text(encoding="utf-8")
    first = "保障公众身体健康和生命安全，制定本法。"
    assert text.count(first) == 1
    text = text.replace(first, first + MARKUP_TEXT)
    (folder / "2015.txt").write_text(text, encoding="utf-8")
    return comparison_table(document_history(load_document(str(folder))))


def test_markdown_escapes_markup_in_clause_text(marked_up):
    markdown = write_table(marked_up, "markdown").decode("utf-8")
    (row,) = [line for line in _md_rows(markdown) if "链接" in line]
    for escaped in (
        "见\\[链接\\](http://\\~\\~x\\~\\~",
        "\\_下划线\\_",
        "a\\|b",
        "\\*星\\*",
        "\\<u>标签\\</u>",
        "&amp；",  # not an entity once ; reads as ；
        "\\$x\\$",
        "\\`代码\\`",
        "C:\\\\目录",
    ):
        assert escaped in row
    cells = _md_cells(row)
    assert len(cells) == 1 + len(marked_up.versions) + 1
    # The cell shows the table's text (punctuation width unified: ; reads as ；).
    (table_row,) = [r for r in marked_up.rows if "链接" in r.texts()[1]]
    assert _md_text(cells[2]) == table_row.texts()[1]
    assert "[链接](http://~~x~~" in table_row.texts()[1]


def test_markdown_cells_show_exactly_the_table_text(food_safety, table, marked_up):
    # Every cell of the real table, and of the marked-up one, reads back as its text:
    # nothing is lost, and no character is left for a renderer to act on.
    for built in (table, marked_up):
        markdown = write_table(built, "markdown", version_titles(food_safety))
        rows = [_md_cells(line) for line in _md_rows(markdown.decode("utf-8"))]
        assert len(rows) == len(built.rows) + 1
        for row, cells in zip(built.rows, rows[1:]):
            expected = [row.lineage, *row.texts(), row.changes]
            assert [_md_text(cell) for cell in cells] == expected


def test_markdown_marks_changes_with_html_not_emphasis(table):
    # ** and ~~ next to a Chinese character or a punctuation mark often fail CommonMark's
    # flanking rules, and a renderer shows the asterisks and tildes.
    markdown = write_table(table, "markdown").decode("utf-8")
    body = "\n".join(_md_rows(markdown))
    assert "**" not in body and "~~" not in body
    assert "保证<strong><ins>食品安全</ins></strong>" in body


# ---------------------------------------------------------------------------- the format


@pytest.mark.parametrize(
    "name,fmt,expected",
    [
        ("t.docx", None, "docx"),
        ("对照表.DOCX", None, "docx"),
        ("t.xlsx", None, "xlsx"),
        ("t.csv", None, "csv"),
        ("t.md", None, "markdown"),
        ("t.markdown", None, "markdown"),
        ("table", None, "markdown"),
        ("table", "xlsx", "xlsx"),
        ("t.out", "csv", "csv"),
    ],
)
def test_the_format_follows_the_suffix(tmp_path, name, fmt, expected):
    out = tmp_path / name
    args = ["table", "food-safety-law", "-o", str(out), "-q", "--versions", "2009,2015"]
    args += ["--format", fmt] if fmt else []
    result = CliRunner().invoke(cli, [*args, "--corpus", str(ROOT / "versions")])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    if expected in ("docx", "xlsx"):
        assert data.startswith(b"PK")  # a zip: Office Open XML
    else:
        text = data.decode("utf-8")
        if expected == "markdown":
            assert text.startswith("# 中华人民共和国食品安全法") and "| lineage |" in text
        else:
            assert text.startswith("lineage,")


@pytest.mark.parametrize(
    "name,fmt,message",
    [
        (
            "t.pdf",
            None,
            (
                "t.pdf: cannot tell the format from '.pdf'; name the file .docx, .xlsx,"
                " .csv, .md, or give --format"
            ),
        ),
        (
            "t.csv",
            "xlsx",
            (
                "t.csv: --format xlsx writes .xlsx, not .csv; name the file t.xlsx, or"
                " leave out --format"
            ),
        ),
    ],
)
def test_an_unknown_or_contradicting_suffix_is_an_error(tmp_path, name, fmt, message):
    out = tmp_path / name
    args = ["table", "food-safety-law", "-o", str(out), "-q"]
    args += ["--format", fmt] if fmt else []
    result = CliRunner().invoke(
        cli, [*args, "--corpus", str(ROOT / "versions")], prog_name="policydiff"
    )
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {tmp_path}/{message}; see policydiff table --help\n"
    )
    assert not out.exists()


def test_a_traditional_copy_is_not_a_change(tmp_path):
    """food-safety-law 2015 in Traditional characters, then as published: the table, like
    `diff`, reads the two in one script, so no row changed and nothing is marked."""
    import opencc

    text = (ROOT / "versions" / "food-safety-law" / "2015.txt").read_text("utf-8")
    folder = tmp_path / "fsl"
    folder.mkdir()
    (folder / "1-traditional.txt").write_text(opencc.OpenCC("s2t").convert(text), "utf-8")
    (folder / "2-simplified.txt").write_text(text, "utf-8")
    built = comparison_table(document_history(load_document(folder)))
    assert all(not (added or deleted) for row in built.rows for cell in row.cells
               for _, added, deleted in cell)  # fmt: skip
    changed = comparison_table(document_history(load_document(folder)), changed_only=True)
    assert changed.rows == ()

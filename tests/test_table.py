"""The comparison table (修改前后对照表), written as DOCX, XLSX, CSV and Markdown and read
back with python-docx and openpyxl."""

import csv
import io
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner

from policydiff import document_history, load_document
from policydiff.cli import cli
from policydiff.errors import UnknownVersionError
from policydiff.table import comparison_table, version_titles, write_table

ROOT = Path(__file__).resolve().parents[1]


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
    assert "~~为~~保证食品安全" in markdown
    assert "**<u>为了</u>**保证食品安全" in markdown


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
        "2019 全面推进北京市服务业扩大开放综合试点工作方案",
        "变化 Changes",
    ]
    assert any("推进文化行业扩大对外开放" in row.cells[0].text for row in grid.rows)
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

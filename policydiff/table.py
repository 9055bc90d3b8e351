"""The comparison table of Chinese legislative practice (修改前后对照表).

One column per version, one row per lineage (a clause through every version), and a last
column with the change classes of the row's measures. In each version's column, text that
version added is bold and underlined, and text the next version deleted is struck through.
Written as DOCX (python-docx), XLSX (openpyxl), CSV or Markdown; in every format the
first column is the lineage's id, the same in every table and in the database.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from .compare import compare_trees
from .diff import (
    DELETE,
    EQUAL,
    INSERT,
    diff_texts,
    escape_markdown,
    in_one_script,
    layout_free,
)
from .errors import PolicydiffError, UnknownVersionError
from .lexicon import Lexicon
from .measures import MeasureComparison, compare_measures
from .model import Comparison, DocumentHistory
from .normalize import to_simplified

TABLE_FORMATS = ("docx", "xlsx", "csv", "markdown")
LINEAGE_HEADING = "lineage"
CHANGES_HEADING = "变化 Changes"

#: A run of a cell's text: ``added`` (new in this version), ``deleted`` (gone in the next).
Run = tuple[str, bool, bool]


@dataclass(frozen=True)
class TableRow:
    """One lineage: its text in each version, as marked runs, and its change classes."""

    lineage: str
    cells: tuple[tuple[Run, ...], ...]
    changes: str

    def texts(self) -> list[str]:
        return ["".join(text for text, _, _ in cell) for cell in self.cells]


@dataclass(frozen=True)
class ComparisonTable:
    document: str
    title: str
    versions: tuple[str, ...]
    rows: tuple[TableRow, ...]


def comparison_table(
    history: DocumentHistory,
    versions: Sequence[str] | None = None,
    lexicon: Lexicon | None = None,
    reviews=None,
    changed_only: bool = False,
) -> ComparisonTable:
    """Build the 对照表 of a document from its history.

    :param versions: the versions to show, in order; by default every version with text.
    """
    present = [tree.label for tree in history.trees]
    chosen = list(versions or present)
    for label in chosen:
        if label not in present:
            raise UnknownVersionError(
                f"{history.document.slug} has no text for version {label!r}; versions"
                f" with text: {', '.join(present)}; add it with policydiff add"
            )
    if len(set(chosen)) != len(chosen):
        raise PolicydiffError(f"--versions names a version twice: {','.join(chosen)}")
    chosen.sort(key=present.index)
    clauses = {c.id: c for tree in history.trees for c in tree.clauses}
    steps = _measure_steps(history, chosen, lexicon, reviews)
    rows, places = [], []
    for lineage in history.lineages:
        by_version = dict(lineage.clauses)
        texts = [
            "\n".join(layout_free(clauses[i].text) for i in by_version.get(label, ()))
            for label in chosen
        ]
        if not any(texts):
            continue
        changes = _changes_text(lineage, chosen, steps, clauses, history)
        if changed_only and len({to_simplified(text) for text in texts}) == 1:
            continue
        rows.append(TableRow(lineage.id, _cells(texts), changes))
        places.append(
            {
                label: min(clauses[i].ordinal for i in by_version[label])
                for label in chosen
                if by_version.get(label)
            }
        )
    rows = [rows[k] for k in _reading_order(places, chosen)]
    return ComparisonTable(
        document=history.document.slug,
        title=history.document.title or history.document.slug,
        versions=tuple(chosen),
        rows=tuple(rows),
    )


def _reading_order(places: list[dict[str, int]], versions: list[str]) -> list[int]:
    """Row indexes in the reading order of the newest version; a row the newest version
    no longer has goes where it stood in the latest version that has it, after the row
    that preceded it there.

    :param places: per row, its position (clause ordinal) in each version that has it.
    """
    newest = versions[-1]
    order = sorted(
        (k for k, place in enumerate(places) if newest in place),
        key=lambda k: places[k][newest],
    )
    for label in reversed(versions[:-1]):
        for k in sorted(
            (k for k, place in enumerate(places) if label in place and k not in order),
            key=lambda k: places[k][label],
        ):
            before = [
                n
                for n, row in enumerate(order)
                if label in places[row] and places[row][label] < places[k][label]
            ]
            order.insert(before[-1] + 1 if before else 0, k)
    return order


def _cells(texts: list[str]) -> tuple[tuple[Run, ...], ...]:
    cells = []
    for k, text in enumerate(texts):
        added = [False] * len(text)
        deleted = [False] * len(text)
        if k > 0:
            _mark(added, _cell_diff(texts[k - 1], text), INSERT)
        if k + 1 < len(texts):
            _mark(deleted, _cell_diff(text, texts[k + 1]), DELETE)
        cells.append(_runs(text, added, deleted))
    return tuple(cells)


def _cell_diff(old: str, new: str) -> tuple:
    """Diff two versions' cells as ``diff`` does, the Traditional one read in Simplified
    when the other is Simplified, as long as that keeps every character in place (the
    marks fall on the text as shown)."""
    old_read, new_read = in_one_script(old, new)
    if len(old_read) == len(old) and len(new_read) == len(new):
        return diff_texts(old_read, new_read)
    return diff_texts(old, new)


def _mark(flags: list[bool], ops, op_on_this_side: int) -> None:
    """Flag the characters of this side's text that ``op_on_this_side`` covers."""
    position = 0
    for op, text in ops:
        if op == op_on_this_side:
            for k in range(position, position + len(text)):
                flags[k] = True
        if op in (EQUAL, op_on_this_side):
            position += len(text)


def _runs(text: str, added: list[bool], deleted: list[bool]) -> tuple[Run, ...]:
    runs = []
    for (a, d), group in itertools.groupby(
        zip(text, added, deleted), key=lambda t: (t[1], t[2])
    ):
        runs.append(("".join(c for c, _, _ in group), a, d))
    return tuple(runs)


def _measure_steps(
    history: DocumentHistory, chosen: list[str], lexicon, reviews
) -> dict[tuple[str, str], tuple[Comparison, MeasureComparison]]:
    """The clause and measure comparisons between each pair of neighbouring columns."""
    trees = {tree.label: tree for tree in history.trees}
    known = {(c.from_version, c.to_version): c for c in history.comparisons}
    steps = {}
    for a, b in itertools.pairwise(chosen):
        comparison = known.get((a, b)) or compare_trees(
            trees[a], trees[b], history.document.slug, reviews
        )
        steps[(a, b)] = (comparison, compare_measures(comparison, lexicon, reviews))
    return steps


def _changes_text(lineage, chosen, steps, clauses, history) -> str:
    members = {i for _, ids in lineage.clauses for i in ids}
    lines = []
    for (a, b), (comparison, measures) in steps.items():
        kinds = [
            change
            for change in comparison.changes
            if {c.id for c in change.old + change.new} & members
        ]
        if not kinds:
            continue
        head = ", ".join(
            dict.fromkeys(
                k.type
                + (
                    f" {k.similarity:.2f}"
                    if k.old and k.new and k.type != "unchanged"
                    else ""
                )
                + (" (reviewed)" if k.reviewed else "")
                for k in kinds
            )
        )
        details = []
        for link in measures.links:
            measure = link.new or link.old
            if measure.clause not in members or not link.classes.changed:
                continue
            mark = " (reviewed)" if link.reviewed or link.classes.reviewed else ""
            details.append(f"  {_measure_name(link)}: {link.classes.summary()}{mark}")
        lines.append(f"{a}→{b}: {head}")
        lines += details
    return "\n".join(lines)


def _measure_name(link) -> str:
    measure = link.new or link.old
    return f"{measure.label} m{measure.index + 1}"


# ---------------------------------------------------------------------------- writers


def _headings(table: ComparisonTable, titles: dict[str, str]) -> list[str]:
    """The lineage id's heading, one per version (label and title), then the changes'."""
    return [
        LINEAGE_HEADING,
        *(
            f"{label} {titles[label]}".strip() if titles.get(label) else label
            for label in table.versions
        ),
        CHANGES_HEADING,
    ]


def write_table(
    table: ComparisonTable, fmt: str, titles: dict[str, str] | None = None
) -> bytes:
    """Render the table in ``fmt`` (docx, xlsx, csv or markdown) as bytes."""
    titles = titles or {}
    if fmt == "docx":
        return to_docx(table, titles)
    if fmt == "xlsx":
        return to_xlsx(table, titles)
    if fmt == "csv":
        return to_csv(table, titles).encode("utf-8")
    if fmt == "markdown":
        return to_markdown(table, titles).encode("utf-8")
    raise ValueError(f"unknown table format {fmt!r}: use {', '.join(TABLE_FORMATS)}")


def to_csv(table: ComparisonTable, titles: dict[str, str]) -> str:
    """Plain text, one row per lineage: the texts as in the source, then the changes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_headings(table, titles))
    for row in table.rows:
        writer.writerow([row.lineage, *row.texts(), row.changes])
    return out.getvalue()


def _cell(text: str) -> str:
    """Text escaped for a Markdown table cell, line breaks as ``<br>``."""
    return escape_markdown(text, table=True)


def _md_run(text: str, added: bool, deleted: bool) -> str:
    # HTML, not ** and ~~: emphasis next to a Chinese character or a punctuation mark
    # often fails CommonMark's flanking rules and shows its asterisks. <ins> because
    # GitHub drops <u>. A tag must not span a line break, so each line is wrapped alone.
    parts = []
    for line in text.split("\n"):
        piece = _cell(line)
        if piece and added:
            piece = f"<strong><ins>{piece}</ins></strong>"
        if piece and deleted:
            piece = f"<del>{piece}</del>"
        parts.append(piece)
    return "<br>".join(parts)


def to_markdown(table: ComparisonTable, titles: dict[str, str]) -> str:
    """A Markdown table: the lineage id first, then the versions with additions
    <strong><ins>bold and underlined</ins></strong> and deletions <del>struck</del>."""
    headings = _headings(table, titles)
    lines = [
        f"# {_cell(table.title)}: 修改前后对照表",
        "",
        (
            "Added text is <strong><ins>bold and underlined</ins></strong> in the version"
            " that added it; deleted text is <del>struck through</del> in the last"
            " version that had it."
        ),
        "",
        "| " + " | ".join(_cell(h) for h in headings) + " |",
        "|" + "---|" * len(headings),
    ]
    for row in table.rows:
        cells = ["".join(_md_run(*run) for run in cell) for cell in row.cells]
        lines.append(
            "| "
            + " | ".join([_cell(row.lineage), *cells, _cell(row.changes)])
            + " |"
        )
    return "\n".join(lines) + "\n"


def to_docx(table: ComparisonTable, titles: dict[str, str]) -> bytes:
    """A Word document in landscape with the table; fonts set for Chinese."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    normal = document.styles["Normal"]
    normal.font.size = Pt(9)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "SimSun")
    document.add_heading(f"{table.title} 修改前后对照表", level=1)
    document.add_paragraph(
        "加粗并加下划线：该版本新增的文字；删除线：下一版本删去的文字。"
        " Bold and underlined: added in that version; struck through: deleted in the next."
    )
    headings = _headings(table, titles)
    grid = document.add_table(rows=1, cols=len(headings))
    grid.style = "Table Grid"
    for cell, heading in zip(grid.rows[0].cells, headings):
        cell.text = ""
        cell.paragraphs[0].add_run(heading).bold = True
    _repeat_header(grid.rows[0])
    for row in table.rows:
        cells = grid.add_row().cells
        _docx_runs(cells[0], ((row.lineage, False, False),))
        for cell, runs in zip(cells[1:], row.cells):
            _docx_runs(cell, runs)
        _docx_runs(cells[-1], ((row.changes, False, False),))
    _docx_widths(grid, Cm(2.2), section.page_width - Cm(3.0))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _docx_widths(grid, first, total) -> None:
    """A narrow first column (the lineage id); the others share the rest of the page."""
    # Word reads each cell's width; LibreOffice reads the grid's columns.
    grid.autofit = False
    rest = (total - first) // (len(grid.columns) - 1)
    for k, column in enumerate(grid.columns):
        width = first if k == 0 else rest
        column.width = width
        for cell in column.cells:
            cell.width = width


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _docx_runs(cell, runs: Sequence[Run]) -> None:
    paragraph = cell.paragraphs[0]
    for text, added, deleted in runs:
        for k, line in enumerate(text.split("\n")):
            if k:
                paragraph = cell.add_paragraph()
            if not line:
                continue
            run = paragraph.add_run(line)
            if added:
                run.bold = True
                run.underline = True
            if deleted:
                run.font.strike = True


def to_xlsx(table: ComparisonTable, titles: dict[str, str]) -> bytes:
    """A workbook with one sheet: rich text cells, wrapped, header frozen."""
    from openpyxl import Workbook
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "对照表"
    headings = _headings(table, titles)
    sheet.append(headings)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    fonts = {
        (True, False): InlineFont(b=True, u="single"),
        (False, True): InlineFont(strike=True),
        (True, True): InlineFont(b=True, u="single", strike=True),
    }
    for r, row in enumerate(table.rows, start=2):
        sheet.cell(row=r, column=1, value=row.lineage)
        for c, runs in enumerate(row.cells, start=2):
            rich = CellRichText(
                [
                    TextBlock(fonts[(a, d)], text) if (a or d) else text
                    for text, a, d in runs
                    if text
                ]
            )
            sheet.cell(row=r, column=c, value=rich if len(rich) else None)
        sheet.cell(row=r, column=len(headings), value=row.changes or None)
        for cell in sheet[r]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 14
    for k in range(2, len(headings) + 1):
        sheet.column_dimensions[sheet.cell(row=1, column=k).column_letter].width = 60
    sheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def version_titles(history: DocumentHistory) -> dict[str, str]:
    """Each version's title from the manifest, for the column headings."""
    titles = defaultdict(str)
    for info in history.document.versions:
        titles[info.label] = info.title or ""
    return dict(titles)

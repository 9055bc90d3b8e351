"""Segmentation of real texts as they come in other layouts: numbered lines, run-on and
split headings, Unicode spaces, Traditional characters, page numbers, title lines, tables
of contents, annexes, English texts. Every fixture is a real text, transformed."""

import re
from pathlib import Path

import opencc
import pytest
from conftest import CORPORA, PLAN_2019_FILE
from hypothesis import given, settings
from hypothesis import strategies as st

from policydiff.errors import InputError
from policydiff.normalize import chinese_number
from policydiff.segment import PAGE_NUMBER, segment

SEED_PLAN = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "seeds"
    / "000_2338ae18da4978cf.txt"
)
GPL_3 = Path("/usr/share/common-licenses/GPL-3")
LGPL_2_1 = Path("/usr/share/common-licenses/LGPL-2.1")
CHAPTER_LINE = re.compile(r"^(第[一二三四五六七八九十]+章[ \u3000]*\S+)$", re.MULTILINE)


def read(law: str, label: str) -> str:
    return (CORPORA / law / f"{label}.txt").read_text(encoding="utf-8")


def plan_lines() -> list[str]:
    return PLAN_2019_FILE.read_text(encoding="utf-8").split("\n")


def shape(tree) -> list[tuple]:
    """What a reader sees of a tree, whatever the layout: ids, labels, kinds, paths."""
    headings = [(h.label, h.level) for h in tree.headings]
    return headings + [(c.id, c.label, c.kind, c.path) for c in tree.clauses]


def keys(tree) -> list[str]:
    return [c.key for c in tree.clauses]


def is_exact(text: str, tree) -> bool:
    return all(c.text == text[c.start : c.end] for c in tree.clauses)


# ---------------------------------------------------------------------------- numbered lines


def test_a_numbered_line_with_its_own_text_closes_the_section_before_it():
    # （九）'s heading run into its first paragraph, as web copies print it.
    lines = plan_lines()
    i = lines.index("（九）对标国际先进规则，打造一流营商环境。")
    text = "\n".join(lines[:i] + [lines[i] + lines[i + 1]] + lines[i + 2 :])
    before, after = segment("\n".join(lines), "x"), segment(text, "x")
    item = after.clause("x:2.9")
    assert item.kind == "item"
    assert item.label == "二（九）对标国际先进规则，打造一流营商环境"
    # It heads the paragraphs after it as the heading did, and its own path.
    assert item.path == before.clause("x:2.9.p1").path
    for clause in before.clauses[before.clauses.index(before.clause("x:2.9.p2")) :]:
        assert after.clause(clause.id).path == clause.path
        assert after.clause(clause.id).key == clause.key


def test_the_last_of_a_list_of_short_items_is_an_item_not_a_heading():
    lines = plan_lines()
    items = [
        "推进文化行业扩大对外开放。",
        "多形式助推国际文化交流。",
        "大力发展文化贸易。",
    ]
    text = "\n".join(
        [lines[1]] + [f"{n}.{s}" for n, s in enumerate(items, 1)] + [lines[2]]
    )
    tree = segment(text, "x")
    assert [(c.id, c.kind) for c in tree.clauses] == [
        ("x:1.1", "item"),
        ("x:1.2", "item"),
        ("x:1.3", "item"),
        ("x:1.p1", "paragraph"),
    ]
    assert tree.clauses[-1].path == ("一、总体要求",)


def test_a_box_of_entries_leaves_the_paragraphs_after_it_in_their_section():
    # A 专栏 (title and short numbered entries) inserted between two paragraphs.
    lines = plan_lines()
    i = next(k for k, line in enumerate(lines) if line.startswith("多形式助推"))
    box = [
        "专栏1　推进文化行业扩大对外开放",
        "1.多形式助推国际文化交流",
        "2.大力发展文化贸易",
    ]
    tree = segment("\n".join(lines[:i] + box + lines[i:]), "x")
    after_box = next(c for c in tree.clauses if c.text.startswith("多形式助推"))
    assert after_box.path == ("二、主要任务", lines[i - 2])
    assert [
        c.kind for c in tree.clauses if c.text.startswith(("专栏", "1.", "2."))
    ] == [
        "paragraph",
        "item",
        "item",
    ]


def test_the_next_entry_of_a_list_is_not_a_hard_wrap():
    # Six of the seed plan's sub-headings as a list: entries of much the same length,
    # ending no sentence, look like lines wrapped at a margin, but 4. follows 3.
    seed = SEED_PLAN.read_text(encoding="utf-8").split("\n")
    titles = [
        re.sub(r"^（.+?）", "", line).rstrip("。")
        for line in seed
        if re.match(r"^（[一二三四五六七八九十]+）", line)
    ]
    entries = [f"{n}.{titles[k]}" for n, k in enumerate((2, 3, 5, 6, 7, 1), 1)]
    tree = segment("\n".join(["二、主要任务", *entries]), "x")
    assert [(c.id, c.text) for c in tree.clauses] == [
        (f"x:2.{n}", entry) for n, entry in enumerate(entries, 1)
    ]


@pytest.mark.parametrize("marker", ["{n}）", "{n})", "（{n}）", "({n})"])
def test_numbered_sub_items_in_any_bracket_style(marker):
    lines = plan_lines()
    i = lines.index("（九）对标国际先进规则，打造一流营商环境。")
    sentences = re.findall(r"[^。]+。", lines[i + 1])[1:4]
    items = [marker.format(n=n) + s for n, s in enumerate(sentences, 1)]
    tree = segment("\n".join(lines[: i + 1] + items + lines[i + 1 :]), "x")
    assert [c.id for c in tree.clauses if c.text in items] == [
        "x:2.9.1",
        "x:2.9.2",
        "x:2.9.3",
    ]


# ---------------------------------------------------------------------------- laws


def test_a_chapter_heading_on_the_line_of_its_first_article():
    text = read("food-safety-law", "2015")
    joined = CHAPTER_LINE.sub(lambda m: m.group(1) + "　", text).replace("　\n\n", "　")
    assert joined.count("\n第") < text.count("\n第")
    assert shape(segment(joined, "x")) == shape(segment(text, "x"))


@pytest.mark.parametrize("separator", ["", "　", " "])
def test_a_law_pasted_as_one_line_keeps_its_articles_and_chapters(separator):
    text = read("food-safety-law", "2009")
    one_line = separator.join(line.strip(" \u3000") for line in text.splitlines())
    tree = segment(one_line, "x")
    original = segment(text, "x")
    assert [h.label for h in tree.headings] == [h.label for h in original.headings]
    assert [(c.id, c.path) for c in tree.clauses] == [
        (c.id, c.path) for c in original.clauses
    ]
    assert is_exact(one_line, tree)


@pytest.mark.parametrize("label", ["1997", "2007", "2013", "2015"])
@pytest.mark.parametrize("separator", ["", " "])
def test_a_law_pasted_as_one_line_keeps_its_first_chapter_after_its_title(
    label, separator
):
    # Its title, enactment note and table of contents (目录 in 1997–2013) come first.
    text = read("animal-epidemic-prevention-law", label)
    one_line = separator.join(line.strip(" \u3000") for line in text.splitlines())
    tree, original = segment(one_line, "x"), segment(text, "x")
    assert [h.label for h in tree.headings] == [h.label for h in original.headings]
    assert [(c.id, c.path) for c in tree.clauses if c.kind != "front"] == [
        (c.id, c.path) for c in original.clauses if c.kind != "front"
    ]
    front = [c.text for c in tree.clauses if c.kind == "front"]
    contents = [c.text for c in original.clauses if c.text.startswith("目")]
    assert [t for t in front if t.startswith("目")] == [
        separator.join(line.strip(" \u3000") for line in t.splitlines())
        for t in contents
    ]
    assert is_exact(one_line, tree)


def test_a_chapter_heading_split_over_two_lines():
    text = read("animal-epidemic-prevention-law", "2021")
    number_apart = re.sub(
        r"^(第[一二三四五六七八九十]+章)[ \u3000]+", r"\1\n", text, flags=re.MULTILINE
    )
    wrapped = re.sub(
        r"^(第[一二三四五六七八九十]+章[ \u3000]+\S{5})(\S{3,})$",
        r"\1\n\2",
        text,
        flags=re.MULTILINE,
    )
    original = segment(text, "x")
    for variant in (number_apart, wrapped):
        tree = segment(variant, "x")
        assert [c.id for c in tree.clauses] == [c.id for c in original.clauses]
        assert [h.title for h in tree.headings] == [h.title for h in original.headings]
    assert segment(number_apart, "x").clause("x:a31").path == (
        "第三章 动物疫情的报告、通报和公布",
    )


def test_a_table_of_contents_where_section_numbers_repeat():
    # 第一节 comes under two chapters, as in the Company Law or the Criminal Law.
    body = read("food-safety-law", "2015").replace(
        "第五章 食品检验\n", "第五章 食品检验\n\n第一节 一般规定\n", 1
    )
    headings = [h.text for h in segment(body).headings]
    text = "中华人民共和国食品安全法\n目录\n" + "\n".join(headings) + "\n" + body
    tree = segment(text, "x")
    assert [h.text for h in tree.headings] == headings
    assert [c.kind for c in tree.clauses[:2]] == ["front", "front"]
    assert tree.clauses[1].text.endswith(headings[-1])


def test_parts_of_a_plan_outline_are_headings():
    # A five-year-plan outline: 第一篇 › 第一章.
    numerals = iter("一二三")
    text = re.sub(
        r"^[一二三]、",
        lambda m: f"第{next(numerals)}篇　",
        PLAN_2019_FILE.read_text(encoding="utf-8"),
        flags=re.MULTILINE,
    )
    text = re.sub(
        r"^（([一二三四五六七八九十]+)）(.*)。$",
        r"第\1章　\2",
        text,
        flags=re.MULTILINE,
    )
    tree = segment(text, "x")
    assert [h.label for h in tree.headings if h.level == 1] == [
        "第一篇",
        "第二篇",
        "第三篇",
    ]
    assert len([h for h in tree.headings if h.level == 2]) == 9
    assert not [c for c in tree.clauses if c.text.startswith("第")]


# ---------------------------------------------------------------------------- characters


@pytest.mark.parametrize("space", ["\u2003", "\u2002", "\u2009", "\u202f", "\u200b"])
def test_indentation_with_any_unicode_space(space):
    text = read("food-safety-law", "2009")
    indented = re.sub(r"^[ \u3000]*", space * 2, text, flags=re.MULTILINE)
    tree, original = segment(indented, "x"), segment(text, "x")
    assert shape(tree) == shape(original)
    assert keys(tree) == keys(original)


@pytest.mark.parametrize("space", ["\u3000", "\t", "\u00a0", "\u2003"])
def test_the_article_label_leaves_out_the_space_after_it(space):
    text = read("food-safety-law", "2009")
    spaced = re.sub(r"^(\s*第\S+?条)\u3000", rf"\1{space}", text, flags=re.MULTILINE)
    assert shape(segment(spaced, "x")) == shape(segment(text, "x"))


def test_a_byte_order_mark_alone_on_a_line_is_layout():
    text = read("animal-epidemic-prevention-law", "2020-draft-1")
    tree, original = segment("\ufeff" + text, "x"), segment(text, "x")
    assert shape(tree) == shape(original)
    assert keys(tree) == keys(original)


def test_a_law_in_traditional_characters():
    text = read("food-safety-law", "2015")
    traditional = opencc.OpenCC("s2t").convert(text)
    tree, original = segment(traditional, "x"), segment(text, "x")
    assert [(c.id, c.kind, c.number) for c in tree.clauses] == [
        (c.id, c.kind, c.number) for c in original.clauses
    ]
    assert tree.clause("x:a1").label == "第一條"  # labels stay as printed
    assert "第一節" in [h.label for h in tree.headings]
    assert len(tree.headings) == len(original.headings)


@pytest.mark.parametrize("space", ["", " "])
def test_arabic_article_numbers(space):
    text = read("animal-epidemic-prevention-law", "2021")
    arabic = re.sub(
        r"^第([一二三四五六七八九十百零]+)(条|章)",
        lambda m: f"第{space}{chinese_number(m.group(1))}{space}{m.group(2)}",
        text,
        flags=re.MULTILINE,
    )
    tree, original = segment(arabic, "x"), segment(text, "x")
    assert [c.id for c in tree.clauses] == [c.id for c in original.clauses]
    assert tree.clause("x:a1").label == f"第{space}1{space}条"
    assert len(tree.headings) == len(original.headings)


def test_a_long_run_of_spaces_is_layout():
    # Read in one pass: stripping the run from its end at every character took 15 s.
    text = read("food-safety-law", "2009")
    padded = text.replace("第一条　", "第一条" + " " * 50_000, 1)
    tree, original = segment(padded, "x"), segment(text, "x")
    assert shape(tree) == shape(original)
    assert keys(tree) == keys(original)
    assert is_exact(padded, tree)


def test_a_law_pasted_as_one_line_with_its_line_breaks_padded():
    # A web page that pads each line with spaces, run together: the text before every
    # article is looked at from its end, not read again from the start of the line.
    text = read("food-safety-law", "2015")
    one_line = (" " * 100).join(line.strip(" \u3000") for line in text.splitlines())
    tree, original = segment(one_line, "x"), segment(text, "x")
    assert [h.label for h in tree.headings] == [h.label for h in original.headings]
    assert [(c.id, c.path) for c in tree.clauses] == [
        (c.id, c.path) for c in original.clauses
    ]
    assert is_exact(one_line, tree)


def test_carriage_returns_end_sentences_as_newlines_do():
    text = read("food-safety-law", "2009")
    crlf = segment(text.replace("\n", "\r\n"), "x")
    assert [[s.key for s in c.sentences] for c in crlf.clauses] == [
        [s.key for s in c.sentences] for c in segment(text, "x").clauses
    ]


# ---------------------------------------------------------------------------- page layout


def test_page_numbers_are_layout():
    # A PDF copy: a page number every 25 lines, set apart by blank lines.
    text = read("animal-epidemic-prevention-law", "2020-draft-1")
    lines = text.split("\n")
    paged = "\n".join(
        line + (f"\n\n— {k // 25 + 1} —\n" if k % 25 == 24 else "")
        for k, line in enumerate(lines)
    )
    tree, original = segment(paged, "x"), segment(text, "x")
    assert shape(tree) == shape(original)
    assert keys(tree) == keys(original)
    assert is_exact(paged, tree)


def test_a_page_number_before_a_chapter_heading():
    text = read("animal-epidemic-prevention-law", "2021")
    paged = text.replace("\n第三章", "\n- 12 -\n第三章", 1)
    tree, original = segment(paged, "x"), segment(text, "x")
    assert shape(tree) == shape(original)
    assert tree.clause("x:a30").text == original.clause("x:a30").text


def test_a_hard_wrapped_plan_keeps_its_headings_whole():
    # PDF to text: every line cut at 26 characters.
    text = "\n".join(
        line[i : i + 26]
        for line in PLAN_2019_FILE.read_text(encoding="utf-8").split("\n")
        for i in range(0, max(len(line), 1), 26)
    )
    tree = segment(text, "x")
    original = segment(PLAN_2019_FILE.read_text(encoding="utf-8"), "x")
    assert [h.title for h in tree.headings] == [h.title for h in original.headings]
    assert "\n" in tree.headings[4].text


# ---------------------------------------------------------------------------- front and back


@pytest.mark.parametrize("gap", ["\n", "\n\n"])
def test_a_plans_title_line_does_not_change_its_first_paragraph(gap):
    # Texts fetched from the web begin with the plan's title; the bundled one does not.
    body = PLAN_2019_FILE.read_text(encoding="utf-8")
    title = re.search(r"《国务院关于(深化改革\S+?工作方案)的批复》", body).group(1)
    number = re.search(r"（(国函〔2015〕81号)）", body).group(1)
    tree, original = segment(f"{title}{gap}{number}{gap}{body}", "x"), segment(
        body, "x"
    )
    assert [(c.kind, c.text) for c in tree.clauses[:2]] == [
        ("front", title),
        ("front", number),
    ]
    assert (
        shape(tree)[len(tree.headings) + 2 :]
        == shape(original)[len(original.headings) :]
    )


def test_a_line_that_stands_alone_does_not_take_the_next_paragraph():
    lines = plan_lines()
    i = next(k for k, line in enumerate(lines) if line.startswith("多形式助推"))
    text = "\n".join(lines[:i] + ["（此件公开发布）"] + lines[i:])
    tree = segment(text, "x")
    alone = next(c for c in tree.clauses if c.text.startswith("（此件"))
    assert alone.text == "（此件公开发布）"


def test_a_plans_table_of_contents_is_front_matter():
    body = PLAN_2019_FILE.read_text(encoding="utf-8")
    original = segment(body, "x")
    contents = "目录\n" + "\n".join(h.text.rstrip("。") for h in original.headings)
    tree = segment(contents + "\n\n" + body, "x")
    assert tree.clauses[0].kind == "front"
    assert tree.clauses[0].text == contents
    assert (
        shape(tree)[: len(tree.headings)] == shape(original)[: len(original.headings)]
    )


def test_an_annex_is_a_part_of_its_own():
    body = PLAN_2019_FILE.read_text(encoding="utf-8").rstrip()
    lines = body.split("\n")
    text = f"{body}\n\n附件1\n\n{lines[1]}\n{lines[2]}\n{lines[3]}\n"
    tree = segment(text, "x")
    annex = [c for c in tree.clauses if c.path[:1] == ("附件1",)]
    assert [(c.id, c.path) for c in annex] == [
        ("x:annex1.1.p1", ("附件1", "一、总体要求")),
        ("x:annex1.2", ("附件1",)),  # 二、 closes 一、
    ]
    assert annex[1].label == "附件1 二、主要任务"
    assert tree.clauses[-len(annex) - 1].path == ("三、组织实施",)


# ---------------------------------------------------------------------------- English


def test_an_english_chapter_heading_after_an_article_ending_in_a_full_stop():
    # Sentences from test_segment.py's English law.
    part = (
        "Article {a} This Law is formulated to ensure food safety. It protects health.\n"
        "Article {b} This Law applies to food production.\n"
    )
    text = (
        "Chapter 1 General Provisions\n"
        + part.format(a=1, b=2)
        + "Chapter 2 Food Production\n"
        + part.format(a=3, b=4)
    )
    tree = segment(text, "en")
    assert [h.label for h in tree.headings] == ["Chapter 1", "Chapter 2"]
    assert tree.clause("en:a2").text == "Article 2 This Law applies to food production."
    assert tree.clause("en:a3").path == ("Chapter 2 Food Production",)


def test_english_paragraphs_end_at_a_full_stop_or_a_blank_line():
    first = "This Law is formulated to ensure food safety. It protects health."
    second = "This Law applies to food production."
    text = (
        f"1. General Provisions\n{first}\n{second}\n\n2. Scope\n{second}\n\n{first}\n"
    )
    tree = segment(text, "en")
    assert [c.text for c in tree.clauses] == [first, second, second, first]


def test_a_hard_wrapped_english_cross_reference_is_not_an_article():
    text = (
        "Article 1 This Law is formulated to ensure food safety.\n"
        "Article 2 This Law applies to food production as provided in\n"
        "Article 3 of this Law.\n"
        "Article 3 This Law protects health.\n"
    )
    tree = segment(text, "en")
    assert [c.label for c in tree.clauses] == ["Article 1", "Article 2", "Article 3"]
    assert tree.clause("en:a2").text.endswith("Article 3 of this Law.")


@pytest.mark.skipif(not GPL_3.exists(), reason="no /usr/share/common-licenses/GPL-3")
def test_the_gpl_sections_and_their_paragraphs():
    text = GPL_3.read_text(encoding="utf-8")
    tree = segment(text, "gpl")
    assert [h.label for h in tree.headings] == [str(n) for n in range(18)]
    ids = [c.id for c in tree.clauses]
    assert len(ids) == len(set(ids)) and not [i for i in ids if "-" in i]
    section_5 = [
        c for c in tree.clauses if c.path == ("5. Conveying Modified Source Versions.",)
    ]
    # "…added under section\n  7.  This requirement modifies…" is a wrapped line.
    assert any("7.  This requirement" in c.text for c in section_5)
    assert [c.label for c in tree.clauses if c.kind == "item"] == [
        "(1) assert copyright on the…"
    ]
    definitions = tree.clause("gpl:0.p15")
    assert definitions.label.startswith('0. "This License" refers')
    assert definitions.text.startswith('"This License" refers')


@pytest.mark.skipif(not GPL_3.exists(), reason="no /usr/share/common-licenses/GPL-3")
def test_english_section_headings_are_addressed_by_their_number():
    # The GPL's "  5. Conveying…" headings written "  Section 5. Conveying…".
    text = GPL_3.read_text(encoding="utf-8")
    sections = re.sub(
        r"^  (\d+)\. ([A-Z])", r"  Section \1. \2", text, flags=re.MULTILINE
    )
    tree, original = segment(sections, "gpl"), segment(text, "gpl")
    assert [h.label for h in tree.headings] == [f"Section {n}" for n in range(18)]
    assert [c.id for c in tree.clauses] == [c.id for c in original.clauses]


@pytest.mark.skipif(
    not LGPL_2_1.exists(), reason="no /usr/share/common-licenses/LGPL-2.1"
)
@pytest.mark.parametrize("sentence", ["Section 6 states terms", "Section 6 States the terms"])
def test_a_sentence_that_starts_with_section_6_is_not_a_heading(sentence):
    # "…covered by this License.\nSection 6 states terms for distribution of…", and the
    # same sentence capitalised, which only the share of capitalised words tells apart.
    text = LGPL_2_1.read_text(encoding="utf-8")
    tree = segment(text.replace("Section 6 states terms", sentence), "lgpl")
    paragraph = next(c for c in tree.clauses if f"\n{sentence}" in c.text)
    assert paragraph.text.startswith("However, linking")
    assert not [h for h in tree.headings if h.label.startswith("Section")]
    assert tree.clauses[-1].path == paragraph.path


# ---------------------------------------------------------------------------- any layout

REAL_LINES = sorted(
    {
        line
        for path in [*CORPORA.glob("*/*.txt"), PLAN_2019_FILE]
        for line in path.read_text(encoding="utf-8").split("\n")[:60]
    }
)
LAYOUT_NOISE = [
    "目录",
    "目　　录",
    "— 3 —",
    "- 12 -",
    "\u3000",
    "",
    "附件",
    "附件2：清单",
]
LAYOUT_NOISE += [
    "第一编 总则",
    "第1条",
    "第 2 条",
    "（1）",
    "1）",
    "\ufeff",
    "\u200b",
    "\t",
]


def layout_characters(text: str) -> set[int]:
    """Offsets of the characters that are layout: whitespace, invisible, page numbers."""
    layout = {
        k for k, char in enumerate(text) if char.isspace() or char in "\ufeff\u200b"
    }
    for match in PAGE_NUMBER.finditer(text):
        layout.update(range(match.start(), match.end()))
    return layout


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(REAL_LINES + LAYOUT_NOISE), min_size=1, max_size=25),
    st.sampled_from(["\n", "\r\n", "\n\n", "", "　"]),
)
def test_in_any_layout_every_character_belongs_to_exactly_one_node(lines, newline):
    text = newline.join(lines)
    layout = layout_characters(text)
    try:
        tree = segment(text, "f")
    except InputError:  # the text is nothing but layout
        assert len(layout) == len(text)
        return
    owners = [0] * len(text)
    for node in list(tree.headings) + list(tree.clauses):
        for k in range(node.start, node.end):
            owners[k] += 1
    assert [k for k, n in enumerate(owners) if n != 1 and k not in layout] == []
    assert is_exact(text, tree)
    assert len({c.id for c in tree.clauses}) == len(tree.clauses)


@pytest.mark.parametrize("width", [30, 33, 35, 38, 40])
def test_an_indented_hard_wrapped_plan_keeps_its_paragraphs(width):
    """The 2019 plan as a PDF copy sets it: each paragraph's first line indented 　　, every
    line cut at the margin, so a sentence can end exactly there; the line after it, not
    indented, still belongs to the same paragraph."""
    text = PLAN_2019_FILE.read_text(encoding="utf-8")

    def wrap(line: str) -> str:
        line = "　　" + line if line else line
        return "\n".join(line[k : k + width] for k in range(0, len(line), width))

    wrapped = "\n".join(wrap(line) for line in text.split("\n"))
    tree, original = segment(wrapped, "x"), segment(text, "x")
    assert shape(tree) == shape(original)
    assert keys(tree) == keys(original)
    assert is_exact(wrapped, tree)


@pytest.mark.parametrize(
    "before",
    [
        "中华人民共和国动物防疫法",  # its title
        "（2021年1月22日第十三届全国人民代表大会常务委员会第二十五次会议修订）",
    ],
)
def test_a_law_without_chapters_pasted_as_one_line_keeps_its_first_article(before):
    """The 2021 text, which opens at 第一条, run into one line after its title or its
    enactment note: the article starts where 第一条 does, the rest is front matter."""
    text = read("animal-epidemic-prevention-law", "2021")
    lines = [line.strip(" \u3000") for line in text.splitlines() if line.strip()]
    one_line = before + "\u3000" + "\u3000".join(lines)
    tree, original = segment(one_line, "x"), segment(text, "x")
    assert [c.kind for c in tree.clauses][:2] == ["front", "article"]
    assert [c.id for c in tree.clauses if c.kind != "front"] == [
        c.id for c in original.clauses
    ]
    assert is_exact(one_line, tree)

"""Diffs of whole real versions: what the aligner's types say and what every renderer shows
agree, by clause and by sentence, whatever the layout or the script of the two versions.
"""

import functools
import itertools
import json
from pathlib import Path

import opencc
import pytest

from policydiff.compare import compare_texts
from policydiff.diff import (
    diff_clauses,
    render_html,
    render_json,
    render_markdown,
    render_text,
)
from policydiff.model import Change, Clause, Comparison
from policydiff.normalize import layout_free, to_simplified

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
ANIMAL = "animal-epidemic-prevention-law"
FOOD = "food-safety-law"


def pairs():
    for law in (ANIMAL, FOOD):
        labels = sorted(path.stem for path in (CORPORA / law).glob("*.txt"))
        for old, new in itertools.pairwise(labels):
            yield law, old, new


@functools.cache
def comparison(law: str, old: str, new: str) -> Comparison:
    def read(label):
        return (CORPORA / law / f"{label}.txt").read_text(encoding="utf-8")

    return compare_texts(read(old), read(new), old, new)


def sides(ops):
    old = "".join(text for op, text in ops if op != 1)
    new = "".join(text for op, text in ops if op != -1)
    return old, new


def change_of(comparison, old_label, new_label=None):
    new_label = new_label or old_label
    return next(
        c
        for c in comparison.changes
        if [x.label for x in c.old] == [old_label]
        and [x.label for x in c.new] == [new_label]
    )


def entry(lines, start):
    """The lines of one entry of ``render_text``: its first line and those indented under it."""
    k = next(k for k, line in enumerate(lines) if line.startswith(start))
    end = next(
        (j for j in range(k + 1, len(lines)) if not lines[j].startswith(" ")),
        len(lines),
    )
    return lines[k:end]


# ---------------------------------------------------------------------------- 1: layout


@pytest.mark.parametrize("law,old,new", list(pairs()), ids="-".join)
def test_unchanged_links_show_no_edits_but_their_renumbering(law, old, new):
    # The aligner calls a link unchanged when the matching keys (no whitespace, no
    # numbering label) are equal; the diff must then show nothing but the new number.
    unchanged = [c for c in comparison(law, old, new).changes if c.type == "unchanged"]
    for change in unchanged:
        before, after = sides(change.diff)
        renumbered = before.replace(change.old[0].label, change.new[0].label, 1)
        assert renumbered == after, change.diff


def test_unchanged_article_shows_no_edit_in_any_format():
    # 第二条: the 2020 draft, from a PDF, has 适用 《中华人民共和国进出境动植物检疫法》.
    draft = (CORPORA / ANIMAL / "2020-draft-1.txt").read_text(encoding="utf-8")
    assert "适用 《中华人民共和国进出" in draft
    compared = comparison(ANIMAL, "2015", "2020-draft-1")
    change = change_of(compared, "第二条")
    assert change.type == "unchanged"
    assert [op for op, _ in change.diff] == [0]
    lines = render_text(compared, color=False).splitlines()
    assert entry(lines, "= unchanged 第二条") == ["= unchanged 第二条"]
    data = json.loads(render_json(compared))
    (found,) = [
        c for c in data["changes"] if c["from"][:1] == [change.old[0].to_dict()]
    ]
    assert [op for op, _ in found["diff"]] == [0]
    one = Comparison(ANIMAL, "2015", "2020-draft-1", (change,))
    assert "<ins>" not in render_html(one) and "<del>" not in render_html(one)
    assert "<ins>" not in render_markdown(one) and "<del>" not in render_markdown(one)


def test_added_and_deleted_clauses_show_the_text_the_other_formats_show():
    # The draft's 第六条 is hard-wrapped in its PDF; the text output joins it, as HTML does.
    compared = comparison(ANIMAL, "2015", "2020-draft-1")
    change = next(c for c in compared.changes if c.type == "added")
    lines = render_text(compared, color=False).splitlines()
    shown = entry(lines, f"+ added     {change.new[0].label}")[1:]
    assert "\n".join(line[4:] for line in shown) == layout_free(change.new[0].text)


# ---------------------------------------------------------------------------- 2, 3: sentences


def test_sentence_diffs_read_layout_free_text_as_clause_diffs_do():
    compared = comparison(ANIMAL, "2015", "2020-draft-1")
    by_clause = entry(
        render_text(compared, color=False).splitlines(), "~ modified  第一条"
    )
    by_sentence = entry(
        render_text(compared, color=False, unit="sentence").splitlines(),
        "~ modified  第一条",
    )
    # One sentence: the same redline, the full-width space and commas of 2015 and the
    # draft's half-width commas and hard wraps not shown as edits.
    assert (
        by_sentence[2].strip()
        == by_clause[1].strip()
        == (
            "第一条 为了加强对动物防疫活动的管理，预防、控制[-和扑灭-]{+、净化、消灭+}动物疫病，"
            "促进养殖业发展，保护人体健康，维护公共卫生安全，制定本法。"
        )
    )


def test_changed_only_leaves_out_unchanged_sentences():
    compared = comparison(ANIMAL, "2015", "2020-draft-1")
    every = render_text(compared, color=False, unit="sentence")
    changed = render_text(compared, color=False, unit="sentence", changed_only=True)
    assert "  = unchanged 第三条(1)" in every.splitlines()
    assert "= unchanged" not in changed
    assert entry(changed.splitlines(), "~ modified  第三条")[1].startswith(
        "  ~ modified  第三条(2)"
    )


def test_deleted_sentence_stands_where_it_was_in_the_old_clause():
    # Draft 2 dropped the second sentence of the first draft's 第十一条 (鼓励社会力量参与…).
    compared = comparison(ANIMAL, "2020-draft-1", "2020-draft-2")
    lines = entry(
        render_text(compared, color=False, unit="sentence").splitlines(),
        "~ modified  第十一条 → 第十二条",
    )
    heads = [
        line.split("  (")[0]
        for line in lines
        if line.startswith("  ") and line[2] != " "
    ]
    assert heads == [
        "  = unchanged 第十一条(1) → 第十二条(1)",
        "  - deleted   第十一条(2)",
        "  ~ modified  第十一条(3) → 第十二条(2)",
    ]
    assert lines[3] == (
        "      [-鼓励社会力量参与免疫接种、疫病检测、无害化处理、人员培训、宣传教育、"
        "志愿服务及捐赠等活动。-]"
    )


# ---------------------------------------------------------------------------- 4: scripts

S2T = opencc.OpenCC("s2t")


def article(version: str, label: str) -> Clause:
    """第X条 of food-safety-law 2009 or 2015, as the segmenter cuts it."""
    compared = comparison(FOOD, "2009", "2015")
    tree = compared.alignment.old if version == "2009" else compared.alignment.new
    return next(c for c in tree.clauses if c.label == label)


def traditional(clause: Clause) -> Clause:
    text = S2T.convert(clause.text)
    return Clause(**{**clause.__dict__, "text": text, "end": clause.start + len(text)})


def test_traditional_against_simplified_is_diffed_in_simplified():
    old, new = article("2009", "第一条"), article("2015", "第一条")
    old_traditional = traditional(old)
    assert "公衆身體健康" in old_traditional.text
    ops = diff_clauses([old_traditional], [new])
    # Only the wording changed: 为 → 为了, not 公衆身體健康 → 公众身体健康.
    assert ops == diff_clauses([old], [new])
    assert [(op, text) for op, text in ops if op] == [(-1, "为"), (1, "为了")]
    # The other way round too, and in Simplified.
    assert sides(diff_clauses([new], [old_traditional])) == sides(
        diff_clauses([new], [old])
    )


def test_unchanged_article_in_traditional_shows_no_edit():
    # 2009 第十八条 → 2015 第二十四条 kept its words; one side in Traditional.
    old, new = article("2009", "第十八条"), article("2015", "第二十四条")
    ops = diff_clauses([traditional(old)], [new])
    assert [(op, text) for op, text in ops if op] == [
        (-1, "第十八条"),
        (1, "第二十四条"),
    ]


def test_same_script_is_diffed_as_written():
    old, new = traditional(article("2009", "第一条")), traditional(
        article("2015", "第一条")
    )
    ops = diff_clauses([old], [new])
    assert [(op, text) for op, text in ops if op] == [(1, "了")]
    assert sides(ops) == (layout_free(old.text), layout_free(new.text))


def test_sentence_diffs_follow_the_script_of_their_clauses():
    change = change_of(comparison(FOOD, "2009", "2015"), "第一条")
    old = tuple(traditional(c) for c in change.old)
    change = Change(
        **{**change.__dict__, "old": old, "diff": diff_clauses(old, change.new)}
    )
    mixed = Comparison(FOOD, "2009", "2015", (change,))
    lines = render_text(mixed, color=False, unit="sentence").splitlines()
    assert (
        lines[-1]
        == "      第一条 [-为-]{+为了+}保证食品安全，保障公众身体健康和生命安全，制定本法。"
    )


# ---------------------------------------------------------------------------- 6: JSON


def test_json_diff_is_over_layout_free_text_not_source_text():
    compared = comparison(ANIMAL, "2015", "2020-draft-1")
    data = json.loads(render_json(compared))
    raw_differs = 0
    for change in data["changes"]:
        old, new = sides(change["diff"])
        assert old == "\n".join(layout_free(c["text"]) for c in change["from"])
        assert new == "\n".join(layout_free(c["text"]) for c in change["to"])
        raw_differs += new != "\n".join(c["text"] for c in change["to"])
    # The draft is hard-wrapped and half-width: its source text is not what was diffed.
    assert raw_differs > 50


def test_json_diff_is_in_simplified_when_scripts_differ():
    old, new = article("2009", "第一条"), article("2015", "第一条")
    old = traditional(old)
    change = Change("modified", 0.9, "hand", (old,), (new,), diff_clauses([old], [new]))
    data = json.loads(render_json(Comparison(FOOD, "2009", "2015", (change,))))
    (found,) = data["changes"]
    assert "公衆身體健康" in found["from"][0]["text"]
    old_side = sides(found["diff"])[0]
    assert old_side == to_simplified(layout_free(found["from"][0]["text"]))
    assert "公众身体健康" in old_side


@pytest.mark.parametrize(
    "mark",
    ["zero-width space after each sentence", "PDF page number inside an article"],
)
def test_layout_marks_of_a_copy_are_no_edit(mark):
    """A copy of food-safety-law 2015 padded as web pages and PDF text do: every link
    stays unchanged and shows no edit."""
    text = (CORPORA / FOOD / "2015.txt").read_text(encoding="utf-8")
    if mark.startswith("zero-width"):
        copy = text.replace("。", "。\u200b")
    else:
        lines = text.splitlines()
        k = next(n for n, line in enumerate(lines) if "第十七条" in line)
        copy = "\n".join([*lines[: k + 1], "— 2 —", *lines[k + 1 :]])
    changes = compare_texts(text, copy).changes
    assert {change.type for change in changes} == {"unchanged"}
    assert all(op == 0 for change in changes for op, _ in change.diff)


def test_a_traditional_copy_of_a_simplified_text_is_unchanged():
    """food-safety-law 2015 against its own Traditional copy: every link unchanged, and
    the Simplified side quoted as written (tw2s alone turns its 显著 into 显着)."""
    text = (CORPORA / FOOD / "2015.txt").read_text(encoding="utf-8")
    traditional = opencc.OpenCC("s2t").convert(text)
    changes = compare_texts(traditional, text).changes
    assert {change.type for change in changes} == {"unchanged"}
    shown = "".join(t for change in changes for _, t in change.diff)
    assert "显著" in shown and "显着" not in shown

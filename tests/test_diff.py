import functools
import itertools
import json
import re
import sys
from pathlib import Path

import click
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policydiff.diff as diff_module
from policydiff.diff import (
    diff_clauses,
    diff_texts,
    escape_markdown,
    layout_free,
    ops_to_html,
    ops_to_markdown,
    raw_diff,
    render,
    render_html,
    render_json,
    render_markdown,
    render_text,
    snap_to_words,
    tokenize,
    word_boundaries,
)
from policydiff.model import Change, Clause, Comparison, Sentence, SentenceLink

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
FOOD_SAFETY = CORPORA / "food-safety-law"

# A line that starts an article (第十二条) or a chapter heading (第二章), which ends one.
_ARTICLE_OR_HEADING = re.compile(
    r"(?m)^[ \t\u3000]*(?=第[一二三四五六七八九十百零]+[条章])"
)
_LABEL = re.compile(r"第[一二三四五六七八九十百零]+条")


@functools.cache
def articles(version: str) -> dict[str, str]:
    """Map 第X条 to the article's text in a food-safety-law version, label included."""
    text = (FOOD_SAFETY / f"{version}.txt").read_text(encoding="utf-8")
    found = {}
    for part in _ARTICLE_OR_HEADING.split(text):
        match = _LABEL.match(part)
        if match:
            found[match.group(0)] = part.rstrip()
    return found


def body(version: str, label: str) -> str:
    """The article's text after its label and the space that follows it."""
    return articles(version)[label][len(label) :].lstrip(" \u3000")


def clause(version: str, label: str, text: str | None = None, **kwargs) -> Clause:
    text = body(version, label) if text is None else text
    return Clause(
        id=f"{version}:{label}",
        label=label,
        kind="article",
        ordinal=0,
        path=(),
        text=text,
        start=0,
        end=len(text),
        key=text,
        **kwargs,
    )


def change(type, old, new, similarity=1.0, sentences=()):
    return Change(
        type=type,
        similarity=similarity,
        method="hand",
        old=tuple(old),
        new=tuple(new),
        diff=diff_clauses(old, new),
        sentences=sentences,
    )


def old_text(ops):
    return "".join(text for op, text in ops if op != 1)


def new_text(ops):
    return "".join(text for op, text in ops if op != -1)


def check_well_formed(ops, old, new):
    assert old_text(ops) == old
    assert new_text(ops) == new
    assert all(text for _, text in ops)
    assert all(op in (-1, 0, 1) for op, _ in ops)
    kinds = [op for op, _ in ops]
    assert all(a != b for a, b in itertools.pairwise(kinds))
    # Within a changed region the delete comes first.
    assert all((a, b) != (1, -1) for a, b in itertools.pairwise(kinds))


def changed_regions_on_word_boundaries(ops, old, new):
    old_bounds, new_bounds = word_boundaries(old), word_boundaries(new)
    a = b = 0
    for op, text in ops:
        if op == 0:
            assert a in old_bounds and b in new_bounds, (a, b, ops)
            a += len(text)
            b += len(text)
            assert a in old_bounds and b in new_bounds, (a, b, ops)
        elif op == -1:
            a += len(text)
        else:
            b += len(text)


# ---------------------------------------------------------------------------- diff_texts


def test_word_level_example():
    assert diff_texts("探索设立外资演出经纪机构", "允许设立外资演出经纪机构") == (
        (-1, "探索"),
        (1, "允许"),
        (0, "设立外资演出经纪机构"),
    )


def test_penalty_sentence_2009_to_2015():
    # 2009 第八十八条 → 2015 第一百二十八条: the fine for destroying evidence went up.
    old = articles("2009")["第八十八条"].split("；")[1] + "；"
    new = articles("2015")["第一百二十八条"].split("；")[1] + "；"
    assert old == "毁灭有关证据的，责令停产停业，并处二千元以上十万元以下罚款；"
    assert diff_texts(old, new) == (
        (1, "隐匿、伪造、"),
        (0, "毁灭有关证据的，责令停产停业，"),
        (-1, "并处二千元"),
        (1, "没收违法所得，并处十万元"),
        (0, "以上"),
        (-1, "十万元"),
        (1, "五十万元"),
        (0, "以下罚款；"),
    )


def test_penalty_sentence_raw_diff_splits_words():
    old = "并处二千元以上十万元以下罚款；"
    new = "并处十万元以上五十万元以下罚款；"
    # By character, 十万元 → 五十万元 is the insertion of 五 …
    assert (1, "五") in raw_diff(old, new)
    # … by word it is the whole amount.
    assert diff_texts(old, new) == (
        (0, "并处"),
        (-1, "二千元"),
        (1, "十万元"),
        (0, "以上"),
        (-1, "十万元"),
        (1, "五十万元"),
        (0, "以下罚款；"),
    )


def test_whole_article_2009_to_2015():
    old, new = articles("2009")["第八十八条"], articles("2015")["第一百二十八条"]
    ops = diff_texts(old, new)
    check_well_formed(ops, old, new)
    assert ops[:3] == ((-1, "第八十八"), (1, "第一百二十八"), (0, "条"))
    assert (-1, "由原发证部门") in ops


@pytest.mark.parametrize(
    "old,new,expected",
    [
        ("", "", ()),
        ("同时废止。", "同时废止。", ((0, "同时废止。"),)),
        ("", "本法自2015年10月1日起施行。", ((1, "本法自2015年10月1日起施行。"),)),
        ("同时废止。", "", ((-1, "同时废止。"),)),
        (
            "fine of 2000 yuan",
            "fine of 50000 yuan",
            ((0, "fine of "), (-1, "2000"), (1, "50000"), (0, " yuan")),
        ),
    ],
)
def test_edge_cases(old, new, expected):
    assert diff_texts(old, new) == expected


def test_diff_clauses_ignores_layout_but_keeps_characters():
    old = [clause("2009", "第二条")]
    assert "\u3000\u3000（一）" in old[0].text
    ops = diff_clauses(old, old)
    assert ops == ((0, layout_free(old[0].text)),)
    assert "\n（一）食品生产和加工" in ops[0][1]


def test_diff_clauses_joins_with_newlines():
    old = [clause("2009", "第十八条"), clause("2009", "第十九条")]
    new = [clause("2015", "第二十五条")]
    ops = diff_clauses(old, new)
    check_well_formed(
        ops, "\n".join(layout_free(c.text) for c in old), layout_free(new[0].text)
    )
    assert diff_clauses([], new) == ((1, layout_free(new[0].text)),)
    assert diff_clauses(old[:1], []) == ((-1, layout_free(old[0].text)),)


def test_tokenize_words():
    assert tokenize("探索设立外资演出经纪机构") == [
        "探索",
        "设立",
        "外资",
        "演出",
        "经纪",
        "机构",
    ]
    assert tokenize("自2009年6月1日") == ["自", "2009", "年", "6", "月", "1", "日"]
    assert tokenize("a fine_of 2,000.") == [
        "a",
        " ",
        "fine",
        "_",
        "of",
        " ",
        "2",
        ",",
        "000",
        ".",
    ]


def test_unknown_backend():
    with pytest.raises(ValueError, match="unknown diff backend 'nope'"):
        raw_diff("a", "b", backend="nope")


def test_auto_backend_falls_back_to_pure(monkeypatch):
    monkeypatch.setattr(diff_module, "_fast_module", lambda: None)
    assert raw_diff("并处二千元", "并处十万元") == (
        (0, "并处"),
        (-1, "二千"),
        (1, "十万"),
        (0, "元"),
    )
    with pytest.raises(ValueError, match="needs fast-diff-match-patch"):
        raw_diff("a", "b", backend="fast")


def test_jieba_fallback_without_rjieba(monkeypatch):
    pytest.importorskip("jieba")
    monkeypatch.setitem(sys.modules, "rjieba", None)
    diff_module._cut_words.cache_clear()
    try:
        assert tokenize("探索设立外资演出经纪机构") == [
            "探索",
            "设立",
            "外资",
            "演出",
            "经纪",
            "机构",
        ]
        assert diff_texts("探索设立外资演出经纪机构", "允许设立外资演出经纪机构")[
            0
        ] == (-1, "探索")
    finally:
        diff_module._cut_words.cache_clear()


def article_pairs(limit=None):
    """(label, old, new) for articles with the same number in 2009 and 2015."""
    old, new = articles("2009"), articles("2015")
    pairs = [(label, old[label], new[label]) for label in old if label in new]
    return pairs[:limit]


@pytest.mark.parametrize("label,old,new", article_pairs(50), ids=lambda x: x[:5])
def test_fast_and_pure_backends_agree(label, old, new):
    assert raw_diff(old, new, backend="fast") == raw_diff(old, new, backend="pure")


def test_real_article_pairs_are_well_formed():
    for _, old, new in article_pairs():
        ops = diff_texts(old, new)
        check_well_formed(ops, old, new)
        changed_regions_on_word_boundaries(ops, old, new)


# ---------------------------------------------------------------------------- properties

# Common Chinese words and characters, ASCII, full-width and ASCII punctuation, whitespace.
_PIECES = list(
    "的是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下"
)
_PIECES += [
    "食品",
    "安全",
    "标准",
    "罚款",
    "许可证",
    "违反本法规定",
    "二千元",
    "五万元",
    "以上",
    "以下",
]
_PIECES += list("abcXYZ0129 \n\u3000，。；、（）《》,.;()-_") + ["2009", "yuan"]
texts = st.lists(st.sampled_from(_PIECES), max_size=30).map("".join)
any_texts = st.text(max_size=40)


@given(texts, texts)
@settings(max_examples=300, deadline=None)
def test_round_trip_mixed(old, new):
    ops = diff_texts(old, new)
    check_well_formed(ops, old, new)
    changed_regions_on_word_boundaries(ops, old, new)


@given(texts, texts, texts, texts)
@settings(max_examples=300, deadline=None)
def test_round_trip_local_edit(prefix, middle_old, middle_new, suffix):
    old, new = prefix + middle_old + suffix, prefix + middle_new + suffix
    ops = diff_texts(old, new)
    check_well_formed(ops, old, new)
    changed_regions_on_word_boundaries(ops, old, new)


@given(any_texts, any_texts)
@settings(max_examples=300, deadline=None)
def test_round_trip_any_unicode(old, new):
    check_well_formed(diff_texts(old, new), old, new)
    assert "".join(tokenize(old)) == old


@given(texts)
@settings(deadline=None)
def test_identical_texts_give_one_equal_op(text):
    assert diff_texts(text, text) == (((0, text),) if text else ())


@given(texts, texts, st.data())
@settings(max_examples=200, deadline=None)
def test_snap_to_any_boundaries(old, new, data):
    ops = raw_diff(old, new)
    old_bounds = data.draw(st.sets(st.integers(0, len(old)))) | {0, len(old)}
    new_bounds = data.draw(st.sets(st.integers(0, len(new)))) | {0, len(new)}
    snapped = snap_to_words(ops, frozenset(old_bounds), frozenset(new_bounds))
    check_well_formed(snapped, old, new)


@given(texts, texts)
@settings(max_examples=100, deadline=None)
def test_backends_agree_on_random_text(old, new):
    assert raw_diff(old, new, backend="fast") == raw_diff(old, new, backend="pure")


# ---------------------------------------------------------------------------- rendering


@pytest.fixture
def comparison():
    return Comparison(
        document="food-safety-law",
        from_version="2009",
        to_version="2015",
        changes=(
            change(
                "unchanged",
                [clause("2009", "第十八条")],
                [clause("2015", "第二十四条")],
            ),
            change(
                "modified",
                [clause("2009", "第四十九条")],
                [clause("2015", "第七十二条")],
                similarity=0.87,
            ),
            change("added", [], [clause("2015", "第六十九条")], similarity=0.0),
            change("deleted", [clause("2009", "第五十六条")], [], similarity=0.0),
        ),
    )


def test_render_text_without_color(comparison):
    assert render_text(comparison, color=False) == (
        "food-safety-law 2009 → 2015: 1 unchanged, 1 modified, 1 added, 1 deleted\n"
        "= unchanged 第十八条 → 第二十四条\n"
        "~ modified  第四十九条 → 第七十二条  (0.87)\n"
        "    食品经营者应当按照食品标签标示的警示标志、警示说明或者注意事项的要求"
        "[-，-]销售[-预包装-]食品。\n"
        "+ added     第六十九条\n"
        "    生产经营转基因食品应当按照规定显著标示。\n"
        "- deleted   第五十六条\n"
        "    地方各级人民政府鼓励食品规模化生产和连锁经营、配送。\n"
    )


def test_render_text_changed_only(comparison):
    output = render_text(comparison, color=False, changed_only=True)
    assert "unchanged 第十八条" not in output
    assert output.startswith("food-safety-law 2009 → 2015: 1 unchanged,")


def test_render_text_with_color(comparison):
    output = render_text(comparison)
    assert click.style("，", fg="red", strikethrough=True) in output
    assert click.style("预包装", fg="red", strikethrough=True) in output
    assert click.unstyle(output) == render_text(comparison, color=False).replace(
        "[-", ""
    ).replace("-]", "")


def test_render_text_multiline_and_insert_markers():
    old = clause("2009", "第四条")
    new = clause("2015", "第四条", text=old.text.replace("\n", "\n新增一段。\n", 1))
    output = render_text(
        Comparison(
            "food-safety-law", "2009", "2015", (change("modified", [old], [new], 0.9),)
        ),
        color=False,
    )
    # Every line of the clause is indented, markers included; the source's own indentation
    # (full-width spaces) is layout, not shown as text.
    assert "\n    {+新增一段。+}\n    国务院卫生行政部门" in output


def test_render_text_sentences():
    def sentences(text):
        first, second = text.split("。", 1)
        return (
            Sentence(0, first + "。", 0, len(first) + 1, first),
            Sentence(1, second, len(first) + 1, len(text), second),
        )

    old_text = body("2009", "第十九条")
    new_text = body("2015", "第二十五条")
    old = clause("2009", "第十九条", sentences=sentences(old_text))
    new = clause("2015", "第二十五条", sentences=sentences(new_text))
    links = (
        SentenceLink("unchanged", ((old.id, 0),), ((new.id, 0),), 1.0),
        SentenceLink("modified", ((old.id, 1),), ((new.id, 1),), 0.95),
    )
    comparison = Comparison(
        "food-safety-law",
        "2009",
        "2015",
        (change("modified", [old], [new], 0.97, links),),
    )
    assert render_text(comparison, color=False, unit="sentence").splitlines()[1:] == [
        "~ modified  第十九条 → 第二十五条  (0.97)",
        "  = unchanged 第十九条(1) → 第二十五条(1)",
        "  ~ modified  第十九条(2) → 第二十五条(2)  (0.95)",
        "      除食品安全标准外，不得制定其他[-的-]食品强制性标准。",
    ]
    # By clause, the same change is one diff.
    assert render_text(comparison, color=False).splitlines()[2] == (
        "    食品安全标准是强制执行的标准。除食品安全标准外，不得制定其他[-的-]食品强制性标准。"
    )


def test_render_text_unknown_unit(comparison):
    with pytest.raises(ValueError, match="unknown unit 'word'"):
        render_text(comparison, unit="word")


XSS = "<script>alert(1)</script>"


def test_ops_to_html_escapes_everything():
    ops = diff_texts(f"处罚款{XSS}。", "处罚款<b>&\"'。")
    html = ops_to_html(ops)
    assert "<script>" not in html and "<b>" not in html
    assert "script&gt;alert(1)&lt;/script&gt;" in html
    assert "&amp;" in html and "&quot;" in html
    assert (
        ops_to_html([(0, "甲\n乙"), (-1, "丙"), (1, "丁")])
        == "甲<br>\n乙<del>丙</del><ins>丁</ins>"
    )


def test_render_html(comparison):
    evil = clause("2015", "第一百条", text=f"第一款{XSS}")
    evil = Clause(**{**evil.__dict__, "label": "<i>第一百条</i>"})
    comparison = Comparison(
        f"<b>{XSS}</b>",
        "2009",
        "2015",
        comparison.changes + (change("added", [], [evil], 0.0),),
    )
    html = render_html(comparison)
    assert "<script>" not in html and "<i>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<section") == 5
    assert '<section class="change change-modified" data-type="modified"' in html
    assert "<del>，</del>" in html and "<del>预包装</del>" in html
    assert '<li data-type="added">2 added</li>' in html
    assert render_html(comparison, changed_only=True).count("<section") == 4


def test_render_markdown(comparison):
    assert render_markdown(comparison, changed_only=True) == (
        "# food-safety-law: 2009 → 2015\n"
        "\n"
        "| type | clauses |\n"
        "| --- | ---: |\n"
        "| unchanged | 1 |\n"
        "| modified | 1 |\n"
        "| added | 1 |\n"
        "| deleted | 1 |\n"
        "\n"
        "### 第四十九条 → 第七十二条 (modified, 0.87)\n"
        "\n"
        "食品经营者应当按照食品标签标示的警示标志、警示说明或者注意事项的要求"
        "<del>，</del>销售<del>预包装</del>食品。\n"
        "\n"
        "### 第六十九条 (added)\n"
        "\n"
        "<ins>生产经营转基因食品应当按照规定显著标示。</ins>\n"
        "\n"
        "### 第五十六条 (deleted)\n"
        "\n"
        "<del>地方各级人民政府鼓励食品规模化生产和连锁经营、配送。</del>\n"
    )


def test_markdown_escapes_only_what_markdown_would_read_as_markup():
    # Real text keeps its hyphens, brackets and full stops: no markup can start there.
    assert escape_markdown("food-safety-law (2015). 1.5万元 a+b #3 x>y") == (
        "food-safety-law (2015). 1.5万元 a+b #3 x>y"
    )
    # Emphasis, code, links, HTML, strikethrough, math and entities, wherever they stand.
    assert escape_markdown("*a* `b` [c](d) <e> ~f~ $g$ &amp; & \\") == (
        "\\*a\\* \\`b\\` \\[c\\](d) \\<e> \\~f\\~ \\$g\\$ \\&amp; & \\\\"
    )
    # ``_`` only emphasises at the edge of a word.
    assert escape_markdown("_y_ snake_case 食品_安全") == "\\_y\\_ snake_case 食品_安全"
    # Block markup only at the start of a line: headings, quotes, lists, rules, tables.
    for line, escaped in [
        ("# 标题", "\\# 标题"),
        ("> 引文", "\\> 引文"),
        ("- 项", "\\- 项"),
        ("+ 项", "\\+ 项"),
        ("1. 项", "1\\. 项"),
        ("2) 项", "2\\) 项"),
        ("===", "\\==="),
        ("| --- |", "\\| --- |"),
        (":--", "\\:--"),
    ]:
        assert escape_markdown(line) == escaped
        assert escape_markdown("甲\n" + line) == "甲\n" + escaped
        assert escape_markdown(line, line_start=False) == line.replace("|", "|")
    # In a table cell: pipes escaped, lines joined with <br>, no block markup possible.
    assert escape_markdown("- 甲|乙\n1. 丙", table=True) == "- 甲\\|乙<br>1. 丙"


# A hard line break, a backslash escape, one of the redline's marks, or any other character.
_MARKDOWN_TOKEN = re.compile(
    r"(\\\n)|\\([!-/:-@\[-`{-~])|<(/?)(del|ins)>|(.)", re.DOTALL
)


def markdown_sides(markdown):
    """Read a Markdown redline back: the old and the new text, marks and escapes removed.

    Every ``<`` of the text is escaped, so an unescaped ``<del>`` or ``<ins>`` is a mark.
    """
    old, new = [], []
    open_tag = None
    for match in _MARKDOWN_TOKEN.finditer(markdown):
        line_break, escaped, closing, tag, char = match.groups()
        if tag:
            assert (tag == open_tag) if closing else open_tag is None, markdown
            open_tag = None if closing else tag
            continue
        text = "\n" if line_break else escaped or char
        if open_tag != "ins":
            old.append(text)
        if open_tag != "del":
            new.append(text)
    assert open_tag is None, markdown
    return "".join(old), "".join(new)


def test_markdown_redline_cannot_be_broken_by_its_text():
    # 2009 第八十八条 → 2015 第一百二十八条, with markup put into both sides: what is in
    # the text stays text, and the marks open and close where the diff says.
    old = "# " + articles("2009")["第八十八条"] + " **~~<del>"
    new = "1. " + articles("2015")["第一百二十八条"] + " </ins>*\\"
    ops = diff_texts(old, new)
    markdown = ops_to_markdown(ops)
    assert markdown_sides(markdown) == (old, new)
    assert markdown.startswith("<del># 第八十八</del><ins>1. 第一百二十八</ins>条")
    # Marks are HTML: ~~ and ** would not open beside punctuation (要求~~，~~销售).
    assert (
        ops_to_markdown(diff_texts("要求，销售", "要求销售")) == "要求<del>，</del>销售"
    )


def test_markdown_redline_reads_back_on_real_articles():
    for _, old, new in article_pairs(40):
        old, new = layout_free(old), layout_free(new)
        assert markdown_sides(ops_to_markdown(diff_texts(old, new))) == (old, new)


def test_markdown_escapes_the_ascii_brackets_of_a_real_preamble():
    # The 2015 animal epidemic prevention law cites an amending decision with <…>.
    text = (CORPORA / "animal-epidemic-prevention-law" / "2015.txt").read_text()
    line = next(line for line in text.splitlines() if "文物保护法>" in line)
    new = clause("2015", "前言", text=line)
    output = render_markdown(
        Comparison("d", "a", "b", (change("added", [], [new], 0.0),))
    )
    assert "《关于修改\\<中华人民共和国文物保护法>等十二部法律的决定》" in output
    assert "\\-" not in output and "\\(" not in output


def test_render_json(comparison):
    output = render_json(comparison, changed_only=True)
    assert "食品经营者" in output  # ensure_ascii=False
    data = json.loads(output)
    assert data["counts"]["modified"] == 1
    assert [c["type"] for c in data["changes"]] == ["modified", "added", "deleted"]
    assert data["changes"][0]["diff"][1] == [-1, "，"]


def test_render_dispatch(comparison):
    assert render(comparison, "text", color=False) == render_text(
        comparison, color=False
    )
    page = render(comparison, "html")
    assert page.startswith(
        '<!DOCTYPE html>\n<html lang="zh">\n<head>\n<meta charset="utf-8">'
    )
    assert render_html(comparison) in page
    assert render(comparison, "markdown", changed_only=True) == render_markdown(
        comparison, changed_only=True
    )
    assert render(comparison, "json") == render_json(comparison)
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        render(comparison, "xml")

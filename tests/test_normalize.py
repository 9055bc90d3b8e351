"""Normalising text for matching and for display, on real text."""

from pathlib import Path

import opencc
import pytest

from policydiff.diff import diff_texts
from policydiff.normalize import (
    layout_free,
    matching_key,
    repair_hard_wraps,
    script,
    section_title,
    unify_punctuation,
)

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def test_hard_wraps_inside_sentences_are_joined():
    # 第一条 of the 2020 draft, as published in PDF: three lines, one sentence.
    lines = [
        "第一条 为了加强对动物防疫活动的管理,预防、控制、净",
        "化、消灭动物疫病,促进养殖业发展,保护人体健康,维护公共",
        "卫生安全,制定本法。",
        "第二条 本法适用于在中华人民共和国领域内的动物防疫及",
        "其监督管理活动。",
    ]
    assert repair_hard_wraps(lines) == [
        (
            "第一条 为了加强对动物防疫活动的管理,预防、控制、净化、消灭动物疫病,促进养殖业发展,"
            "保护人体健康,维护公共卫生安全,制定本法。"
        ),
        "第二条 本法适用于在中华人民共和国领域内的动物防疫及其监督管理活动。",
    ]


def test_numbered_items_start_their_own_line():
    lines = ["应当遵守下列规定", "(一)实行检疫", "(二)建立档案"]
    assert repair_hard_wraps(lines) == lines


def test_punctuation_beside_chinese_is_full_width_and_numbers_are_left_alone():
    assert unify_punctuation("管理,预防(一)") == "管理，预防（一）"
    assert unify_punctuation("共1,000元; ratio 3:1") == "共1,000元； ratio 3:1"


def test_a_draft_and_the_law_differ_only_in_words_not_layout():
    draft = (
        CORPORA / "animal-epidemic-prevention-law" / "2020-draft-2.txt"
    ).read_text()
    law = (CORPORA / "animal-epidemic-prevention-law" / "2021.txt").read_text()
    old = layout_free(draft[draft.index("第三条") : draft.index("第四条")])
    new = layout_free(law[law.index("第三条") : law.index("第四条")])
    changes = [text for op, text in diff_texts(old, new) if op]
    assert "\n" not in "".join(changes)
    assert "合法" in changes and "诊疗、" in changes


def read(law, version):
    return (CORPORA / law / f"{version}.txt").read_text(encoding="utf-8")


def article(text, label, next_label):
    return text[text.index(label) : text.index(next_label)]


def test_spaces_beside_chinese_are_layout():
    # 第二条 as enacted (2015) and in the first draft, whose PDF has 适用 《…》.
    law = article(read("animal-epidemic-prevention-law", "2015"), "第二条", "第三条")
    draft = article(
        read("animal-epidemic-prevention-law", "2020-draft-1"), "第二条", "第三条"
    )
    assert "适用 《" in draft
    assert layout_free(draft) == layout_free(law)
    assert "适用《中华人民共和国进出境动植物检疫法》" in layout_free(law)
    # The 1997 text has a stray space every thirty characters, inside words.
    old = article(
        read("animal-epidemic-prevention-law", "1997"), "第四十九条", "第五十条"
    )
    assert "检疫证明的动 物" in old
    assert "检疫证明的动物" in layout_free(old)
    # 第四十一条 of 2013 has 资格条 件 where 2007 has 资格条件.
    texts = [
        article(read("animal-epidemic-prevention-law", v), "第四十一条", "第四十二条")
        for v in ("2007", "2013")
    ]
    assert "资格条 件" in texts[1] and "资格条 件" not in texts[0]
    assert layout_free(texts[0]) == layout_free(texts[1])


def test_spaces_between_latin_words_and_numbers_are_kept():
    assert layout_free("fine of  2000 yuan") == "fine of 2000 yuan"
    # A number the 1997 text broke with a space stays broken: it is not beside Chinese.
    old = article(
        read("animal-epidemic-prevention-law", "1997"), "第五十一条", "第五十二条"
    )
    assert "并处2000元以上50 00元以下的罚款" in layout_free(old)


def test_article_label_keeps_one_space():
    enacted = read("animal-epidemic-prevention-law", "2015")
    draft = read("animal-epidemic-prevention-law", "2020-draft-1")
    assert "第一条　为了" in enacted and "第一条 为了" in draft
    for text in (enacted, draft):
        assert layout_free(article(text, "第一条", "第二条")).startswith(
            "第一条 为了加强"
        )
    first = article(read("food-safety-law", "2009"), "第一条", "第二条")
    assert layout_free(first.replace("　", "")).startswith("第一条 为保证")
    assert layout_free(opencc.OpenCC("s2t").convert(first)).startswith("第一條 爲保證")
    assert layout_free("第一章　总　　则") == "第一章 总则"


def test_script_of_real_text():
    first = article(read("food-safety-law", "2009"), "第一条", "第二条")
    assert script(first) == "simplified"
    assert script(opencc.OpenCC("s2t").convert(first)) == "traditional"
    # 2015 has 著 (显著), which tw2s would change, but it is Simplified text.
    assert script(read("food-safety-law", "2015")) == "simplified"
    assert script("2015") is None


@pytest.mark.parametrize(
    "heading,title",
    [
        ("第二章　食品安全风险监测和评估", "食品安全风险监测和评估"),
        ("第二節　食品安全风险监测和评估", "食品安全风险监测和评估"),  # Traditional
        ("第三篇 组织实施", "组织实施"),  # five-year plan outlines
        ("附件1：开放措施清单", "开放措施清单"),
        ("二、主要任务", "主要任务"),
    ],
)
def test_a_renumbered_section_compares_by_its_title(heading, title):
    assert section_title(heading) == title


def test_invisible_characters_do_not_count_in_matching():
    """Zero-width spaces and a stray BOM, which web pages pad text with."""
    padded = "第一条\u200b为了保证\ufeff食品安全\u2060，制定本法。"
    assert matching_key(padded) == matching_key("第一条为了保证食品安全，制定本法。")

"""Normalising text for matching and for display, on real text."""

from pathlib import Path

from policydiff.diff import diff_texts
from policydiff.normalize import layout_free, repair_hard_wraps, unify_punctuation

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

"""Segmentation of real laws and plans into headings, clauses and sentences."""


import pytest
from conftest import CORPORA, PLAN_2019_FILE
from hypothesis import given, settings
from hypothesis import strategies as st

from policydiff.normalize import chinese_number, matching_key, to_simplified
from policydiff.segment import segment


def read(law: str, label: str) -> str:
    return (CORPORA / law / f"{label}.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "law,label,articles",
    [
        ("food-safety-law", "1995", 57),
        ("food-safety-law", "2009", 104),
        ("food-safety-law", "2015", 154),
        ("animal-epidemic-prevention-law", "1997", 58),
        ("animal-epidemic-prevention-law", "2007", 85),
        ("animal-epidemic-prevention-law", "2020-draft-1", 113),
        ("animal-epidemic-prevention-law", "2020-draft-2", 112),
        ("animal-epidemic-prevention-law", "2021", 113),
    ],
)
def test_law_articles_are_numbered_without_gaps(law, label, articles):
    tree = segment(read(law, label), label)
    numbers = [c.number for c in tree.clauses if c.kind == "article"]
    assert numbers == list(range(1, articles + 1))


def test_article_label_is_its_heading_as_printed():
    tree = segment(read("food-safety-law", "2009"), "2009")
    clause = tree.clause("2009:a12")
    assert clause.label == "第十二条"
    assert clause.path == ("第二章　食品安全风险监测和评估",)
    assert clause.text.startswith("第十二条　国务院农业行政")


def test_clause_text_is_exactly_the_source_slice():
    text = read("animal-epidemic-prevention-law", "2020-draft-1")
    tree = segment(text, "d1")
    for clause in tree.clauses:
        assert clause.text == text[clause.start : clause.end]
        for sentence in clause.sentences:
            assert sentence.text == text[sentence.start : sentence.end]


def test_hard_line_breaks_do_not_split_sentences():
    # The 2020 draft was published as PDF: 第一条 runs over three lines.
    tree = segment(read("animal-epidemic-prevention-law", "2020-draft-1"), "d1")
    first = tree.clause("d1:a1")
    assert "\n" in first.text
    assert len(first.sentences) == 1
    assert first.key.startswith(
        "为了加强对动物防疫活动的管理,预防、控制、净化、消灭动物疫病"
    )


def test_table_of_contents_is_front_matter_not_chapters():
    tree = segment(read("animal-epidemic-prevention-law", "1997"), "1997")
    chapters = [h.label for h in tree.headings]
    assert chapters == [f"第{n}章" for n in "一二三四五六七"]
    front = [c for c in tree.clauses if c.kind == "front"]
    assert front[0].text == "中华人民共和国动物防疫法"
    assert front[-1].label == "目录" or front[-1].text.startswith("目")


def test_heading_glued_to_its_title():
    tree = segment(
        "第一章总则\n第一条 为了保障安全，制定本法。\n第二条 本法适用于全国。\n", "x"
    )
    assert tree.headings[0].label == "第一章"
    assert tree.headings[0].title == "总则"
    assert tree.clauses[0].path == ("第一章总则",)


def test_plan_paragraphs_are_named_by_their_lead_sentence():
    tree = segment(PLAN_2019_FILE.read_text(encoding="utf-8"), "2019")
    labels = [c.label for c in tree.clauses]
    assert "二（二）推进文化行业扩大对外开放" in labels
    clause = tree.clause("2019:2.2.p1")
    assert clause.label == "二（二）推进文化行业扩大对外开放"
    assert clause.path == (
        "二、主要任务",
        "（二）立足文化中心建设，提升文化软实力和国际影响力。",
    )
    assert "允许设立外商独资演出经纪机构" in clause.text
    assert len(clause.sentences) == 4


def test_plan_headings_nest():
    tree = segment(PLAN_2019_FILE.read_text(encoding="utf-8"), "2019")
    top = [h.label for h in tree.headings if h.level == 1]
    assert top == ["一", "二", "三"]
    assert len([h for h in tree.headings if h.level == 2]) == 9


def test_numbered_items_with_their_own_text_are_clauses():
    text = "一、主要任务\n（一）支持设立外资机构。允许外资控股。\n（二）探索开放试点。鼓励创新。\n"
    tree = segment(text, "p")
    assert [c.kind for c in tree.clauses] == ["item", "item"]
    assert tree.clauses[0].label == "一（一）支持设立外资机构"
    assert tree.clauses[0].key == matching_key("支持设立外资机构。允许外资控股。")


def test_traditional_characters_match_their_simplified_form():
    traditional = "第一條 為了加強對動物防疫活動的管理，制定本法。"
    simplified = "第一条 为了加强对动物防疫活动的管理，制定本法。"
    assert to_simplified(traditional) == simplified
    assert matching_key(traditional) == matching_key(simplified)


def test_full_width_and_half_width_punctuation_match():
    assert matching_key("（一）检疫，合格的；") == matching_key("(一)检疫,合格的;")


def test_english_text_segments_into_articles_and_sentences():
    text = (
        "Chapter 1 General Provisions\n"
        "Article 1 This Law is formulated to ensure food safety. It protects health.\n"
        "Article 2 This Law applies to food production.\n"
    )
    tree = segment(text, "en")
    assert [c.label for c in tree.clauses] == ["Article 1", "Article 2"]
    assert [s.text for s in tree.clauses[0].sentences][1] == "It protects health."
    assert tree.headings[0].title == "General Provisions"


@pytest.mark.parametrize(
    "numeral,value", [("十二", 12), ("一百零五", 105), ("二十", 20), ("154", 154)]
)
def test_chinese_numbers(numeral, value):
    assert chinese_number(numeral) == value


def covered_characters(tree) -> list[int]:
    owners = [0] * len(tree.text)
    for node in list(tree.headings) + list(tree.clauses):
        for k in range(node.start, node.end):
            owners[k] += 1
    return owners


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "第一章 总则",
                    "第三条 ",
                    "一、",
                    "（二）",
                    "1.",
                    "目录",
                    "\n",
                    "\u3000",
                    "。",
                    "；",
                ]
            ),
            st.text(alphabet="法规定应当不得支持允许的，。ab1 \n", max_size=30),
        ),
        max_size=30,
    ).map("".join)
)
def test_every_character_belongs_to_exactly_one_node(text):
    if not text.strip():
        return
    tree = segment(text, "f")
    owners = covered_characters(tree)
    for k, char in enumerate(text):
        if not char.isspace():
            assert owners[k] == 1, (k, char, text)


def test_article_label_on_a_line_of_its_own():
    tree = segment("第一条\n为了保障安全，制定本法。\n第二条\n本法适用于全国。\n", "x")
    assert [c.label for c in tree.clauses] == ["第一条", "第二条"]
    assert tree.clauses[0].key == matching_key("为了保障安全，制定本法。")


def test_articles_run_together_on_one_line_are_separated():
    # Text pasted from a web page often loses its line breaks.
    text = read("food-safety-law", "2009")
    articles = [c.text for c in segment(text, "a").clauses if c.kind == "article"][:5]
    run_on = " ".join(a.replace("\n", "").strip() for a in articles)
    tree = segment(run_on, "b")
    assert [c.label for c in tree.clauses] == [
        "第一条",
        "第二条",
        "第三条",
        "第四条",
        "第五条",
    ]
    assert all(c.text == run_on[c.start : c.end] for c in tree.clauses)


def test_a_cross_reference_after_a_sentence_end_is_not_an_article():
    text = "第一条 本法适用于全国。\n第二条 有关部门应当依法履行职责。第五条规定的情形除外。\n第三条 本法自公布之日起施行。\n"
    tree = segment(text, "x")
    assert [c.label for c in tree.clauses] == ["第一条", "第二条", "第三条"]


def test_an_inserted_article_follows_the_article_it_is_numbered_after():
    text = (
        "第一百二十条 组织、领导恐怖活动组织的，处十年以上有期徒刑。\n"
        "第一百二十条之一 资助恐怖活动组织的，处五年以下有期徒刑。\n"
        "第一百二十一条 以暴力劫持航空器的，处十年以上有期徒刑。\n"
    )
    tree = segment(text, "x")
    assert [(c.id, c.label, c.number) for c in tree.clauses] == [
        ("x:a120", "第一百二十条", 120),
        ("x:a120.1", "第一百二十条之一", 120),
        ("x:a121", "第一百二十一条", 121),
    ]
    assert tree.clauses[1].key == matching_key(
        "资助恐怖活动组织的，处五年以下有期徒刑。"
    )


def test_parts_and_subparts_nest_above_chapters():
    text = (
        "第三编 合同\n第一分编 通则\n第一章 一般规定\n"
        "第四百六十三条 本编调整因合同产生的民事关系。\n"
        "第二分编 典型合同\n第九章 买卖合同\n"
        "第五百九十五条 买卖合同是出卖人转移标的物的所有权于买受人，买受人支付价款的合同。\n"
    )
    tree = segment(text, "x")
    assert tree.clause("x:a463").path == (
        "第三编 合同",
        "第一分编 通则",
        "第一章 一般规定",
    )
    assert tree.clause("x:a595").path == (
        "第三编 合同",
        "第二分编 典型合同",
        "第九章 买卖合同",
    )


def test_plan_parts_and_decimal_numbering():
    text = (
        "第一部分 总体要求\n"
        "到2025年，基本建成开放型服务业体系，形成一批可复制推广的经验。\n"
        "第二部分 主要任务\n"
        "1. Opening up\n"
        "1.1 Finance\n"
        "Foreign banks may hold bonds. They may also trade them.\n"
    )
    tree = segment(text, "x")
    assert [c.path for c in tree.clauses] == [
        ("第一部分 总体要求",),
        ("第二部分 主要任务", "1. Opening up", "1.1 Finance"),
    ]

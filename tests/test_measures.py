"""Measures: extracted from clauses with exact spans, aligned across versions (also to
another clause), rendered by the CLI, and turned into rows for the database."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from policydiff import compare_texts, document_history, load_document, segment
from policydiff.cli import cli
from policydiff.measures import clause_measures, compare_measures
from policydiff.rows import TABLES, measure_rows

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"

LAW = """第一条　违反本法规定，有下列情形之一的，由县级以上人民政府食品药品监督管理部门没收违法所得；违法生产经营的食品货值金额不足一万元的，并处五万元以上十万元以下罚款；情节严重的，吊销许可证：
（一）生产经营致病性微生物超过食品安全标准限量的食品；
（二）用超过保质期的食品原料生产食品。
第二条　本法自2015年10月1日起施行。
"""


def test_a_law_article_is_cut_at_semicolons_and_items():
    tree = segment(LAW, "2015")
    measures = clause_measures(tree.clauses[0])
    assert [m.text for m in measures] == [
        "违反本法规定，有下列情形之一的，由县级以上人民政府食品药品监督管理部门没收违法所得；",
        "违法生产经营的食品货值金额不足一万元的，并处五万元以上十万元以下罚款；",
        "情节严重的，吊销许可证：",
        "生产经营致病性微生物超过食品安全标准限量的食品；",
        "用超过保质期的食品原料生产食品。",
    ]
    assert [m.id for m in measures][:2] == ["2015:a1.m1", "2015:a1.m2"]
    for m in measures:
        assert LAW[m.start : m.end] == m.text
    assert measures[0].actors == ("县级以上人民政府食品药品监督管理部门",)
    assert "没收" in measures[0].verbs


def test_a_plan_sentence_is_cut_before_each_action():
    text = "一、任务\n多形式助推国际文化交流。完善交流合作机制，拓宽渠道，支持海外中国文化中心建设，有序引进外国优秀文化成果。\n"
    tree = segment(text, "2019")
    measures = [m.text for c in tree.clauses for m in clause_measures(c)]
    assert measures == [
        "多形式助推国际文化交流。",
        "完善交流合作机制，",
        "拓宽渠道，",
        "支持海外中国文化中心建设，",
        "有序引进外国优秀文化成果。",
    ]


def test_a_measure_that_moved_to_another_clause_is_found():
    old = (
        "第一条　国务院负责全国的食品安全监督管理工作。县级以上人民政府应当加强食品安全监督管理能力建设。\n"
        "第二条　食品生产经营者对其生产经营食品的安全负责。\n"
    )
    new = (
        "第一条　国务院负责全国的食品安全监督管理工作。\n"
        "第二条　食品生产经营者对其生产经营食品的安全负责。县级以上人民政府应当加强食品安全监督管理能力建设。\n"
    )
    result = compare_measures(compare_texts(old, new))
    (moved,) = [link for link in result.links if link.type == "moved"]
    assert (moved.old.id, moved.new.id) == ("old:a1.m2", "new:a2.m2")
    assert moved.classes.strength == "same"


@pytest.fixture(scope="module")
def food_safety():
    document = load_document("food-safety-law", CORPORA)
    return document_history(document)


def test_every_measure_of_both_versions_is_in_a_link(food_safety):
    comparison = food_safety.comparisons[1]
    result = compare_measures(comparison)
    old = {
        m.id for c in comparison.changes for cl in c.old for m in clause_measures(cl)
    }
    new = {
        m.id for c in comparison.changes for cl in c.new for m in clause_measures(cl)
    }
    assert {link.old.id for link in result.links if link.old} == old
    assert {link.new.id for link in result.links if link.new} == new
    assert sum(result.counts().values()) == len(result.links)


def test_measure_rows_for_the_database(food_safety):
    tables = measure_rows(food_safety)
    assert tuple(tables) == TABLES
    measures = tables["measures"]
    assert len({row["id"] for row in measures}) == len(measures)
    assert set(measures[0]) == {
        "id",
        "document",
        "version",
        "clause_id",
        "clause_label",
        "ordinal",
        "sentence",
        "text",
        "start",
        "end",
        "verbs",
        "actors",
        "scope",
    }
    links = tables["measure_links"]
    assert len({row["id"] for row in links}) == len(links)
    (fine,) = [
        row
        for row in tables["parameter_changes"]
        if row["old_measure"] == "food-safety-law/2009:a85.m2"
        and row["new_measure"] == "food-safety-law/2015:a123.m2"
    ]
    assert (fine["kind"], fine["old"], fine["new"], fine["unit"]) == (
        "amount",
        "2000-50000",
        "100000-150000",
        "元",
    )
    assert fine["old_text"] == "二千元以上五万元以下"
    assert fine["reviewed"] == 0
    classes = {
        (r["link_id"], r["class"], r["value"]) for r in tables["measure_classes"]
    }
    assert (
        "food-safety-law/2009:a85.m2>2015:a123.m2",
        "restriction",
        "tightened",
    ) in classes
    evidence = next(
        json.loads(r["evidence"])
        for r in tables["measure_classes"]
        if r["link_id"].endswith("2009:a85.m2>2015:a123.m2")
        and r["class"] == "restriction"
    )
    assert evidence[0]["rule"] == "penalty raised"
    stats = tables["stats"]
    assert {row["from_version"] for row in stats} == {"1995", "2009"}
    for table in tables.values():
        for row in table:
            json.dumps(row, ensure_ascii=False)


# ---------------------------------------------------------------------------- CLI


def test_measures_json():
    result = CliRunner().invoke(
        cli,
        [
            "measures",
            str(CORPORA / "food-safety-law"),
            "--from",
            "2009",
            "--to",
            "2015",
            "--format",
            "json",
            "--changed-only",
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"document", "from", "to", "counts", "classes", "measures"} <= set(data)
    (fine,) = [
        m
        for m in data["measures"]
        if m["from"]
        and m["from"]["id"] == "2009:a85.m2"
        and m["to"]["id"] == "2015:a123.m2"
    ]
    assert (
        fine["from"]["label"] == "第八十五条"
        and fine["to"]["label"] == "第一百二十三条"
    )
    assert fine["classes"]["strength"] == "same"
    assert fine["classes"]["parameters"][0]["old"] == "2000-50000"
    assert {"added", "removed"} == set(fine["classes"]["actors"])
    assert fine["evidence"]


def test_measures_text():
    result = CliRunner().invoke(
        cli,
        [
            "measures",
            "food-safety-law",
            "--from",
            "2009",
            "--to",
            "2015",
            "--changed-only",
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "modified  第八十五条 m2 → 第一百二十三条 m2  (0.86)" in result.output
    assert "  = tightened; amount 2000-50000 → 100000-150000 元" in result.output
    assert (
        "    restriction: penalty raised (二千元以上五万元以下 → 十万元以上十五万元以下)"
        in result.output
    )


def test_measures_with_a_bad_lexicon(tmp_path):
    lexicon = tmp_path / "lexicon.toml"
    lexicon.write_text("not toml = = =", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["measures", "food-safety-law", "--lexicon", str(lexicon)]
    )
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {lexicon}: not a valid TOML lexicon")


# ---------------------------------------------------------------------------- duplicates

REPEATED = (
    "食品生产经营者应当依照法律、法规和食品安全标准从事生产经营活动，对社会和公众负责，"
    "保证食品安全，接受社会监督，承担社会责任。"
)


def _food_safety_2009_with_article_3_doubled(folder: Path, doubled_first: bool) -> Path:
    """Synthetic: a bare folder of food-safety-law 2009 and a copy whose 第三条 says its one
    应当 sentence twice; the doubled copy is the old version when ``doubled_first``."""
    folder.mkdir()
    text = (CORPORA / "food-safety-law" / "2009.txt").read_text(encoding="utf-8")
    assert text.count(REPEATED) == 1
    doubled = text.replace(REPEATED, REPEATED * 2)
    old, new = (doubled, text) if doubled_first else (text, doubled)
    (folder / "2009.txt").write_text(old, encoding="utf-8")
    (folder / "2009-synthetic.txt").write_text(new, encoding="utf-8")
    return folder


def test_a_synthetic_doubled_sentence_is_an_added_measure_not_a_split(tmp_path):
    folder = _food_safety_2009_with_article_3_doubled(tmp_path / "doubled", False)
    result = CliRunner().invoke(cli, ["measures", str(folder), "-q", "--changed-only"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:4] == [
        "doubled 2009 → 2009-synthetic measures: 349 unchanged, 1 added",
        "classes: none",
        "",
        "added  ∅ → 第三条 m2",
    ]
    comparison = document_history(load_document(str(folder))).comparisons[0]
    links = compare_measures(comparison).links
    (unchanged,) = [link for link in links if link.old and link.old.label == "第三条"]
    assert (unchanged.type, unchanged.new.id) == ("unchanged", "2009-synthetic:a3.m1")
    olds = [link.old.id for link in links if link.old]
    assert len(olds) == len(set(olds))  # each old measure in one link


def test_a_synthetic_dropped_repetition_is_a_deleted_measure_not_a_merge(tmp_path):
    folder = _food_safety_2009_with_article_3_doubled(tmp_path / "undoubled", True)
    result = CliRunner().invoke(cli, ["measures", str(folder), "-q", "--changed-only"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:4] == [
        "undoubled 2009 → 2009-synthetic measures: 349 unchanged, 1 deleted",
        "classes: none",
        "",
        "deleted  第三条 m2 → ∅",
    ]


def test_a_new_sentence_like_an_unchanged_measure_is_added_not_split(food_safety):
    # 2015 第九十五条 keeps 2009 第六十四条's 接到通报的部门应当及时采取相应措施。 and adds
    # 国家出入境检验检疫部门应当及时采取相应措施。: new wording, not half of the old one.
    result = compare_measures(food_safety.comparisons[1])
    types = {
        (
            link.old.id if link.old else None,
            link.new.id if link.new else None,
        ): link.type
        for link in result.links
    }
    assert types[("2009:a64.m2", "2015:a95.m2")] == "unchanged"
    assert types[(None, "2015:a95.m5")] == "added"
    assert not any(old == "2009:a64.m2" for old, new in types if new != "2015:a95.m2")


def test_a_traditional_version_has_the_same_measures_and_classes():
    """food-safety-law 2009 against its 2015 text, and against a Traditional copy of the
    2015 text: the same measures, links and classes (the lexicon reads Simplified)."""
    import opencc

    old = (CORPORA / "food-safety-law" / "2009.txt").read_text(encoding="utf-8")
    new = (CORPORA / "food-safety-law" / "2015.txt").read_text(encoding="utf-8")
    traditional = opencc.OpenCC("s2t").convert(new)
    as_published = compare_measures(compare_texts(old, new))
    in_traditional = compare_measures(compare_texts(old, traditional))
    assert in_traditional.counts() == as_published.counts()
    assert in_traditional.class_counts() == as_published.class_counts()
    article_1 = in_traditional.links[0]
    assert article_1.new.text.startswith("爲了保證食品安全")  # the label 第一條 left out

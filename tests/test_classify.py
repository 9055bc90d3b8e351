"""Change classes: numbers, strength, parameters, actors, scope, restriction; on real law
texts, on SYNTHETIC revisions of the 2019 plan, and on the hand-labelled pairs."""

from pathlib import Path

import pytest
import synthetic
from labelled_measures import load_pairs, matched, parameter_rows

from policydiff import load_document
from policydiff.classify import Classes, classify
from policydiff.compare import compare, compare_trees
from policydiff.lexicon import LexiconError, load_lexicon
from policydiff.measures import compare_measures
from policydiff.numbers import parse_number, quantities

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


# ---------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    "numeral,value",
    [
        ("二千", 2000),
        ("五万", 50000),
        ("十万", 100000),
        ("一百五十万", 1500000),
        ("三十", 30),
        ("十五", 15),
        ("两亿", 200000000),
        ("5万", 50000),
        ("2020", 2020),
        ("二〇二〇", 2020),
    ],
)
def test_parse_number(numeral, value):
    assert parse_number(numeral) == value


@pytest.mark.parametrize(
    "text,found",
    [
        ("处二千元以上五万元以下罚款", [("amount", "2000-50000", "元", "range")]),
        ("处5万元以上10万元以下罚款", [("amount", "50000-100000", "元", "range")]),
        ("并处货值金额五倍以上十倍以下罚款", [("multiple", "5-10", "倍", "range")]),
        ("外资股比不超过49%", [("percentage", "49", "%", "不超过")]),
        ("货值金额百分之十以上百分之五十以下", [("percentage", "10-50", "%", "range")]),
        ("三分之二以上", [("percentage", "66.67", "%", "以上")]),
        ("自2015年10月1日起施行", [("date", "2015-10-01", "年", "起")]),
        ("2025年底前完成", [("date", "2025", "年", "底前")]),
        ("三十日内作出决定", [("duration", "30", "日", "内")]),
        ("十五个工作日内", [("duration", "15", "工作日", "内")]),
        ("不少于3年", [("duration", "3", "年", "不少于")]),
        ("降为不低于两亿美元", [("amount", "200000000", "美元", "不低于")]),
        ("设立20个分中心", [("count", "20", "个", "")]),
        # names, not quantities
        ("依照本法第一百二十四条的规定", []),
        ("国函〔2015〕81号", []),
        ("发生一类动物疫病时", []),
        ("申请前上一年度的资产", []),
        ("统一领导", []),
    ],
)
def test_quantities(text, found):
    assert [(q.kind, q.value, q.unit, q.qualifier) for q in quantities(text)] == found


def test_quantity_spans_point_into_the_text():
    text = "违法生产经营的食品货值金额不足一万元的，并处二千元以上五万元以下罚款；"
    for q in quantities(text):
        assert text[q.start : q.end] == q.text


# ---------------------------------------------------------------------------- strength


@pytest.mark.parametrize(
    "old,new,strength",
    [
        ("探索设立文化发展基金", "支持设立文化发展基金", "strengthened"),
        ("研究建立跨境数据流动机制", "探索建立跨境数据流动机制", "strengthened"),
        ("支持设立外商独资演出经纪机构", "鼓励设立外商独资演出经纪机构", "weakened"),
        ("允许外资银行参与", "探索外资银行参与", "weakened"),
        ("逐步构建开放体系", "全面构建开放体系", "strengthened"),
        ("积极培育新型文化业态", "大力培育新型文化业态", "strengthened"),
        ("支持科技成果转化", "有序支持科技成果转化", "weakened"),
        ("原则上支持境外投资者", "支持境外投资者", "strengthened"),
        ("允许委托生产", "不再允许委托生产", "weakened"),
        # deontic: 可以 < 应当 = 必须 (the drafting norms treat 应当 and 必须 alike)
        (
            "没收违法所得和用于违法生产经营的工具",
            "没收违法所得，并可以没收用于违法生产经营的工具",
            "weakened",
        ),
        (
            "拒不改正的，可以处五千元以下罚款",
            "拒不改正的，处五千元以下罚款",
            "strengthened",
        ),
        ("内容必须真实", "内容应当真实", "same"),
        ("标签应当标明", "标签应当清楚标明", "same"),
        # 可以 that comes with new content is not a weakening of the old provision
        ("增加监督检查频次。", "增加监督检查频次，可以通报投资主管部门。", "same"),
        ("支持科技成果转化", "支持科技成果转化", "same"),
    ],
)
def test_strength(old, new, strength):
    assert classify(old, new).strength == strength


def test_strength_gives_the_rule_and_the_words_it_read():
    classes = classify("探索设立文化发展基金，", "支持设立文化发展基金，")
    (evidence,) = classes.evidence
    assert evidence.cls == "strength"
    assert evidence.rule == "action: 探索设立 → 支持"
    assert (evidence.old, evidence.new) == ("探索设立", "支持")
    assert evidence.old_span == (0, 4) and evidence.new_span == (0, 2)


def test_identical_texts_have_no_class():
    assert classify("支持科技成果转化。", "支持科技成果转化。") == Classes()


# ---------------------------------------------------------------------------- restriction, actors, scope


@pytest.mark.parametrize(
    "old,new,restriction",
    [
        ("外资股比不超过49%。", "外资股比不超过66%。", "loosened"),
        ("外资股比不超过49%。", "取消外资股比限制。", "loosened"),
        ("资产总额不低于两亿美元", "资产总额不低于一亿美元", "loosened"),
        ("禁止外资进入", "限制外资进入", "loosened"),
        ("限制外资进入", "取消外资进入限制", "loosened"),
        ("允许外资进入", "禁止外资进入", "tightened"),
        ("处二千元以上五万元以下罚款", "处五万元以上十万元以下罚款", "tightened"),
        ("处十万元以上十五万元以下罚款", "处五万元以上十五万元以下罚款", "loosened"),
        ("责令改正", "责令改正，处一千元以上五千元以下罚款", "tightened"),
        ("允许暂时进口期限延长至2年", "允许暂时进口期限延长至3年", None),
    ],
)
def test_restriction(old, new, restriction):
    assert classify(old, new).restriction == restriction


def test_actors_added_and_removed():
    classes = classify(
        "由有关主管部门按照各自职责分工，没收违法所得",
        "由县级以上人民政府食品药品监督管理部门没收违法所得",
    )
    assert classes.actors_added == ("县级以上人民政府食品药品监督管理部门",)
    assert classes.actors_removed == ("有关主管部门",)


def test_actors_in_a_list_keep_the_level_of_the_list():
    classes = classify(
        "县级以上农业行政、质量监督、工商行政管理、食品药品监督管理部门依据各自职责公布信息。",
        "县级以上人民政府食品药品监督管理、质量监督、农业行政部门依据各自职责公布信息。",
    )
    assert classes.actors_added == ()
    assert classes.actors_removed == ("县级以上工商行政管理部门",)


def test_scope_widened_from_a_pilot_zone_to_the_whole_city():
    classes = classify("在自贸试验区开展试点。", "在全市开展试点。")
    assert classes.scope_added == ("全市",)
    assert classes.scope_removed == ("自贸试验区",)


def test_evidence_spans_point_into_texts_with_spaces():
    old = "处二千元以上五万元以下罚 款"  # 1997's texts break words with spaces
    new = "处五万元以上十万元以下罚款"
    (p,) = classify(old, new).parameters
    assert old[p.old_span[0] : p.old_span[1]] == "二千元以上五万元以下"


# ---------------------------------------------------------------------------- the lexicon


def test_the_lexicon_is_editable(tmp_path):
    path = tmp_path / "lexicon.toml"
    path.write_text(
        '[scales.action]\nlevels = [["支持"], ["探索"]]\n', encoding="utf-8"
    )
    lexicon = load_lexicon(path)
    assert classify("探索设立基金", "支持设立基金", lexicon).strength == "weakened"


def test_a_broken_lexicon_is_one_clear_error(tmp_path):
    path = tmp_path / "lexicon.toml"
    path.write_text("[scales.action]\nlevels = 3\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="lexicon.toml: scale 'action' needs"):
        load_lexicon(path)


# ---------------------------------------------------------------------------- real changes

# Each checked by hand against the texts in ../shared/corpora: the old and new measure
# (found by a short anchor in the old text) and the parameter rows (kind, old, new, unit).
REAL_CHANGES = [
    # food-safety-law 2009 → 2015
    (
        "food-safety-law",
        "2009",
        "2015",
        "2009:a85",
        "不足一万元的，并处二千元",
        "2015:a123",
        {("amount", "2000-50000", "100000-150000", "元")},
    ),
    (
        "food-safety-law",
        "2009",
        "2015",
        "2009:a85",
        "货值金额五倍以上十倍",
        "2015:a123",
        {("multiple", "5-10", "15-30", "倍")},
    ),
    (
        "food-safety-law",
        "2009",
        "2015",
        "2009:a84",
        "货值金额不足一万元的，并处二千元",
        "2015:a122",
        {("amount", "2000-50000", "50000-100000", "元")},
    ),
    (
        "food-safety-law",
        "2009",
        "2015",
        "2009:a84",
        "货值金额五倍以上十倍",
        "2015:a122",
        {("multiple", "5-10", "10-20", "倍")},
    ),
    (
        "food-safety-law",
        "2009",
        "2015",
        "2009:a86",
        "不足一万元的，并处二千元",
        "2015:a125",
        {("amount", "2000-50000", "5000-50000", "元")},
    ),
    (
        "food-safety-law",
        "2009",
        "2015",
        "2009:a86",
        "二倍以上五倍",
        "2015:a125",
        {("multiple", "2-5", "5-10", "倍")},
    ),
    (
        "food-safety-law",
        "2009",
        "2015",
        "2009:a87",
        "拒不改正的，处二千元",
        "2015:a126",
        {("amount", "2000-20000", "5000-50000", "元")},
    ),
    (
        "food-safety-law",
        "2009",
        "2015",
        "2009:a88",
        "毁灭有关证据",
        "2015:a128",
        {("amount", "2000-100000", "100000-500000", "元")},
    ),
    (
        "food-safety-law",
        "2009",
        "2015",
        "2009:a90",
        "集中交易市场的开办者",
        "2015:a130",
        {("amount", "2000-50000", "50000-200000", "元")},
    ),
    (
        "food-safety-law",
        "2009",
        "2015",
        "2009:a91",
        "责令停产停业，并处二千元",
        "2015:a132",
        {("amount", "2000-50000", "10000-50000", "元")},
    ),
    (
        "food-safety-law",
        "2009",
        "2015",
        "2009:a104",
        "本法自",
        "2015:a154",
        {("date", "2009-06-01", "2015-10-01", "年")},
    ),
    # animal-epidemic-prevention-law 2015 → 2021
    (
        "animal-epidemic-prevention-law",
        "2015",
        "2021",
        "2015:a79",
        "转让、伪造或者变造",
        "2021:a103",
        {("amount", "3000-30000", "5000-50000", "元")},
    ),
    (
        "animal-epidemic-prevention-law",
        "2015",
        "2021",
        "2015:a76",
        "屠宰、经营、运输动物",
        "2021:a97",
        {("multiple", "1-5", "15-30", "倍")},
    ),
    (
        "animal-epidemic-prevention-law",
        "2015",
        "2021",
        "2015:a77",
        "处一千元以上一万元",
        "2021:a98",
        {("amount", "1000-10000", "3000-30000", "元")},
    ),
    (
        "animal-epidemic-prevention-law",
        "2015",
        "2021",
        "2015:a77",
        "情节严重的，处一万元",
        "2021:a98",
        {("amount", "10000-100000", "30000-100000", "元")},
    ),
    (
        "animal-epidemic-prevention-law",
        "2015",
        "2021",
        "2015:a78",
        "对货主以外的承运人",
        "2021:a100",
        {("multiple", "1-3", "3-5", "倍"), ("multiple", None, "5-10", "倍")},
    ),
    (
        "animal-epidemic-prevention-law",
        "2015",
        "2021",
        "2015:a78",
        "参加展览、演出和比赛",
        "2021:a100",
        {("amount", "1000-3000", "3000-10000", "元")},
    ),
    (
        "animal-epidemic-prevention-law",
        "2015",
        "2021",
        "2015:a82",
        "未经兽医执业注册",
        "2021:a106",
        {("amount", "1000-10000", "3000-30000", "元")},
    ),
    (
        "animal-epidemic-prevention-law",
        "2015",
        "2021",
        "2015:a81",
        "未取得动物诊疗许可证",
        "2021:a105",
        {("multiple", None, "1-3", "倍")},
    ),
    (
        "animal-epidemic-prevention-law",
        "2015",
        "2021",
        "2015:a85",
        "本法自",
        "2021:a113",
        {("date", "2008-01-01", "2021-05-01", "年")},
    ),
    # animal-epidemic-prevention-law 1997 → 2007 (the 1997 text breaks words with spaces)
    (
        "animal-epidemic-prevention-law",
        "1997",
        "2007",
        "1997:a58",
        "本法自",
        "2007:a85",
        {("date", "1998-01-01", "2008-01-01", "年")},
    ),
]


@pytest.fixture(scope="module")
def measure_comparisons():
    cache = {}

    def get(document, old, new):
        if (document, old, new) not in cache:
            doc = load_document(document, CORPORA)
            cache[(document, old, new)] = compare_measures(compare(doc, old, new))
        return cache[(document, old, new)]

    return get


@pytest.mark.parametrize(
    "document,old,new,old_clause,anchor,new_clause,parameters",
    REAL_CHANGES,
    ids=[f"{r[0]}-{r[3]}-{r[4]}" for r in REAL_CHANGES],
)
def test_real_parameter_changes(
    measure_comparisons, document, old, new, old_clause, anchor, new_clause, parameters
):
    result = measure_comparisons(document, old, new)
    links = [
        link
        for link in result.links
        if link.old is not None
        and link.old.clause == old_clause
        and anchor in "".join(link.old.text.split())
        and link.new is not None
        and link.new.clause == new_clause
    ]
    assert links, f"no link from {old_clause} «{anchor}» to {new_clause}"
    assert parameter_rows(links[0].classes) == parameters


def test_at_least_fifteen_real_changes_are_checked():
    assert len(REAL_CHANGES) >= 15


def test_real_change_of_body_and_discretion():
    # food-safety-law 2009 第八十五条 → 2015 第一百二十三条: the bodies by their duties become
    # the food and drug administration, and confiscating tools becomes discretionary.
    doc = load_document("food-safety-law", CORPORA)
    result = compare_measures(compare(doc, "2009", "2015"))
    (link,) = [
        link
        for link in result.links
        if link.old
        and link.old.id == "2009:a85.m1"
        and link.new
        and link.new.clause == "2015:a123"
    ]
    assert link.classes.strength == "weakened"
    assert link.classes.actors_added == ("县级以上人民政府食品药品监督管理部门",)
    assert link.classes.actors_removed == ("有关主管部门",)
    assert any(e.rule == "deontic: 可以 inserted" for e in link.classes.evidence)


# ---------------------------------------------------------------------------- SYNTHETIC revisions


@pytest.mark.parametrize("seed", range(6))
def test_synthetic_rewordings_are_strengthened_and_the_rest_is_the_same(seed):
    """SYNTHETIC: reword_paragraph replaces 探索→支持, 鼓励→允许, 逐步→全面, 积极→大力,
    研究→推动 (each a step up the lexicon's scales) and one number n → 2n + 1."""
    revision = synthetic.reworded(seed)
    old, new = revision.trees()
    result = compare_measures(compare_trees(old, new))
    changed = [link for link in result.links if link.type != "unchanged"]
    assert changed, "the revision changed nothing"
    for link in result.links:
        if link.type == "unchanged":
            assert link.classes == Classes()
            continue
        assert link.old is not None and link.new is not None, link
        reworded = any(word in link.old.text for word in synthetic.REWORDINGS)
        assert link.classes.strength == ("strengthened" if reworded else "same"), link
        for p in link.classes.parameters:
            assert p.new == str(int(p.old) * 2 + 1)


# ---------------------------------------------------------------------------- the labelled set


@pytest.fixture(scope="module")
def labelled():
    return [(pair, classify(pair.old, pair.new)) for pair in load_pairs()]


def test_the_labelled_set_has_at_least_80_pairs(labelled):
    assert len(labelled) >= 80
    assert sum(pair.source == "SYNTHETIC" for pair, _ in labelled) < len(labelled) / 2


def test_parameter_changes_meet_the_targets(labelled):
    tp = fp = fn = 0
    for pair, got in labelled:
        predicted = parameter_rows(got)
        tp += len(predicted & pair.parameters)
        fp += len(predicted - pair.parameters)
        fn += len(pair.parameters - predicted)
    assert tp / (tp + fp) >= 0.95
    assert tp / (tp + fn) >= 0.90


def test_strength_direction_meets_the_target(labelled):
    right = sum(got.strength == pair.strength for pair, got in labelled)
    assert right / len(labelled) >= 0.90


def test_actor_changes_are_precise(labelled):
    found = sum(len(got.actors_added) + len(got.actors_removed) for _, got in labelled)
    hits = sum(
        matched(got.actors_added, pair.actors_added)
        + matched(got.actors_removed, pair.actors_removed)
        for pair, got in labelled
    )
    assert hits / found >= 0.9

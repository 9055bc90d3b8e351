import difflib
import re
import shutil
from pathlib import Path

import pytest

from policydiff.model import (
    Change,
    Clause,
    ClauseTree,
    Comparison,
    Document,
    DocumentHistory,
    Heading,
    Lineage,
    LineageStep,
    VersionInfo,
)

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
#: The bundled 2019 Beijing plan, the real plan text the segmenter's tests read.
PLAN_2019_FILE = (
    Path(__file__).resolve().parents[1]
    / "versions"
    / "beijing-services-pilot"
    / "2019.txt"
)


# ---------------------------------------------------------------------------- histories
# Small but real document histories, built by hand from real clause texts, for the store
# and the web plugin. They do not depend on segment.py, align.py or diff.py.

FOOD_SAFETY = CORPORA / "food-safety-law"
ARTICLE = re.compile(r"^[ \u3000]*(第[一二三四五六七八九十百零]+条)", re.MULTILINE)
CHAPTER = re.compile(r"^第[一二三四五六七八九十]+章", re.MULTILINE)


def _ops(old: str, new: str) -> tuple[tuple[int, str], ...]:
    """Character diff ops (-1 delete, 0 equal, 1 insert), as diff.py gives them."""
    ops = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            ops.append((0, old[i1:i2]))
            continue
        if i2 > i1:
            ops.append((-1, old[i1:i2]))
        if j2 > j1:
            ops.append((1, new[j1:j2]))
    return tuple(ops)


def _key(text: str) -> str:
    return re.sub(r"\s", "", ARTICLE.sub("", text, count=1))


def _article(
    text: str, version: str, label: str, number: int, ordinal: int, path: tuple
) -> Clause:
    """The article ``label`` of a law text: from 第X条 to the next article or chapter."""
    match = next(m for m in ARTICLE.finditer(text) if m.group(1) == label)
    start = match.start(1)
    following = [m.start() for m in ARTICLE.finditer(text, match.end())]
    following += [m.start() for m in CHAPTER.finditer(text, match.end())]
    end = min(following, default=len(text))
    body = text[start:end].rstrip()
    return Clause(
        id=f"{version}:a{number}",
        label=label,
        kind="article",
        ordinal=ordinal,
        path=path,
        text=body,
        start=start,
        end=start + len(body),
        key=_key(body),
        number=number,
    )


def _chapter(text: str, version: str, label: str, title: str) -> Heading:
    start = re.search(f"^{label}", text, re.MULTILINE).start()
    end = text.index("\n", start)
    return Heading(
        id=f"{version}:{label}",
        label=label,
        title=f"{label} {title}",
        level=1,
        path=(),
        text=text[start:end],
        start=start,
        end=end,
    )


def _change(type_, old, new, similarity, method) -> Change:
    old_text = "\n".join(c.text for c in old)
    new_text = "\n".join(c.text for c in new)
    return Change(type_, similarity, method, old, new, _ops(old_text, new_text))


@pytest.fixture(scope="session")
def small_history() -> DocumentHistory:
    """Food safety law 2009 → 2015: five clause histories, one of each kind of change.

    2009 第一条 → 2015 第一条 modified (为 → 为了); 2009 第五条 split into 2015 第六条 and
    第七条; 2009 第十八条 → 2015 第二十四条 unchanged; 2009 第二十二条 deleted; 2015 第三条
    added.
    """
    texts = {v: (FOOD_SAFETY / f"{v}.txt").read_text("utf-8") for v in ("2009", "2015")}
    general = ("第一章 总则",)
    standards = ("第三章 食品安全标准",)
    t9, t15 = texts["2009"], texts["2015"]
    old = {
        1: _article(t9, "2009", "第一条", 1, 1, general),
        5: _article(t9, "2009", "第五条", 5, 2, general),
        18: _article(t9, "2009", "第十八条", 18, 3, standards),
        22: _article(t9, "2009", "第二十二条", 22, 4, standards),
    }
    new = {
        1: _article(t15, "2015", "第一条", 1, 1, general),
        3: _article(t15, "2015", "第三条", 3, 2, general),
        6: _article(t15, "2015", "第六条", 6, 3, general),
        7: _article(t15, "2015", "第七条", 7, 4, general),
        24: _article(t15, "2015", "第二十四条", 24, 5, standards),
    }
    trees = tuple(
        ClauseTree(
            text=texts[v],
            headings=(
                _chapter(texts[v], v, "第一章", "总则"),
                _chapter(texts[v], v, "第三章", "食品安全标准"),
            ),
            clauses=tuple(clauses.values()),
            label=v,
        )
        for v, clauses in (("2009", old), ("2015", new))
    )
    modified_ops = (
        (0, "第一条"),
        (-1, "　为"),
        (1, " 为了"),
        (0, "保证食品安全，保障公众身体健康和生命安全，制定本法。"),
    )
    changes = (
        Change("modified", 0.96, "backbone", (old[1],), (new[1],), modified_ops),
        _change("split", (old[5],), (new[6], new[7]), 0.62, "split"),
        _change("unchanged", (old[18],), (new[24],), 1.0, "exact"),
        Change("deleted", 0.0, "residual", (old[22],), (), ((-1, old[22].text),)),
        Change("added", 0.0, "residual", (), (new[3],), ((1, new[3].text),)),
    )
    comparison = Comparison("food-safety-law", "2009", "2015", changes)

    def step(change: Change) -> LineageStep:
        return LineageStep(
            "2009",
            "2015",
            change.type,
            tuple(c.id for c in change.old),
            tuple(c.id for c in change.new),
            change.similarity,
        )

    lineages = []
    for change in changes:
        versions = []
        if change.old:
            versions.append(("2009", tuple(c.id for c in change.old)))
        if change.new:
            versions.append(("2015", tuple(c.id for c in change.new)))
        first = (change.old or change.new)[0]
        steps = (step(change),) if change.old else ()
        lineages.append(Lineage(first.id, tuple(versions), steps))
    document = Document(
        slug="food-safety-law",
        path=FOOD_SAFETY,
        versions=(
            VersionInfo(
                "2009",
                file="2009.txt",
                date="2009-02-28",
                title="中华人民共和国食品安全法",
                issuer="全国人民代表大会常务委员会",
            ),
            VersionInfo(
                "2015",
                file="2015.txt",
                date="2015-04-24",
                title="中华人民共和国食品安全法",
                issuer="全国人民代表大会常务委员会",
            ),
        ),
        title="中华人民共和国食品安全法",
        issuer="全国人民代表大会常务委员会",
        description="The food safety law, 2009 and 2015 (revised).",
        source="Collected in 2022 in a public research repository; published by the NPC.",
    )
    return DocumentHistory(document, trees, (comparison,), tuple(lineages))


#: Two paragraphs of the 2019 Beijing service-sector opening-up plan (全面推进北京市服务业
#: 扩大开放综合试点工作方案; its approval number is not verified here), both under 二（二）;
#: the second is cut short after its first two sentences.
PLAN_2019 = {
    "2019:2.2.1": (
        "二（二）推进文化行业扩大对外开放",
        ("二、主要任务", "（二）立足文化中心建设，提升文化软实力和国际影响力。"),
        (
            "推进文化行业扩大对外开放。自贸试验区政策中文化领域对外资扩大开放措施，"
            "经批准开展试点探索。选择文化娱乐业聚集的特定区域，允许设立外商独资演出"
            "经纪机构，并在全国范围内提供服务。坚持扩开放和强监管相统一，坚决守住安全"
            "底线，强化文化市场事中事后监管。"
        ),
    ),
    "2019:2.2.2": (
        "二（二）多形式助推国际文化交流",
        ("二、主要任务", "（二）立足文化中心建设，提升文化软实力和国际影响力。"),
        (
            "多形式助推国际文化交流。完善文化领域国际交流合作机制，拓宽渠道，搭建文化"
            "展示交流平台，支持海外中国文化中心建设，有序引进外国优秀文化成果。"
        ),
    ),
}


@pytest.fixture(scope="session")
def plan_history() -> DocumentHistory:
    """The Beijing service-sector plan: 2015 and 2017 missing, two paragraphs of 2019."""
    clauses = []
    text = ""
    for ordinal, (clause_id, (label, path, body)) in enumerate(PLAN_2019.items(), 1):
        start = len(text)
        text += body + "\n"
        clauses.append(
            Clause(
                id=clause_id,
                label=label,
                kind="paragraph",
                ordinal=ordinal,
                path=path,
                text=body,
                start=start,
                end=start + len(body),
                key=body,
            )
        )
    heading = Heading("2019:2", "二、", "主要任务", 1, (), "二、主要任务", 0, 0)
    tree = ClauseTree(text, (heading,), tuple(clauses), label="2019")
    document = Document(
        slug="beijing-services-pilot",
        path=Path("versions/beijing-services-pilot"),
        versions=(
            VersionInfo(
                "2015",
                status="missing",
                date="2015-05-21",
                doc_number="国函〔2015〕81号",
            ),
            VersionInfo("2017", status="missing", date="2017-06-25"),
            VersionInfo(
                "2019",
                file="2019.txt",
                date="2019-02-22",
            ),
        ),
        title="北京市服务业扩大开放综合试点工作方案",
        issuer="国务院",
    )
    lineages = tuple(Lineage(c.id, (("2019", (c.id,)),), ()) for c in clauses)
    return DocumentHistory(document, (tree,), (), lineages)


# ---------------------------------------------------------------------------- databases
# For the web plugin: a SYNTHETIC revision of the 2019 plan as a document (test input only,
# never a policy version), and a database built from the bundled versions.

VERSIONS = Path(__file__).resolve().parents[1] / "versions"
SYNTHETIC_DOCUMENT = "synthetic-plan"


@pytest.fixture(scope="session")
def synthetic_revision():
    """SYNTHETIC: the 2019 plan revised by a section swap, a move, a split, a merge, a
    rewording, an added and a removed paragraph (tests/synthetic.py), with the truth."""
    import synthetic

    return synthetic.combined(0)


@pytest.fixture(scope="session")
def synthetic_history(synthetic_revision) -> DocumentHistory:
    """The real 2019 plan and its SYNTHETIC revision as the two versions of one document,
    compared and chained as ``policydiff build`` does."""
    from policydiff.compare import compare_trees
    from policydiff.lineage import lineages

    old, new = synthetic_revision.trees()
    comparison = compare_trees(old, new, SYNTHETIC_DOCUMENT)
    document = Document(
        slug=SYNTHETIC_DOCUMENT,
        path=Path(SYNTHETIC_DOCUMENT),
        versions=(
            VersionInfo(old.label, file="2019.txt", date="2019-02-22"),
            VersionInfo(
                new.label,
                file="synthetic.txt",
                note="SYNTHETIC revision for tests, not a policy version",
            ),
        ),
        title="SYNTHETIC revision of the 2019 plan (test input)",
    )
    return DocumentHistory(
        document, (old, new), (comparison,), lineages((old, new), (comparison,))
    )


@pytest.fixture(scope="session")
def bundled_db(tmp_path_factory) -> Path:
    """The database ``policydiff build`` writes from the bundled versions/."""
    from policydiff.compare import build

    return build(tmp_path_factory.mktemp("bundled") / "policydiff.db", corpus=VERSIONS)


#: The review file of ``reviewed_db``: a clause link overridden (2009 第五条 was split into
#: 第六条 and 第七条; the review links it to 第六条 alone), a measure link undone and a
#: class set, whose reason holds markup that must show as text.
REVIEWS_CSV = """kind,from_version,to_version,old,new,decision,value,who,why
clause,2009,2015,2009:a5,2015:a6,link,modified,Li Wei,a7 is a new article
measure,2009,2015,2009:a24.m1,2015:a29.m2,unlink,,Li Wei,different provisions
class,2009,2015,2009:a85.m2,2015:a123.m2,set,strength=weakened,Wang Fang,<script>alert(1)</script> test
"""


@pytest.fixture(scope="session")
def reviewed_db(tmp_path_factory) -> Path:
    """The database ``policydiff build`` writes from a copy of the bundled food-safety-law
    with the review file ``REVIEWS_CSV`` beside it."""
    from policydiff.compare import build

    corpus = tmp_path_factory.mktemp("reviewed-corpus")
    shutil.copytree(VERSIONS / "food-safety-law", corpus / "food-safety-law")
    (corpus / "food-safety-law" / "reviews.csv").write_text(REVIEWS_CSV, "utf-8")
    out = tmp_path_factory.mktemp("reviewed")
    return build(out / "policydiff.db", corpus=corpus)

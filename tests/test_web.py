import html
import json
import re
import socket
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
import pytest_asyncio
import sqlite_utils
from conftest import SYNTHETIC_DOCUMENT
from datasette.app import Datasette

from policydiff import store, web
from policydiff.errors import InputError, PolicydiffError
from policydiff.model import (
    Change,
    Clause,
    ClauseTree,
    Comparison,
    Document,
    DocumentHistory,
    Lineage,
    LineageStep,
    Sentence,
    VersionInfo,
)
from policydiff.store import write_database
from policydiff.web import charts, layout, views
from policydiff.web.text import anchor, chinese_date, highlight, snippet

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def _clause(version: str, text: str) -> Clause:
    return Clause(
        id=f"{version}:a1",
        label="第一条",
        kind="article",
        ordinal=1,
        path=(f"第一章 {SCRIPT}",),
        text=text,
        start=0,
        end=len(text),
        key=text,
        # One sentence, so that the clause has a measure.
        sentences=(Sentence(0, text, 0, len(text), text),),
        number=1,
    )


@pytest.fixture(scope="session")
def script_history() -> DocumentHistory:
    """A document whose newer version smuggles a <script> into a clause and its heading."""
    old = _clause("v1", "第一条 为了保证食品安全，制定本法。")
    new = _clause("v2", f"第一条 为了保证食品安全{SCRIPT}，制定本法。")
    ops = ((0, "第一条 为了保证食品安全"), (1, SCRIPT), (0, "，制定本法。"))
    change = Change("modified", 0.8, "backbone", (old,), (new,), ops)
    document = Document(
        slug="escape-test",
        path=web.HERE,
        versions=(VersionInfo("v1"), VersionInfo("v2", source=f"https://x/{SCRIPT}")),
        title=f"Escaping {SCRIPT}",
    )
    trees = (
        ClauseTree(old.text, (), (old,), label="v1"),
        ClauseTree(new.text, (), (new,), label="v2"),
    )
    comparison = Comparison("escape-test", "v1", "v2", (change,))
    step = LineageStep("v1", "v2", "modified", (old.id,), (new.id,), 0.8)
    lineage = Lineage(old.id, (("v1", (old.id,)), ("v2", (new.id,))), (step,))
    return DocumentHistory(document, trees, (comparison,), (lineage,))


@pytest.fixture(scope="session")
def web_db(
    tmp_path_factory, small_history, plan_history, script_history, synthetic_history
):
    path = tmp_path_factory.mktemp("web") / "policydiff.db"
    return write_database(
        path, [small_history, plan_history, script_history, synthetic_history]
    )


@pytest_asyncio.fixture
async def ds(web_db):
    web.register()
    datasette = Datasette([str(web_db)], metadata=web.load_metadata())
    await datasette.invoke_startup()
    return datasette


@pytest_asyncio.fixture
async def bundled(bundled_db):
    """Datasette as ``datasette policydiff.db`` runs it: no metadata given."""
    web.register()
    datasette = Datasette([str(bundled_db)])
    await datasette.invoke_startup()
    return datasette


@pytest_asyncio.fixture
async def reviewed(reviewed_db):
    """Datasette on food-safety-law built with tests/conftest.py's REVIEWS_CSV."""
    web.register()
    datasette = Datasette([str(reviewed_db)])
    await datasette.invoke_startup()
    return datasette


async def get(ds, path, status=200):
    response = await ds.client.get(path)
    assert response.status_code == status, response.text
    return response.text


def compare_path(document, old, new, *types, db="policydiff"):
    query = f"document={document}&from={old}&to={new}"
    return f"/{db}/-/compare?{query}" + "".join(f"&type={t}" for t in types)


class Elements(HTMLParser):
    """Every element of a page with its attributes and its text, flat, in order."""

    def __init__(self, page: str):
        super().__init__()
        self.elements: list[dict] = []
        self._open: list[dict] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, **{k: v or "" for k, v in attrs}, "text": ""}
        self.elements.append(element)
        if tag not in ("br", "input", "meta", "link", "img", "hr"):
            self._open.append(element)

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data

    def by_id(self, element_id: str) -> dict:
        found = [e for e in self.elements if e.get("id") == element_id]
        assert len(found) == 1, (element_id, len(found))
        return found[0]

    def find(self, tag: str, cls: str | None = None) -> list[dict]:
        return [
            e
            for e in self.elements
            if e["tag"] == tag and (cls is None or cls in e.get("class", "").split())
        ]


def rows_of(page: str) -> list[str]:
    """The rows of the compare table, as HTML chunks."""
    body = page[page.index('<table class="pd-compare">') :]
    body = body[body.index("<tbody>") :]
    body = body[: body.index("</table>")]
    return ["<tr" + chunk for chunk in body.split("<tr")[1:]]


def row_with(page: str, element_id: str) -> str:
    found = [r for r in rows_of(page) if f'id="{element_id}"' in r]
    assert len(found) == 1, (element_id, len(found))
    return found[0]


def data_type(row: str) -> str:
    return re.search(r'data-type="(\w+)"', row).group(1)


@pytest.mark.asyncio
async def test_plugin_is_loaded(ds):
    plugins = {p["name"] for p in (await ds.client.get("/-/plugins.json")).json()}
    assert plugins & {"policydiff", "policydiff.web"}


# ---------------------------------------------------------------------------- home


@pytest.mark.asyncio
async def test_home_lists_documents_and_versions(ds):
    page = await get(ds, "/policydiff/-/policydiff")
    assert "中华人民共和国食品安全法" in page
    assert "北京市服务业扩大开放综合试点工作方案" in page
    assert "国函〔2015〕81号" in page
    # Dates for readers of both languages.
    assert '<time datetime="2015-05-21">2015-05-21</time>' in page
    assert "2015年5月21日" in page
    for label in ("2015", "2017"):
        assert (
            "add it with <code>policydiff add beijing-services-pilot"
            f" FILE --label {label}</code>"
        ) in page
    assert "policydiff add food-safety-law" not in page
    assert "Adding a missing version." in page
    statuses = re.findall(r"<td>(present|missing) <span", page)
    assert statuses.count("missing") == 2


@pytest.mark.asyncio
async def test_home_links_each_pair_to_its_compare_page(ds):
    page = await get(ds, "/policydiff/-/policydiff")
    compare = html.escape(
        "/policydiff/-/compare?document=food-safety-law&from=2009&to=2015"
    )
    assert (
        f'href="{compare}">Compare 2009 → 2015 <span lang="zh-CN">比较</span>' in page
    )
    counts = re.findall(
        r'href="[^"]*document=food-safety-law[^"]*;type=(\w+)">'
        r'(\w+) <span lang="zh-CN">(\w+)</span> (\d+)</a>',
        page,
    )
    assert counts == [
        ("unchanged", "unchanged", "未变", "1"),
        ("modified", "modified", "修改", "1"),
        ("split", "split", "拆分", "1"),
        ("added", "added", "新增", "1"),
        ("deleted", "deleted", "删除", "1"),
    ]
    assert 'href="/policydiff/-/charts?document=food-safety-law"' in page
    # Titles are escaped, never trusted.
    assert SCRIPT not in page
    assert html.escape(f"Escaping {SCRIPT}", quote=False) in page


@pytest.mark.asyncio
async def test_home_links_into_everything(ds):
    page = await get(ds, "/policydiff/-/policydiff")
    assert '<form class="pd-search" action="/policydiff/-/search" method="get"' in page
    for table in (
        "changes",
        "clauses",
        "lineages",
        "versions",
        "comparisons",
        "measure_links",
        "measure_classes",
        "parameter_changes",
        "measures",
        "stats",
        "reviews",
    ):
        assert f'href="/policydiff/{table}"' in page
    for query in (
        "added_in_version",
        "removed_in_version",
        "moved_between_sections",
        "biggest_rewrites",
        "history_of_phrase",
        "measures_weakened",
        "every_parameter_change",
        "measures_moved_to_another_body",
        "reviewed_decisions",
    ):
        assert f'href="/policydiff/{query}"' in page
    history = html.escape("/policydiff/-/history?id=food-safety-law%2F2009%3Aa5")
    assert f'href="{history}"' in page


@pytest.mark.asyncio
async def test_home_follows_the_database_name(tmp_path, small_history):
    path = write_database(tmp_path / "laws 2024.db", [small_history])
    web.register()
    ds = Datasette([str(path)])
    page = await get(ds, "/laws+2024/-/policydiff")
    assert 'href="/laws+2024/-/compare?document=food-safety-law' in page
    page = await get(ds, "/")
    assert 'href="/laws+2024/-/policydiff"' in page


@pytest.mark.asyncio
async def test_index_links_to_documents_page(ds):
    page = await get(ds, "/")
    assert '<a href="/policydiff/-/policydiff">documents and their versions</a>' in page
    page = await get(ds, "/policydiff")
    assert 'href="/policydiff/-/policydiff"' in page


@pytest.mark.asyncio
async def test_changes_table_renders_redlines(ds):
    page = await get(
        ds, "/policydiff/changes?type=modified&document_id=food-safety-law"
    )
    assert (
        '<div class="policydiff-diff">第一条<del>\u3000为</del><ins> 为了</ins>保证食品安全'
    ) in page


@pytest.mark.parametrize(
    "path",
    [
        "/policydiff/changes?document_id=escape-test",
        "/policydiff/changes_detail?document_id=escape-test",
        "/policydiff/changes/{id}",
    ],
)
@pytest.mark.asyncio
async def test_redline_escapes_clause_text(ds, web_db, path):
    change_id = (
        sqlite_utils.Database(web_db)
        .execute("select id from changes where document_id = 'escape-test'")
        .fetchone()[0]
    )
    page = await get(ds, path.format(id=change_id))
    assert "<ins>&lt;script&gt;alert(1)&lt;/script&gt;</ins>" in page
    assert SCRIPT not in page


@pytest.mark.parametrize(
    "path",
    [
        "/policydiff/clauses?document_id=escape-test",
        "/policydiff/clauses/escape-test~2Fv2:a1",
        "/policydiff/changes?document_id=escape-test&_col=new_text",
    ],
)
@pytest.mark.asyncio
async def test_clause_text_is_escaped(ds, path):
    page = await get(ds, path)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert SCRIPT not in page


@pytest.mark.asyncio
async def test_other_databases_are_left_alone(tmp_path):
    path = tmp_path / "other.db"
    db = sqlite_utils.Database(path)
    db["changes"].insert({"id": 1, "diff_html": "<ins>x</ins>"}, pk="id")
    db.close()
    web.register()
    ds = Datasette([str(path)])
    page = await get(ds, "/other/changes")
    assert "&lt;ins&gt;x&lt;/ins&gt;" in page
    assert "<ins>x</ins>" not in page
    await get(ds, "/other/-/policydiff", status=404)
    await get(ds, "/nope/-/policydiff", status=404)


@pytest.mark.asyncio
async def test_stylesheet_is_linked_and_served(ds):
    page = await get(ds, "/policydiff/changes")
    href = re.search(
        r'<link rel="stylesheet" href="([^"]*policydiff\.css)"', page
    ).group(1)
    assert re.fullmatch(r"/-/static-plugins/policydiff(\.web)?/policydiff\.css", href)
    css = await get(ds, href)
    assert re.search(r"ins \{[^}]*text-decoration: underline", css)
    assert re.search(r"del \{[^}]*text-decoration: line-through", css)


@pytest.mark.asyncio
async def test_metadata_titles_and_descriptions(ds):
    page = await get(ds, "/policydiff/changes")
    assert "Changes (修改)" in page
    assert "the alignment pass that decided it" in page
    assert 'data-column-description="Text similarity' in page
    page = await get(ds, "/policydiff/clauses")
    assert "Clauses (条款)" in page


@pytest.mark.asyncio
async def test_facets_and_sorting(ds):
    data = (await ds.client.get("/policydiff/changes.json")).json()
    assert {"type", "section", "to_version"} <= set(data["facet_results"])
    data = (
        await ds.client.get(
            "/policydiff/changes.json?_shape=objects&_sort_desc=similarity"
        )
    ).json()
    similarities = [row["similarity"] for row in data["rows"]]
    assert similarities == sorted(similarities, reverse=True)


@pytest.mark.asyncio
async def test_canned_query_finds_short_terms(ds):
    data = (
        await ds.client.get(
            "/policydiff/clauses_containing.json?phrase=外商&_shape=array"
        )
    ).json()
    ids = [row["id"] for row in data if not row["id"].startswith(SYNTHETIC_DOCUMENT)]
    assert ids == ["beijing-services-pilot/2019:2.2.1"]


def test_load_metadata_for_another_database_name():
    metadata = web.load_metadata("laws 2024")
    assert set(metadata["databases"]) == {"laws 2024"}
    assert 'href="/laws+2024/-/policydiff"' in metadata["description_html"]
    assert (
        web.load_metadata()["databases"]["policydiff"]["tables"]["changes"]["title"]
        == "Changes (修改)"
    )
    assert web.metadata_path().name == "metadata.yml"


def test_serve_refuses_a_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such database; run policydiff build"):
        web.serve(tmp_path / "nope.db")


@pytest.mark.parametrize("content", [b"", b"not a database at all" * 100])
def test_serve_refuses_other_files(tmp_path, content):
    path = tmp_path / "other.db"
    path.write_bytes(content)
    with pytest.raises(InputError, match="other.db: not a policydiff database"):
        web.serve(path)


def test_serve_refuses_a_busy_port(web_db):
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        with pytest.raises(PolicydiffError, match=f"cannot listen on 127.0.0.1:{port}"):
            web.serve(web_db, port=port)


# ---------------------------------------------------------------------------- compare


@pytest.mark.asyncio
async def test_compare_rows_follow_the_new_order(ds):
    page = await get(ds, compare_path("food-safety-law", "2009", "2015"))
    rows = rows_of(page)
    shown = []
    for row in rows:
        if 'class="pd-section' in row:
            shown.append(("section", re.search(r'lang="zh-CN">([^<]+)<', row).group(1)))
        else:
            ids = re.findall(r'id="(c-[^"]+)"', row)
            shown.append((data_type(row), *ids))
    assert shown == [
        ("section", "第一章 总则"),
        ("modified", "c-2009:a1", "c-2015:a1"),
        ("added", "c-2015:a3"),
        ("split", "c-2009:a5", "c-2015:a6"),
        ("split", "c-2015:a7"),
        ("section", "第三章 食品安全标准"),
        ("unchanged", "c-2009:a18", "c-2015:a24"),
        # Deleted where it stood: after 第十八条, the old clause before it.
        ("deleted", "c-2009:a22"),
    ]


@pytest.mark.asyncio
async def test_compare_shows_redlines_side_by_side(ds):
    page = await get(ds, compare_path("food-safety-law", "2009", "2015"))
    row = row_with(page, "c-2015:a1")
    old_cell, new_cell = row.split('class="pd-new-cell"')
    assert "<del>\u3000为</del>" in old_cell and "<ins>" not in old_cell
    assert "<ins> 为了</ins>" in new_cell and "<del>" not in new_cell
    assert '<span class="pd-similarity"' in new_cell
    assert 'modified <span lang="zh-CN">修改</span>' in new_cell
    # A split: the old clause once, beside its first part; the second part points back.
    second = row_with(page, "c-2015:a7")
    assert "Part 2 of 2: split from" in second
    assert 'href="#c-2015:a6">beside 第六条</a>' in second
    first = row_with(page, "c-2015:a6")
    assert 'became <a href="#c-2015:a6" lang="zh-CN">第六条</a>、' in first
    # Each clause has a permalink and a link to its history.
    assert '<a class="pd-permalink" href="#c-2015:a24"' in page
    history = html.escape(
        "/policydiff/-/history?id=food-safety-law%2F2009%3Aa18"
        "&clause=food-safety-law%2F2015%3Aa24"
    )
    assert f'href="{history}"' in page


@pytest.mark.asyncio
async def test_compare_outline_and_filters(ds):
    page = await get(ds, compare_path("food-safety-law", "2009", "2015"))
    outline = page[page.index('<nav class="pd-outline"') :]
    outline = outline[: outline.index("</nav>")]
    titles = re.findall(r'<a href="#(s-\w+)" lang="zh-CN">([^<]+)</a>', outline)
    assert [t for _, t in titles] == ["第一章 总则", "第三章 食品安全标准"]
    for section_id, _ in titles:
        assert f'<tr class="pd-section pd-level-1" id="{section_id}">' in page
    # 4 changes under 第一章 (modified, added, two split parts), 1 under 第三章.
    assert re.findall(r'<span class="pd-count">(\d+)</span>', outline) == ["4", "1"]
    page = await get(ds, compare_path("food-safety-law", "2009", "2015", "split"))
    assert {data_type(r) for r in rows_of(page) if "pd-section" not in r} == {"split"}
    assert "第三章 食品安全标准" not in page.split('<table class="pd-compare">')[1]
    assert 'aria-current="page">split' in page
    page = await get(ds, compare_path("food-safety-law", "2009", "2015", "deleted"))
    types = [data_type(r) for r in rows_of(page) if "pd-section" not in r]
    assert types == ["deleted"]


@pytest.mark.asyncio
async def test_compare_shows_each_synthetic_kind_as_that_kind(ds, synthetic_revision):
    """SYNTHETIC revision with known truth: every link is shown as its own kind."""
    page = await get(ds, compare_path(SYNTHETIC_DOCUMENT, "2019", "synthetic"))

    def a(clause_id):
        return anchor(f"{SYNTHETIC_DOCUMENT}/{clause_id}")

    seen = set()
    for truth in synthetic_revision.truth:
        kind = truth.types[-1]
        seen.add(kind)
        if kind == "deleted":
            row = row_with(page, a(truth.old[0]))
            assert data_type(row) == "deleted"
            assert "Deleted: not in synthetic." in row
            continue
        rows = [row_with(page, a(new)) for new in truth.new]
        assert {data_type(row) for row in rows} <= set(truth.types), truth
        if kind == "added":
            assert "Not in 2019." in rows[0]
        if kind == "modified":
            assert "<ins>" in rows[0] and "<del>" in rows[0]
        if kind == "merged":
            for old in truth.old:
                assert f'id="{a(old)}"' in rows[0]
            assert 'Merged <span lang="zh-CN">合并</span> from' in rows[0]
        if kind == "split":
            assert f'id="{a(truth.old[0])}"' in rows[0]
            assert "Part 2 of 2: split from" in rows[1]
        if truth.types == ("moved",):
            # Where it stood, a marker that links to where it went, and back.
            was = "was-" + a(truth.old[0]).removeprefix("c-")
            ghost = row_with(page, was)
            assert data_type(ghost) == "moved"
            assert f'href="#{a(truth.new[0])}"' in ghost
            assert f'href="#{was}">where it stood</a>' in rows[0]
    assert seen >= {"added", "deleted", "modified", "moved", "split", "merged"}


@pytest.mark.asyncio
async def test_compare_any_pair_of_versions(bundled):
    # Consecutive: from the database. Not consecutive: computed from the texts.
    page = await get(bundled, compare_path("food-safety-law", "2009", "2015"))
    assert "pd-computed" not in page
    assert "Compare 2009 → 2015" in page
    page = await get(bundled, compare_path("food-safety-law", "1995", "2015"))
    assert 'class="pd-note pd-computed"' in page
    rows = rows_of(page)
    assert len([r for r in rows if 'class="pd-row' in r]) > 100
    assert {data_type(r) for r in rows if "data-type" in r} >= {
        "modified",
        "added",
        "deleted",
    }
    # Its clauses link to their histories in the database.
    assert "/-/history?id=food-safety-law%2F" in page
    # The default pair is the last two versions.
    page = await get(bundled, "/policydiff/-/compare?document=food-safety-law")
    assert "Compare 2009 → 2015" in page


@pytest.mark.parametrize(
    "path,status,message",
    [
        ("/policydiff/-/compare", 400, "Say which document"),
        (compare_path("nope", "1", "2"), 404, "No document nope"),
        (compare_path("food-safety-law", "2009", "2020"), 404, "has no version 2020"),
        (compare_path("food-safety-law", "2009", "2009"), 400, "two different"),
        (
            compare_path("beijing-services-pilot", "2015", "2019"),
            404,
            "policydiff add beijing-services-pilot FILE --label 2015",
        ),
        ("/policydiff/-/history?id=nope", 404, "No clause history nope"),
        ("/policydiff/-/history?clause=nope", 404, "No clause nope"),
        ("/policydiff/-/history", 400, "Say which clause history"),
        ("/policydiff/-/charts?document=food-safety-law&level=x", 400, "level"),
        ("/policydiff/-/charts", 400, "Say which document"),
    ],
)
@pytest.mark.asyncio
async def test_page_errors(bundled, path, status, message):
    page = await get(bundled, path, status=status)
    assert html.escape(message, quote=False) in page


# ---------------------------------------------------------------------------- history


@pytest.mark.asyncio
async def test_history_of_a_split_clause(ds):
    page = await get(ds, "/policydiff/-/history?id=food-safety-law/2009:a5")
    assert 'History <span lang="zh-CN">沿革</span>' in page
    assert "First appears in" not in page
    assert "In the first version with text, 2009, as 第五条." in page
    assert "Runs to 2015, the latest version, as 第六条、第七条." in page
    steps = Elements(page)
    assert steps.by_id("v-2009")["text"].count("第五条") >= 2
    step = page[page.index('id="v-2015"') :]
    assert 'split <span lang="zh-CN">拆分</span>' in step
    assert "<del>" in step and "<ins>" in step
    compare = html.escape(
        "/policydiff/-/compare?document=food-safety-law&from=2009&to=2015#c-2015:a6"
    )
    assert f'href="{compare}"' in step
    assert 'id="c-2015:a6"' in step and 'id="c-2015:a7"' in step


@pytest.mark.asyncio
async def test_history_says_where_a_clause_ends(ds):
    page = await get(ds, "/policydiff/-/history?id=food-safety-law/2009:a22")
    assert "Last in 2009, as 第二十二条; deleted in 2015." in page
    assert 'deleted <span lang="zh-CN">删除</span>' in page
    page = await get(ds, "/policydiff/-/history?id=food-safety-law/2015:a3")
    assert "First appears in 2015, as 第三条." in page
    assert Elements(page).by_id("v-2009")["text"].count("Not in this version.") == 1


@pytest.mark.asyncio
async def test_history_from_a_clause_marks_it_and_a_phrase(ds):
    clause = quote("food-safety-law/2015:a7")
    page = await get(ds, f"/policydiff/-/history?clause={clause}&q=评议 考核")
    assert '<div class="pd-clause pd-target" id="c-2015:a7">' in page
    assert "<mark>考核</mark>" in page and "<mark>评议</mark>" in page
    assert (
        'History <span lang="zh-CN">沿革</span>: <span lang="zh-CN">第五条 → 第六条、第七条'
        in page
    )


@pytest.mark.asyncio
async def test_history_of_a_plan_with_missing_versions(ds):
    page = await get(ds, "/policydiff/-/history?id=beijing-services-pilot/2019:2.2.1")
    assert page.count("Text missing") == 2
    assert "外商独资演出经纪机构" in page


# ---------------------------------------------------------------------------- search


@pytest.mark.asyncio
async def test_search_finds_chinese_substrings(ds):
    page = await get(
        ds, "/policydiff/-/search?q=外商独资&document=beijing-services-pilot"
    )
    assert "1 clause in 1 clause history contains" in page
    assert "<mark>外商独资</mark>演出经纪机构" in page
    history = html.escape(
        "/policydiff/-/history?id=beijing-services-pilot%2F2019%3A2.2.1&q="
        + quote("外商独资")
    )
    assert f'<a href="{history}">History' in page
    assert "pd-like-note" not in page
    # The history it links to marks the phrase.
    page = await get(ds, html.unescape(history))
    assert "<mark>外商独资</mark>演出经纪机构" in page


@pytest.mark.asyncio
async def test_search_in_traditional_finds_and_marks_simplified_text(ds):
    page = await get(
        ds, "/policydiff/-/search?q=外商獨資&document=beijing-services-pilot"
    )
    assert "1 clause in 1 clause history contains" in page
    assert "<mark>外商独资</mark>演出经纪机构" in page


@pytest.mark.parametrize(
    "q,count,note",
    [
        ("外商", 1, '<q lang="zh-CN">外商</q>\nis shorter than three characters'),
        ("评议 考核", 2, "are shorter than three characters"),
        ("监督管理 派出", 1, "longer terms went through the full-text index"),
        ("食品安全 外商", 0, "is shorter than three characters"),
    ],
)
@pytest.mark.asyncio
async def test_search_short_terms_fall_back_to_like_and_say_so(ds, q, count, note):
    page = (
        await get(
            ds, f"/policydiff/-/search?q={quote(q)}&document=beijing-services-pilot"
        )
        if q == "外商"
        else await get(ds, f"/policydiff/-/search?q={quote(q)}")
    )
    assert f"{count} clause" in page
    assert note in page
    assert len(Elements(page).find("div", "pd-snippet")) == count


@pytest.mark.asyncio
async def test_search_groups_hits_by_clause_history(ds):
    page = await get(ds, "/policydiff/-/search?q=考核&document=food-safety-law")
    hits = Elements(page).find("section", "pd-hit")
    assert len(hits) == 1  # 2009 第五条 and its part 2015 第七条: one history
    assert "2009 第五条" in hits[0]["text"] and "2015 第七条" in hits[0]["text"]
    assert '<option value="food-safety-law" selected>' in page
    page = await get(ds, "/policydiff/-/search?q=考核&document=beijing-services-pilot")
    assert "0 clauses" in page and "Nothing found" in page


@pytest.mark.asyncio
async def test_search_page_without_a_query(ds):
    page = await get(ds, "/policydiff/-/search")
    assert "trigram full-text index" in page
    assert "pd-result-count" not in page


# ---------------------------------------------------------------------------- charts


@pytest.mark.asyncio
async def test_charts_page(bundled):
    page = await get(bundled, "/policydiff/-/charts?document=food-safety-law")
    elements = Elements(page)
    flow = elements.find("svg", "pd-flow")
    assert len(flow) == 1
    bands = elements.find("path", "pd-band")
    assert len(bands) > 30
    assert any("pd-band-across" in b["class"] for b in bands)
    assert any("pd-band-added" in b["class"] for b in bands)
    nodes = elements.find("rect", "pd-node")
    # One block per chapter of each version: 9 + 10 + 10.
    assert len(nodes) == 29
    cells = elements.find("rect", "pd-cell")
    assert len(cells) >= 20
    total = sum(int(c["data-total"]) for c in cells)
    changes = sqlite_utils.Database(bundled.databases["policydiff"].path)
    assert total == changes["changes"].count_where("document_id = 'food-safety-law'")
    assert "第四章 食品生产经营" in page
    assert 'href="/policydiff/-/compare?document=food-safety-law&amp;from=2009' in page
    page = await get(bundled, "/policydiff/-/charts?document=food-safety-law&level=2")
    assert len(Elements(page).find("rect", "pd-node")) > 29


@pytest.mark.asyncio
async def test_charts_need_two_versions(ds):
    page = await get(ds, "/policydiff/-/charts?document=beijing-services-pilot")
    assert "the charts need two" in page
    assert '<svg class="pd-chart' not in page


def test_flow_svg_keeps_widths_and_escapes():
    nodes = [
        [charts.Node("a", f"第一章 {SCRIPT}", 3), charts.Node("b", "第二章", 1)],
        [charts.Node("a", "第一章", 2), charts.Node("c", "第三章", 3)],
    ]
    bands = [
        [
            charts.Band("a", "a", 2, 2),
            charts.Band("a", "c", 1, 2, note="split"),
            charts.Band("b", None, 1, 1),
            charts.Band(None, "c", 0, 1),
        ]
    ]
    svg = str(charts.flow_svg(["2009", "2015"], nodes, bands))
    assert SCRIPT not in svg and ESCAPED in svg
    assert svg.count('class="pd-band') == 4
    assert svg.count('class="pd-node"') == 4
    assert svg.count('class="pd-stub"') == 2
    assert "style=" not in svg
    heights = [
        float(h) for h in re.findall(r'class="pd-node"[^>]*height="([\d.]+)"', svg)
    ]
    unit = heights[0] / 3
    assert heights == pytest.approx([3 * unit, unit, 2 * unit, 3 * unit], abs=0.1)


def test_heatmap_svg():
    cells = {
        ("a", 0): charts.Cell(0, 5, 0.0, {"unchanged": 5}),
        ("a", 1): charts.Cell(5, 5, 0.9, {"modified": 5}, href="/x?a=1&b=2"),
        ("b", 1): charts.Cell(1, 4, 0.25, {"added": 1, "unchanged": 3}),
    }
    svg = str(
        charts.heatmap_svg(
            ["1995 → 2009", "2009 → 2015"], [("a", SCRIPT), ("b", "第二章")], cells
        )
    )
    assert SCRIPT not in svg and ESCAPED in svg
    fills = re.findall(r'class="pd-cell"[^>]*fill="(#\w+)"', svg)
    assert fills == [charts.NO_CHANGE, charts.HEAT[-1], charts.HEAT[1]]
    assert 'href="/x?a=1&amp;b=2"' in svg
    assert "1 of 4 changed, change score 0.25 (added 1)" in svg
    assert charts.heat_colour(0, 0.5) == charts.NO_CHANGE
    assert charts.heat_colour(1, 1.0) == charts.HEAT[-1]


# ---------------------------------------------------------------------------- layout


def _side(clause_id, path=("一",)):
    return layout.Side(clause_id, clause_id, path, clause_id)


def test_layout_puts_deleted_and_moved_where_they_stood():
    a, b, c, d = (_side(f"old:{x}") for x in "abcd")
    na, nb, nc = (_side(f"new:{x}", ("二",) if x == "b" else ("一",)) for x in "abc")
    links = [
        layout.Link("unchanged", 1, "exact", [a], [na]),
        layout.Link("moved", 0.9, "move", [b], [nb]),
        layout.Link("deleted", 0, "residual", [c], []),
        layout.Link("modified", 0.8, "backbone", [d], [nc]),
    ]
    rows = layout.arrange(
        ["old:a", "old:b", "old:c", "old:d"], ["new:a", "new:c", "new:b"], links
    )
    shown = [(r.kind, r.title or (r.new or r.old[0]).id) for r in rows]
    assert shown == [
        ("section", "一"),
        ("pair", "new:a"),
        ("moved-away", "old:b"),
        ("deleted", "old:c"),
        ("pair", "new:c"),
        ("section", "二"),
        ("pair", "new:b"),
    ]
    moved = rows[-1]
    assert moved.ghost is rows[2] and rows[2].after is a and rows[3].after is a
    # moved-away rows are not counted: the move is counted where it went.
    assert (rows[0].changes, rows[-2].changes) == (2, 1)
    assert [r.kind for r in layout.visible(rows, ["moved"])] == [
        "section",
        "moved-away",
        "section",
        "pair",
    ]
    assert layout.visible(rows, None) == rows


def test_layout_deleted_first_clause_goes_first():
    a, b = _side("old:a"), _side("old:b")
    nb = _side("new:b")
    links = [
        layout.Link("deleted", 0, "r", [a], []),
        layout.Link("unchanged", 1, "e", [b], [nb]),
    ]
    rows = layout.arrange(["old:a", "old:b"], ["new:b"], links)
    assert [r.kind for r in rows] == ["deleted", "section", "pair"]
    assert rows[0].after is None


# ---------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    "value,zh",
    [
        ("2019-02-22", "2019年2月22日"),
        ("2015-05", "2015年5月"),
        ("2009", "2009年"),
        ("soon", "soon"),
        (None, ""),
    ],
)
def test_chinese_date(value, zh):
    assert chinese_date(value) == zh


def test_highlight_and_snippet_escape():
    assert str(highlight(f"甲{SCRIPT}外商乙外商", ["外商"])) == (
        f"甲{ESCAPED}<mark>外商</mark>乙<mark>外商</mark>"
    )
    assert str(highlight("<b>", ["<"])) == "<mark>&lt;</mark>b&gt;"
    text = "甲" * 100 + "外商独资" + "乙" * 100
    cut = str(snippet(text, ["外商独资"], width=5))
    assert cut == "…甲甲甲甲甲<mark>外商独资</mark>乙乙乙乙乙…"
    assert anchor("doc/2019:2.2.p1") == "c-2019:2.2.p1"
    assert anchor("doc/v 1:a1") == "c-v_1:a1"


# ---------------------------------------------------------------------------- tables


@pytest.mark.parametrize(
    "query,params,expected",
    [
        ("added_in_version", "document=food-safety-law&version=2015", [("第三条",)]),
        ("added_in_version", "document=&version=", [("第三条",), ("二（六）（合成",)]),
        (
            "removed_in_version",
            "document=food-safety-law&version=2015",
            [("第二十二条",)],
        ),
        ("moved_between_sections", "document=" + SYNTHETIC_DOCUMENT, [("moved",)]),
        ("biggest_rewrites", "document=food-safety-law", [("split",), ("modified",)]),
        ("history_of_phrase", "phrase=考核", [("food-safety-law/2009:a5",)]),
        ("history_of_phrase", "phrase=外商", [("beijing-services-pilot/2019:2.2.1",)]),
        ("clauses_containing", "phrase=外商", [("beijing-services-pilot/2019:2.2.1",)]),
    ],
)
@pytest.mark.asyncio
async def test_canned_queries(ds, query, params, expected):
    rows = (
        await ds.client.get(f"/policydiff/{query}.json?{params}&_shape=array")
    ).json()
    first = {
        "added_in_version": "clause",
        "removed_in_version": "clause",
        "moved_between_sections": "type",
        "biggest_rewrites": "type",
        "history_of_phrase": "history",
        "clauses_containing": "id",
    }[query]
    got = [(row[first],) for row in rows]
    if query == "added_in_version" and params == "document=&version=":
        got = [(g[0][:7],) for g in got]
    if "phrase=外商" in params:
        # The SYNTHETIC revision holds the whole plan: leave it out here.
        assert any(g[0].startswith(SYNTHETIC_DOCUMENT) for g in got)
        got = [g for g in got if not g[0].startswith(SYNTHETIC_DOCUMENT)]
    assert got == expected
    page = await get(ds, f"/policydiff/{query}?{params}")
    assert ds.metadata("queries", database="policydiff")[query]["title"] in page


@pytest.mark.asyncio
async def test_history_column_links_to_the_history_page(ds):
    page = await get(ds, "/policydiff/history_of_phrase?phrase=外商")
    link = html.escape("/policydiff/-/history?id=beijing-services-pilot%2F2019%3A2.2.1")
    assert f'<a href="{link}">beijing-services-pilot/2019:2.2.1</a>' in page


def test_every_column_is_described():
    tables = web.load_metadata()["databases"]["policydiff"]["tables"]
    for name, spec in store.SCHEMA.items():
        assert name in tables, name
        assert set(tables[name]["columns"]) == set(spec["columns"]), name
        assert tables[name]["title"] and tables[name]["description"]


@pytest.mark.asyncio
async def test_datasette_without_metadata_shows_the_same(bundled):
    """``datasette policydiff.db`` with the package installed: titles, facets, queries."""
    page = await get(bundled, "/policydiff/changes")
    assert "Changes (修改)" in page
    assert 'data-column-description="Text similarity' in page
    data = (await bundled.client.get("/policydiff/changes.json")).json()
    assert {"type", "section", "to_version"} <= set(data["facet_results"])
    types = {f["value"] for f in data["facet_results"]["type"]["results"]}
    assert types >= {"modified", "moved", "split", "merged", "added", "deleted"}
    page = await get(bundled, "/policydiff")
    for query in ("added_in_version", "biggest_rewrites", "history_of_phrase"):
        assert f'href="/policydiff/{query}"' in page
    page = await get(bundled, "/")
    assert '<a href="/policydiff/-/policydiff">documents and their versions</a>' in page
    menu = (await bundled.client.get("/policydiff/-/policydiff")).text
    assert (
        '<li><a href="/policydiff/-/policydiff">policydiff: policydiff</a></li>' in menu
    )


# ---------------------------------------------------------------------------- safety


PAGES = [
    "/policydiff/-/policydiff",
    "/policydiff/-/measure?id=escape-test/v2:a1.m1",
    "/policydiff/-/measure?id=" + SYNTHETIC_DOCUMENT + "/synthetic:2.4.p4.m2",
    compare_path("food-safety-law", "2009", "2015"),
    compare_path("escape-test", "v1", "v2"),
    compare_path(SYNTHETIC_DOCUMENT, "2019", "synthetic", "moved"),
    "/policydiff/-/history?id=food-safety-law/2009:a5",
    "/policydiff/-/history?id=escape-test/v1:a1&q=script",
    "/policydiff/-/search?q=alert",
    "/policydiff/-/search?q=外商独资",
    "/policydiff/-/charts?document=food-safety-law",
    "/policydiff/-/charts?document=escape-test",
]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.asyncio
async def test_pages_escape_text_and_need_no_inline_code(ds, path):
    response = await ds.client.get(path)
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == views.CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in views.CONTENT_SECURITY_POLICY
    assert "style-src 'self'" in views.CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    page = response.text
    assert SCRIPT not in page
    assert "<script>" not in page
    elements = Elements(page)
    for element in elements.find("script"):
        assert element["src"].startswith("/-/static-plugins/policydiff"), element
        assert not element["text"].strip()
    for element in elements.elements:
        assert "style" not in element, element
        assert not [k for k in element if k.startswith("on")], element
    for element in elements.find("a") + elements.find("form"):
        target = element.get("href") or element.get("action") or ""
        assert not target.lower().startswith("javascript:")


@pytest.mark.asyncio
async def test_script_in_a_version_shows_as_text(ds):
    page = await get(ds, compare_path("escape-test", "v1", "v2"))
    assert f"<ins>{ESCAPED}</ins>" in page
    assert f"第一章 {ESCAPED}" in page
    page = await get(ds, "/policydiff/-/history?id=escape-test/v1:a1")
    assert f"为了保证食品安全{ESCAPED}，制定本法。" in page
    page = await get(ds, "/policydiff/-/search?q=alert")
    assert "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt;" in page
    page = await get(ds, "/policydiff/-/policydiff")
    assert f"https://x/{ESCAPED}" in page
    assert f'href="https://x/{SCRIPT}' not in page
    # A measure's text, its redline and the clause history's list of measures.
    page = await get(ds, "/policydiff/-/measure?id=escape-test/v2:a1.m1")
    assert f"为了保证食品安全{ESCAPED}，制定本法。" in page
    assert f"<ins>{ESCAPED}</ins>" in page
    page = await get(ds, "/policydiff/-/history?id=escape-test/v1:a1")
    assert f'<span lang="zh-CN">为了保证食品安全{ESCAPED}，制定本法。</span>' in page


@pytest.mark.asyncio
async def test_script_and_style_are_served(ds):
    page = await get(ds, "/policydiff/-/policydiff")
    src = re.search(r'<script type="module" src="([^"]+policydiff\.js)"', page).group(1)
    script = await get(ds, src)
    assert "addEventListener" in script
    # Datasette's own pages keep their inline script, and get no policydiff script.
    page = await get(ds, "/policydiff/changes")
    assert "policydiff.js" not in page
    assert "<script>\ndocument.body.addEventListener('click'" in page
    assert (
        "content-security-policy"
        not in (await ds.client.get("/policydiff/changes")).headers
    )


# ---------------------------------------------------------------------------- measures

MEASURE = "/policydiff/-/measure?id="
#: 2009 第八十五条's fine became 2015 第一百二十三条's, raised from 2,000–50,000 yuan to
#: 100,000–150,000; the same measure went, with a smaller raise, to 第一百二十四条.
FINE = "food-safety-law/2015:a123.m2"


def measure_path(measure_id: str) -> str:
    return MEASURE + quote(measure_id, safe="")


@pytest.mark.asyncio
async def test_measure_page_follows_a_measure_through_versions(bundled):
    page = await get(bundled, measure_path(FINE))
    elements = Elements(page)
    assert "Measure 措施: 第一百二十三条 m2, 2015" in elements.find("h1")[0]["text"]
    steps = elements.find("li", "pd-step")
    assert [s["id"] for s in steps] == ["v-1995", "v-2009", "v-2015"]
    assert "Not in this version." in steps[0]["text"]
    assert "added 新增" in steps[1]["text"]
    # The step into 2015: both links of the old measure, each with its redline.
    links = elements.find("div", "pd-measure-link")
    assert len(links) == 3
    modified = next(link for link in links if "第一百二十三条 m2" in link["text"])
    assert "2009 第八十五条 m2 → 2015 第一百二十三条 m2" in modified["text"]
    assert "<del>二千元</del><ins>十万元</ins>" in page
    # Its classes as badges, and the evidence: rules, words and their spans.
    assert "parameter 参数 amount 2000-50000→100000-150000 元" in modified["text"]
    assert "tightened 收紧" in modified["text"]
    assert "amount changed" in modified["text"] and "[22–32]" in modified["text"]
    assert "<mark>二千元以上五万元以下</mark>" in page
    assert "<mark>十万元以上十五万元以下</mark>" in page
    # The measure itself is marked, and the others link to their own pages.
    target = elements.find("div", "pd-target")
    assert len(target) == 1 and target[0]["id"] == "m-2015:a123.m2"
    href = html.escape(measure_path("food-safety-law/2015:a124.m2"))
    assert f'href="{href}"' in page
    history = html.escape("/policydiff/-/history?clause=food-safety-law%2F2015%3Aa123")
    assert f'href="{history}"' in page
    assert "reviewed" not in page.replace("reviewed 已审核", "")  # no review file


@pytest.mark.asyncio
async def test_measure_page_of_a_measure_in_three_versions(bundled):
    page = await get(bundled, measure_path("food-safety-law/2015:a27.m3"))
    elements = Elements(page)
    measures = [e["id"] for e in elements.elements if e.get("id", "").startswith("m-")]
    assert measures == ["m-1995:a16.m3", "m-2009:a21.m3", "m-2015:a27.m3"]
    badges = [b["text"] for b in elements.find("a", "pd-class")]
    assert "actor − 主体删除 国务院有关行政部门" in badges
    assert "actor + 主体增加 国务院农业行政部门" in badges


@pytest.mark.parametrize(
    "path,status,message",
    [
        (MEASURE.rstrip("?id="), 400, "Say which measure"),
        (MEASURE + "nope/1:a1.m1", 404, "No measure nope/1:a1.m1"),
    ],
)
@pytest.mark.asyncio
async def test_measure_page_errors(bundled, path, status, message):
    response = await bundled.client.get(path)
    assert response.status_code == status
    assert message in html.unescape(response.text)


@pytest.mark.asyncio
async def test_pages_of_a_database_without_measures(tmp_path, small_history):
    """A database built before measures: the pages work, without them."""
    path = write_database(tmp_path / "policydiff.db", [small_history])
    db = sqlite_utils.Database(path)
    for table in ("stats", "parameter_changes", "measure_classes", "measure_links"):
        db[table].drop()
    db.execute("drop table measures_fts")
    db["measures"].drop()
    db.close()
    web.register()
    ds = Datasette([str(path)])
    page = await get(ds, "/policydiff/-/policydiff")
    assert "pd-indices" not in page and 'href="/policydiff/measure_links"' not in page
    page = await get(ds, compare_path("food-safety-law", "2009", "2015"))
    assert "pd-classes" not in page
    await get(ds, "/policydiff/-/history?id=food-safety-law/2009:a5")
    response = await ds.client.get(MEASURE + "food-safety-law/2009:a1.m1")
    assert response.status_code == 404
    assert "rebuild it with policydiff build" in response.text


@pytest.mark.asyncio
async def test_compare_shows_how_the_measures_of_a_clause_changed(bundled):
    page = await get(bundled, compare_path("food-safety-law", "2009", "2015"))
    row = row_with(page, "c-2015:a123")
    new_cell = row.split('class="pd-new-cell"')[1]
    badges = [b["text"] for b in Elements(new_cell).find("a", "pd-class")]
    assert "parameter 参数 amount 2000-50000→100000-150000 元" in badges
    assert "parameter 参数 multiple 5-10→15-30 倍" in badges
    assert any(b.startswith("tightened 收紧") for b in badges)
    href = html.escape(measure_path(FINE))
    assert f'href="{href}"' in new_cell
    # A weakened measure shows the words that weakened it.
    weakened = [
        b["text"]
        for b in Elements(page).find("a", "pd-class-weakened")
        if "应当→可以" in b["text"]
    ]
    assert weakened == ["weakened 减弱 应当→可以"]
    # Every class of the pair is on the page, beside the clause it leads into.
    db = sqlite_utils.Database(bundled.databases["policydiff"].path)
    shown = len(Elements(page).find("a", "pd-class"))
    assert shown == db["measure_classes"].count_where(
        "comparison_id = 'food-safety-law/2009..2015' and class != 'parameters'"
    ) + db["parameter_changes"].count_where(
        "comparison_id = 'food-safety-law/2009..2015'"
    )


@pytest.mark.asyncio
async def test_history_links_to_measures(bundled):
    page = await get(bundled, "/policydiff/-/history?clause=food-safety-law/2015:a123")
    elements = Elements(page)
    lists = elements.find("details", "pd-measures")
    assert lists and "measures 措施" in lists[-1]["text"]
    href = html.escape(measure_path(FINE))
    assert f'<a href="{href}">m2</a>' in page
    badges = [b["text"] for b in elements.find("a", "pd-class")]
    assert "parameter 参数 amount 2000-50000→100000-150000 元" in badges


@pytest.mark.asyncio
async def test_home_shows_the_change_indices_of_each_pair(bundled):
    page = await get(bundled, "/policydiff/-/policydiff")
    db = sqlite_utils.Database(bundled.databases["policydiff"].path)
    document = page[page.index('id="doc-food-safety-law"') :]
    charts_ = Elements(document).find("svg", "pd-indices")
    assert len(charts_) == 2
    stats = db["stats"].get(["food-safety-law/2009..2015", "(whole document)"])
    second = document[document.index("Compare 2009 → 2015") :]
    svg = second[second.index("<svg") : second.index("</svg>")]
    shares = Elements(svg).find("rect", "pd-share")
    widths = {r["data-type"]: float(r["width"]) for r in shares}
    assert sum(widths.values()) == pytest.approx(320, abs=1)
    assert widths["added"] == pytest.approx(stats["share_added"] * 320, abs=0.1)
    counts = [
        int(r["data-count"]) for r in Elements(svg).find("rect", "pd-measure-bar")
    ]
    assert counts == [
        stats["strengthened"],
        stats["weakened"],
        stats["loosened"],
        stats["tightened"],
        stats["parameter_changes"],
    ]
    assert (
        f'mean similarity <span lang="zh-CN">平均相似度</span> {stats["mean_similarity"]:.2f}'
        in second
    )
    link = html.escape(
        "/policydiff/parameter_changes?comparison_id=food-safety-law%2F2009..2015"
    )
    assert (
        f'<a href="{link}">{stats["parameter_changes"]} parameter changes</a>' in second
    )
    link = html.escape(
        "/policydiff/measure_classes?comparison_id=food-safety-law%2F2009..2015"
        "&class=strength&value=weakened"
    )
    assert f'<a href="{link}">{stats["weakened"]} weakened</a>' in second
    # The tables it links to answer with those rows.
    table = html.unescape(link).replace("measure_classes?", "measure_classes.json?")
    data = (await bundled.client.get(table)).json()
    assert data["filtered_table_rows_count"] == stats["weakened"]


def test_indices_svg_scales_and_escapes():
    row = {
        "links": 4,
        "unchanged": 1,
        "modified": 3,
        "share_unchanged": 0.25,
        "share_modified": 0.75,
        "measures": 9,
        "strengthened": 2,
        "weakened": 1,
        "loosened": 0,
        "tightened": 0,
        "parameter_changes": 4,
    }
    svg = str(charts.indices_svg(row, 4, key="a/1..2", title=SCRIPT))
    assert SCRIPT not in svg and ESCAPED in svg
    assert "style=" not in svg
    assert 'aria-labelledby="pd-indices-a-1--2"' in svg
    widths = [
        float(w) for w in re.findall(r'class="pd-share"[^>]*width="([\d.]+)"', svg)
    ]
    assert widths == [80, 240]
    bars = re.findall(r'class="pd-measure-bar"[^>]*width="([\d.]+)"', svg)
    assert [float(w) for w in bars] == [85, 42.5, 0, 0, 170]


@pytest.mark.parametrize(
    "query,params,check",
    [
        ("measures_weakened", "from_version=2009&to_version=2015", "weakened"),
        ("measures_weakened", "from_version=&to_version=", "weakened"),
        ("every_parameter_change", "", "parameters"),
        ("measures_moved_to_another_body", "", "actors"),
    ],
)
@pytest.mark.asyncio
async def test_measure_queries(bundled, query, params, check):
    rows = (
        await bundled.client.get(f"/policydiff/{query}.json?{params}&_shape=array")
    ).json()
    db = sqlite_utils.Database(bundled.databases["policydiff"].path)
    if check == "weakened":
        assert {(r["from_version"], r["to_version"]) for r in rows} == {
            ("2009", "2015")
        }
        assert len(rows) == db["measure_classes"].count_where(
            "class = 'strength' and value = 'weakened'"
        )
        assert any(
            r["old_clause"] == "第二十四条" and "应当 → 可以" in r["rules"]
            for r in rows
        )
    elif check == "parameters":
        assert len(rows) == db["parameter_changes"].count
        assert {
            "old_clause": "第八十五条",
            "new_clause": "第一百二十三条",
            "kind": "amount",
            "old": "2000-50000",
            "new": "100000-150000",
            "unit": "元",
            "old_text": "二千元以上五万元以下",
            "new_text": "十万元以上十五万元以下",
            "measure": FINE,
        }.items() <= next(r for r in rows if r["measure"] == FINE).items()
    else:
        assert rows
        for row in rows:
            assert json.loads(row["actors_removed"]) and json.loads(row["actors_added"])
    page = await get(bundled, f"/policydiff/{query}?{params}")
    title = bundled.metadata("queries", database="policydiff")[query]["title"]
    assert title in page
    if query != "measures_moved_to_another_body" or rows:
        assert 'href="/policydiff/-/measure?id=food-safety-law%2F' in page


@pytest.mark.asyncio
async def test_measure_tables_have_titles_and_facets(bundled):
    for table, title, facets in (
        (
            "measure_classes",
            "Measure classes (措施变化分类)",
            {"class", "value", "to_version"},
        ),
        (
            "parameter_changes",
            "Parameter changes (参数变化)",
            {"kind", "unit", "to_version"},
        ),
        (
            "measure_links",
            "Measure changes (措施变化)",
            {"type", "strength", "to_version"},
        ),
    ):
        page = await get(bundled, f"/policydiff/{table}")
        assert title in page
        data = (await bundled.client.get(f"/policydiff/{table}.json")).json()
        assert facets <= set(data["facet_results"]), table
    data = (
        await bundled.client.get("/policydiff/parameter_changes.json?_facet=kind")
    ).json()
    kinds = {f["value"] for f in data["facet_results"]["kind"]["results"]}
    assert "amount" in kinds
    # Measure links show their redline in the table, escaped text inside.
    page = await get(bundled, "/policydiff/measure_links?type=modified")
    assert '<div class="policydiff-diff">' in page and "<del>" in page


# ---------------------------------------------------------------------------- reviews


@pytest.mark.asyncio
async def test_a_reviewed_clause_link_is_marked_on_the_compare_page(reviewed):
    page = await get(reviewed, compare_path("food-safety-law", "2009", "2015"))
    row = row_with(page, "c-2015:a6")
    assert data_type(row) == "modified"
    badge = Elements(row).find("span", "pd-reviewed")
    assert len(badge) == 1
    assert badge[0]["text"] == "reviewed 已审核: Li Wei — a7 is a new article"
    assert 'title="clause review, line 2 of reviews.csv: link modified"' in row
    # The clause it freed is reviewed too, though no review names it.
    freed = row_with(page, "c-2015:a7")
    assert data_type(freed) == "added"
    assert [b["text"] for b in Elements(freed).find("span", "pd-reviewed")] == [
        "reviewed 已审核"
    ]
    assert page.count('class="pd-reviewed"') == 2
    # What the review set on a measure shows on its badge.
    fine = row_with(page, "c-2015:a123")
    weakened = [b["text"] for b in Elements(fine).find("a", "pd-class-weakened")]
    assert "weakened 减弱 ✓" in weakened


@pytest.mark.asyncio
async def test_a_reviewed_link_is_marked_on_the_history_page(reviewed):
    page = await get(reviewed, "/policydiff/-/history?clause=food-safety-law/2009:a5")
    badges = [b["text"] for b in Elements(page).find("span", "pd-reviewed")]
    assert badges == ["reviewed 已审核: Li Wei — a7 is a new article"]


@pytest.mark.asyncio
async def test_reviewed_measures_are_marked_and_reasons_escaped(reviewed):
    page = await get(reviewed, measure_path(FINE))
    badges = [b["text"] for b in Elements(page).find("span", "pd-reviewed")]
    assert badges == [f"reviewed 已审核: Wang Fang — {SCRIPT} test"]
    assert SCRIPT not in page and f"{ESCAPED} test" in page
    badges = [b["text"] for b in Elements(page).find("a", "pd-class")]
    assert "weakened 减弱 ✓" in badges
    page = await get(reviewed, measure_path("food-safety-law/2015:a29.m2"))
    badges = [b["text"] for b in Elements(page).find("span", "pd-reviewed")]
    assert badges == ["reviewed 已审核: Li Wei — different provisions"]


@pytest.mark.asyncio
async def test_reviewed_decisions_query(reviewed, bundled):
    rows = (
        await reviewed.client.get("/policydiff/reviewed_decisions.json?_shape=array")
    ).json()
    got = [(r["kind"], r["type"], r["old"], r["new"], r["who"], r["why"]) for r in rows]
    assert got == [
        ("clause", "modified", "第五条", "第六条", "Li Wei", "a7 is a new article"),
        ("clause", "added", "", "第七条", None, None),
        ("measure", "deleted", "第二十四条 m1", None, "Li Wei", "different provisions"),
        ("measure", "added", None, "第二十九条 m2", "Li Wei", "different provisions"),
        ("measure", "modified", "第八十五条 m2", "第一百二十三条 m2", "Wang Fang",
         f"{SCRIPT} test"),
    ]  # fmt: skip
    page = await get(reviewed, "/policydiff/reviewed_decisions")
    assert SCRIPT not in page and ESCAPED in page
    assert 'href="/policydiff/-/history?id=food-safety-law%2F1995%3Aa3"' in page
    assert html.escape(f'href="{measure_path(FINE)}"', quote=False) in page
    rows = (
        await bundled.client.get("/policydiff/reviewed_decisions.json?_shape=array")
    ).json()
    assert rows == []


@pytest.mark.parametrize(
    "path,count",
    [
        ("/policydiff/changes?reviewed=1", 2),
        ("/policydiff/changes_detail?reviewed=1", 2),
        ("/policydiff/measure_links?reviewed=1", 3),
        ("/policydiff/measure_classes?reviewed=1", 1),
        ("/policydiff/every_parameter_change", 1),
    ],
)
@pytest.mark.asyncio
async def test_tables_mark_reviewed_rows(reviewed, path, count):
    page = await get(reviewed, path)
    badges = Elements(page).find("span", "pd-reviewed")
    assert [b["text"] for b in badges] == ["reviewed 已审核"] * count
    if "reviewed=1" in path:
        # Not a row nobody reviewed.
        page = await get(reviewed, path.replace("reviewed=1", "reviewed=0"))
        assert 'class="pd-reviewed"' not in page


@pytest.mark.parametrize(
    "path",
    [
        compare_path("food-safety-law", "2009", "2015"),
        "/policydiff/-/history?clause=food-safety-law/2009:a5",
        measure_path(FINE),
        "/policydiff/-/policydiff",
    ],
)
@pytest.mark.asyncio
async def test_reviewed_pages_need_no_inline_code(reviewed, path):
    response = await reviewed.client.get(path)
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == views.CONTENT_SECURITY_POLICY
    assert SCRIPT not in response.text
    for element in Elements(response.text).elements:
        assert "style" not in element, element


@pytest.mark.asyncio
async def test_a_missing_version_with_a_url_says_to_fetch_it(bundled):
    page = await get(bundled, "/policydiff/-/policydiff")
    assert (
        "fetch it with <code>policydiff fetch beijing-services-pilot 2015</code>"
        in page
    )
    assert (
        "add it with <code>policydiff add beijing-services-pilot FILE --label 2017</code>"
    ) in page

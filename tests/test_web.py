import html
import re
import socket

import pytest
import pytest_asyncio
import sqlite_utils
from datasette.app import Datasette

from policydiff import web
from policydiff.errors import InputError, PolicydiffError
from policydiff.model import (
    Change,
    Clause,
    ClauseTree,
    Comparison,
    Document,
    DocumentHistory,
    VersionInfo,
)
from policydiff.store import write_database

SCRIPT = "<script>alert(1)</script>"


def _clause(version: str, text: str) -> Clause:
    return Clause(
        id=f"{version}:a1",
        label="第一条",
        kind="article",
        ordinal=1,
        path=(),
        text=text,
        start=0,
        end=len(text),
        key=text,
        number=1,
    )


@pytest.fixture(scope="session")
def script_history() -> DocumentHistory:
    """A document whose newer version smuggles a <script> into a clause."""
    old = _clause("v1", "第一条 为了保证食品安全，制定本法。")
    new = _clause("v2", f"第一条 为了保证食品安全{SCRIPT}，制定本法。")
    ops = ((0, "第一条 为了保证食品安全"), (1, SCRIPT), (0, "，制定本法。"))
    change = Change("modified", 0.8, "backbone", (old,), (new,), ops)
    document = Document(
        slug="escape-test",
        path=web.HERE,
        versions=(VersionInfo("v1"), VersionInfo("v2")),
        title=f"Escaping {SCRIPT}",
    )
    trees = (
        ClauseTree(old.text, (), (old,), label="v1"),
        ClauseTree(new.text, (), (new,), label="v2"),
    )
    comparison = Comparison("escape-test", "v1", "v2", (change,))
    return DocumentHistory(document, trees, (comparison,), ())


@pytest.fixture(scope="session")
def web_db(tmp_path_factory, small_history, plan_history, script_history):
    path = tmp_path_factory.mktemp("web") / "policydiff.db"
    return write_database(path, [small_history, plan_history, script_history])


@pytest_asyncio.fixture
async def ds(web_db):
    web.register()
    datasette = Datasette([str(web_db)], metadata=web.load_metadata())
    await datasette.invoke_startup()
    return datasette


async def get(ds, path, status=200):
    response = await ds.client.get(path)
    assert response.status_code == status, response.text
    return response.text


@pytest.mark.asyncio
async def test_plugin_is_loaded(ds):
    plugins = {p["name"] for p in (await ds.client.get("/-/plugins.json")).json()}
    assert plugins & {"policydiff", "policydiff.web"}


@pytest.mark.asyncio
async def test_documents_page(ds):
    page = await get(ds, "/policydiff/-/policydiff")
    assert "中华人民共和国食品安全法" in page
    assert "北京市服务业扩大开放综合试点工作方案" in page
    assert "国函〔2015〕81号" in page
    for label in ("2009", "2015", "2017", "2019"):
        assert f">{label}</a>" in page or f"--label {label}" in page
    for label in ("2015", "2017"):
        assert (
            "missing: add the text with <code>policydiff add beijing-services-pilot"
            f" FILE --label {label}</code>"
        ) in page
    assert "policydiff add food-safety-law" not in page
    assert (
        '<a href="/policydiff/changes?from_version=food-safety-law%2F2009'
        '&amp;to_version=food-safety-law%2F2015">2009 → 2015</a>'
    ) in page
    counts = re.findall(r'type=(\w+)">(\w+ \d+)</a>', page)
    assert ("modified", "modified 1") in counts
    assert ("split", "split 1") in counts
    assert {c[0] for c in counts} == {
        "unchanged",
        "modified",
        "split",
        "added",
        "deleted",
    }
    # Titles are escaped, never trusted.
    assert SCRIPT not in page
    assert html.escape(f"Escaping {SCRIPT}", quote=False) in page


@pytest.mark.asyncio
async def test_count_links_filter_the_changes_table(ds):
    page = await get(ds, "/policydiff/-/policydiff")
    url = html.unescape(re.search(r'href="([^"]+type=split)"', page).group(1))
    data = (
        await ds.client.get(url.replace("/changes?", "/changes.json?_shape=objects&"))
    ).json()
    assert [row["to_labels"] for row in data["rows"]] == ["第六条、第七条"]


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
    assert {"type", "from_version", "to_version"} <= set(data["facet_results"])
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
    assert [row["id"] for row in data] == ["beijing-services-pilot/2019:2.2.1"]


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

import html
import json
import re
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from policydiff import store
from policydiff.diff import diff_clauses
from policydiff.errors import InputError
from policydiff.model import Change, Clause
from policydiff.normalize import layout_free
from policydiff.store import search_clauses, write_database


@pytest.fixture
def db_path(tmp_path, small_history, plan_history):
    return write_database(tmp_path / "policydiff.db", [small_history, plan_history])


@pytest.fixture
def db(db_path):
    database = sqlite_utils.Database(db_path)
    yield database
    database.close()


def test_fts5_trigram_is_available():
    conn = sqlite3.connect(":memory:")
    conn.execute("create virtual table t using fts5(text, tokenize='trigram')")
    conn.execute("insert into t values ('允许设立外商独资演出经纪机构')")
    assert conn.execute(
        "select count(*) from t where t match '外商独资'"
    ).fetchone() == (1,)


def test_small_history_diff_ops_rebuild_both_texts(small_history):
    for change in small_history.comparisons[0].changes:
        old = "".join(text for op, text in change.diff if op <= 0)
        new = "".join(text for op, text in change.diff if op >= 0)
        assert old == "\n".join(c.text for c in change.old)
        assert new == "\n".join(c.text for c in change.new)
    for tree in small_history.trees:
        for clause in tree.clauses:
            assert tree.text[clause.start : clause.end] == clause.text


def test_write_database_returns_path(tmp_path, small_history):
    path = tmp_path / "policydiff.db"
    assert write_database(str(path), [small_history]) == path
    assert path.exists()


def test_row_counts(db):
    assert {name: db[name].count for name in store.SCHEMA} == {
        "documents": 2,
        "versions": 5,  # 2009, 2015; 2015, 2017 (missing), 2019
        "version_texts": 3,
        "headings": 5,
        "clauses": 11,
        "comparisons": 1,
        "changes": 5,
        "change_clauses": 9,
        "lineages": 7,
        "lineage_clauses": 11,
        # No review file; the hand-built clauses have no sentences, so no measures.
        "reviews": 0,
        "measures": 0,
        "measure_links": 0,
        "measure_classes": 0,
        "parameter_changes": 0,
        "stats": 3,  # the whole document, 第一章 and 第三章, for the one pair
    }


def test_foreign_keys_valid(db):
    assert db.execute("pragma foreign_key_check").fetchall() == []
    assert db.execute("pragma integrity_check").fetchall() == [("ok",)]
    foreign_keys = {
        (fk.table, fk.column, fk.other_table)
        for name in store.SCHEMA
        for fk in db[name].foreign_keys
    }
    assert ("clauses", "version_id", "versions") in foreign_keys
    assert ("change_clauses", "clause_id", "clauses") in foreign_keys
    assert ("lineage_clauses", "lineage_id", "lineages") in foreign_keys
    # Every foreign key column is indexed, or leads the primary key.
    for fk_table, column, _ in foreign_keys:
        indexed = {i.columns[0] for i in db[fk_table].indexes}
        assert column in indexed | {db[fk_table].pks[0]}, (fk_table, column)


def test_documents_and_versions(db):
    assert db["documents"].get("beijing-services-pilot") == {
        "id": "beijing-services-pilot",
        "title": "北京市服务业扩大开放综合试点工作方案",
        "issuer": "国务院",
        "description": None,
        "language": "zh",
        "source": None,
        "version_count": 3,
        "present_count": 1,
    }
    versions = list(
        db.query(
            "select id, label, ordinal, status, clause_count from versions"
            " where document_id = 'beijing-services-pilot' order by ordinal"
        )
    )
    assert versions == [
        {"id": "beijing-services-pilot/2015", "label": "2015", "ordinal": 1,
         "status": "missing", "clause_count": None},
        {"id": "beijing-services-pilot/2017", "label": "2017", "ordinal": 2,
         "status": "missing", "clause_count": None},
        {"id": "beijing-services-pilot/2019", "label": "2019", "ordinal": 3,
         "status": "present", "clause_count": 2},
    ]  # fmt: skip


def test_clause_row(db, small_history):
    clause = small_history.trees[0].clause("2009:a22")
    assert db["clauses"].get("food-safety-law/2009:a22") == {
        "id": "food-safety-law/2009:a22",
        "document_id": "food-safety-law",
        "version_id": "food-safety-law/2009",
        "label": "第二十二条",
        "kind": "article",
        "section": "第三章 食品安全标准",
        "path": "第三章 食品安全标准",
        "ordinal": 4,
        "number": 22,
        "text": clause.text,
        "sentence_count": 0,
        "lineage_id": "food-safety-law/2009:a22",
    }
    plan = db["clauses"].get("beijing-services-pilot/2019:2.2.1")
    assert plan["section"] == "二、主要任务"
    assert (
        plan["path"]
        == "二、主要任务 › （二）立足文化中心建设，提升文化软实力和国际影响力。"
    )


def test_headings(db):
    assert db["headings"].get("food-safety-law/2015/第三章") == {
        "id": "food-safety-law/2015/第三章",
        "version_id": "food-safety-law/2015",
        "label": "第三章",
        "title": "第三章 食品安全标准",
        "level": 1,
        "path": "",
        "ordinal": 2,
    }


def test_changes(db):
    rows = {row["type"]: row for row in db["changes"].rows}
    assert set(rows) == {"modified", "split", "unchanged", "deleted", "added"}
    modified = rows["modified"]
    assert modified["from_version"] == "food-safety-law/2009"
    assert modified["to_version"] == "food-safety-law/2015"
    assert modified["similarity"] == 0.96
    assert modified["method"] == "backbone"
    assert modified["diff_html"] == (
        "第一条<del>　为</del><ins> 为了</ins>保证食品安全，保障公众身体健康和生命安全，制定本法。"
    )
    assert json.loads(modified["diff_json"])[1] == [-1, "　为"]
    assert "\\u" not in modified["diff_json"]  # ensure_ascii=False
    assert rows["split"]["from_labels"] == "第五条"
    assert rows["split"]["to_labels"] == "第六条、第七条"
    assert rows["split"]["new_text"].count("\n") >= 1
    assert "<br>" in rows["split"]["diff_html"]
    assert rows["added"]["old_text"] is None
    assert rows["added"]["from_labels"] == ""
    assert rows["deleted"]["new_text"] is None
    sides = list(
        db.query(
            "select clause_id, side from change_clauses where change_id = ?"
            " order by side desc, clause_id",
            [rows["split"]["id"]],
        )
    )
    assert sides == [
        {"clause_id": "food-safety-law/2009:a5", "side": "old"},
        {"clause_id": "food-safety-law/2015:a6", "side": "new"},
        {"clause_id": "food-safety-law/2015:a7", "side": "new"},
    ]


def test_changes_detail_view(db):
    assert "changes_detail" in db.view_names()
    row = next(db.query("select * from changes_detail where type = 'split'"))
    assert row["from_label"] == "2009"
    assert row["to_label"] == "2015"
    assert row["to_date"] == "2015-04-24"
    assert row["document_title"] == "中华人民共和国食品安全法"


def test_lineages(db):
    rows = {row["id"]: row for row in db["lineages"].rows}
    assert rows["food-safety-law/2009:a5"] == {
        "id": "food-safety-law/2009:a5",
        "document_id": "food-safety-law",
        "first_version": "food-safety-law/2009",
        "last_version": "food-safety-law/2015",
        "first_label": "第五条",
        "last_label": "第六条、第七条",
        "status": "current",
        "change_count": 1,
    }
    assert rows["food-safety-law/2009:a22"]["status"] == "removed"
    assert rows["food-safety-law/2009:a18"]["change_count"] == 0
    assert rows["food-safety-law/2015:a3"]["first_version"] == "food-safety-law/2015"
    assert rows["beijing-services-pilot/2019:2.2.1"]["status"] == "current"
    clauses = list(
        db.query(
            "select clause_id, version_id from lineage_clauses where lineage_id = ?"
            " order by clause_id",
            ["food-safety-law/2009:a5"],
        )
    )
    assert clauses == [
        {"clause_id": "food-safety-law/2009:a5", "version_id": "food-safety-law/2009"},
        {"clause_id": "food-safety-law/2015:a6", "version_id": "food-safety-law/2015"},
        {"clause_id": "food-safety-law/2015:a7", "version_id": "food-safety-law/2015"},
    ]


def test_fts_trigram_finds_chinese_substring(db):
    assert db["clauses"].detect_fts() == "clauses_fts"
    assert "tokenize='trigram'" in db["clauses_fts"].schema
    ids = [row["id"] for row in db["clauses"].search("外商独资")]
    assert ids == ["beijing-services-pilot/2019:2.2.1"]
    sql = (
        "select clauses.id from clauses join clauses_fts"
        " on clauses.rowid = clauses_fts.rowid where clauses_fts match ?"
    )
    assert [r[0] for r in db.execute(sql, ["强制执行"])] == ["food-safety-law/2009:a22"]


@pytest.mark.parametrize(
    "query,ids,like_fallback",
    [
        # Long terms only: the trigram index.
        ("外商独资", ["beijing-services-pilot/2019:2.2.1"], False),
        (
            "保障公众身体健康",
            [
                "food-safety-law/2009:a1",
                "food-safety-law/2009:a18",
                "food-safety-law/2015:a1",
                "food-safety-law/2015:a24",
            ],
            False,
        ),
        ("制定本法 为了", ["food-safety-law/2015:a1"], True),
        # Short terms only: a trigram index matches nothing, so LIKE.
        ("外商", ["beijing-services-pilot/2019:2.2.1"], True),
        ("考核", ["food-safety-law/2009:a5", "food-safety-law/2015:a7"], True),
        # Mixed: the short term must not be dropped (it narrows the result).
        ("评议 考核", ["food-safety-law/2009:a5", "food-safety-law/2015:a7"], True),
        ("监督管理 派出", ["food-safety-law/2015:a6"], True),
        ("食品安全 县级 派出", ["food-safety-law/2015:a6"], True),
        ("食品安全 外商", [], True),
        ("", [], False),
        # Quotes and LIKE wildcards are literal.
        ('"外商', [], True),
        ("%", [], True),
    ],
)
def test_search_clauses(db_path, query, ids, like_fallback):
    rows = search_clauses(db_path, query)
    assert [row["id"] for row in rows] == ids
    assert all(row["like_fallback"] == like_fallback for row in rows)
    for row in rows:
        assert set(row) >= {"id", "version_id", "label", "text", "like_fallback"}
        for term in query.split():
            assert term in row["text"]


def test_search_clauses_accepts_connections(db_path, db):
    assert (
        search_clauses(db, "外商独资")[0]["label"] == "二（二）推进文化行业扩大对外开放"
    )
    conn = sqlite3.connect(db_path)
    assert len(search_clauses(conn, "食品安全", limit=2)) == 2
    conn.close()


def test_search_clauses_missing_database(tmp_path):
    with pytest.raises(InputError, match="no such database"):
        search_clauses(tmp_path / "nope.db", "外商独资")
    assert not (tmp_path / "nope.db").exists()


def _dump(path):
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def test_rebuild_gives_same_content(tmp_path, small_history, plan_history):
    path = tmp_path / "policydiff.db"
    write_database(path, [small_history, plan_history])
    first = _dump(path)
    write_database(path, [small_history, plan_history])
    assert _dump(path) == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["policydiff.db"]


def test_failure_leaves_old_database_intact(
    tmp_path, small_history, plan_history, monkeypatch
):
    path = tmp_path / "policydiff.db"
    write_database(path, [plan_history])
    before = _dump(path)

    def broken(*args):
        raise RuntimeError("boom")

    # Fails after the first document and its clauses are written.
    monkeypatch.setattr(store, "_change_row", broken)
    with pytest.raises(RuntimeError, match="boom"):
        write_database(path, [plan_history, small_history])
    assert _dump(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["policydiff.db"]


def test_failure_without_old_database_leaves_nothing(tmp_path, small_history):
    broken = small_history.__class__(
        small_history.document, small_history.trees[1:], small_history.comparisons, ()
    )
    with pytest.raises(ValueError, match="refer to missing rows"):
        write_database(tmp_path / "policydiff.db", [broken])
    assert list(tmp_path.iterdir()) == []


def test_progress(tmp_path, small_history, plan_history):
    messages = []
    write_database(
        tmp_path / "policydiff.db",
        [small_history, plan_history],
        progress=messages.append,
    )
    assert messages[:3] == [
        "food-safety-law: 2 versions, 9 clauses, 5 changes, 5 lineages",
        "food-safety-law: measures (extract, align, classify)",
        "food-safety-law: 0 measures, 0 measure links, 0 parameter changes",
    ]
    assert messages[3].startswith("beijing-services-pilot: 3 versions, 2 clauses")


def test_creates_missing_folder(tmp_path, small_history):
    path = tmp_path / "out" / "policydiff.db"
    write_database(path, [small_history])
    assert path.exists()


def test_duplicate_document_is_refused(tmp_path, small_history):
    with pytest.raises(ValueError, match="document food-safety-law is given twice"):
        write_database(tmp_path / "policydiff.db", [small_history, small_history])
    assert list(tmp_path.iterdir()) == []


def test_version_texts(db, small_history):
    row = db["version_texts"].get("food-safety-law/2015")
    assert row["text"] == small_history.trees[1].text
    assert db["version_texts"].count == 3  # no text for a missing version


def test_comparisons(db):
    assert list(db["comparisons"].rows) == [
        {
            "id": "food-safety-law/2009..2015",
            "document_id": "food-safety-law",
            "from_version": "food-safety-law/2009",
            "to_version": "food-safety-law/2015",
            "ordinal": 1,
            "unchanged": 1,
            "modified": 1,
            "moved": 0,
            "split": 1,
            "merged": 0,
            "added": 1,
            "deleted": 1,
            "changed": 4,
            "total": 5,
        }
    ]
    assert store.comparison_key("a", "1995", "2009") == "a/1995..2009"


def test_change_context_columns(db):
    rows = {row["type"]: row for row in db["changes"].rows}
    assert [rows[t]["ordinal"] for t in ("modified", "split", "unchanged")] == [1, 2, 3]
    assert {row["comparison_id"] for row in rows.values()} == {
        "food-safety-law/2009..2015"
    }
    assert rows["split"]["lineage_id"] == "food-safety-law/2009:a5"
    assert rows["added"]["lineage_id"] == "food-safety-law/2015:a3"
    assert rows["modified"]["section"] == "第一章 总则"
    assert rows["deleted"]["section"] == "第三章 食品安全标准"
    assert rows["deleted"]["to_section"] is None
    assert rows["deleted"]["from_path"] == "第三章 食品安全标准"
    assert rows["added"]["from_path"] is None
    assert rows["modified"]["section_changed"] == 0
    assert rows["added"]["section_changed"] is None
    assert (rows["modified"]["inserted_chars"], rows["modified"]["deleted_chars"]) == (
        3,
        2,
    )


def test_change_clauses_carry_each_side_of_the_redline(db):
    split_id = next(db.query("select id from changes where type = 'split'"))["id"]
    rows = list(
        db.query(
            "select clause_id, side, ordinal, diff_html from change_clauses"
            " where change_id = ? order by side desc, ordinal",
            [split_id],
        )
    )
    assert [(r["clause_id"], r["side"], r["ordinal"]) for r in rows] == [
        ("food-safety-law/2009:a5", "old", 1),
        ("food-safety-law/2015:a6", "new", 1),
        ("food-safety-law/2015:a7", "new", 2),
    ]
    old, first, second = (r["diff_html"] for r in rows)
    assert "<ins>" not in old and "<del>" in old
    assert "<del>" not in first + second
    texts = {c["id"]: c["text"] for c in db["clauses"].rows}
    for row in rows:
        plain = re.sub(r"</?(ins|del)>", "", row["diff_html"])
        assert html.unescape(plain.replace("<br>\n", "\n")) == texts[row["clause_id"]]


def _clause(clause_id: str, text: str, path=("第一章 总则",)) -> Clause:
    return Clause(clause_id, clause_id, "article", 1, path, text, 0, len(text), text)


def test_clause_redlines_follow_the_layout_free_diff():
    old = (_clause("1:a1", "第一条　为了<b>保证</b>\n    食品安全。"),)
    new = (
        _clause("2:a1", "第一条 为了保证食品安全。"),
        _clause("2:a2", "第二条 国家建立风险监测制度。"),
    )
    change = Change("split", 0.5, "split", old, new, diff_clauses(old, new))
    redlines = store.clause_redlines(change)
    assert set(redlines) == {("old", "1:a1"), ("new", "2:a1"), ("new", "2:a2")}
    old_html = redlines[("old", "1:a1")]
    assert "&lt;b&gt;" in old_html and "<b>" not in old_html
    assert "<ins>" not in old_html
    # The text the diff read: its layout-free form (no indentation, no hard wrap).
    shown = html.unescape(re.sub("</?del>", "", old_html).replace("<br>\n", "\n"))
    assert shown == layout_free(old[0].text)
    assert "    " not in shown
    assert redlines[("new", "2:a2")].startswith("<ins>第二条 国家建立")
    assert (
        re.sub("</?ins>", "", redlines[("new", "2:a2")])
        == "第二条 国家建立风险监测制度。"
    )
    assert "<del>" not in redlines[("new", "2:a1")]


def test_clause_redlines_of_versions_in_different_scripts_keep_their_marks():
    """A Traditional version against a Simplified one is diffed in Simplified: each side
    of the side-by-side view is cut from that diff, not left unmarked."""
    old = (_clause("1:a1", "第一條　爲保證食品安全，制定本法。"),)
    new = (_clause("2:a1", "第一条 为了保证食品安全，制定本法。"),)
    change = Change("modified", 0.9, "backbone", old, new, diff_clauses(old, new))
    redlines = store.clause_redlines(change)
    assert redlines[("new", "2:a1")] == "第一条 <ins>为了</ins>保证食品安全，制定本法。"
    assert redlines[("old", "1:a1")] == "第一条 <del>为</del>保证食品安全，制定本法。"


@pytest.mark.parametrize(
    "ops,texts,parts",
    [
        ([(0, "ab\ncd")], ["ab", "cd"], [[(0, "ab")], [(0, "cd")]]),
        ([(0, "a"), (1, "b\nc"), (0, "d")], ["ab", "cd"], [[(0, "a"), (1, "b")], [(1, "c"), (0, "d")]]),
        ([(1, "\n")], ["", ""], [[], []]),
        ([(0, "x")], ["y"], [None]),
    ],
)  # fmt: skip
def test_cut(ops, texts, parts):
    assert store._cut(ops, texts) == parts


def test_section_key_ignores_numbering_and_spacing():
    assert store.section_key(("第一章　总　　则",)) == store.section_key(
        ("第二章 总则",)
    )
    assert store.section_key(("二、主要任务", "（三）着眼国际交往")) == "着眼国际交往"
    assert store.section_key(()) == ""


def test_search_clauses_by_document(db_path):
    rows = search_clauses(db_path, "保障公众身体健康", document="food-safety-law")
    assert len(rows) == 4
    assert rows[0]["lineage_id"] == "food-safety-law/2009:a1"
    assert search_clauses(db_path, "保障公众身体健康", document="nope") == []


def test_versions_record_where_each_text_came_from(tmp_path, small_history):
    from dataclasses import replace

    fetched = replace(
        small_history.document.versions[-1],
        url="http://127.0.0.1:8000/food-safety-law-2015.html",
        retrieved_at="2026-11-25T16:00:00Z",
        http_status=200,
        content_type="text/html; charset=utf-8",
        encoding="utf-8",
        original_file="2015.orig.html",
        original_sha256="0" * 64,
    )
    document = replace(
        small_history.document,
        versions=small_history.document.versions[:-1] + (fetched,),
    )
    path = write_database(
        tmp_path / "p.db", [replace(small_history, document=document)]
    )
    row = sqlite_utils.Database(path)["versions"].get("food-safety-law/2015")
    assert row["url"] == fetched.url
    assert row["http_status"] == 200
    assert row["original_file"] == "2015.orig.html"
    assert row["retrieved_at"] == "2026-11-25T16:00:00Z"


# ---------------------------------------------------------------------------- measures


@pytest.fixture(scope="module")
def bundled(bundled_db):
    database = sqlite_utils.Database(bundled_db)
    yield database
    database.close()


@pytest.fixture(scope="module")
def reviewed(reviewed_db):
    database = sqlite_utils.Database(reviewed_db)
    yield database
    database.close()


@pytest.mark.parametrize("name", ["bundled", "reviewed"])
def test_measure_tables_keep_their_foreign_keys(request, name):
    db = request.getfixturevalue(name)
    for table in store.MEASURE_SCHEMA:
        assert db[table].count > 0, table
    assert db.execute("pragma foreign_key_check").fetchall() == []
    foreign_keys = {
        (fk.table, fk.column, fk.other_table, fk.other_column)
        for table in store.SCHEMA
        for fk in db[table].foreign_keys
    }
    assert {
        ("measures", "clause_id", "clauses", "id"),
        ("measures", "version_id", "versions", "id"),
        ("measure_links", "old_measure", "measures", "id"),
        ("measure_links", "new_measure", "measures", "id"),
        ("measure_links", "old_clause", "clauses", "id"),
        ("measure_links", "new_clause", "clauses", "id"),
        ("measure_links", "comparison_id", "comparisons", "id"),
        ("measure_links", "review_id", "reviews", "id"),
        ("measure_classes", "link_id", "measure_links", "id"),
        ("parameter_changes", "link_id", "measure_links", "id"),
        ("parameter_changes", "new_measure", "measures", "id"),
        ("stats", "comparison_id", "comparisons", "id"),
        ("changes", "review_id", "reviews", "id"),
    } <= foreign_keys
    for table, column, _, _ in foreign_keys:
        indexed = {i.columns[0] for i in db[table].indexes}
        assert column in indexed | {db[table].pks[0]}, (table, column)
    indexes = {tuple(i.columns) for i in db["measure_classes"].indexes}
    assert ("class", "value") in indexes
    # Every column of rows.py has its place in the schema, and no more.
    for table, spec in store.MEASURE_SCHEMA.items():
        assert set(db[table].columns_dict) == set(spec["columns"]), table


def test_measures_carry_their_place_in_the_text(bundled):
    row = bundled["measures"].get("food-safety-law/2015:a124.m2")
    assert row["document_id"] == "food-safety-law"
    assert row["version_id"] == "food-safety-law/2015"
    assert row["clause_id"] == "food-safety-law/2015:a124"
    assert row["clause_label"] == "第一百二十四条"
    text = bundled["version_texts"].get("food-safety-law/2015")["text"]
    assert text[row["start"] : row["end"]] == row["text"]
    assert "五万元以上十万元以下" in row["text"]
    assert json.loads(row["verbs"]) and isinstance(json.loads(row["actors"]), list)
    # Measure text can be searched like clause text.
    ids = [r["id"] for r in bundled["measures"].search("五万元以上十万元以下")]
    assert "food-safety-law/2015:a124.m2" in ids


def test_parameter_changes_of_2009_to_2015(bundled):
    """The 2015 revision raised the fines of 2009 第八十五条 (now 第一百二十三条)."""
    rows = list(
        bundled.query(
            "select * from parameter_changes where link_id = ?",
            ["food-safety-law/2009:a85.m2>2015:a123.m2"],
        )
    )
    assert [(r["kind"], r["old"], r["new"], r["unit"]) for r in rows] == [
        ("amount", "2000-50000", "100000-150000", "元")
    ]
    (fine,) = rows
    assert (fine["old_text"], fine["new_text"]) == (
        "二千元以上五万元以下",
        "十万元以上十五万元以下",
    )
    assert fine["comparison_id"] == "food-safety-law/2009..2015"
    assert fine["from_version"] == "food-safety-law/2009"
    assert fine["to_version"] == "food-safety-law/2015"
    assert fine["old_measure"] == "food-safety-law/2009:a85.m2"
    assert fine["reviewed"] == 0
    link = bundled["measure_links"].get(fine["link_id"])
    assert link["type"] == "modified" and link["parameter_changes"] == 1
    assert link["old_clause"] == "food-safety-law/2009:a85"
    assert link["new_clause"] == "food-safety-law/2015:a123"
    assert "<del>二千元</del><ins>十万元</ins>" in link["diff_html"]
    assert link["reviewed"] == 0 and link["review_id"] is None
    classes = {
        (r["class"], r["value"])
        for r in bundled["measure_classes"].rows_where("link_id = ?", [link["id"]])
    }
    assert ("restriction", "tightened") in classes
    assert ("parameters", "amount") in classes


def test_measure_links_are_in_reading_order_with_redlines(bundled):
    rows = list(
        bundled.query(
            "select ordinal, type, old_text, new_text, diff_html from measure_links"
            " where comparison_id = 'food-safety-law/2009..2015' order by ordinal"
        )
    )
    assert [r["ordinal"] for r in rows] == list(range(1, len(rows) + 1))
    for row in rows:
        if row["type"] == "added":
            assert row["diff_html"] == "<ins>" + html.escape(row["new_text"]) + "</ins>"
        elif row["type"] == "deleted":
            assert row["diff_html"] == "<del>" + html.escape(row["old_text"]) + "</del>"
        elif row["type"] == "unchanged":
            assert "<ins>" not in row["diff_html"] and "<del>" not in row["diff_html"]


def test_stats_hold_the_change_indices(bundled):
    whole = bundled["stats"].get(["food-safety-law/2009..2015", "(whole document)"])
    comparison = bundled["comparisons"].get("food-safety-law/2009..2015")
    assert whole["ordinal"] == 1
    assert whole["links"] == comparison["total"]
    assert whole["modified"] == comparison["modified"]
    assert whole["share_added"] == round(comparison["added"] / comparison["total"], 4)
    assert whole["parameter_changes"] == bundled["parameter_changes"].count_where(
        "comparison_id = 'food-safety-law/2009..2015'"
    )
    assert whole["weakened"] == bundled["measure_classes"].count_where(
        "comparison_id = 'food-safety-law/2009..2015' and class = 'strength'"
        " and value = 'weakened'"
    )
    sections = [
        r["section"]
        for r in bundled["stats"].rows_where(
            "comparison_id = ?", ["food-safety-law/2009..2015"], order_by="ordinal"
        )
    ]
    assert sections[0] == "(whole document)" and "第九章法律责任" in sections


def test_nothing_is_reviewed_without_a_review_file(bundled):
    assert bundled["reviews"].count == 0
    for table in ("changes", "measure_links", "measure_classes", "parameter_changes"):
        assert bundled[table].count_where("reviewed = 1") == 0, table
    assert bundled["changes"].count_where("reviewed = 0") == bundled["changes"].count


def test_reviews_reach_the_database(reviewed):
    reviews = {r["line"]: r for r in reviewed["reviews"].rows}
    assert set(reviews) == {2, 3, 4}
    assert reviews[2] == {
        "id": "food-safety-law/reviews.csv:2",
        "document_id": "food-safety-law",
        "line": 2,
        "kind": "clause",
        "from_version": "food-safety-law/2009",
        "to_version": "food-safety-law/2015",
        "comparison_id": "food-safety-law/2009..2015",
        "old": "food-safety-law/2009:a5",
        "new": "food-safety-law/2015:a6",
        "decision": "link",
        "value": "modified",
        "who": "Li Wei",
        "why": "a7 is a new article",
    }
    changes = list(
        reviewed.query(
            "select type, from_labels, to_labels, method, review_id from changes"
            " where reviewed = 1 order by ordinal"
        )
    )
    assert changes == [
        {"type": "modified", "from_labels": "第五条", "to_labels": "第六条",
         "method": "review", "review_id": "food-safety-law/reviews.csv:2"},
        # Freed by the review: reviewed, though no review names it.
        {"type": "added", "from_labels": "", "to_labels": "第七条",
         "method": "review", "review_id": None},
    ]  # fmt: skip
    links = {r["id"]: r for r in reviewed["measure_links"].rows_where("reviewed = 1")}
    assert set(links) == {
        "food-safety-law/2009:a24.m1>",
        "food-safety-law/>2015:a29.m2",
        "food-safety-law/2009:a85.m2>2015:a123.m2",
    }
    assert links["food-safety-law/2009:a24.m1>"]["review_id"] == (
        "food-safety-law/reviews.csv:3"
    )
    fine = links["food-safety-law/2009:a85.m2>2015:a123.m2"]
    assert fine["strength"] == "weakened"
    assert fine["review_id"] == "food-safety-law/reviews.csv:4"
    classes = {
        (r["class"], r["value"]): r["reviewed"]
        for r in reviewed["measure_classes"].rows_where("link_id = ?", [fine["id"]])
    }
    assert classes[("strength", "weakened")] == 1
    assert classes[("restriction", "tightened")] == 0  # not what the review set


def test_a_failing_measure_extraction_leaves_old_database_intact(
    tmp_path, small_history, plan_history, monkeypatch
):
    path = tmp_path / "policydiff.db"
    write_database(path, [plan_history])
    before = _dump(path)

    def broken(*args, **kwargs):
        raise RuntimeError("measures broke")

    # After the clause tables of both documents are written, before any measure.
    monkeypatch.setattr("policydiff.rows.measure_rows", broken)
    messages = []
    with pytest.raises(RuntimeError, match="measures broke"):
        write_database(path, [small_history, plan_history], progress=messages.append)
    assert messages[-1] == "food-safety-law: measures (extract, align, classify)"
    assert _dump(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["policydiff.db"]


def test_build_refuses_to_replace_a_file_that_is_not_a_policydiff_database(
    tmp_path, small_history
):
    text = tmp_path / "2009.txt"
    text.write_text("第一条 为保证食品安全，制定本法。\n", encoding="utf-8")
    with pytest.raises(store.PolicydiffError) as e:
        write_database(text, [small_history])
    assert str(e.value) == (
        f"{text}: exists and is not a policydiff database; give a new file name"
        " or remove the file first"
    )
    assert text.read_text(encoding="utf-8") == "第一条 为保证食品安全，制定本法。\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2009.txt"]


def test_a_rebuilt_database_keeps_its_permissions(tmp_path, small_history):
    path = write_database(tmp_path / "p.db", [small_history])
    assert path.stat().st_mode & 0o777 == 0o666 & ~_umask()
    path.chmod(0o640)
    write_database(path, [small_history])
    assert path.stat().st_mode & 0o777 == 0o640


def test_an_unwritable_folder_is_one_clear_error(tmp_path, small_history, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path))

    monkeypatch.setattr(store.tempfile, "mkstemp", refuse)
    with pytest.raises(store.PolicydiffError) as e:
        write_database(tmp_path / "p.db", [small_history])
    assert str(e.value) == (
        f"{tmp_path}: cannot write the database there (Permission denied);"
        " choose another folder"
    )


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_search_finds_a_version_in_either_script(tmp_path):
    """food-safety-law 2009 as published and 2015 in Traditional characters: a term in
    Simplified finds both, and so does the same term in Traditional."""
    import opencc

    from policydiff.compare import build

    folder = tmp_path / "corpus" / "fsl"
    folder.mkdir(parents=True)
    source = Path(__file__).resolve().parents[1] / "versions" / "food-safety-law"
    (folder / "2009.txt").write_text((source / "2009.txt").read_text("utf-8"), "utf-8")
    traditional = opencc.OpenCC("s2t").convert((source / "2015.txt").read_text("utf-8"))
    (folder / "2015.txt").write_text(traditional, "utf-8")
    db = build(tmp_path / "policydiff.db", tmp_path / "corpus")
    for query in ("食品安全风险评估", "食品安全風險評估", "风险 评估", "風險 評估"):
        versions = {row["version_id"] for row in search_clauses(db, query)}
        assert versions == {"fsl/2009", "fsl/2015"}, query

"""Reviews: a researcher's decisions in versions/<document>/reviews.csv win over the
algorithm, survive rebuilds, are marked reviewed, and a malformed file is one clear error.
"""

import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from policydiff import build, compare, document_history, load_document
from policydiff.cli import cli
from policydiff.errors import ReviewError
from policydiff.measures import compare_measures
from policydiff.reviews import read_reviews

ROOT = Path(__file__).resolve().parents[1]
HEADER = "kind,from_version,to_version,old,new,decision,value,who,why\n"


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A corpus holding a copy of the bundled food-safety-law (1995, 2009, 2015)."""
    shutil.copytree(ROOT / "versions" / "food-safety-law", tmp_path / "food-safety-law")
    return tmp_path


def write_reviews(corpus: Path, *rows: str) -> Path:
    path = corpus / "food-safety-law" / "reviews.csv"
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def links_of(comparison):
    return {
        (tuple(c.id for c in ch.old), tuple(c.id for c in ch.new)): ch
        for ch in comparison.changes
    }


# ---------------------------------------------------------------------------- clause links


def test_without_a_review_file_the_aligner_splits_article_5(corpus):
    comparison = compare(load_document("food-safety-law", corpus), "2009", "2015")
    change = links_of(comparison)[(("2009:a5",), ("2015:a6", "2015:a7"))]
    assert change.type == "split" and not change.reviewed


def test_a_link_review_replaces_the_aligners_link(corpus):
    write_reviews(
        corpus,
        "clause,2009,2015,2009:a5,2015:a6,link,modified,Li Wei,a7 is a new article",
    )
    comparison = compare(load_document("food-safety-law", corpus), "2009", "2015")
    links = links_of(comparison)
    assert (("2009:a5",), ("2015:a6", "2015:a7")) not in links
    linked = links[(("2009:a5",), ("2015:a6",))]
    assert linked.type == "modified" and linked.reviewed and linked.method == "review"
    assert links[((), ("2015:a7",))].type == "added"
    # every clause is still in exactly one link
    old = [c.id for ch in comparison.changes for c in ch.old]
    assert len(old) == len(set(old))


def test_a_confirmed_link_is_marked_reviewed_and_the_rest_are_not(corpus):
    write_reviews(corpus, "clause,2009,2015,a1,a1,confirm,,Li Wei,checked")
    comparison = compare(load_document("food-safety-law", corpus), "2009", "2015")
    reviewed = [ch for ch in comparison.changes if ch.reviewed]
    assert [(ch.old[0].id, ch.new[0].id) for ch in reviewed] == [("2009:a1", "2015:a1")]


def test_an_unlink_review_makes_a_deletion_and_an_addition(corpus):
    write_reviews(corpus, "clause,2009,2015,2009:a1,2015:a1,unlink,,Li Wei,test")
    links = links_of(compare(load_document("food-safety-law", corpus), "2009", "2015"))
    assert links[(("2009:a1",), ())].type == "deleted"
    assert links[((), ("2015:a1",))].type == "added"


def test_reviews_survive_a_rebuild_and_change_the_database(corpus, tmp_path):
    db = tmp_path / "policydiff.db"
    build(db, corpus)
    before = _change_sides(db, "food-safety-law/2009:a5")
    assert before == {
        ("food-safety-law/2015:a6", "new"),
        ("food-safety-law/2015:a7", "new"),
    }
    write_reviews(
        corpus,
        "clause,2009,2015,2009:a5,2015:a6,link,modified,Li Wei,a7 is a new article",
    )
    build(db, corpus)
    assert _change_sides(db, "food-safety-law/2009:a5") == {
        ("food-safety-law/2015:a6", "new")
    }
    build(db, corpus)  # and again: the review still wins
    assert _change_sides(db, "food-safety-law/2009:a5") == {
        ("food-safety-law/2015:a6", "new")
    }


def _change_sides(db: Path, old_clause: str) -> set:
    conn = sqlite3.connect(db)
    try:
        (change_id,) = conn.execute(
            "select change_id from change_clauses where clause_id = ? and side = 'old'",
            [old_clause],
        ).fetchone()
        return set(
            conn.execute(
                "select clause_id, side from change_clauses"
                " where change_id = ? and side = 'new'",
                [change_id],
            ).fetchall()
        )
    finally:
        conn.close()


def test_reviewed_links_reach_the_history_and_its_lineages(corpus):
    write_reviews(
        corpus,
        "clause,2009,2015,2009:a5,2015:a6,link,modified,Li Wei,a7 is a new article",
    )
    history = document_history(load_document("food-safety-law", corpus))
    lineage = next(
        lin
        for lin in history.lineages
        if "2009:a5" in dict(lin.clauses).get("2009", ())
    )
    assert dict(lineage.clauses)["2015"] == ("2015:a6",)


# ---------------------------------------------------------------------------- measures and classes


def test_measure_and_class_reviews(corpus):
    write_reviews(
        corpus,
        "measure,2009,2015,2009:a24.m1,2015:a29.m2,unlink,,Li Wei,different provisions",
        "class,2009,2015,2009:a85.m2,2015:a123.m2,set,strength=weakened,Li Wei,test",
        "class,2009,2015,2009:a85.m2,2015:a123.m2,set,actors_added=国务院,Li Wei,test",
    )
    document = load_document("food-safety-law", corpus)
    from policydiff.reviews import load_reviews

    result = compare_measures(
        compare(document, "2009", "2015"), reviews=load_reviews(document)
    )
    by_id = {link.id: link for link in result.links}
    assert "2009:a24.m1>2015:a29.m2" not in by_id
    assert by_id["2009:a24.m1>"].type == "deleted" and by_id["2009:a24.m1>"].reviewed
    classes = by_id["2009:a85.m2>2015:a123.m2"].classes
    assert classes.strength == "weakened" and classes.actors_added == ("国务院",)
    assert classes.reviewed == ("strength", "actors_added")
    assert classes.parameters  # what was not reviewed stays as found


def test_the_measures_command_marks_reviewed_links(corpus):
    write_reviews(
        corpus,
        "class,2009,2015,2009:a85.m2,2015:a123.m2,set,strength=weakened,Li Wei,x",
    )
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
            "--corpus",
            str(corpus),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "第八十五条 m2 → 第一百二十三条 m2  (0.86)  [reviewed]" in result.output


# ---------------------------------------------------------------------------- malformed files


@pytest.mark.parametrize(
    "row,message",
    [
        (
            "link,2009,2015,a1,a1,confirm,,Li,x",
            "line 2: unknown kind 'link'; use clause, measure or class",
        ),
        (
            "clause,2009,2015,a1,a1,accept,,Li,x",
            "line 2: unknown decision 'accept' for a clause; use confirm or link or unlink",
        ),
        (
            "clause,2009,2015,a1,a1,confirm,,,x",
            "line 2: who is empty; say who made the decision",
        ),
        (
            "clause,2009,2015,,,confirm,,Li,x",
            "line 2: old and new are both empty; give the clause or measure ids",
        ),
        (
            "clause,2008,2015,a1,a1,confirm,,Li,x",
            "line 2: from_version '2008' is not a version of this document; it has 1995, 2009, 2015",
        ),
        (
            "class,2009,2015,a1.m1,a1.m1,set,strength=stronger,Li,x",
            "line 2: unknown strength 'stronger'; use strengthened, weakened, same, mixed",
        ),
        (
            "class,2009,2015,a1.m1,a1.m1,set,colour=red,Li,x",
            "line 2: value 'colour=red' does not set a class",
        ),
        (
            "clause,2009,2015,a1,a1,link,renamed,Li,x",
            "line 2: unknown link type 'renamed'",
        ),
        (
            "clause,2009,2015,a1,a1,confirm,,Li,x,extra",
            "line 2: 10 fields for 9 columns; quote a value that holds a comma",
        ),
        (
            "clause,2009,2015,a999,a1,link,,Li,x",
            "line 2: version 2009 has no clause 'a999'",
        ),
        (
            "clause,2009,2015,a2,a1,confirm,,Li,x",
            "line 2: there is no link 2009:a2 → 2015:a1 to confirm; use decision 'link' to make it",
        ),
    ],
)
def test_a_malformed_review_file_is_one_error_naming_the_line(corpus, row, message):
    path = write_reviews(corpus, row)
    with pytest.raises(ReviewError) as error:
        compare(load_document("food-safety-law", corpus), "2009", "2015")
    assert str(error.value).startswith(f"{path}, ")
    assert message in str(error.value)


def test_a_missing_column_is_named(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text(
        "kind,from_version,to_version,old,new,value,who\n", encoding="utf-8"
    )
    with pytest.raises(ReviewError, match=r"line 1: missing column 'decision'"):
        read_reviews(path)


def test_a_malformed_review_file_writes_nothing(corpus, tmp_path):
    db = tmp_path / "policydiff.db"
    build(db, corpus)
    before = db.read_bytes()
    path = write_reviews(corpus, "clause,2009,2015,a1,a1,maybe,,Li Wei,x")
    result = CliRunner().invoke(
        cli, ["build", str(db), "--quiet", "--corpus", str(corpus)]
    )
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {path}, line 2: unknown decision 'maybe' for a clause; use confirm or"
        " link or unlink\n"
    )
    assert db.read_bytes() == before

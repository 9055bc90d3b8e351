"""Lineages: every clause's history through all versions of a real law."""

import pytest

from policydiff import document_history, load_document


@pytest.fixture(scope="module")
def history():
    return document_history(load_document("food-safety-law"))


def test_every_clause_is_in_exactly_one_lineage(history):
    members = [cid for lin in history.lineages for _, ids in lin.clauses for cid in ids]
    every = [c.id for tree in history.trees for c in tree.clauses]
    assert sorted(members) == sorted(every)


def test_lineages_come_in_version_then_reading_order(history):
    # Each lineage is named by its first clause; a 1995 article that joins another's
    # lineage (a merge) starts none of its own.
    order = {
        c.id: (v, c.ordinal)
        for v, tree in enumerate(history.trees)
        for c in tree.clauses
    }
    ids = [lin.id for lin in history.lineages]
    assert ids == sorted(ids, key=order.__getitem__)
    assert ids[:10] == [f"1995:a{n}" for n in range(1, 11)]
    assert ids[-1].startswith("2015:")


def test_a_clause_is_followed_through_renumbering(history):
    lineage = next(
        lin
        for lin in history.lineages
        if any("2009:a13" in ids for _, ids in lin.clauses)
    )
    versions = dict(lineage.clauses)
    assert "2015:a17" in versions["2015"]  # 风险评估制度: 第十三条 became 第十七条
    step = next(s for s in lineage.steps if s.from_version == "2009")
    assert step.old == ("2009:a13",) and step.type in ("modified", "moved")


def test_a_deleted_clause_ends_its_lineage(history):
    comparison = history.comparisons[-1]
    deleted = next(c for c in comparison.changes if c.type == "deleted")
    lineage = next(
        lin
        for lin in history.lineages
        if any(deleted.old[0].id in ids for _, ids in lin.clauses)
    )
    assert lineage.last_version == "2009"
    assert lineage.steps[-1].type == "deleted"

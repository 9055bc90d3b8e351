"""Align SYNTHETIC revisions of the real 2019 Beijing plan against the truth they were made with.

tests/synthetic.py makes each revision from the real text by a known edit and states the
alignment it should get. These are test inputs only, never policy versions.
"""

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policydiff.align import align
from policydiff.model import CHANGE_TYPES

import synthetic

SEEDS = range(5)


def _check(revision: synthetic.Revision) -> None:
    alignment = align(*revision.trees())
    problems = synthetic.mismatches(revision, alignment)
    assert (
        not problems
    ), f"{revision.kind} ({'; '.join(revision.notes)}):\n" + "\n".join(problems)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", list(synthetic.REVISIONS))
def test_alignment_recovers_the_edit(kind, seed):
    _check(synthetic.REVISIONS[kind](seed))


@pytest.mark.parametrize("kind", list(synthetic.REVISIONS))
def test_revision_is_made_as_described(kind):
    revision = synthetic.REVISIONS[kind](0)
    types = Counter(
        t for link in revision.truth for t in link.types if len(link.types) == 1
    )
    expected = {
        "reorder": None,
        "move": "moved",
        "split": "split",
        "merge": "merged",
        "reword": "modified",
        "add": "added",
        "remove": "deleted",
    }
    assert revision.new_text != revision.old_text
    if kind == "reorder":
        assert any(len(link.types) == 2 for link in revision.truth)
    elif kind == "combined":
        assert {"moved", "split", "merged", "modified", "added", "deleted"} <= set(
            types
        )
    else:
        assert types[expected[kind]] == 1
        assert set(types) <= {"unchanged", expected[kind]}


def test_section_swap_keeps_text_one_to_one():
    revision = synthetic.reordered(0)
    alignment = align(*revision.trees())
    old = {c.id: c.text for c in alignment.old.clauses}
    new = {c.id: c.text for c in alignment.new.clauses}
    for link in alignment.links:
        assert len(link.old) == len(link.new) == 1, link
        assert old[link.old[0]] == new[link.new[0]]
        assert link.type in ("unchanged", "moved")


def test_added_paragraph_is_unlike_the_plan():
    revision = synthetic.added(0)
    added = next(link.new[0] for link in revision.truth if link.types == ("added",))
    text = next(c.text for c in revision.trees()[1].clauses if c.id == added)
    assert text.startswith(synthetic.ADDED_MARK)
    for sentence in synthetic.SYNTHETIC_SENTENCES:
        assert sentence not in revision.old_text


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    kinds=st.lists(st.sampled_from(list(synthetic.EDITS)), min_size=1, max_size=8),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_every_clause_is_in_exactly_one_link(kinds, seed):
    revision = synthetic.revise(kinds, seed)
    old, new = revision.trees()
    alignment = align(old, new)
    old_seen = Counter(cid for link in alignment.links for cid in link.old)
    new_seen = Counter(cid for link in alignment.links for cid in link.new)
    assert old_seen == Counter(c.id for c in old.clauses)
    assert new_seen == Counter(c.id for c in new.clauses)
    assert all(link.type in CHANGE_TYPES for link in alignment.links)

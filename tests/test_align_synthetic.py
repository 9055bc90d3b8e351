"""Align SYNTHETIC revisions of the real 2019 Beijing plan against the truth they were made with.

tests/synthetic.py makes each revision from the real text by a known edit and states the
alignment it should get. These are test inputs only, never policy versions.
"""

from collections import Counter

import pytest
import synthetic
from hypothesis import given, settings
from hypothesis import strategies as st

from policydiff.align import align
from policydiff.model import CHANGE_TYPES

SEEDS = range(5)


def _check(revision: synthetic.Revision) -> None:
    alignment = align(*revision.trees())
    problems = synthetic.mismatches(revision, alignment)
    assert not problems, (
        f"{revision.kind} ({'; '.join(revision.notes)}):\n" + "\n".join(problems)
    )


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", list(synthetic.REVISIONS))
def test_alignment_recovers_the_edit(kind, seed):
    _check(synthetic.REVISIONS[kind](seed))


# Small edits, named, that a reader can check by eye. Each was first found by a random one.
NAMED = {
    # One of a section's two paragraphs moves to the end of the section before it: the
    # order of the clauses is kept, so only the section tells which one moved.
    "move-first-of-two-to-previous-section": [
        ("move", "优化服务供给。", "（七）", "end")
    ],
    "move-first-of-two-to-previous-section-2": [
        ("move", "在国务院领导下", "（九）", "end")
    ],
    # A paragraph moves up past its reworded neighbour: the neighbour stayed and is modified.
    "move-past-reworded-neighbour": [
        ("reword", "推进文化行业扩大对外开放。"),
        ("move", "多形式助推国际文化交流。", "（一）", "end"),
    ],
    # A paragraph moves down past its neighbour, which is reworded in four places (探索 ×2,
    # 积极, 研究): the neighbour stayed and is modified.
    "move-past-heavily-reworded-neighbour": [
        ("reword", "发展新业态新模式。"),
        ("move", "优化服务供给。", "（九）", "start"),
    ],
    # A section's only paragraph leaves, after another paragraph moved into that section.
    "move-only-paragraph-after-another-moved-in": [
        ("move", "提升进出口通关便利化水平。", "（一）", "end"),
        ("move", "坚持把保障政治安全放在突出位置", "一、总体要求", "end"),
    ],
    # A section's first paragraph moves to the previous section; the other two merge.
    "move-first-then-merge-the-rest": [
        ("move", "促进产业协同开放。", "（四）", "end"),
        ("merge", "服务保障河北雄安新区建设发展。"),
    ],
    "split-and-merge-in-one-section": [
        ("split", "强化航空口岸国际枢纽功能。", "3"),
        ("merge", "优化国际会展服务。"),
    ],
    # 三、组织实施 loses its first paragraph and gains two from 二: the one that stayed
    # is still in its section, though most of the section now came from elsewhere.
    "section-keeps-one-paragraph-among-newcomers": [
        ("move", "在国务院领导下", "一、总体要求", "end"),
        ("move", "提升跨境贸易便利化水平。", "三、组织实施", "start"),
        ("move", "优化人才发展环境。", "三、组织实施", "end"),
    ],
    "reword-and-remove-in-one-section": [
        ("reword", "拓宽融资渠道。"),
        ("remove", "支持科技成果转化。"),
    ],
}


@pytest.mark.parametrize("name", list(NAMED))
def test_named_edits(name):
    _check(synthetic.scripted(NAMED[name], name))


# Random revisions that once went wrong, kept as they were drawn (edits, seed).
FOUND = [
    # The first paragraph of 二（一） moves, in order, to the head of 二 above （一）, which
    # keeps a paragraph: it left a section that is still there, so it moved.
    (("move", "split", "merge", "reword", "add", "move"), 2674671602),
    # 三 loses its first paragraph and gains two from 二; the one that stayed did not move.
    (("reword", "move", "move", "split", "split", "move"), 2238360349),
]


@pytest.mark.parametrize("kinds, seed", FOUND)
def test_revisions_that_once_went_wrong(kinds, seed):
    _check(synthetic.revise(list(kinds), seed))


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

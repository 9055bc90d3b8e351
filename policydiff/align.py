"""Align the clauses of two versions by content, not position.

Passes, cheap certain decisions first and judgement last (each link records its pass):

1. ``exact``: identical matching keys.
2. candidates: character bigrams weighted by TF-IDF, looked up through an inverted index, so
   boilerplate shared by many clauses (责令改正，处…罚款) weighs little and no clause is
   compared with every other.
3. ``backbone``: a maximum-weight order-preserving chain over the candidates links the
   clauses that kept their relative order; among near-identical candidates the one with the
   nearer heading and position wins. ``gap``: a single clause left on each side between
   two backbone links is linked at a lower threshold (rewritten in place).
4. ``move``: strong links off the backbone.
5. ``split`` / ``merge``: a clause whose content is covered in part by other clauses (a third
   or more, or a verbatim sentence) joins them in one link; so does a strongly similar
   clause that restates a sentence of it (a duty restated in a rewritten penalty article).
   A clause still unlinked joins its most similar linked clause when it adds wording that
   clause's partners do not already carry: a part rewritten on the way, not a new
   provision modelled on an old one. An old clause still unlinked joins every new clause
   that carries a third of its wording.
6. ``leftover``: two clauses still unlinked that are each other's most similar are linked,
   however loosely, if they share any wording that is not boilerplate.
7. what is left is added or deleted.

Then sentences are aligned inside each link, and a sentence that moved to another clause is
found through a sentence index over the whole new version.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from functools import lru_cache

from .diff import raw_diff
from .model import Alignment, Clause, ClauseTree, Link, SentenceLink
from .normalize import bigrams, dice, section_title

Vector = dict[str, float]


@dataclass(frozen=True)
class AlignOptions:
    """Thresholds of the aligner. Similarities are cosines of TF-IDF bigram vectors; shares
    are of a clause's distinctive character 4-grams (boilerplate and numbers left out)."""

    #: Least similarity for a link on the order-preserving backbone.
    backbone: float = 0.2
    #: Least similarity for a link off the backbone (a move)...
    move: float = 0.2
    #: ...which, below this, must also share this much distinctive wording.
    strong_move: float = 0.45
    move_shared: float = 0.1
    #: Candidates kept per clause from the inverted index, in each direction.
    candidates: int = 8
    #: A split/merge edge: this share of one clause found in the other, and at least
    #: ``partial_other`` the other way round.
    partial_share: float = 0.4
    partial_other: float = 0.2
    #: A sentence this long (characters), found verbatim in the other clause, is an edge.
    verbatim_chars: int = 14
    #: Least similarity for two sentences inside linked clauses to be aligned.
    sentence: float = 0.5
    #: Exponent of the similarity in the backbone's weights (favours strong links).
    power: float = 2.0
    #: Least similarity to attach a leftover clause to a linked one...
    attach: float = 0.25
    #: ...and the least share of their shared bigrams that the linked clause's partners
    #: do not already hold (else it is a provision modelled on it, not a part of it).
    attach_novel: float = 0.1
    #: A sentence is restated when this share of its 4-grams stands in the other clause.
    restated: float = 0.8
    #: Least similarity for a cross-link between two clauses that both have partners,
    #: where one restates the other (a duty written out as a new penalty's offence).
    restated_link: float = 0.5
    #: Share of an unlinked old clause carried by a new one that makes it divided, not
    #: deleted.
    carried_part: float = 0.3
    #: Least similarity for pairing two leftover clauses that are each other's best.
    leftover_pair: float = 0.1
    #: Covering the rest of a split clause: least gain per step, least share of the
    #: candidate that it must owe to the clause, how much must be left to look further,
    #: and at most how many steps.
    cover_gain: float = 0.15
    cover_back: float = 0.2
    cover_left: float = 0.3
    cover_steps: int = 3
    #: Bonus weight on the backbone for a pair under the same heading.
    same_section: float = 0.3
    #: Least similarity for the single clause between two backbone links (in place).
    gap: float = 0.12


DEFAULT_OPTIONS = AlignOptions()

#: Formulae that Chinese laws and plans repeat from article to article. Their bigrams weigh
#: little even in a short text, where IDF alone cannot tell them from content.
BOILERPLATE = (
    "违反本法规定",
    "依照本法规定",
    "由县级以上人民政府有关主管部门责令改正",
    "责令停产停业",
    "没收违法所得",
    "处以上以下罚款",
    "由有关主管部门责令改正",
    "主管部门责令改正",
    "处#元以上#元以下罚款",
    "处#万元以上#万元以下罚款",
    "并处#倍以上#倍以下罚款",
    "情节严重的",
    "吊销许可证",
    "构成犯罪的依法追究刑事责任",
    "对直接负责的主管人员和其他直接责任人员依法给予处分",
    "有下列情形之一的",
    "有下列行为之一的",
    "国务院有关部门",
    "县级以上地方人民政府",
    "按照职责分工",
    "加强",
    "建立健全",
    "进一步",
)
BOILERPLATE_WEIGHT = 0.25
SEARCH_FEATURES = 48
_NON_WORD = re.compile(r"[\W_]+")


def align(
    old: ClauseTree, new: ClauseTree, options: AlignOptions = DEFAULT_OPTIONS
) -> Alignment:
    """Link every clause of ``old`` to the clause(s) of ``new`` that carry its content."""
    index = _Index(old.clauses, new.clauses)
    pairs = _candidates(index, options)
    matched = _exact_and_backbone(old.clauses, new.clauses, pairs, options)
    if options.gap < 1:
        _fill_single_gaps(index, matched, options)
    backbone = dict(matched)
    _link_moves(index, matched, pairs, options)
    edges = _partial_edges(index, pairs, matched, options)
    edges |= _restated_edges(index, pairs, matched, options)
    edges |= _cover_remainders(index, pairs, matched, edges, options)
    edges |= _attach_leftovers(index, pairs, matched, edges, options)
    edges |= _link_carried_parts(index, pairs, matched, edges, options)
    for i, j in _pair_leftovers(index, pairs, matched, edges, options):
        matched[i] = (j, "leftover")
    links = _build_links(index, matched, backbone, edges)
    primary = {(index.old[i].id, index.new[j].id) for i, (j, _) in matched.items()}
    links = [_with_sentences(link, old, new, primary) for link in links]
    links = _find_moved_sentences(links, old, new)
    links = [_sentences_in_reading_order(link, old, new) for link in links]
    return Alignment(old=old, new=new, links=tuple(_in_reading_order(links, old, new)))


# ---------------------------------------------------------------------------- vectors


def _boilerplate_features() -> set[str]:
    return {f for phrase in BOILERPLATE for f in bigrams(phrase)}


class _Index:
    """TF-IDF vectors of both versions' clauses and an inverted index of the new ones."""

    def __init__(self, old: tuple[Clause, ...], new: tuple[Clause, ...]):
        self.old, self.new = old, new
        old_features = [bigrams(c.key) for c in old]
        new_features = [bigrams(c.key) for c in new]
        df: Counter = Counter()
        for counts in old_features + new_features:
            df.update(counts.keys())
        total = len(old) + len(new)
        self.idf = {f: math.log((total + 1) / (n + 0.5)) for f, n in df.items()}
        for feature in _boilerplate_features().intersection(self.idf):
            self.idf[feature] *= BOILERPLATE_WEIGHT
        self.old_vectors = [self._vector(c) for c in old_features]
        self.new_vectors = [self._vector(c) for c in new_features]
        # Features in more clauses than this are too common to find candidates by (they
        # still count in the cosine): it keeps the search near-linear in the clause count.
        self.common = max(20, int(2 * math.sqrt(total)))
        self.df = df
        self.old_grams = [_grams(c.key) for c in old]
        self.new_grams = [_grams(c.key) for c in new]
        gram_df: Counter = Counter()
        for grams in self.old_grams + self.new_grams:
            gram_df.update(grams)
        # A 4-gram found in many clauses is boilerplate (依照本法规定, 责令改正): leave it out.
        boilerplate = {g for g, n in gram_df.items() if n > max(4, total // 40)}
        self.old_grams = [g - boilerplate for g in self.old_grams]
        self.new_grams = [g - boilerplate for g in self.new_grams]
        self.new_postings = self._postings(self.new_vectors)
        self.old_postings = self._postings(self.old_vectors)

    def _postings(self, vectors: list[Vector]) -> dict[str, list[tuple[int, float]]]:
        """Feature → the clauses that have it, for the features rare enough to search by."""
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for n, vector in enumerate(vectors):
            for feature, weight in vector.items():
                if self.df[feature] <= self.common:
                    postings[feature].append((n, weight))
        return postings

    def _vector(self, counts: Counter) -> Vector:
        vector = {f: (1 + math.log(n)) * self.idf[f] for f, n in counts.items()}
        norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
        return {f: w / norm for f, w in vector.items()}

    def nearest(self, i: int, k: int, reverse: bool = False) -> list[tuple[int, float]]:
        """The ``k`` new clauses most similar to old clause ``i`` (cosine, exact); with
        ``reverse``, the old clauses most similar to new clause ``i``."""
        vector = (self.new_vectors if reverse else self.old_vectors)[i]
        others = self.old_vectors if reverse else self.new_vectors
        postings = self.old_postings if reverse else self.new_postings
        scores: dict[int, float] = defaultdict(float)
        # The clause's most distinctive features find its candidates; the cosine then
        # counts them all.
        searched = heapq.nlargest(SEARCH_FEATURES, vector.items(), key=lambda fw: fw[1])
        for feature, weight in searched:
            for j, other in postings.get(feature, ()):
                scores[j] += weight * other
        best = heapq.nlargest(k + 4, scores, key=scores.__getitem__)
        exact = [(j, cosine(vector, others[j])) for j in best]
        return sorted(exact, key=lambda p: -p[1])[:k]


_NUMERALS = re.compile(r"[零〇一二三四五六七八九十百千万亿两\d.]+")


@lru_cache(maxsize=4096)
def _grams(key: str, n: int = 4) -> frozenset[str]:
    """Character 4-grams, numbers read as one placeholder (an amount is no evidence that two
    clauses are the same provision: fines and deadlines change between versions)."""
    chars = _NUMERALS.sub("#", _NON_WORD.sub("", key))
    return frozenset(
        piece[i : i + n]
        for piece in _boilerplate_pattern().split(chars)
        for i in range(len(piece) - n + 1)
    )


@lru_cache(maxsize=1)
def _boilerplate_pattern() -> re.Pattern[str]:
    phrases = sorted(
        (_NUMERALS.sub("#", p) for p in BOILERPLATE), key=len, reverse=True
    )
    return re.compile("|".join(re.escape(p) for p in phrases))


def containment(part: frozenset[str], whole: frozenset[str]) -> float:
    """The share of ``part``'s distinctive 4-grams that also occur in ``whole``."""
    return len(part & whole) / len(part) if part else 0.0


def cosine(a: Vector, b: Vector) -> float:
    """Cosine of two L2-normalised sparse vectors."""
    if len(a) > len(b):
        a, b = b, a
    return min(1.0, sum(w * b.get(f, 0.0) for f, w in a.items()))


def coverage(part: Vector, whole: Vector) -> float:
    """The share of ``part``'s weight whose features also occur in ``whole``."""
    total = sum(w * w for w in part.values())
    if not total:
        return 0.0
    return sum(w * w for f, w in part.items() if f in whole) / total


def _candidates(index: _Index, options: AlignOptions) -> dict[tuple[int, int], float]:
    """Candidate pairs (old i, new j) → cosine, from both directions' nearest neighbours.

    Front matter (a title, enactment notes, a table of contents) pairs only with front
    matter: a plan's title quoted in its closing paragraph is not a part of it.
    """
    pairs: dict[tuple[int, int], float] = {}
    for i in range(len(index.old)):
        for j, score in index.nearest(i, options.candidates):
            if score > 0.05 and _same_matter(index.old[i], index.new[j]):
                pairs[(i, j)] = score
    # The reverse direction: new clauses whose best old match the forward pass missed.
    for j in range(len(index.new)):
        for i, score in index.nearest(j, options.candidates, reverse=True):
            if score > 0.05 and _same_matter(index.old[i], index.new[j]):
                pairs.setdefault((i, j), score)
    return pairs


def _same_matter(old: Clause, new: Clause) -> bool:
    """Whether both clauses are front matter, or neither is."""
    return (old.kind == "front") == (new.kind == "front")


# ---------------------------------------------------------------------------- 1:1 links


def _exact_and_backbone(
    old: tuple[Clause, ...],
    new: tuple[Clause, ...],
    pairs: dict[tuple[int, int], float],
    options: AlignOptions,
) -> dict[int, tuple[int, str]]:
    """Link clauses that kept their relative order: a max-weight increasing chain."""
    scored = []
    for (i, j), score in pairs.items():
        if score < options.backbone:
            continue
        nearness = 1 - abs(i / max(len(old), 1) - j / max(len(new), 1))
        same_section = _section(old[i]) == _section(new[j])
        weight = (
            score**options.power + 0.02 * nearness + options.same_section * same_section
        )
        scored.append((i, j, weight))
    chain = _heaviest_chain(scored, len(new))
    return {
        i: (j, "exact" if old[i].key == new[j].key else "backbone") for i, j in chain
    }


def _heaviest_chain(
    pairs: list[tuple[int, int, float]], width: int
) -> list[tuple[int, int]]:
    """The set of pairs, strictly increasing in both coordinates, of greatest total weight.

    A weighted longest-increasing-subsequence over a Fenwick tree of prefix maxima:
    O(P log N) for P candidate pairs.
    """
    tree = [(0.0, -1)] * (width + 1)

    def query(j: int) -> tuple[float, int]:  # best chain ending at new index < j
        best = (0.0, -1)
        while j > 0:
            best = max(best, tree[j])
            j -= j & -j
        return best

    def update(j: int, value: tuple[float, int]) -> None:
        j += 1
        while j <= width:
            tree[j] = max(tree[j], value)
            j += j & -j

    pairs = sorted(pairs)
    totals: list[float] = []
    previous: list[int] = []
    start = 0
    while start < len(pairs):
        end = start
        while end < len(pairs) and pairs[end][0] == pairs[start][0]:
            end += 1
        group = range(start, end)
        for n in group:  # same old clause: no pair may extend another of its own group
            best, before = query(pairs[n][1])
            totals.append(best + pairs[n][2])
            previous.append(before)
        for n in group:
            update(pairs[n][1], (totals[n], n))
        start = end
    if not totals:
        return []
    n = max(range(len(totals)), key=totals.__getitem__)
    chain = []
    while n != -1:
        chain.append(pairs[n][:2])
        n = previous[n]
    return chain[::-1]


def _fill_single_gaps(
    index: _Index, matched: dict[int, tuple[int, str]], options: AlignOptions
) -> None:
    """Link the one unlinked clause on each side between two consecutive backbone links,
    at a low threshold: an article rewritten in place, between two that kept theirs."""
    anchors = sorted((i, j) for i, (j, _) in matched.items())
    bounds = [(-1, -1), *anchors, (len(index.old), len(index.new))]
    for (i1, j1), (i2, j2) in itertools.pairwise(bounds):
        if i2 - i1 == 2 and j2 - j1 == 2:
            i, j = i1 + 1, j1 + 1
            if cosine(index.old_vectors[i], index.new_vectors[j]) >= options.gap:
                matched[i] = (j, "gap")


def _link_moves(
    index: _Index,
    matched: dict[int, tuple[int, str]],
    pairs: dict[tuple[int, int], float],
    options: AlignOptions,
) -> None:
    """Add strong links between clauses the backbone left unlinked, strongest first.

    Off the backbone there is no order to vouch for a link, so a weak one must also share
    distinctive wording (4-grams that are not boilerplate)."""
    taken = {j for j, _ in matched.values()}
    for (i, j), score in sorted(pairs.items(), key=lambda p: -p[1]):
        if score < options.move:
            break
        if i in matched or j in taken:
            continue
        shared = max(
            containment(index.old_grams[i], index.new_grams[j]),
            containment(index.new_grams[j], index.old_grams[i]),
        )
        if score >= options.strong_move or shared >= options.move_shared:
            matched[i] = (j, "move")
            taken.add(j)


# ---------------------------------------------------------------------------- splits, merges


def _partial_edges(
    index: _Index,
    pairs: dict[tuple[int, int], float],
    matched: dict[int, tuple[int, str]],
    options: AlignOptions,
) -> set[tuple[int, int]]:
    """Pairs where part of one clause's content lives on in the other.

    An edge needs most of one side found in the other and a fair share the other way, or a
    verbatim sentence of real length; boilerplate weighs little and does not qualify.
    """
    linked = {(i, j) for i, (j, _) in matched.items()}
    old_explained = {
        i for i, j in linked if _explains(index.old_grams[i], index.new_grams[j])
    }
    new_explained = {
        j for i, j in linked if _explains(index.new_grams[j], index.old_grams[i])
    }
    edges = set()
    for i, j in pairs:
        if (i, j) in linked or i in old_explained or j in new_explained:
            continue
        old_grams, new_grams = index.old_grams[i], index.new_grams[j]
        old_share = containment(old_grams, new_grams)
        new_share = containment(new_grams, old_grams)
        share_ok = (
            max(old_share, new_share) >= options.partial_share
            and min(old_share, new_share) >= options.partial_other
        )
        if share_ok or _shares_sentence(index.old[i], index.new[j], options):
            edges.add((i, j))
    return edges


def _restated_edges(
    index: _Index,
    pairs: dict[tuple[int, int], float],
    matched: dict[int, tuple[int, str]],
    options: AlignOptions,
) -> set[tuple[int, int]]:
    """Strongly similar pairs, other than the old clause's own 1:1 link, where one clause
    restates a sentence of the other: an old duty written out anew as the offence of a
    penalty article (禁止转让、伪造…检疫证明 → 违反本法规定，转让、伪造…的，处…罚款), or
    a penalty's list of acts carried into a new prohibition.

    Only when the restatement is new in this revision: if the new clause's own predecessor
    already said what it shares with the old one (the old penalty already restated the
    duty), its text came from there, and the mirror is no link.
    """
    predecessors: dict[int, list[int]] = defaultdict(list)
    for i, (j, _) in matched.items():
        predecessors[j].append(i)
    edges = set()
    for (i, j), score in pairs.items():
        if (
            score >= options.restated_link
            and matched.get(i, (None,))[0] != j
            and _new_to_predecessors(index, i, j, predecessors[j], options)
            and _restates_sentence(index.old[i], index.new[j], options)
        ):
            edges.add((i, j))
    return edges


def _cover_remainders(
    index: _Index,
    pairs: dict[tuple[int, int], float],
    matched: dict[int, tuple[int, str]],
    edges: set[tuple[int, int]],
    options: AlignOptions,
) -> set[tuple[int, int]]:
    """Find where the rest of a clause went once its main counterpart is known.

    For a clause whose linked counterparts leave a good part of its distinctive wording
    unexplained, link the clause on the other side that carries most of that remainder,
    and repeat: a split (or, the other way round, a merge) found by coverage.
    """
    links = {(i, j) for i, (j, _) in matched.items()} | edges
    added: set[tuple[int, int]] = set()
    by_old: dict[int, list[int]] = defaultdict(list)
    by_new: dict[int, list[int]] = defaultdict(list)
    for i, j in pairs:
        by_old[i].append(j)
        by_new[j].append(i)
    sides = (
        (index.old_grams, index.new_grams, by_old, lambda a, b: (a, b)),
        (index.new_grams, index.old_grams, by_new, lambda a, b: (b, a)),
    )
    for own, other, candidates, edge in sides:
        for a, grams in enumerate(own):
            if not grams:
                continue
            partners = [b for b in candidates.get(a, ()) if edge(a, b) in links]
            if not partners:
                continue  # a clause with no link at all is left to the other passes
            remainder = set(grams)
            for b in partners:
                remainder -= other[b]
            for _ in range(options.cover_steps):
                if len(remainder) / len(grams) < options.cover_left:
                    break
                best, gain = None, 0.0
                for b in candidates.get(a, ()):
                    if b in partners or not other[b]:
                        continue
                    share = len(remainder & other[b]) / len(grams)
                    back = len(grams & other[b]) / len(other[b])
                    if share > gain and back >= options.cover_back:
                        best, gain = b, share
                if best is None or gain < options.cover_gain:
                    break
                added.add(edge(a, best))
                links.add(edge(a, best))
                partners.append(best)
                remainder -= other[best]
    return added


def _attach_leftovers(
    index: _Index,
    pairs: dict[tuple[int, int], float],
    matched: dict[int, tuple[int, str]],
    edges: set[tuple[int, int]],
    options: AlignOptions,
) -> set[tuple[int, int]]:
    """Attach a clause still unlinked to its most similar clause on the other side that is
    linked already: the part of a split (or merge) that was rewritten on the way.

    Not when everything the two share is already carried by the linked clause's partners:
    that is a new provision modelled on the old one (a record-keeping duty for food
    producers copied for additive producers), not a part of it, unless it repeats a whole
    sentence of it (a duty restated as the offence of a new penalty article).
    """
    links = {(i, j) for i, (j, _) in matched.items()} | edges
    new_partners: dict[int, list[int]] = defaultdict(list)
    old_partners: dict[int, list[int]] = defaultdict(list)
    for i, j in links:
        new_partners[i].append(j)
        old_partners[j].append(i)
    best_old: dict[int, tuple[float, int]] = {}
    best_new: dict[int, tuple[float, int]] = {}
    for (i, j), score in pairs.items():
        if j not in old_partners and i in new_partners:
            best_old[j] = max(best_old.get(j, (0.0, -1)), (score, i))
        if i not in new_partners and j in old_partners:
            best_new[i] = max(best_new.get(i, (0.0, -1)), (score, j))
    old_bigrams = [vector.keys() for vector in index.old_vectors]
    new_bigrams = [vector.keys() for vector in index.new_vectors]
    # Per side: leftover → (score, linked clause), the linked clauses' partners, the
    # bigrams of the linked side and of the leftover side, and the pair in (old, new)
    # order. A new leftover that restates an old clause is new in this revision (it had no
    # predecessor); an old leftover restated in a linked new clause is only a mirror when
    # that clause's predecessors said it already, which ``_adds_to`` has checked.
    sides = (
        (best_old, new_partners, old_bigrams, new_bigrams, lambda k, n: (k, n), True),
        (best_new, old_partners, new_bigrams, old_bigrams, lambda k, n: (n, k), False),
    )
    attached = set()
    for best, partners, linked_bigrams, leftover_bigrams, pair, restated_ok in sides:
        for leftover, (score, linked) in best.items():
            i, j = pair(linked, leftover)
            carried = [leftover_bigrams[k] for k in partners[linked]]
            if score >= options.attach and (
                _adds_to(
                    linked_bigrams[linked], leftover_bigrams[leftover], carried, options
                )
                or (
                    restated_ok
                    and _restates_sentence(index.old[i], index.new[j], options)
                )
            ):
                attached.add((i, j))
    return attached


def _link_carried_parts(
    index: _Index,
    pairs: dict[tuple[int, int], float],
    matched: dict[int, tuple[int, str]],
    edges: set[tuple[int, int]],
    options: AlignOptions,
) -> set[tuple[int, int]]:
    """Link an old clause still unlinked to every new clause that carries a good part
    (about a third) of its distinctive wording: it was not deleted but divided, each part
    too small a share of its new home to have been linked from there. Not when the new
    clause's own predecessors already said it (a penalty that restated a deleted duty)."""
    links = {(i, j) for i, (j, _) in matched.items()} | edges
    predecessors: dict[int, list[int]] = defaultdict(list)
    for i, j in links:
        predecessors[j].append(i)
    linked_old = {i for i, _ in links}
    return {
        (i, j)
        for i, j in pairs
        if i not in linked_old
        and containment(index.old_grams[i], index.new_grams[j]) >= options.carried_part
        and _new_to_predecessors(index, i, j, predecessors[j], options)
    }


def _pair_leftovers(
    index: _Index,
    pairs: dict[tuple[int, int], float],
    matched: dict[int, tuple[int, str]],
    edges: set[tuple[int, int]],
    options: AlignOptions,
) -> set[tuple[int, int]]:
    """Link two clauses still unlinked that are each other's most similar clause, however
    loosely, when they share some wording that is not boilerplate: with nothing else
    claiming either, they are one provision rewritten (a law replaced by a new one rewrites
    most of its articles). Two penalty articles that share only 责令改正，处…罚款 stay apart."""
    linked_old = set(matched) | {i for i, _ in edges}
    linked_new = {j for j, _ in matched.values()} | {j for _, j in edges}
    best_new: dict[int, tuple[float, int]] = {}
    best_old: dict[int, tuple[float, int]] = {}
    for (i, j), score in pairs.items():
        best_new[i] = max(best_new.get(i, (0.0, -1)), (score, j))
        best_old[j] = max(best_old.get(j, (0.0, -1)), (score, i))
    return {
        (i, j)
        for i, (score, j) in best_new.items()
        if i not in linked_old
        and j not in linked_new
        and best_old[j][1] == i
        and score >= options.leftover_pair
        and index.old_grams[i] & index.new_grams[j]
    }


def _new_to_predecessors(
    index: _Index, i: int, j: int, predecessors: list[int], options: AlignOptions
) -> bool:
    """Whether new clause ``j`` shares with old clause ``i`` wording that ``j``'s own
    predecessors did not already hold: its text came (in part) from ``i`` in this
    revision, not only from them."""
    return _adds_to(
        index.new_vectors[j].keys(),
        index.old_vectors[i].keys(),
        [index.old_vectors[k].keys() for k in predecessors],
        options,
    )


def _adds_to(
    linked: AbstractSet[str],
    leftover: AbstractSet[str],
    carried: list[AbstractSet[str]],
    options: AlignOptions,
) -> bool:
    """Whether ``leftover`` shares with ``linked`` wording that ``linked``'s partners
    (``carried``) do not already hold: a part of it went there, not only a pattern."""
    shared = linked & leftover
    if not shared:
        return False
    novel = shared.difference(*carried)
    return len(novel) / len(shared) >= options.attach_novel


def _explains(part: frozenset[str], whole: frozenset[str]) -> bool:
    """Whether a 1:1 partner already carries (nearly) all of a clause's distinctive content."""
    return containment(part, whole) >= 0.85 if part else True


def _restates_sentence(old: Clause, new: Clause, options: AlignOptions) -> bool:
    """Whether a sentence of real length of one clause stands nearly word for word in the
    other (most of its 4-grams): restated, perhaps with 不得 turned into an offence."""
    for part, whole in ((old, new), (new, old)):
        whole_grams = _grams(whole.key)
        for sentence in part.sentences:
            grams = _grams(sentence.key)
            if (
                len(sentence.key) >= options.verbatim_chars
                and grams
                and containment(grams, whole_grams) >= options.restated
            ):
                return True
    return False


def _shares_sentence(old: Clause, new: Clause, options: AlignOptions) -> bool:
    """Whether a sentence of real length stands verbatim (after normalising) in the other."""
    for sentence in old.sentences:
        if (
            len(sentence.key) >= options.verbatim_chars
            and sentence.key.strip("。；;") in new.key
        ):
            return True
    for sentence in new.sentences:
        if (
            len(sentence.key) >= options.verbatim_chars
            and sentence.key.strip("。；;") in old.key
        ):
            return True
    return False


# ---------------------------------------------------------------------------- links


def _build_links(
    index: _Index,
    matched: dict[int, tuple[int, str]],
    backbone: dict[int, tuple[int, str]],
    edges: set[tuple[int, int]],
) -> list[Link]:
    """Group linked clauses into components and type each component."""
    old, new = index.old, index.new
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(node):
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    all_edges = {(i, j) for i, (j, _) in matched.items()} | edges
    for i, j in all_edges:
        parent[find(("old", i))] = find(("new", j))
    groups: dict = defaultdict(lambda: ([], [], []))
    for i, j in all_edges:
        olds, news, group_edges = groups[find(("old", i))]
        olds.append(i)
        news.append(j)
        group_edges.append((i, j))
    section_map = _section_majority(old, new, matched)
    outlines = (_outline(old), _outline(new))
    anchors = _kept_order(index, matched, backbone)
    links = []
    for olds, news, group_edges in groups.values():
        olds, news = sorted(set(olds)), sorted(set(news))
        links.append(
            _typed_link(
                index, olds, news, group_edges, matched, anchors, section_map, outlines
            )
        )
    linked_old = {i for i, _ in all_edges}
    linked_new = {j for _, j in all_edges}
    links += [
        Link("deleted", (old[i].id,), (), 0.0, "residual", pairs=((old[i].id, None),))
        for i in range(len(old))
        if i not in linked_old
    ]
    links += [
        Link("added", (), (new[j].id,), 0.0, "residual", pairs=((None, new[j].id),))
        for j in range(len(new))
        if j not in linked_new
    ]
    return links


def _kept_order(
    index: _Index,
    matched: dict[int, tuple[int, str]],
    backbone: dict[int, tuple[int, str]],
) -> list[tuple[int, int]]:
    """The 1:1 links that kept their place: the backbone, and then, most similar first,
    each other link that falls in order between them (two rewritten in place in the same
    gap cannot both be, if they cross)."""
    anchors = sorted((i, j) for i, (j, _) in backbone.items())
    others = sorted(
        ((i, j) for i, (j, _) in matched.items() if i not in backbone),
        key=lambda p: -cosine(index.old_vectors[p[0]], index.new_vectors[p[1]]),
    )
    for i, j in others:
        if _in_order(i, j, anchors):
            bisect.insort(anchors, (i, j))
    return anchors


def _typed_link(
    index, olds, news, group_edges, matched, anchors, section_map, outlines
) -> Link:
    old, new = index.old, index.new
    pairs = tuple(sorted((old[i].id, new[j].id) for i, j in group_edges))
    old_ids = tuple(old[i].id for i in olds)
    new_ids = tuple(new[j].id for j in news)
    if len(olds) == 1 and len(news) == 1:
        i, j = olds[0], news[0]
        method = matched[i][1] if i in matched and matched[i][0] == j else "partial"
        similarity = text_similarity(old[i].key, new[j].key)
        moved = not _in_order(i, j, anchors) or _changed_place(
            old[i], new[j], outlines, section_map
        )
        if moved:
            kind = "moved"
        else:
            kind = "unchanged" if old[i].key == new[j].key else "modified"
        return Link(kind, old_ids, new_ids, round(similarity, 4), method, pairs=pairs)
    kind, method = ("split", "split") if len(news) >= len(olds) else ("merged", "merge")
    similarity = text_similarity(
        "".join(old[i].key for i in olds), "".join(new[j].key for j in news)
    )
    return Link(kind, old_ids, new_ids, round(similarity, 4), method, pairs=pairs)


def text_similarity(old: str, new: str) -> float:
    """The share of two texts' characters that their diff keeps, 2·kept / (|old| + |new|):
    1.0 only for the same text (0.99 at most otherwise), 0.67 for a clause whose text was
    doubled, about 0.5 for one half rewritten. Links report it (on matching keys, so layout and numbering do not
    count) because it is what a reader of the redline expects; the aligner decides by the
    TF-IDF cosine, which weighs distinctive wording but calls a clause that gained a
    sentence nearly the same."""
    if old == new:
        return 1.0
    kept = sum(len(text) for op, text in raw_diff(old, new) if op == 0)
    # At most 0.99 for any change, so that a one-character edit in a long article is not
    # shown as 1.00, which means the same wording.
    return min(0.99, 2 * kept / (len(old) + len(new)))


def _section(clause: Clause, depth: int | None = None) -> str:
    """The title of the clause's heading at ``depth`` (its nearest one by default),
    numbering left out."""
    if not clause.path:
        return ""
    heading = clause.path[-1] if depth is None else clause.path[depth - 1]
    return section_title(heading)


def _in_order(i: int, j: int, anchors: list[tuple[int, int]]) -> bool:
    """Whether linking old clause ``i`` to new clause ``j`` keeps the backbone's order: the
    link is on the backbone, or falls between the two backbone links around it."""
    k = bisect.bisect_left(anchors, (i, -1))
    if k < len(anchors) and anchors[k][0] == i:
        return anchors[k][1] == j
    before = anchors[k - 1][1] if k else -1
    after = anchors[k][1] if k < len(anchors) else math.inf
    return before < j < after


def _titles(clause: Clause) -> tuple[str, ...]:
    """The titles of the clause's headings, outermost first, numbering left out."""
    return tuple(section_title(heading) for heading in clause.path)


def _outline(clauses: tuple[Clause, ...]) -> set[tuple[str, ...]]:
    """Every section of a version, as the titles of its heading path."""
    return {
        titles[:depth]
        for titles in {_titles(clause) for clause in clauses}
        for depth in range(1, len(titles) + 1)
    }


def _changed_place(old: Clause, new: Clause, outlines, section_map) -> bool:
    """Whether a clause kept in order still changed section.

    Under headings of the same titles it stayed, whatever else moved in or out. Out of a
    section that the new version still has, or into one that the old version had already,
    it moved. Otherwise the two outlines differ (a chapter divided into sections, sections
    renamed or regrouped): compare at the depth both paths have, through the sections'
    correspondence.
    """
    old_place, new_place = _titles(old), _titles(new)
    if old_place == new_place:
        return False
    old_outline, new_outline = outlines
    if (old_place in new_outline and new_place[: len(old_place)] != old_place) or (
        new_place in old_outline and old_place[: len(new_place)] != new_place
    ):
        return True
    depth = _shared_depth(old, new)
    if old_place[:depth] == new_place[:depth]:
        return False
    return _changed_section(
        (depth, _section(old, depth)), (depth, _section(new, depth)), section_map
    )


def _shared_depth(old: Clause, new: Clause) -> int:
    """How many heading levels two clauses' paths both have: a chapter later divided into
    sections (节) is compared at the chapter level."""
    return min(len(old.path), len(new.path))


Section = tuple[int, str]  # (heading depth, title without its numbering)


def _section_majority(old, new, matched) -> tuple[dict, dict]:
    """Which new section each old section mostly went to, and which old section each new
    section mostly came from; a tie goes to the section of the same title. So a clause that
    went elsewhere changed section, even when the whole section was renamed or renumbered.
    """
    votes: Counter = Counter()
    for i, (j, _) in matched.items():
        for depth in range(1, _shared_depth(old[i], new[j]) + 1):
            votes[
                ((depth, _section(old[i], depth)), (depth, _section(new[j], depth)))
            ] += 1

    def majority(side: int) -> dict[Section, Section]:
        best: dict[Section, tuple[int, bool, Section]] = {}
        for pair, count in votes.items():
            here, there = pair[side], pair[1 - side]
            candidate = (count, here == there, there)
            if candidate > best.get(here, (0, False, (0, ""))):
                best[here] = candidate
        return {section: choice[2] for section, choice in best.items()}

    return majority(0), majority(1)


def _changed_section(old_section: Section, new_section: Section, section_map) -> bool:
    """Whether a link crosses sections against the grain of its sections' correspondence."""
    forward, backward = section_map
    return forward.get(old_section, new_section) != new_section or (
        backward.get(new_section, old_section) != old_section
    )


def _in_reading_order(
    links: list[Link], old: ClauseTree, new: ClauseTree
) -> list[Link]:
    """Links in the new version's order, deleted clauses where they stood in the old one."""
    new_pos = {c.id: c.ordinal for c in new.clauses}
    old_pos = {c.id: c.ordinal for c in old.clauses}
    linked_new_of_old: dict[int, float] = {}
    for link in links:
        if link.new:
            for cid in link.old:
                linked_new_of_old[old_pos[cid]] = min(new_pos[n] for n in link.new)

    def place(link: Link) -> tuple[float, float]:
        if link.new:
            return (min(new_pos[n] for n in link.new), 0)
        position = old_pos[link.old[0]]
        before = [p for o, p in linked_new_of_old.items() if o < position]
        return (max(before) + 0.5 if before else -0.5, position)

    return sorted(links, key=place)


# ---------------------------------------------------------------------------- sentences


def _with_sentences(link: Link, old: ClauseTree, new: ClauseTree, primary: set) -> Link:
    """Align the sentences inside a link. In a split or merge, a sentence that went from a
    clause to another than the clause's main counterpart is typed moved."""
    old_sentences = [(cid, s) for cid in link.old for s in old.clause(cid).sentences]
    new_sentences = [(cid, s) for cid in link.new for s in new.clause(cid).sentences]
    sentence_links = []
    for s in align_sentences(old_sentences, new_sentences):
        crossed = s.old and s.new and (s.old[0][0], s.new[0][0]) not in primary
        if crossed and len(link.old) + len(link.new) > 2:
            s = SentenceLink("moved", s.old, s.new, s.similarity)
        sentence_links.append(s)
    return replace(link, sentences=tuple(sentence_links))


def _sentences_in_reading_order(link: Link, old: ClauseTree, new: ClauseTree) -> Link:
    """Order a link's sentences as a reader meets them: those with a place in the link's
    new clauses in the new text's order, and each other one (deleted, or moved to a clause
    outside the link) after the sentence that stood before it in the old text."""

    def place(tree: ClauseTree, refs: tuple[tuple[str, int], ...]) -> tuple[int, int]:
        clause_id, index = refs[0]
        return (tree.clause(clause_id).ordinal, index)

    def kept(s: SentenceLink) -> bool:
        return bool(s.new) and s.new[0][0] in link.new

    ordered = sorted(filter(kept, link.sentences), key=lambda s: place(new, s.new))
    others = [s for s in link.sentences if not kept(s)]
    for sentence in sorted(others, key=lambda s: place(old, s.old)):
        before = [
            k
            for k, other in enumerate(ordered)
            if other.old and place(old, other.old) < place(old, sentence.old)
        ]
        ordered.insert(before[-1] + 1 if before else 0, sentence)
    return replace(link, sentences=tuple(ordered))


def align_sentences(
    old_sentences: list, new_sentences: list, threshold: float = 0.5
) -> list:
    """Align two lists of ``(clause_id, Sentence)``: identical first, then most similar."""
    links: list[SentenceLink] = []
    used_old: set[int] = set()
    used_new: set[int] = set()
    by_key: dict[str, list[int]] = defaultdict(list)
    for n, (_, sentence) in enumerate(new_sentences):
        by_key[sentence.key].append(n)
    for o, (_, sentence) in enumerate(old_sentences):
        for n in by_key.get(sentence.key, ()):
            if n not in used_new:
                used_old.add(o)
                used_new.add(n)
                links.append(
                    _sentence_link("unchanged", old_sentences[o], new_sentences[n], 1.0)
                )
                break
    scored = []
    for o, (_, a) in enumerate(old_sentences):
        if o in used_old:
            continue
        for n, (_, b) in enumerate(new_sentences):
            if n not in used_new:
                scored.append((dice(a.key, b.key), o, n))
    for score, o, n in sorted(scored, reverse=True):
        if score < threshold:
            break
        if o not in used_old and n not in used_new:
            used_old.add(o)
            used_new.add(n)
            links.append(
                _sentence_link("modified", old_sentences[o], new_sentences[n], score)
            )
    links += [
        SentenceLink("deleted", ((cid, s.index),), (), 0.0)
        for o, (cid, s) in enumerate(old_sentences)
        if o not in used_old
    ]
    links += [
        SentenceLink("added", (), ((cid, s.index),), 0.0)
        for n, (cid, s) in enumerate(new_sentences)
        if n not in used_new
    ]
    return links


def _sentence_link(kind, old_entry, new_entry, score) -> SentenceLink:
    (old_id, a), (new_id, b) = old_entry, new_entry
    return SentenceLink(
        kind, ((old_id, a.index),), ((new_id, b.index),), round(score, 4)
    )


def _find_moved_sentences(
    links: list[Link], old: ClauseTree, new: ClauseTree
) -> list[Link]:
    """Re-type a deleted sentence as moved when it stands, identical, in another new clause."""
    index: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for clause in new.clauses:
        for sentence in clause.sentences:
            if len(sentence.key) >= 8:
                index[sentence.key].append((clause.id, sentence.index))
    result = []
    for link in links:
        sentence_links = []
        for s in link.sentences:
            if s.type == "deleted":
                cid, idx = s.old[0]
                key = old.clause(cid).sentences[idx].key
                targets = [t for t in index.get(key, ()) if t[0] not in link.new]
                if targets:
                    s = SentenceLink("moved", s.old, (targets[0],), 1.0)
            sentence_links.append(s)
        result.append(replace(link, sentences=tuple(sentence_links)))
    return result

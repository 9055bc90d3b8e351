"""The lexicon that classifies measures: ordinal scales of policy verbs, hedges, actors and
scope words, read from an editable TOML file (``policydiff/data/lexicon.toml`` by default).

The shipped file documents where each scale comes from. A researcher who codes differently
edits a copy and passes it as ``--lexicon FILE``, or keeps it beside the corpus as
``versions/<document>/lexicon.toml``.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import PolicydiffError

DEFAULT_LEXICON = Path(__file__).with_name("data") / "lexicon.toml"
#: The file name a document folder may use for its own lexicon.
DOCUMENT_LEXICON = "lexicon.toml"


class LexiconError(PolicydiffError):
    """A lexicon file that cannot be read or does not have the expected shape."""


@dataclass(frozen=True)
class Scale:
    """Words in levels, weakest first; ``baseline`` places a word that stands alone."""

    name: str
    levels: tuple[tuple[str, ...], ...]
    baseline: float | None = None
    description: str = ""

    def rank(self, word: str) -> int:
        return next(k for k, level in enumerate(self.levels) if word in level)


@dataclass(frozen=True)
class Term:
    """One occurrence of a lexicon word in a text, with its span and scale."""

    word: str
    scale: str
    rank: int
    start: int
    end: int
    negated: bool = False


@dataclass(frozen=True)
class Lexicon:
    """Everything the classifier reads from the lexicon file."""

    scales: tuple[Scale, ...]
    restriction: Scale
    negations: tuple[str, ...] = ()
    caps: tuple[str, ...] = ()
    floors: tuple[str, ...] = ()
    penalties: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ()
    actor_heads: tuple[str, ...] = ()
    actor_names: tuple[str, ...] = ()
    actor_stops: tuple[str, ...] = ()
    not_actors: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    path: str = ""
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def scale(self, name: str) -> Scale:
        return next(s for s in (*self.scales, self.restriction) if s.name == name)

    def strength_terms(self, text: str) -> list[Term]:
        """The words of the strength scales in ``text``, longest first, not overlapping."""
        return self._terms(text, "strength", self.scales)

    def restriction_terms(self, text: str) -> list[Term]:
        return self._terms(text, "restriction", (self.restriction,))

    def verbs_in(self, text: str) -> list[str]:
        """The policy verbs of a text, scaled or not, in reading order, each once."""
        pattern = self._verb_pattern()
        return list(dict.fromkeys(m.group() for m in pattern.finditer(text)))

    def starts_action(self, text: str) -> bool:
        """Whether ``text`` opens with a policy verb, perhaps after adverbs (有序引进)."""
        adverbs = self._pattern(
            "adverbs",
            tuple(
                w for s in self.scales if s.name not in _VERB_SCALES for w in _flat(s)
            ),
        )
        position = 0
        while match := adverbs.match(text, position):
            position = match.end()
        return bool(self._verb_pattern().match(text, position))

    def _verb_pattern(self) -> re.Pattern[str]:
        words = [w for s in self.scales if s.name in _VERB_SCALES for w in _flat(s)]
        words += _flat(self.restriction) + list(self.verbs)
        return self._pattern("verbs", tuple(words))

    def actors_in(self, text: str) -> list[tuple[str, int, int]]:
        """The bodies named in ``text``, with their spans: 国务院卫生行政部门, 商务部.

        A body is a run of characters ending in a head word (部门, 人民政府, 委员会…),
        reaching left to the nearest stop word (由, 会同, 和…) or punctuation; in a list
        (农业行政、质量监督部门) each item gets the head. Named bodies (商务部) count too.
        """
        found: list[tuple[str, int, int]] = []
        heads = self._pattern("heads", self.actor_heads)
        for match in heads.finditer(text):
            start = self._left_edge(text, match.start())
            provinces = text.endswith("省、自治区、", 0, start) and text.startswith(
                "直辖市", start
            )
            if provinces:
                start -= len("省、自治区、")
            name = text[start : match.end()]
            if len(name) <= 2 or name.endswith(self.not_actors):
                continue
            if provinces:
                found.append((name, start, match.end()))
                continue
            listed = self._listed(text, start, name)
            prefix = _LEVEL.match(listed[-1][0] if listed else name)
            for item in [(name, start, match.end()), *listed]:
                if prefix and not _LEVEL.match(item[0]):
                    item = (prefix.group() + item[0], item[1], item[2])
                found.append(item)
        names = self._pattern("names", self.actor_names)
        for match in names.finditer(text):
            if not any(a <= match.start() < b for _, a, b in found):
                found.append((match.group(), match.start(), match.end()))
        # 县级以上人民政府 inside 县级以上人民政府卫生行政部门 is part of that body
        found = [
            actor
            for actor in found
            if not any(
                o[1] <= actor[1] and actor[2] <= o[2] and o != actor for o in found
            )
        ]
        return sorted(set(found), key=lambda a: a[1])

    def _left_edge(self, text: str, end: int, limit: int = 20) -> int:
        start = end
        while start > 0 and end - start < limit and _HAN.match(text[start - 1]):
            if any(text.endswith(w, 0, start) for w in self.actor_stops):
                break
            start -= 1
        return start

    def _listed(self, text: str, start: int, name: str) -> list[tuple[str, int, int]]:
        """The other items of a list that ends in ``name``: 农业行政、质量监督部门."""
        suffix = min((h for h in self.actor_heads if name.endswith(h)), key=len)
        items = []
        while start > 0 and text[start - 1] == "、":
            end = start - 1
            start = self._left_edge(text, end)
            item = text[start:end]
            if not item:
                break
            full = item if item.endswith(self.actor_heads) else item + suffix
            items.append((full, start, end))
        return items

    def scope_in(self, text: str, exclude: list[tuple[int, int]] = ()) -> list[str]:
        """Places, sectors and subjects named in ``text`` (outside the ``exclude`` spans)."""
        pattern = self._pattern("scope", self.places + self.sectors + self.subjects)
        found = []
        for match in pattern.finditer(text):
            if any(a <= match.start() < b for a, b in exclude):
                continue
            found.append(match.group())
        return list(dict.fromkeys(found))

    def _terms(self, text: str, key: str, scales: tuple[Scale, ...]) -> list[Term]:
        index = self._cache.get(("index", key))
        if index is None:
            index = {
                word: (scale.name, rank)
                for scale in reversed(scales)
                for rank, level in enumerate(scale.levels)
                for word in level
            }
            self._cache[("index", key)] = index
        pattern = self._pattern(key, tuple(index))
        terms = []
        for match in pattern.finditer(text):
            scale, rank = index[match.group()]
            negated = any(text.endswith(n, 0, match.start()) for n in self.negations)
            terms.append(
                Term(match.group(), scale, rank, match.start(), match.end(), negated)
            )
        return terms

    def _pattern(self, key: str, words: tuple[str, ...]) -> re.Pattern[str]:
        pattern = self._cache.get(("pattern", key))
        if pattern is None:
            ordered = sorted(set(words), key=lambda w: (-len(w), w))
            pattern = re.compile("|".join(map(re.escape, ordered)) or "(?!)")
            self._cache[("pattern", key)] = pattern
        return pattern


#: The scales whose words are a measure's policy verbs (the adverbs are not).
_VERB_SCALES = ("action", "deontic", "prohibition")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


_LEVEL = re.compile(
    r"^(?:国务院|当地县级以上地方人民政府|县级以上地方人民政府|县级以上人民政府|县级以上地方"
    r"|县级以上|设区的市级人民政府|地方各级人民政府|各级人民政府)"
)


def actor_key(name: str) -> str:
    """A body's name for comparison: 县级以上地方人民政府农业农村主管部门 and
    县级以上农业农村主管部门 name one body."""
    key = re.sub(r"^(?:当地|本级|各)", "", name)
    if not key.endswith("人民政府"):
        key = key.replace("地方人民政府", "").replace("人民政府", "")
    return key.replace("地方", "")


def _flat(scale: Scale) -> list[str]:
    return [word for level in scale.levels for word in level]


@functools.cache
def _default() -> Lexicon:
    return _read(DEFAULT_LEXICON)


def load_lexicon(path: str | Path | None = None) -> Lexicon:
    """Read a lexicon file; without ``path``, the one shipped with policydiff."""
    if path is None:
        return _default()
    return _read(Path(path))


def lexicon_for(document_path: Path | None, path: str | Path | None = None) -> Lexicon:
    """The lexicon to use for a document: ``path``, else the document's own, else ours."""
    if path is None and document_path is not None:
        own = Path(document_path) / DOCUMENT_LEXICON
        if own.is_file():
            path = own
    return load_lexicon(path)


def _read(path: Path) -> Lexicon:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LexiconError(f"{path}: no such lexicon file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise LexiconError(f"{path}: not a valid TOML lexicon ({e})") from None
    try:
        return _lexicon(data, str(path))
    except (KeyError, TypeError, ValueError) as e:
        raise LexiconError(
            f"{path}: {e}; see policydiff/data/lexicon.toml for the expected shape"
        ) from None


def _words(value) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
        raise ValueError(f"expected a list of words, got {value!r}")
    return tuple(value)


def _scale(name: str, data: dict) -> Scale:
    levels = data["levels"]
    if not isinstance(levels, list) or not levels:
        raise ValueError(f"scale {name!r} needs a non-empty list of levels")
    baseline = data.get("baseline")
    if baseline is not None and not isinstance(baseline, int | float):
        raise ValueError(f"scale {name!r}: baseline must be a number")
    return Scale(
        name=name,
        levels=tuple(_words(level) for level in levels),
        baseline=baseline,
        description=data.get("description", ""),
    )


def _lexicon(data: dict, path: str) -> Lexicon:
    scales = data.get("scales", {})
    restriction = data.get("restriction", {"levels": [[]]})
    actors = data.get("actors", {})
    scope = data.get("scope", {})
    return Lexicon(
        scales=tuple(_scale(name, value) for name, value in scales.items()),
        restriction=_scale("restriction", restriction),
        negations=_words(data.get("negations", {}).get("words", [])),
        caps=_words(restriction.get("caps", [])),
        floors=_words(restriction.get("floors", [])),
        penalties=_words(restriction.get("penalties", [])),
        verbs=_words(data.get("verbs", {}).get("words", [])),
        actor_heads=_words(actors.get("heads", [])),
        actor_names=_words(actors.get("names", [])),
        actor_stops=_words(actors.get("stops", [])),
        not_actors=_words(actors.get("not_actors", [])),
        places=_words(scope.get("places", [])),
        sectors=_words(scope.get("sectors", [])),
        subjects=_words(scope.get("subjects", [])),
        path=path,
    )

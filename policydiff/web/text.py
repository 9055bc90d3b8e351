"""Small text helpers for the pages: labels in English and Chinese, dates, highlights.

Everything that returns markup builds it from escaped pieces only.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

#: Change types as readers of both languages know them.
TYPE_LABELS: dict[str, str] = {
    "unchanged": "未变",
    "modified": "修改",
    "moved": "移动",
    "split": "拆分",
    "merged": "合并",
    "added": "新增",
    "deleted": "删除",
}
STATUS_LABELS: dict[str, str] = {
    "present": "已收录",
    "missing": "缺失",
    "current": "现行",
    "removed": "已删除",
}
#: How a measure changed, as readers of both languages say it: by class, or by class
#: and value for strength and restriction.
CLASS_LABELS: dict[str, tuple[str, str]] = {
    "strengthened": ("strengthened", "加强"),
    "weakened": ("weakened", "减弱"),
    "mixed": ("mixed", "强弱互见"),
    "loosened": ("loosened", "放宽"),
    "tightened": ("tightened", "收紧"),
    "restriction": ("restriction mixed", "宽严互见"),
    "parameters": ("parameter", "参数"),
    "actors_added": ("actor +", "主体增加"),
    "actors_removed": ("actor −", "主体删除"),
    "scope_added": ("scope +", "范围增加"),
    "scope_removed": ("scope −", "范围删除"),
}
#: Evidence words shown in a badge at most.
BADGE_WORDS = 2
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")


def chinese_date(value: str | None) -> str:
    """``2019-02-22`` as Chinese readers write it, ``2019年2月22日`` (or ``2019年2月``);
    anything else unchanged."""
    if not value:
        return ""
    match = _DATE.match(value.strip())
    if not match:
        return value
    year, month, day = match.groups()
    text = f"{year}年"
    if month:
        text += f"{int(month)}月"
        if day:
            text += f"{int(day)}日"
    return text


def date_html(value: str | None) -> Markup:
    """A date for readers of both languages: ``2019-02-22 · 2019年2月22日``."""
    if not value:
        return Markup("")
    zh = chinese_date(value)
    if zh == value:
        return Markup('<span class="pd-date">{}</span>').format(value)
    return Markup(
        '<span class="pd-date"><time datetime="{0}">{0}</time>'
        ' <span class="pd-zh" lang="zh-CN">{1}</span></span>'
    ).format(value, zh)


def type_html(change_type: str) -> Markup:
    """A change type as a badge: ``modified 修改``."""
    return Markup(
        '<span class="pd-type pd-type-{0}">{0} <span lang="zh-CN">{1}</span></span>'
    ).format(change_type, TYPE_LABELS.get(change_type, ""))


def is_url(value: str | None) -> bool:
    return bool(value) and re.match(r"^https?://\S+$", value or "") is not None


def anchor(clause_id: str) -> str:
    """The fragment id of a clause on a page: ``c-2015:a12`` for ``food-safety-law/2015:a12``."""
    local = clause_id.split("/", 1)[-1]
    return "c-" + re.sub(r"[^\w.:-]", "_", local)


def measure_anchor(measure_id: str) -> str:
    """The fragment id of a measure: ``m-2015:a12.m2`` for ``food-safety-law/2015:a12.m2``."""
    return "m-" + anchor(measure_id).removeprefix("c-")


def section_anchor(group: str) -> str:
    """The fragment id of a section heading, from its path: stable and short."""
    return "s-" + hashlib.sha1(group.encode("utf-8")).hexdigest()[:10]


def _spans(text: str, terms: Sequence[str]) -> list[tuple[int, int]]:
    """Where the terms occur in the text, overlaps merged."""
    spans = []
    folded = text.casefold()
    for term in {t.casefold() for t in terms if t}:
        start = folded.find(term)
        while start != -1:
            spans.append((start, start + len(term)))
            start = folded.find(term, start + 1)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, terms: Sequence[str]) -> Markup:
    """The text, escaped, with each occurrence of a term in ``<mark>``."""
    parts, position = [], 0
    for start, end in _spans(text, terms):
        parts.append(escape(text[position:start]))
        parts.append(Markup("<mark>{}</mark>").format(text[start:end]))
        position = end
    parts.append(escape(text[position:]))
    return Markup("").join(parts)


def snippet(text: str, terms: Sequence[str], width: int = 60) -> Markup:
    """A window of the text around the first term, highlighted, with … where cut."""
    spans = _spans(text, terms)
    if not spans or len(text) <= 2 * width:
        return highlight(text, terms)
    start = max(0, spans[0][0] - width)
    end = min(len(text), spans[0][1] + width)
    body = highlight(text[start:end], terms)
    return Markup("{}{}{}").format(
        "…" if start else "", body, "…" if end < len(text) else ""
    )


# ---------------------------------------------------------------------------- measures


@dataclass
class Badge:
    """One class of a measure link, for a small label: ``strengthened 探索→支持``.

    :param kind: the CSS suffix (``strengthened``, ``parameters``, ``actors_added`` …).
    :param measure: the measure the badge leads to (its page).
    :param title: the rules that fired, for a tooltip.
    """

    kind: str
    label: str
    zh: str
    detail: str
    title: str
    measure: str | None
    reviewed: bool = False


def _words(old: str, new: str) -> str:
    if old and new:
        return f"{old}→{new}"
    return f"−{old}" if old else f"+{new}" if new else ""


def class_badge(row: dict) -> Badge:
    """A badge from a row of ``measure_classes`` or ``parameter_changes`` (with the
    measure link's ``new_measure`` and ``old_measure``), as ``data.class_rows`` gives.
    """
    cls, value = row["class"], row["value"]
    measure = row.get("new_measure") or row.get("old_measure")
    reviewed = bool(row.get("reviewed"))
    if cls == "parameters":
        old, new, unit = row.get("old"), row.get("new"), row.get("unit") or ""
        detail = f"{value} {old or '∅'}→{new or '∅'} {unit}".rstrip()
        written = _words(row.get("old_text") or "", row.get("new_text") or "")
        label, zh = CLASS_LABELS["parameters"]
        return Badge("parameters", label, zh, detail, written, measure, reviewed)
    evidence = json.loads(row.get("evidence") or "[]")
    rules = "; ".join(json.loads(row.get("rules") or "[]"))
    if cls in ("strength", "restriction"):
        key = value if value != "mixed" or cls == "strength" else "restriction"
        label, zh = CLASS_LABELS.get(key, (value, ""))
        words = [_words(e.get("old") or "", e.get("new") or "") for e in evidence]
        words = list(dict.fromkeys(w for w in words if w))
        detail = "，".join(words[:BADGE_WORDS]) + (
            "…" if len(words) > BADGE_WORDS else ""
        )
        return Badge(value, label, zh, detail, rules, measure, reviewed)
    label, zh = CLASS_LABELS.get(cls, (cls, ""))
    return Badge(cls, label, zh, value, rules, measure, reviewed)


def badges_by_clause(rows: Sequence[dict]) -> dict[str, list[Badge]]:
    """Badges for the class rows of measure links, by the clause each link leads into."""
    found: dict[str, list[Badge]] = {}
    for row in rows:
        clause = row.get("new_clause") or row.get("old_clause")
        found.setdefault(clause, []).append(class_badge(row))
    return found


def mark_spans(text: str | None, spans: Sequence[Sequence[int]]) -> Markup:
    """The text, escaped, with each ``[start, end]`` span in ``<mark>``."""
    text = text or ""
    merged: list[list[int]] = []
    for start, end in sorted(tuple(s) for s in spans if s and s[0] < s[1]):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(end, merged[-1][1])
        else:
            merged.append([start, end])
    parts, position = [], 0
    for start, end in merged:
        start, end = max(start, position), min(end, len(text))
        if start >= end:
            continue
        parts.append(escape(text[position:start]))
        parts.append(Markup("<mark>{}</mark>").format(text[start:end]))
        position = end
    parts.append(escape(text[position:]))
    return Markup("").join(parts)

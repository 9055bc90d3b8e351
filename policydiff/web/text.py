"""Small text helpers for the pages: labels in English and Chinese, dates, highlights.

Everything that returns markup builds it from escaped pieces only.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

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

"""Charts drawn server-side as SVG: the flow of clauses between sections across versions
(an alluvial chart) and a heatmap of changes by section and version pair.

No JavaScript and nothing from outside: each function takes plain data and returns inline
SVG built from escaped pieces, with presentation attributes only (no ``style``), so the
pages work under a strict Content-Security-Policy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup

#: Okabe–Ito and Tableau-like colours, distinguishable with the common colour-vision
#: deficiencies; sections keep their colour across versions.
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#76b7b2",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#86bcb6",
)
ADDED_COLOUR = "#8fbc8f"
REMOVED_COLOUR = "#b0b0b0"
#: Sequential YlOrRd steps for the heatmap, for change scores of 0–0.2, …, 0.8–1.
HEAT = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
NO_CHANGE = "#f2f2f2"


@dataclass
class Node:
    """A section of one version: ``count`` clauses."""

    key: str
    title: str
    count: int
    colour_key: str = ""
    href: str = ""


@dataclass
class Band:
    """Clauses going from a section of one version to a section of the next.

    ``source`` is None for clauses added in the next version, ``target`` None for clauses
    removed. A split or merge gives a band different widths at its two ends: ``out`` is
    how many source clauses it carries, ``into`` how many target clauses.
    """

    source: str | None
    target: str | None
    out: float
    into: float
    note: str = ""


@dataclass
class _Box:
    x: float
    y: float
    height: float
    used_out: float = 0.0
    used_in: float = 0.0
    bands_out: list = field(default_factory=list)


def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _colour(key: str, colours: dict[str, str]) -> str:
    if key not in colours:
        colours[key] = PALETTE[len(colours) % len(PALETTE)]
    return colours[key]


def flow_svg(
    versions: Sequence[str],
    nodes: Sequence[Sequence[Node]],
    bands: Sequence[Sequence[Band]],
    *,
    height: int = 560,
    title: str = "Flow of clauses between sections",
) -> Markup:
    """An alluvial chart: one column per version, its sections stacked by clause count,
    and bands carrying clauses from each section to the sections of the next version.

    :param versions: the version labels, left to right.
    :param nodes: for each version, its sections in order.
    :param bands: for each consecutive pair, the bands between them.
    """
    node_width, column_gap, label_room, top, gap = 14, 300, 230, 34, 8
    removed = [sum(b.out for b in pair if b.target is None) for pair in bands]
    added = [sum(b.into for b in pair if b.source is None) for pair in bands]
    totals = []
    for k, column in enumerate(nodes):
        extra = (removed[k - 1] if k else 0) + (added[k] if k < len(bands) else 0)
        count = len(column) + (extra > 0) * 2
        totals.append((sum(n.count for n in column) + extra, count))
    unit = min(
        (height - top - gap * max(count - 1, 0)) / max(total, 1)
        for total, count in totals
    )
    unit = max(min(unit, 12.0), 0.5)
    colours: dict[str, str] = {}
    boxes: list[dict[str, _Box]] = []
    parts: list[Markup] = []
    for k, column in enumerate(nodes):
        x = 10 + k * (node_width + column_gap)
        y = float(top)
        column_boxes = {}
        for node in column:
            box = _Box(x, y, node.count * unit)
            column_boxes[node.key] = box
            y += box.height + gap
        # Stubs below the sections: what the previous version lost, what the next gains.
        if k and removed[k - 1]:
            y += gap
            column_boxes["\0removed"] = _Box(x, y, removed[k - 1] * unit)
            y += removed[k - 1] * unit + gap
        if k < len(bands) and added[k]:
            y += gap
            column_boxes["\0added"] = _Box(x, y, added[k] * unit)
        boxes.append(column_boxes)
        parts.append(
            Markup(
                '<text class="pd-column" x="{}" y="16" font-weight="bold">{}</text>'
            ).format(_f(x), versions[k])
        )
    for k, pair in enumerate(bands):
        order_out = {key: n for n, key in enumerate(boxes[k])}
        order_in = {key: n for n, key in enumerate(boxes[k + 1])}
        keyed = [
            (b, b.source if b.source is not None else "\0added", b.target) for b in pair
        ]
        keyed = [(b, s, t if t is not None else "\0removed") for b, s, t in keyed]
        # Bands leave a section in the order of their targets and arrive in the order of
        # their sources, which keeps crossings few.
        for band, source, target in sorted(
            keyed, key=lambda item: (order_out[item[1]], order_in[item[2]])
        ):
            boxes[k][source].bands_out.append((band, source, target))
        arrivals = sorted(
            (item for box in boxes[k].values() for item in box.bands_out),
            key=lambda item: (order_in[item[2]], order_out[item[1]]),
        )
        ends = {}
        for band, source, target in arrivals:
            box = boxes[k + 1][target]
            ends[id(band)] = box.y + box.used_in
            box.used_in += band.into * unit
        for box in boxes[k].values():
            for band, source, target in box.bands_out:
                y0 = box.y + box.used_out
                box.used_out += band.out * unit
                y1 = ends[id(band)]
                parts.append(
                    _band(
                        box.x + node_width,
                        y0,
                        band.out * unit,
                        boxes[k + 1][target].x,
                        y1,
                        band.into * unit,
                        _band_colour(band, nodes[k], colours),
                        band,
                        versions[k],
                        versions[k + 1],
                        nodes[k],
                        nodes[k + 1],
                    )
                )
    for k, column in enumerate(nodes):
        for node in column:
            parts.append(_node(boxes[k][node.key], node, node_width, colours))
        for stub, label, count in (
            ("\0removed", f"removed 删除 in {versions[k]}", removed[k - 1] if k else 0),
            (
                "\0added",
                f"added 新增 in {versions[k + 1]}" if k + 1 < len(versions) else "",
                added[k] if k < len(bands) else 0,
            ),
        ):
            if stub in boxes[k]:
                parts.append(_stub(boxes[k][stub], label, count, node_width))
    width = 10 + (len(nodes) - 1) * (node_width + column_gap) + node_width + label_room
    bottom = max(
        (box.y + box.height for column in boxes for box in column.values()),
        default=top,
    )
    return Markup(
        '<svg class="pd-chart pd-flow" xmlns="http://www.w3.org/2000/svg" role="img"'
        ' viewBox="0 0 {w} {h}" width="{w}" height="{h}" aria-labelledby="pd-flow-title">'
        '<title id="pd-flow-title">{title}</title>{body}</svg>'
    ).format(w=_f(width), h=_f(bottom + 10), title=title, body=Markup("").join(parts))


def _band_colour(band: Band, sources: Sequence[Node], colours: dict[str, str]) -> str:
    if band.source is None:
        return ADDED_COLOUR
    node = next(n for n in sources if n.key == band.source)
    return _colour(node.colour_key or node.key, colours)


def _band(x0, y0, h0, x1, y1, h1, colour, band, v0, v1, sources, targets) -> Markup:
    middle = (x0 + x1) / 2
    path = (
        f"M{_f(x0)},{_f(y0)} C{_f(middle)},{_f(y0)} {_f(middle)},{_f(y1)} {_f(x1)},{_f(y1)}"
        f" L{_f(x1)},{_f(y1 + h1)} C{_f(middle)},{_f(y1 + h1)} {_f(middle)},{_f(y0 + h0)}"
        f" {_f(x0)},{_f(y0 + h0)} Z"
    )
    source = _title(band.source, sources, "added 新增")
    target = _title(band.target, targets, "removed 删除")
    moved = band.source is not None and band.target is not None
    kind = "pd-band"
    if band.source is None:
        kind += " pd-band-added"
    elif band.target is None:
        kind += " pd-band-removed"
    elif moved and _colour_key(band.source, sources) != _colour_key(
        band.target, targets
    ):
        kind += " pd-band-across"
    count = _f(band.out if band.source is not None else band.into)
    note = f"{v0} {source} → {v1} {target}: {count} clause(s)"
    if band.note:
        note += f"; {band.note}"
    return Markup(
        '<path class="{}" d="{}" fill="{}" fill-opacity="0.45" stroke="{}"'
        ' stroke-opacity="0.6" stroke-width="0.5"><title>{}</title></path>'
    ).format(kind, path, colour, colour, note)


def _title(key: str | None, nodes: Sequence[Node], missing: str) -> str:
    if key is None:
        return missing
    return next((n.title for n in nodes if n.key == key), key)


def _colour_key(key: str, nodes: Sequence[Node]) -> str:
    node = next((n for n in nodes if n.key == key), None)
    return (node.colour_key or node.key) if node else key


def _node(box: _Box, node: Node, width: int, colours: dict[str, str]) -> Markup:
    colour = _colour(node.colour_key or node.key, colours)
    rect = Markup(
        '<rect class="pd-node" x="{}" y="{}" width="{}" height="{}" fill="{}">'
        "<title>{} ({} clauses)</title></rect>"
    ).format(
        _f(box.x),
        _f(box.y),
        width,
        _f(max(box.height, 1)),
        colour,
        node.title,
        node.count,
    )
    label = Markup("")
    if box.height >= 7:
        label = Markup(
            '<text class="pd-label" x="{}" y="{}" dominant-baseline="middle"'
            ' paint-order="stroke" stroke="#fff" stroke-width="3" lang="zh-CN">'
            "{} ({})</text>"
        ).format(
            _f(box.x + width + 4),
            _f(box.y + box.height / 2),
            _short(node.title),
            node.count,
        )
    if node.href:
        return Markup('<a href="{}">{}{}</a>').format(node.href, rect, label)
    return rect + label


def _stub(box: _Box, label: str, count: float, width: int) -> Markup:
    colour = REMOVED_COLOUR if "removed" in label else ADDED_COLOUR
    return Markup(
        '<rect class="pd-stub" x="{}" y="{}" width="{}" height="{}" fill="{}">'
        "<title>{}: {}</title></rect>"
        '<text class="pd-label" x="{}" y="{}" dominant-baseline="middle"'
        ' paint-order="stroke" stroke="#fff" stroke-width="3">{} ({})</text>'
    ).format(
        _f(box.x),
        _f(box.y),
        width,
        _f(max(box.height, 1)),
        colour,
        label,
        _f(count),
        _f(box.x + width + 4),
        _f(box.y + box.height / 2),
        label,
        _f(count),
    )


def _short(title: str, limit: int = 18) -> str:
    return title if len(title) <= limit else title[: limit - 1] + "…"


# ---------------------------------------------------------------------------- heatmap


@dataclass
class Cell:
    """Changes in one section between two versions.

    ``score`` is how much the section changed, from 0 to 1: the mean of one minus the
    similarity of each change (0 for an unchanged clause, 1 for an added or deleted one).
    """

    changed: int
    total: int
    score: float = 0.0
    types: Mapping[str, int] = field(default_factory=dict)
    href: str = ""
    #: the heading path of the section in the newer version (None when it is gone).
    group: str | None = None


def heat_colour(changed: int, score: float) -> str:
    """The fill for a change score: grey when nothing changed, then YlOrRd in fifths."""
    if not changed:
        return NO_CHANGE
    return HEAT[max(0, min(int(score * len(HEAT)), len(HEAT) - 1))]


def heatmap_svg(
    pairs: Sequence[str],
    rows: Sequence[tuple[str, str]],
    cells: Mapping[tuple[str, int], Cell],
    *,
    title: str = "Changes by section and version pair",
) -> Markup:
    """A heatmap: one row per section, one column per pair of versions, each cell coloured
    by how much the section changed (its score) and labelled with the changed clauses.

    :param pairs: column labels (``2009 → 2015``).
    :param rows: ``(key, title)`` of each section, top to bottom.
    :param cells: by ``(row key, pair index)``; a missing cell is a section absent there.
    """
    label_width, cell_width, cell_height, top = 260, 110, 24, 30
    parts = []
    for n, pair in enumerate(pairs):
        parts.append(
            Markup(
                '<text class="pd-column" x="{}" y="18" text-anchor="middle"'
                ' font-weight="bold">{}</text>'
            ).format(_f(label_width + n * cell_width + cell_width / 2), pair)
        )
    for r, (key, row_title) in enumerate(rows):
        y = top + r * cell_height
        parts.append(
            Markup(
                '<text class="pd-label" x="{}" y="{}" text-anchor="end"'
                ' dominant-baseline="middle" lang="zh-CN">{}</text>'
            ).format(
                _f(label_width - 8), _f(y + cell_height / 2), _short(row_title, 20)
            )
        )
        for n, pair in enumerate(pairs):
            cell = cells.get((key, n))
            if cell is None:
                continue
            x = label_width + n * cell_width
            fill = heat_colour(cell.changed, cell.score)
            dark = fill in HEAT[3:]
            breakdown = ", ".join(
                f"{t} {c}" for t, c in cell.types.items() if c and t != "unchanged"
            )
            note = (
                f"{row_title}, {pair}: {cell.changed} of {cell.total} changed,"
                f" change score {cell.score:.2f}"
            )
            if breakdown:
                note += f" ({breakdown})"
            body = Markup(
                '<rect class="pd-cell" x="{}" y="{}" width="{}" height="{}" fill="{}"'
                ' stroke="#fff" data-changed="{}" data-total="{}"><title>{}</title></rect>'
                '<text class="pd-count" x="{}" y="{}" text-anchor="middle"'
                ' dominant-baseline="middle" fill="{}">{} / {}</text>'
            ).format(
                _f(x),
                _f(y),
                cell_width - 2,
                cell_height - 2,
                fill,
                cell.changed,
                cell.total,
                note,
                _f(x + cell_width / 2),
                _f(y + cell_height / 2),
                "#fff" if dark else "#222",
                cell.changed,
                cell.total,
            )
            if cell.href:
                body = Markup('<a href="{}">{}</a>').format(cell.href, body)
            parts.append(body)
    width = label_width + len(pairs) * cell_width + 10
    height = top + len(rows) * cell_height + 10
    return Markup(
        '<svg class="pd-chart pd-heatmap" xmlns="http://www.w3.org/2000/svg" role="img"'
        ' viewBox="0 0 {w} {h}" width="{w}" height="{h}" aria-labelledby="pd-heat-title">'
        '<title id="pd-heat-title">{title}</title>{body}</svg>'
    ).format(w=_f(width), h=_f(height), title=title, body=Markup("").join(parts))


def legend_svg() -> Markup:
    """The heatmap's key: the colour for each fifth of the change score."""
    parts = []
    steps = [(NO_CHANGE, "no change")] + [
        (colour, f"{n / 5:.1f}–{(n + 1) / 5:.1f}") for n, colour in enumerate(HEAT)
    ]
    for n, (colour, label) in enumerate(steps):
        x = n * 90
        parts.append(
            Markup(
                '<rect x="{}" y="2" width="16" height="14" fill="{}" stroke="#999"'
                ' stroke-width="0.5"></rect><text class="pd-label" x="{}" y="13">{}</text>'
            ).format(x, colour, x + 20, label)
        )
    return Markup(
        '<svg class="pd-legend" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} 20"'
        ' width="{w}" height="20" role="img" aria-label="change score">'
        "{body}</svg>"
    ).format(w=len(steps) * 90, body=Markup("").join(parts))


# ---------------------------------------------------------------------------- indices

#: Fills of the change types in the share bar, with the badges' hues.
TYPE_COLOURS = {
    "unchanged": "#d0d0d0",
    "modified": "#f2b600",
    "moved": "#4e79a7",
    "split": "#b07aa1",
    "merged": "#ff9da7",
    "added": "#59a14f",
    "deleted": "#e15759",
}
#: The measure counts of the indices chart: column of ``stats``, label, fill.
MEASURE_BARS = (
    ("strengthened", "strengthened 加强", "#2e7d32"),
    ("weakened", "weakened 减弱", "#c62828"),
    ("loosened", "loosened 放宽", "#4e79a7"),
    ("tightened", "tightened 收紧", "#f28e2b"),
    ("parameter_changes", "parameter changes 参数", "#6a3d9a"),
)


def indices_svg(
    row: Mapping, scale: int, *, key: str = "", title: str = "Change indices"
) -> Markup:
    """The change indices of one pair of versions: a bar of the shares of clause links
    by type, and a bar for each count of measures (strengthened, weakened, loosened,
    tightened) and of the parameters changed.

    :param row: a row of the ``stats`` table.
    :param scale: the count a full measure bar stands for (the largest of the document's
        pairs, so their charts compare).
    :param key: makes the chart's title id unique on a page.
    """
    share_width, label_width, bar_width, line = 320.0, 150.0, 170.0, 15
    parts = [Markup('<text class="pd-label" x="0" y="10">clause links by type</text>')]
    x = 0.0
    for kind, colour in TYPE_COLOURS.items():
        share = row.get(f"share_{kind}") or 0.0
        if not share:
            continue
        width = share * share_width
        parts.append(
            Markup(
                '<rect class="pd-share" x="{}" y="14" width="{}" height="14" fill="{}"'
                ' data-type="{}"><title>{}: {} of {} links ({:.0%})</title></rect>'
            ).format(
                _f(x),
                _f(width),
                colour,
                kind,
                kind,
                row.get(kind, 0),
                row["links"],
                share,
            )
        )
        x += width
    parts.append(
        Markup('<text class="pd-label" x="0" y="46">measures ({} links)</text>').format(
            row.get("measures", 0)
        )
    )
    for n, (column, label, colour) in enumerate(MEASURE_BARS):
        y = 52 + n * line
        count = row.get(column) or 0
        width = bar_width * count / max(scale, 1)
        parts.append(
            Markup(
                '<text class="pd-label" x="0" y="{}">{}</text>'
                '<rect class="pd-measure-bar" x="{}" y="{}" width="{}" height="11"'
                ' fill="{}" data-count="{}"><title>{}: {}</title></rect>'
                '<text class="pd-count" x="{}" y="{}">{}</text>'
            ).format(
                y + 9,
                label,
                _f(label_width),
                y,
                _f(max(width, 0.5 if count else 0)),
                colour,
                count,
                label,
                count,
                _f(label_width + width + 4),
                y + 9,
                count,
            )
        )
    height = 52 + len(MEASURE_BARS) * line + 2
    width = max(share_width, label_width + bar_width + 30)
    title_id = "pd-indices-" + "".join(c if c.isalnum() else "-" for c in key)
    return Markup(
        '<svg class="pd-chart pd-indices" xmlns="http://www.w3.org/2000/svg" role="img"'
        ' viewBox="0 0 {w} {h}" width="{w}" height="{h}" aria-labelledby="{id}">'
        '<title id="{id}">{title}</title>{body}</svg>'
    ).format(
        w=_f(width), h=_f(height), id=title_id, title=title, body=Markup("").join(parts)
    )

"""The pages of the publication: home, compare, history, measure, search and charts.

Every view finds its database, checks that the actor may see it, reads what it shows through
``data``, and renders a ``policydiff_*.html`` template with a strict Content-Security-Policy:
the pages need no inline script or style.
"""

from __future__ import annotations

import itertools
import json
from urllib.parse import urlencode

from datasette.utils import tilde_decode
from datasette.utils.asgi import BadRequest, Forbidden, NotFound, Response
from markupsafe import Markup

from policydiff.model import CHANGE_TYPES
from policydiff.normalize import script_variants
from policydiff.store import TRIGRAM, comparison_key, search_clauses

from . import charts, data, layout
from .text import (
    STATUS_LABELS,
    TYPE_LABELS,
    badges_by_clause,
    class_badge,
    highlight,
    mark_spans,
    section_anchor,
    snippet,
)

#: Sent with every policydiff page. Datasette's own pages use inline scripts and styles,
#: so it is not sent with those.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
#: Search results shown at most.
SEARCH_LIMIT = 500
#: Tables whose names the home page links to, with their titles.
TABLES = (
    ("changes", "Changes 修改"),
    ("clauses", "Clauses 条款"),
    ("lineages", "Clause histories 条款沿革"),
    ("versions", "Versions 版本"),
    ("comparisons", "Version pairs 版本比较"),
)
#: The counts of the home page's change indices that link to the classes behind them.
CLASS_COUNT_LINKS = (
    ("strength", "strengthened"),
    ("strength", "weakened"),
    ("restriction", "loosened"),
    ("restriction", "tightened"),
)
#: The measure tables the home page links to, when the database has them.
MEASURE_TABLES = (
    ("measure_links", "Measure changes 措施变化"),
    ("measure_classes", "Measure classes 措施变化分类"),
    ("parameter_changes", "Parameter changes 参数变化"),
    ("measures", "Measures 措施"),
    ("stats", "Change indices 修改指标"),
    ("reviews", "Reviews 审核"),
)


class Urls:
    """The URLs of the policydiff pages of one database."""

    def __init__(self, datasette, database: str):
        self.datasette = datasette
        self.database = database
        self.base = datasette.urls.database(database)

    def _page(self, name: str, params: dict | list | None = None, anchor: str = ""):
        query = urlencode(
            [(k, v) for k, v in (params.items() if isinstance(params, dict) else params or [])
             if v not in (None, "")]
        )  # fmt: skip
        url = f"{self.base}/-/{name}" + (f"?{query}" if query else "")
        return url + (f"#{anchor}" if anchor else "")

    def home(self) -> str:
        return self._page("policydiff")

    def compare(
        self, document: str, old: str, new: str, types=(), anchor: str = ""
    ) -> str:
        params = [("document", document), ("from", old), ("to", new)]
        params += [("type", t) for t in types]
        return self._page("compare", params, anchor)

    def history(
        self, lineage: str | None = None, clause: str | None = None, q: str = ""
    ) -> str:
        return self._page("history", {"id": lineage, "clause": clause, "q": q})

    def clause(self, clause_id: str) -> str:
        """A clause's permalink: its history, with the clause marked."""
        return self.history(clause=clause_id)

    def measure(self, measure_id: str) -> str:
        return self._page("measure", {"id": measure_id})

    def search(self, q: str = "", document: str | None = None) -> str:
        return self._page("search", {"q": q, "document": document})

    def charts(self, document: str, level: int | None = None) -> str:
        return self._page("charts", {"document": document, "level": level})

    def table(self, name: str, **params) -> str:
        url = self.datasette.urls.table(self.database, name)
        return url + (f"?{urlencode(params)}" if params else "")

    def query(self, name: str, **params) -> str:
        url = self.datasette.urls.query(self.database, name)
        return url + (f"?{urlencode(params)}" if params else "")

    def row(self, table: str, pk: str) -> str:
        from datasette.utils import tilde_encode

        return self.datasette.urls.row(self.database, table, tilde_encode(pk))


async def database(datasette, request):
    """The policydiff database a request is for, once the actor may see it."""
    from . import is_policydiff_database

    try:
        db = datasette.get_database(route=tilde_decode(request.url_vars["database"]))
    except KeyError:
        raise NotFound("Database not found") from None
    visible, _ = await datasette.check_visibility(
        request.actor, permissions=[("view-database", db.name), "view-instance"]
    )
    if not visible:
        raise Forbidden("You do not have permission to view this database")
    if not await is_policydiff_database(db):
        raise NotFound(f"{db.name} is not a policydiff database")
    if "comparisons" not in await db.table_names():
        raise NotFound(
            f"{db.name} was built by an older policydiff; rebuild it with policydiff build"
        )
    return db


async def render(datasette, request, template: str, context: dict) -> Response:
    context = dict(
        context,
        policydiff_page=True,
        type_labels=TYPE_LABELS,
        status_labels=STATUS_LABELS,
        change_types=CHANGE_TYPES,
    )
    body = await datasette.render_template(template, context, request=request)
    return Response.html(body, headers=HEADERS)


def _title(datasette, db) -> str:
    return datasette.metadata("title", database=db.name) or db.name


# ---------------------------------------------------------------------------- home


async def home(datasette, request):
    """Documents, their versions, what changed between consecutive versions, search."""
    db = await database(datasette, request)
    urls = Urls(datasette, db.name)
    documents = await data.documents(db)
    measures = await data.has_measures(db)
    for document in documents:
        document["lineages"] = await data.busiest_lineages(db, document["id"])
        if measures:
            _indices(urls, document, await data.pair_stats(db, document["id"]))
    tables = TABLES + (MEASURE_TABLES if measures else ())
    queries = await datasette.get_canned_queries(db.name, request.actor)
    return await render(
        datasette,
        request,
        "policydiff_index.html",
        {
            "database": db.name,
            "title": _title(datasette, db),
            "documents": documents,
            "u": urls,
            "tables": [(urls.table(name), label) for name, label in tables],
            "queries": [
                (urls.query(name), query.get("title") or name)
                for name, query in queries.items()
            ],
        },
    )


def _indices(urls: Urls, document: dict, stats: dict[str, dict]) -> None:
    """Give each comparison of a document its change indices: a chart, and links to the
    measures behind each count."""
    scale = max(
        (row[c] or 0 for row in stats.values() for c, _, _ in charts.MEASURE_BARS),
        default=0,
    )
    for comparison in document["comparisons"]:
        row = stats.get(comparison["id"])
        if row is None:
            continue
        pair = f"{comparison['from_label']} → {comparison['to_label']}"
        comparison["indices"] = row
        comparison["indices_svg"] = charts.indices_svg(
            row, scale, key=comparison["id"], title=f"Change indices, {pair}"
        )
        within = {"comparison_id": comparison["id"]}
        links = [
            (
                f"{row['measures_changed']} of {row['measures']} measures changed",
                urls.table("measure_links", **within),
            )
        ]
        for cls, value in CLASS_COUNT_LINKS:
            links.append(
                (
                    f"{row[value]} {value}",
                    urls.table(
                        "measure_classes", **within, **{"class": cls}, value=value
                    ),
                )
            )
        links.append(
            (
                f"{row['parameter_changes']} parameter changes",
                urls.table("parameter_changes", **within),
            )
        )
        comparison["measure_links"] = links


# ---------------------------------------------------------------------------- compare


async def _document(db, request) -> dict:
    document_id = request.args.get("document")
    if not document_id:
        raise BadRequest("Say which document: ?document=…")
    document = await data.document(db, document_id)
    if document is None:
        raise NotFound(f"No document {document_id}")
    return document


def _version(document: dict, label: str) -> dict:
    for version in document["versions"]:
        if version["label"] == label:
            if version["status"] != "present":
                raise NotFound(
                    f"{document['id']} {label} has no text yet; add it with "
                    f"policydiff add {document['id']} FILE --label {label}"
                )
            return version
    known = ", ".join(v["label"] for v in document["present"]) or "none"
    raise NotFound(f"{document['id']} has no version {label}; it has {known}")


async def compare(datasette, request):
    """Two versions side by side, clause by clause, in the new version's order."""
    db = await database(datasette, request)
    urls = Urls(datasette, db.name)
    document = await _document(db, request)
    present = document["present"]
    from_label, to_label = request.args.get("from"), request.args.get("to")
    for label in (from_label, to_label):
        if label:
            _version(document, label)
    if len(present) < 2:
        raise NotFound(
            f"{document['id']} has {len(present)} version(s) with text; "
            "comparing needs two"
        )
    from_label = from_label or present[-2]["label"]
    to_label = to_label or present[-1]["label"]
    old, new = _version(document, from_label), _version(document, to_label)
    if old["id"] == new["id"]:
        raise BadRequest("Choose two different versions to compare")
    old_clauses = await data.clause_order(db, old["id"])
    new_clauses = await data.clause_order(db, new["id"])
    links = await data.stored_links(db, old["id"], new["id"])
    computed = links is None
    if computed:
        try:
            links = await data.computed_links(
                db, document["id"], old, new, old_clauses, new_clauses
            )
        except data.StaleDatabase as e:
            raise NotFound(
                f"Cannot compare {from_label} and {to_label}: {e}; rebuild the database"
                " with policydiff build"
            ) from None
    rows = layout.arrange(
        [c["id"] for c in old_clauses], [c["id"] for c in new_clauses], links
    )
    comparison_id = comparison_key(document["id"], from_label, to_label)
    badges = {}
    if not computed and await data.has_measures(db):
        badges = badges_by_clause(await data.comparison_classes(db, comparison_id))
    types = [t for t in request.args.getlist("type") if t in CHANGE_TYPES]
    shown = layout.visible(rows, types)
    counts = {t: 0 for t in CHANGE_TYPES}
    for link in links:
        counts[link.type] += 1
    pair_urls = {
        "all": urls.compare(document["id"], from_label, to_label),
        "changed": urls.compare(
            document["id"],
            from_label,
            to_label,
            [t for t in CHANGE_TYPES if t != "unchanged"],
        ),
    }
    type_links = [
        {
            "type": t,
            "count": n,
            "url": urls.compare(document["id"], from_label, to_label, [t]),
            "selected": types == [t],
        }
        for t, n in counts.items()
        if n
    ]
    return await render(
        datasette,
        request,
        "policydiff_compare.html",
        {
            "database": db.name,
            "document": document,
            "old": old,
            "new": new,
            "rows": shown,
            "outline": layout.outline(shown),
            "counts": counts,
            "type_links": type_links,
            "types": types,
            "pair_urls": pair_urls,
            "computed": computed,
            "neighbours": _neighbours(urls, document, old, new),
            "changes_url": urls.table("changes", comparison_id=comparison_id),
            "measure_badges": badges,
            "u": urls,
        },
    )


def _neighbours(urls: Urls, document: dict, old: dict, new: dict) -> dict:
    """Links to the pairs of consecutive versions before and after this one."""
    labels = [v["label"] for v in document["present"]]
    pairs = list(itertools.pairwise(labels))
    here = (old["label"], new["label"])
    result = {}
    if here in pairs:
        n = pairs.index(here)
        if n:
            result["previous"] = (
                pairs[n - 1],
                urls.compare(document["id"], *pairs[n - 1]),
            )
        if n + 1 < len(pairs):
            result["next"] = (pairs[n + 1], urls.compare(document["id"], *pairs[n + 1]))
    return result


# ---------------------------------------------------------------------------- history


async def history(datasette, request):
    """One clause through every version: each step's redline, where it starts and ends."""
    db = await database(datasette, request)
    urls = Urls(datasette, db.name)
    lineage_id = request.args.get("id")
    clause_id = request.args.get("clause")
    if not lineage_id and clause_id:
        lineage_id = await data.lineage_of_clause(db, clause_id)
        if lineage_id is None:
            raise NotFound(f"No clause {clause_id}")
    if not lineage_id:
        raise BadRequest("Say which clause history: ?id=… or ?clause=…")
    lineage = await data.lineage(db, lineage_id)
    if lineage is None:
        raise NotFound(f"No clause history {lineage_id}")
    document = await data.document(db, lineage["document_id"])
    q = request.args.get("q", "").strip()
    terms = q.split()
    clauses = await data.lineage_clauses(db, lineage_id)
    changes = await data.lineage_changes(db, lineage_id)
    present = document["present"]
    measures, badges = {}, {}
    if await data.has_measures(db):
        clause_ids = [c["id"] for c in clauses]
        measures = await data.clause_measures(db, clause_ids)
        badges = badges_by_clause(await data.clause_classes(db, clause_ids))
    for change in changes:
        change["badges"] = [b for c in change["new"] for b in badges.get(c, [])]
    steps = []
    for n, version in enumerate(document["versions"]):
        here = [c for c in clauses if c["version_id"] == version["id"]]
        incoming = [c for c in changes if c["to_version"] == version["id"]]
        for clause in here:
            clause["html"] = highlight(clause["text"], terms)
            clause["path"] = data.split_path(clause["path"])
            clause["measures"] = measures.get(clause["id"], [])
        previous = _previous_present(present, version)
        steps.append(
            {
                "version": version,
                "clauses": here,
                "changes": incoming,
                "previous": previous,
                "compare_url": (
                    urls.compare(document["id"], previous["label"], version["label"])
                    if previous and version["status"] == "present"
                    else None
                ),
            }
        )
    return await render(
        datasette,
        request,
        "policydiff_history.html",
        {
            "database": db.name,
            "document": document,
            "lineage": lineage,
            "steps": steps,
            "summary": _summary(lineage, clauses, changes, present),
            "clause_id": clause_id,
            "q": q,
            "u": urls,
        },
    )


def _previous_present(present: list[dict], version: dict) -> dict | None:
    earlier = [v for v in present if v["ordinal"] < version["ordinal"]]
    return earlier[-1] if earlier else None


def _summary(lineage: dict, clauses: list, changes: list, present: list) -> dict:
    """Where a clause history starts and where it ends, in words."""
    labels = [v["label"] for v in present]
    first_version = lineage["first_version"].split("/", 1)[1]
    last_version = lineage["last_version"].split("/", 1)[1]
    if first_version == labels[0]:
        start = f"In the first version with text, {first_version}, as {lineage['first_label']}"
    else:
        start = f"First appears in {first_version}, as {lineage['first_label']}"
    deleted = [c for c in changes if c["type"] == "deleted"]
    if lineage["status"] == "current":
        end = f"Runs to {last_version}, the latest version, as {lineage['last_label']}"
    elif deleted:
        gone = deleted[-1]["to_version"].split("/", 1)[1]
        end = f"Last in {last_version}, as {lineage['last_label']}; deleted in {gone}"
    else:
        end = f"Last in {last_version}, as {lineage['last_label']}"
    return {"start": start, "end": end}


# ---------------------------------------------------------------------------- measure


async def measure(datasette, request):
    """One measure through every version: each step's redline, its classes and the
    evidence for them (the rule, and the words it read, marked in both texts)."""
    db = await database(datasette, request)
    urls = Urls(datasette, db.name)
    measure_id = request.args.get("id")
    if not measure_id:
        raise BadRequest("Say which measure: ?id=…")
    if not await data.has_measures(db):
        raise NotFound(
            f"{db.name} holds no measures: it was built by an older policydiff; rebuild"
            " it with policydiff build"
        )
    found = await data.measure(db, measure_id)
    if found is None:
        raise NotFound(f"No measure {measure_id}")
    document = await data.document(db, found["document_id"])
    measures, links, cut = await data.measure_timeline(db, measure_id)
    link_ids = [link["id"] for link in links]
    marks = ", ".join("?" for _ in link_ids) or "null"
    badge_rows = await data.class_rows(db, f"measure_links.id in ({marks})", link_ids)
    evidence_rows = await data.rows(
        db,
        "select link_id, class, value, evidence, reviewed from measure_classes"
        f" where link_id in ({marks}) order by rowid",
        link_ids,
    )
    reviews = {}
    if await data.has_reviews(db):
        reviews = await data.reviews_by_id(db, (link["review_id"] for link in links))
    for link in links:
        _explain(link, badge_rows, evidence_rows, reviews.get(link.get("review_id")))
    for m in measures:
        m["label"] = f"{m['clause_label']} m{m['ordinal'] + 1}"
    labels = {m["id"]: f"{m['version']} {m['label']}" for m in measures}
    steps = []
    for version in document["versions"]:
        here = [m for m in measures if m["version_id"] == version["id"]]
        steps.append(
            {
                "version": version,
                "measures": here,
                "links": [
                    link for link in links if link["to_version"] == version["id"]
                ],
            }
        )
    label = f"{found['clause_label']} m{found['ordinal'] + 1}"
    return await render(
        datasette,
        request,
        "policydiff_measure.html",
        {
            "database": db.name,
            "document": document,
            "measure": found,
            "label": label,
            "steps": steps,
            "labels": labels,
            "cut": cut,
            "limit": data.TIMELINE_LIMIT,
            "u": urls,
        },
    )


def _explain(
    link: dict, badge_rows: list, evidence_rows: list, review: dict | None
) -> None:
    """Give a measure link its badges, its evidence (each item once) and both texts with
    the words the rules read marked."""
    link["badges"] = [class_badge(r) for r in badge_rows if r["link_id"] == link["id"]]
    evidence: dict[str, dict] = {}
    for row in evidence_rows:
        if row["link_id"] != link["id"]:
            continue
        for item in json.loads(row["evidence"] or "[]"):
            key = json.dumps(item, sort_keys=True, ensure_ascii=False)
            entry = evidence.setdefault(key, dict(item, values=[], reviewed=False))
            if row["value"] not in entry["values"]:
                entry["values"].append(row["value"])
            entry["reviewed"] |= bool(row["reviewed"])
    link["evidence"] = list(evidence.values())
    link["old_html"] = mark_spans(
        link["old_text"], [e["old_span"] for e in link["evidence"] if e["old_span"]]
    )
    link["new_html"] = mark_spans(
        link["new_text"], [e["new_span"] for e in link["evidence"] if e["new_span"]]
    )
    link["review"] = review


# ---------------------------------------------------------------------------- search


async def search(datasette, request):
    """Search all clause text for Chinese substrings; hits grouped by clause history."""
    db = await database(datasette, request)
    urls = Urls(datasette, db.name)
    q = request.args.get("q", "").strip()
    document_id = request.args.get("document") or None
    terms = q.split()
    hits = []
    if terms:
        hits = await db.execute_fn(
            lambda conn: search_clauses(
                conn, q, document=document_id, limit=SEARCH_LIMIT + 1
            )
        )
    more = len(hits) > SEARCH_LIMIT
    hits = hits[:SEARCH_LIMIT]
    # A hit may be in the other script (开放 found 開放): mark it as it is written.
    marked = [variant for term in terms for variant in script_variants(term)]
    labels = {
        v["id"]: v["label"]
        for v in await data.rows(db, "select id, label from versions")
    }
    titles = {
        d["id"]: d["title"] or d["id"]
        for d in await data.rows(db, "select id, title from documents")
    }
    groups: dict[str, dict] = {}
    for hit in hits:
        key = hit["lineage_id"] or hit["id"]
        group = groups.setdefault(
            key,
            {
                "lineage_id": hit["lineage_id"],
                "document": titles.get(hit["document_id"], hit["document_id"]),
                "url": (
                    urls.history(hit["lineage_id"], q=q)
                    if hit["lineage_id"]
                    else urls.row("clauses", hit["id"])
                ),
                "hits": [],
            },
        )
        group["hits"].append(
            dict(
                hit,
                version=labels.get(hit["version_id"], hit["version_id"]),
                snippet=snippet(hit["text"], marked),
                path=data.split_path(hit["path"]),
            )
        )
    short = [t for t in terms if len(t) < TRIGRAM]
    return await render(
        datasette,
        request,
        "policydiff_search.html",
        {
            "database": db.name,
            "q": q,
            "document_id": document_id,
            "documents": titles,
            "groups": list(groups.values()),
            "count": len(hits),
            "more": more,
            "short_terms": short,
            "long_terms": [t for t in terms if len(t) >= TRIGRAM],
            "limit": SEARCH_LIMIT,
            "u": urls,
        },
    )


# ---------------------------------------------------------------------------- charts


async def chart_page(datasette, request):
    """The flow of clauses between sections, and a heatmap of changes by section."""
    db = await database(datasette, request)
    urls = Urls(datasette, db.name)
    document = await _document(db, request)
    try:
        level = max(1, min(int(request.args.get("level", "1")), 6))
    except ValueError:
        raise BadRequest("level must be a number, 1 for sections") from None
    flow = heatmap = None
    if len(document["present"]) >= 2:
        versions, nodes, bands = await data.flow(db, document, level)
        for k, column in enumerate(nodes):
            if k:
                pair = (versions[k - 1], versions[k])
                for node in column:
                    node.href = urls.compare(
                        document["id"], *pair, anchor=section_anchor(node.key)
                    )
        flow = charts.flow_svg(
            versions,
            nodes,
            bands,
            title=f"Flow of clauses between sections: {document['title'] or ''}",
        )
        comparisons, rows, cells = await data.heat(db, document, level)
        for (key, n), cell in cells.items():
            c = comparisons[n]
            cell.href = urls.compare(
                document["id"],
                c["from_label"],
                c["to_label"],
                () if cell.group is not None else ["deleted"],
                anchor=section_anchor(cell.group) if cell.group else "",
            )
        heatmap = charts.heatmap_svg(
            [f"{c['from_label']} → {c['to_label']}" for c in comparisons], rows, cells
        )
    return await render(
        datasette,
        request,
        "policydiff_charts.html",
        {
            "database": db.name,
            "document": document,
            "level": level,
            "flow": flow,
            "heatmap": heatmap,
            "legend": charts.legend_svg(),
            "u": urls,
        },
    )


def redline(value: str | None) -> Markup:
    """A redline fragment from the database: built by store.py from escaped text only."""
    return Markup(value or "")

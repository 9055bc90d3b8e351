"""The Datasette plugin: redlines in the changes table, a stylesheet, a documents page.

Datasette loads this package through the ``datasette`` entry point in setup.cfg;
:func:`serve` runs Datasette on a policydiff database. Only ``policydiff serve`` should
import this module, as importing Datasette takes a while.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import os
import socket
import sqlite3
import sys
import weakref
from pathlib import Path
from urllib.parse import urlencode

import yaml
from datasette import hookimpl
from datasette.utils import tilde_decode, tilde_encode
from datasette.utils.asgi import Forbidden, NotFound, Response
from markupsafe import Markup

from policydiff.errors import InputError, PolicydiffError
from policydiff.model import CHANGE_TYPES

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
#: The database name the shipped metadata.yml is written for (``policydiff.db``).
DEFAULT_DATABASE = "policydiff"
#: Tables that mark a database as written by ``policydiff build``.
REQUIRED_TABLES = frozenset({"documents", "versions", "clauses", "changes"})
#: Tables and views whose ``diff_html`` column holds a redline built from escaped text.
DIFF_TABLES = frozenset({"changes", "changes_detail"})

# Database -> (file mtime, has our schema); weak so closed Datasette instances go away.
_schema_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


# ---------------------------------------------------------------------------- metadata


def metadata_path() -> Path:
    """The ``metadata.yml`` shipped with the plugin, for ``datasette serve -m``."""
    return HERE / "metadata.yml"


def load_metadata(database: str = DEFAULT_DATABASE) -> dict:
    """Load the shipped metadata, for a database named ``database``.

    :param database: the Datasette name of the database, the file name without ``.db``.
    """
    metadata = yaml.safe_load(metadata_path().read_text("utf-8"))
    if database == DEFAULT_DATABASE:
        return metadata
    metadata = copy.deepcopy(metadata)
    databases = metadata["databases"]
    databases[database] = databases.pop(DEFAULT_DATABASE)
    old_link = f'href="/{DEFAULT_DATABASE}/-/policydiff"'
    new_link = f'href="/{tilde_encode(database)}/-/policydiff"'
    for item in (metadata, databases[database]):
        item["description_html"] = item["description_html"].replace(old_link, new_link)
    return metadata


# ---------------------------------------------------------------------------- hooks


async def is_policydiff_database(db) -> bool:
    """Tell whether a Datasette database was written by ``policydiff build``."""
    try:
        mtime = os.stat(db.path).st_mtime_ns if db.path else None
    except OSError:
        mtime = None
    cached = _schema_cache.get(db)
    if cached and mtime is not None and cached[0] == mtime:
        return cached[1]
    tables = set(await db.table_names())
    found = REQUIRED_TABLES <= tables and "diff_html" in await db.table_columns(
        "changes"
    )
    _schema_cache[db] = (mtime, found)
    return found


@hookimpl
def render_cell(value, column, table, database, datasette):
    if column != "diff_html" or table not in DIFF_TABLES or not isinstance(value, str):
        return None

    async def redline():
        if not await is_policydiff_database(datasette.get_database(database)):
            return None
        # diff_html is built by store.py from escaped pieces only.
        return Markup('<div class="policydiff-diff">{}</div>').format(Markup(value))

    return redline()


def _static_name() -> str:
    """The name Datasette serves our static/ under: ``policydiff`` once installed."""
    # Not at the top: Datasette imports this module while datasette.plugins loads.
    from datasette.plugins import get_plugins

    for plugin in get_plugins():
        if plugin["static_path"] and Path(plugin["static_path"]).resolve() == STATIC:
            return plugin["name"]
    return "policydiff"


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.static_plugins(_static_name(), "policydiff.css")]


@hookimpl
def register_routes():
    return [(r"^/(?P<database>[^/]+)/-/policydiff$", documents_page)]


async def documents_page(datasette, request):
    """List each document, its versions, and the changes between consecutive versions."""
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
    context = {
        "database": db.name,
        "title": datasette.metadata("title", database=db.name) or db.name,
        "documents": await _documents(datasette, db),
    }
    return Response.html(
        await datasette.render_template(
            "policydiff_index.html", context, request=request
        )
    )


async def _documents(datasette, db) -> list[dict]:
    urls = datasette.urls
    documents = [
        dict(r) for r in await db.execute("select * from documents order by id")
    ]
    versions = await db.execute("select * from versions order by document_id, ordinal")
    count_rows = await db.execute(
        "select from_version, to_version, type, count(*) as n from changes"
        " group by from_version, to_version, type"
    )
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for row in count_rows:
        counts.setdefault((row["from_version"], row["to_version"]), {})[row["type"]] = (
            row["n"]
        )
    changes_url = urls.table(db.name, "changes")
    for document in documents:
        document["url"] = urls.row(db.name, "documents", tilde_encode(document["id"]))
        document["versions"] = [
            dict(v, url=urls.row(db.name, "versions", tilde_encode(v["id"])))
            for v in versions
            if v["document_id"] == document["id"]
        ]
        present = [v["id"] for v in document["versions"] if v["status"] == "present"]
        pairs = list(itertools.pairwise(present))
        pairs += [
            p
            for p in counts
            if p not in pairs and p[0].startswith(document["id"] + "/")
        ]
        document["pairs"] = []
        for from_version, to_version in pairs:
            by_type = counts.get((from_version, to_version), {})
            query = {"from_version": from_version, "to_version": to_version}
            document["pairs"].append(
                {
                    "from": from_version.split("/", 1)[1],
                    "to": to_version.split("/", 1)[1],
                    "total": sum(by_type.values()),
                    "url": f"{changes_url}?{urlencode(query)}",
                    "types": [
                        {
                            "type": t,
                            "count": by_type[t],
                            "url": f"{changes_url}?{urlencode(dict(query, type=t))}",
                        }
                        for t in CHANGE_TYPES
                        if by_type.get(t)
                    ],
                }
            )
    return documents


# ---------------------------------------------------------------------------- serve


def serve(db_path: str | Path, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Serve a policydiff database with Datasette until interrupted (Ctrl-C).

    Like ``datasette serve -i DB -h HOST -p PORT -m metadata.yml``, with this plugin
    loaded even when policydiff is not installed.
    """
    import uvicorn
    from datasette.app import Datasette

    path = Path(db_path)
    if not path.is_file():
        raise InputError(f"{path}: no such database; run policydiff build {path} first")
    _check_database(path)
    _check_port(host, port)
    register()
    ds = Datasette(immutables=[str(path)], metadata=load_metadata(path.stem))
    asyncio.run(ds.invoke_startup())
    print(
        f"policydiff: http://{host}:{port}/{tilde_encode(path.stem)}/-/policydiff",
        file=sys.stderr,
    )
    try:
        uvicorn.run(ds.app(), host=host, port=port, log_level="info", lifespan="on")
    except KeyboardInterrupt:
        # uvicorn has shut down cleanly and re-raised the Ctrl-C it caught.
        pass


def register() -> None:
    """Load this plugin into Datasette if its entry point has not (a source checkout)."""
    from datasette.plugins import pm

    module = sys.modules[__name__]
    if not pm.is_registered(module) and pm.get_plugin("policydiff") is None:
        pm.register(module, name="policydiff")


def _check_port(host: str, port: int) -> None:
    try:
        socket.create_server((host, port)).close()
    except OSError as e:
        reason = os.strerror(e.errno) if e.errno else str(e)
        raise PolicydiffError(
            f"cannot listen on {host}:{port} ({reason}); use --port to pick another port"
        ) from None


def _check_database(path: Path) -> None:
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in conn.execute("select name from sqlite_master")}
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        tables = set()
    if not REQUIRED_TABLES <= tables:
        raise InputError(
            f"{path}: not a policydiff database; build one with policydiff build {path}"
        )

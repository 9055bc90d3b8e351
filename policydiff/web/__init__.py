"""The Datasette plugin: a publication of policy changes on top of the tables.

Pages (``views``): the documents (``/<db>/-/policydiff``), two versions side by side
(``-/compare``), one clause through every version (``-/history``), one measure through
every version (``-/measure``), search (``-/search``) and charts (``-/charts``). Hooks:
redlines in the tables, the stylesheet and script, the shipped metadata for every
policydiff database, and a menu link.

Datasette loads this package through the ``datasette`` entry point in setup.cfg;
:func:`serve` runs Datasette on a policydiff database. Only ``policydiff serve`` should
import this module, as importing Datasette takes a while.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import html
import os
import socket
import sqlite3
import sys
import weakref
from pathlib import Path
from urllib.parse import urlencode

import yaml
from datasette import hookimpl
from datasette.utils import tilde_encode
from markupsafe import Markup

from policydiff.errors import InputError, PolicydiffError
from policydiff.store import POLICYDIFF_TABLES
from policydiff.store import is_policydiff_database as is_policydiff_file

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
#: The database name the shipped metadata.yml is written for (``policydiff.db``).
DEFAULT_DATABASE = "policydiff"
#: Tables that mark a database as written by ``policydiff build``.
REQUIRED_TABLES = POLICYDIFF_TABLES
#: Tables and views whose ``diff_html`` column holds a redline built from escaped text.
DIFF_TABLES = frozenset({"changes", "changes_detail", "measure_links"})

#: Tables and views whose ``reviewed`` column is 1 where a person decided the row.
REVIEWED_TABLES = frozenset(
    {
        "changes",
        "changes_detail",
        "measure_links",
        "measure_classes",
        "parameter_changes",
    }
)
#: Columns of a canned query that name a clause history or a measure: linked to its page.
PAGE_COLUMNS = {"history": "history", "measure": "measure"}

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
    if column == "reviewed" and value == 1 and (table in REVIEWED_TABLES or not table):

        async def reviewed_badge():
            if not await is_policydiff_database(datasette.get_database(database)):
                return None
            return Markup(
                '<span class="pd-reviewed">reviewed <span lang="zh-CN">已审核</span></span>'
            )

        return reviewed_badge()
    if not isinstance(value, str):
        return None
    if column == "diff_html" and table in DIFF_TABLES | {"change_clauses"}:

        async def redline():
            if not await is_policydiff_database(datasette.get_database(database)):
                return None
            # diff_html is built by store.py from escaped pieces only.
            return Markup('<div class="policydiff-diff">{}</div>').format(Markup(value))

        return redline()
    if column in PAGE_COLUMNS and table is None:

        async def page_link():
            if not await is_policydiff_database(datasette.get_database(database)):
                return None
            url = (
                datasette.urls.database(database)
                + f"/-/{PAGE_COLUMNS[column]}?"
                + urlencode({"id": value})
            )
            return Markup('<a href="{}">{}</a>').format(url, value)

        return page_link()
    return None


def _static_name() -> str:
    """The name Datasette serves our static/ under: ``policydiff`` once installed."""
    # Not at the top: Datasette imports this module while datasette.plugins loads.
    from datasette.plugins import get_plugins

    for plugin in get_plugins():
        if plugin["static_path"] and Path(plugin["static_path"]).resolve() == STATIC:
            return plugin["name"]
    return "policydiff"


@hookimpl
def prepare_jinja2_environment(env):
    from .text import anchor, date_html, measure_anchor, type_html

    env.filters["policydiff_anchor"] = anchor
    env.filters["policydiff_measure_anchor"] = measure_anchor
    env.filters["policydiff_date"] = date_html
    env.filters["policydiff_type"] = type_html


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.static_plugins(_static_name(), "policydiff.css")]


@hookimpl
def extra_js_urls(template, datasette):
    # Only our pages: Datasette's own need none of it.
    if template and template.startswith("policydiff_"):
        return [
            {
                "url": datasette.urls.static_plugins(_static_name(), "policydiff.js"),
                "module": True,
            }
        ]
    return []


@hookimpl
def register_routes():
    from . import views

    base = r"^/(?P<database>[^/]+)/-/"
    return [
        (base + r"policydiff$", views.home),
        (base + r"compare$", views.compare),
        (base + r"history$", views.history),
        (base + r"measure$", views.measure),
        (base + r"search$", views.search),
        (base + r"charts$", views.chart_page),
    ]


@hookimpl
def get_metadata(datasette, key, database, table):
    """Titles, descriptions, facets and canned queries for every policydiff database, so
    that ``datasette policydiff.db`` shows what ``-m metadata.yml`` would."""
    names = tuple(
        name for name, db in datasette.databases.items() if _is_policydiff_file(db.path)
    )
    # A copy: Datasette merges other metadata into what hooks return.
    return copy.deepcopy(_metadata_for(names)) if names else {}


@functools.lru_cache(maxsize=16)
def _metadata_for(names: tuple[str, ...]) -> dict:
    metadata = {"databases": {}}
    for name in names:
        one = load_metadata(name)
        metadata["databases"][name] = one["databases"][name]
        if len(names) == 1:
            metadata.update({k: v for k, v in one.items() if k != "databases"})
    if len(names) > 1:
        links = ", ".join(
            f'<a href="/{tilde_encode(n)}/-/policydiff">{html.escape(n)}</a>'
            for n in names
        )
        metadata["title"] = "policydiff"
        metadata["description_html"] = f"<p>policydiff databases: {links}.</p>"
    return metadata


def _is_policydiff_file(path: str | None) -> bool:
    """Tell, without Datasette, whether a database file was written by policydiff build."""
    if not path:
        return False
    try:
        mtime = os.stat(path).st_mtime_ns
    except OSError:
        return False
    return _has_schema(path, mtime)


@functools.lru_cache(maxsize=64)
def _has_schema(path: str, mtime: int) -> bool:
    try:
        conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in conn.execute("select name from sqlite_master")}
            columns = {r[1] for r in conn.execute("pragma table_info(changes)")}
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return REQUIRED_TABLES <= tables and "diff_html" in columns


@hookimpl
def menu_links(datasette, actor, request):
    async def links():
        found = []
        for name, db in datasette.databases.items():
            if _is_policydiff_file(db.path):
                visible, _ = await datasette.check_visibility(
                    actor, permissions=[("view-database", name), "view-instance"]
                )
                if visible:
                    found.append(
                        {
                            "href": datasette.urls.database(name) + "/-/policydiff",
                            "label": f"policydiff: {name}",
                        }
                    )
        return found

    return links()


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
    if not is_policydiff_file(path):
        raise InputError(
            f"{path}: not a policydiff database; build one under a new name with"
            " policydiff build NAME.db, then serve that"
        )

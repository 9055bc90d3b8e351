"""Benchmark the Datasette pages server-side: how long each takes to render.

Run by hand, never by pytest (see benchmarks/README.md):

    python benchmarks/bench_pages.py [--runs 20]

It builds a database of food-safety-law from ../shared/corpora (a folder of .txt files, its
versions in file-name order) in a temporary folder, opens it in Datasette as
``policydiff serve`` does (immutable, with the plugin), and times requests through
Datasette's own ASGI client (``ds.client``): no network, no browser, only the server's work.
The target: the compare page of 2009 → 2015 (about 150 articles a side) in under 1 s.

For each page: the first request (cold: Datasette and SQLite caches empty, and for a pair the
database holds no comparison of, the alignment computed), then the median and the worst of
``--runs`` more. Timings vary with the machine and its load: the header prints both.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import platform
import statistics
import sys
import tempfile
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from urllib.parse import quote

from datasette.app import Datasette

from policydiff import web
from policydiff.compare import build

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
DOCUMENT = "food-safety-law"
TARGET_S = 1.0
PACKAGES = ("policydiff", "datasette", "sqlite-utils", "jinja2")


def pages() -> list[tuple[str, str]]:
    compare = f"/policydiff/-/compare?document={DOCUMENT}"
    return [
        ("compare 2009 → 2015 (target)", f"{compare}&from=2009&to=2015"),
        ("compare 2009 → 2015, changes only", f"{compare}&from=2009&to=2015"
         + "".join(f"&type={t}" for t in
                   ("modified", "moved", "split", "merged", "added", "deleted"))),
        ("compare 1995 → 2009", f"{compare}&from=1995&to=2009"),
        ("compare 1995 → 2015 (computed)", f"{compare}&from=1995&to=2015"),
        ("home", "/policydiff/-/policydiff"),
        ("history", f"/policydiff/-/history?id={quote(DOCUMENT + '/2009:a13')}"),
        ("measure (3 versions)", f"/policydiff/-/measure?id={quote(DOCUMENT + '/2015:a27.m3')}"),
        ("search, 8 characters (trigram)", "/policydiff/-/search?q=" + quote("食品安全风险评估")),
        ("search, 2 characters (LIKE)", "/policydiff/-/search?q=" + quote("考核")),
        ("charts", f"/policydiff/-/charts?document={DOCUMENT}"),
        ("changes table", "/policydiff/changes"),
    ]  # fmt: skip


def header() -> str:
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"# bench_pages.py, {datetime.date.today()}\n"
        f"machine: {platform.machine()} {platform.processor() or ''}"
        f" {os.cpu_count()} CPUs, {platform.system()} {platform.release()};"
        f" load {load}\n"
        f"Python {platform.python_version()}; " + ", ".join(versions)
    )


async def measure(db: Path, runs: int) -> list[tuple[str, float, float, float, int]]:
    web.register()
    ds = Datasette(immutables=[str(db)])
    await ds.invoke_startup()
    results = []
    for name, path in pages():
        times = []
        size = 0
        for _ in range(runs + 1):
            start = time.perf_counter()
            response = await ds.client.get(path)
            times.append(time.perf_counter() - start)
            if response.status_code != 200:
                raise SystemExit(f"{path}: HTTP {response.status_code}")
            size = len(response.content)
        warm = times[1:]
        results.append((name, times[0], statistics.median(warm), max(warm), size))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="warm runs per page")
    args = parser.parse_args()
    folder = CORPORA / DOCUMENT
    if not folder.is_dir():
        raise SystemExit(f"{folder}: not found; the benchmark reads ../shared/corpora")
    print(header())
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "policydiff.db"
        start = time.perf_counter()
        build(db, corpus=CORPORA, documents=[str(folder)])
        built = time.perf_counter() - start
        import sqlite3

        conn = sqlite3.connect(db)
        counts = dict(
            conn.execute(
                "select label, clause_count from versions where document_id = ?",
                [DOCUMENT],
            ).fetchall()
        )
        conn.close()
        print(
            f"database: {DOCUMENT} from {folder}, clauses "
            + ", ".join(f"{label}: {n}" for label, n in counts.items())
            + f"; built in {built:.2f} s\n"
        )
        results = asyncio.run(measure(db, args.runs))
    print(f"{'page':40} {'first s':>8} {'median s':>9} {'worst s':>8} {'KB':>6}")
    print(f"{'-' * 40} {'-' * 8} {'-' * 9} {'-' * 8} {'-' * 6}")
    for name, first, median, worst, size in results:
        print(f"{name:40} {first:8.3f} {median:9.3f} {worst:8.3f} {size / 1024:6.0f}")
    name, first, median, worst, _ = results[0]
    verdict = "meets" if max(first, worst) < TARGET_S else "MISSES"
    print(
        f"\ntarget: {name} under {TARGET_S:.0f} s server-side: first {first:.3f} s,"
        f" median {median:.3f} s, worst {worst:.3f} s: {verdict} the target"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()

"""Real-browser tests: Debian's Chromium, headless, driven by playwright's async API.

The server is ``python -m datasette serve -i DB`` on a database built from the bundled
versions, with policydiff installed, so these pages are what ``datasette policydiff.db``
shows. Each test loads a page as a reader would, checks what it shows, and saves a
screenshot to ``tmp_path``. The README's screenshots come from the same code:

    python tests/test_browser.py docs/screenshots

Under CI (``CI=true``) a missing browser fails the run; elsewhere these tests skip.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

VERSIONS = Path(__file__).resolve().parents[1] / "versions"
VIEWPORT = {"width": 1200, "height": 760}
DOCUMENT = "food-safety-law"
COMPARE = f"/policydiff/-/compare?document={DOCUMENT}&from=2009&to=2015"
HISTORY = f"/policydiff/-/history?id={DOCUMENT}/2009:a13"
CHARTS = f"/policydiff/-/charts?document={DOCUMENT}"
#: The fine of 2009 第八十五条, raised in 2015 第一百二十三条.
MEASURE = f"/policydiff/-/measure?id={DOCUMENT}/2015:a123.m2"


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed: pip install playwright"
    if not shutil.which("chromium"):
        return "Debian's chromium is not installed: apt-get install chromium fonts-wqy-zenhei"
    return None


@contextlib.contextmanager
def datasette_server(db: Path) -> Iterator[str]:
    """Serve ``db`` with ``datasette serve -i`` on a free port of 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "datasette", "serve", "-i", str(db)]
    command += ["-h", "127.0.0.1", "-p", str(port)]
    server = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/-/versions.json", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError(f"datasette exited: {server.stderr.read()}")
                if time.monotonic() > deadline:
                    raise RuntimeError("datasette did not start within 30 s") from None
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@contextlib.asynccontextmanager
async def browser_page(problems: list[str]):
    """A page in headless Chromium that records console errors and CSP violations."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=shutil.which("chromium"))
        try:
            page = await browser.new_page(viewport=VIEWPORT)
            page.on(
                "console",
                lambda m: (
                    problems.append(m.text) if m.type in ("error", "warning") else None
                ),
            )
            page.on("pageerror", lambda e: problems.append(str(e)))
            yield page
        finally:
            await browser.close()


# ---------------------------------------------------------------------------- visits
# Each visit loads a page, does what a reader would, and saves a screenshot. The tests
# check the page after the visit; the README's screenshots are these same visits.


async def visit_home(page, url: str, out: Path) -> None:
    await page.goto(f"{url}/policydiff/-/policydiff")
    await page.screenshot(path=out / "home.png", full_page=True)


async def visit_search(page, url: str, out: Path) -> None:
    await page.goto(f"{url}/policydiff/-/policydiff")
    await page.fill("#pd-q", "外商独资")
    await page.press("#pd-q", "Enter")
    await page.wait_for_selector(".pd-hit mark")
    await page.screenshot(path=out / "search.png")


async def visit_compare(page, url: str, out: Path) -> None:
    await page.goto(f"{url}{COMPARE}")
    # Jump through the outline to the chapter the 2015 revision rewrote most.
    await page.click(".pd-outline >> text=第四章 食品生产经营")
    await page.wait_for_function("location.hash.startsWith('#s-')")
    await page.screenshot(path=out / "compare.png")


async def visit_history(page, url: str, out: Path) -> None:
    await page.goto(f"{url}{HISTORY}&q=食品安全风险评估")
    await page.screenshot(path=out / "history.png", full_page=True)


async def visit_measure(page, url: str, out: Path) -> None:
    await page.goto(f"{url}{MEASURE}")
    await page.screenshot(path=out / "measure.png", full_page=True)


async def visit_charts(page, url: str, out: Path) -> None:
    await page.goto(f"{url}{CHARTS}")
    await page.locator("svg.pd-flow").scroll_into_view_if_needed()
    await page.screenshot(path=out / "charts.png")


VISITS = {
    "home": visit_home,
    "search": visit_search,
    "compare": visit_compare,
    "history": visit_history,
    "measure": visit_measure,
    "charts": visit_charts,
}


# ---------------------------------------------------------------------------- tests


@pytest.fixture(scope="session")
def server(bundled_db) -> Iterator[str]:
    reason = browser_missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs the browser tests: {reason}")
        pytest.skip(reason)
    with datasette_server(bundled_db) as url:
        yield url


@pytest.fixture
def problems() -> Iterator[list[str]]:
    found: list[str] = []
    yield found
    # Under the strict Content-Security-Policy nothing may be refused, nothing may fail.
    assert found == []


@pytest.mark.asyncio
async def test_home(server, tmp_path, problems):
    async with browser_page(problems) as page:
        await visit_home(page, server, tmp_path)
        assert "documents and versions" in await page.locator("h1").inner_text()
        versions = page.locator("#doc-food-safety-law .policydiff-versions tbody tr")
        assert await versions.count() == 3
        links = page.locator(".pd-compare-link")
        assert await links.all_inner_texts() == [
            "Compare 1995 → 2009 比较",
            "Compare 2009 → 2015 比较",
        ]
        missing = page.locator("#doc-beijing-services-pilot tr.policydiff-missing")
        # 2015's manifest entry has a url: fetch it; 2017's has none: add the text.
        assert "policydiff fetch beijing-services-pilot 2015" in (
            await missing.first.inner_text()
        )
        assert "policydiff add beijing-services-pilot FILE --label 2017" in (
            await missing.nth(1).inner_text()
        )
    assert (tmp_path / "home.png").stat().st_size > 10_000


@pytest.mark.asyncio
async def test_search_hit_leads_to_the_history(server, tmp_path, problems):
    async with browser_page(problems) as page:
        await visit_search(page, server, tmp_path)
        marks = await page.locator(".pd-hit mark").all_inner_texts()
        assert marks and set(marks) == {"外商独资"}
        hit = page.locator(".pd-hit").first
        assert "外商独资演出经纪机构" in await hit.inner_text()
        await hit.locator("h2 a").click()
        await page.wait_for_selector(".pd-steps")
        assert "外商独资" in await page.locator(".pd-text mark").first.inner_text()
        # Two characters: matched with LIKE, and the page says so.
        await page.goto(f"{server}/policydiff/-/search?q=外商")
        assert "shorter than three characters" in (
            await page.locator(".pd-like-note").inner_text()
        )
    assert (tmp_path / "search.png").exists()


@pytest.mark.asyncio
async def test_compare_shows_redlines(server, tmp_path, problems):
    async with browser_page(problems) as page:
        await visit_compare(page, server, tmp_path)
        target = page.locator(":target")
        assert "第四章" in await target.inner_text()
        assert await target.is_visible()
        inserted = page.locator(".pd-new-cell .policydiff-diff ins")
        deleted = page.locator(".pd-old-cell .policydiff-diff del")
        assert await inserted.count() > 100 and await deleted.count() > 100
        # The stylesheet applies under the CSP: a reader sees the redline marks.
        decoration = await inserted.first.evaluate(
            "e => getComputedStyle(e).textDecorationLine"
        )
        assert decoration == "underline"
        assert (
            await deleted.first.evaluate("e => getComputedStyle(e).textDecorationLine")
            == "line-through"
        )
        for kind in ("moved", "split", "merged", "added", "deleted", "modified"):
            assert await page.locator(f"tr.pd-row-{kind}, tr[data-type={kind}]").count()
        # A moved clause links to where it stood, and that place links back.
        ghost = page.locator("tr.pd-ghost").first
        await ghost.locator("a").first.click()
        assert (await page.evaluate("location.hash")).startswith("#c-2015:")
        # Filter by type.
        await page.click(".pd-filter >> text=merged")
        types = await page.locator("tr.pd-row").evaluate_all(
            "rows => rows.map(r => r.dataset.type)"
        )
        assert types and set(types) == {"merged"}
    assert (tmp_path / "compare.png").exists()


@pytest.mark.asyncio
async def test_history_shows_each_step(server, tmp_path, problems):
    async with browser_page(problems) as page:
        await visit_history(page, server, tmp_path)
        summary = await page.locator(".pd-summary").inner_text()
        assert "First appears in 2009, as 第十三条" in summary
        assert "Runs to 2015, the latest version, as 第十七条" in summary
        step = page.locator("#v-2015")
        assert "modified 修改" in await step.locator(".pd-type").first.inner_text()
        assert await step.locator(".policydiff-diff ins").count() > 0
        assert await step.locator(".policydiff-diff del").count() > 0
        assert await page.locator("#v-2015 mark").count() > 0
    assert (tmp_path / "history.png").exists()


@pytest.mark.asyncio
async def test_measure_page_shows_its_timeline_and_evidence(server, tmp_path, problems):
    async with browser_page(problems) as page:
        await visit_measure(page, server, tmp_path)
        assert "第一百二十三条 m2" in await page.locator("h1").inner_text()
        steps = page.locator(".pd-steps > li")
        assert await steps.evaluate_all("s => s.map(e => e.id)") == [
            "v-1995",
            "v-2009",
            "v-2015",
        ]
        step = page.locator("#v-2015 .pd-measure-link").first
        assert "<del>" not in await step.inner_text()  # a redline, not markup
        assert await step.locator(".policydiff-diff del").count() > 0
        badge = step.locator("a.pd-class-parameters")
        assert "amount 2000-50000→100000-150000 元" in await badge.inner_text()
        # The evidence is marked in both texts, and the reader sees the marks.
        marks = await step.locator(".pd-evidence-texts mark").all_inner_texts()
        assert marks == ["二千元以上五万元以下", "十万元以上十五万元以下"]
        colour = await step.locator(".pd-evidence-texts mark").first.evaluate(
            "e => getComputedStyle(e).backgroundColor"
        )
        assert colour not in ("rgba(0, 0, 0, 0)", "transparent")
        # The measure's own block is marked; another leads to its own page.
        assert await page.locator(".pd-target").count() == 1
        await page.locator("#m-2015\\:a124\\.m2 a.pd-permalink").click()
        await page.wait_for_url("**a124.m2")
        assert "第一百二十四条 m2" in await page.locator("h1").inner_text()
        # From a clause's history, its list of measures opens, stays open, and leads here.
        await page.goto(f"{server}/policydiff/-/history?clause={DOCUMENT}/2015:a123")
        measures = page.locator(".pd-target details.pd-measures")
        await measures.locator("summary").click()
        await page.locator("h1").click()
        assert await measures.evaluate("d => d.open")
        await measures.get_by_role("link", name="m2", exact=True).click()
        await page.wait_for_url("**a123.m2")
    assert (tmp_path / "measure.png").exists()


@pytest.mark.asyncio
async def test_charts_draw_shapes(server, tmp_path, problems):
    async with browser_page(problems) as page:
        await visit_charts(page, server, tmp_path)
        flow = page.locator("svg.pd-flow")
        box = await flow.bounding_box()
        assert box["width"] > 500 and box["height"] > 300
        assert await page.locator("svg.pd-flow path.pd-band").count() > 30
        assert await page.locator("svg.pd-flow rect.pd-node").count() == 29
        band = await page.locator("path.pd-band").first.bounding_box()
        assert band["width"] > 100 and band["height"] > 0
        cells = page.locator("svg.pd-heatmap rect.pd-cell")
        assert await cells.count() >= 20
        fills = set(
            await cells.evaluate_all("cs => cs.map(c => c.getAttribute('fill'))")
        )
        assert len(fills) >= 3
        # A cell leads to the compare page, at its section.
        await page.locator("svg.pd-heatmap a").last.click()
        await page.wait_for_selector("table.pd-compare")
        assert "/-/compare?" in page.url
    assert (tmp_path / "charts.png").exists()


# ---------------------------------------------------------------------------- README


def shrink(path: Path) -> None:
    """Keep a screenshot small: 256 colours are plenty for text and charts."""
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as image:
        image.convert("RGB").quantize(colors=256).save(path, optimize=True)


async def take_screenshots(url: str, out: Path) -> None:
    problems: list[str] = []
    async with browser_page(problems) as page:
        for name, visit in VISITS.items():
            await visit(page, url, out)
            shrink(out / f"{name}.png")
            print(f"{out / name}.png", file=sys.stderr)
    if problems:
        raise SystemExit("\n".join(problems))


def main(out: str) -> None:
    """Build the bundled database and save the README's screenshots into ``out``."""
    from policydiff.compare import build

    reason = browser_missing()
    if reason:
        raise SystemExit(reason)
    Path(out).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = build(Path(tmp) / "policydiff.db", corpus=VERSIONS)
        with datasette_server(db) as url:
            asyncio.run(take_screenshots(url, Path(out)))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")

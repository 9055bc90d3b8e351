"""Fetching versions from a web server that the tests start on 127.0.0.1.

Every case gives the right result or one clear error, and after every failure the corpus
is exactly as it was. No other host is contacted.
"""

import gzip
import http.server
import re
import shutil
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from formats import (
    LAST_SENTENCE,
    PLAN,
    PLAN_LINES,
    START,
    docx_bytes,
    gov_page,
    navigation_page,
    pdf_bytes,
    traditional,
)

from policydiff import fetch as fetch_module
from policydiff.cli import cli
from policydiff.compare import compare
from policydiff.corpus import check_document, load_document, read_version
from policydiff.errors import FetchError, PolicydiffError
from policydiff.fetch import USER_AGENT, download, fetch_missing, fetch_version

BUNDLED = Path(__file__).resolve().parents[1] / "versions"
BEIJING = "beijing-services-pilot"
SLOW = 2.0  # seconds the slow page waits before it answers
TIMEOUT = 0.5  # the client's timeout in the tests that meet it
PLAN_TEXT = "\n".join(PLAN_LINES) + "\n"

PAGES = {
    "/plan.html": (200, "text/html; charset=utf-8", gov_page().encode("utf-8")),
    "/big5.html": (
        200,
        "text/html",  # the charset is only in the page's <meta> tag
        traditional(gov_page(charset="big5")).encode("big5hkscs"),
    ),
    "/plan-gbk.txt": (200, "text/plain; charset=GBK", PLAN.encode("gbk")),
    "/plan.docx": (
        200,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        docx_bytes(),
    ),
    "/plan.pdf": (200, "application/pdf", pdf_bytes()),
    "/links.html": (200, "text/html; charset=utf-8", navigation_page().encode()),
    "/empty.html": (200, "text/html", b""),
}


class Handler(http.server.BaseHTTPRequestHandler):
    """The test site. Each request is recorded on the server: path and user agent."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep the test output clean
        pass

    def do_GET(self):
        server = self.server
        server.requests.append((self.path, self.headers.get("User-Agent")))
        path = self.path
        if path in PAGES:
            self.reply(*PAGES[path])
        elif path == "/old-address":
            self.send_response(301)
            self.send_header("Location", "/plan.html")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/slow.html":
            time.sleep(SLOW)
            self.reply(*PAGES["/plan.html"])
        elif path == "/flaky.html":
            if server.requests.count((path, self.headers.get("User-Agent"))) == 1:
                self.reply(503, "text/plain", b"busy")
            else:
                self.reply(*PAGES["/plan.html"])
        elif path == "/busy.html":
            self.reply(503, "text/plain", b"busy")
        elif path == "/huge.html":
            self.reply(200, "text/html", b"<p>" + b"x" * 300_000 + b"</p>")
        elif path == "/endless.html":
            self.stream(b"<p>" + "很长的页面。".encode() * 1000, 1000)
        elif path == "/gzip.html":
            body = gzip.compress(PAGES["/plan.html"][2])
            self.reply(
                200, "text/html; charset=utf-8", body, {"Content-Encoding": "gzip"}
            )
        else:
            self.reply(404, "text/html", b"<h1>Not Found</h1>")

    def reply(self, status, content_type, body, headers=None):
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    def stream(self, chunk, count):
        """A body sent in chunks, without a Content-Length."""
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for _ in range(count):
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture(scope="module")
def server():
    """The test site on 127.0.0.1, on a free port."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def site(server, monkeypatch):
    """The base URL of the test site, with proxies off so requests stay on this machine."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    server.requests.clear()
    host, port = server.server_address
    return f"http://{host}:{port}"


@pytest.fixture
def corpus(tmp_path, monkeypatch):
    shutil.copytree(BUNDLED, tmp_path / "versions")
    monkeypatch.chdir(tmp_path)
    return Path("versions")


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def fetch(corpus, url, label="2020", **options):
    options.setdefault("timeout", 5)
    options.setdefault("backoff", 0)
    return fetch_version(BEIJING, label, url, corpus=corpus, **options)


def clause_texts(text):
    from policydiff.segment import segment

    return [c.text for c in segment(text, "x").clauses]


# ---------------------------------------------------------------------------- success


def test_fetch_a_page(site, server, corpus):
    url = f"{site}/plan.html"
    info = fetch(corpus, url, start=START)
    folder = corpus / BEIJING
    assert (info.url, info.source, info.http_status) == (url, url, 200)
    assert info.final_url is None
    assert info.content_type == "text/html; charset=utf-8"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", info.retrieved_at)
    assert (info.original_file, info.encoding, info.start) == (
        "2020.orig.html",
        "utf-8",
        START,
    )
    assert (folder / "2020.orig.html").read_bytes() == PAGES["/plan.html"][2]
    document = load_document(BEIJING, corpus=corpus)
    assert document.versions[-1] == info
    assert read_version(document, "2020").text == PLAN_TEXT
    assert [p.label for p in check_document(document)] == ["2015", "2017"]
    assert {c.type for c in compare(document, "2019", "2020").changes} == {"unchanged"}
    ((path, agent),) = server.requests
    assert (path, agent) == ("/plan.html", USER_AGENT)
    assert agent.startswith("policydiff/") and "(+research tool" in agent


def test_fetch_follows_a_redirect(site, corpus):
    info = fetch(corpus, f"{site}/old-address", start=START)
    assert info.url == f"{site}/old-address"
    assert info.final_url == f"{site}/plan.html"
    assert info.original_file == "2020.orig.html"


@pytest.mark.parametrize(
    "path,fmt",
    [
        ("/plan-gbk.txt", "txt"),
        ("/plan.docx", "docx"),
        ("/plan.pdf", "pdf"),
        ("/gzip.html", "html"),
    ],
)
def test_fetch_other_formats(site, corpus, path, fmt):
    info = fetch(corpus, site + path, start=START)
    assert info.original_file == f"2020.orig.{fmt}"
    text = read_version(load_document(BEIJING, corpus=corpus), "2020").text
    assert clause_texts(text) == clause_texts(PLAN)


def test_fetch_a_big5_page(site, corpus):
    info = fetch(corpus, f"{site}/big5.html", start=START, end=LAST_SENTENCE)
    assert (info.encoding, info.content_type) == ("big5hkscs", "text/html")
    document = load_document(BEIJING, corpus=corpus)
    text = read_version(document, "2020").text
    assert text == traditional(PLAN_TEXT)  # stored as published
    assert {c.type for c in compare(document, "2019", "2020").changes} == {"unchanged"}


def test_a_busy_server_is_tried_again(site, server, corpus):
    info = fetch(corpus, f"{site}/flaky.html", start=START, retries=1)
    assert info.http_status == 200
    assert [path for path, _ in server.requests] == ["/flaky.html"] * 2


# ---------------------------------------------------------------------------- failures


FAILURES = [
    (
        "/missing.html",
        {},
        "{site}/missing.html: HTTP 404 Not Found; check the URL",
    ),
    (
        "/slow.html",
        {"timeout": TIMEOUT, "retries": 1},
        (
            "{site}/slow.html: no answer within 0.5 s (2 tries); try again later, or"
            " raise --timeout"
        ),
    ),
    (
        "/busy.html",
        {"retries": 2},
        "{site}/busy.html: HTTP 503 Service Unavailable (3 tries); try again later",
    ),
    (
        "/huge.html",
        {"max_bytes": 100_000},
        (
            "{site}/huge.html: the response is larger than 100000 bytes; raise --max-size"
            " if it is right"
        ),
    ),
    (
        "/endless.html",
        {"max_bytes": 1024 * 1024},
        (
            "{site}/endless.html: the response is larger than 1 MB; raise --max-size if it"
            " is right"
        ),
    ),
    (
        "/links.html",
        {},
        (
            "{site}/links.html: no policy text in the page (only links, menus or short"
            " lines); check the URL, or mark the text with --start and --end"
        ),
    ),
    ("/empty.html", {}, "{site}/empty.html: response is empty"),
    (
        "/plan.html",
        {"start": "深化改革推进北京市服务业扩大开放综合试点工作方案"},
        (
            "{site}/plan.html: the start marker '深化改革推进北京市服务业扩大开放综合试点"
            "工作方案' does not start a line: no line starts with it (it occurs only"
            " inside a line); check --start"
        ),
    ),
    (
        "/plan.html",
        {"start": "二〇一七年方案"},
        (
            "{site}/plan.html: the start marker '二〇一七年方案' does not start a line: it"
            " is not in the text, which begins '中国政府网 首页 国务院 总理 新闻 政策 互动"
            " 服务 数据 国情 搜索 您现在'; check --start"
        ),
    ),
]


@pytest.mark.parametrize("path,options,message", FAILURES, ids=[f[0] for f in FAILURES])
def test_failures_leave_the_corpus_as_it_was(site, corpus, path, options, message):
    before = snapshot(corpus)
    with pytest.raises(PolicydiffError) as e:
        fetch(corpus, site + path, **options)
    assert str(e.value) == message.format(site=site)
    assert snapshot(corpus) == before


def test_the_timeout_is_bounded(site, server, corpus):
    started = time.monotonic()
    with pytest.raises(FetchError):
        download(f"{site}/slow.html", timeout=TIMEOUT, retries=0)
    # One try, cut off by the timeout long before the page would have answered.
    assert time.monotonic() - started < SLOW
    assert server.requests == [("/slow.html", USER_AGENT)]


@pytest.mark.parametrize(
    "url,message",
    [
        ("ftp://example.org/plan.txt", "ftp://example.org/plan.txt: not an http or"),
        ("plan.html", "plan.html: not an http or https URL"),
        (
            "http://127.0.0.1:1/plan.html",
            "http://127.0.0.1:1/plan.html: cannot connect",
        ),
    ],
)
def test_bad_addresses(corpus, site, url, message):
    before = snapshot(corpus)
    with pytest.raises(FetchError) as e:
        fetch(corpus, url, retries=0)
    assert str(e.value).startswith(message)
    assert snapshot(corpus) == before


def test_a_present_version_is_refused_before_downloading(site, server, corpus):
    before = snapshot(corpus)
    with pytest.raises(Exception) as e:
        fetch(corpus, f"{site}/plan.html", label="2019")
    assert "already has a text; use --replace" in str(e.value)
    assert server.requests == []
    assert snapshot(corpus) == before


@pytest.mark.parametrize("where", ["download", "write"])
def test_an_interrupted_fetch_leaves_the_corpus_as_it_was(
    site, corpus, monkeypatch, where
):
    before = snapshot(corpus)
    if where == "download":

        def interrupted(*args, **kwargs):
            raise KeyboardInterrupt

        monkeypatch.setattr(fetch_module, "download", interrupted)
    else:
        from policydiff import corpus as corpus_module

        write = corpus_module.atomic_write

        def interrupted(path, data):
            if path.name == "manifest.toml":
                raise KeyboardInterrupt
            write(path, data)

        monkeypatch.setattr(corpus_module, "atomic_write", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fetch(corpus, f"{site}/plan.html", start=START)
    assert snapshot(corpus) == before


# ---------------------------------------------------------------------------- missing


def set_urls(corpus: Path, urls: dict[str, str]) -> None:
    manifest = corpus / BEIJING / "manifest.toml"
    # The bundled manifest's own urls point outside this machine: replace them all.
    text = re.sub(
        r'^url = ".*"\n', "", manifest.read_text(encoding="utf-8"), flags=re.MULTILINE
    )
    for label, url in urls.items():
        text = text.replace(
            f'label = "{label}"\nstatus = "missing"\n',
            f'label = "{label}"\nstatus = "missing"\nurl = "{url}"\n',
        )
    manifest.write_text(text, encoding="utf-8")


def test_fetch_missing(site, corpus):
    set_urls(corpus, {"2015": f"{site}/plan.html", "2017": f"{site}/missing.html"})
    # The manifest's start marker for 2015 is the 2015 plan's title: not on this page.
    results = fetch_missing(BEIJING, corpus=corpus, backoff=0)
    assert [(r.label, r.info, r.error is not None) for r in results] == [
        ("2015", None, True),
        ("2017", None, True),
    ]
    assert "the start marker '北京市服务业扩大开放综合试点总体方案'" in results[0].error
    assert "this start marker is the one the manifest records" in results[0].error
    assert results[1].error == f"{site}/missing.html: HTTP 404 Not Found; check the URL"


def test_cli_fetch_missing(site, corpus):
    manifest = corpus / BEIJING / "manifest.toml"
    set_urls(corpus, {"2015": f"{site}/plan.html", "2017": f"{site}/missing.html"})
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace(
            'start = "北京市服务业扩大开放综合试点总体方案"', f'start = "{START}"'
        ),
        encoding="utf-8",
    )
    before = snapshot(corpus / BEIJING)
    result = CliRunner().invoke(
        cli, ["fetch", BEIJING, "--missing", "--retries", "0", "--corpus", str(corpus)]
    )
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"Fetched version 2015 from {site}/plan.html"
    assert f"  url: {site}/plan.html" in lines
    assert "  http_status: 200" in lines
    assert lines[-1] == (
        f"Version 2017 not fetched: {site}/missing.html: HTTP 404 Not Found;"
        " check the URL"
    )
    assert result.stderr.splitlines() == [
        f"Fetching {site}/plan.html",
        f"Fetching {site}/missing.html",
        "Error: 1 of 2 missing versions not fetched; see above",
    ]
    after = snapshot(corpus / BEIJING)
    assert {name for name in after if after[name] != before.get(name)} == {
        "2015.txt",
        "2015.orig.html",
        "manifest.toml",
    }
    check = CliRunner().invoke(cli, ["check", BEIJING, "--corpus", str(corpus)])
    assert check.exit_code == 0, check.output
    assert f"  2015  ok, source: {site}/plan.html" in check.stdout
    fetched = [line for line in check.stdout.splitlines() if "fetched" in line]
    assert re.fullmatch(
        rf"        fetched \S+Z from {re.escape(site)}/plan.html: 200,"
        r" text/html; charset=utf-8",
        fetched[0],
    )
    assert re.search(
        r"original 2015\.orig\.html, sha256 [0-9a-f]{12}… checked \(utf-8, from '北京",
        check.stdout,
    )
    assert (
        "  2017  warning: text missing; fetch it with policydiff fetch" in check.stdout
    )


def test_cli_fetch_one_version(site, corpus):
    result = CliRunner().invoke(
        cli,
        [
            "fetch",
            BEIJING,
            "2020",
            f"{site}/old-address",
            "--start",
            START,
            "--date",
            "2020-01-01",
            "--quiet",
            "--corpus",
            str(corpus),
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"Fetched version 2020 of {BEIJING}: {corpus / BEIJING / '2020.txt'}"
    )
    assert f"  final_url: {site}/plan.html" in lines
    assert "  original_file: 2020.orig.html" in lines
    assert result.stderr == ""


@pytest.mark.parametrize(
    "args,message",
    [
        (
            [BEIJING],
            "Error: give LABEL (and URL, unless the manifest records one), or --missing",
        ),
        (
            [BEIJING, "2015", "--missing"],
            "Error: give either LABEL (and URL) or --missing, not both",
        ),
        (
            [BEIJING, "--missing", "--start", "x"],
            "Error: --start, --end, --source and --title apply to one version; with --missing they come from the manifest",
        ),
    ],
)
def test_cli_fetch_usage(corpus, args, message):
    result = CliRunner().invoke(
        cli, ["fetch", *args, "--corpus", str(corpus)], prog_name="policydiff"
    )
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"{message}; see policydiff fetch --help"]


def test_cli_fetch_error_is_one_line(site, corpus):
    before = snapshot(corpus)
    result = CliRunner().invoke(
        cli,
        [
            "fetch",
            BEIJING,
            "2015",
            f"{site}/slow.html",
            "--timeout",
            str(TIMEOUT),
            "--retries",
            "0",
            "--corpus",
            str(corpus),
        ],
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Fetching {site}/slow.html",
        (
            f"Error: {site}/slow.html: no answer within 0.5 s (1 try); try again later,"
            " or raise --timeout"
        ),
    ]
    assert snapshot(corpus) == before


def test_version_without_url(corpus):
    with pytest.raises(FetchError) as e:
        fetch_version(BEIJING, "2017", corpus=corpus)
    assert str(e.value) == (
        "version 2017 of beijing-services-pilot has no url in its manifest entry;"
        " give it: policydiff fetch beijing-services-pilot 2017 URL"
    )

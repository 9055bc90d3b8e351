"""Fetch a version's text from the web, with its provenance.

:func:`download` gets one URL with a timeout, retries, a size limit and an honest user
agent (the standard library's urllib, so the user's proxy settings apply). :func:`fetch_version`
downloads, imports (:mod:`policydiff.importers`) and stores the text with the URL, the
time, the HTTP status, the content type and both checksums in the manifest. Nothing in the
corpus changes until the whole body is in memory and imported, so a failed or interrupted
download leaves it as it was.
"""

from __future__ import annotations

import datetime
import time
import urllib.parse
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath

from .corpus import (
    DEFAULT_CORPUS,
    load_document,
    markers_from_manifest,
    plan_version,
    store_version,
)
from .errors import FetchError, PolicydiffError
from .importers import import_bytes
from .model import VersionInfo

try:
    __version__ = version("policydiff")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0"

USER_AGENT = f"policydiff/{__version__} (+research tool; policy text versions)"
#: Seconds to wait for the server to connect or send more of the response.
TIMEOUT = 30.0
#: Tries after the first one, for timeouts, lost connections and 5xx answers.
RETRIES = 2
#: Seconds before the first retry; each later one waits twice as long.
BACKOFF = 1.0
#: The largest response body accepted, in bytes.
MAX_BYTES = 50 * 1024 * 1024
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
CHUNK = 64 * 1024
TIMEOUT_HINT = "try again later, or raise --timeout"
CONNECT_HINT = "check the URL and the network connection"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Download:
    """A response body with what the server said about it.

    :param url: the URL asked for; ``final_url`` is where redirects led.
    :param retrieved_at: when the body was received, UTC, ISO 8601 (``…Z``).
    """

    url: str
    final_url: str
    status: int
    content_type: str | None
    data: bytes
    retrieved_at: str

    @property
    def name(self) -> str:
        """The last part of the final URL's path, to tell the format by."""
        return PurePosixPath(urllib.parse.urlsplit(self.final_url).path).name


class _Retry(Exception):
    """A failure worth another try, with what to say and do if none succeeds."""

    def __init__(self, message: str, hint: str = "try again later"):
        super().__init__(message)
        self.message = message
        self.hint = hint


def download(
    url: str,
    *,
    timeout: float = TIMEOUT,
    retries: int = RETRIES,
    max_bytes: int = MAX_BYTES,
    backoff: float = BACKOFF,
    user_agent: str = USER_AGENT,
    progress: Progress | None = None,
) -> Download:
    """Download ``url`` (http or https), following redirects.

    Timeouts, lost connections and HTTP 408, 429 and 5xx answers are tried again up to
    ``retries`` times, waiting ``backoff`` seconds, then twice that, and so on. Other HTTP
    errors, a body larger than ``max_bytes`` and a bad URL raise :class:`FetchError` at once.
    """
    _check_url(url)
    tries = retries + 1
    for attempt in range(tries):
        try:
            return _get(url, timeout, max_bytes, user_agent)
        except _Retry as e:
            if attempt + 1 == tries:
                count = "1 try" if tries == 1 else f"{tries} tries"
                raise FetchError(f"{e.message} ({count}); {e.hint}") from None
            if progress:
                progress(f"{e.message}; trying again")
            time.sleep(backoff * 2**attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _check_url(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise FetchError(
            f"{url}: not an http or https URL; give the full address of the page"
        )


def _get(url: str, timeout: float, max_bytes: int, user_agent: str) -> Download:
    # Imported here: the HTTP client costs start-up time that only `fetch` should pay.
    import http.client
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        url, headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, identity"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = _read_body(url, response, max_bytes, timeout)
            status = response.status
            final_url = response.geturl()
            content_type = response.headers.get("Content-Type")
    except urllib.error.HTTPError as e:
        _raise_http_error(url, e.code, e.reason)
    except TimeoutError:
        raise _Retry(f"{url}: no answer within {timeout:g} s", TIMEOUT_HINT) from None
    except urllib.error.URLError as e:
        if isinstance(e.reason, TimeoutError):
            raise _Retry(
                f"{url}: no answer within {timeout:g} s", TIMEOUT_HINT
            ) from None
        raise _Retry(f"{url}: cannot connect ({e.reason})", CONNECT_HINT) from None
    except (http.client.HTTPException, ConnectionError) as e:
        raise _Retry(f"{url}: the connection broke ({type(e).__name__})") from None
    return Download(
        url=url,
        final_url=final_url,
        status=status,
        content_type=content_type,
        data=data,
        retrieved_at=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def _raise_http_error(url: str, code: int, reason: str) -> None:
    message = f"{url}: HTTP {code} {reason}".rstrip()
    if code in RETRY_STATUSES:
        raise _Retry(message) from None
    hint = {
        404: "check the URL",
        410: "the page is gone; look for another copy",
        401: "the page needs a login; save it from a browser and use policydiff add",
        403: "the server refused; save the page from a browser and use policydiff add",
    }.get(code, "check the URL")
    raise FetchError(f"{message}; {hint}") from None


def _read_body(url: str, response, max_bytes: int, timeout: float) -> bytes:
    """Read the body, refusing one larger than ``max_bytes`` before reading it all."""
    too_large = FetchError(
        f"{url}: the response is larger than {_size(max_bytes)}; raise --max-size"
        " if it is right"
    )
    length = response.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise too_large
    chunks, size = [], 0
    while chunk := response.read(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise too_large
        chunks.append(chunk)
    data = b"".join(chunks)
    if (response.headers.get("Content-Encoding") or "").lower() == "gzip":
        data = _gunzip(data, max_bytes, too_large, url)
    return data


def _gunzip(data: bytes, max_bytes: int, too_large: FetchError, url: str) -> bytes:
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = decompressor.decompress(data, max_bytes + 1)
    except zlib.error:
        raise FetchError(f"{url}: the gzip-compressed response is damaged") from None
    if len(data) > max_bytes:
        raise too_large
    return data


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:g} MB" if n >= 1024 * 1024 else f"{n} bytes"


# ---------------------------------------------------------------------------- fetching


def fetch_version(
    document: str | Path,
    label: str,
    url: str | None = None,
    *,
    corpus: str | Path = DEFAULT_CORPUS,
    date: str | None = None,
    source: str | None = None,
    title: str | None = None,
    doc_number: str | None = None,
    issuer: str | None = None,
    replace: bool = False,
    format: str | None = None,
    encoding: str | None = None,
    start: str | None = None,
    end: str | None = None,
    timeout: float = TIMEOUT,
    retries: int = RETRIES,
    max_bytes: int = MAX_BYTES,
    backoff: float = BACKOFF,
    progress: Progress | None = None,
) -> VersionInfo:
    """Download a version's text, import it and store it with its provenance.

    Everything that can be checked is checked before the download (the label, the date,
    that the version has no text unless ``replace``). Without ``url``, ``start`` and
    ``end``, those the manifest records for the version are used. The manifest records
    the URL, the final URL after redirects, the retrieval time, the HTTP status, the
    content type and the checksums of the stored text and of the original; ``source``
    defaults to the URL.
    """
    plan = plan_version(document, label, corpus=corpus, date=date, replace=replace)
    old = plan.old
    url = url or (old.url if old else None)
    if not url:
        raise FetchError(
            f"version {label} of {plan.slug} has no url in its manifest entry;"
            f" give it: policydiff fetch {plan.slug} {label} URL"
        )
    _check_url(url)
    if progress:
        progress(f"Fetching {url}")
    got = download(
        url,
        timeout=timeout,
        retries=retries,
        max_bytes=max_bytes,
        backoff=backoff,
        progress=progress,
    )
    with markers_from_manifest(plan, start, end) as markers:
        imported = import_bytes(
            got.data,
            name=got.name,
            content_type=got.content_type,
            where=url,
            kind="response",
            format=format,
            encoding=encoding,
            start=markers[0],
            end=markers[1],
        )
    return store_version(
        plan,
        imported,
        date=date,
        source=source or url,
        title=title,
        doc_number=doc_number,
        issuer=issuer,
        url=url,
        final_url=got.final_url if got.final_url != url else None,
        retrieved_at=got.retrieved_at,
        http_status=got.status,
        content_type=got.content_type,
    )


@dataclass(frozen=True)
class FetchResult:
    """What happened to one missing version: its new entry, or the error."""

    label: str
    url: str | None
    info: VersionInfo | None = None
    error: str | None = None


def fetch_missing(
    document: str | Path,
    *,
    corpus: str | Path = DEFAULT_CORPUS,
    progress: Progress | None = None,
    **options,
) -> list[FetchResult]:
    """Fetch every missing version of a document whose manifest entry has a url.

    A failure is recorded and the next version is fetched; a version without a url is
    reported as an error too. ``options`` are those of :func:`fetch_version`.
    """
    doc = load_document(document, corpus)
    results = []
    for info in doc.versions:
        if info.status != "missing":
            continue
        if not info.url:
            results.append(
                FetchResult(
                    info.label,
                    None,
                    error=f"version {info.label} has no url in {doc.manifest}; add"
                    f' url = "…" there, or run policydiff fetch {doc.slug}'
                    f" {info.label} URL",
                )
            )
            continue
        try:
            fetched = fetch_version(
                doc.path, info.label, corpus=corpus, progress=progress, **options
            )
        except PolicydiffError as e:
            results.append(FetchResult(info.label, info.url, error=str(e)))
        else:
            results.append(FetchResult(info.label, info.url, info=fetched))
    return results


__all__ = [
    "USER_AGENT",
    "Download",
    "FetchResult",
    "download",
    "fetch_missing",
    "fetch_version",
]

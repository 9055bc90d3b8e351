"""Benchmark policydiff's compare (segment + align + every link's diff) against whole-text diffs.

Run by hand, never by pytest (see benchmarks/README.md):

    python benchmarks/bench_diff.py [--skip-slow CHARS] [--no-cli] [--no-scaling]

1. For every consecutive pair of versions in ../shared/corpora/<law>/ (file-name order):
   the in-process time of ``compare_texts`` (best of 3, after a warm-up), its peak traced
   memory (tracemalloc), and the ``policydiff diff FOLDER --from A --to B --format json``
   CLI timed end to end in a fresh process (best of 3, its modules byte-compiled as an
   install leaves them) with that process's peak RSS.
2. The same pairs diffed as whole texts: pure ``diff_match_patch.diff_main`` (Diff_Timeout=0,
   run once: about a minute or more on food-safety-law 2009→2015) and
   ``fast_diff_match_patch.diff`` (timelimit=0, run once), each with its semantic cleanup,
   and the ratios to ours.
3. How ``align()`` grows on SYNTHETIC law texts of N articles built from real ones.

Timings vary with the machine and its load: the header prints both. Tests never assert them.
"""

from __future__ import annotations

import argparse
import compileall
import datetime
import itertools
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import policydiff
from policydiff.align import align
from policydiff.compare import compare_texts
from policydiff.segment import segment

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
PACKAGES = (
    "policydiff",
    "diff-match-patch",
    "fast-diff-match-patch",
    "rjieba",
    "jieba",
    "opencc",
    "click",
)
TARGET_PAIR = ("food-safety-law", "2009", "2015")
TARGET_IN_PROCESS_S = 0.5
TARGET_MEMORY_MB = 150
TARGET_VS_PURE = 100
TARGET_VS_FAST = 2
SIZES = (500, 1000, 2000, 5000)


# ---------------------------------------------------------------------------- measuring


def best_of(n: int, run: Callable[..., object], *args: object) -> float:
    """The shortest wall time of ``n`` runs, in seconds."""
    times = []
    for _ in range(n):
        start = time.perf_counter()
        run(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def traced_peak_mb(run: Callable[..., object], *args: object) -> float:
    """Peak memory that Python's allocator traced during ``run`` (native buffers of
    rjieba, OpenCC or fast-diff-match-patch are not traced: see the CLI's RSS for those).
    """
    tracemalloc.start()
    try:
        run(*args)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def cli_command() -> list[str] | None:
    """The policydiff CLI, when it is installed and runs.

    Its modules are byte-compiled first, as ``pip install`` does for a regular install: with
    PYTHONDONTWRITEBYTECODE set (as on the development machine) every run would otherwise
    compile them again, a cost no installed user pays."""
    compileall.compile_dir(Path(policydiff.__file__).parent, quiet=1)
    found = shutil.which("policydiff")
    command = [found] if found else [sys.executable, "-m", "policydiff"]
    try:
        done = subprocess.run(
            [*command, "--version"], check=False, capture_output=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return command if done.returncode == 0 else None


def run_cli(
    command: list[str], folder: Path, old: str, new: str
) -> tuple[float, float]:
    """Run ``policydiff diff`` once: (wall seconds, peak RSS of that process in MB)."""
    args = [
        *command,
        "diff",
        str(folder),
        "--from",
        old,
        "--to",
        new,
        "--format",
        "json",
    ]
    start = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    error = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
    if process.returncode != 0:
        raise RuntimeError(
            f"{' '.join(args)} exited {process.returncode}: {error.strip()}"
        )
    return seconds, usage.ru_maxrss / 1024  # Linux reports KiB


def pure_whole_text(old: str, new: str) -> None:
    import diff_match_patch

    dmp = diff_match_patch.diff_match_patch()
    dmp.Diff_Timeout = 0
    dmp.diff_cleanupSemantic(dmp.diff_main(old, new))


def fast_whole_text(old: str, new: str) -> None:
    import fast_diff_match_patch

    fast_diff_match_patch.diff(
        old, new, timelimit=0, cleanup="Semantic", counts_only=False
    )


# ---------------------------------------------------------------------------- corpora


def pairs(corpora: Path) -> list[tuple[Path, Path, Path]]:
    """Every (law folder, old file, new file) of consecutive versions, in file-name order."""
    found = []
    for law in sorted(p for p in corpora.iterdir() if p.is_dir()):
        files = sorted(law.glob("*.txt"))
        found += [(law, a, b) for a, b in itertools.pairwise(files)]
    return found


# ---------------------------------------------------------------------------- scaling

REWORDINGS = (
    ("应当", "必须"),
    ("国务院", "国家"),
    ("县级以上", "设区的市级以上"),
    ("可以", "应当"),
)


def article_pool(corpora: Path) -> list[str]:
    """The bodies (numbering left out) of every distinct real article in the corpora."""
    seen, bodies = set(), []
    for path in sorted(corpora.glob("*/*.txt")):
        for clause in segment(path.read_text(encoding="utf-8"), "x").clauses:
            if clause.kind == "article" and clause.key not in seen:
                seen.add(clause.key)
                body = re.sub(r"^第\S+?条[\s\u3000]*", "", clause.text)
                # One line per article: hard wraps and layout go, the words stay.
                bodies.append(re.sub(r"[\s\u3000]+", "", body))
    return bodies


def synthetic_pair(pool: list[str], n: int, seed: int = 0) -> tuple[str, str, int]:
    """SYNTHETIC: an old law text of ``n`` real articles (renumbered 第1条…第n条, 20 to a
    chapter) and a revision of it: 10 % reworded, 3 % deleted, 3 % moved to another chapter,
    3 % added (built from two other articles' sentences), renumbered again.

    Past the pool's size articles repeat, each copy tagged with a sentence of its own, so
    large N carries near-duplicates a real law would not have. Returns the texts and how
    many times the pool was gone through.
    """
    rng = random.Random(seed)
    order = pool[:]
    rng.shuffle(order)
    articles = []
    for k in range(n):
        body = order[k % len(order)]
        if k >= len(order):
            body += f"本条第{k // len(order) + 1}次适用于第{k}号合成试点区域。"
        articles.append(body)
    chapters = [articles[i : i + 20] for i in range(0, n, 20)]
    old_text = _law_text(chapters)
    revised: list[list[str]] = []
    for chapter in chapters:
        kept = []
        for body in chapter:
            roll = rng.random()
            if roll < 0.03:
                continue  # deleted
            if roll < 0.13:
                for word, new_word in REWORDINGS:
                    body = body.replace(word, new_word)
                body += "具体办法由国务院另行规定。"
            kept.append(body)
        revised.append(kept)
    for _ in range(round(n * 0.03)):
        source = rng.choice([c for c in revised if len(c) > 1])
        body = source.pop(rng.randrange(len(source)))
        target = rng.choice(revised)
        target.insert(rng.randrange(len(target) + 1), body)
    for _ in range(round(n * 0.03)):
        a, b = rng.sample(pool, 2)
        body = _first_sentence(a) + _first_sentence(b)
        target = rng.choice(revised)
        target.insert(rng.randrange(len(target) + 1), body)
    return old_text, _law_text(revised), -(-n // len(pool))


def _first_sentence(text: str) -> str:
    return re.match(r"[^。]*。?", text).group()


def _law_text(chapters: list[list[str]]) -> str:
    lines, number = ["合成法律文本（SYNTHETIC，仅供基准测试）"], 0
    for c, chapter in enumerate(chapters, 1):
        lines.append(f"第{c}章 第{c}组条文")
        for body in chapter:
            number += 1
            lines.append(f"第{number}条 {body}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- printing


def header() -> None:
    print("# policydiff diff benchmark")
    print(f"date      {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"platform  {platform.platform()}")
    print(f"cpu       {cpu_model()}, {os.cpu_count()} logical CPUs")
    print(f"load      {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
    print(f"python    {platform.python_implementation()} {platform.python_version()}")
    print(f"code      {policydiff_source()}")
    for package in PACKAGES:
        try:
            print(f"{package:9} {version(package)}")
        except PackageNotFoundError:
            print(f"{package:9} not installed")
    print()


def policydiff_source() -> str:
    """Where the imported policydiff comes from, with its git commit when there is one."""
    folder = Path(policydiff.__file__).resolve().parent
    git = ["git", "-C", str(folder)]
    try:
        commit = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "--", "."],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return f"{folder} (not a git checkout)"
    return f"{folder} at {commit}{' with uncommitted changes' if dirty else ''}"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def ratio(theirs: float | None, ours: float | None) -> str:
    return "-" if theirs is None or ours is None else f"{theirs / ours:.1f}×"


def mark(ok: bool | None) -> str:
    return "-" if ok is None else "ok" if ok else "MISSED"


def table(rows: list[list[str]], titles: list[str]) -> None:
    widths = [max(len(r[i]) for r in [titles, *rows]) for i in range(len(titles))]
    for row in [titles, ["-" * w for w in widths], *rows]:
        cells = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths))
        ]
        print("  ".join(cells), flush=True)


# ---------------------------------------------------------------------------- sections


def bench_pairs(options: argparse.Namespace) -> dict[tuple[str, str, str], dict]:
    command = None if options.no_cli else cli_command()
    results: dict[tuple[str, str, str], dict] = {}
    print("## 1. policydiff: compare_texts in process, and the CLI end to end\n")
    if options.no_cli:
        print("CLI: skipped (--no-cli).\n")
    elif command is None:
        print("CLI: skipped, `policydiff --version` does not run here.\n")
    rows = []
    for law, a, b in pairs(options.corpora):
        old, new = a.read_text(encoding="utf-8"), b.read_text(encoding="utf-8")
        compare_texts(old, new, a.stem, b.stem)  # warm up: rjieba's dictionary, OpenCC
        ours = best_of(options.repeat, compare_texts, old, new, a.stem, b.stem)
        traced = traced_peak_mb(compare_texts, old, new, a.stem, b.stem)
        comparison = compare_texts(old, new, a.stem, b.stem)
        clauses = (
            len(comparison.alignment.old.clauses),
            len(comparison.alignment.new.clauses),
        )
        result = {"old": old, "new": new, "ours": ours, "traced": traced, "law": law}
        cli_s = cli_rss = None
        if command:
            runs = [
                run_cli(command, law, a.stem, b.stem) for _ in range(options.repeat)
            ]
            cli_s, cli_rss = min(r[0] for r in runs), max(r[1] for r in runs)
        result.update(cli=cli_s, rss=cli_rss)
        results[(law.name, a.stem, b.stem)] = result
        rows.append(
            [
                f"{law.name} {a.stem}→{b.stem}",
                f"{len(old):,}→{len(new):,}",
                f"{clauses[0]}→{clauses[1]}",
                f"{ours:.3f}",
                mark(ours < TARGET_IN_PROCESS_S),
                f"{traced:.1f}",
                "-" if cli_s is None else f"{cli_s:.3f}",
                "-" if cli_rss is None else f"{cli_rss:.0f}",
                (
                    "-"
                    if cli_rss is None
                    else mark(max(cli_rss, traced) < TARGET_MEMORY_MB)
                ),
            ]
        )
    titles = ["pair", "chars", "clauses", "in-proc s", "<0.5 s", "traced MB"]
    titles += ["CLI s", "CLI RSS MB", "<150 MB"]
    table(rows, titles)
    print(
        f"\nin-proc s: best of {options.repeat} after a warm-up; traced MB: tracemalloc peak"
        " of one run; CLI s: best of"
        f" {options.repeat}, a fresh process each (interpreter start and imports included);"
        " CLI RSS MB: that process's peak resident memory (ru_maxrss).\n"
    )
    return results


def bench_whole_text(results: dict, options: argparse.Namespace) -> None:
    print("## 2. The same pairs as whole-text diffs (each run once)\n")
    rows = []
    titles = [
        "pair",
        "fast s",
        "pure s",
        "fast/in-proc",
        "pure/in-proc",
        "fast/CLI",
        "pure/CLI",
    ]
    for (law, a, b), r in results.items():
        fast = best_of(1, fast_whole_text, r["old"], r["new"])
        size = len(r["old"]) + len(r["new"])
        pure = None
        if options.skip_slow is None or size <= options.skip_slow:
            pure = best_of(1, pure_whole_text, r["old"], r["new"])
        r.update(fast=fast, pure=pure)

        rows.append(
            [
                f"{law} {a}→{b}",
                f"{fast:.3f}",
                "skipped" if pure is None else f"{pure:.2f}",
                ratio(fast, r["ours"]),
                ratio(pure, r["ours"]),
                ratio(fast, r["cli"]),
                ratio(pure, r["cli"]),
            ]
        )
        print(
            f"  {law} {a}→{b}: fast {fast:.3f} s, pure {pure and round(pure, 2)} s",
            file=sys.stderr,
            flush=True,
        )
    table(rows, titles)
    print(
        "\npure: diff_match_patch.diff_main(old, new) with Diff_Timeout=0, then"
        " diff_cleanupSemantic; fast: fast_diff_match_patch.diff(old, new, timelimit=0,"
        ' cleanup="Semantic"). Ratios above 1 mean policydiff is faster.'
    )
    if options.skip_slow is not None:
        print(
            f"--skip-slow {options.skip_slow}: pure skipped where old+new > that many chars."
        )
    print()


def targets(results: dict) -> None:
    print("## Targets (food-safety-law 2009→2015)\n")
    r = results.get(TARGET_PAIR)
    if r is None:
        print("food-safety-law 2009→2015 is not in the corpora: no targets checked.\n")
        return
    lines = [
        (
            f"in-process < {TARGET_IN_PROCESS_S} s",
            f"{r['ours']:.3f} s",
            r["ours"] < TARGET_IN_PROCESS_S,
        ),
        (
            f"peak traced memory < {TARGET_MEMORY_MB} MB",
            f"{r['traced']:.1f} MB",
            r["traced"] < TARGET_MEMORY_MB,
        ),
    ]
    if r["rss"] is not None:
        lines.append(
            (
                f"CLI peak RSS < {TARGET_MEMORY_MB} MB",
                f"{r['rss']:.0f} MB",
                r["rss"] < TARGET_MEMORY_MB,
            )
        )
    if r["cli"] is not None and r.get("pure") is not None:
        speedup = r["pure"] / r["cli"]
        lines.append(
            (
                f"CLI ≥ {TARGET_VS_PURE}× faster than pure whole-text",
                f"{speedup:.0f}×",
                speedup >= TARGET_VS_PURE,
            )
        )
    else:
        lines.append(
            (f"CLI ≥ {TARGET_VS_PURE}× faster than pure whole-text", "not run", None)
        )
    if r["cli"] is not None and r.get("fast") is not None:
        speedup = r["fast"] / r["cli"]
        lines.append(
            (
                f"CLI ≥ {TARGET_VS_FAST}× faster than fast whole-text",
                f"{speedup:.2f}×",
                speedup >= TARGET_VS_FAST,
            )
        )
    table(
        [[name, value, mark(ok)] for name, value, ok in lines],
        ["target", "measured", ""],
    )
    print()


def bench_scaling(options: argparse.Namespace) -> None:
    print("## 3. align() on SYNTHETIC law texts of N articles\n")
    pool = article_pool(options.corpora)
    rows = []
    for n in options.sizes:
        old_text, new_text, passes = synthetic_pair(pool, n, options.seed)
        old, new = segment(old_text, "old"), segment(new_text, "new")
        repeat = options.repeat if n <= 1000 else 1
        seconds = best_of(repeat, align, old, new)
        rows.append(
            [
                f"{n:,}",
                f"{len(old.clauses):,}→{len(new.clauses):,}",
                f"{passes}",
                f"{seconds:.3f}",
                f"{seconds / n * 1e3:.3f}",
                f"{seconds / n / n * 1e6:.3f}",
            ]
        )
        print(f"  N={n}: {seconds:.2f} s", file=sys.stderr, flush=True)
    table(rows, ["N", "clauses", "pool passes", "align s", "ms / N", "µs / N²"])
    print(
        f"\nThe pool holds {len(pool)} distinct real article texts, many of them versions of the"
        " same article (so near-duplicates are there from the start); past the pool they"
        " repeat (pool passes), each copy tagged. Flat ms / N means linear"
        " growth; flat µs / N² means quadratic. Best of"
        f" {options.repeat} up to N = 1,000, one run above."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpora", type=Path, default=CORPORA, help="folder of law folders"
    )
    parser.add_argument(
        "--skip-slow",
        type=int,
        metavar="CHARS",
        help="skip the pure whole-text diff of pairs longer than CHARS (old + new)",
    )
    parser.add_argument("--no-cli", action="store_true", help="do not run the CLI")
    parser.add_argument(
        "--no-scaling", action="store_true", help="skip the scaling section"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs to take the best of"
    )
    parser.add_argument(
        "--sizes",
        type=lambda s: tuple(int(x) for x in s.split(",")),
        default=SIZES,
        help="comma-separated N for the scaling section",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the synthetic texts"
    )
    options = parser.parse_args(argv)
    header()
    results = bench_pairs(options)
    bench_whole_text(results, options)
    targets(results)
    if not options.no_scaling:
        bench_scaling(options)
    return 0


if __name__ == "__main__":
    sys.exit(main())

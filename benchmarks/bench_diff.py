"""Benchmark the full diff (segment + align + every pair's diff) against whole-text diffs.

Run by hand, never by pytest:  python benchmarks/bench_diff.py [--pure] [--cli]

For every consecutive pair of versions in ../shared/corpora it prints the in-process time
(best of 3) and peak traced memory of policydiff's compare, the time of a whole-text diff
with fast-diff-match-patch, and with --pure the time of the pure diff_match_patch diff_main
(minutes on the largest pair), with the ratios. Then how align() grows on SYNTHETIC pairs of
N clauses built from real articles.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import subprocess
import sys
import time
import tracemalloc
from importlib.metadata import version
from pathlib import Path

from policydiff.align import align
from policydiff.compare import compare_texts
from policydiff.segment import segment

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def best_of(n: int, run) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_memory(run) -> float:
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def fast_whole(old: str, new: str) -> None:
    import fast_diff_match_patch

    fast_diff_match_patch.diff(
        old, new, timelimit=0, checklines=False, cleanup="Semantic", counts_only=False
    )


def pure_whole(old: str, new: str) -> None:
    import diff_match_patch

    dmp = diff_match_patch.diff_match_patch()
    dmp.Diff_Timeout = 0
    dmp.diff_cleanupSemantic(dmp.diff_main(old, new))


def cli_time(folder: Path, old: str, new: str) -> float:
    command = [
        "policydiff",
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
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def pairs():
    for law in sorted(p for p in CORPORA.iterdir() if p.is_dir()):
        files = sorted(law.glob("*.txt"))
        for a, b in zip(files, files[1:]):
            yield law, a, b


def synthetic_pair(n: int, seed: int = 7) -> tuple[str, str]:
    """SYNTHETIC: n real articles renumbered 第1条…, and a revision that rewords, moves,
    deletes and adds some of them."""
    bodies = []
    for path in sorted(CORPORA.glob("*/*.txt")):
        for clause in segment(path.read_text(encoding="utf-8"), "x").clauses:
            if clause.kind == "article":
                bodies.append(clause.text.split(None, 1)[-1])
    rng = random.Random(seed)
    old = [
        bodies[k % len(bodies)] + ("" if k < len(bodies) else f"（第{k}项）")
        for k in range(n)
    ]
    new = []
    for body in old:
        roll = rng.random()
        if roll < 0.05:
            continue
        if roll < 0.25:
            body = body.replace("应当", "必须", 1) + "具体办法另行规定。"
        new.append(body)
    for _ in range(n // 50):
        new.insert(rng.randrange(len(new)), new.pop(rng.randrange(len(new))))

    def text(items):
        return "\n".join(f"第{k}条 {body}" for k, body in enumerate(items, 1))

    return text(old), text(new)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pure", action="store_true", help="also time pure diff_main")
    parser.add_argument(
        "--cli", action="store_true", help="also time the CLI end to end"
    )
    options = parser.parse_args()
    print(
        f"{platform.platform()}  Python {platform.python_version()}  {os.cpu_count()} cores"
    )
    print(
        "  ".join(
            f"{p} {version(p)}"
            for p in ("diff-match-patch", "fast-diff-match-patch", "rjieba")
        )
    )
    print("\nTargets: food 2009→2015 CLI ≥100× pure whole-text, ≥2× fast whole-text;")
    print("in-process < 0.5 s; peak memory < 150 MB.\n")
    header = f"{'pair':42} {'ours s':>7} {'MB':>6} {'fast s':>7} {'fast/ours':>9}"
    header += f" {'pure s':>8} {'pure/ours':>9}" if options.pure else ""
    header += f" {'cli s':>6}" if options.cli else ""
    print(header)
    for law, a, b in pairs():
        old, new = a.read_text(encoding="utf-8"), b.read_text(encoding="utf-8")
        compare_texts(old, new)  # warm up (rjieba's dictionary, OpenCC)
        ours = best_of(3, lambda: compare_texts(old, new, a.stem, b.stem))
        memory = peak_memory(lambda: compare_texts(old, new, a.stem, b.stem))
        fast = best_of(1, lambda: fast_whole(old, new))
        line = f"{law.name[:22] + ' ' + a.stem + '→' + b.stem:42} {ours:7.3f} {memory:6.1f}"
        line += f" {fast:7.2f} {fast / ours:8.1f}×"
        if options.pure:
            pure = best_of(1, lambda: pure_whole(old, new))
            line += f" {pure:8.1f} {pure / ours:8.0f}×"
        if options.cli:
            line += f" {cli_time(law, a.stem, b.stem):6.2f}"
        print(line, flush=True)
    print("\nScaling of align() on SYNTHETIC pairs (time / N should stay near flat):")
    print(f"{'N':>6} {'align s':>8} {'µs per clause':>14} {'ns per N²':>10}")
    for n in (500, 1000, 2000, 5000):
        old_text, new_text = synthetic_pair(n)
        old_tree, new_tree = segment(old_text, "a"), segment(new_text, "b")
        seconds = best_of(1, lambda: align(old_tree, new_tree))
        print(
            f"{n:6} {seconds:8.2f} {seconds / n * 1e6:14.0f} {seconds / n / n * 1e9:10.1f}",
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main())

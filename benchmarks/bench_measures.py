"""Precision and recall of each change class on the hand-labelled measure pairs.

    python benchmarks/bench_measures.py [--verbose]

Reads tests/data/measures/labelled.csv (texts resolved from ../shared/corpora and the 2019
plan), classifies every pair with policydiff.classify, and prints, per class, precision,
recall and the counts behind them; strength also as direction accuracy. --verbose lists
every disagreement. Run by hand; never collected by pytest.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from labelled_measures import load_pairs, matched, parameter_rows

from policydiff.classify import classify


def ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "  -  "


def main(verbose: bool = False) -> None:
    pairs = load_pairs()
    tp: Counter = Counter()
    fp: Counter = Counter()
    fn: Counter = Counter()
    strength_right = 0
    problems = []
    for pair in pairs:
        got = classify(pair.old, pair.new)
        if got.strength == pair.strength:
            strength_right += 1
        else:
            problems.append(f"{pair.id} strength: {got.strength} ≠ {pair.strength}")
        for label in ("strengthened", "weakened", "mixed"):
            _count(
                tp,
                fp,
                fn,
                f"strength={label}",
                got.strength == label,
                pair.strength == label,
            )
        for label in ("loosened", "tightened"):
            _count(
                tp,
                fp,
                fn,
                f"restriction={label}",
                got.restriction == label,
                pair.restriction == label,
            )
        if got.restriction != pair.restriction:
            problems.append(
                f"{pair.id} restriction: {got.restriction} ≠ {pair.restriction}"
            )
        predicted = parameter_rows(got)
        tp["parameters"] += len(predicted & pair.parameters)
        fp["parameters"] += len(predicted - pair.parameters)
        fn["parameters"] += len(pair.parameters - predicted)
        if predicted != pair.parameters:
            problems.append(
                f"{pair.id} parameters: got {sorted(predicted, key=str)}"
                f" want {sorted(pair.parameters, key=str)}"
            )
        for name in ("actors_added", "actors_removed", "scope_added", "scope_removed"):
            guess, truth = getattr(got, name), getattr(pair, name)
            hits = matched(guess, truth)
            tp[name] += hits
            fp[name] += len(guess) - hits
            fn[name] += len(truth) - hits
            if hits != len(guess) or hits != len(truth):
                problems.append(
                    f"{pair.id} {name}: got {list(guess)} want {list(truth)}"
                )
    synthetic = sum(p.source == "SYNTHETIC" for p in pairs)
    print(
        f"{len(pairs)} labelled pairs ({len(pairs) - synthetic} from the law corpora,"
        f" {synthetic} SYNTHETIC revisions of the 2019 plan)\n"
    )
    print(f"{'class':28} {'precision':>9} {'recall':>7}  {'tp':>4} {'fp':>4} {'fn':>4}")
    for name in sorted(set(tp) | set(fp) | set(fn)):
        print(
            f"{name:28} {ratio(tp[name], tp[name] + fp[name]):>9}"
            f" {ratio(tp[name], tp[name] + fn[name]):>7}"
            f"  {tp[name]:>4} {fp[name]:>4} {fn[name]:>4}"
        )
    print(
        f"\nstrength direction accuracy: {strength_right}/{len(pairs)}"
        f" = {strength_right / len(pairs):.3f}"
    )
    if verbose:
        print("\nDisagreements:")
        for line in problems:
            print("  " + line)


def _count(tp, fp, fn, name: str, got: bool, want: bool) -> None:
    if got and want:
        tp[name] += 1
    elif got:
        fp[name] += 1
    elif want:
        fn[name] += 1


if __name__ == "__main__":
    main(verbose="--verbose" in sys.argv)

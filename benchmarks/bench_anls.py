"""Benchmark: ``ANLS().score_many`` against a plain pure-Python ANLS on DocVQA-like data.

The pure-Python side computes the same rule as the official RRC script (whitespace-collapsed
lowercase strings, raw ``upper()`` lengths, best answer, ``< 0.5 -> 0``) with the usual
two-row dynamic-programming Levenshtein distance, as every reference script does. The two
must give identical per-question scores, or the run fails.

Usage::

    python benchmarks/bench_anls.py                 # 1,000,000 questions -> results_anls.md
    python benchmarks/bench_anls.py --n 10000 --output /tmp/anls.md
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rapidfuzz
from machine import cpu_model

from harmonybench.metrics.anls import ANLS
from harmonybench.schema import Sample

DEFAULT_N = 1_000_000
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results_anls.md"

_WORDS = (
    "total", "amount", "invoice", "date", "department", "health", "tobacco", "institute",
    "research", "council", "annual", "report", "revenue", "company", "limited", "corporation",
    "memorandum", "agenda", "meeting", "budget", "program", "division", "office", "committee",
    "sales", "marketing", "brand", "product", "cigarette", "filter", "tar", "nicotine",
    "quarterly", "expenses", "net", "income", "fiscal", "year", "page", "table", "figure",
    "chart", "survey", "respondents", "percentage", "population", "growth", "rate",
    "education", "students", "schools", "hospital", "patients",
)
_CODE_LETTERS = "ABCDEFGHKLMPRSTX"
_FIRST = ("John", "Mary", "Robert", "Linda", "James", "Patricia", "Jürgen", "Zoë", "René")
_LAST = ("Smith", "Johnson", "Brown", "Müller", "Straße", "García", "O'Neil", "Reynolds")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def _answer(rng: random.Random) -> str:
    """One DocVQA-like canonical answer: a number, amount, date, name, code or phrase."""
    kind = rng.random()
    if kind < 0.15:
        return str(rng.randint(1, 99999))
    if kind < 0.25:
        return f"${rng.randint(1, 9999):,}.{rng.randint(0, 99):02d}"
    if kind < 0.35:
        return f"{rng.choice(_MONTHS)} {rng.randint(1, 28)}, {rng.randint(1950, 2020)}"
    if kind < 0.42:
        return f"{rng.randint(1, 99)}%"
    if kind < 0.57:
        return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
    if kind < 0.62:
        prefix = rng.choice(_CODE_LETTERS) + rng.choice(_CODE_LETTERS)
        return f"{prefix}-{rng.randint(100, 9999)}"
    words = [rng.choice(_WORDS) for _ in range(rng.randint(1, 6))]
    phrase = " ".join(words)
    return phrase.title() if rng.random() < 0.3 else phrase


def _variant(answer: str, rng: random.Random) -> str:
    """An alternative spelling of the same answer, as DocVQA's extra answers are."""
    choice = rng.random()
    if choice < 0.3:
        return answer.lower()
    if choice < 0.5:
        return answer.replace(",", "").replace("$", "")
    if choice < 0.7:
        return "the " + answer
    return answer.upper()


def _typo(text: str, rng: random.Random) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 3)):
        op = rng.random()
        pos = rng.randrange(len(chars) + 1)
        if op < 0.4 and pos < len(chars):
            chars[pos] = rng.choice("abcdefghijklmnopqrstuvwxyz0123456789")
        elif op < 0.7 and pos < len(chars):
            del chars[pos]
        else:
            chars.insert(pos, rng.choice("abcdefghijklmnopqrstuvwxyz "))
    return "".join(chars)


def _prediction(answers: Sequence[str], rng: random.Random) -> str:
    """A model-like answer: mostly right, sometimes re-cased, misspelt, verbose or wrong."""
    base = rng.choice(answers)
    kind = rng.random()
    if kind < 0.40:
        return base
    if kind < 0.55:
        return rng.choice((base.upper(), base.lower(), f" {base}  ", base.replace(" ", "  ")))
    if kind < 0.70:
        return _typo(base, rng)
    if kind < 0.80:
        return rng.choice((f"The answer is {base}.", f"{base} (see page {rng.randint(1, 9)})"))
    if kind < 0.95:
        return _answer(rng)
    return rng.choice(("", "unanswerable", "N/A"))


def make_data(n: int, seed: int = 0) -> tuple[list[str], list[tuple[str, ...]]]:
    """``n`` DocVQA-like questions: predictions and answer tuples (1 to 3 answers each)."""
    rng = random.Random(seed)
    predictions: list[str] = []
    answers: list[tuple[str, ...]] = []
    for _ in range(n):
        canonical = _answer(rng)
        extra = rng.choices((0, 1, 2), weights=(6, 3, 1))[0]
        group = (canonical, *(_variant(canonical, rng) for _ in range(extra)))
        answers.append(group)
        predictions.append(_prediction(group, rng))
    return predictions, answers


def levenshtein_dp(a: str, b: str) -> int:
    """Edit distance by the classic dynamic programme, keeping two rows (shorter string inner)."""
    if len(a) > len(b):
        a, b = b, a
    previous = list(range(len(a) + 1))
    for j, cb in enumerate(b, 1):
        current = [j]
        for i, ca in enumerate(a, 1):
            if ca == cb:
                current.append(previous[i - 1])
            else:
                current.append(1 + min(previous[i - 1], previous[i], current[i - 1]))
        previous = current
    return previous[-1]


def anls_pure_python(
    predictions: Sequence[str], answers: Sequence[Sequence[str]]
) -> list[float]:
    """The RRC ANLS rule per question, in plain Python (the baseline)."""
    scores = []
    for prediction, group in zip(predictions, answers, strict=True):
        det = " ".join(prediction.strip().lower().split())
        values = []
        for answer in group:
            gt = " ".join(answer.strip().lower().split())
            length = max(len(answer.upper()), len(prediction.upper()))
            values.append(0.0 if length == 0 else levenshtein_dp(gt, det) / length)
        best = 1.0 - min(values)
        scores.append(0.0 if best < 0.5 else best)
    return scores


@dataclass(frozen=True)
class Timing:
    """One implementation's run: wall-clock and CPU seconds (all threads of this process)."""

    name: str
    items: int
    seconds: float
    cpu_seconds: float


def _time(name: str, items: int, fn: Callable[[], list[float]]) -> tuple[list[float], Timing]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    timing = Timing(name, items, time.perf_counter() - wall, time.process_time() - cpu)
    return result, timing


def machine() -> str:
    """CPU model, cores, load, Python, rapidfuzz and numpy versions, in one line."""
    try:
        load = f"; 1-min load average at start {os.getloadavg()[0]:.1f}"
    except OSError:
        load = ""
    return (
        f"{cpu_model()}, {os.cpu_count()} cores{load}; Python {platform.python_version()}; "
        f"rapidfuzz {rapidfuzz.__version__}; numpy {np.__version__}"
    )


def table(timings: Sequence[Timing], baseline: Timing) -> str:
    """A markdown table: implementation, items, seconds, items/s, ratio to the baseline.

    Seconds are wall-clock; the last two columns give CPU seconds and the ratio in CPU time,
    which is the fairer comparison on a shared machine.
    """
    rows = [
        "| implementation | items | seconds | items/s | ratio | CPU seconds | CPU ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for t in timings:
        rate = t.items / t.seconds if t.seconds > 0 else float("inf")
        ratio = baseline.seconds / t.seconds if t.seconds > 0 else float("inf")
        cpu_ratio = baseline.cpu_seconds / t.cpu_seconds if t.cpu_seconds > 0 else float("inf")
        rows.append(
            f"| {t.name} | {t.items:,} | {t.seconds:.2f} | {rate:,.0f} | {ratio:.1f}x "
            f"| {t.cpu_seconds:.2f} | {cpu_ratio:.1f}x |"
        )
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 0 when the scores agree, 1 when they do not."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=DEFAULT_N, help="questions (default 1e6)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    host = machine()
    predictions, answers = make_data(args.n, args.seed)
    samples = [
        Sample(id=str(i), task="docvqa", question=None, answers=group)
        for i, group in enumerate(answers)
    ]
    pairs = sum(map(len, answers))
    protocol = ANLS()

    fast, fast_t = _time(
        "`ANLS().score_many` (rapidfuzz cpdist + numpy)", args.n,
        lambda: protocol.score_many(predictions, samples),
    )
    single, single_t = _time(
        "`ANLS().score` per item (rapidfuzz)", args.n,
        lambda: [protocol.score(p, s) for p, s in zip(predictions, samples, strict=True)],
    )
    slow, baseline = _time(
        "pure Python (DP Levenshtein, RRC rule)", args.n,
        lambda: anls_pure_python(predictions, answers),
    )

    mismatches = sum(a != b for a, b in zip(fast, slow, strict=True))
    mismatches += sum(a != b for a, b in zip(single, slow, strict=True))
    timings = [baseline, single_t, fast_t]
    report = "\n".join([
        "# ANLS benchmark",
        "",
        f"{args.n:,} DocVQA-like questions ({pairs:,} answer/prediction pairs, 1-3 answers "
        f"each), seed {args.seed}; generated by `benchmarks/bench_anls.py`.",
        "",
        f"Machine: {host}.",
        "",
        table(timings, baseline),
        "",
        f"Per-question scores identical to the pure-Python baseline: "
        f"{'yes' if mismatches == 0 else f'NO ({mismatches} differ)'}. "
        f"Mean ANLS {sum(fast) / max(len(fast), 1):.6f}.",
        "",
    ])
    print(report)
    args.output.write_text(report, encoding="utf-8")
    return 0 if mismatches == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

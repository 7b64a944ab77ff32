"""Throughput of the TextVQA accuracy protocols against a plain per-question implementation.

Scores ``--n`` synthetic TextVQA questions (10 answers each, drawn with a fixed seed from a
skewed vocabulary of numbers, brand names and words with punctuation and case variants) with
``VQAAccuracy().score_many`` and ``VQAAccuracyOfficial().score_many``, and with a straightforward
pure-Python implementation of each rule written below (every string normalised per question with
the references' regular expressions, no caching, no numpy). It checks that every per-question
score is identical, prints a markdown table and writes it, with the machine, to
``benchmarks/results_textvqa.md`` (or ``--output``).

Run: ``.venv/bin/python benchmarks/bench_textvqa.py [--n 1000000] [--seed 0]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from machine import cpu_model

from harmonybench.metrics.vqa import VQAAccuracy, VQAAccuracyOfficial
from harmonybench.metrics.vqa_normalize import (
    ARTICLES,
    CONTRACTIONS,
    NUMBER_WORDS,
    PUNCTUATION,
)
from harmonybench.protocol import Protocol
from harmonybench.schema import Sample

DEFAULT_OUTPUT = Path(__file__).with_name("results_textvqa.md")

# --------------------------------------------------------------------------------------------
# The straightforward implementation: the rule as the references state it, one question at a
# time, every string normalised afresh.
# --------------------------------------------------------------------------------------------

_PERIOD = re.compile(r"(?!<=\d)(\.)(?!\d)")
_COMMAS_MMF = re.compile(r"(?<=\d)(\,)+(?=\d)")
_COMMA_OFFICIAL = re.compile(r"(\d)(\,)(\d)")


def _punctuation(text: str, comma: re.Pattern[str]) -> str:
    result = text
    for mark in PUNCTUATION:
        touches_space = (mark + " ") in text or (" " + mark) in text
        if touches_space or comma.search(text) is not None:
            result = result.replace(mark, "")
        else:
            result = result.replace(mark, " ")
    return _PERIOD.sub("", result, re.UNICODE)


def _digits_articles(text: str) -> str:
    kept = []
    for word in text.lower().split():
        if word in NUMBER_WORDS:
            word = NUMBER_WORDS[word]
        if word not in ARTICLES:
            kept.append(word)
    for i, word in enumerate(kept):
        if word in CONTRACTIONS:
            kept[i] = CONTRACTIONS[word]
    return " ".join(kept)


def plain_mmf_normalize(text: str) -> str:
    """EvalAI/MMF's processor, spelled out."""
    text = text.lower()
    text = text.replace(",", "").replace("?", "").replace("'s", " 's").strip()
    text = text.replace("\n", " ").replace("\t", " ").strip()
    return _digits_articles(_punctuation(text, _COMMAS_MMF))


def _leave_one_out(answers: list[str], prediction: str) -> float:
    accs = []
    for i in range(len(answers)):
        others = answers[:i] + answers[i + 1 :]
        accs.append(min(1, sum(1 for other in others if other == prediction) / 3))
    total = 0.0
    for acc in accs:
        total += acc
    return total / len(accs)


def plain_mmf_score(prediction: str, answers: Sequence[str]) -> float:
    """One question under ``vqa``."""
    if len(answers) != 10:
        raise ValueError("MMF needs 10 answers")
    gts = [plain_mmf_normalize(a) for a in answers]
    return _leave_one_out(gts, plain_mmf_normalize(prediction))


def plain_official_score(prediction: str, answers: Sequence[str]) -> float:
    """One question under ``vqa-official``."""
    pred = prediction.replace("\n", " ").replace("\t", " ").strip()
    pred = _digits_articles(_punctuation(pred, _COMMA_OFFICIAL))
    gts = list(answers)
    if len(set(gts)) > 1:
        gts = [_punctuation(a, _COMMA_OFFICIAL) for a in gts]
    return _leave_one_out(gts, pred)


# --------------------------------------------------------------------------------------------
# Synthetic TextVQA questions.
# --------------------------------------------------------------------------------------------

_BRANDS = (
    "Coca-Cola", "Pepsi", "Nike", "adidas", "Starbucks", "McDonald's", "Budweiser", "Heineken",
    "Samsung", "Apple", "Sony", "Canon", "Nikon", "Toyota", "Honda", "BMW", "Ford", "Google",
    "Microsoft", "Intel", "Dell", "HP", "LG", "Casio", "Rolex", "Lego", "IKEA", "Shell", "Delta",
    "Amtrak", "7-Eleven", "Walmart", "H&M", "Levi's", "Dr Pepper", "Jack Daniel's", "Guinness",
    "Corona", "Stella Artois", "T-Mobile", "AT&T", "Kellogg's", "Lay's", "Nestlé", "Häagen-Dazs",
    "Mercedes-Benz", "Wi-Fi", "iPhone", "PlayStation", "Nintendo", "Yahoo!", "Toys\"R\"Us",
)
_WORDS = (
    "yes", "no", "stop", "exit", "open", "closed", "sale", "the beatles", "a", "one way",
    "it's", "dont", "new york", "U.S.A.", "st. louis", "washington, d.c.", "mr. smith",
    "i love you", "don't walk", "two", "three", "ten", "none", "black", "red", "white", "blue",
    "police", "taxi", "bus", "coffee", "beer", "wine", "menu", "hotel", "bank", "pizza",
    "the end", "an apple", "thats", "whats up", "im here", "youre welcome", "left", "right",
    "north", "south", "route 66", "main st.", "5th ave", "(212) 555-0100", "www.example.com",
    "info@example.com", "chapter 1", "page 12", "vol. 3", "no. 9", "a/c", "on/off", "100%",
)
_SYLLABLES = (
    "ka", "ro", "mi", "ten", "zu", "ve", "lo", "pra", "dex", "ion", "tor", "ela", "qui", "nor",
    "sa", "bel", "fin", "ox", "ly", "gra", "mon", "tis", "vo", "run", "al", "ex", "is", "um",
)


def _base_vocabulary(rng: np.random.Generator, size: int) -> list[str]:
    """Hand-picked items first (the frequent ones), then numbers and made-up brand names."""
    numbers = [str(y) for y in range(1950, 2025)] + [
        "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "12", "15", "20", "25", "50", "99",
        "100", "1,000", "10,000", "3.5", "0.5", "$5", "$9.99", "£20", "€10", "10:30", "#1",
        "1st", "2nd", "3rd", "24/7", "1-800-555-0199", "5.", "50%", "9.", "1.5 l", "330 ml",
    ]
    vocab = list(_WORDS[:20]) + list(_BRANDS[:20]) + numbers + list(_WORDS[20:])
    vocab += list(_BRANDS[20:])
    seen = set(vocab)
    while len(vocab) < size:
        count = int(rng.integers(2, 5))
        word = "".join(_SYLLABLES[i] for i in rng.integers(0, len(_SYLLABLES), count))
        if rng.random() < 0.3:
            word += " " + "".join(_SYLLABLES[i] for i in rng.integers(0, len(_SYLLABLES), 2))
        if rng.random() < 0.1:
            word += str(int(rng.integers(1, 100)))
        if word not in seen:
            seen.add(word)
            vocab.append(word)
    return vocab


_VARIANTS: tuple[Callable[[str], str], ...] = (
    lambda s: s,
    lambda s: s,
    lambda s: s,
    lambda s: s.lower(),
    lambda s: s.title(),
    lambda s: s.upper(),
    lambda s: s + ".",
    lambda s: s + " ",
    lambda s: "the " + s,
    lambda s: '"' + s + '"',
    lambda s: s.replace(" ", "-"),
    lambda s: s + "!",
)
_VARIANT_WEIGHTS = np.array([20, 20, 20, 10, 6, 4, 6, 3, 3, 2, 3, 3], dtype=np.float64)


def _prediction_forms(answer: str) -> tuple[str, ...]:
    return (
        answer,
        answer,
        answer.lower(),
        f"The answer is {answer}.",
        answer + "\n",
        "\t" + answer.upper(),
        answer + ".",
        "",
    )


_PREDICTION_WEIGHTS = np.array([40, 20, 10, 5, 5, 3, 15, 2], dtype=np.float64)


def synthetic_textvqa(n: int, seed: int = 0) -> tuple[list[str], list[Sample]]:
    """``n`` predictions and samples of 10 answers each, reproducible from ``seed``."""
    rng = np.random.default_rng(seed)
    vocab = _base_vocabulary(rng, 20_000)
    weights = 1.0 / np.arange(1, len(vocab) + 1) ** 1.1
    weights /= weights.sum()
    variants = [tuple(f(word) for f in _VARIANTS) for word in vocab]
    forms = [_prediction_forms(word) for word in vocab]

    truth = rng.choice(len(vocab), size=n, p=weights)
    other = rng.choice(len(vocab), size=(n, 10), p=weights)
    agree = rng.random((n, 10)) < 0.7
    base = np.where(agree, truth[:, None], other).ravel().tolist()
    variant = rng.choice(
        len(_VARIANTS), size=n * 10, p=_VARIANT_WEIGHTS / _VARIANT_WEIGHTS.sum()
    ).tolist()
    flat = [variants[b][v] for b, v in zip(base, variant, strict=True)]

    guess_right = rng.random(n) < 0.6
    pred_base = np.where(guess_right, truth, rng.choice(len(vocab), size=n, p=weights)).tolist()
    pred_form = rng.choice(
        len(_PREDICTION_WEIGHTS), size=n, p=_PREDICTION_WEIGHTS / _PREDICTION_WEIGHTS.sum()
    ).tolist()
    predictions = [forms[b][f] for b, f in zip(pred_base, pred_form, strict=True)]
    samples = [
        Sample(id=str(i), task="textvqa", question="what is written?",
               answers=tuple(flat[10 * i : 10 * i + 10]))
        for i in range(n)
    ]
    return predictions, samples


# --------------------------------------------------------------------------------------------
# Timing and the report.
# --------------------------------------------------------------------------------------------


def _load_average() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "unknown"


def machine_line() -> str:
    """CPU model, cores, Python and numpy versions, in one line."""
    return (
        f"{cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"numpy {np.__version__}, {platform.system()} {platform.release()}"
    )


def _time(fn: Callable[[], list[float]]) -> tuple[list[float], float, float]:
    """Run ``fn`` once: its result, wall seconds and CPU seconds of this process."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


Row = tuple[str, str, int, float, float]
"""protocol, implementation, items, wall seconds, CPU seconds."""


def bench_protocol(
    protocol: Protocol,
    plain: Callable[[str, Sequence[str]], float],
    predictions: list[str],
    samples: list[Sample],
    repeat: int = 3,
) -> list[Row]:
    """Time both implementations of one protocol; fail if any score differs.

    ``score_many`` runs ``repeat`` times and its fastest run is kept (as ``timeit`` does); the
    plain implementation runs once (it takes long enough for noise to average out).
    """
    runs = [_time(lambda: protocol.score_many(predictions, samples)) for _ in range(repeat)]
    fast, fast_s, fast_cpu = min(runs, key=lambda run: run[1])
    slow, slow_s, slow_cpu = _time(
        lambda: [plain(p, s.answers) for p, s in zip(predictions, samples, strict=True)]
    )
    if fast != slow:
        bad = next(i for i, (a, b) in enumerate(zip(fast, slow, strict=True)) if a != b)
        raise AssertionError(
            f"{protocol.name}: sample {bad} scored {fast[bad]!r} by score_many, "
            f"{slow[bad]!r} by the plain implementation"
        )
    n = len(samples)
    return [
        (protocol.name, "plain Python, per question", n, slow_s, slow_cpu),
        (protocol.name, f"{type(protocol).__name__}.score_many", n, fast_s, fast_cpu),
    ]


def markdown_table(rows: list[Row]) -> str:
    """The results as a markdown table; ratio = plain seconds / this row's seconds (wall)."""
    lines = [
        "| protocol | implementation | items | seconds | CPU seconds | items/s | ratio |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    plain_s: dict[str, float] = {}
    for name, impl, n, seconds, cpu in rows:
        plain_s.setdefault(name, seconds)
        ratio = plain_s[name] / seconds if seconds > 0 else float("inf")
        lines.append(
            f"| `{name}` | {impl} | {n:,} | {seconds:.2f} | {cpu:.2f} | {n / seconds:,.0f} "
            f"| {ratio:.1f}x |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> list[Row]:
    """Run the benchmark; returns the table rows."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=1_000_000, help="questions (default 1e6)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of score_many, the fastest kept (default 3)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                        help="markdown file to write (default benchmarks/results_textvqa.md)")
    args = parser.parse_args(argv)

    load_before = _load_average()
    start = time.perf_counter()
    predictions, samples = synthetic_textvqa(args.n, args.seed)
    made_s = time.perf_counter() - start
    distinct = len(set(predictions).union(a for s in samples for a in s.answers))
    rows = bench_protocol(VQAAccuracy(), plain_mmf_score, predictions, samples, args.repeat)
    rows += bench_protocol(
        VQAAccuracyOfficial(), plain_official_score, predictions, samples, args.repeat
    )
    table = markdown_table(rows)
    print(table)
    load = f"1-minute load average {load_before} before the run, {_load_average()} after it"

    report = "\n".join(
        [
            "# TextVQA accuracy: throughput",
            "",
            f"`benchmarks/bench_textvqa.py --n {args.n} --seed {args.seed} "
            f"--repeat {args.repeat}`, run "
            f"{datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}.",
            "",
            f"Machine: {machine_line()}; {load} (other jobs share the machine: wall seconds "
            "include their interference, CPU seconds less so).",
            "",
            f"Data: {args.n:,} synthetic questions with 10 answers each ({distinct:,} distinct "
            f"strings among predictions and answers; made in {made_s:.1f} s, not timed below). "
            "Every per-question score of `score_many` is identical to the plain implementation's "
            "(checked in the run). Seconds are wall-clock (`score_many`: the fastest of "
            f"{args.repeat} runs; the plain implementation: one run); CPU seconds are this "
            "process's CPU time over the same run. Ratio = plain seconds / row seconds.",
            "",
            table,
            "",
        ]
    )
    args.output.write_text(report, encoding="utf-8")
    print(f"\nwritten to {args.output}", file=sys.stderr)
    return rows


if __name__ == "__main__":
    main()

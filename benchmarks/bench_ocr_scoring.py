"""Benchmark: OCR-scoring throughput (line crops per second) on CPU, batched vs one at a time.

What the image-out tasks do for every generated image: cut each target line out with AnyText's
rectification and read it with the task's OCR reader. The crops here are text lines drawn in
DejaVu Sans (1-2 random words each, random sizes) on 512x512 canvases, four lines per canvas,
and cut with :func:`harmonybench.crop.rectified_crop` (crop time is not measured).

Measured per reader:

- **RapidOCR** (PP-OCRv6 small recognizer, ONNX Runtime): ``read_one_by_one`` (one full
  ``RapidOCR()(crop, use_det=False)`` call per crop, what the ``rapidocr`` adapter does for a
  recognition request) against ``read`` with the recognizer batching 1, 6 (RapidOCR's
  default ``rec_batch_num``), 16, 32 and 64 crops per forward pass. Crops are AnyText's 48x320
  recognizer inputs (``resize_and_pad``), as the tasks feed RapidOCR, so every batch size
  must give the same text.
- **Tesseract** (LSTM, ``--psm 7``): one ``tesseract`` process per crop (image on standard
  input) against one process per batch of crops read through a list file (Tesseract's
  multi-page input; each crop is its own page, recognised independently). Bare crops, as the
  tasks feed Tesseract. Every batch must give the same text as one process per crop. The
  reader runs Tesseract with ``OMP_THREAD_LIMIT=1``; two rows show it with OpenMP's default
  threads, as a plain ``tesseract`` call runs.

Each row also gives the share of crops whose text equals the one-at-a-time text ("agree") and
equals the drawn text ("exact").

Usage::

    python benchmarks/bench_ocr_scoring.py               # 256 crops -> results_ocr_scoring.md
    python benchmarks/bench_ocr_scoring.py --n 64 --output /tmp/ocr.md
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from machine import cpu_model
from PIL import Image, ImageDraw, ImageFont

from harmonybench.crop import rectified_crop, resize_and_pad
from harmonybench.models.readers_rapidocr import RapidOCRReader
from harmonybench.models.readers_tesseract import TesseractReader

DEFAULT_N = 256
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results_ocr_scoring.md"

_WORDS = (
    "winner", "summer", "coffee", "river", "lucky", "harmony", "open", "sale", "bench",
    "market", "garden", "bakery", "station", "hotel", "music", "night", "happy", "birthday",
    "welcome", "street", "pizza", "fresh", "cinema", "books", "city", "park", "north", "2024",
    "1987", "studio", "travel", "golden",
)


def _font_path() -> str:
    from matplotlib import font_manager

    return str(font_manager.findfont("DejaVu Sans", fallback_to_default=True))


def _word(rng: random.Random) -> str:
    word = rng.choice(_WORDS)
    style = rng.random()
    if style < 0.3:
        return word.upper()
    if style < 0.6:
        return word.capitalize()
    return word


def make_crops(n: int, seed: int = 0) -> tuple[list[Image.Image], list[str]]:
    """``n`` rectified line crops (4 per 512x512 canvas) and the texts drawn in them."""
    rng = random.Random(seed)
    path = _font_path()
    crops: list[Image.Image] = []
    texts: list[str] = []
    while len(crops) < n:
        canvas = Image.new("RGB", (512, 512), (250, 248, 240))
        draw = ImageDraw.Draw(canvas)
        for row in range(4):
            text = " ".join(_word(rng) for _ in range(rng.choice((1, 1, 2))))
            font = ImageFont.truetype(path, rng.randint(26, 44))
            left, top, right, bottom = font.getbbox(text)
            x = rng.randint(8, max(9, 500 - (right - left)))
            y = 20 + row * 120 + rng.randint(0, 30)
            draw.text((x, y), text, font=font, fill=(20, 20, 20))
            pad = 6
            polygon = [[x + left - pad, y + top - pad], [x + right + pad, y + top - pad],
                       [x + right + pad, y + bottom + pad], [x + left - pad, y + bottom + pad]]
            crops.append(rectified_crop(canvas, polygon))
            texts.append(text)
    return crops[:n], texts[:n]


@dataclass
class Row:
    """One measured configuration."""

    reader: str
    mode: str
    crops: int
    seconds: float
    cpu_seconds: float
    texts: list[str]

    @property
    def rate(self) -> float:
        return self.crops / self.seconds


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


REPEAT = 5
"""Rounds over all configurations; each keeps its fastest round (the machine is shared)."""

Config = tuple[str, str, Callable[[Sequence[Image.Image]], list[str]]]


def measure(configs: Sequence[Config], crops: Sequence[Image.Image],
            repeat: int = REPEAT) -> list[Row]:
    """Time every configuration over ``crops`` (wall and CPU, children included).

    The configurations run round-robin, ``repeat`` rounds, so that a burst of load from other
    jobs hits them alike; each keeps its fastest round. Every round must read the same texts.
    """
    best: list[Row | None] = [None] * len(configs)
    for _ in range(repeat):
        for i, (reader, mode, fn) in enumerate(configs):
            cpu, start = _cpu(), time.perf_counter()
            texts = fn(crops)
            seconds = time.perf_counter() - start
            row = Row(reader, mode, len(crops), seconds, _cpu() - cpu, list(texts))
            kept = best[i]
            if kept is not None and row.texts != kept.texts:
                raise RuntimeError(f"{reader} {mode}: two rounds read different texts")
            if kept is None or row.seconds < kept.seconds:
                best[i] = row
    rows = [row for row in best if row is not None]
    for row in rows:
        print(f"{row.reader:9s} {row.mode:45s} {row.rate:8.1f} crops/s", file=sys.stderr)
    return rows


def bench_rapidocr(crops: Sequence[Image.Image]) -> list[Row]:
    """One full call per crop, then batched recognition at several batch sizes."""
    inputs = [resize_and_pad(c) for c in crops]
    single = RapidOCRReader(batch_size=1)
    configs: list[Config] = [("rapidocr", "one `RapidOCR()(crop)` call per crop",
                              single.read_one_by_one),
                             ("rapidocr", "`read`, recognizer batch 1", single.read)]
    for size in (6, 16, 32, 64):
        configs.append(("rapidocr", f"`read`, recognizer batch {size}",
                        RapidOCRReader(batch_size=size).read))
    for _, _, fn in configs:
        fn(inputs[:4])  # load the models before timing
    return measure(configs, inputs)


def bench_tesseract(crops: Sequence[Image.Image]) -> list[Row]:
    """One process per crop, then one process per batch of crops through a list file."""
    single = TesseractReader(batched=False)
    single.read(crops[:2])
    configs: list[Config] = [("tesseract", "one process per crop (stdin)",
                              single.read_one_by_one)]
    for size in (16, 64, 256):
        configs.append(("tesseract", f"one process per {size} crops (list file)",
                        TesseractReader(batch_size=size).read))
    omp = TesseractReader(batch_size=64, threads=0)
    configs += [("tesseract", "one process per crop, OpenMP threads on", omp.read_one_by_one),
                ("tesseract", "one process per 64 crops, OpenMP threads on", omp.read)]
    return measure(configs, crops, repeat=3)


def machine() -> str:
    """CPU, cores, load, versions."""
    load = ""
    if hasattr(os, "getloadavg"):
        load = f"; 1-min load average at start {os.getloadavg()[0]:.1f}"
    parts = [f"{cpu_model()}, {os.cpu_count()} cores{load}", f"Python {platform.python_version()}",
             f"rapidocr {version('rapidocr')}", f"onnxruntime {version('onnxruntime')}"]
    if shutil.which("tesseract"):
        parts.append(f"tesseract {TesseractReader().version}")
    return "; ".join(parts)


def table(rows: Sequence[Row], truth: Sequence[str]) -> list[str]:
    """Markdown rows; ratios against the first (one-at-a-time) row of each reader."""
    lines = ["| reader | mode | crops | seconds | crops/s | ratio | CPU seconds | CPU ratio | "
             "agree | exact |", "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    base: dict[str, Row] = {}
    for row in rows:
        first = base.setdefault(row.reader, row)
        agree = sum(a == b for a, b in zip(row.texts, first.texts, strict=True)) / row.crops
        exact = sum(a == b for a, b in zip(row.texts, truth, strict=True)) / row.crops
        cpu_ratio = first.cpu_seconds / row.cpu_seconds if row.cpu_seconds else float("nan")
        lines.append(
            f"| {row.reader} | {row.mode} | {row.crops} | {row.seconds:.2f} | {row.rate:.1f} | "
            f"{row.rate / first.rate:.2f}x | {row.cpu_seconds:.2f} | {cpu_ratio:.2f}x | "
            f"{agree:.1%} | {exact:.1%} |")
    return lines


def summary(rows: Sequence[Row]) -> list[str]:
    """One sentence per reader: its fastest configuration and the ratio."""
    lines = ["Fastest configuration per reader:", ""]
    for reader in dict.fromkeys(r.reader for r in rows):
        mine = [r for r in rows if r.reader == reader]
        best = max(mine, key=lambda r: r.rate)
        lines.append(f"- {reader}: {best.mode}, {best.rate:.1f} crops/s, "
                     f"{best.rate / mine[0].rate:.2f}x {mine[0].mode}.")
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark and write the markdown report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=DEFAULT_N, help="line crops")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    where = machine()
    crops, truth = make_crops(args.n, args.seed)
    rows = bench_rapidocr(crops)
    if shutil.which("tesseract"):
        rows += bench_tesseract(crops)
    out = [
        "# OCR-scoring benchmark",
        "",
        f"{args.n} text-line crops (1-2 random words each, DejaVu Sans 26-44 px, 4 lines per "
        f"512x512 canvas, seed {args.seed}), cut with AnyText's rectification; generated by "
        "`benchmarks/bench_ocr_scoring.py`. RapidOCR reads AnyText's 48x320 recognizer inputs; "
        "Tesseract reads the bare crops (what the image-out tasks feed each reader).",
        "",
        f"Machine: {where}. No GPU (CPU inference). The machine was shared with other jobs: "
        f"the configurations of a reader ran round-robin ({REPEAT} rounds for RapidOCR, 3 for "
        "Tesseract) and each row is its fastest round. Wall seconds are for the reading "
        "only; CPU seconds are that round's, child processes (Tesseract) included.",
        "",
        *table(rows, truth),
        "",
        "*ratio*: crops/s over the reader's one-at-a-time row; *agree*: share of crops read "
        "exactly as one at a time; *exact*: share read exactly as drawn (case-sensitive, "
        "AnyText's Sen.ACC rule).",
        "",
        *summary(rows),
        "",
    ]
    args.output.write_text("\n".join(out), encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()

"""Harness overhead per sample, and batched versus one-at-a-time generation.

1. **Overhead**: ``harmonybench run`` with the ``null`` adapter (answers instantly, no model)
   on N TextVQA questions in the official format: loading, request building and hashing,
   extraction, scoring under all five TextVQA protocols, journaling and the final merge into
   ``scores.json``. Reported per sample, for batch size 32 and batch size 1 (the peers' common
   one-sample loop) in the same run. Target: under 1 ms per sample.
2. **Generation**: the ``hf-vlm`` adapter on a tiny Qwen2-VL-style checkpoint built from a
   config (``tests/tinymodels.py``), the same requests answered one at a time and in batches
   of 16; greedy outputs are checked equal, samples/s and the ratio reported.

Usage: ``python benchmarks/bench_harness.py [--n 10000] [--gen-n 64] [--out FILE]``.
The results table is written to ``benchmarks/results_harness.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from machine import cpu_model

ROOT = Path(__file__).resolve().parent.parent


def write_textvqa(folder: Path, n: int) -> Path:
    """N TextVQA questions (10 answers each) in the official layout; no images needed."""
    data = [
        {"question": f"what is written on sign {i}?", "image_id": f"img{i:06d}",
         "question_id": i, "answers": [f"word {i % 97}"] * 7 + ["other"] * 3,
         "image_classes": [], "question_tokens": [], "set_name": "val"}
        for i in range(n)
    ]
    path = folder / "TextVQA_0.5.1_val.json"
    path.write_text(json.dumps({"dataset_name": "textvqa", "dataset_version": "0.5.1",
                                "data": data}))
    return path


def overhead(n: int, batch_size: int, work: Path) -> dict[str, Any]:
    from harmonybench.runner import RunConfig, TaskInput, run

    data = write_textvqa(work, n)
    config = RunConfig(model="null", model_args={"text": "word 3"},
                       tasks=[TaskInput("textvqa", data)], batch_size=batch_size,
                       output=work / f"runs-b{batch_size}", progress=False)
    start = time.perf_counter()
    cpu0 = time.process_time()
    result = run(config)
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    assert result.scores is not None and result.scores["tasks"]["textvqa"]["scored"] == n
    return {"batch": batch_size, "n": n, "wall": wall, "cpu": cpu,
            "ms_per_sample": 1000 * wall / n}


def generation(n: int, work: Path) -> list[dict[str, Any]]:
    sys.path.insert(0, str(ROOT / "tests"))
    from tinymodels import build_tiny_qwen2_vl, make_image

    from harmonybench.model import GenerationContext
    from harmonybench.models.hf_vlm import HFVisionLanguageModel
    from harmonybench.schema import ImageRef, Request

    ckpt = build_tiny_qwen2_vl(work / "qwen")
    images = []
    for i in range(n):
        path = work / f"img{i}.png"
        make_image(64 + (i % 5) * 8, 48, text=f"T{i}", color=i).save(path)
        images.append(ImageRef(path=str(path)))
    requests = [
        Request(sample_id=str(i), task="textvqa", kind="vqa",
                prompt=f"What is written in image {i}?", template_id="bench", template_hash="0",
                question=f"What is written in image {i}?", images=(images[i],),
                generation={"max_new_tokens": 16, "do_sample": False})
        for i in range(n)
    ]
    adapter = HFVisionLanguageModel(str(ckpt), device="cpu")
    context = GenerationContext(image_dir=work / "gen")
    adapter.generate(requests[:2], context)  # warm-up
    rows = []
    outputs: dict[int, list[str | None]] = {}
    for batch in (1, 16):
        start = time.perf_counter()
        texts: list[str | None] = []
        for i in range(0, n, batch):
            texts += [o.text for o in adapter.generate(requests[i:i + batch], context)]
        wall = time.perf_counter() - start
        outputs[batch] = texts
        rows.append({"batch": batch, "n": n, "wall": wall, "per_s": n / wall})
    assert outputs[1] == outputs[16], "batched greedy outputs differ from one-at-a-time"
    adapter.close()
    return rows


def machine() -> str:
    cpu = cpu_model()
    import torch

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{cpu}, {os.cpu_count()} cores, load average {load:.1f} at start; "
            f"Python {platform.python_version()}, torch {torch.__version__}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--gen-n", type=int, default=64)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results_harness.md")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    where = machine()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        over = [overhead(args.n, 32, work), overhead(args.n, 1, work)]
        gen = generation(args.gen_n, work) if args.gen_n else []
    lines = [
        "# Harness benchmark", "",
        f"Machine: {where}. Generated by `benchmarks/bench_harness.py --n {args.n} "
        f"--gen-n {args.gen_n}`.", "",
        "## Harness overhead (null adapter, TextVQA, 5 protocols scored per sample)", "",
        "| batch size | samples | wall s | CPU s | ms per sample | ratio |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    base = over[1]["ms_per_sample"]
    for row in over:
        lines.append(f"| {row['batch']} | {row['n']:,} | {row['wall']:.2f} | {row['cpu']:.2f} "
                     f"| {row['ms_per_sample']:.3f} | {base / row['ms_per_sample']:.1f}x |")
    if gen:
        lines += ["", "## Generation with a tiny Qwen2-VL-style model (hf-vlm, CPU, greedy, "
                      "16 new tokens)", "",
                  "| batch size | samples | wall s | samples/s | ratio |",
                  "|---:|---:|---:|---:|---:|"]
        one = gen[0]["per_s"]
        for row in gen:
            lines.append(f"| {row['batch']} | {row['n']} | {row['wall']:.2f} | "
                         f"{row['per_s']:.1f} | {row['per_s'] / one:.1f}x |")
        lines += ["", "Batched and one-at-a-time greedy outputs are identical."]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.write_text(text)


if __name__ == "__main__":
    main()

"""Run folders written directly (``run.json`` + ``scores.json``) for leaderboard tests.

Tests lay out what ``harmonybench run`` writes: a model spec, task specs, a ``scores.json``
entry per task and, for ``compare``, journals of per-sample scores. :func:`realistic_board`
writes a whole board: a unified model that degrades, text and image specialists answering in
different coordinate frames, ten tasks across text-out and image-out, failures and a task with
nothing scored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harmonybench.schema import Record

TEXT_DEFAULTS: Mapping[str, str] = {
    "textvqa": "vqa", "docvqa": "anls", "chartqa": "relaxed", "ocrbench": "ocrbench",
    "textrec": "word-accuracy",
}
IMAGE_DEFAULTS: Mapping[str, str] = {"anytext-t2i": "anytext", "anytext-edit": "textharmony",
                                     "mario-eval": "fid"}


def task_entry(
    task: str,
    protocols: Mapping[str, Mapping[str, Any]],
    *,
    modality: str | None = None,
    default: str | None = None,
    n: int = 100,
    failed: int = 0,
    unsupported: int = 0,
    missing: int = 0,
) -> dict[str, Any]:
    """One task's ``scores.json`` entry."""
    if modality is None:
        modality = "image" if task in IMAGE_DEFAULTS else "text"
    if default is None:
        default = {**TEXT_DEFAULTS, **IMAGE_DEFAULTS}.get(task, next(iter(protocols)))
    return {
        "kind": "t2i" if modality == "image" else "vqa",
        "modality": modality,
        "default_protocol": default,
        "n": n,
        "scored": n - failed - unsupported - missing,
        "failed": failed,
        "unsupported": unsupported,
        "missing": missing,
        "errors": [],
        "protocols": {p: dict(m) for p, m in protocols.items()},
    }


def write_run(
    folder: Path,
    adapter: str,
    tasks: Mapping[str, dict[str, Any]],
    *,
    location: str | None = None,
    data: Mapping[str, str] | None = None,
) -> Path:
    """Write ``folder/run.json`` and ``folder/scores.json``; returns ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    model: dict[str, Any] = {"adapter": adapter, "location": location, "args": {},
                             "dtype": None}
    run_id = f"{adapter}-{folder.name}"
    specs = [{"task": t, "data": (data or {}).get(t, f"/data/{t}.json"), "template_id": "x",
              "template_hash": "0"} for t in tasks]
    (folder / "run.json").write_text(json.dumps({"run_id": run_id, "model": model,
                                                 "tasks": specs}))
    (folder / "scores.json").write_text(json.dumps({"run_id": run_id, "model": model,
                                                    "tasks": dict(tasks)}))
    return folder


def write_journal(folder: Path, task: str,
                  scores: Mapping[str, Mapping[str, Mapping[str, float]]]) -> None:
    """Journal per-sample ``scores`` (``{sample id: {protocol: {metric: value}}}``) of ``task``
    in run folder ``folder``, as rank 0."""
    lines = [Record(run_id=folder.name, task=task, sample_id=sid, request_hash="0",
                    template_id="x", template_hash="0", raw_output="answer", answer="answer",
                    scores={p: dict(m) for p, m in per.items()}).to_json()
             for sid, per in scores.items()]
    (folder / task).mkdir(parents=True, exist_ok=True)
    (folder / task / "journal.rank0.jsonl").write_text("\n".join(lines) + "\n")


GROUNDING = ("grounding-acc@0.5-box", "grounding-acc@0.5-box-1000",
             "grounding-acc@0.5-box-pixel")
"""The grounding variants of the 448, 0-1000 and pixel frames."""
DETECTION = {"448": "detection-icdar", "1000": "detection-icdar-1000",
             "pixel": "detection-icdar-pixel"}


def framed(variants: Mapping[str, str], own: str, metric: str, value: float,
           **extra: float) -> dict[str, dict[str, float]]:
    """Protocols of every frame: ``value`` (and ``extra``) under the ``own`` frame's variant,
    near 0 under the others (answers read in the wrong frame miss)."""
    return {p: {metric: value if frame == own else 0.01, **(extra if frame == own else {})}
            for frame, p in variants.items()}


def realistic_board(root: Path) -> Path:
    """A unified model, three text specialists (0-1000, pixel and no frame) and two image
    specialists over ten tasks; returns the spec file (runs under ``root/runs``)."""
    runs = root / "runs"
    grounding = dict(zip(("448", "1000", "pixel"), GROUNDING, strict=True))

    def ground(own: str, value: float) -> dict[str, Any]:
        return task_entry("grounding", framed(grounding, own, "acc@0.5", value, mean_iou=0.5),
                          default=grounding[own], n=50)

    def detect(own: str, value: float, failed: int = 0) -> dict[str, Any]:
        return task_entry("detection", framed(DETECTION, own, "hmean", value, matched=40,
                                              gt_care=50, det_care=52),
                          default=DETECTION[own], n=20, failed=failed)

    write_run(runs / "unified", "textharmony", {
        "textvqa": task_entry("textvqa", {"vqa": {"vqa_accuracy": 0.551},
                                          "contains": {"accuracy": 0.58}}),
        "docvqa": task_entry("docvqa", {"anls": {"anls": 0.602}}, failed=4),
        "ocrbench": task_entry("ocrbench", {"ocrbench": {"accuracy": 0.44, "score": 440}},
                               n=1000),
        "chartqa": task_entry("chartqa", {"relaxed": {"accuracy": 0.0}}, n=20, failed=20),
        "grounding": ground("448", 0.31),
        "detection": detect("448", 0.52),
        "textrec": task_entry("textrec", {"word-accuracy": {"accuracy": 0.81}}),
        "anytext-t2i": task_entry("anytext-t2i", {"anytext": {"sen_acc": 0.49, "ned": 0.77},
                                                  "fid": {"fid": 41.5}}),
        "anytext-edit": task_entry("anytext-edit", {"textharmony": {"ned": 0.72}}),
        "mario-eval": task_entry("mario-eval", {"fid": {"fid": 38.2}}),
    }, location="/ckpt/TextHarmony-7B-unified-checkpoint")
    write_run(runs / "monkey", "monkey", {
        "textvqa": task_entry("textvqa", {"vqa": {"vqa_accuracy": 0.642},
                                          "contains": {"accuracy": 0.66}}),
        "docvqa": task_entry("docvqa", {"anls": {"anls": 0.661}}),
        "ocrbench": task_entry("ocrbench", {"ocrbench": {"accuracy": 0.514, "score": 514}},
                               n=1000),
        "chartqa": task_entry("chartqa", {"relaxed": {"accuracy": 0.59}}, n=20),
        "grounding": ground("1000", 0.42),
        "detection": detect("1000", 0.61, failed=2),
    }, location="/ckpt/Monkey-Chat")
    write_run(runs / "docowl", "docowl", {
        "textvqa": task_entry("textvqa", {"vqa": {"vqa_accuracy": 0.687}}),
        "docvqa": task_entry("docvqa", {"anls": {"anls": 0.823}}),
        "chartqa": task_entry("chartqa", {"relaxed": {"accuracy": 0.702}}, n=20),
    }, location="/ckpt/DocOwl-1.5-Chat")
    write_run(runs / "ocr", "rapidocr", {
        "grounding": ground("pixel", 0.8),
        "detection": detect("pixel", 0.9),
        "textrec": task_entry("textrec", {"word-accuracy": {"accuracy": 0.93}}),
    })
    write_run(runs / "anytext", "anytext", {
        "anytext-t2i": task_entry("anytext-t2i", {"anytext": {"sen_acc": 0.7239, "ned": 0.876},
                                                  "fid": {"fid": 33.54}}),
        "anytext-edit": task_entry("anytext-edit", {"textharmony": {"ned": 0.81}}),
        "mario-eval": task_entry("mario-eval", {"fid": {"fid": 35.1}}),
    }, location="/ckpt/AnyText-v1.1")
    write_run(runs / "glyph", "glyphcontrol", {
        "anytext-t2i": task_entry("anytext-t2i", {"anytext": {"sen_acc": 0.52, "ned": 0.8},
                                                  "fid": {"fid": 30.0}}),
        "mario-eval": task_entry("mario-eval", {"fid": {"fid": 34.0}}),
    }, location="/ckpt/GlyphControl")
    spec = root / "spec.yaml"
    spec.write_text("""\
title: A unified model against specialists
models:
  - {name: "TextHarmony (unified, Slide-LoRA off)", run: runs/unified, role: unified}
  - {name: Monkey-Chat, run: runs/monkey, role: text-specialist}
  - {name: DocOwl 1.5 Chat, run: runs/docowl, role: text-specialist}
  - {name: "RapidOCR (PP-OCRv4 mobile)", run: runs/ocr, role: text-specialist}
  - {name: AnyText v1.1, run: runs/anytext, role: image-specialist}
  - {name: GlyphControl, run: runs/glyph, role: image-specialist}
""")
    return spec

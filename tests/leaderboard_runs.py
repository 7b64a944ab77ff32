"""Run folders written directly (``run.json`` + ``scores.json``) for leaderboard tests.

Image-out tasks have no adapters yet, so tests lay out what ``harmonybench run`` writes: a
model spec, task specs and a ``scores.json`` entry per task.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

TEXT_DEFAULTS: Mapping[str, str] = {
    "textvqa": "vqa", "docvqa": "anls", "chartqa": "relaxed", "ocrbench": "ocrbench",
}
IMAGE_DEFAULTS: Mapping[str, str] = {"anytext-t2i": "anytext", "mario-eval": "fid"}


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

"""End to end: ``harmonybench.runner.run`` of the OCR engines on rendered perception data.

Tesseract (skipped when the binary is absent) and RapidOCR read cropped words (``textrec``),
ground words, and detect (and, Tesseract, spot) the words of rendered scenes, whose ground truth
``tests/perceptiondata.py`` writes in the official formats. A blank image whose annotation
lists a word scores 0 and its parse failure is counted (``unparseable``), not dropped.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from typing import Any

import perceptiondata as pdata
import pytest

from harmonybench.runner import RunConfig, TaskInput, run

HAS_TESSERACT = shutil.which("tesseract") is not None
HAS_RAPIDOCR = all(importlib.util.find_spec(m) is not None for m in ("rapidocr", "onnxruntime"))

SCENES = (pdata.SCENES[0], pdata.BLANK)
N_WORDS = len(pdata.scene_words(pdata.SCENES[0]))


def journal(folder: Path, task: str) -> dict[str, dict[str, Any]]:
    rows = [json.loads(line) for p in sorted((folder / task).glob("journal.rank*.jsonl"))
            for line in p.read_text().splitlines()]
    return {r["sample_id"]: r for r in rows}


ALL_TASKS = ("textrec", "grounding", "detection", "spotting")


def run_engine(tmp_path: Path, model: str,
               names: tuple[str, ...] = ALL_TASKS) -> tuple[dict[str, Any], Path]:
    rec = pdata.write_rec_list(tmp_path / "rec", layout="icdar")
    mario = pdata.write_mario_folder(tmp_path / "mario", SCENES)
    gts, images = pdata.write_icdar_folder(tmp_path / "icdar", SCENES, dont_care=True)
    inputs = {"textrec": TaskInput("textrec", rec), "grounding": TaskInput("grounding", mario),
              "detection": TaskInput("detection", gts, images),
              "spotting": TaskInput("spotting", gts, images)}
    result = run(RunConfig(model=model, tasks=[inputs[name] for name in names],
                           output=tmp_path / "runs", progress=False))
    assert result.failed == 0
    scores = json.loads((result.folder / "scores.json").read_text())
    return scores["tasks"], result.folder


def check_run(tasks: dict[str, Any], folder: Path) -> None:
    for entry in tasks.values():
        assert entry["failed"] == 0 and entry["unsupported"] == 0 and entry["missing"] == 0
        assert entry["scored"] == entry["n"]

    textrec = tasks["textrec"]["protocols"]
    assert textrec["word-accuracy"]["accuracy"] == 1.0
    assert textrec["ned"]["ned"] == 1.0

    grounding = tasks["grounding"]
    assert grounding["n"] == N_WORDS + 1
    # the engines answer in pixels, so the run headlines the pixel-frame variant
    assert grounding["default_protocol"] == "grounding-acc@0.5-box-pixel"
    pixel = grounding["protocols"]["grounding-acc@0.5-box-pixel"]
    assert pixel["acc@0.5"] == pytest.approx(N_WORDS / (N_WORDS + 1))
    assert pixel["unparseable"] == 1, "the blank image's empty answer is counted"
    assert grounding["protocols"]["grounding-acc@0.5-poly-pixel"]["acc@0.5"] >= 0.8
    # the engines answer pixels: read in TextHarmony's 448 frame the same boxes miss
    assert grounding["protocols"]["grounding-acc@0.5-box"]["acc@0.5"] < 0.5
    blank = journal(folder, "grounding")["img_blank:0"]
    assert blank["raw_output"] == "" and blank["error"] is None
    assert blank["scores"]["grounding-acc@0.5-box-pixel"]["unparseable"] == 1.0
    assert blank["metadata"]["frame"] == "pixel" and blank["metadata"]["match"] is None

    for task, protocol in (("detection", "detection-icdar-pixel"),
                           ("spotting", "spotting-icdar-pixel")):
        if task not in tasks:
            continue
        entry = tasks[task]
        assert entry["default_protocol"] == protocol
        numbers = entry["protocols"][protocol]
        assert numbers["gt_care"] == N_WORDS + 1, "the ### regions are not counted"
        assert numbers["hmean"] > 0.8, numbers
        assert numbers["precision"] == 1.0
        assert numbers["unparseable"] == 1
        empty = journal(folder, task)["img_blank"]
        assert empty["raw_output"] == "[]"
        assert empty["scores"][protocol]["recall"] == 0.0


@pytest.mark.skipif(not HAS_TESSERACT, reason="tesseract binary not installed (apt tesseract-ocr)")
def test_tesseract_end_to_end(tmp_path: Path) -> None:
    tasks, folder = run_engine(tmp_path, "tesseract")
    check_run(tasks, folder)
    info = json.loads((folder / "run.json").read_text())
    assert info["model"]["engine"]["page_psm"] == 11
    assert [t["task"] for t in info["tasks"]] == ["textrec", "grounding", "detection",
                                                  "spotting"]


@pytest.mark.slow
@pytest.mark.skipif(not HAS_RAPIDOCR, reason="rapidocr/onnxruntime not installed")
def test_rapidocr_end_to_end(tmp_path: Path) -> None:
    # spotting reads the same pages as detection (RapidOCR's detector takes about a second
    # per page on two cores); test_models_ocr checks RapidOCR's spotting answers
    tasks, folder = run_engine(tmp_path, "rapidocr", ("textrec", "grounding", "detection"))
    assert set(tasks) == {"textrec", "grounding", "detection"}
    check_run(tasks, folder)
    detected = journal(folder, "detection")["img_0"]
    assert detected["raw_output"].startswith("[[[") and detected["metadata"]["level"] == "word"

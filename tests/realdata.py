"""Where the real public files live (``../shared/real`` beside the checkout) and how tests use
them: read in place, never copied; a test skips with the reason when they are absent.

``shared/real/README.md`` says where each file comes from (repository, commit) and which
published numbers it reproduces.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real"
"""``shared/real`` beside the repository checkout."""
ANSWER_SAVE = REAL / "multimodalocr-2023-answer_save" / "answer_save"
LLAVA_ANSWERS = (REAL / "llava15-13b-textvqa" / "playground" / "data" / "eval" / "textvqa"
                 / "answers" / "llava-v1.5-13b.jsonl")
OCRBENCH = REAL / "ocrbench-v1" / "OCRBench" / "OCRBench" / "OCRBench.json"


def real(path: Path) -> Path:
    """``path`` if it exists, else skip the test, saying what is missing."""
    if not path.exists():
        pytest.skip(f"real file {path} is absent (the real files live in ../shared/real "
                    "beside the checkout; see its README.md)")
    return path


def first_json_object(path: Path) -> Any:
    """The first JSON value of ``path``: ``MiniGPT4/result.json`` holds two objects one after
    the other, which a strict ``json.load`` refuses."""
    text = path.read_text(encoding="utf-8")
    value, _ = json.JSONDecoder().raw_decode(text.lstrip())
    return value


def textvqa_gt_from_2023(out: Path) -> Path:
    """TextVQA val ground truth in the official layout, rebuilt from the 2023 study's
    ``LLaVA/textVQA.json`` (5000 questions, 10 answers each, the image id in ``image_path``).

    Question ids are positions (the file has none); LLaVA joins by image id and question.
    """
    records = json.loads(real(ANSWER_SAVE / "LLaVA" / "textVQA.json").read_text())
    data = [{"question_id": i, "image_id": Path(r["image_path"]).stem,
             "question": r["question"], "answers": r["gt_answers"],
             "set_name": "val"} for i, r in enumerate(records)]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"dataset_type": "val", "dataset_name": "textvqa",
                               "data": data}), encoding="utf-8")
    return out

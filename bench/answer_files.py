"""Two answer-file layouts of other tools that carry no harmonybench sample id.

Read by :mod:`harmonybench.predictions` (``harmonybench score``), by the ``replay`` adapter and,
for the 2023 files, by the ``mmocr-2023`` task (their ground truth is inside).

**LLaVA** ``answers/*.jsonl`` (haotian-liu/LLaVA ``llava/eval/model_vqa_loader.py`` writes them;
``llava/eval/eval_textvqa.py`` scores them, read at 32cebc380944): one
``{"question_id", "prompt", "text", "answer_id", "model_id", "metadata"}`` a line. For TextVQA
``question_id`` is the **image id**, so ``eval_textvqa.py`` joins a line to its annotation by
``(image_id, question.lower())``, the question being read back from the prompt
(:func:`llava_question`).

**MultimodalOCR 2023** ``answer_save/<model>/<dataset>.json`` (Yuliang-Liu/MultimodalOCR
``eval.py`` at e22b12b169ad): a JSON list of ``{"question", "answer", "gt_answers",
"image_path", "model_name"}``, one file per dataset named by the dataset. Records are
identified as ``<dataset>/<position>`` (:func:`mmocr_records`); a model's folder holds one file
per dataset plus the study's ``result.json`` (and MiniGPT4's ``result1.json``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harmonybench.errors import DataError
from harmonybench.schema import Sample

# ----------------------------------------------------------------------------- LLaVA

LLAVA_KEYS: frozenset[str] = frozenset({"question_id", "prompt", "text"})
"""The fields every LLaVA answer line has (with ``answer_id`` or ``model_id``)."""
_LLAVA_OCR_PROMPT = re.compile(r"Question: (.*?) Short answer:", re.DOTALL)


def looks_llava(record: Any) -> bool:
    """Whether ``record`` is a LLaVA answer line (``prompt`` + ``text``, no other text key)."""
    return (isinstance(record, Mapping) and set(record) >= LLAVA_KEYS
            and ("answer_id" in record or "model_id" in record))


def llava_question(prompt: str) -> str | None:
    """The lowercased question of a LLaVA TextVQA prompt, as ``eval_textvqa.py`` reads it.

    ``prompt_processor`` there: a prompt starting ``OCR tokens: `` holds it between
    ``Question: `` and `` Short answer:``; a three-line prompt with ``Reference OCR token: ``
    has it on its first line (the second when the prompt starts with the tokens); a two-line
    prompt has it on its first line. Any other prompt fails there (``assert False``): ``None``.
    """
    lines = prompt.split("\n")
    if prompt.startswith("OCR tokens: "):
        match = _LLAVA_OCR_PROMPT.search(prompt)
        return match.group(1).lower() if match else None
    if "Reference OCR token: " in prompt and len(lines) == 3:
        return (lines[1] if prompt.startswith("Reference OCR token:") else lines[0]).lower()
    if len(lines) == 2:
        return lines[0].lower()
    return None


def llava_join_key(image_id: str, question: str) -> str:
    """The join key of ``eval_textvqa.py``: image id and lowercased question."""
    return f"{image_id}\n{question.lower()}"


def sample_join_key(sample: Sample) -> str | None:
    """A sample's LLaVA join key (``metadata["image_id"]`` and its question), if it has both."""
    image_id = sample.metadata.get("image_id")
    if image_id is None or sample.question is None:
        return None
    return llava_join_key(str(image_id), sample.question)


@dataclass(frozen=True)
class LlavaLine:
    """One LLaVA answer line, checked."""

    key: str
    text: str
    question: str
    locator: str


def llava_lines(path: Path, records: Sequence[tuple[str, Any]]) -> list[LlavaLine]:
    """Check LLaVA answer lines and compute their join keys (duplicates are errors).

    Raises:
        DataError: a line that is not a LLaVA answer, a prompt ``eval_textvqa.py`` cannot
            read, a prediction that is not text, or two lines with one join key.
    """
    out: list[LlavaLine] = []
    seen: dict[str, str] = {}
    for locator, record in records:
        if not looks_llava(record):
            raise DataError(path, "expected a LLaVA answer line (question_id, prompt, text, "
                            "answer_id)", record=locator)
        image_id, prompt, text = record["question_id"], record["prompt"], record["text"]
        if not isinstance(image_id, (str, int)) or isinstance(image_id, bool):
            raise DataError(path, f"question_id (the image id) must be a string, got "
                            f"{image_id!r}", record=locator, field="question_id")
        if not isinstance(prompt, str) or (question := llava_question(prompt)) is None:
            raise DataError(path, "the prompt is not one eval_textvqa.py reads (two lines, "
                            "three with 'Reference OCR token: ', or 'OCR tokens: ...')",
                            record=locator, field="prompt")
        if not isinstance(text, str):
            raise DataError(path, f"text must be a string, got {type(text).__name__}",
                            record=locator, field="text")
        key = llava_join_key(str(image_id), question)
        if key in seen:
            raise DataError(path, f"answers image {image_id!r} question {question!r} again "
                            f"(first at {seen[key]})", record=locator, field="prompt")
        seen[key] = locator
        out.append(LlavaLine(key, text, question, locator))
    return out


def join_llava(path: Path, records: Sequence[tuple[str, Any]],
               samples: Sequence[Sample]) -> dict[str, str]:
    """Predictions by sample id from LLaVA answer lines, joined as ``eval_textvqa.py`` does.

    Raises:
        DataError: a bad line (see :func:`llava_lines`), samples without ``image_id`` (the
            join needs the official TextVQA annotations), two samples with one key, or a line
            whose key no sample has.
    """
    by_key: dict[str, str] = {}
    for sample in samples:
        key = sample_join_key(sample)
        if key is None:
            raise DataError(path, "LLaVA answers are joined by image id and question, but "
                            f"sample {sample.id} has no image_id (give the official TextVQA "
                            "annotation file)")
        if key in by_key:
            raise DataError(path, f"samples {by_key[key]} and {sample.id} ask the same question "
                            "of the same image: LLaVA's join key is ambiguous")
        by_key[key] = sample.id
    texts: dict[str, str] = {}
    for line in llava_lines(path, records):
        if line.key not in by_key:
            image_id = line.key.split("\n", 1)[0]
            raise DataError(path, f"image {image_id!r} question {line.question!r} is not in "
                            "the annotations", record=line.locator, field="prompt")
        texts[by_key[line.key]] = line.text
    return texts


# ----------------------------------------------------------------------------- MultimodalOCR 2023

MMOCR_VQA_DATASETS: tuple[str, ...] = (
    "textVQA", "docVQA", "ocrVQA", "STVQA", "ESTVQA_CN", "ESTVQA_EN", "SROIE", "FUNSD", "POIE",
)
"""Datasets ``eval.py`` scores with ``evaluate_VQA`` (the KIE sets included), in its order."""
MMOCR_OCR_DATASETS: tuple[str, ...] = (
    "IIIT5K", "svt", "IC13_857", "IC15_1811", "svtp", "ct80", "cocotext", "ctw", "totaltext",
    "HOST", "WOST", "WordArt", "IAM",
)
"""Datasets ``eval.py`` scores with ``evaluate_OCR`` (word recognition, IAM handwriting)."""
MMOCR_HME_DATASETS: tuple[str, ...] = ("HME",)
"""The formula dataset ``eval.py`` scores with ``evaluate_Formula`` (HME100K)."""
MMOCR_DATASETS: tuple[str, ...] = MMOCR_VQA_DATASETS + MMOCR_OCR_DATASETS + MMOCR_HME_DATASETS
"""Every dataset of the study harmonybench scores (ReCTS, Chinese-only matching, is not)."""
MMOCR_RESULT_FILES: frozenset[str] = frozenset({"result.json", "result1.json"})
"""The study's score files inside a model's answer folder (not answer files)."""


def mmocr_answer_files(path: Path) -> list[Path]:
    """The answer files at ``path``: the file itself, or a folder's ``<dataset>.json`` files
    in name order (score files and sub-folders skipped).

    Raises:
        DataError: a missing path, a folder without answer files, or a file not named after
            one of :data:`MMOCR_DATASETS`.
    """
    if path.is_dir():
        files = sorted(p for p in path.glob("*.json") if p.name not in MMOCR_RESULT_FILES)
        if not files:
            raise DataError(path, "holds no answer files (<dataset>.json)")
    elif path.is_file():
        files = [path]
    else:
        raise DataError(path, "no such file or folder")
    for file in files:
        if file.stem not in MMOCR_DATASETS:
            raise DataError(file, "an answer file is named after its dataset "
                            f"({', '.join(MMOCR_DATASETS)}); {file.stem!r} is not one "
                            "(ReCTS is not implemented)")
    return files


def looks_mmocr(record: Any) -> bool:
    """Whether ``record`` is a 2023 answer record (``answer`` next to ``gt_answers``)."""
    return isinstance(record, Mapping) and "answer" in record and "gt_answers" in record

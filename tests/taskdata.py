"""Small benchmark files in each format the comprehension tasks read, written in code.

Every ``write_*`` function takes a folder and ``items``, and returns the path to pass to
``task.load`` (the annotation file, or the dataset folder for hub parquet layouts):

- ``items`` is a number (that many default records) or a sequence of mappings, one per
  record, whose keys override the default record at that position. Keys are the format's own
  field names; a value of :data:`DROP` removes the field (to test missing-field errors).
- Default records are valid and distinct: record ``i`` has question id ``1000 + i`` (where the
  format has ids), question ``"question {i}?"`` and answer ``"answer {i}"``.
- Official writers also write a tiny image for every record where the task resolves it
  (``images=False`` to skip); hub writers embed PNG bytes made with PIL in the parquet rows.

Example::

    path = write_textvqa(tmp_path, 2)                      # TextVQA_0.5.1_val.json
    samples = get_task("textvqa").load(path)               # ids "1000", "1001"
    write_docvqa(tmp_path, [{}, {"answers": DROP}])        # record 1 has no answers
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Mapping, Sequence
from enum import Enum
from pathlib import Path
from typing import Any

from PIL import Image


class _Drop(Enum):
    DROP = "drop"


DROP = _Drop.DROP
"""An override value that removes the field from the record."""

Items = int | Sequence[Mapping[str, Any]]

__all__ = [
    "DROP",
    "install_hub_cache",
    "png_bytes",
    "write_chartqa",
    "write_chartqa_hub",
    "write_docvqa",
    "write_docvqa_hub",
    "write_infovqa",
    "write_monkey_jsonl",
    "write_ocrbench",
    "write_ocrbench_hub",
    "write_ocrvqa",
    "write_ocrvqa_hub",
    "write_stvqa",
    "write_stvqa_hub",
    "write_textharmony_json",
    "write_textvqa",
    "write_textvqa_hub",
]


# ----------------------------------------------------------------------------- helpers


def png_bytes(index: int = 0, size: tuple[int, int] = (8, 8), fmt: str = "PNG") -> bytes:
    """A tiny encoded image whose colour depends on ``index``."""
    colour = ((37 * index) % 256, (91 * index + 40) % 256, (13 * index + 200) % 256)
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return buffer.getvalue()


def _write_image(path: Path, index: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = "JPEG" if path.suffix.lower() in {".jpg", ".jpeg"} else "PNG"
    path.write_bytes(png_bytes(index, fmt=fmt))


def _records(items: Items, default: Any) -> list[dict[str, Any]]:
    """Default records overridden by ``items`` (``DROP`` removes a field)."""
    overrides: Sequence[Mapping[str, Any]] = [{}] * items if isinstance(items, int) else items
    out = []
    for i, override in enumerate(overrides):
        record = dict(default(i))
        for key, value in override.items():
            if value is DROP:
                record.pop(key, None)
            else:
                record[key] = value
        out.append(record)
    return out


def _dump(path: Path, value: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


def _images(folder: Path, records: Sequence[Mapping[str, Any]], key: str, fmt: str = "{}") -> None:
    for i, record in enumerate(records):
        value = record.get(key)
        if isinstance(value, str) and value:
            _write_image(folder / fmt.format(value), i)


# ----------------------------------------------------------------------------- official files


def write_textvqa(folder: Path, items: Items = 3, *, images: bool = True) -> Path:
    """``TextVQA_0.5.1_val.json`` (``{"data": [...]}``, 10 answers); images in ``train_images/``.

    Default record ``i``: ``question_id`` 1000+i, ``image_id`` ``"img{i:04d}"``, ten answers
    (six ``"answer {i}"``, four ``"other {i}"``).
    """

    def default(i: int) -> dict[str, Any]:
        return {
            "question": f"question {i}?",
            "image_id": f"img{i:04d}",
            "image_classes": ["Sign", "Text"],
            "flickr_original_url": f"https://example.org/{i}.jpg",
            "flickr_300k_url": f"https://example.org/{i}_300.jpg",
            "image_width": 8,
            "image_height": 8,
            "answers": [f"answer {i}"] * 6 + [f"other {i}"] * 4,
            "question_tokens": ["question", str(i)],
            "question_id": 1000 + i,
            "set_name": "val",
        }

    records = _records(items, default)
    if images:
        _images(folder / "train_images", records, "image_id", "{}.jpg")
    doc = {"dataset_type": "val", "dataset_name": "textvqa", "dataset_version": "0.5.1",
           "data": records}
    return _dump(folder / "TextVQA_0.5.1_val.json", doc)


def write_docvqa(folder: Path, items: Items = 3, *, images: bool = True) -> Path:
    """DocVQA ``val_v1.0.json`` (RRC ``{"data": [...]}``); images ``documents/doc{i}.png``."""

    def default(i: int) -> dict[str, Any]:
        return {
            "questionId": 1000 + i,
            "question": f"question {i}?",
            "question_types": ["form"],
            "image": f"documents/doc{i}.png",
            "docId": 500 + i,
            "ucsf_document_id": f"abc{i}",
            "ucsf_document_page_no": "1",
            "answers": [f"answer {i}", f"Answer {i}."],
            "data_split": "val",
        }

    records = _records(items, default)
    if images:
        _images(folder, records, "image")
    doc = {"dataset_name": "docvqa", "dataset_split": "val", "dataset_version": "1.0",
           "data": records}
    return _dump(folder / "val_v1.0.json", doc)


def write_infovqa(folder: Path, items: Items = 3, *, images: bool = True) -> Path:
    """``infographicsVQA_val_v1.0_withQT.json``; images ``infographicsvqa_images/{i}.jpeg``."""

    def default(i: int) -> dict[str, Any]:
        return {
            "questionId": 1000 + i,
            "question": f"question {i}?",
            "image_local_name": f"{20000 + i}.jpeg",
            "image_url": f"https://example.org/{i}.jpeg",
            "ocr_output_file": f"{20000 + i}.json",
            "answers": [f"answer {i}"],
            "data_split": "val",
            "answer_type": ["single span"],
            "evidence": ["text"],
            "operation/reasoning": ["counting"],
        }

    records = _records(items, default)
    if images:
        _images(folder / "infographicsvqa_images", records, "image_local_name")
    doc = {"dataset_name": "infographicVQA", "dataset_version": "1.0", "dataset_split": "val",
           "data": records}
    return _dump(folder / "infographicsVQA_val_v1.0_withQT.json", doc)


def write_stvqa(folder: Path, items: Items = 3, *, images: bool = True) -> Path:
    """ST-VQA ``train_task_3.json``; images ``coco-text/COCO_{i}.jpg`` under ``folder``."""

    def default(i: int) -> dict[str, Any]:
        return {
            "question_id": 1000 + i,
            "question": f"question {i}?",
            "file_path": f"coco-text/COCO_{i}.jpg",
            "file_name": f"COCO_{i}.jpg",
            "answers": [f"answer {i}", f"answer {i}"],
            "dataset": "coco-text",
            "set_name": "train",
            "image_width": 8,
            "image_height": 8,
        }

    records = _records(items, default)
    if images:
        _images(folder, records, "file_path")
    doc = {"dataset_name": "ST-VQA", "dataset_version": "1.0", "data": records}
    return _dump(folder / "train_task_3.json", doc)


def write_chartqa(
    folder: Path, items: Items = 3, *, split: str = "human", images: bool = True
) -> Path:
    """ChartQA ``test_<split>.json`` (a list of imgname/query/label); images under ``png/``.

    Args:
        split: ``"human"`` or ``"augmented"`` (the file name, and the image names' prefix).
    """

    def default(i: int) -> dict[str, Any]:
        return {"imgname": f"{split}_{i}.png", "query": f"question {i}?", "label": f"{i + 1}"}

    records = _records(items, default)
    if images:
        _images(folder / "png", records, "imgname")
    return _dump(folder / f"test_{split}.json", records)


def write_ocrvqa(folder: Path, items: Items = 3, *, images: bool = True) -> Path:
    """OCR-VQA ``dataset.json``: entries keyed by image id; images under ``images/``.

    Each item is one entry (one image); the key ``"image_id"`` in an item sets the entry's
    key (default ``str(761183270 + i)``). Default entry ``i``: split 3 (test), two questions
    ``"who wrote book {i}?"``/``"what is the genre of book {i}?"`` with answers
    ``"author {i}"``/``"genre {i}"``, an ``imageURL`` ending in ``.jpg``.
    """

    def default(i: int) -> dict[str, Any]:
        return {
            "image_id": str(761183270 + i),
            "imageURL": f"http://ecx.images-amazon.com/images/I/{i}.jpg",
            "questions": [f"who wrote book {i}?", f"what is the genre of book {i}?"],
            "answers": [f"author {i}", f"genre {i}"],
            "title": f"title {i}",
            "authorName": f"author {i}",
            "genre": f"genre {i}",
            "split": 3,
        }

    records = _records(items, default)
    doc: dict[str, Any] = {}
    for i, record in enumerate(records):
        key = str(record.pop("image_id"))
        doc[key] = record
        if images:
            url = str(record.get("imageURL", ""))
            _write_image(folder / "images" / f"{key}{Path(url).suffix or '.jpg'}", i)
    return _dump(folder / "dataset.json", doc)


_OCRBENCH_KINDS = (
    ("IIIT5K", "Regular Text Recognition", "what is written in the image?"),
    ("HME100k", "Handwritten Mathematical Expression Recognition",
     "Please write out the expression of the formula in the image using LaTeX format."),
    ("docVQA", "Doc-oriented VQA", "What is the total?"),
)


def write_ocrbench(folder: Path, items: Items = 3, *, images: bool = True) -> Path:
    """``OCRBench.json``: a list of dataset_name/id/image_path/question/answers/type records.

    Default record ``i`` cycles through IIIT5K, HME100k and docVQA records; ``id`` is
    ``i // 2`` so that ids repeat as in the real file; ``answers`` is a string for even
    ``i`` and a list for odd ``i``. Images under ``OCRBench_Images/``.
    """

    def default(i: int) -> dict[str, Any]:
        dataset, kind, question = _OCRBENCH_KINDS[i % len(_OCRBENCH_KINDS)]
        answer = f"answer {i}"
        return {
            "dataset_name": dataset,
            "id": i // 2,
            "image_path": f"{dataset}/test/{i}.png",
            "question": question,
            "answers": answer if i % 2 == 0 else [answer, answer.upper()],
            "type": kind,
        }

    records = _records(items, default)
    if images:
        _images(folder / "OCRBench_Images", records, "image_path")
    return _dump(folder / "OCRBench.json", records)


def write_monkey_jsonl(
    folder: Path,
    items: Items = 3,
    *,
    name: str = "test.jsonl",
    images: bool = True,
) -> Path:
    """A Monkey evaluation JSONL: ``{"image", "question", "answer", "question_id"}`` lines.

    ``image`` paths are ``images/{i}.png`` relative to ``folder``; ``answer`` is a list for
    odd ``i`` (Monkey's DocVQA files carry lists).
    """

    def default(i: int) -> dict[str, Any]:
        answer: Any = f"answer {i}" if i % 2 == 0 else [f"answer {i}", f"alt {i}"]
        return {"image": f"images/{i}.png", "question": f"question {i}?", "answer": answer,
                "question_id": 1000 + i}

    records = _records(items, default)
    if images:
        _images(folder, records, "image")
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_textharmony_json(
    folder: Path, items: Items = 3, *, name: str = "test.json", images: bool = True
) -> Path:
    """A TextHarmony evaluation JSON list: ``{"image_path", "question", "answers"}``, no ids."""

    def default(i: int) -> dict[str, Any]:
        return {"image_path": f"images/{i}.png", "question": f"question {i}?",
                "answers": [f"answer {i}"]}

    records = _records(items, default)
    if images:
        _images(folder, records, "image_path")
    return _dump(folder / name, records)


# ----------------------------------------------------------------------------- hub parquet


def _write_parquet(path: Path, rows: Sequence[Mapping[str, Any]], features: Any) -> None:
    """Write ``rows`` with ``datasets`` so the file carries the hub's feature metadata."""
    import datasets

    columns = {key: [row.get(key) for row in rows] for key in features}
    path.parent.mkdir(parents=True, exist_ok=True)
    datasets.Dataset.from_dict(columns, features=datasets.Features(features)).to_parquet(
        str(path)
    )


def _image_cell(i: int) -> dict[str, Any]:
    return {"bytes": png_bytes(i), "path": None}


def _hub(
    folder: Path,
    items: Items,
    default: Any,
    features: Mapping[str, Any],
    split: str,
    subdir: str = "data",
) -> Path:
    rows = _records(items, default)
    _write_parquet(folder / subdir / f"{split}-00000-of-00001.parquet", rows, features)
    return folder


def write_textvqa_hub(folder: Path, items: Items = 3, *, split: str = "validation") -> Path:
    """``lmms-lab/textvqa`` layout: ``data/<split>-00000-of-00001.parquet``; returns ``folder``."""
    import datasets as ds

    strings = ds.Sequence(ds.Value("string"))
    features = {
        "image_id": ds.Value("string"), "question_id": ds.Value("int32"),
        "question": ds.Value("string"), "question_tokens": strings, "image": ds.Image(),
        "image_width": ds.Value("int32"), "image_height": ds.Value("int32"),
        "flickr_original_url": ds.Value("string"), "flickr_300k_url": ds.Value("string"),
        "answers": strings, "image_classes": strings, "set_name": ds.Value("string"),
        "ocr_tokens": strings,
    }

    def default(i: int) -> dict[str, Any]:
        return {
            "image_id": f"img{i:04d}", "question_id": 1000 + i, "question": f"question {i}?",
            "question_tokens": ["question", str(i)], "image": _image_cell(i),
            "image_width": 8, "image_height": 8, "flickr_original_url": "",
            "flickr_300k_url": "", "answers": [f"answer {i}"] * 10,
            "image_classes": ["Sign"], "set_name": "val", "ocr_tokens": [f"answer {i}", "x"],
        }

    return _hub(folder, items, default, features, split)


def write_docvqa_hub(
    folder: Path, items: Items = 3, *, config: str = "DocVQA", split: str = "validation"
) -> Path:
    """``lmms-lab/DocVQA`` layout: ``<config>/<split>-00000-of-00001.parquet``.

    Args:
        config: ``"DocVQA"`` or ``"InfographicVQA"`` (the column sets differ as on the hub).
    """
    import datasets as ds

    strings = ds.Sequence(ds.Value("string"))
    if config == "DocVQA":
        features: dict[str, Any] = {
            "questionId": ds.Value("string"), "question": ds.Value("string"),
            "question_types": strings, "image": ds.Image(), "docId": ds.Value("int64"),
            "ucsf_document_id": ds.Value("string"), "ucsf_document_page_no": ds.Value("string"),
            "answers": strings, "data_split": ds.Value("string"),
        }
    else:
        features = {
            "questionId": ds.Value("string"), "question": ds.Value("string"),
            "answers": strings, "answer_type": strings, "image": ds.Image(),
            "image_url": ds.Value("string"), "operation/reasoning": strings,
            "ocr": ds.Value("string"), "data_split": ds.Value("string"),
        }

    def default(i: int) -> dict[str, Any]:
        return {
            "questionId": str(1000 + i), "question": f"question {i}?",
            "question_types": ["form"], "image": _image_cell(i), "docId": 500 + i,
            "ucsf_document_id": f"abc{i}", "ucsf_document_page_no": "1",
            "answers": [f"answer {i}"], "data_split": split, "answer_type": ["single span"],
            "image_url": "", "operation/reasoning": [], "ocr": "{}",
        }

    return _hub(folder, items, default, features, split, subdir=config)


def write_stvqa_hub(folder: Path, items: Items = 3, *, split: str = "test") -> Path:
    """``lmms-lab/ST-VQA``-like layout (``question_id``, ``question``, ``image``, ``answers``)."""
    import datasets as ds

    features = {
        "question_id": ds.Value("int64"), "question": ds.Value("string"), "image": ds.Image(),
        "answers": ds.Sequence(ds.Value("string")), "dataset": ds.Value("string"),
    }

    def default(i: int) -> dict[str, Any]:
        return {"question_id": 1000 + i, "question": f"question {i}?", "image": _image_cell(i),
                "answers": [f"answer {i}"], "dataset": "coco-text"}

    return _hub(folder, items, default, features, split)


def write_chartqa_hub(folder: Path, items: Items = 3, *, split: str = "test") -> Path:
    """``lmms-lab/ChartQA`` layout: ``type``, ``question``, ``answer``, ``image``.

    Default rows alternate ``human_test`` and ``augmented_test``.
    """
    import datasets as ds

    features = {"type": ds.Value("string"), "question": ds.Value("string"),
                "answer": ds.Value("string"), "image": ds.Image()}

    def default(i: int) -> dict[str, Any]:
        return {"type": "human_test" if i % 2 == 0 else "augmented_test",
                "question": f"question {i}?", "answer": f"{i + 1}", "image": _image_cell(i)}

    return _hub(folder, items, default, features, split)


def write_ocrvqa_hub(folder: Path, items: Items = 3, *, split: str = "test") -> Path:
    """``howard-hou/OCR-VQA`` layout: one row per image with ``questions``/``answers`` lists."""
    import datasets as ds

    strings = ds.Sequence(ds.Value("string"))
    features = {
        "image": ds.Image(), "image_id": ds.Value("string"), "questions": strings,
        "answers": strings, "ocr_tokens": strings, "title": ds.Value("string"),
        "authorName": ds.Value("string"), "genre": ds.Value("string"),
        "set_name": ds.Value("string"),
    }

    def default(i: int) -> dict[str, Any]:
        return {
            "image": _image_cell(i), "image_id": str(761183270 + i),
            "questions": [f"who wrote book {i}?", f"what is the genre of book {i}?"],
            "answers": [f"author {i}", f"genre {i}"], "ocr_tokens": ["title", str(i)],
            "title": f"title {i}", "authorName": f"author {i}", "genre": f"genre {i}",
            "set_name": split,
        }

    return _hub(folder, items, default, features, split)


def write_ocrbench_hub(folder: Path, items: Items = 3, *, split: str = "test") -> Path:
    """``echo840/OCRBench`` layout: ``dataset``, ``question``, ``question_type``, ``answer``."""
    import datasets as ds

    features = {"dataset": ds.Value("string"), "question": ds.Value("string"),
                "question_type": ds.Value("string"),
                "answer": ds.Sequence(ds.Value("string")), "image": ds.Image()}

    def default(i: int) -> dict[str, Any]:
        dataset, kind, question = _OCRBENCH_KINDS[i % len(_OCRBENCH_KINDS)]
        return {"dataset": dataset, "question": question, "question_type": kind,
                "answer": [f"answer {i}"], "image": _image_cell(i)}

    return _hub(folder, items, default, features, split)


def install_hub_cache(folder: Path, repo_id: str, revision: str = "0" * 40) -> Path:
    """Copy a hub-layout ``folder`` into the Hugging Face cache as dataset ``repo_id``.

    Lays out ``$HF_HUB_CACHE/datasets--owner--name/{refs/main, snapshots/<revision>/...}`` the
    way ``huggingface_hub`` does, so that ``task.load("owner/name")`` finds it offline.
    Returns the snapshot folder.
    """
    from huggingface_hub import constants

    repo = Path(constants.HF_HUB_CACHE) / ("datasets--" + repo_id.replace("/", "--"))
    (repo / "refs").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / "main").write_text(revision)
    snapshot = repo / "snapshots" / revision
    shutil.copytree(folder, snapshot, dirs_exist_ok=True)
    return snapshot

"""Small text-perception datasets written in code: rendered images and annotation files in
every format the ``textrec``, ``grounding``, ``detection`` and ``spotting`` tasks read.

Images are drawn with :mod:`render` (DejaVu Sans, the font matplotlib ships), so they are the
same on every machine and an OCR engine reads them. Each word's ground-truth box is its ink
box widened by :data:`PAD` pixels on every side, as annotators draw boxes a little loose.

Scenes (whole images with several words) for grounding, detection and spotting::

    from perceptiondata import SCENES, write_icdar_folder, write_mario_folder

    gts, images = write_icdar_folder(tmp_path)            # gts/gt_img_0.txt, images/img_0.png
    samples = get_task("detection").load(gts, images)     # one sample per image
    folder = write_mario_folder(tmp_path / "mario")       # <key>/ocr.txt + <key>/image.png
    samples = get_task("grounding").load(folder)          # one query per unique word

A scene is a :class:`Scene` (``name``, canvas ``size``, ``lines`` as ``(text, x, y)``
placements, and ``blank=True`` for an image left empty while its annotation still lists
the words: what a model that finds nothing is scored on). :func:`scene_words` gives each
word's text and box; :data:`SCENES` are two OCR-friendly scenes, :data:`BLANK` an empty one,
:data:`REPEATED` a scene whose word ``EXIT`` occurs twice.

Writers (``scenes`` defaults to :data:`SCENES`; every writer renders the images it needs
and returns what to pass to ``task.load``):

- :func:`write_icdar_folder` -> ``(gt folder, image folder)``: ICDAR 2015 ``gt_<name>.txt``
  files (``x1,y1,...,x4,y4,text`` with a UTF-8 BOM, ``style="ic15"``) or ICDAR 2013 boxes
  (``x1, y1, x2, y2, "text"``, ``style="ic13"``); ``dont_care`` adds one ``###`` region per
  file;
- :func:`write_icdar_file` -> one gt file next to its image (``gt_<name>.txt``);
- :func:`write_mario_folder` -> a MARIO-10M folder (``<name>/ocr.txt`` ``WORD x1,...,y4
  conf`` lines, ``<name>/image.png`` and a ``caption.txt`` that is not an annotation);
- :func:`write_mario_file` -> one ``<name>.txt`` next to ``<name>.png``;
- :func:`write_paddle_label` -> a PaddleOCR ``label.txt`` (``path<TAB>[{...}]``);
- :func:`write_region_json` -> image records ``{"image", "id", "instances": [...]}`` as JSON
  (or JSON Lines with ``jsonl=True``); ``overrides`` (one mapping per record) replace
  fields, :data:`DROP` removes one;
- :func:`write_grounding_queries` -> query records ``{"image", "word", "polygon"}``.

Crops for recognition: :func:`write_crops` renders one PNG per word (``crops/word_<i>.png``),
:func:`write_rec_list` writes a ``gt.txt`` in one of the three list layouts (``tab``,
``icdar``, ``space``), :func:`write_rec_json` a JSON(L) list, and :func:`write_ocrbench_rec`
an ``OCRBench.json`` with recognition and non-recognition records (images under
``OCRBench_Images/``). :data:`WORDS` are crop words both engines read exactly.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from PIL import Image
from render import font, place_lines, render_text, save_png


class _Drop(Enum):
    DROP = "drop"


DROP = _Drop.DROP
"""An override value that removes the field from a JSON record."""

PAD = 3
"""Pixels added around each word's ink box to make its ground-truth box."""
FONT_SIZE = 28

WORDS: tuple[str, ...] = ("CENTRE", "hello", "Invoice", "OPEN", "station")
"""Crop words that Tesseract and RapidOCR both read exactly."""


@dataclass(frozen=True)
class Word:
    """One word of a scene and its ground-truth box ``(x1, y1, x2, y2)`` in pixels."""

    text: str
    box: tuple[int, int, int, int]

    def quad(self) -> list[list[int]]:
        """The box as four points, clockwise from the top-left corner."""
        x1, y1, x2, y2 = self.box
        return [[x1, y1], [x2, y1], [x2, y2], [x1, y2]]

    def flat(self) -> list[int]:
        """The four points flattened (``x1, y1, ..., x4, y4``)."""
        return [v for point in self.quad() for v in point]


@dataclass(frozen=True)
class Scene:
    """A rendered image: text lines placed at ``(x, y)`` (top-left) on a white canvas."""

    name: str
    size: tuple[int, int]
    lines: tuple[tuple[str, int, int], ...]
    blank: bool = False


SCENES: tuple[Scene, ...] = (
    Scene("img_0", (330, 210), (("Invoice 2024", 20, 20), ("hello", 200, 92),
                                ("TOTAL 42.50", 30, 160))),
    Scene("img_1", (260, 200), (("OPEN", 40, 30), ("Coffee shop", 40, 130))),
)
"""Two scenes, about square: RapidOCR's detector scales the short side up to 736 pixels, so
wide images cost more."""
BLANK = Scene("img_blank", (160, 160), (("station", 20, 60),), blank=True)
"""An empty image whose annotation lists the word ``station``."""
REPEATED = Scene("img_rep", (420, 160), (("EXIT here", 20, 20), ("EXIT", 40, 100)))
"""A scene where ``EXIT`` occurs twice (``here`` once)."""


def scene_words(scene: Scene, size: int = FONT_SIZE) -> list[Word]:
    """Every word of ``scene`` with its ground-truth box (ink box plus :data:`PAD`)."""
    face = font(size)
    words = []
    for text, x, y in scene.lines:
        start = 0
        for token in text.split(" "):
            if token:
                offset = face.getlength(text[:start])
                left, top, right, bottom = face.getbbox(token)
                words.append(Word(token, (
                    int(x + offset + left) - PAD, int(y + top) - PAD,
                    int(x + offset + right) + PAD, int(y + bottom) + PAD,
                )))
            start += len(token) + 1
    return words


def render_scene(scene: Scene, size: int = FONT_SIZE) -> Image.Image:
    """The scene's image (white when ``scene.blank``)."""
    if scene.blank:
        return Image.new("RGB", scene.size, "white")
    return place_lines(list(scene.lines), scene.size, size=size)


def _save_scene(scene: Scene, path: Path) -> Path:
    return save_png(render_scene(scene), path)


# ----------------------------------------------------------------------------- ICDAR


def icdar_lines(scene: Scene, style: Literal["ic15", "ic13"] = "ic15",
                dont_care: bool = False) -> list[str]:
    """The scene's ICDAR ground-truth lines."""
    lines = []
    for word in scene_words(scene):
        if style == "ic15":
            lines.append(",".join(str(v) for v in word.flat()) + f",{word.text}")
        else:
            lines.append(", ".join(str(v) for v in word.box) + f', "{word.text}"')
    if dont_care:
        w, h = scene.size
        lines.append(f"{w - 30},{h - 20},{w - 5},{h - 20},{w - 5},{h - 5},{w - 30},{h - 5},###"
                     if style == "ic15" else f'{w - 30}, {h - 20}, {w - 5}, {h - 5}, "###"')
    return lines


def write_icdar_file(folder: Path, scene: Scene = SCENES[0], *,
                     style: Literal["ic15", "ic13"] = "ic15", dont_care: bool = False) -> Path:
    """``folder/gt_<name>.txt`` next to ``folder/<name>.png``; returns the gt file."""
    _save_scene(scene, folder / f"{scene.name}.png")
    path = folder / f"gt_{scene.name}.txt"
    bom = "\ufeff" if style == "ic15" else ""
    path.write_text(bom + "\n".join(icdar_lines(scene, style, dont_care)) + "\n",
                    encoding="utf-8")
    return path


def write_icdar_folder(root: Path, scenes: Sequence[Scene] = SCENES, *,
                       style: Literal["ic15", "ic13"] = "ic15",
                       dont_care: bool = False) -> tuple[Path, Path]:
    """``root/gts/gt_<name>.txt`` and ``root/images/<name>.png``; returns both folders."""
    gts, images = root / "gts", root / "images"
    gts.mkdir(parents=True, exist_ok=True)
    for scene in scenes:
        _save_scene(scene, images / f"{scene.name}.png")
        bom = "\ufeff" if style == "ic15" else ""
        (gts / f"gt_{scene.name}.txt").write_text(
            bom + "\n".join(icdar_lines(scene, style, dont_care)) + "\n", encoding="utf-8")
    return gts, images


# ----------------------------------------------------------------------------- MARIO


def mario_lines(scene: Scene) -> list[str]:
    """The scene's MARIO ``ocr.txt`` lines (``WORD x1,...,y4 conf``)."""
    return [f"{w.text} {','.join(str(v) for v in w.flat())} 0.99{i}"
            for i, w in enumerate(scene_words(scene))]


def write_mario_folder(root: Path, scenes: Sequence[Scene] = SCENES) -> Path:
    """``root/<name>/{ocr.txt,image.png,caption.txt}`` per scene; returns ``root``."""
    for scene in scenes:
        folder = root / scene.name
        _save_scene(scene, folder / "image.png")
        (folder / "ocr.txt").write_text("\n".join(mario_lines(scene)) + "\n", encoding="utf-8")
        (folder / "caption.txt").write_text(f"a picture of {scene.name}\n", encoding="utf-8")
    return root


def write_mario_file(folder: Path, scene: Scene = SCENES[0]) -> Path:
    """``folder/<name>.txt`` next to ``folder/<name>.png``; returns the annotation file."""
    _save_scene(scene, folder / f"{scene.name}.png")
    path = folder / f"{scene.name}.txt"
    path.write_text("\n".join(mario_lines(scene)) + "\n", encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- PaddleOCR


def write_paddle_label(root: Path, scenes: Sequence[Scene] = SCENES) -> Path:
    """``root/label.txt`` with ``images/<name>.png<TAB>[...]`` lines; returns the label."""
    lines = []
    for scene in scenes:
        _save_scene(scene, root / "images" / f"{scene.name}.png")
        items = [{"transcription": w.text, "points": w.quad()} for w in scene_words(scene)]
        lines.append(f"images/{scene.name}.png\t{json.dumps(items)}")
    path = root / "label.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- JSON


def region_record(scene: Scene, image: str) -> dict[str, Any]:
    """The image-level JSON record of ``scene`` (polygons, with its size)."""
    return {
        "image": image, "id": scene.name, "width": scene.size[0], "height": scene.size[1],
        "instances": [{"text": w.text, "polygon": w.quad()} for w in scene_words(scene)],
    }


def _apply(record: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(record)
    for key, value in override.items():
        if value is DROP:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def _dump(path: Path, records: Sequence[Mapping[str, Any]], jsonl: bool) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if jsonl:
        path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    else:
        path.write_text(json.dumps(list(records), indent=1), encoding="utf-8")
    return path


def write_region_json(root: Path, scenes: Sequence[Scene] = SCENES, *, jsonl: bool = False,
                      overrides: Sequence[Mapping[str, Any]] = ()) -> Path:
    """``root/regions.json(l)`` with one image record per scene (images in ``root``)."""
    records = []
    for i, scene in enumerate(scenes):
        _save_scene(scene, root / f"{scene.name}.png")
        record = region_record(scene, f"{scene.name}.png")
        records.append(_apply(record, overrides[i]) if i < len(overrides) else record)
    return _dump(root / ("regions.jsonl" if jsonl else "regions.json"), records, jsonl)


def write_grounding_queries(root: Path, scene: Scene = SCENES[0], *,
                            overrides: Sequence[Mapping[str, Any]] = ()) -> Path:
    """``root/queries.json``: one ``{"image", "word", "polygon"}`` record per word."""
    _save_scene(scene, root / f"{scene.name}.png")
    records = []
    for i, word in enumerate(scene_words(scene)):
        record = {"image": f"{scene.name}.png", "word": word.text, "polygon": word.quad()}
        records.append(_apply(record, overrides[i]) if i < len(overrides) else record)
    return _dump(root / "queries.json", records, jsonl=False)


# ----------------------------------------------------------------------------- recognition


def write_crops(root: Path, words: Sequence[str] = WORDS) -> list[str]:
    """``root/crops/word_<i>.png`` per word; returns the paths relative to ``root``."""
    names = []
    for i, word in enumerate(words):
        name = f"crops/word_{i + 1}.png"
        save_png(render_text(word, size=32, margin=6), root / name)
        names.append(name)
    return names


def write_rec_list(root: Path, words: Sequence[str] = WORDS, *,
                   layout: Literal["tab", "icdar", "space"] = "tab") -> Path:
    """``root/gt.txt`` in ``layout`` with a crop per word; returns the list."""
    lines = []
    for name, word in zip(write_crops(root, words), words, strict=True):
        if layout == "tab":
            lines.append(f"{name}\t{word}")
        elif layout == "icdar":
            escaped = word.replace("\\", "\\\\").replace('"', '\\"')
            lines.append(f'{name}, "{escaped}"')
        else:
            lines.append(f"{name} {word}")
    path = root / "gt.txt"
    bom = "\ufeff" if layout == "icdar" else ""
    path.write_text(bom + "\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def write_rec_json(root: Path, words: Sequence[str] = WORDS, *, jsonl: bool = False,
                   overrides: Sequence[Mapping[str, Any]] = ()) -> Path:
    """``root/rec.json(l)``: ``{"image", "text", "id"}`` records with a crop per word."""
    records = []
    for i, (name, word) in enumerate(zip(write_crops(root, words), words, strict=True)):
        record = {"image": name, "text": word, "id": f"w{i}"}
        records.append(_apply(record, overrides[i]) if i < len(overrides) else record)
    return _dump(root / ("rec.jsonl" if jsonl else "rec.json"), records, jsonl)


OCRBENCH_ITEMS: tuple[tuple[str, str, str, str | list[str]], ...] = (
    ("Regular Text Recognition", "IIIT5K", "what is written in the image?", "CENTRE"),
    ("Scene Text-centric VQA", "textVQA", "what brand is it?", "acme"),
    ("Digit String Recognition", "ORAND", "what is the number in the image?", "2024"),
    ("Key Information Extraction", "SROIE", "what is the total?", "42.50"),
    ("Irregular Text Recognition", "ct80", "what is written in the image?", ["hello", "HELLO"]),
)
"""``(type, dataset_name, question, answers)`` of :func:`write_ocrbench_rec`'s records."""


def write_ocrbench_rec(root: Path) -> Path:
    """``root/OCRBench.json`` with :data:`OCRBENCH_ITEMS` (3 recognition records, at positions
    0, 2 and 4) and their crops under ``root/OCRBench_Images/``; returns the file."""
    records = []
    for i, (kind, dataset, question, answers) in enumerate(OCRBENCH_ITEMS):
        text = answers if isinstance(answers, str) else answers[0]
        image = f"{dataset}/{i}.png"
        save_png(render_text(text, size=32, margin=6), root / "OCRBench_Images" / image)
        records.append({"dataset_name": dataset, "id": 100 + i, "image_path": image,
                        "question": question, "answers": answers, "type": kind})
    path = root / "OCRBench.json"
    path.write_text(json.dumps(records, indent=1), encoding="utf-8")
    return path

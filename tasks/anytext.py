"""``anytext-t2i`` and ``anytext-edit``: text rendering in generated and edited images.

**anytext-t2i** reads AnyText-benchmark's ``test1k.json`` (tyxsspa/AnyText, read by
``eval/anytext_singleGPU.py`` ``load_data``/``get_item`` at 3d4a260c67d9)::

    {"data_root": "/path/to/imgs",
     "data_list": [{"img_name": "001253546.jpg", "caption": "...",
                    "annotations": [{"polygon": [[x, y], ...], "text": "WINNER",
                                     "language": "Latin", "valid": true, "pos": 7}]}]}

``load`` takes the file or the folder holding it (``benchmark/laion_word``). Sample ids are
``img_name`` (an id given twice is an error). As the reference, a ``*`` in a caption becomes a
space, ``annotations`` may be absent (no lines), and a line with an empty polygon or
``valid: false`` is not scored (:func:`~harmonybench.metrics.textrender.target_lines`: also
the first 20 lines, texts cut to 20 characters). ``valid``, ``pos`` and ``language`` may be
left out here (the reference needs ``valid`` and ``pos``). The ground-truth image, when the
file exists, is ``sample.images[0]`` (the default FID reference); it is looked for in the
``images`` argument, else ``data_root`` (relative to the JSON file's folder) when that folder
exists, else ``imgs/`` beside the JSON file, else that folder. The image is never given to
the model.

**anytext-edit** reads TextHarmony's editing set (bytedance/TextHarmony
``TextHarmony/configs/release/edit_gt.json`` and ``edit_annt.json`` at f98ac34b206f): 219
laion_word images with one line each. ``load`` takes ``edit_gt.json`` (AnyText's format,
usually without ``data_root``) or its folder; ``edit_annt.json`` is read from beside it, or
from the ``instructions=PATH`` option. Each ``edit_gt.json`` record must have exactly one
scored line. ``edit_annt.json`` (optional) is TextHarmony's inference list, in the same order;
its ``sentences[0]`` must be the instruction ``Fill the masked part in this image with
"<text>".`` for that record's text, and its ``images[0]`` is the masked input image
(``<laion_word>/edit_images/<stem>_mask.jpg``, not part of the public benchmark). The masked
input is looked for at that path, relative to ``edit_annt.json``'s folder, and as
``edit_images/<name>`` beside the ground-truth image folder or the JSON files. **Where it is
absent, it is built** from the ground-truth image: the line's polygon (pixels of the image) is
filled (``cv2.fillPoly``, 255), dilated by ``mask_dilation`` pixels (default 4, a square
``(2d+1)x(2d+1)`` neighbourhood) and painted neutral grey ``(128, 128, 128)`` (what AnyText's
editing mode feeds its encoder: ``(x / 127.5 - 1) * (1 - mask)`` is 0, mid-grey, inside the
mask). The mask (white = region to repaint, the dilated polygon) is always built that way:
the release ships no mask files. Both are PNG files in ``masked_dir`` (option), by default
``$XDG_CACHE_HOME/harmonybench/anytext-edit/<digest>`` (``~/.cache`` without
``XDG_CACHE_HOME``), where the digest covers ``edit_gt.json``'s bytes and the building
settings; a file already there is reused (the input's name also carries the ground-truth
file's size and modification time). ``sample.metadata["masked_input"]`` says which:
``"edit_annt.json"`` or ``"built from GT polygon"``.

**Prompts** (the reference's T2I prompt construction for TextHarmony is unknown, §1.3 of the
reference notes, so ``default`` is harmonybench's own rule):

- t2i ``default`` (:data:`QUOTED`): the caption with the scored texts (cut to 20 characters)
  in double quotes, by :func:`quote_texts`: for each text in line order, its first
  occurrence in the caption, case-insensitively, not overlapping one already quoted and not
  inside a longer word (an ASCII letter or digit on both sides of the boundary rejects a
  match), is replaced by the text itself in double quotes (``"... 2017 winner"`` with
  ``WINNER`` gives ``... 2017 "WINNER"``: the annotation's case, which Sen.ACC checks);
  texts not found are appended as ``, with the words "A", "B"``.
- t2i ``textharmony``: ``Generate an image according to the caption. {quoted caption}``
  (TextHarmony's instruction, ``docs/examples/example.json``, with the same quoting).
- t2i ``anytext``: AnyText's evaluation prompt (``get_item`` + ``get_caption_pos`` with
  ``prob = 0``): the caption, then ``, content and position of the texts are `` and one ``*``
  per line as ``* , * .``; the caption alone when there is no line. The reference draws the
  connecting phrase at random from 10; this uses the first, always. AnyText's pipeline then
  swaps each ``*`` for the glyph embedding of ``metadata["texts"][k]`` and appends
  ``a_prompt`` itself (``, best quality, extremely detailed``), which is not in the prompt.
- edit ``default`` and ``textharmony``: ``Fill the masked part in this image with "{text}".``
  (``edit_annt.json``); edit ``anytext``: the caption with one ``*``, as for t2i.

**Generation settings**: ``anytext`` family: AnyText's (``eval/anytext_singleGPU.py``: 4
images per prompt, 20 DDIM steps, CFG 9.0, 512x512, seed 100 for every prompt, its negative
prompt); ``textharmony`` family: TextHarmony's (``896-moe-eval.yaml``: 1 image, 30 steps,
guidance 7.5, 512x512). ``default`` follows the task's default protocol: AnyText's for t2i
(without the fixed seed and negative prompt: per-sample seeds), TextHarmony's for editing.

**Requests** follow the image-out contract: t2i ``question`` = the caption, ``metadata`` =
``texts`` (the scored texts), ``polygons``, ``width``/``height`` (the polygons' frame: 512x512
for t2i, the ground-truth image's size for editing), ``img_name``, ``caption``,
``quoted_caption``; editing adds ``text`` (the full text), ``images = (masked input,)`` and
``mask``. The ground-truth image path is never in a request.

**Protocols**: t2i ``anytext`` (default; Sen.ACC and NED) and ``textharmony``; editing
``textharmony`` (default; NED) and ``anytext``. Extraction reads every target line of every
output image with the task's reader (:mod:`harmonybench.tasks.imageout`). Dataset scores:
FID (reference: ``fid_reference=DIR``, AnyText's convention being the benchmark's ``FID/``
folder; else the ground-truth images), CLIPScore with ``clip=PATH`` (caption: the raw
caption), and for editing the background preservation (:meth:`AnyTextEdit.extra_dataset_scores`).

**Subset**: ``laion_word``/``wukong_word`` from the ``subset`` option, else a folder of that
name in the data path, else in ``data_root``; kept in ``sample.metadata["subset"]``. The
leaderboard matches published numbers by the subset in the run's data path.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from harmonybench.errors import DataError
from harmonybench.meaning import COUNT, MetricInfo, MetricTable, declare
from harmonybench.metrics.textrender import TargetLine, target_lines
from harmonybench.schema import ImageRef, Output, Record, Request, Sample, short_hash
from harmonybench.task import PromptTemplate, frozen
from harmonybench.tasks.imageout import (
    IMAGE_DATASET_METRICS,
    ImageOutputError,
    ImageOutTask,
    TaskOptionError,
    known_subset,
    open_generated,
    parse_int,
)
from harmonybench.tasks.records import Rec, json_type, read_document

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

ANYTEXT_SUBSETS: tuple[str, ...] = ("laion_word", "wukong_word")
"""AnyText-benchmark's halves: English (laion_word) and Chinese (wukong_word)."""

PLACE_HOLDER = "*"
"""AnyText's glyph placeholder; a ``*`` already in a caption is replaced by a space."""

ANYTEXT_PHRASE = ", content and position of the texts are "
"""The first of the connecting phrases of AnyText's ``t3_dataset.phrase_list``."""

ANYTEXT_A_PROMPT = "best quality, extremely detailed"
"""AnyText's ``a_prompt``, appended by its pipeline (not part of the prompt here)."""

ANYTEXT_N_PROMPT = (
    "longbody, lowres, bad anatomy, bad hands, missing fingers, extra digit, fewer digits, "
    "cropped, worst quality, low quality, watermark"
)
"""AnyText's ``n_prompt`` (``eval/anytext_singleGPU.py``)."""

ANYTEXT_SEED = 100
"""AnyText's evaluation seed, set before every prompt."""

ANYTEXT_GENERATION: Mapping[str, Any] = frozen({
    "num_images": 4, "num_inference_steps": 20, "guidance_scale": 9.0,
    "height": 512, "width": 512,
})
"""AnyText's evaluation settings (``num_samples = 4``, DDIM ``ddim_steps = 20``,
``scale = 9.0``, 512x512)."""

TEXTHARMONY_GENERATION: Mapping[str, Any] = frozen({
    "num_images": 1, "num_inference_steps": 30, "guidance_scale": 7.5,
    "height": 512, "width": 512,
})
"""TextHarmony's (``896-moe-eval.yaml``: ``num_validation_images 1``, 30 steps, 7.5, 512)."""

ANYTEXT_FAMILY: Mapping[str, Any] = frozen({
    **ANYTEXT_GENERATION, "seed": ANYTEXT_SEED, "negative_prompt": ANYTEXT_N_PROMPT,
})

T2I_DEFAULT = PromptTemplate("anytext-t2i/quoted@1", "{quoted_caption}")
T2I_TEXTHARMONY = PromptTemplate(
    "anytext-t2i/textharmony@f98ac34",
    "Generate an image according to the caption. {quoted_caption}",
)
ANYTEXT_TEMPLATE = PromptTemplate(
    "anytext/eval@3d4a260", "{caption}" + ANYTEXT_PHRASE + "{placeholders}"
)
EDIT_INSTRUCTION = PromptTemplate(
    "textharmony/edit@f98ac34", 'Fill the masked part in this image with "{text}".'
)

EDIT_FILL = (128, 128, 128)
"""The neutral grey that fills the masked region of a built editing input."""

DEFAULT_DILATION = 4
"""Pixels the polygon is grown by for the editing mask."""

PSNR_CAP = 100.0
"""Masked PSNR of an unchanged background (infinite) is counted as this many dB."""

_MASK_VERSION = 1


# ----------------------------------------------------------------------------- prompts


def _is_word_char(char: str) -> bool:
    return char.isascii() and char.isalnum()


def quote_texts(caption: str, texts: Sequence[str]) -> str:
    """``caption`` with each of ``texts`` in double quotes (the module docstring's rule).

    Examples:
        >>> quote_texts("best of home advisor 2017 winner", ["WINNER"])
        'best of home advisor 2017 "WINNER"'
        >>> quote_texts("a sign", ["OPEN", "24h"])
        'a sign, with the words "OPEN", "24h"'
    """
    claimed: list[tuple[int, int, str]] = []
    missing: list[str] = []
    for text in texts:
        if not text.strip():
            continue
        found = None
        for match in re.finditer(re.escape(text), caption, flags=re.IGNORECASE):
            start, end = match.span()
            if any(start < b and a < end for a, b, _ in claimed):
                continue
            if start > 0 and _is_word_char(caption[start - 1]) and _is_word_char(text[0]):
                continue
            if end < len(caption) and _is_word_char(caption[end]) and _is_word_char(text[-1]):
                continue
            found = (start, end, text)
            break
        if found is None:
            missing.append(text)
        else:
            claimed.append(found)
    pieces: list[str] = []
    position = 0
    for start, end, text in sorted(claimed):
        pieces.append(caption[position:start])
        pieces.append(f'"{text}"')
        position = end
    pieces.append(caption[position:])
    result = "".join(pieces)
    if missing:
        listed = ", ".join(f'"{t}"' for t in missing)
        result = f"{result}, with the words {listed}" if result.strip() else listed
    return result


def anytext_placeholders(count: int) -> str:
    """``* , * .`` for two lines: ``get_caption_pos`` with ``prob = 0`` (one ``*`` per line)."""
    return ("* , " * count)[:-2] + "."


def anytext_prompt(caption: str, count: int) -> str:
    """AnyText's evaluation prompt: the caption with one placeholder per line (or alone)."""
    if count == 0:
        return caption
    return ANYTEXT_TEMPLATE.render(caption=caption, placeholders=anytext_placeholders(count))


# ----------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class AnyTextItem:
    """One record of an AnyText-format file, checked."""

    rec: Rec
    img_name: str
    caption: str
    lines: tuple[Mapping[str, Any], ...]


def find_json(path: str | Path, name: str, what: str) -> Path:
    """``path`` if it is a file, else ``path/name``.

    Raises:
        DataError: neither exists.
    """
    source = Path(path).expanduser()
    if source.is_file():
        return source
    if source.is_dir():
        if (source / name).is_file():
            return source / name
        raise DataError(source, f"holds no {name} ({what})")
    raise DataError(source, "no such file or folder")


def _number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(float(value)))


def _polygon(rec: Rec, field: str, value: Any) -> list[list[float | int]]:
    if not isinstance(value, list):
        raise rec.error(f"expected a list of [x, y] points, got {json_type(value)}", field)
    points: list[list[float | int]] = []
    for j, point in enumerate(value):
        if not (isinstance(point, list) and len(point) == 2 and all(_number(c) for c in point)):
            raise rec.error(f"point {j} is {point!r}, expected [x, y] numbers", field)
        points.append([point[0], point[1]])
    if 0 < len(points) < 3:
        raise rec.error(f"a polygon needs at least 3 points, got {len(points)}", field)
    return points


def _annotation(rec: Rec, k: int, value: Any) -> dict[str, Any]:
    field = f"annotations[{k}]"
    if not isinstance(value, Mapping):
        raise rec.error(f"expected an object, got {json_type(value)}", field)
    if "polygon" not in value:
        raise rec.error("missing field", f"{field}.polygon")
    polygon = _polygon(rec, f"{field}.polygon", value["polygon"])
    text = value.get("text")
    if not isinstance(text, str):
        raise rec.error(f"expected a string, got {json_type(text)}", f"{field}.text")
    line: dict[str, Any] = {"text": text, "polygon": polygon}
    valid = value.get("valid")
    if valid is not None:
        if not isinstance(valid, bool):
            raise rec.error(f"expected true or false, got {json_type(valid)}", f"{field}.valid")
        line["valid"] = valid
    pos = value.get("pos")
    if pos is not None:
        if not isinstance(pos, int) or isinstance(pos, bool) or not 0 <= pos <= 8:
            raise rec.error(f"expected a grid cell 0-8, got {pos!r}", f"{field}.pos")
        line["pos"] = pos
    language = value.get("language")
    if language is not None:
        if not isinstance(language, str):
            raise rec.error(f"expected a string, got {json_type(language)}",
                            f"{field}.language")
        line["language"] = language
    return line


def read_anytext_file(file: Path) -> tuple[Any, list[AnyTextItem]]:
    """``(data_root or None, items)`` of an AnyText-format JSON file, checked.

    Raises:
        DataError: naming the file, the record and the field of the first problem; an
            ``img_name`` given twice.
    """
    doc = read_document(file)
    value = doc.value
    if doc.kind != "json" or not isinstance(value, Mapping) or "data_list" not in value:
        raise DataError(file, "expected AnyText's {'data_root': ..., 'data_list': [...]}",
                        field="data_list")
    data_root = value.get("data_root")
    if data_root is not None and not isinstance(data_root, str):
        raise DataError(file, f"expected a folder path, got {json_type(data_root)}",
                        field="data_root")
    items: list[AnyTextItem] = []
    seen: dict[str, str] = {}
    for rec in doc.records(value["data_list"]):
        img_name = rec.text("img_name").strip()
        if not img_name:
            raise rec.error("empty image name", "img_name")
        if img_name in seen:
            raise rec.error(f"{img_name!r} appears more than once (also {seen[img_name]}); "
                            "it is the sample id", "img_name")
        seen[img_name] = rec.where
        caption = rec.text("caption").replace(PLACE_HOLDER, " ")
        raw = rec.data.get("annotations")
        if raw is None:
            lines: tuple[Mapping[str, Any], ...] = ()
        elif isinstance(raw, list):
            lines = tuple(_annotation(rec, k, a) for k, a in enumerate(raw))
        else:
            raise rec.error(f"expected a list of annotations, got {json_type(raw)}",
                            "annotations")
        items.append(AnyTextItem(rec, img_name, caption, lines))
    return data_root, items


def gt_image_root(file: Path, data_root: str | None, images: str | Path | None) -> Path:
    """Where ground-truth images are: ``images``, else ``data_root``, ``imgs/``, the folder."""
    if images is not None:
        return Path(images).expanduser()
    base = file.parent
    if data_root:
        root = Path(data_root).expanduser()
        root = root if root.is_absolute() else base / root
        if root.is_dir():
            return root
    if (base / "imgs").is_dir():
        return base / "imgs"
    return base


def _plain(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _selected(sample: Sample, *, truncate: bool = True) -> list[TargetLine]:
    return target_lines(sample, truncate=truncate)


def _polygons(lines: Sequence[TargetLine]) -> list[list[list[float | int]]]:
    return [[[_plain(x), _plain(y)] for x, y in line.polygon] for line in lines]


def _subset(option: str | None, *paths: str | Path | None) -> str | None:
    if option:
        return option
    return known_subset(list(paths), ANYTEXT_SUBSETS)


# ----------------------------------------------------------------------------- t2i


class AnyTextT2I(ImageOutTask):
    """AnyText-benchmark text-to-image: AnyText's Sen.ACC/NED of OCR'd lines, FID, CLIPScore.

    Options (besides :class:`~harmonybench.tasks.imageout.ImageOutTask`'s): ``subset``
    (``laion_word``/``wukong_word``; otherwise found in the data path).
    """

    name: ClassVar[str] = "anytext-t2i"
    summary: ClassVar[str] = (
        "AnyText-benchmark T2I: OCR accuracy (Sen.ACC, NED) of rendered text lines, FID, CLIP"
    )
    kind = "t2i"
    default_protocol: ClassVar[str] = "anytext"
    protocols: ClassVar[tuple[str, ...]] = ("anytext", "textharmony")
    prompts = frozen({"default": T2I_DEFAULT, "textharmony": T2I_TEXTHARMONY,
                      "anytext": ANYTEXT_TEMPLATE})
    generation = ANYTEXT_GENERATION
    family_generation = frozen({"anytext": ANYTEXT_FAMILY,
                                "textharmony": TEXTHARMONY_GENERATION})

    def __init__(self, subset: str | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.subset = str(subset).strip() if subset else None

    def load(self, path: str | Path, images: str | Path | None = None) -> list[Sample]:
        """Read ``test1k.json`` (or the folder holding it); see the module docstring.

        Raises:
            DataError: naming the file, the record and the field of the first bad item.
        """
        self.check_reader()
        file = find_json(path, "test1k.json", "AnyText-benchmark annotations")
        data_root, items = read_anytext_file(file)
        root = gt_image_root(file, data_root, images)
        subset = _subset(self.subset, file, data_root)
        samples = []
        for item in items:
            target = {"lines": [dict(line) for line in item.lines]}
            base = Sample(id=item.img_name, task=self.name, question=item.caption,
                          target=target)
            selected = _selected(base)
            gt = root / item.img_name
            metadata: dict[str, Any] = {
                "img_name": item.img_name,
                "caption": item.caption,
                "quoted_caption": quote_texts(item.caption, [ln.text for ln in selected]),
                "texts": [ln.text for ln in selected],
                "polygons": _polygons(selected),
                "width": 512,
                "height": 512,
            }
            if subset:
                metadata["subset"] = subset
            samples.append(Sample(
                id=item.img_name, task=self.name, question=item.caption, target=target,
                images=(ImageRef(path=str(gt), name=item.img_name),) if gt.is_file() else (),
                metadata=metadata,
            ))
        return samples

    def request(
        self,
        sample: Sample,
        family: str = "default",
        generation: Mapping[str, Any] | None = None,
        seed: int | None = None,
        index: int | None = None,
    ) -> Request:
        """The t2i request: the family's prompt, no input image."""
        template = self.template(family)
        caption = sample.question or ""
        if template.id == ANYTEXT_TEMPLATE.id:
            prompt = anytext_prompt(caption, len(sample.metadata.get("texts", ())))
        else:
            prompt = template.render(
                quoted_caption=sample.metadata.get("quoted_caption", caption), caption=caption
            )
        return self.image_request(sample, family, generation, seed, index, template=template,
                                  prompt=prompt)

    def extract(self, output: Output, sample: Sample | None = None) -> Any:
        """The reader's text for every target line of every generated image."""
        if sample is None:
            raise ValueError("anytext-t2i extraction needs the sample (its target lines)")
        return self.read_line_images(output, sample)


# ----------------------------------------------------------------------------- editing


def default_cache() -> Path:
    """``$XDG_CACHE_HOME/harmonybench`` (``~/.cache/harmonybench`` without it)."""
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "harmonybench"


def edit_mask(
    size: tuple[int, int], polygon: Sequence[Sequence[float]], dilation: int
) -> npt.NDArray[np.uint8]:
    """The editing mask: ``polygon`` filled (255) in a ``size`` image, grown by ``dilation``."""
    import cv2
    import numpy as np

    from harmonybench.metrics.crop import polygon_mask

    mask = polygon_mask(size, polygon)
    if dilation > 0:
        kernel = np.ones((2 * dilation + 1, 2 * dilation + 1), dtype=np.uint8)
        mask = np.asarray(cv2.dilate(mask, kernel), dtype=np.uint8)
    return mask


def _write_png(image: Any, path: Path) -> None:
    """Write a PIL image atomically (a temporary name, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    image.save(partial, format="PNG")
    os.replace(partial, path)


@dataclass(frozen=True)
class _Instruction:
    sentence: str | None
    masked: str | None


class AnyTextEdit(ImageOutTask):
    """TextHarmony's editing set: NED of the edited line, background preservation, FID, CLIP.

    Options (besides :class:`~harmonybench.tasks.imageout.ImageOutTask`'s):
    ``instructions`` (``edit_annt.json`` when not beside ``edit_gt.json``), ``masked_dir``
    (where built inputs and masks go), ``mask_dilation`` (pixels, default 4), ``subset``.
    """

    name: ClassVar[str] = "anytext-edit"
    summary: ClassVar[str] = (
        "TextHarmony editing set (219 laion_word lines): NED of the edited text, background"
    )
    kind = "edit"
    default_protocol: ClassVar[str] = "textharmony"
    protocols: ClassVar[tuple[str, ...]] = ("textharmony", "anytext")
    dataset_metrics: ClassVar[Mapping[str, MetricTable]] = frozen({
        **IMAGE_DATASET_METRICS,
        "background": declare(psnr=MetricInfo(unit="db", main=True),
                              ssim=MetricInfo(unit="ssim"), images=COUNT),
    })
    """FID and CLIPScore, and background preservation outside the editing mask (PSNR in dB
    and SSIM, Wang et al. 2004; see :meth:`extra_dataset_scores`)."""
    prompts = frozen({"default": EDIT_INSTRUCTION, "textharmony": EDIT_INSTRUCTION,
                      "anytext": ANYTEXT_TEMPLATE})
    generation = TEXTHARMONY_GENERATION
    family_generation = frozen({"anytext": ANYTEXT_FAMILY,
                                "textharmony": TEXTHARMONY_GENERATION})

    def __init__(
        self,
        instructions: str | None = None,
        masked_dir: str | None = None,
        mask_dilation: str | int = DEFAULT_DILATION,
        subset: str | None = None,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.instructions = Path(instructions).expanduser() if instructions else None
        if self.instructions is not None and not self.instructions.is_file():
            raise TaskOptionError(f"--task-arg instructions={instructions!r}: not a file")
        self.masked_dir = Path(masked_dir).expanduser() if masked_dir else None
        self.mask_dilation = parse_int("mask_dilation", mask_dilation, low=0)
        self.subset = str(subset).strip() if subset else None

    # -- loading ---------------------------------------------------------------------------

    def _instructions(self, gt_file: Path, count: int) -> tuple[Path | None, list[_Instruction]]:
        """``edit_annt.json``'s instruction and masked-input path per record, if the file is
        there (``None`` entries without it)."""
        annt = self.instructions or gt_file.with_name("edit_annt.json")
        if not annt.is_file():
            return None, [_Instruction(None, None)] * count
        doc = read_document(annt)
        records = doc.record_list()
        if records is None:
            raise DataError(annt, "expected TextHarmony's list of {'sentences', 'images', ...}")
        if len(records) != count:
            raise DataError(annt, f"has {len(records)} records, {gt_file.name} has {count} "
                            "(they must be in the same order)")
        out = []
        for rec in records:
            sentences = rec.require("sentences")
            if not (isinstance(sentences, list) and sentences and isinstance(sentences[0], str)):
                raise rec.error("expected a list of sentences, the instruction first",
                                "sentences")
            imgs = rec.data.get("images")
            masked = imgs[0] if isinstance(imgs, list) and imgs and isinstance(imgs[0], str) \
                else None
            out.append(_Instruction(sentences[0], masked))
        return annt, out

    def _find_masked(self, given: str, annt: Path, roots: Sequence[Path]) -> Path | None:
        path = Path(given).expanduser()
        candidates = [path] if path.is_absolute() else [annt.parent / path]
        candidates += [root / "edit_images" for root in roots]
        candidates = [candidates[0]] + [c / path.name for c in candidates[1:]]
        return next((c for c in candidates if c.is_file()), None)

    def _cache_dir(self, gt_file: Path) -> Path:
        from harmonybench.runfolder import sha256_file

        digest = short_hash({"edit_gt": sha256_file(gt_file), "dilation": self.mask_dilation,
                             "fill": list(EDIT_FILL), "version": _MASK_VERSION})
        return (self.masked_dir or default_cache() / "anytext-edit") / digest

    def load(self, path: str | Path, images: str | Path | None = None) -> list[Sample]:
        """Read ``edit_gt.json`` (and ``edit_annt.json``); build missing inputs and the masks.

        Raises:
            DataError: naming the file, the record and the field of the first bad item; a
                record without exactly one scored line; a ground-truth image that is missing
                where no masked input exists.
        """
        from PIL import Image

        self.check_reader()
        file = find_json(path, "edit_gt.json", "TextHarmony's editing ground truth")
        data_root, items = read_anytext_file(file)
        root = gt_image_root(file, data_root, images)
        annt, instructions = self._instructions(file, len(items))
        cache = self._cache_dir(file)
        subset = _subset(self.subset, file, data_root, root)
        samples = []
        for item, instruction in zip(items, instructions, strict=True):
            rec = item.rec
            target = {"lines": [dict(line) for line in item.lines]}
            base = Sample(id=item.img_name, task=self.name, question=item.caption,
                          target=target)
            selected = _selected(base)
            if len(selected) != 1:
                raise rec.error(f"an editing record needs exactly one scored line (valid, "
                                f"with a polygon), found {len(selected)}", "annotations")
            full_text = _selected(base, truncate=False)[0].text
            expected = EDIT_INSTRUCTION.render(text=full_text)
            if instruction.sentence is not None and instruction.sentence != expected:
                assert annt is not None
                raise DataError(annt, f"instruction {instruction.sentence!r} does not match "
                                f"{file.name}'s text: expected {expected!r}",
                                record=f"record {rec.index}", field="sentences")
            gt = root / item.img_name
            masked = (self._find_masked(instruction.masked, annt, [root, root.parent,
                                                                   file.parent])
                      if instruction.masked and annt is not None else None)
            if not gt.is_file() and masked is None:
                raise rec.error(f"the ground-truth image {gt} is missing and there is no masked "
                                "input to edit (pass the image folder as images)", "img_name")
            sized = gt if gt.is_file() else masked
            assert sized is not None
            with Image.open(sized) as opened:
                size = opened.size
            stem = Path(item.img_name).stem
            mask_path = cache / f"{stem}_mask.png"
            polygon = selected[0].polygon
            if not mask_path.is_file():
                _write_png(Image.fromarray(edit_mask(size, polygon, self.mask_dilation),
                                           mode="L"), mask_path)
            if masked is not None:
                input_path, how = masked, "edit_annt.json"
            else:
                stat = gt.stat()
                tag = short_hash([stat.st_size, stat.st_mtime_ns], 8)
                input_path = cache / f"{stem}_input_{tag}.png"
                how = "built from GT polygon"
                if not input_path.is_file():
                    _write_png(self._masked_input(gt, mask_path), input_path)
            metadata: dict[str, Any] = {
                "img_name": item.img_name,
                "caption": item.caption,
                "text": full_text,
                "texts": [selected[0].text],
                "polygons": _polygons(selected),
                "width": size[0],
                "height": size[1],
                "instruction": expected,
                "masked_input": how,
                "mask": str(mask_path),
                "mask_dilation": self.mask_dilation,
            }
            if gt.is_file():
                metadata["gt_image"] = str(gt)
            if subset:
                metadata["subset"] = subset
            samples.append(Sample(
                id=item.img_name, task=self.name, question=item.caption, target=target,
                images=(ImageRef(path=str(input_path), name=Path(input_path).name),),
                metadata=metadata,
            ))
        return samples

    @staticmethod
    def _masked_input(gt: Path, mask_path: Path) -> Any:
        """The ground-truth image with the mask's region painted :data:`EDIT_FILL`."""
        from PIL import Image

        with Image.open(gt) as opened:
            image = opened.convert("RGB")
        with Image.open(mask_path) as opened:
            mask = opened.convert("L")
        image.paste(Image.new("RGB", image.size, EDIT_FILL), mask=mask)
        return image

    # -- requests and extraction -----------------------------------------------------------

    def request(
        self,
        sample: Sample,
        family: str = "default",
        generation: Mapping[str, Any] | None = None,
        seed: int | None = None,
        index: int | None = None,
    ) -> Request:
        """The edit request: the instruction, the masked input and the mask."""
        template = self.template(family)
        if template.id == ANYTEXT_TEMPLATE.id:
            prompt = anytext_prompt(sample.question or "", 1)
        else:
            prompt = template.render(text=sample.metadata.get("text", ""))
        request = self.image_request(sample, family, generation, seed, index,
                                     template=template, prompt=prompt, images=sample.images,
                                     mask=ImageRef(path=str(sample.metadata["mask"]),
                                                   name="mask"))
        metadata = {k: v for k, v in request.metadata.items() if k != "gt_image"}
        from dataclasses import replace

        return replace(request, metadata=metadata)

    def extract(self, output: Output, sample: Sample | None = None) -> Any:
        """The reader's text for the edited line of every output image."""
        if sample is None:
            raise ValueError("anytext-edit extraction needs the sample (its target line)")
        return self.read_line_images(output, sample)

    # -- dataset scores --------------------------------------------------------------------

    def default_fid_reference(self, samples: Sequence[Sample]) -> tuple[list[str], str]:
        """The ground-truth images of the edited samples."""
        paths = [str(s.metadata["gt_image"]) for s in samples if s.metadata.get("gt_image")]
        return paths, "the ground-truth images"

    def extra_dataset_scores(
        self, samples: Sequence[Sample], records: Sequence[Record]
    ) -> dict[str, dict[str, Any]]:
        """``background``: masked PSNR and SSIM of each edited image against the original.

        Computed outside the (dilated) editing mask, with ``margin = 5`` more pixels left
        out (:data:`~harmonybench.metrics.image_quality.SSIM_WINDOW_RADIUS`, so SSIM windows
        never see the edited region); an edited image of another size than the original is
        resized to it (bilinear) first; an unchanged background counts as
        :data:`PSNR_CAP` dB. Means over every image of every sample that has its
        ground-truth image (an image that can no longer be read is left out).
        """
        from harmonybench.metrics.image_quality import SSIM_WINDOW_RADIUS, background_preservation

        psnr: list[float] = []
        ssim: list[float] = []
        resized = 0
        for sample, record in zip(samples, records, strict=True):
            gt, mask = sample.metadata.get("gt_image"), sample.metadata.get("mask")
            if not gt or not mask:
                continue
            try:
                original = open_generated(str(gt))
            except ImageOutputError:
                continue
            for path in record.images:
                try:
                    edited = open_generated(path)
                except ImageOutputError:
                    continue
                if edited.size != original.size:
                    from PIL import Image

                    edited = edited.resize(original.size, Image.Resampling.BILINEAR)
                    resized += 1
                try:
                    values = background_preservation(edited, original, str(mask),
                                                     margin=SSIM_WINDOW_RADIUS)
                except ValueError:
                    continue
                psnr.append(min(values["psnr"], PSNR_CAP))
                ssim.append(values["ssim"])
        if not psnr:
            return {"background": {"skipped": "no edited image with its ground-truth image"}}
        return {"background": {
            "psnr": sum(psnr) / len(psnr), "ssim": sum(ssim) / len(ssim), "images": len(psnr),
            "note": f"outside the editing mask plus {SSIM_WINDOW_RADIUS} px; PSNR capped at "
                    f"{PSNR_CAP:g} dB; {resized} images resized to the original's size",
        }}

"""``mario-eval``: TextDiffuser's MARIO-Eval text-to-image benchmark (OCR P/R/F/Acc, FID, CLIP).

Layout (microsoft/unilm ``textdiffuser/eval/MARIOEval_generate.py`` and
``MARIOEval_evaluate.py`` at 768a3c873f59)::

    <root>/MARIOEval/<Subset>/<Subset>.txt     one prompt per line; words to render in '...'
    <root>/MARIOEval/<Subset>/images/          ground-truth images (TMDBEval500,
                                               OpenLibraryEval500 and LAIONEval4000 only)

``load`` takes one subset folder, its ``<Subset>.txt``, the ``MARIOEval`` folder (every
subset folder in it, in the reference's order: TMDBEval500, OpenLibraryEval500,
LAIONEval4000, ChineseDrawText, DrawBenchText, DrawTextCreative, then any other by name) or
the folder holding ``MARIOEval``. Prompts are the file's lines (split on ``\\n``, ``\\r\\n``
or ``\\r`` as Python's ``readlines`` does) stripped of surrounding whitespace, as the
reference reads them; a blank line is skipped (the reference would generate an image for an
empty prompt). The sample id is ``<Subset>/<i>`` with ``i`` the 0-based line number (the
reference's prompt index, which names its images ``<i>_<seed>.jpg``), so ids are the same
whether one subset or all are loaded.

- ``question``: the prompt line (also the CLIPScore caption, as ``clipscore.py``);
- ``target``: ``{"words": mario_keywords(prompt)}``: the single-quoted spans, lowercased and
  split on whitespace (:func:`~harmonybench.targets.mario_keywords`);
- ``images``: the ground-truth image ``images/<i>.<ext>`` when the subset has it (never given
  to the model);
- ``layout`` (:class:`~harmonybench.layout.TextLayout`, passed on as ``Request.layout``):
  ``texts`` (the quoted spans as written: what to render, one line each), ``polygons`` (a
  suggested layout, :func:`stacked_layout`, for adapters that draw into polygons: MARIO-Eval
  has no positions and its scoring ignores them), ``width``/``height`` 512, and ``caption``
  the prompt line (which already quotes its words, so it is also the quoted caption);
- ``metadata``: ``subset``, ``line`` (1-based), ``layout: "stacked"`` (the polygons are
  harmonybench's suggestion), and ``gt_dir`` (the subset's image folder) when it holds images
  (never in a request).

With several subsets, ``images`` (the loader's argument) is a folder holding ``<Subset>/``
image folders; with one subset it is that subset's image folder.

**Prompts**: ``default`` is the prompt line as is (TextDiffuser passes it unchanged);
``textharmony`` is ``Generate an image according to the caption. {prompt}``.
**Generation**: 4 images per prompt (the reference's seeds 0-3), 512x512; the ``textharmony``
family adds TextHarmony's 30 steps and guidance 7.5 and keeps the protocol's 4 images.

**Scoring**: protocol ``mario`` on whole-image word OCR by the task's reader (MaskTextSpotterV3
in the reference). Option ``mask_corner=64`` blackens the bottom-right 64x64 pixels (of a
512x512 frame) before reading, as TextDiffuser's README prescribes for DeepFloyd IF's
watermark. Dataset scores: CLIPScore with ``clip=PATH`` (default convention
``clipscore-textdiffuser``: w = 1, ViT-B/32 in the reference) over every image of every
prompt; FID, per image index ``k`` (the reference's seed), of the ``k``-th images of the
prompts of the subsets with ground-truth images against all those images pooled (or against
``fid_reference``), averaged over ``k``: the method-level number of
``MARIOEval_evaluate.py``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from harmonybench.errors import DataError
from harmonybench.layout import Polygon, sample_layout
from harmonybench.prompt_rules import textharmony_t2i
from harmonybench.schema import ImageRef, Output, Record, Sample
from harmonybench.targets import mario_keywords
from harmonybench.task import PromptTemplate, frozen
from harmonybench.tasks.imageout import ImageOutTask
from harmonybench.tasks.imageout_common import WordReader, image_files, parse_int

MARIO_SUBSETS: tuple[str, ...] = (
    "TMDBEval500", "OpenLibraryEval500", "LAIONEval4000",
    "ChineseDrawText", "DrawBenchText", "DrawTextCreative",
)
"""MARIO-Eval's subsets in the order ``MARIOEval_evaluate.py`` lists them."""

SUBSETS_WITH_IMAGES: tuple[str, ...] = ("TMDBEval500", "OpenLibraryEval500", "LAIONEval4000")
"""The subsets that ship ground-truth images (FID is computed on these)."""

MARIO_DEFAULT = PromptTemplate("mario-eval/prompt@768a3c8", "{question}")
MARIO_TEXTHARMONY = PromptTemplate("mario-eval/textharmony@f98ac34",
                                   textharmony_t2i("{question}"))

_QUOTED = re.compile(r"'(.*?)'")


def quoted_spans(prompt: str) -> list[str]:
    """The single-quoted spans of ``prompt`` as written (``get_key_words``' regex, unsplit)."""
    return [span for span in _QUOTED.findall(prompt) if span.strip()]


def stacked_layout(count: int, size: int = 512) -> tuple[Polygon, ...]:
    """``count`` full-width boxes stacked from the top of a ``size`` square, one per text.

    MARIO-Eval gives no positions (TextDiffuser plans its own layout); these are only a
    suggestion for adapters that draw texts into polygons (``render``). Rows are
    ``step = min(0.28 * size, 0.84 * size / count)`` apart from 8% of the side, each box two
    thirds of a step high and spanning 6%-94% of the width.
    """
    step = min(0.28 * size, 0.84 * size / max(count, 1))
    left, right = round(0.06 * size), round(0.94 * size)
    boxes: list[Polygon] = []
    for i in range(count):
        top = round(0.08 * size + i * step)
        bottom = round(0.08 * size + i * step + step * 2 / 3)
        boxes.append(((left, top), (right, top), (right, bottom), (left, bottom)))
    return tuple(boxes)


def _order(name: str) -> tuple[int, str]:
    return (MARIO_SUBSETS.index(name) if name in MARIO_SUBSETS else len(MARIO_SUBSETS), name)


def find_subsets(path: str | Path) -> list[tuple[str, Path]]:
    """``(subset name, prompt file)`` for every subset ``path`` names (see the module doc).

    Raises:
        DataError: ``path`` is none of the accepted layouts.
    """
    source = Path(path).expanduser()
    if source.is_file():
        if source.suffix.lower() != ".txt":
            raise DataError(source, "expected a MARIO-Eval prompt file <Subset>.txt")
        name = source.parent.name if source.parent.name == source.stem else source.stem
        return [(name, source)]
    if not source.is_dir():
        raise DataError(source, "no such file or folder")
    own = source / f"{source.name}.txt"
    if own.is_file():
        return [(source.name, own)]
    for base in (source, source / "MARIOEval"):
        if not base.is_dir():
            continue
        found = [(d.name, d / f"{d.name}.txt") for d in base.iterdir()
                 if d.is_dir() and (d / f"{d.name}.txt").is_file()]
        if found:
            return sorted(found, key=lambda item: _order(item[0]))
    raise DataError(source, "is not a MARIO-Eval subset folder (<Subset>/<Subset>.txt), nor "
                    "the MARIOEval folder holding subset folders")


def read_prompts(file: Path) -> list[tuple[int, str]]:
    """``(0-based line number, stripped prompt)`` of every non-blank line.

    Raises:
        DataError: the file cannot be read as UTF-8, or holds no prompt.
    """
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise DataError(file, f"cannot be read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise DataError(file, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    prompts = [(i, line.strip()) for i, line in enumerate(lines) if line.strip()]
    if not prompts:
        raise DataError(file, "holds no prompts (one per line)")
    return prompts


class MarioEval(ImageOutTask):
    """MARIO-Eval: OCR precision/recall/F/accuracy of the prompts' keywords, FID, CLIPScore.

    Options (besides :class:`~harmonybench.tasks.imageout.ImageOutTask`'s): ``mask_corner``
    (pixels of a 512x512 frame blackened bottom-right before OCR; default 0).
    """

    name: ClassVar[str] = "mario-eval"
    summary: ClassVar[str] = (
        "MARIO-Eval T2I (TextDiffuser): OCR P/R/F/Acc of quoted keywords, FID, CLIPScore"
    )
    kind = "t2i"
    default_protocol: ClassVar[str] = "mario"
    protocols: ClassVar[tuple[str, ...]] = ("mario",)
    default_clip_protocol: ClassVar[str] = "clipscore-textdiffuser"
    prompts = frozen({"default": MARIO_DEFAULT, "textharmony": MARIO_TEXTHARMONY})
    generation = frozen({"num_images": 4, "height": 512, "width": 512})
    family_generation = frozen({"textharmony": {"num_inference_steps": 30,
                                                "guidance_scale": 7.5}})

    def __init__(self, mask_corner: str | int = 0, **options: Any) -> None:
        super().__init__(**options)
        self.mask_corner = parse_int("mask_corner", mask_corner, low=0)

    def load(self, path: str | Path, images: str | Path | None = None) -> list[Sample]:
        """Read one subset or all of them; see the module docstring.

        Raises:
            DataError: an unknown layout, or a prompt file that cannot be read.
        """
        self.check_reader()
        subsets = find_subsets(path)
        samples: list[Sample] = []
        for subset, file in subsets:
            if images is None:
                folder = file.parent / "images"
            elif len(subsets) == 1:
                folder = Path(images).expanduser()
            else:
                folder = Path(images).expanduser() / subset
            found = {p.stem: p for p in image_files(folder)} if folder.is_dir() else {}
            for index, prompt in read_prompts(file):
                gt = found.get(str(index))
                texts = tuple(quoted_spans(prompt))
                layout = sample_layout(file, f"{subset}/{index}", texts=texts,
                                       polygons=stacked_layout(len(texts)), width=512,
                                       height=512, caption=prompt)
                metadata: dict[str, Any] = {"subset": subset, "line": index + 1,
                                            "layout": "stacked"}
                if found:
                    metadata["gt_dir"] = str(folder)
                samples.append(Sample(
                    id=f"{subset}/{index}", task=self.name, question=prompt,
                    target={"words": mario_keywords(prompt)},
                    images=(ImageRef(path=str(gt), name=gt.name),) if gt else (),
                    metadata=metadata, layout=layout,
                ))
        return samples

    def answer_reader(self) -> str | None:
        """The whole-image reader's identity (``word_identity``), as :meth:`extract` records."""
        reader = self.reader
        return reader.word_identity if isinstance(reader, WordReader) else reader.identity

    def extract(self, output: Output, sample: Sample | None = None) -> Any:
        """The words the reader finds in each generated image."""
        return self.read_word_images(output, self.mask_corner)

    def default_fid_reference(self, samples: Sequence[Sample]) -> tuple[list[str], str]:
        """Every image of the ground-truth folders of the loaded subsets, pooled."""
        folders = sorted({str(s.metadata["gt_dir"]) for s in samples if s.metadata.get("gt_dir")})
        paths = [str(p) for folder in folders for p in image_files(folder)]
        return paths, "ground-truth images of " + ", ".join(Path(f).parent.name for f in folders)

    def fid_generated_sets(
        self, samples: Sequence[Sample], records: Sequence[Record], default_reference: bool
    ) -> list[list[str]]:
        """One set per image index ``k``: the ``k``-th image of each prompt (of the subsets
        with ground-truth images, against the default reference)."""
        chosen = [r for s, r in zip(samples, records, strict=True)
                  if not default_reference or s.metadata.get("gt_dir")]
        count = max((len(r.images) for r in chosen), default=0)
        return [[r.images[k] for r in chosen if len(r.images) > k] for k in range(count)]

"""What the image-out tasks share: task options, OCR extraction with a reader, FID and CLIPScore.

The image-out tasks (``anytext-t2i``, ``anytext-edit``, ``mario-eval``) ask a model for images
and score what an OCR reader reads in them. This module holds their common machinery:

**Options** (``--task-arg TASK:KEY=VALUE``, strings; every image-out task takes these):

- ``reader`` (``rapidocr``, default, or ``tesseract``, or a plugin registered in the
  ``harmonybench.readers`` entry-point group): the OCR reader, looked up in
  :data:`harmonybench.registries.READERS`. Its options are given as ``reader_<key>=VALUE``
  (``reader_lang=eng``, ``reader_batch_size=32``; see :mod:`harmonybench.models.readers`).
  The reader is built when the task is, and its engine is checked when the data is loaded, so
  a missing engine stops the run before any image is generated.
- ``crop`` (``auto``, ``anytext`` or ``bare``): whether line crops are resized and padded to
  AnyText's 48x320 recognizer input (:func:`harmonybench.metrics.crop.resize_and_pad`) before
  reading; ``auto`` asks the reader (RapidOCR: yes; Tesseract: no).
- ``clip=PATH``: a local CLIP checkpoint folder; CLIPScore is computed over every generated
  image and its caption. ``clip_protocol`` names the convention(s), comma-separated:
  ``clipscore`` (w = 2.5) and/or ``clipscore-textdiffuser`` (w = 1); the default is the task's
  (:attr:`ImageOutTask.default_clip_protocol`).
- ``fid`` (``auto``, ``on``, ``off``): FID of the generated images against a reference set.
  ``auto`` computes it when a reference exists: ``fid_reference=DIR`` (every image file in
  it, pytorch-fid's extensions), else the task's ground-truth images. ``on`` reports a missing
  reference as a skipped score; ``off`` never computes it.
- ``fid_features=PATH``: the feature network, a module mapping a ``uint8`` batch
  ``(B, 3, H, W)`` (299x299 after pytorch-fid's resize) to features ``(B, D)``, saved so that
  no Python class is needed to load it: a ``torch.export.save`` archive (``.pt2``, exported
  with a dynamic batch dimension) or a TorchScript file (``torch.jit.save``; any other
  suffix). See :func:`load_feature_network`. Without it, the standard FID Inception of
  torch-fidelity is used (its weights from torch hub's cache or ``fid_weights=PATH``); when
  that is not installed, the FID entry says so (:mod:`harmonybench.metrics.image_quality`
  never downloads).
- ``device`` (``cpu``): where CLIP and the FID network run.

**Extraction** (``extract``): the model's output images are opened (a missing or unreadable
file raises :class:`ImageOutputError`, which the run loop records as that sample's failure),
and read with the reader. The answer has the layout of :mod:`harmonybench.metrics.textrender`
with the reader's identity under ``"reader"``:

- line readings (AnyText-style tasks, :meth:`ImageOutTask.read_line_images`): every target
  line (:func:`~harmonybench.metrics.textrender.target_lines`) of every image is cut out with
  :func:`~harmonybench.metrics.crop.rectified_crop` (AnyText's rectification) in the polygon
  frame ``metadata["width"] x metadata["height"]`` scaled to the image, optionally resized to
  48x320, and the crops of all images of the sample go to the reader in **one** call (so a
  batched reader batches across the 4 images of a prompt). This is
  :func:`~harmonybench.metrics.crop.read_lines` over all images at once. A line whose polygon
  cannot be cut from the image (it covers no pixel of it, or is thinner than a pixel) reads
  ``""`` and its index is listed under the image's ``"unreadable"`` key (the reference reads a
  fake 100x100 box at the origin instead);
- word readings (MARIO-Eval, :meth:`ImageOutTask.read_word_images`): whole-image word OCR
  through the reader's ``words`` (:class:`WordReader`).

**Dataset scores** (``dataset_scores``), keyed like protocols so that ``scores.json`` and the
leaderboard read them as protocols: ``{"fid": {"fid": 33.1, "generated": 4000, "reference":
1000, ...}, "clipscore": {"clipscore": 0.81, "model": "clip-vit-base-patch32", "images": 4000}}``.
A score that cannot be computed is reported as ``{"skipped": "<why>"}`` under its key, so the
other scores survive.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from harmonybench.errors import HarmonyBenchError, RegistryError
from harmonybench.meaning import COUNT, MetricInfo, MetricTable, declare
from harmonybench.metrics.textrender import target_lines
from harmonybench.reader import TextReader
from harmonybench.schema import ImageRef, Output, Record, Request, Sample
from harmonybench.task import PromptTemplate, Task

if TYPE_CHECKING:
    from PIL import Image

IMAGE_SUFFIXES: frozenset[str] = frozenset(
    {".bmp", ".jpg", ".jpeg", ".pgm", ".png", ".ppm", ".tif", ".tiff", ".webp"}
)
"""Image files a reference folder is read for (pytorch-fid's ``IMAGE_EXTENSIONS``)."""
_CLIPSCORE = declare(clipscore=MetricInfo(unit="clipscore", main=True), images=COUNT)
IMAGE_DATASET_METRICS: Mapping[str, MetricTable] = MappingProxyType({
    "fid": declare(fid=MetricInfo(unit="fid", higher_is_better=False, main=True),
                   generated=COUNT, reference=COUNT),
    "clipscore": _CLIPSCORE,
    "clipscore-textdiffuser": _CLIPSCORE,
})
"""What :meth:`ImageOutTask.dataset_scores` reports: FID (Heusel et al. 2017, lower is
better) with its image counts, and CLIPScore under each convention (Hessel et al. 2021;
TextDiffuser's) with its image count."""

CLIP_PROTOCOLS: tuple[str, ...] = ("clipscore", "clipscore-textdiffuser")
"""The CLIPScore conventions of :mod:`harmonybench.metrics.image_quality`."""

FID_MODES: tuple[str, ...] = ("auto", "on", "off")
CROP_MODES: tuple[str, ...] = ("auto", "anytext", "bare")


class ImageOutputError(HarmonyBenchError):
    """A generated image that is missing or cannot be read (that sample's failure)."""


class TaskOptionError(HarmonyBenchError):
    """A ``--task-arg`` value an image-out task cannot use."""


@runtime_checkable
class WordReader(Protocol):
    """A reader that also finds the words anywhere in a whole image (MARIO-Eval)."""

    @property
    def word_identity(self) -> str:
        """Name, version and models used for whole-image reading."""
        ...

    def words(self, images: Sequence[Image.Image]) -> list[list[str]]:
        """The words found in each image, one string per word."""
        ...


# ----------------------------------------------------------------------------- helpers


def open_generated(path: str | os.PathLike[str]) -> Image.Image:
    """A generated image, fully read and converted to RGB.

    Raises:
        ImageOutputError: the file is missing or is not a readable image.
    """
    from PIL import Image

    file = Path(path)
    if not file.is_file():
        raise ImageOutputError(f"generated image {file} does not exist")
    try:
        with Image.open(file) as opened:
            opened.load()
            return opened.convert("RGB")
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageOutputError(f"generated image {file} cannot be read: {exc}") from exc


def image_files(folder: str | os.PathLike[str]) -> list[Path]:
    """The image files directly in ``folder`` (pytorch-fid's extensions), sorted by name."""
    root = Path(folder)
    return sorted(p for p in root.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def output_images(output: Output) -> list[str]:
    """The output's image paths.

    Raises:
        ImageOutputError: the output has none.
    """
    if not output.images:
        raise ImageOutputError("the model returned no images for this sample")
    return list(output.images)


def polygon_frame(sample: Sample) -> tuple[int, int] | None:
    """``(width, height)`` of the frame the sample's polygons are in (its metadata), if given."""
    width, height = sample.metadata.get("width"), sample.metadata.get("height")
    if isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0:
        return width, height
    return None


def known_subset(paths: Sequence[str | os.PathLike[str] | None],
                 names: Sequence[str]) -> str | None:
    """The first of ``names`` that is a component of one of ``paths`` (in order)."""
    for path in paths:
        if path is None:
            continue
        parts = Path(path).parts
        for name in names:
            if name in parts:
                return name
    return None


def parse_choice(key: str, value: str, choices: Sequence[str]) -> str:
    """``value`` (lowercased) if it is one of ``choices``.

    Raises:
        TaskOptionError: it is not.
    """
    lowered = str(value).strip().lower()
    if lowered not in choices:
        raise TaskOptionError(f"--task-arg {key}={value!r}: expected one of {', '.join(choices)}")
    return lowered


def parse_int(key: str, value: str | int, *, low: int = 0) -> int:
    """``value`` as an integer of at least ``low``.

    Raises:
        TaskOptionError: not an integer, or too small.
    """
    try:
        number = int(str(value).strip())
    except ValueError:
        raise TaskOptionError(f"--task-arg {key}={value!r}: expected an integer") from None
    if number < low:
        raise TaskOptionError(f"--task-arg {key}={value!r}: expected an integer >= {low}")
    return number


def _existing(key: str, value: str | None, *, folder: bool) -> Path | None:
    if value is None or not str(value).strip():
        return None
    path = Path(str(value)).expanduser()
    if folder and not path.is_dir():
        raise TaskOptionError(f"--task-arg {key}={value!r}: not a folder")
    if not folder and not path.is_file():
        raise TaskOptionError(f"--task-arg {key}={value!r}: not a file")
    return path


# ----------------------------------------------------------------------------- the task


class ImageOutTask(Task):
    """Base of the image-out tasks: options, OCR extraction and dataset-level scores.

    Subclasses implement :meth:`load`, :meth:`request` and :meth:`extract` (with
    :meth:`read_line_images` or :meth:`read_word_images`), and may override
    :meth:`clip_caption`, :meth:`default_fid_reference`, :meth:`fid_generated_sets` and
    :meth:`extra_dataset_scores`.

    Args:
        reader: the READERS name of the OCR reader.
        crop: ``auto``, ``anytext`` (48x320 recognizer input) or ``bare`` crops.
        clip: a local CLIP checkpoint folder (enables CLIPScore).
        clip_protocol: ``clipscore`` and/or ``clipscore-textdiffuser``, comma-separated.
        fid: ``auto``, ``on`` or ``off``.
        fid_reference: a folder of reference images for FID.
        fid_features: a TorchScript feature network file for FID.
        fid_weights: the standard Inception weight file (torch-fidelity), when not cached.
        device: where CLIP and the FID network run.
        **reader_options: ``reader_<key>=VALUE`` options passed to the reader as ``key``.

    Raises:
        TaskOptionError: a bad option value (or a path that does not exist).
        RegistryError: an unknown reader, or an option no one takes.
    """

    modality = "image"
    default_clip_protocol: ClassVar[str] = "clipscore"
    """The CLIPScore convention used when ``clip_protocol`` is not given."""
    dataset_metrics: ClassVar[Mapping[str, MetricTable]] = IMAGE_DATASET_METRICS

    def __init__(
        self,
        reader: str = "rapidocr",
        crop: str = "auto",
        clip: str | None = None,
        clip_protocol: str | None = None,
        fid: str = "auto",
        fid_reference: str | None = None,
        fid_features: str | None = None,
        fid_weights: str | None = None,
        device: str = "cpu",
        **reader_options: str,
    ) -> None:
        unknown = sorted(k for k in reader_options if not k.startswith("reader_"))
        if unknown:
            raise RegistryError(
                f"task {self.name!r} does not take options {unknown} (image-out options: "
                "reader, reader_<key>, crop, clip, clip_protocol, fid, fid_reference, "
                "fid_features, fid_weights, device, and the task's own)"
            )
        self.reader_name = str(reader).strip()
        self.reader_options = {k[len("reader_"):]: str(v) for k, v in reader_options.items()}
        self.crop = parse_choice("crop", crop, CROP_MODES)
        self.clip = _existing("clip", clip, folder=True)
        names = [p.strip() for p in (clip_protocol or self.default_clip_protocol).split(",")]
        for name in names:
            parse_choice("clip_protocol", name, CLIP_PROTOCOLS)
        self.clip_protocols = tuple(dict.fromkeys(n.lower() for n in names if n))
        self.fid = parse_choice("fid", fid, FID_MODES)
        self.fid_reference = _existing("fid_reference", fid_reference, folder=True)
        self.fid_features = _existing("fid_features", fid_features, folder=False)
        self.fid_weights = _existing("fid_weights", fid_weights, folder=False)
        self.device = str(device).strip() or "cpu"
        self._reader = self._build_reader()
        self._feature: Any = None

    # -- the reader ------------------------------------------------------------------------

    def _build_reader(self) -> TextReader:
        from harmonybench.registries import READERS

        cls = READERS.load(self.reader_name)
        try:
            built = cls(**self.reader_options)
        except TypeError as exc:
            raise RegistryError(
                f"reader {self.reader_name!r} does not take options "
                f"{sorted('reader_' + k for k in self.reader_options)}: {exc}"
            ) from exc
        # getattr_static: isinstance(built, TextReader) would evaluate the identity property,
        # which starts the engine
        if not callable(getattr(built, "read", None)) or \
                inspect.getattr_static(built, "identity", None) is None:
            raise RegistryError(f"reader {self.reader_name!r} ({cls!r}) is not a TextReader "
                                "(identity, read)")
        reader: TextReader = built
        return reader

    @property
    def reader(self) -> TextReader:
        """The OCR reader the task extracts with."""
        return self._reader

    def check_reader(self) -> None:
        """Make sure the reader's engine is installed (called by ``load``).

        Raises:
            HarmonyBenchError: the engine is missing (the message says what to install).
        """
        check = getattr(self._reader, "check", None)
        if callable(check):
            check()

    def anytext_input(self) -> bool:
        """Whether crops are resized and padded to 48x320 (option ``crop``, else the reader)."""
        if self.crop == "auto":
            return bool(getattr(self._reader, "anytext_input", True))
        return self.crop == "anytext"

    # -- extraction ------------------------------------------------------------------------

    def read_line_images(self, output: Output, sample: Sample) -> dict[str, Any]:
        """Line readings of every output image (see the module docstring).

        Raises:
            ImageOutputError: no image, or one that is missing or unreadable.
            ValueError: the reader returned a different number of texts than crops.
        """
        from harmonybench.metrics.crop import rectified_crop, resize_and_pad

        images = [open_generated(path) for path in output_images(output)]
        lines = target_lines(sample)
        frame = polygon_frame(sample)
        pad = self.anytext_input()
        crops: list[Image.Image] = []
        slots: list[tuple[int, int]] = []
        unreadable: dict[int, list[int]] = {}
        for i, image in enumerate(images):
            for k, line in enumerate(lines):
                try:
                    crop = rectified_crop(image, line.polygon, polygon_size=frame)
                except ValueError:
                    unreadable.setdefault(i, []).append(k)
                    continue
                crops.append(resize_and_pad(crop) if pad else crop)
                slots.append((i, k))
        texts = self._reader.read(crops) if crops else []
        if len(texts) != len(crops):
            raise ValueError(f"reader {self._reader.identity!r} returned {len(texts)} texts "
                             f"for {len(crops)} crops")
        table = [[""] * len(lines) for _ in images]
        for (i, k), text in zip(slots, texts, strict=True):
            table[i][k] = str(text)
        entries: list[dict[str, Any]] = []
        for i, row in enumerate(table):
            entry: dict[str, Any] = {"lines": row}
            if i in unreadable:
                entry["unreadable"] = unreadable[i]
            entries.append(entry)
        return {"reader": self._reader.identity, "images": entries}

    def read_word_images(self, output: Output, mask_corner: int = 0) -> dict[str, Any]:
        """Whole-image word readings of every output image.

        Args:
            output: the model's output.
            mask_corner: blacken the bottom-right ``mask_corner`` x ``mask_corner`` pixels
                (of a 512x512 frame, scaled to the image) first: TextDiffuser's README masks
                DeepFloyd IF's watermark this way (``image[-64:, -64:] = 0``).

        Raises:
            ImageOutputError: no image, or one that is missing or unreadable.
            TaskOptionError: the reader cannot read whole images.
        """
        reader = self._reader
        if not isinstance(reader, WordReader):
            raise TaskOptionError(f"reader {self.reader_name!r} cannot read whole images "
                                  "(it has no words())")
        images = [open_generated(path) for path in output_images(output)]
        if mask_corner > 0:
            images = [_mask_corner(image, mask_corner) for image in images]
        words = reader.words(images)
        if len(words) != len(images):
            raise ValueError(f"reader {reader.word_identity!r} returned {len(words)} word "
                             f"lists for {len(images)} images")
        return {"reader": reader.word_identity, "words": [[str(w) for w in ws] for ws in words]}

    # -- requests --------------------------------------------------------------------------

    def image_request(
        self,
        sample: Sample,
        family: str,
        generation: Mapping[str, Any] | None,
        seed: int | None,
        index: int | None,
        *,
        template: PromptTemplate,
        prompt: str,
        images: tuple[ImageRef, ...] = (),
        mask: ImageRef | None = None,
    ) -> Request:
        """A t2i or edit request with the family's generation settings.

        A ``seed`` among the settings (AnyText's protocol seeds every prompt with 100) becomes
        the request's seed instead of the per-sample one, and is not passed on as a setting.
        """
        settings = self.generation_for(family)
        if generation:
            settings.update(generation)
        fixed = settings.pop("seed", None)
        return Request(
            sample_id=sample.id,
            task=self.name,
            kind=self.kind,
            prompt=prompt,
            template_id=template.id,
            template_hash=template.hash,
            question=sample.question,
            index=index,
            images=images,
            mask=mask,
            seed=int(fixed) if fixed is not None else seed,
            generation=settings,
            metadata=dict(sample.metadata),
        )

    # -- dataset-level scores --------------------------------------------------------------

    def clip_caption(self, sample: Sample) -> str:
        """The caption CLIPScore pairs with the sample's images (its question)."""
        return sample.question or ""

    def default_fid_reference(self, samples: Sequence[Sample]) -> tuple[list[str], str]:
        """Reference images when ``fid_reference`` is not given, and how to name them.

        By default the samples' own ground-truth images (``sample.images``) that exist.
        """
        paths = [im.path for s in samples for im in s.images[:1]
                 if im.path is not None and Path(im.path).is_file()]
        return paths, "the samples' ground-truth images"

    def fid_generated_sets(
        self, samples: Sequence[Sample], records: Sequence[Record], default_reference: bool
    ) -> list[list[str]]:
        """The generated image sets FID is computed for (the result is their mean).

        By default one set: every image of every record (AnyText pools its 4 images per
        prompt). ``default_reference`` says whether the reference is the task's default one.
        """
        return [[path for r in records for path in r.images]]

    def extra_dataset_scores(
        self, samples: Sequence[Sample], records: Sequence[Record]
    ) -> dict[str, dict[str, Any]]:
        """Further dataset-level scores of a subclass (editing: background preservation)."""
        return {}

    def dataset_scores(
        self, samples: Sequence[Sample], records: Sequence[Record]
    ) -> dict[str, dict[str, Any]]:
        """CLIPScore (with ``clip``), FID (see ``fid``) and the subclass's extra scores."""
        out: dict[str, dict[str, Any]] = {}
        if self.clip is not None:
            out.update(self._clip_scores(samples, records))
        fid = self._fid_score(samples, records)
        if fid is not None:
            out["fid"] = fid
        out.update(self.extra_dataset_scores(samples, records))
        return out

    def _clip_scores(
        self, samples: Sequence[Sample], records: Sequence[Record]
    ) -> dict[str, dict[str, Any]]:
        from harmonybench.metrics.image_quality import CLIPScorer

        assert self.clip is not None
        images = [path for r in records for path in r.images]
        captions = [self.clip_caption(s) for s, r in zip(samples, records, strict=True)
                    for _ in r.images]
        out: dict[str, dict[str, Any]] = {}
        for name in self.clip_protocols:
            if not images:
                out[name] = {"skipped": "no generated images"}
                continue
            try:
                scores = CLIPScorer(self.clip, name, device=self.device).score(images, captions)
            except (OSError, ValueError) as exc:
                out[name] = {"skipped": f"{type(exc).__name__}: {exc}"}
                continue
            out[name] = {"clipscore": float(sum(scores) / len(scores)),
                         "model": self.clip.name, "images": len(scores)}
        return out

    def _feature_network(self) -> Any:
        """The feature network of ``fid_features`` (loaded once), or ``None``."""
        if self.fid_features is None:
            return None
        if self._feature is None:
            try:
                self._feature = load_feature_network(self.fid_features, self.device)
            except Exception as exc:  # a file that is neither format
                raise TaskOptionError(
                    f"--task-arg fid_features={self.fid_features}: not a torch.export (.pt2) "
                    f"or TorchScript file ({type(exc).__name__}: {exc})") from exc
        return self._feature

    def _feature_label(self) -> str:
        if self.fid_features is None:
            return "Inception (torch-fidelity FID weights)"
        kind = "" if self.fid_features.suffix == ".pt2" else "torchscript "
        return kind + self.fid_features.name

    def _fid_score(
        self, samples: Sequence[Sample], records: Sequence[Record]
    ) -> dict[str, Any] | None:
        if self.fid == "off":
            return None
        if self.fid_reference is not None:
            reference = [str(p) for p in image_files(self.fid_reference)]
            source = str(self.fid_reference)
        else:
            reference, source = self.default_fid_reference(samples)
        if not reference:
            if self.fid == "on":
                return {"skipped": "no reference images: give --task-arg fid_reference=DIR"}
            return None
        sets = [s for s in self.fid_generated_sets(samples, records,
                                                   self.fid_reference is None) if s]
        if not sets:
            return {"skipped": "no generated images to compare"}
        from harmonybench.metrics.image_quality import fid

        try:
            feature = self._feature_network()
            values = [fid(generated, reference, feature, weights_path=self.fid_weights,
                          device=self.device) for generated in sets]
        except (HarmonyBenchError, ValueError, OSError) as exc:
            return {"skipped": str(exc)}
        result: dict[str, Any] = {
            "fid": float(sum(values) / len(values)),
            "generated": sum(len(s) for s in sets),
            "reference": len(reference),
            "reference_source": source,
            "features": self._feature_label(),
        }
        if len(values) > 1:
            # a mapping, not a list: score tables and the leaderboard read only numbers and
            # skip mappings
            result["per_set"] = {str(k): float(v) for k, v in enumerate(values)}
        return result


def load_feature_network(path: Path, device: str = "cpu") -> Any:
    """A feature network saved to a file, as a ``torch.nn.Module`` (eval mode).

    ``.pt2``: a ``torch.export.save`` archive, loaded with ``torch.export.load(...).module()``
    (export it with a dynamic batch dimension: torchmetrics probes it with one image, then
    feeds batches); it runs where it was exported. Anything else: a TorchScript file
    (``torch.jit.save``), loaded with ``torch.jit.load`` onto ``device`` (TorchScript is
    deprecated in recent torch, which warns; it still loads).
    """
    import warnings

    import torch

    if path.suffix == ".pt2":
        program = torch.export.load(str(path)).module()

        class Exported(torch.nn.Module):
            """Holds the exported module without registering it (it refuses ``eval()``)."""

            def __init__(self) -> None:
                super().__init__()
                self.__dict__["program"] = program

            def forward(self, images: torch.Tensor) -> Any:
                return self.__dict__["program"](images)

        return Exported().eval()
    loader: Any = torch.jit.load
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return loader(str(path), map_location=device).eval()


def _mask_corner(image: Image.Image, side: int) -> Image.Image:
    """``image`` with its bottom-right ``side`` x ``side`` (512-frame) pixels set to black."""
    from PIL import ImageDraw

    width, height = image.size
    dx = max(1, round(side * width / 512))
    dy = max(1, round(side * height / 512))
    out = image.copy()
    ImageDraw.Draw(out).rectangle((width - dx, height - dy, width - 1, height - 1), fill=(0, 0, 0))
    return out

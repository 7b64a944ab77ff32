"""What the image-out tasks share: task options, OCR extraction with a reader, dataset inputs.

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
  AnyText's 48x320 recognizer input (:func:`harmonybench.crop.resize_and_pad`) before
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
  suffix). See :func:`~harmonybench.metrics.quality_protocols.load_feature_network`. Without it, the
  standard FID Inception of torch-fidelity is used (its weights from torch hub's cache or
  ``fid_weights=PATH``); when that is not installed, the FID entry says so
  (:mod:`harmonybench.metrics.image_quality` never downloads).
- ``device`` (``cpu``): where CLIP and the FID network run.

**Extraction** (``extract``): the model's output images are opened (a missing or unreadable
file raises :class:`~harmonybench.tasks.imageout_common.ImageOutputError`, which the run loop
records as that sample's failure), and read with the reader. The answer has the layout of
:mod:`harmonybench.metrics.textrender` with the reader's identity under ``"reader"``:

- line readings (AnyText-style tasks, :meth:`ImageOutTask.read_line_images`): every target
  line (:func:`~harmonybench.targets.target_lines`) of every image is cut out with
  :func:`~harmonybench.crop.rectified_crop` (AnyText's rectification) in the polygon
  frame ``sample.layout.width x sample.layout.height`` scaled to the image, optionally resized to
  48x320, and the crops of all images of the sample go to the reader in **one** call (so a
  batched reader batches across the 4 images of a prompt). This is
  :func:`~harmonybench.crop.read_lines` over all images at once. A line whose polygon
  cannot be cut from the image (it covers no pixel of it, or is thinner than a pixel) reads
  ``""`` and its index is listed under the image's ``"unreadable"`` key (the reference reads a
  fake 100x100 box at the origin instead);
- word readings (MARIO-Eval, :meth:`ImageOutTask.read_word_images`): whole-image word OCR
  through the reader's ``words`` (:class:`~harmonybench.tasks.imageout_common.WordReader`).

**Dataset scores**: the dataset-level protocols ``clipscore``, ``clipscore-textdiffuser``,
``fid`` (and ``background`` for editing; :data:`harmonybench.registries.DATASET_PROTOCOLS`,
computed by :func:`harmonybench.dataset_scoring.dataset_scores` from the inputs
:class:`~harmonybench.tasks.imageout_dataset.ImageDatasetInputs` prepares), keyed like
protocols so that ``scores.json`` and the leaderboard read them as protocols: ``{"fid":
{"fid": 33.1, "generated": 4000, "reference": 1000, ...}, "clipscore": {"clipscore": 0.81,
"model": "clip-vit-base-patch32", "images": 4000}}``. A score that cannot be computed is
reported as ``{"skipped": "<why>"}`` under its key, so the other scores survive.

**Requests** (:meth:`ImageOutTask.request`, one for every image-out task): the family's prompt
(:meth:`ImageOutTask.prompt`, a hook), the sample's :class:`~harmonybench.layout.TextLayout` as
``Request.layout`` (the task/model contract: texts, polygons, canvas, captions), and for editing
the input image and the mask (:meth:`ImageOutTask.edit_mask`, a hook).

**Modules**: this one holds :class:`ImageOutTask` (options, reader, extraction, requests);
:mod:`~harmonybench.tasks.imageout_dataset` the dataset-level protocols' inputs and
:mod:`~harmonybench.tasks.imageout_common` the option parsers, image-file helpers and errors.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from harmonybench.errors import RegistryError
from harmonybench.reader import TextReader
from harmonybench.schema import ImageRef, Output, Request, Sample
from harmonybench.targets import target_lines
from harmonybench.task import PromptTemplate, Task
from harmonybench.tasks.imageout_common import (
    CLIP_PROTOCOLS,
    CROP_MODES,
    FID_MODES,
    TaskOptionError,
    WordReader,
    blacken_corner,
    existing_path,
    open_generated,
    output_images,
    parse_choice,
    polygon_frame,
)
from harmonybench.tasks.imageout_dataset import ImageDatasetInputs

if TYPE_CHECKING:
    from PIL import Image


class ImageOutTask(ImageDatasetInputs, Task):
    """Base of the image-out tasks: options, OCR extraction and dataset-level scores.

    Subclasses implement :meth:`load` (filling ``Sample.layout``) and :meth:`extract` (with
    :meth:`read_line_images` or :meth:`read_word_images`), and may override :meth:`prompt`,
    :meth:`edit_mask`, :meth:`clip_caption`, :meth:`default_fid_reference`,
    :meth:`fid_generated_sets` and :meth:`edit_images` (and extend :attr:`dataset_protocols`).

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
        self.clip = existing_path("clip", clip, folder=True)
        names = [p.strip() for p in (clip_protocol or self.default_clip_protocol).split(",")]
        for name in names:
            parse_choice("clip_protocol", name, CLIP_PROTOCOLS)
        self.clip_protocols = tuple(dict.fromkeys(n.lower() for n in names if n))
        self.fid = parse_choice("fid", fid, FID_MODES)
        self.fid_reference = existing_path("fid_reference", fid_reference, folder=True)
        self.fid_features = existing_path("fid_features", fid_features, folder=False)
        self.fid_weights = existing_path("fid_weights", fid_weights, folder=False)
        self.device = str(device).strip() or "cpu"
        self._reader = self._build_reader()

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

    def answer_reader(self) -> str | None:
        """The line reader's :attr:`~harmonybench.reader.TextReader.identity`, as
        :meth:`read_line_images` records it."""
        return self._reader.identity

    def read_line_images(self, output: Output, sample: Sample) -> dict[str, Any]:
        """Line readings of every output image (see the module docstring).

        Raises:
            ImageOutputError: no image, or one that is missing or unreadable.
            ValueError: the reader returned a different number of texts than crops.
        """
        from harmonybench.crop import rectified_crop, resize_and_pad

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
            images = [blacken_corner(image, mask_corner) for image in images]
        words = reader.words(images)
        if len(words) != len(images):
            raise ValueError(f"reader {reader.word_identity!r} returned {len(words)} word "
                             f"lists for {len(images)} images")
        return {"reader": reader.word_identity, "words": [[str(w) for w in ws] for ws in words]}

    # -- requests --------------------------------------------------------------------------

    ground_truth_keys: ClassVar[frozenset[str]] = frozenset({"gt_image", "gt_dir"})
    """Sample metadata keys that point at ground truth, left out of requests."""

    def request(
        self,
        sample: Sample,
        family: str = "default",
        generation: Mapping[str, Any] | None = None,
        seed: int | None = None,
        index: int | None = None,
    ) -> Request:
        """The t2i or edit request: the family's prompt (:meth:`prompt`), the sample's layout,
        its input image and mask (:meth:`edit_mask`) for editing, the family's settings.

        A ``seed`` among the settings (AnyText's protocol seeds every prompt with 100) becomes
        the request's seed instead of the per-sample one, and is not passed on as a setting.
        A t2i request has no image (a t2i sample's images are its ground truth), and no
        request carries a ground-truth path (:attr:`ground_truth_keys`).
        """
        template = self.template(family)
        settings = self.generation_for(family)
        if generation:
            settings.update(generation)
        fixed = settings.pop("seed", None)
        edit = self.kind == "edit"
        return Request(
            sample_id=sample.id,
            task=self.name,
            kind=self.kind,
            prompt=self.prompt(sample, template),
            template_id=template.id,
            template_hash=template.hash,
            question=sample.question,
            index=index,
            images=sample.images if edit else (),
            mask=self.edit_mask(sample) if edit else None,
            seed=int(fixed) if fixed is not None else seed,
            generation=settings,
            metadata={k: v for k, v in sample.metadata.items()
                      if k not in self.ground_truth_keys},
            layout=sample.layout,
        )

    def prompt(self, sample: Sample, template: PromptTemplate) -> str:
        """``template`` filled with ``question`` and the layout's ``caption``,
        ``quoted_caption`` and ``text`` (the edit text); tasks with a rule a template cannot
        write override this."""
        layout = sample.layout
        caption = layout.caption if layout else sample.question or ""
        return template.render(
            question=sample.question or "",
            caption=caption,
            quoted_caption=layout.quoted_caption if layout else caption,
            text=(layout.edit_text or "") if layout else "",
        )

    def edit_mask(self, sample: Sample) -> ImageRef | None:
        """The editing mask of an edit sample (white: the region to repaint); none here."""
        return None

"""Dataset-level protocols: numbers computed once over a task's whole output (FID, CLIPScore).

A per-sample protocol (:mod:`harmonybench.protocol`) scores one answer against one sample and
reduces the per-sample values. Some numbers the papers print are not reductions of per-sample
values: FID compares the feature statistics of all generated images with a reference set
(Heusel et al. 2017), and CLIPScore and background preservation are means over every image
that need a model or the originals at scoring time. These are :class:`DatasetProtocol` s.

The split of work keeps the plugin packages apart: a task knows *which* images and captions
to hand over (its generated images per sample, the captions, its FID reference set, the edit
originals and masks, the options naming the models); a dataset protocol in ``metrics/`` knows
how to score them. The task fills a :class:`DatasetInputs` (core types only, paths as
strings), and :func:`harmonybench.dataset_scoring.dataset_scores` runs the protocols the task
names on it, so tasks never import metrics and metrics never import tasks.

Every result is keyed by the protocol's name in ``scores.json`` (beside the per-sample
protocols), and a number that cannot be computed is ``{"skipped": "<why>"}`` under that name,
so the other scores survive.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar

from harmonybench.meaning import MetricTable


@dataclass(frozen=True)
class EditImages:
    """One edited sample: the image before editing, the edit mask and the model's edits.

    Attributes:
        original: the unedited (ground-truth) image.
        mask: the edit mask image; light pixels (grey level above 127) are the edited region.
        edited: the model's edited images of this sample.
    """

    original: str
    mask: str
    edited: tuple[str, ...]


@dataclass(frozen=True)
class DatasetInputs:
    """What a task hands its dataset-level protocols: image paths, captions and options.

    Built by :meth:`harmonybench.task.Task.dataset_inputs` from the *scored* samples and
    their records, aligned. Fields a task does not use stay empty.

    Attributes:
        task: the task's name (for messages).
        generated: the generated image paths of each scored sample, in sample order.
        captions: the caption each sample's images are paired with (CLIPScore), one per
            sample, aligned with ``generated``.
        reference: the FID reference image paths (a reference folder or the ground truth).
        reference_source: how to name the reference in the result (a folder, "the
            ground-truth images").
        reference_required: report a missing reference as a skipped score (``fid=on``)
            rather than leaving the score out.
        fid_sets: the generated image sets FID is computed for, against ``reference``; the
            result is their mean (MARIO-Eval: one set per image index).
        edits: the edited samples with their originals and masks (background preservation).
        clip: a local CLIP checkpoint folder, or ``None`` when none is given.
        features: a saved FID feature network file, or ``None`` for the standard Inception.
        weights: the standard Inception weight file, when not in torch hub's cache.
        device: where the models run.
    """

    task: str
    generated: tuple[tuple[str, ...], ...] = ()
    captions: tuple[str, ...] = ()
    reference: tuple[str, ...] = ()
    reference_source: str = ""
    reference_required: bool = False
    fid_sets: tuple[tuple[str, ...], ...] = ()
    edits: tuple[EditImages, ...] = ()
    clip: Path | None = None
    features: Path | None = None
    weights: Path | None = None
    device: str = "cpu"

    def __post_init__(self) -> None:
        if len(self.captions) != len(self.generated):
            raise ValueError(f"{len(self.captions)} captions for {len(self.generated)} "
                             "samples' generated images")

    def image_captions(self) -> tuple[list[str], list[str]]:
        """Every generated image and its sample's caption, as two aligned lists."""
        images = [path for paths in self.generated for path in paths]
        captions = [caption for paths, caption in zip(self.generated, self.captions,
                                                      strict=True) for _ in paths]
        return images, captions


class DatasetProtocol(ABC):
    """A dataset-level scoring rule, selectable by :attr:`name`.

    Subclasses set the class attributes and implement :meth:`compute`. They are registered
    in :data:`harmonybench.registries.DATASET_PROTOCOLS` (entry-point group
    ``harmonybench.dataset_protocols``).
    """

    name: ClassVar[str]
    """The protocol's name: its key in ``scores.json`` and in the listing."""
    reference: ClassVar[str]
    """Repository, file and commit of the implementation this protocol matches."""
    summary: ClassVar[str]
    """One line for ``harmonybench list protocols``."""
    tasks: ClassVar[tuple[str, ...]] = ()
    """Tasks this protocol applies to, besides those that list it in
    :attr:`harmonybench.task.Task.dataset_protocols`."""
    metrics: ClassVar[MetricTable] = MappingProxyType({})
    """What every number :meth:`compute` returns means (:func:`harmonybench.meaning.declare`,
    exactly one main metric)."""

    @classmethod
    def applies_to(cls, task: str, listed: tuple[str, ...] = ()) -> bool:
        """Whether this protocol applies to ``task``, whose own list is ``listed``."""
        return cls.name in listed or task in cls.tasks

    @abstractmethod
    def compute(self, inputs: DatasetInputs) -> Mapping[str, Any] | None:
        """The dataset numbers, ``{"skipped": "<why>"}`` when they cannot be computed, or
        ``None`` when there is nothing to report for these inputs (FID under ``fid=auto``
        with no reference images).

        Besides the declared numbers the result may hold strings that say how it was
        computed (the model, the feature network, a note).
        """

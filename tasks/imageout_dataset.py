"""What the image-out tasks hand their dataset-level protocols (FID, CLIPScore, background).

The options that control them (``clip``, ``clip_protocol``, ``fid``, ``fid_reference``,
``fid_features``, ``fid_weights``, ``device``) are described in
:mod:`harmonybench.tasks.imageout`, which parses them. :class:`ImageDatasetInputs` turns them
and the scored samples into :class:`~harmonybench.dataset_protocol.DatasetInputs`; the
protocols themselves (``fid``, ``clipscore``, ``clipscore-textdiffuser``, ``background``)
live in ``metrics/`` and are run by :func:`harmonybench.dataset_scoring.dataset_scores`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from harmonybench.dataset_protocol import DatasetInputs, EditImages
from harmonybench.schema import Record, Sample
from harmonybench.tasks.imageout_common import image_files


class ImageDatasetInputs:
    """The dataset-level protocols of an image-out task (a base of ``ImageOutTask``).

    Reads the parsed options below, which ``ImageOutTask.__init__`` sets. Subclasses choose
    the captions (:meth:`clip_caption`), the FID reference and sets
    (:meth:`default_fid_reference`, :meth:`fid_generated_sets`) and the edits
    (:meth:`edit_images`).
    """

    name: ClassVar[str]
    dataset_protocols: ClassVar[tuple[str, ...]] = ("clipscore", "clipscore-textdiffuser",
                                                    "fid")
    clip: Path | None
    clip_protocols: tuple[str, ...]
    fid: str
    fid_reference: Path | None
    fid_features: Path | None
    fid_weights: Path | None
    device: str

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

    def edit_images(
        self, samples: Sequence[Sample], records: Sequence[Record]
    ) -> tuple[EditImages, ...]:
        """The edits background preservation compares with their originals (none here)."""
        return ()

    def enabled_dataset_protocols(self) -> tuple[str, ...]:
        """CLIPScore under each ``clip_protocol`` (with ``clip``), then ``fid`` (unless
        ``fid=off``)."""
        names = list(self.clip_protocols) if self.clip is not None else []
        if self.fid != "off":
            names.append("fid")
        return tuple(names)

    def dataset_inputs(
        self, samples: Sequence[Sample], records: Sequence[Record]
    ) -> DatasetInputs:
        """The generated images, captions, FID reference and sets, edits and options."""
        reference: list[str] = []
        source = ""
        sets: list[list[str]] = []
        if self.fid != "off":
            if self.fid_reference is not None:
                reference = [str(p) for p in image_files(self.fid_reference)]
                source = str(self.fid_reference)
            else:
                reference, source = self.default_fid_reference(samples)
            if reference:
                sets = self.fid_generated_sets(samples, records, self.fid_reference is None)
        return DatasetInputs(
            task=self.name,
            generated=tuple(tuple(r.images) for r in records),
            captions=tuple(self.clip_caption(s) for s in samples),
            reference=tuple(reference),
            reference_source=source,
            reference_required=self.fid == "on",
            fid_sets=tuple(tuple(s) for s in sets),
            edits=self.edit_images(samples, records),
            clip=self.clip,
            features=self.fid_features,
            weights=self.fid_weights,
            device=self.device,
        )

"""Dataset-level scores of the image-out tasks: FID and CLIPScore over the generated images.

The options that control them (``clip``, ``clip_protocol``, ``fid``, ``fid_reference``,
``fid_features``, ``fid_weights``, ``device``) and the layout of the scores are described in
:mod:`harmonybench.tasks.imageout`; :class:`DatasetScores` computes them for
:class:`~harmonybench.tasks.imageout.ImageOutTask`, which parses the options.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harmonybench.errors import HarmonyBenchError
from harmonybench.schema import Record, Sample
from harmonybench.tasks.imageout_common import TaskOptionError, image_files


class DatasetScores:
    """The dataset-level scores of an image-out task (a base of ``ImageOutTask``).

    Reads the parsed options below, which ``ImageOutTask.__init__`` sets.
    """

    clip: Path | None
    clip_protocols: tuple[str, ...]
    fid: str
    fid_reference: Path | None
    fid_features: Path | None
    fid_weights: Path | None
    device: str
    _feature: Any

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

"""Dataset-level protocols ``fid``, ``clipscore`` and ``clipscore-textdiffuser``.

The computations are :mod:`harmonybench.metrics.image_quality`'s (:func:`fid`,
:class:`CLIPScorer`; its docstring says how each matches its reference); this module turns
them into :class:`~harmonybench.dataset_protocol.DatasetProtocol` s that score the
:class:`~harmonybench.dataset_protocol.DatasetInputs` an image-out task prepares:

- ``fid``: the Fréchet distance (Heusel et al. 2017) of each generated set in
  ``inputs.fid_sets`` against ``inputs.reference``, averaged over the sets (MARIO-Eval's
  method-level number is the mean over its 4 seeds); torchmetrics' ``FrechetInceptionDistance``
  on the standard FID Inception of torch-fidelity, or on ``inputs.features`` (a saved module,
  :func:`load_feature_network`). Lower is better.
- ``clipscore`` (w = 2.5, jmhessel/clipscore) and ``clipscore-textdiffuser`` (w = 1,
  TextDiffuser's ``clipscore.py``): the mean over every generated image paired with its
  sample's caption, with the CLIP checkpoint ``inputs.clip``; features by torchmetrics'
  ``CLIPScore``.

A number that cannot be computed (no images, no reference with ``fid=on``, a missing model or
weight file, an unreadable image) is reported as ``{"skipped": "<why>"}``; nothing is ever
downloaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from harmonybench.dataset_protocol import DatasetInputs, DatasetProtocol
from harmonybench.errors import HarmonyBenchError
from harmonybench.meaning import COUNT, MetricInfo, MetricTable, declare
from harmonybench.metrics.image_quality import (
    CLIPSCORE,
    CLIPSCORE_TEXTDIFFUSER,
    CLIPScoreProtocol,
    CLIPScorer,
    fid,
)

FID_METRICS: MetricTable = declare(
    fid=MetricInfo(unit="fid", higher_is_better=False, main=True),
    generated=COUNT, reference=COUNT)
"""FID (lower is better) and its image counts."""
CLIPSCORE_METRICS: MetricTable = declare(clipscore=MetricInfo(unit="clipscore", main=True),
                                         images=COUNT)
"""CLIPScore (``w * max(cos, 0)``, higher is better) and its image count."""

TORCHMETRICS = "Lightning-AI/torchmetrics @ v1.9.0"
"""The torchmetrics release these protocols were checked against (the ``gen`` extra asks for
``torchmetrics>=1.4``)."""


class FeatureNetworkError(HarmonyBenchError):
    """A ``fid_features`` file that is neither a torch.export archive nor TorchScript."""


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


def _feature_network(path: Path | None, device: str) -> Any:
    """The network of ``path`` (see :func:`load_feature_network`), or ``None``.

    Raises:
        FeatureNetworkError: the file is neither format.
    """
    if path is None:
        return None
    try:
        return load_feature_network(path, device)
    except Exception as exc:  # a file that is neither format
        raise FeatureNetworkError(
            f"--task-arg fid_features={path}: not a torch.export (.pt2) or TorchScript "
            f"file ({type(exc).__name__}: {exc})") from exc


def _feature_label(path: Path | None) -> str:
    if path is None:
        return "Inception (torch-fidelity FID weights)"
    kind = "" if path.suffix == ".pt2" else "torchscript "
    return kind + path.name


class FID(DatasetProtocol):
    """FID of the generated images against a reference set (mean over the generated sets).

    Reference: torchmetrics' ``FrechetInceptionDistance`` (``src/torchmetrics/image/fid.py``)
    on torch-fidelity's FID Inception weights, with pytorch-fid's 299x299 bilinear resize
    (``src/pytorch_fid/inception.py``), as the papers compute FID (tyxsspa/AnyText
    ``eval/eval_fid.sh``, microsoft/unilm ``textdiffuser/eval/fid_score.py``); see
    :mod:`harmonybench.metrics.image_quality` for the remaining differences (below one grey
    level). Result: ``fid``, ``generated`` and ``reference`` image counts,
    ``reference_source``, ``features`` (the network) and, for several sets, ``per_set``.
    """

    name: ClassVar[str] = "fid"
    reference: ClassVar[str] = (
        f"{TORCHMETRICS} src/torchmetrics/image/fid.py (FrechetInceptionDistance) on "
        "toshas/torch-fidelity v0.2.0 weights-inception-2015-12-05-6726825d.pth; resize as "
        "mseitzer/pytorch-fid 0.3.0 src/pytorch_fid/inception.py"
    )
    summary: ClassVar[str] = (
        "FID (Heusel et al.): Fréchet distance of Inception features, generated vs reference "
        "images"
    )
    metrics: ClassVar[MetricTable] = FID_METRICS

    def compute(self, inputs: DatasetInputs) -> Mapping[str, Any] | None:
        """FID, or a skip note; ``None`` without reference images unless one is required."""
        reference = list(inputs.reference)
        if not reference:
            if inputs.reference_required:
                return {"skipped": "no reference images: give --task-arg fid_reference=DIR"}
            return None
        sets = [list(s) for s in inputs.fid_sets if s]
        if not sets:
            return {"skipped": "no generated images to compare"}
        try:
            feature = _feature_network(inputs.features, inputs.device)
            values = [fid(generated, reference, feature, weights_path=inputs.weights,
                          device=inputs.device) for generated in sets]
        except (HarmonyBenchError, ValueError, OSError) as exc:
            return {"skipped": str(exc)}
        result: dict[str, Any] = {
            "fid": float(sum(values) / len(values)),
            "generated": sum(len(s) for s in sets),
            "reference": len(reference),
            "reference_source": inputs.reference_source,
            "features": _feature_label(inputs.features),
        }
        if len(values) > 1:
            # a mapping, not a list: score tables and the leaderboard read only numbers and
            # skip mappings
            result["per_set"] = {str(k): float(v) for k, v in enumerate(values)}
        return result


class _CLIPScore(DatasetProtocol):
    """CLIPScore under one convention, over every generated image and its caption."""

    convention: ClassVar[CLIPScoreProtocol]
    metrics: ClassVar[MetricTable] = CLIPSCORE_METRICS

    def compute(self, inputs: DatasetInputs) -> Mapping[str, Any]:
        """``clipscore`` (the mean over pairs), ``model`` and ``images``, or a skip note."""
        if inputs.clip is None:
            return {"skipped": "no CLIP checkpoint: give --task-arg clip=PATH"}
        images, captions = inputs.image_captions()
        if not images:
            return {"skipped": "no generated images"}
        try:
            scores = CLIPScorer(inputs.clip, self.convention,
                                device=inputs.device).score(images, captions)
        except (OSError, ValueError) as exc:
            return {"skipped": f"{type(exc).__name__}: {exc}"}
        return {"clipscore": float(sum(scores) / len(scores)), "model": inputs.clip.name,
                "images": len(scores)}


class CLIPScoreHessel(_CLIPScore):
    """CLIPScore as Hessel et al. define it: ``2.5 * max(cos, 0)``, caption prefixed with
    ``"A photo depicts "`` (jmhessel/clipscore ``clipscore.py``); features by torchmetrics'
    ``CLIPScore`` (``src/torchmetrics/multimodal/clip_score.py``)."""

    name: ClassVar[str] = CLIPSCORE.name
    convention = CLIPSCORE
    reference: ClassVar[str] = (f"{CLIPSCORE.reference}; features by {TORCHMETRICS} "
                                "src/torchmetrics/multimodal/clip_score.py (CLIPScore)")
    summary: ClassVar[str] = CLIPSCORE.summary


class CLIPScoreTextDiffuser(_CLIPScore):
    """TextDiffuser's CLIPScore: ``1 * max(cos, 0)`` with the same prefix (microsoft/unilm
    ``textdiffuser/eval/clipscore.py``, ``scale_weight=1``); MARIO-Eval's convention."""

    name: ClassVar[str] = CLIPSCORE_TEXTDIFFUSER.name
    convention = CLIPSCORE_TEXTDIFFUSER
    reference: ClassVar[str] = (f"{CLIPSCORE_TEXTDIFFUSER.reference}; features by "
                                f"{TORCHMETRICS} src/torchmetrics/multimodal/clip_score.py "
                                "(CLIPScore)")
    summary: ClassVar[str] = CLIPSCORE_TEXTDIFFUSER.summary

"""Image quality of generated and edited images: FID, CLIPScore, masked PSNR/SSIM.

Every function here takes its model as an argument or a local path and never downloads. torch,
torchmetrics and transformers are imported lazily (the ``gen`` extra).

**FID** (:func:`fid`): Fréchet distance between Gaussian fits of feature vectors, computed by
torchmetrics' ``FrechetInceptionDistance`` (float64 statistics). The papers compute it with
pytorch-fid (``python -m pytorch_fid <dir> <dir>``: InceptionV3 pool3, 2048-d; tyxsspa/AnyText
``eval/eval_fid.sh``, microsoft/unilm ``textdiffuser/eval/fid_score.py``, bytedance/TextHarmony
``image_eval/eval_fid.sh``). The feature network is either

- ``feature``: any ``torch.nn.Module`` mapping a ``uint8`` batch ``(B, 3, H, W)`` to ``(B, D)``
  (tests use a tiny one); or
- the standard FID Inception weights of torch-fidelity (the TF 2015-12-05 graph ported to
  PyTorch, what torchmetrics uses for ``feature=2048``), when the ``torch-fidelity`` package is
  installed and its weight file is on disk (``weights_path``, or torch hub's cache
  ``<torch.hub.get_dir()>/checkpoints/weights-inception-2015-12-05-6726825d.pth``). Nothing is
  ever downloaded: when neither is available, :class:`FeatureModelMissingError` says what to
  install or pass.

Resizing: pytorch-fid reads each image as floats in [0, 1] and resizes it to 299x299 with
``F.interpolate(mode="bilinear", align_corners=False)`` (no antialiasing). :func:`fid` does the
same resize by default (``size=299``) before the feature network and rounds back to 8 bits (the
network takes ``uint8``), so the Inception's own resize is the identity. ``size=None`` hands the
images over at their own size (torch-fidelity's extractor then resizes them TF1-style). The
remaining differences from pytorch-fid are the 8-bit rounding after the resize and the input
scaling inside the extractor (``(x - 128) / 128`` instead of ``2 x / 255 - 1``); both are below
one grey level.

**CLIPScore** (:class:`CLIPScorer`, :func:`clip_score`): ``w * max(cos(E_image, E_text), 0)``
per image-caption pair (Hessel et al., EMNLP 2021), averaged over pairs. Two protocols:

- ``clipscore``: jmhessel/clipscore ``clipscore.py`` @ 1036465276513621f77f1c2208d742e4a430781f:
  ``w = 2.5``, and the caption is prefixed with ``"A photo depicts "`` (the
  ``CLIPCapDataset`` default ``prefix='A photo depicts'`` plus the space it appends).
- ``clipscore-textdiffuser``: microsoft/unilm ``textdiffuser/eval/clipscore.py`` @
  768a3c873f598bb9b4d4dfb9267b099e35f8fe56 (adapted from the above): the same prefix and
  clamp, ``w = 1`` (``scale_weight=1``), the caption being the whole MARIO-Eval prompt line.

Both references use OpenAI CLIP ViT-B/32 (``clip.load("ViT-B/32")``), a 224 bicubic resize of
the shorter side, a 224 centre crop and CLIP's normalisation: the ``openai/clip-vit-base-patch32``
checkpoint's processor does the same. Pass any local CLIP folder; the backbone is the
checkpoint's. Captions longer than the text tower (77 tokens) are cut to 75 tokens between the
start and end tokens, as ``clip.tokenize(..., truncate=True)``. The features come from
torchmetrics' ``CLIPScore`` metric, fed one pair at a time: it returns
``max(100 * cos, 0)`` for a single pair, so the protocol value is ``w * value / 100``.
Deviations: the references encode images in float16 on a GPU; this runs in float32.
TextHarmony reports a CLIP Score but publishes no scorer for it (its backbone, prefix and scale
are unknown), so report both protocols when comparing with it.

Background preservation of edits (masked PSNR/SSIM) lives in
:mod:`harmonybench.metrics.background`. CLIPScore with ``w = 2.5`` can reach 2.5; FID is a
distance (lower is better).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

from harmonybench.errors import HarmonyBenchError
from harmonybench.schema import ImageRef

if TYPE_CHECKING:
    import torch
    from PIL import Image

ImageInput: TypeAlias = "str | os.PathLike[str] | Image.Image | ImageRef"
"""An image given as a file path, a PIL image or an :class:`~harmonybench.schema.ImageRef`."""

INCEPTION_WEIGHTS = "weights-inception-2015-12-05-6726825d.pth"
"""The file name of torch-fidelity's FID Inception weights in torch hub's checkpoint cache."""

FID_SIZE = 299
"""pytorch-fid's input size: images are resized to 299x299 (bilinear) before Inception."""

class FeatureModelMissingError(HarmonyBenchError):
    """No feature network for FID: pass one, or install torch-fidelity and its weights."""


@dataclass(frozen=True)
class CLIPScoreProtocol:
    """A CLIPScore convention: ``weight * max(cos, 0)`` with ``prefix`` before each caption."""

    name: str
    weight: float
    prefix: str
    reference: str
    summary: str


CLIPSCORE = CLIPScoreProtocol(
    name="clipscore",
    weight=2.5,
    prefix="A photo depicts ",
    reference="jmhessel/clipscore clipscore.py @ 1036465276513621f77f1c2208d742e4a430781f",
    summary="CLIPScore (Hessel et al.): 2.5 * max(cos, 0), prefix 'A photo depicts '",
)
CLIPSCORE_TEXTDIFFUSER = CLIPScoreProtocol(
    name="clipscore-textdiffuser",
    weight=1.0,
    prefix="A photo depicts ",
    reference="microsoft/unilm textdiffuser/eval/clipscore.py @ 768a3c873f59",
    summary="TextDiffuser's CLIPScore: 1 * max(cos, 0), prefix 'A photo depicts ', ViT-B/32",
)
CLIPSCORE_PROTOCOLS: Mapping[str, CLIPScoreProtocol] = MappingProxyType(
    {p.name: p for p in (CLIPSCORE, CLIPSCORE_TEXTDIFFUSER)}
)
"""The CLIPScore protocols by name."""


def open_image(image: ImageInput) -> Image.Image:
    """``image`` as an RGB PIL image (opened from a path or an :class:`ImageRef`)."""
    from PIL import Image

    if isinstance(image, ImageRef):
        return image.open()
    if isinstance(image, Image.Image):
        return image.convert("RGB")
    with Image.open(os.fspath(image)) as opened:
        return opened.convert("RGB")


def _uint8_tensor(image: Image.Image) -> torch.Tensor:
    """A PIL RGB image as a ``uint8`` tensor ``(3, H, W)``."""
    import torch

    return torch.from_numpy(np.array(image, dtype=np.uint8)).permute(2, 0, 1).contiguous()


# --------------------------------------------------------------------------------------- FID


def _has_torch_fidelity() -> bool:
    return importlib.util.find_spec("torch_fidelity") is not None


def _inception_weights(weights_path: str | os.PathLike[str] | None) -> Path:
    """The Inception weight file to use, checked to exist."""
    import torch

    path = (Path(weights_path) if weights_path is not None
            else Path(torch.hub.get_dir()) / "checkpoints" / INCEPTION_WEIGHTS)
    if not path.is_file():
        raise FeatureModelMissingError(
            f"FID: the Inception weights are not at {path}, and harmonybench never downloads. "
            f"Copy {INCEPTION_WEIGHTS} (torch-fidelity's release v0.2.0) there, pass "
            "weights_path=, or pass feature=<torch.nn.Module mapping uint8 (B,3,H,W) to (B,D)>."
        )
    return path


def _fid_metric(
    feature: torch.nn.Module | None, weights_path: str | os.PathLike[str] | None
) -> Any:
    """A torchmetrics ``FrechetInceptionDistance`` on ``feature`` or the standard Inception."""
    from torchmetrics.image.fid import FrechetInceptionDistance

    if feature is not None:
        return FrechetInceptionDistance(feature=feature.eval())
    if not _has_torch_fidelity():
        raise FeatureModelMissingError(
            "FID: pass feature=<torch.nn.Module mapping uint8 (B,3,H,W) to (B,D)>, or install "
            "torch-fidelity (pip install torch-fidelity, which needs torchvision) and put its "
            f"Inception weights ({INCEPTION_WEIGHTS}) in torch hub's checkpoint folder or pass "
            "weights_path=. harmonybench never downloads them."
        )
    path = _inception_weights(weights_path)
    return FrechetInceptionDistance(feature=2048, feature_extractor_weights_path=str(path),
                                    antialias=False)


def _resized(batch: torch.Tensor, size: int | None) -> torch.Tensor:
    """``batch`` (uint8) resized to ``size`` square as pytorch-fid does, back in uint8."""
    import torch

    if size is None or tuple(batch.shape[-2:]) == (size, size):
        return batch
    resized = torch.nn.functional.interpolate(
        batch.to(torch.float64), size=(size, size), mode="bilinear", align_corners=False
    )
    return resized.round().clamp(0, 255).to(torch.uint8)


def _batches(
    images: Sequence[ImageInput],
    size: int | None,
    batch_size: int,
) -> Iterator[torch.Tensor]:
    """uint8 batches of consecutive images of one size (after resizing to ``size``)."""
    import torch

    pending: list[torch.Tensor] = []
    for image in images:
        tensor = _resized(_uint8_tensor(open_image(image))[None], size)[0]
        if pending and (len(pending) == batch_size or tensor.shape != pending[0].shape):
            yield torch.stack(pending)
            pending = []
        pending.append(tensor)
    if pending:
        yield torch.stack(pending)


def fid(
    generated: Sequence[ImageInput],
    reference: Sequence[ImageInput],
    feature: torch.nn.Module | None = None,
    *,
    weights_path: str | os.PathLike[str] | None = None,
    size: int | None = FID_SIZE,
    batch_size: int = 50,
    device: str = "cpu",
) -> float:
    """The Fréchet distance between the feature statistics of two image sets.

    Args:
        generated: the generated images (paths, PIL images or :class:`ImageRef`).
        reference: the reference images (AnyText: the benchmark's FID folder; MARIO-Eval: the
            subset's ground-truth images).
        feature: the feature network, ``uint8 (B, 3, H, W) -> (B, D)``; ``None`` for the
            standard FID Inception (needs torch-fidelity and its weights on disk).
        weights_path: the Inception weight file, when not in torch hub's cache.
        size: resize every image to ``size`` x ``size`` first (pytorch-fid's 299, bilinear,
            ``align_corners=False``); ``None`` keeps their sizes.
        batch_size: images per forward pass.
        device: where the feature network runs.

    Returns:
        The FID (0 for identical statistics).

    Raises:
        ValueError: fewer than two images on either side.
        FeatureModelMissingError: ``feature`` is ``None`` and torch-fidelity or its weights
            are missing.
    """
    if len(generated) < 2 or len(reference) < 2:
        raise ValueError(f"FID needs at least 2 images on each side, got {len(generated)} "
                         f"generated and {len(reference)} reference images")
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    import torch

    metric = _fid_metric(feature, weights_path).to(device)
    with torch.inference_mode():
        for real, images in ((True, reference), (False, generated)):
            for batch in _batches(images, size, batch_size):
                metric.update(batch.to(device), real=real)
        return float(metric.compute())


# --------------------------------------------------------------------------------- CLIPScore


def _features(output: Any) -> Any:
    """A feature tensor from ``get_*_features`` (transformers 5 returns a ModelOutput)."""
    import torch

    return output if isinstance(output, torch.Tensor) else output.pooler_output


def _load_clip(checkpoint: Path) -> tuple[Any, Any]:
    """``(model, processor)`` for torchmetrics' ``CLIPScore`` from a local CLIP folder.

    Two adaptations: transformers 5's ``get_image_features`` and ``get_text_features`` return
    a ModelOutput, and torchmetrics expects the projected tensor (its ``pooler_output``; no
    number changes); and captions are truncated by the tokenizer, keeping the end token where
    CLIP pools, as ``clip.tokenize(..., truncate=True)`` does (torchmetrics alone would cut
    the token ids after the 77th, end token included).
    """
    import torch
    from transformers import CLIPImageProcessorPil, CLIPModel, CLIPTokenizer

    model: Any = CLIPModel.from_pretrained(checkpoint)
    model.eval()
    tokenizer = CLIPTokenizer.from_pretrained(checkpoint)
    image_processor = CLIPImageProcessorPil.from_pretrained(checkpoint)
    max_length = int(model.config.text_config.max_position_embeddings)

    class Features(torch.nn.Module):
        """The CLIP model with tensor-returning feature methods."""

        def __init__(self) -> None:
            super().__init__()
            self.clip = model
            self.config = model.config

        def get_image_features(self, pixel_values: torch.Tensor) -> Any:
            return _features(self.clip.get_image_features(pixel_values=pixel_values))

        def get_text_features(self, input_ids: torch.Tensor,
                              attention_mask: torch.Tensor | None = None) -> Any:
            return _features(self.clip.get_text_features(input_ids=input_ids,
                                                         attention_mask=attention_mask))

    def processor(text: Sequence[str] | None = None, images: Any = None, **_: Any) -> Any:
        if text is not None:
            return tokenizer(list(text), padding=True, truncation=True, max_length=max_length,
                             return_tensors="pt")
        return image_processor(images=images, return_tensors="pt")

    return Features(), processor


class CLIPScorer:
    """Per-pair CLIPScore under one protocol, with a CLIP checkpoint loaded once.

    Args:
        checkpoint: a local CLIP folder (``CLIPModel`` weights, tokenizer, image processor),
            e.g. a saved ``openai/clip-vit-base-patch32``.
        protocol: ``"clipscore"`` (w = 2.5) or ``"clipscore-textdiffuser"`` (w = 1), or a
            :class:`CLIPScoreProtocol`.
        device: where CLIP runs.

    Raises:
        KeyError: an unknown protocol name.
        FileNotFoundError: ``checkpoint`` is not a folder.
    """

    def __init__(
        self,
        checkpoint: str | os.PathLike[str],
        protocol: str | CLIPScoreProtocol = "clipscore",
        *,
        device: str = "cpu",
    ) -> None:
        from torchmetrics.multimodal.clip_score import CLIPScore

        self.protocol = (protocol if isinstance(protocol, CLIPScoreProtocol)
                         else CLIPSCORE_PROTOCOLS[protocol])
        self.checkpoint = Path(checkpoint)
        if not self.checkpoint.is_dir():
            raise FileNotFoundError(f"CLIP checkpoint folder {self.checkpoint} does not exist")
        self.device = device
        loader: Callable[[], tuple[Any, Any]] = lambda: _load_clip(self.checkpoint)  # noqa: E731
        self._metric = CLIPScore(model_name_or_path=loader).to(device)

    @property
    def identity(self) -> str:
        """The protocol and the checkpoint, for labelling scores."""
        return f"{self.protocol.name} ({self.checkpoint.name})"

    def score(
        self,
        images: Sequence[ImageInput],
        captions: Sequence[str],
    ) -> list[float]:
        """The protocol's score of each (image, caption) pair: ``w * max(cos, 0)``.

        Args:
            images: one image per caption.
            captions: the prompts, without the prefix (it is added here).

        Raises:
            ValueError: the two lists differ in length.
        """
        if len(images) != len(captions):
            raise ValueError(f"{len(images)} images for {len(captions)} captions")
        import torch

        scores = []
        with torch.inference_mode():
            for image, caption in zip(images, captions, strict=True):
                pixels = _uint8_tensor(open_image(image)).to(self.device)
                self._metric.update(pixels[None], [self.protocol.prefix + caption])
                value = float(self._metric.compute())  # max(100 * cos, 0)
                self._metric.reset()
                scores.append(self.protocol.weight * value / 100.0)
        return scores


def clip_score(
    images: Sequence[ImageInput],
    captions: Sequence[str],
    checkpoint: str | os.PathLike[str],
    protocol: str = "clipscore",
    *,
    device: str = "cpu",
) -> float:
    """The mean CLIPScore over (image, caption) pairs (0.0 for none).

    The references average per seed and then over seeds; with the same prompts for every seed
    that is this mean over all pairs.
    """
    if not images and not captions:
        return 0.0
    scores = CLIPScorer(checkpoint, protocol, device=device).score(images, captions)
    return float(sum(scores) / len(scores))


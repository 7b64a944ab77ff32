"""Background preservation of edits: masked PSNR and SSIM outside the edit mask.

**Background preservation of edits** (:func:`masked_psnr`, :func:`masked_ssim`,
:func:`background_preservation`): how much an edit changed the image *outside* the edit mask,
harmonybench's own definition (no reference scorer is published with TextHarmony's editing
set). Both compare the edited image with the original in RGB, data range 255.

- PSNR: ``10 log10(255^2 / MSE)``, the MSE over every channel of every pixel outside the mask;
  ``inf`` for identical backgrounds.
- SSIM: torchmetrics' SSIM map (Gaussian window sigma 1.5, 11x11, ``k1 = 0.01``,
  ``k2 = 0.03``, reflection padding, per RGB channel) averaged over the channels and the pixels
  outside the mask. A pixel's SSIM looks at its 11x11 neighbourhood, so pixels within 5 px of
  the mask still see the edit; ``margin=5`` leaves them out too (the mask is dilated by
  ``margin`` pixels first, a square neighbourhood), after which changes inside the mask cannot
  move the score at all.

**The dataset-level protocol** ``background`` (:class:`BackgroundPreservation`) averages both
over every edited image of an editing task (``anytext-edit``); its name is the one
``scores.json`` has always used for this pair, so earlier runs compare with new ones, and it
names neither metric because it reports both (PSNR is the main one).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import numpy.typing as npt

from harmonybench.dataset_protocol import DatasetInputs, DatasetProtocol
from harmonybench.meaning import COUNT, MetricInfo, MetricTable, declare
from harmonybench.metrics.image_quality import ImageInput, open_image
from harmonybench.schema import ImageRef

if TYPE_CHECKING:
    from PIL import Image

_FloatArray = npt.NDArray[np.float64]
_BoolArray = npt.NDArray[np.bool_]

SSIM_WINDOW_RADIUS = 5
"""Half the side of the 11x11 Gaussian window of SSIM (sigma 1.5)."""

PSNR_CAP = 100.0
"""Masked PSNR of an unchanged background (infinite) is counted as this many dB."""


def edit_mask(
    mask: ImageInput | npt.NDArray[Any],
    size: tuple[int, int],
    *,
    margin: int = 0,
) -> _BoolArray:
    """The edited region as a boolean ``(H, W)`` array, dilated by ``margin`` pixels.

    Args:
        mask: an image whose light pixels (grey level above 127) mark the edited region (the
            inpainting convention: white is repainted), or an array, nonzero where edited.
        size: the images' ``(width, height)``; the mask must have it.
        margin: grow the region by this many pixels (a square neighbourhood).

    Raises:
        ValueError: the mask's size differs from ``size``, or ``margin`` is negative.
    """
    if isinstance(mask, np.ndarray):
        values = np.asarray(mask)
        region: _BoolArray = (values.any(axis=2) if values.ndim == 3 else values).astype(bool)
    else:
        from PIL import Image

        if isinstance(mask, ImageRef):
            gray = mask.open().convert("L")
        elif isinstance(mask, Image.Image):
            gray = mask.convert("L")
        else:
            with Image.open(os.fspath(mask)) as opened:
                gray = opened.convert("L")
        region = np.asarray(gray) > 127
    width, height = size
    if region.shape != (height, width):
        raise ValueError(f"the mask is {region.shape[1]}x{region.shape[0]}, "
                         f"the images {width}x{height}")
    if margin < 0:
        raise ValueError(f"margin must be >= 0, got {margin}")
    if margin:
        import cv2

        kernel = np.ones((2 * margin + 1, 2 * margin + 1), dtype=np.uint8)
        region = cv2.dilate(region.astype(np.uint8), kernel).astype(bool)
    return region


def _pair(
    edited: ImageInput,
    original: ImageInput,
) -> tuple[_FloatArray, _FloatArray]:
    a, b = open_image(edited), open_image(original)
    if a.size != b.size:
        raise ValueError(f"the edited image is {a.size[0]}x{a.size[1]}, "
                         f"the original {b.size[0]}x{b.size[1]}")
    return np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)


def _background(region: _BoolArray) -> _BoolArray:
    keep = ~region
    if not keep.any():
        raise ValueError("the mask covers the whole image: no background to compare")
    return keep


def masked_psnr(
    edited: ImageInput,
    original: ImageInput,
    mask: ImageInput | npt.NDArray[Any],
    *,
    margin: int = 0,
) -> float:
    """PSNR (dB, data range 255) of ``edited`` against ``original`` outside the edit mask.

    Args:
        edited: the model's edited image.
        original: the image before editing, the same size.
        mask: the edited region (see :func:`edit_mask`).
        margin: also leave out pixels within this distance of the mask.

    Returns:
        ``10 log10(255^2 / MSE)`` over the background's pixels and channels; ``inf`` when the
        background is unchanged.

    Raises:
        ValueError: sizes differ, or the mask leaves no background.
    """
    a, b = _pair(edited, original)
    keep = _background(edit_mask(mask, (a.shape[1], a.shape[0]), margin=margin))
    mse = float(np.mean((a[keep] - b[keep]) ** 2))
    return math.inf if mse == 0 else 10.0 * math.log10(255.0**2 / mse)


def masked_ssim(
    edited: ImageInput,
    original: ImageInput,
    mask: ImageInput | npt.NDArray[Any],
    *,
    margin: int = 0,
) -> float:
    """SSIM of ``edited`` against ``original``: the SSIM map averaged outside the edit mask.

    The map is torchmetrics' (Gaussian window sigma 1.5, 11x11, reflection padding, data range
    255, per RGB channel; computed by :func:`harmonybench.metrics.ssim.ssim_map`, the same map
    by separable filtering); it is averaged over the channels and the background pixels.

    Args:
        edited: the model's edited image.
        original: the image before editing, the same size (at least 6x6).
        mask: the edited region (see :func:`edit_mask`).
        margin: also leave out pixels within this distance of the mask; 5
            (:data:`SSIM_WINDOW_RADIUS`) leaves out every pixel whose window sees the mask.

    Raises:
        ValueError: sizes differ, or the mask leaves no background.
    """
    from harmonybench.metrics.ssim import ssim_map

    a, b = _pair(edited, original)
    keep = _background(edit_mask(mask, (a.shape[1], a.shape[0]), margin=margin))
    per_pixel = ssim_map(a, b, data_range=255.0).mean(axis=2)
    return float(per_pixel[keep].mean())


def background_preservation(
    edited: ImageInput,
    original: ImageInput,
    mask: ImageInput | npt.NDArray[Any],
    *,
    margin: int = 0,
) -> dict[str, float]:
    """``{"psnr": masked_psnr(...), "ssim": masked_ssim(...)}`` of one edit."""
    return {
        "psnr": masked_psnr(edited, original, mask, margin=margin),
        "ssim": masked_ssim(edited, original, mask, margin=margin),
    }


def background_scores(
    edited: npt.NDArray[np.uint8],
    original: npt.NDArray[np.uint8],
    keep: _BoolArray,
) -> tuple[float, float]:
    """Masked PSNR and SSIM of two 8-bit images of one shape on the pixels ``keep`` marks.

    The fast path of :func:`background_preservation` (the background already computed: the
    complement of :func:`edit_mask`): the PSNR's squared errors are summed exactly (OpenCV's
    masked ``norm``), the SSIM's mean is :func:`harmonybench.metrics.ssim.ssim_mean` (the
    float64 map computed in place, by strips of rows that stay in the CPU's cache).

    Args:
        edited: the edited image, ``(H, W)`` or ``(H, W, C)``, ``uint8``.
        original: the original, the same shape.
        keep: ``(H, W)``, true on the background (at least one pixel).

    Returns:
        ``(psnr, ssim)``; the PSNR is ``inf`` when the background is unchanged.

    Raises:
        ValueError: the shapes differ, or ``keep`` marks no pixel.
    """
    import cv2

    from harmonybench.metrics.ssim import ssim_mean

    if edited.shape != original.shape or keep.shape != original.shape[:2]:
        raise ValueError(f"edited {edited.shape}, original {original.shape}, "
                         f"background {keep.shape}: the shapes differ")
    pixels = int(np.count_nonzero(keep))
    if not pixels:
        raise ValueError("the mask covers the whole image: no background to compare")
    channels = edited.shape[2] if edited.ndim == 3 else 1
    if channels > 4:
        raise ValueError(f"images of {channels} channels: at most 4 are supported")
    select = np.ascontiguousarray(keep, dtype=np.uint8)
    # integer squared errors summed in float64: exact below 2**53
    squared = float(cv2.norm(edited, original, cv2.NORM_L2SQR, mask=select))
    psnr = math.inf if squared == 0 else 10.0 * math.log10(255.0**2 * pixels * channels
                                                            / squared)
    return psnr, ssim_mean(edited, original, keep, data_range=255.0)


def _open_rgb(path: str) -> Image.Image | None:
    """The image at ``path``, fully read, in RGB; ``None`` when it is missing or unreadable."""
    from PIL import Image

    if not os.path.isfile(path):
        return None
    try:
        with Image.open(path) as opened:
            opened.load()
            return opened.convert("RGB")
    except (OSError, SyntaxError, ValueError):
        return None


class BackgroundPreservation(DatasetProtocol):
    """Background preservation of edits: mean masked PSNR and SSIM over every edited image.

    Each edited image is compared with its original outside the edit mask, with ``margin =
    5`` more pixels left out (:data:`SSIM_WINDOW_RADIUS`, so SSIM windows never see the
    edited region); an edited image of another size than the original is resized to it
    (bilinear) first; an unchanged background counts as :data:`PSNR_CAP` dB. An image (or
    an original) that cannot be read, and a mask that leaves no background, are left out.
    harmonybench's own rule: TextHarmony publishes no scorer for its editing set.
    """

    name: ClassVar[str] = "background"
    reference: ClassVar[str] = (
        "harmonybench rule (TextHarmony publishes no editing scorer): PSNR and SSIM outside "
        "the edit mask plus 5 px; SSIM map as Lightning-AI/torchmetrics @ v1.9.0 "
        "src/torchmetrics/functional/image/ssim.py (Wang et al. 2004)"
    )
    summary: ClassVar[str] = (
        "Background preservation of edits: PSNR (dB) and SSIM outside the edit mask"
    )
    metrics: ClassVar[MetricTable] = declare(psnr=MetricInfo(unit="db", main=True),
                                             ssim=MetricInfo(unit="ssim"), images=COUNT)

    def compute(self, inputs: DatasetInputs) -> Mapping[str, Any]:
        """``psnr``, ``ssim``, ``images`` and a ``note``, or a skip note.

        Each original and its mask are read once for all its edited images, and the scores
        come from :func:`background_scores` (the values are :func:`background_preservation`'s
        to about 1e-12; ``benchmarks/bench_background.py`` compares the two).
        """
        from PIL import Image

        psnr: list[float] = []
        ssim: list[float] = []
        resized = 0
        for edit in inputs.edits:
            original = _open_rgb(edit.original)
            if original is None:
                continue
            before = np.asarray(original, dtype=np.uint8)
            keep: _BoolArray | None = None
            for path in edit.edited:
                edited = _open_rgb(path)
                if edited is None:
                    continue
                if edited.size != original.size:
                    edited = edited.resize(original.size, Image.Resampling.BILINEAR)
                    resized += 1
                if keep is None:
                    try:
                        keep = _background(edit_mask(edit.mask, original.size,
                                                     margin=SSIM_WINDOW_RADIUS))
                    except ValueError:
                        break
                value_psnr, value_ssim = background_scores(
                    np.asarray(edited, dtype=np.uint8), before, keep)
                psnr.append(min(value_psnr, PSNR_CAP))
                ssim.append(value_ssim)
        if not psnr:
            return {"skipped": "no edited image with its ground-truth image"}
        return {
            "psnr": sum(psnr) / len(psnr), "ssim": sum(ssim) / len(ssim), "images": len(psnr),
            "note": f"outside the editing mask plus {SSIM_WINDOW_RADIUS} px; PSNR capped at "
                    f"{PSNR_CAP:g} dB; {resized} images resized to the original's size",
        }

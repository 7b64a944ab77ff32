"""The SSIM map of two images, as torchmetrics defines it, by separable Gaussian filtering.

torchmetrics' ``structural_similarity_index_measure`` (``functional/image/ssim.py``,
``_ssim_update``, torchmetrics 1.x) with its defaults: a Gaussian window of sigma 1.5 whose
size is ``int(3.5 * sigma + 0.5) * 2 + 1`` (11), normalised to sum 1 and built as the outer
product of two 1-D windows; each channel padded by half the window with reflection (PyTorch's
``reflect``: the edge pixel is not repeated); ``c1 = (k1 L)^2``, ``c2 = (k2 L)^2`` with
``k1 = 0.01``, ``k2 = 0.03`` and ``L`` the data range; variances clamped at 0; and

    SSIM = (2 mu_x mu_y + c1) (2 s_xy + c2) / ((mu_x^2 + mu_y^2 + c1) (s_x^2 + s_y^2 + c2))

per pixel and channel. torchmetrics filters with one 2-D ``conv2d``, which in float64 on a
CPU costs seconds per 512x512 image; the window is separable, so two 1-D passes
(OpenCV ``sepFilter2D`` with ``BORDER_REFLECT_101``, the same reflection) give the same map in
float64 to rounding (``tests/test_image_quality.py`` checks it against torchmetrics) at a
small fraction of the cost.

:func:`ssim_map_fast` is the same map computed for speed, and :func:`ssim_mean` its mean over
a mask, the scoring path of background preservation
(:class:`harmonybench.metrics.background.BackgroundPreservation`): they work in place on five
float64 buffers instead of allocating some twenty arrays (:func:`ssim_mean` by strips of
:data:`STRIP_ROWS` rows, so that the buffers stay in the CPU's cache), and shift each channel
by its mean over the second image, rounded to an integer (SSIM's variances and covariance do
not change under a shift, integer pixel values stay exact, and ``E[x^2] - mu^2`` loses less
to cancellation); the means are shifted back before the luminance term. Their values equal
:func:`ssim_map`'s to about 1e-12. A float32 version was measured and left out: on a 512x512
RGB pair it saved about a tenth of the CPU time (the cost is memory traffic and blurring,
not the width), and on flat regions it moved an image's mean SSIM by up to 3e-5 (the rounding
of ``E[x^2]`` and ``mu^2`` no longer cancels).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

SIGMA = 1.5
K1 = 0.01
K2 = 0.03


def gaussian_window(sigma: float = SIGMA) -> npt.NDArray[np.float64]:
    """torchmetrics' 1-D Gaussian window for ``sigma``, normalised to sum 1."""
    size = int(3.5 * sigma + 0.5) * 2 + 1
    dist = np.arange((1 - size) / 2, (1 + size) / 2, 1.0, dtype=np.float64)
    gauss = np.exp(-((dist / sigma) ** 2) / 2)
    return np.asarray(gauss / gauss.sum(), dtype=np.float64)


def ssim_map(a: npt.NDArray[Any], b: npt.NDArray[Any], *, data_range: float = 255.0,
             sigma: float = SIGMA) -> npt.NDArray[np.float64]:
    """The per-pixel, per-channel SSIM of ``a`` against ``b`` (``H x W`` or ``H x W x C``).

    Raises:
        ValueError: the shapes differ, or the image is smaller than the window's reflection
            padding allows (6 pixels a side for sigma 1.5).
    """
    import cv2

    if a.shape != b.shape:
        raise ValueError(f"SSIM of images of shapes {a.shape} and {b.shape}")
    window = gaussian_window(sigma)
    pad = (len(window) - 1) // 2
    if min(a.shape[:2]) <= pad:
        raise ValueError(f"SSIM needs images larger than {pad} pixels a side, got "
                         f"{a.shape[1]}x{a.shape[0]}")
    x = np.ascontiguousarray(a, dtype=np.float64)
    y = np.ascontiguousarray(b, dtype=np.float64)

    def blur(image: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        out = cv2.sepFilter2D(image, cv2.CV_64F, window, window,
                              borderType=cv2.BORDER_REFLECT_101)
        return np.asarray(out, dtype=np.float64).reshape(image.shape)

    mu_x, mu_y = blur(x), blur(y)
    mu_x2, mu_y2, mu_xy = mu_x * mu_x, mu_y * mu_y, mu_x * mu_y
    var_x = np.maximum(blur(x * x) - mu_x2, 0.0)
    var_y = np.maximum(blur(y * y) - mu_y2, 0.0)
    cov = blur(x * y) - mu_xy
    c1 = (K1 * data_range) ** 2
    c2 = (K2 * data_range) ** 2
    upper = 2 * cov + c2
    lower = var_x + var_y + c2
    return np.asarray(((2 * mu_xy + c1) * upper) / ((mu_x2 + mu_y2 + c1) * lower),
                      dtype=np.float64)


def _check(a: npt.NDArray[Any], b: npt.NDArray[Any], pad: int) -> None:
    if a.shape != b.shape:
        raise ValueError(f"SSIM of images of shapes {a.shape} and {b.shape}")
    if min(a.shape[:2]) <= pad:
        raise ValueError(f"SSIM needs images larger than {pad} pixels a side, got "
                         f"{a.shape[1]}x{a.shape[0]}")


def _shift(b: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    """Each channel's mean over ``b``, rounded (a 0-d array for a one-channel image)."""
    import cv2

    if b.ndim == 3 and b.shape[2] > 4:
        means = np.asarray(b, dtype=np.float64).reshape(-1, b.shape[2]).mean(axis=0)
    else:
        channels = b.shape[2] if b.ndim == 3 else 1
        means = np.asarray(cv2.mean(np.ascontiguousarray(b))[:channels], dtype=np.float64)
    shift: npt.NDArray[np.float64] = np.round(means)
    return shift if b.ndim == 3 else shift.reshape(())


def _ssim_block(a: npt.NDArray[Any], b: npt.NDArray[Any], shift: npt.NDArray[np.float64],
                window: npt.NDArray[np.float64], data_range: float) -> npt.NDArray[np.float64]:
    """The SSIM map of ``a`` against ``b`` (reflection at every edge), in place on 5 buffers."""
    import cv2

    x = np.asarray(a, dtype=np.float64) - shift
    y = np.asarray(b, dtype=np.float64) - shift

    def blur(image: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        out = cv2.sepFilter2D(image, cv2.CV_64F, window, window,
                              borderType=cv2.BORDER_REFLECT_101)
        return np.asarray(out, dtype=np.float64).reshape(image.shape)

    mu_x, mu_y = blur(x), blur(y)
    work = x * x
    var_x = blur(work)
    np.multiply(y, y, out=work)
    var_y = blur(work)
    np.multiply(x, y, out=work)
    cov = blur(work)
    np.multiply(mu_x, mu_x, out=work)
    var_x -= work
    np.maximum(var_x, 0.0, out=var_x)
    np.multiply(mu_y, mu_y, out=work)
    var_y -= work
    np.maximum(var_y, 0.0, out=var_y)
    np.multiply(mu_x, mu_y, out=work)
    cov -= work
    mu_x += shift
    mu_y += shift
    c1 = (K1 * data_range) ** 2
    c2 = (K2 * data_range) ** 2
    # the numerator (2 mu_x mu_y + c1)(2 cov + c2) into work, the denominator into mu_x
    np.multiply(mu_x, mu_y, out=work)
    work *= 2.0
    work += c1
    cov *= 2.0
    cov += c2
    work *= cov
    np.multiply(mu_x, mu_x, out=mu_x)
    np.multiply(mu_y, mu_y, out=mu_y)
    mu_x += mu_y
    mu_x += c1
    var_x += var_y
    var_x += c2
    mu_x *= var_x
    work /= mu_x
    return work


def ssim_map_fast(a: npt.NDArray[Any], b: npt.NDArray[Any], *, data_range: float = 255.0,
                  sigma: float = SIGMA) -> npt.NDArray[np.float64]:
    """:func:`ssim_map`, computed in place (``H x W`` or ``H x W x C``; see the module).

    Raises:
        ValueError: as :func:`ssim_map`.
    """
    window = gaussian_window(sigma)
    _check(a, b, (len(window) - 1) // 2)
    return _ssim_block(a, b, _shift(b), window, data_range)


STRIP_ROWS = 32
"""Rows :func:`ssim_mean` computes at a time (a 512-wide RGB strip's buffers fit a CPU's L2)."""


def ssim_mean(a: npt.NDArray[Any], b: npt.NDArray[Any], keep: npt.NDArray[np.bool_], *,
              data_range: float = 255.0, sigma: float = SIGMA,
              rows: int = STRIP_ROWS) -> float:
    """The mean of :func:`ssim_map` over the channels and the pixels ``keep`` marks.

    Computed by strips of ``rows`` rows, each with the window's half (5 rows) of the image
    above and below it, so that the strip's buffers stay in the CPU's cache: the rows a strip
    keeps see the same neighbourhoods as in the whole image (the image's own edges are
    reflected as before), so the values are :func:`ssim_map`'s.

    Raises:
        ValueError: as :func:`ssim_map`; ``keep`` of another size, or marking no pixel.
    """
    import cv2

    window = gaussian_window(sigma)
    pad = (len(window) - 1) // 2
    _check(a, b, pad)
    if keep.shape != a.shape[:2]:
        raise ValueError(f"a mask of shape {keep.shape} for images of shape {a.shape}")
    channels = a.shape[2] if a.ndim == 3 else 1
    if channels > 4:
        raise ValueError(f"images of {channels} channels: at most 4 are supported")
    shift = _shift(b)
    select = np.ascontiguousarray(keep, dtype=np.uint8)
    height = a.shape[0]
    total = 0.0
    count = 0
    for top in range(0, height, max(rows, 1)):
        bottom = min(height, top + max(rows, 1))
        pixels = int(np.count_nonzero(select[top:bottom]))
        if not pixels:
            continue
        first, last = max(0, top - pad), min(height, bottom + pad)
        block = _ssim_block(a[first:last], b[first:last], shift, window, data_range)
        strip = np.ascontiguousarray(block[top - first:bottom - first])
        means = cv2.mean(strip, mask=select[top:bottom])
        total += sum(means[:channels]) * pixels
        count += pixels
    if not count:
        raise ValueError("the mask covers the whole image: no background to compare")
    return total / (count * channels)

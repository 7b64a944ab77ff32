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

"""Rectified crops of text-line polygons, as AnyText's OCR evaluation cuts them.

The reference is tyxsspa/AnyText ``cldm/recognizer.py`` (``min_bounding_rect``,
``adjust_image``, ``crop_image``) and ``eval/eval_dgocr.py`` (``pre_process``), commit
3d4a260c67d9; bytedance/TextHarmony ``image_eval/cldm/recognizer.py`` and
``image_eval/eval_dgocr.py`` (f98ac34b206f) use an identical copy. For one ground-truth line it:

1. fills the line's polygon into a mask (``cv2.fillPoly``, value 255) and thresholds it at 127;
2. takes the external contours of the mask and keeps the one of largest area;
3. takes that contour's minimum-area rectangle (``cv2.minAreaRect`` then ``cv2.boxPoints``),
   truncates the four corners to integers towards zero (``np.int0``; see below) and names them
   top-left, top-right, bottom-right, bottom-left: the two corners of smallest x are the left
   ones, the upper of them (smaller y) top-left; likewise on the right;
4. sets ``width = max(|tl-tr|, |bl-br|)`` and ``height = max(|tl-bl|, |tr-br|)`` and fits the
   similarity transform (rotation, uniform scale, translation; Umeyama's least squares) that
   maps the four corners onto ``(0,0), (w,0), (w,h), (0,h)``;
5. warps the image with it (bilinear, zeros outside the image) and keeps the top-left
   ``int(height)`` x ``int(width)`` pixels (never more than the image's own size);
6. rotates the crop 90 degrees counter-clockwise when ``h > 1.2 * w`` (``pre_process``:
   ``transpose(1, 2).flip(1)``, which is ``np.rot90``);
7. for the recognizer, resizes it to height 48, its width ``ceil(48 * w / h)`` capped at 320
   (a capped crop is squeezed, not cut), with bilinear interpolation in the
   ``align_corners=True`` convention, and pads it with zeros on the right to 48x320.

Steps 1-6 are :func:`rectified_crop`; step 7 is :func:`resize_and_pad`, separate because only a
reader that wants AnyText's DuGuang input size (3x48x320) needs it. :func:`read_lines` does both
and hands the crops to a :class:`~harmonybench.reader.TextReader`.

Differences from the reference, all deliberate:

- **Coordinates.** The reference rasterises every polygon into a 512x512 mask whatever the
  image size (its images are always 512x512). Here the mask has the image's own size, so
  polygon coordinates are pixels of the given image; pass ``polygon_size=(w, h)`` when they are
  in another frame (a 512x512 annotation scored on a 1024x1024 generation) and they are scaled
  to the image first. Non-integer coordinates are rounded to the nearest pixel before
  ``fillPoly`` (the reference's JSON holds integers).
- **Sampling grid.** The reference maps pixels to ``grid_sample``'s normalised coordinates with
  ``2 / W`` while calling it with ``align_corners=True`` (whose exact factor is
  ``2 / (W - 1)``), which shifts where it samples by ``A^-1 t / W`` pixels (``A``, ``t``: the
  transform's linear part and translation): under one pixel at 512x512. Here the warp is done
  in exact pixel coordinates (``cv2.warpAffine``), so an axis-aligned box is cut out exactly.
- **Degenerate polygons.** Where the mask has no contour the reference prints a warning and
  uses a fake 100x100 box at the origin; here fewer than three points, non-finite coordinates,
  a polygon that covers no pixel of the image, or a rectangle thinner than one pixel raise
  ``ValueError``.
- **Float noise in the corners.** OpenCV's rotating calipers work in float32 and return, for
  example, 510.99994 for a corner at 511; truncated as it is, that loses a pixel row or column,
  depending on the OpenCV build. Corners within 1e-3 of an integer are snapped to it before
  the truncation, so exact rectangles give exact crops.
- **Pixels.** The reference keeps the crop as floats (BGR, from ``cv2.imread``) up to the
  recognizer; here crops are RGB ``PIL`` images, rounded to 8 bits after each resampling.

OpenCV is imported lazily (``opencv-python-headless``, which RapidOCR brings). This module is
part of the core (not of ``harmonybench.metrics``) because the image-out tasks cut the lines
when they read generated images, and tasks may import only the core.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from PIL import Image

    from harmonybench.reader import TextReader

Polygon = Sequence[Sequence[float]]
"""A polygon as ``[[x, y], ...]`` in pixels (at least three points)."""

ROTATE_RATIO = 1.2
"""A crop is turned upright when its height exceeds this multiple of its width."""

SNAP_TOLERANCE = 1e-3
"""Rectangle corners this close to an integer are taken as that integer before truncation."""

ANYTEXT_INPUT_HEIGHT = 48
"""Height of the recognizer input in AnyText's evaluation (``rec_image_shape = "3, 48, 320"``)."""

ANYTEXT_INPUT_WIDTH = 320
"""Width of the recognizer input in AnyText's evaluation."""

_FloatArray = npt.NDArray[np.float64]


def _points(polygon: Polygon) -> _FloatArray:
    """``polygon`` as an (N, 2) float array, checked.

    Raises:
        ValueError: fewer than three points, a point that is not an (x, y) pair, or a
            non-finite coordinate.
    """
    try:
        points = np.asarray(polygon, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"polygon {polygon!r} is not a list of [x, y] points") from exc
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"polygon {polygon!r} is not a list of [x, y] points")
    if len(points) < 3:
        raise ValueError(f"polygon {polygon!r} has {len(points)} points; at least 3 are needed")
    if not np.isfinite(points).all():
        raise ValueError(f"polygon {polygon!r} has a non-finite coordinate")
    return points


def polygon_mask(
    size: tuple[int, int], polygon: Polygon, *, polygon_size: tuple[int, int] | None = None
) -> npt.NDArray[np.uint8]:
    """The filled polygon as a ``uint8`` mask (255 inside, 0 outside) of ``size = (w, h)``.

    Filled as the reference does (``cv2.fillPoly``, 8-connected edges, which count as inside).

    Args:
        size: the mask's ``(width, height)``.
        polygon: ``[[x, y], ...]`` in pixels of ``size`` (or of ``polygon_size``).
        polygon_size: the ``(width, height)`` of the frame the coordinates are in, when it is
            not ``size``; they are scaled to ``size``.

    Raises:
        ValueError: the polygon is malformed (see :func:`rectified_crop`).
    """
    import cv2

    points = _points(polygon)
    width, height = size
    if polygon_size is not None:
        frame_w, frame_h = polygon_size
        if frame_w <= 0 or frame_h <= 0:
            raise ValueError(f"polygon_size {polygon_size!r} must be positive")
        points = points * np.array([width / frame_w, height / frame_h])
    mask = np.zeros((height, width), dtype=np.uint8)
    cv2.fillPoly(mask, [np.rint(points).astype(np.int32).reshape(-1, 1, 2)], color=255)
    return mask


def _ordered_box(mask: npt.NDArray[np.uint8]) -> _FloatArray:
    """Corners tl, tr, br, bl of the min-area rectangle of the mask's largest contour."""
    import cv2

    _, binary = cv2.threshold(mask, 127, 255, cv2.THRESH_BINARY)
    contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if len(contours) == 0:
        raise ValueError("the polygon covers no pixel of the image")
    largest = max(contours, key=cv2.contourArea)
    corners = cv2.boxPoints(cv2.minAreaRect(largest)).astype(np.float64)
    nearest = np.rint(corners)
    snapped = np.where(np.abs(corners - nearest) < SNAP_TOLERANCE, nearest, corners)
    corners = np.trunc(snapped).astype(np.intp)  # truncation towards zero, as np.int0
    by_x = sorted(corners.tolist(), key=lambda p: p[0])
    top_left, bottom_left = sorted(by_x[:2], key=lambda p: p[1])
    top_right, bottom_right = sorted(by_x[2:], key=lambda p: p[1])
    return np.array([top_left, top_right, bottom_right, bottom_left], dtype=np.float64)


def similarity_transform(source: _FloatArray, target: _FloatArray) -> _FloatArray:
    """The 3x3 similarity (rotation, uniform scale, translation) that best maps ``source``
    onto ``target`` in least squares, by Umeyama's closed form (IEEE TPAMI 13(4), 1991).

    This is what ``skimage.transform._geometric._umeyama(src, dst, estimate_scale=True)``
    computes, which the reference calls.

    Args:
        source: (N, 2) points.
        target: (N, 2) points, paired with ``source``.

    Raises:
        ValueError: the source points are all the same point.
    """
    n, dim = source.shape
    source_mean = source.mean(axis=0)
    target_mean = target.mean(axis=0)
    source_centred = source - source_mean
    target_centred = target - target_mean
    covariance = target_centred.T @ source_centred / n
    signs = np.ones(dim)
    if np.linalg.det(covariance) < 0:
        signs[-1] = -1.0
    u, singular, vt = np.linalg.svd(covariance)
    rotation = u @ np.diag(signs) @ vt
    variance = source_centred.var(axis=0).sum()
    if variance == 0:
        raise ValueError("the rectangle's corners coincide")
    scale = float(singular @ signs) / variance
    transform = np.eye(dim + 1)
    transform[:dim, :dim] = scale * rotation
    transform[:dim, dim] = target_mean - scale * rotation @ source_mean
    return transform


def rectified_crop(
    image: Image.Image, polygon: Polygon, *, polygon_size: tuple[int, int] | None = None
) -> Image.Image:
    """The text line inside ``polygon``, cut out, straightened and turned upright.

    The reference's steps 1-6 (module docstring): mask, largest contour, min-area rectangle,
    similarity warp onto an axis-aligned ``int(h) x int(w)`` rectangle, then a 90 degree
    counter-clockwise turn when ``h > 1.2 w``.

    Args:
        image: the generated image (converted to RGB).
        polygon: ``[[x, y], ...]`` in pixels of ``image`` (or of ``polygon_size``).
        polygon_size: the ``(width, height)`` of the frame the polygon is in, when it is not
            the image's own size (AnyText annotations are in 512x512).

    Returns:
        An RGB image of the line.

    Raises:
        ValueError: fewer than three points, a non-finite coordinate, a polygon that covers
            no pixel of the image, or a rectangle less than one pixel wide or high.
    """
    import cv2
    from PIL import Image

    rgb = image.convert("RGB")
    width, height = rgb.size
    box = _ordered_box(polygon_mask((width, height), polygon, polygon_size=polygon_size))
    top_left, top_right, bottom_right, bottom_left = box.astype(np.float32)
    box_w = float(max(np.linalg.norm(top_left - top_right),
                      np.linalg.norm(bottom_right - bottom_left)))
    box_h = float(max(np.linalg.norm(top_left - bottom_left),
                      np.linalg.norm(top_right - bottom_right)))
    out_w, out_h = min(int(box_w), width), min(int(box_h), height)
    if out_w < 1 or out_h < 1:
        raise ValueError(
            f"polygon {polygon!r} gives a {box_w:.2f}x{box_h:.2f} rectangle: less than a pixel"
        )
    target = np.array([[0, 0], [box_w, 0], [box_w, box_h], [0, box_h]], dtype=np.float64)
    transform = similarity_transform(box, target)
    pixels = cv2.warpAffine(
        np.asarray(rgb), transform[:2], (out_w, out_h), flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0),
    )
    if out_h > out_w * ROTATE_RATIO:
        pixels = np.rot90(pixels)
    return Image.fromarray(np.ascontiguousarray(pixels), mode="RGB")


def _align_corners_positions(size_in: int, size_out: int) -> tuple[
    npt.NDArray[np.intp], npt.NDArray[np.intp], _FloatArray
]:
    """Neighbour indices and weights of bilinear sampling with ``align_corners=True``."""
    step = 0.0 if size_out == 1 else (size_in - 1) / (size_out - 1)
    source: _FloatArray = np.arange(size_out, dtype=np.float64) * step
    low = np.floor(source).astype(np.intp)
    high = np.minimum(low + 1, size_in - 1)
    return low, high, source - low


def resize_and_pad(
    crop: Image.Image, height: int = ANYTEXT_INPUT_HEIGHT, width: int = ANYTEXT_INPUT_WIDTH
) -> Image.Image:
    """``crop`` resized to ``height`` and zero-padded on the right to ``width`` (AnyText's 48x320).

    The resized width is ``ceil(height * w / h)``, or ``width`` when that is larger (the crop is
    then squeezed, not cut). Interpolation is bilinear with ``align_corners=True``, as the
    reference's ``torch.nn.functional.interpolate`` call; values are rounded to 8 bits.

    Args:
        crop: a line crop (from :func:`rectified_crop`).
        height: the output height.
        width: the output width (and the cap on the resized width).

    Returns:
        An RGB image of exactly ``width`` x ``height``.
    """
    from PIL import Image

    pixels = np.asarray(crop.convert("RGB"), dtype=np.float64)
    in_h, in_w = pixels.shape[:2]
    ratio = in_w / float(in_h)
    resized_w = width if math.ceil(height * ratio) > width else math.ceil(height * ratio)
    y_low, y_high, y_weight = _align_corners_positions(in_h, height)
    x_low, x_high, x_weight = _align_corners_positions(in_w, resized_w)
    rows = (pixels[y_low] * (1 - y_weight)[:, None, None]
            + pixels[y_high] * y_weight[:, None, None])
    resized = (rows[:, x_low] * (1 - x_weight)[None, :, None]
               + rows[:, x_high] * x_weight[None, :, None])
    out = np.zeros((height, width, 3), dtype=np.uint8)
    out[:, :resized_w] = np.clip(np.rint(resized), 0, 255).astype(np.uint8)
    return Image.fromarray(out, mode="RGB")


def read_lines(
    image: Image.Image,
    polygons: Sequence[Polygon],
    reader: TextReader,
    *,
    anytext_input: bool = True,
    polygon_size: tuple[int, int] | None = None,
) -> list[str]:
    """The reader's text for each polygon of ``image``, one string per polygon, in order.

    Args:
        image: a generated image.
        polygons: the ground-truth line polygons (AnyText: the lines that
            :func:`harmonybench.targets.target_lines` selects).
        reader: the OCR reader (its ``read`` gets all the crops at once).
        anytext_input: resize and pad every crop to 48x320 as AnyText feeds its recognizer
            (:func:`resize_and_pad`); ``False`` hands the reader the bare rectified crops.
        polygon_size: the frame of the polygon coordinates, when not the image's size.

    Raises:
        ValueError: a degenerate polygon (see :func:`rectified_crop`), or a reader that
            returns a different number of texts than it was given crops.
    """
    crops = [rectified_crop(image, polygon, polygon_size=polygon_size) for polygon in polygons]
    if anytext_input:
        crops = [resize_and_pad(crop) for crop in crops]
    if not crops:
        return []
    texts = reader.read(crops)
    if len(texts) != len(crops):
        raise ValueError(f"reader {reader.identity!r} returned {len(texts)} texts for "
                         f"{len(crops)} crops")
    return list(texts)

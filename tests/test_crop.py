"""Rectified line crops (``bench/crop.py``): golden geometry and AnyText's 48x320 input.

The expectations come from reading tyxsspa/AnyText ``cldm/recognizer.py`` (``min_bounding_rect``,
``adjust_image``) and ``eval/eval_dgocr.py`` (``pre_process``) at 3d4a260c67d9: the crop is the
min-area rectangle of the filled polygon, warped upright by a least-squares similarity, turned
90 degrees counter-clockwise when taller than 1.2x its width, then resized to height 48 with
``align_corners=True`` bilinear interpolation and zero-padded to width 320.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
import torch
from PIL import Image

from harmonybench.crop import (
    polygon_mask,
    read_lines,
    rectified_crop,
    resize_and_pad,
    similarity_transform,
)
from harmonybench.reader import CallableReader


def noise(width: int, height: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def line_pattern(width: int = 120, height: int = 30) -> np.ndarray:
    """A 'text line' whose orientation can be read back: green in its top half, red rising
    from left to right, blue constant."""
    pattern = np.zeros((height, width, 3), dtype=np.uint8)
    pattern[: height // 2, :, 1] = 255
    pattern[:, :, 0] = np.linspace(20, 235, width).astype(np.uint8)[None, :]
    pattern[:, :, 2] = 128
    return pattern


def place(pattern: np.ndarray, angle_deg: float, canvas: int = 240) -> tuple[Image.Image, list]:
    """Draw ``pattern`` rotated by ``angle_deg`` (counter-clockwise on screen) about the canvas
    centre; return the canvas and the pattern's corner polygon in canvas pixels."""
    h, w = pattern.shape[:2]
    theta = math.radians(angle_deg)
    c, s = math.cos(theta), math.sin(theta)
    # screen coordinates (y down): a counter-clockwise turn is [[c, s], [-s, c]]
    rotation = np.array([[c, s], [-s, c]])
    centre = np.array([canvas / 2, canvas / 2])
    offset = centre - rotation @ np.array([w / 2, h / 2])
    matrix = np.hstack([rotation, offset[:, None]])
    image = cv2.warpAffine(pattern, matrix, (canvas, canvas), flags=cv2.INTER_LINEAR)
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float64)
    polygon = (corners @ rotation.T + offset).tolist()
    return Image.fromarray(image), polygon


def assert_upright(crop: Image.Image, width: int = 120, height: int = 30) -> None:
    pixels = np.asarray(crop).astype(np.float64)
    assert abs(crop.size[0] - width) <= 3 and abs(crop.size[1] - height) <= 3, crop.size
    inner = pixels[3:-3, 3:-3]
    half = inner.shape[0] // 2
    assert inner[: half - 2, :, 1].mean() > 200  # green on top
    assert inner[half + 2 :, :, 1].mean() < 55
    red = inner[:, :, 0].mean(axis=0)
    assert np.corrcoef(np.arange(len(red)), red)[0, 1] > 0.99  # red rises left to right


# --------------------------------------------------------------------------- axis-aligned


@pytest.mark.parametrize(
    "box",
    [(209, 380, 438, 426), (0, 0, 50, 20), (100, 7, 103, 9), (13, 200, 511, 260)],
)
def test_axis_aligned_box_equals_plain_crop(box: tuple[int, int, int, int]) -> None:
    x0, y0, x1, y1 = box
    pixels = noise(512, 512)
    # AnyText's polygons start at the bottom-left corner; the order must not matter.
    polygon = [[x0, y1], [x0, y0], [x1, y0], [x1, y1]]
    crop = rectified_crop(Image.fromarray(pixels), polygon)
    # the reference keeps int(width) x int(height) pixels from the top-left corner
    np.testing.assert_array_equal(np.asarray(crop), pixels[y0:y1, x0:x1])


def test_polygon_with_more_points_uses_its_min_area_rectangle() -> None:
    pixels = noise(128, 128)
    # an octagon-ish outline whose bounding rectangle is (10, 20)-(90, 40)
    polygon = [[10, 25], [15, 20], [85, 20], [90, 25], [90, 35], [85, 40], [15, 40], [10, 35]]
    crop = rectified_crop(Image.fromarray(pixels), polygon)
    np.testing.assert_array_equal(np.asarray(crop), pixels[20:40, 10:90])


def test_fractional_coordinates_are_rounded() -> None:
    pixels = noise(64, 64)
    crop = rectified_crop(Image.fromarray(pixels), [[4.6, 5.4], [30.2, 5.4], [30.2, 20.6],
                                                    [4.6, 20.6]])
    np.testing.assert_array_equal(np.asarray(crop), pixels[5:21, 5:30])


def test_polygon_size_scales_annotation_coordinates() -> None:
    small = noise(64, 64)
    big = np.kron(small, np.ones((2, 2, 1), dtype=np.uint8))  # the same image at 128x128
    polygon = [[8, 10], [40, 10], [40, 22], [8, 22]]
    crop = rectified_crop(Image.fromarray(big), polygon, polygon_size=(64, 64))
    np.testing.assert_array_equal(np.asarray(crop), big[20:44, 16:80])


def test_non_rgb_images_are_converted() -> None:
    gray = Image.fromarray(noise(40, 40)[:, :, 0], mode="L")
    crop = rectified_crop(gray, [[2, 2], [30, 2], [30, 12], [2, 12]])
    assert crop.mode == "RGB"
    np.testing.assert_array_equal(np.asarray(crop)[:, :, 0], np.asarray(gray)[2:12, 2:30])


# ------------------------------------------------------------------------------- rotation


@pytest.mark.parametrize("angle", [-35.0, -12.0, 8.0, 30.0])
def test_rotated_rectangle_comes_out_upright(angle: float) -> None:
    image, polygon = place(line_pattern(), angle)
    assert_upright(rectified_crop(image, polygon))


def test_tall_box_is_rotated_counter_clockwise() -> None:
    # a line turned 90 degrees clockwise (read top to bottom): its top (green) is on the right
    image, polygon = place(line_pattern(), -90.0)
    raw_w = max(p[0] for p in polygon) - min(p[0] for p in polygon)
    raw_h = max(p[1] for p in polygon) - min(p[1] for p in polygon)
    assert raw_h > 1.2 * raw_w
    crop = rectified_crop(image, polygon)
    assert crop.size[0] > crop.size[1]
    assert_upright(crop)


def test_box_at_most_1_2_times_taller_than_wide_is_not_rotated() -> None:
    pixels = noise(100, 100)
    # 50 wide, 60 high: 60 <= 1.2 * 50, kept as it is
    crop = rectified_crop(Image.fromarray(pixels), [[10, 10], [60, 10], [60, 70], [10, 70]])
    np.testing.assert_array_equal(np.asarray(crop), pixels[10:70, 10:60])
    # 50 wide, 61 high: turned, the right column becomes the top row
    crop = rectified_crop(Image.fromarray(pixels), [[10, 10], [60, 10], [60, 71], [10, 71]])
    np.testing.assert_array_equal(np.asarray(crop), np.rot90(pixels[10:71, 10:60]))


# ------------------------------------------------------------- the reference's own warp


def reference_like_crop(pixels: np.ndarray, polygon: list) -> np.ndarray:
    """The reference's procedure as described in the module docstring, written for this test
    with torch's ``affine_grid``/``grid_sample`` and the reference's ``2 / W`` normalisation;
    the similarity is fitted by plain linear least squares (which is Umeyama's optimum)."""
    height, width = pixels.shape[:2]
    mask = np.zeros((512, 512), dtype=np.uint8)  # the reference always draws at 512x512
    cv2.fillPoly(mask, [np.array(polygon, dtype=np.int32).reshape(-1, 1, 2)], 255)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    box = cv2.boxPoints(cv2.minAreaRect(max(contours, key=cv2.contourArea))).astype(int)
    left = sorted(sorted(box.tolist(), key=lambda p: p[0])[:2], key=lambda p: p[1])
    right = sorted(sorted(box.tolist(), key=lambda p: p[0])[2:], key=lambda p: p[1])
    src = np.array([left[0], right[0], right[1], left[1]], dtype=np.float32)
    w = max(np.linalg.norm(src[0] - src[1]), np.linalg.norm(src[2] - src[3]))
    h = max(np.linalg.norm(src[0] - src[3]), np.linalg.norm(src[1] - src[2]))
    dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float64)
    rows = []
    for (x, y) in src.astype(np.float64):
        rows += [[x, -y, 1, 0], [y, x, 0, 1]]
    a, b, tx, ty = np.linalg.lstsq(np.array(rows), dst.reshape(-1), rcond=None)[0]
    forward = np.array([[a, -b, tx], [b, a, ty], [0, 0, 1]])
    to_unit = np.array([[2 / width, 0, -1], [0, 2 / height, -1], [0, 0, 1]])
    theta = np.linalg.inv(to_unit @ forward @ np.linalg.inv(to_unit))[:2]
    image = torch.from_numpy(pixels).permute(2, 0, 1).float()[None]
    grid = torch.nn.functional.affine_grid(
        torch.from_numpy(theta).float()[None], [1, 3, height, width], align_corners=True
    )
    out = torch.nn.functional.grid_sample(image, grid, align_corners=True)[0]
    out = out.clamp(0, 255)[:, : int(h), : int(w)]
    if out.shape[1] > out.shape[2] * 1.2:
        out = out.transpose(1, 2).flip(1)
    return out.permute(1, 2, 0).numpy()


@pytest.mark.parametrize("angle", [-20.0, 10.0, 25.0, -90.0])
def test_matches_the_reference_procedure_up_to_its_sub_pixel_shift(angle: float) -> None:
    # a smooth image, so that the reference's < 1 px sampling shift moves values only a little
    yy, xx = np.mgrid[0:512, 0:512]
    smooth = np.stack([xx / 2, yy / 2, (xx + yy) / 4], axis=-1).astype(np.uint8)
    _, polygon = place(line_pattern(160, 40), angle, canvas=512)
    polygon = np.rint(polygon).astype(int).tolist()
    ours = np.asarray(rectified_crop(Image.fromarray(smooth), polygon)).astype(np.float64)
    theirs = reference_like_crop(smooth, polygon)
    assert ours.shape == theirs.shape
    assert np.abs(ours - theirs)[1:-1, 1:-1].mean() < 1.5


def test_similarity_transform_is_the_least_squares_similarity() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        src = rng.normal(size=(4, 2)) * 50
        dst = rng.normal(size=(4, 2)) * 50
        rows = []
        for (x, y) in src:
            rows += [[x, -y, 1, 0], [y, x, 0, 1]]
        a, b, tx, ty = np.linalg.lstsq(np.array(rows), dst.reshape(-1), rcond=None)[0]
        expected = np.array([[a, -b, tx], [b, a, ty], [0, 0, 1]])
        np.testing.assert_allclose(similarity_transform(src, dst), expected, atol=1e-9)


# -------------------------------------------------------------------------- degenerate


@pytest.mark.parametrize(
    ("polygon", "message"),
    [
        ([[1, 1], [5, 5]], "at least 3"),
        ([], "list of \\[x, y\\] points"),
        ([[1, 2, 3], [4, 5, 6], [7, 8, 9]], "list of \\[x, y\\] points"),
        ("abc", "list of \\[x, y\\] points"),
        ([[0, 0], [float("nan"), 3], [4, 4]], "non-finite"),
        ([[500, 500], [600, 500], [600, 600], [500, 600]], "covers no pixel"),
        ([[-50, -50], [-10, -50], [-10, -10], [-50, -10]], "covers no pixel"),
        ([[10, 10], [40, 10], [40, 10], [10, 10]], "less than a pixel"),  # zero height
        ([[10, 10], [20, 20], [30, 30]], "less than a pixel"),  # collinear
        ([[5, 5], [5, 5], [5, 5]], "less than a pixel"),  # one point
    ],
)
def test_degenerate_polygons_raise(polygon: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rectified_crop(Image.fromarray(noise(64, 64)), polygon)  # type: ignore[arg-type]


def test_polygon_mask_fills_edges_as_inside() -> None:
    mask = polygon_mask((10, 10), [[2, 3], [6, 3], [6, 5], [2, 5]])
    assert mask.dtype == np.uint8
    assert set(np.unique(mask)) == {0, 255}
    assert mask[3:6, 2:7].min() == 255 and mask.sum() == 255 * 15


# ----------------------------------------------------------------------- resize and pad


def torch_resize(pixels: np.ndarray, height: int, width: int) -> np.ndarray:
    tensor = torch.from_numpy(pixels.astype(np.float64)).permute(2, 0, 1)[None]
    out = torch.nn.functional.interpolate(tensor, size=(height, width), mode="bilinear",
                                          align_corners=True)
    return np.clip(np.rint(out[0].permute(1, 2, 0).numpy()), 0, 255).astype(np.uint8)


@pytest.mark.parametrize(("w", "h"), [(229, 46), (40, 40), (30, 90), (7, 3), (1, 5), (5, 1)])
def test_resize_and_pad_matches_align_corners_bilinear(w: int, h: int) -> None:
    pixels = noise(w, h, seed=w * h)
    out = np.asarray(resize_and_pad(Image.fromarray(pixels)))
    assert out.shape == (48, 320, 3)
    resized_w = min(320, math.ceil(48 * w / h))
    np.testing.assert_array_equal(out[:, :resized_w], torch_resize(pixels, 48, resized_w))
    assert not out[:, resized_w:].any()  # zero padding on the right


def test_long_crop_is_squeezed_to_320_not_cut() -> None:
    pixels = line_pattern(900, 30)  # ceil(48 * 30) = 1440 > 320
    out = np.asarray(resize_and_pad(Image.fromarray(pixels)))
    assert out.shape == (48, 320, 3)
    assert out[:, -1, 0].mean() > 230  # the right end of the red ramp is still there
    np.testing.assert_array_equal(out, torch_resize(pixels, 48, 320))


def test_resize_and_pad_other_sizes() -> None:
    out = resize_and_pad(Image.fromarray(noise(20, 10)), height=32, width=100)
    assert out.size == (100, 32)
    assert not np.asarray(out)[:, 64:].any()


# --------------------------------------------------------------------------- read_lines


def test_read_lines_crops_each_polygon_and_reads_in_order() -> None:
    seen: list[tuple[int, int]] = []

    def fake_ocr(crop: Image.Image) -> str:
        seen.append(crop.size)
        return f"line{len(seen)}"

    reader = CallableReader(fake_ocr, "fake 1.0")
    image = Image.fromarray(noise(128, 128))
    polygons = [[[0, 0], [60, 0], [60, 20], [0, 20]], [[10, 50], [40, 50], [40, 60], [10, 60]]]
    assert read_lines(image, polygons, reader) == ["line1", "line2"]
    assert seen == [(320, 48), (320, 48)]
    seen.clear()
    assert read_lines(image, polygons, reader, anytext_input=False) == ["line1", "line2"]
    assert seen == [(60, 20), (30, 10)]
    assert read_lines(image, [], reader) == []


def test_read_lines_rejects_a_reader_that_loses_crops() -> None:
    class Lossy:
        identity = "lossy"

        def read(self, crops: object) -> list[str]:
            return []

    with pytest.raises(ValueError, match="0 texts for 1 crops"):
        read_lines(Image.fromarray(noise(32, 32)), [[[0, 0], [20, 0], [20, 8], [0, 8]]],
                   Lossy())  # type: ignore[arg-type]

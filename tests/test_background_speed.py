"""The fast background-preservation path gives the float64 path's values (issue 12, #7).

``metrics/ssim.py`` ``ssim_map_fast`` and ``ssim_mean`` (in place, by strips, channels shifted
by their mean) against
``ssim_map`` (float64, itself checked against torchmetrics in ``test_image_quality.py``);
``metrics/background.py`` ``background_scores`` and ``BackgroundPreservation.compute``
against ``background_preservation`` image by image; the ``background=off`` task option; and
``benchmarks/bench_background.py`` run small. No timing is asserted.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from benchscripts import load_benchmark
from PIL import Image

from harmonybench.dataset_protocol import DatasetInputs, EditImages
from harmonybench.errors import HarmonyBenchError
from harmonybench.metrics.background import (
    PSNR_CAP,
    SSIM_WINDOW_RADIUS,
    BackgroundPreservation,
    background_preservation,
    background_scores,
    edit_mask,
)
from harmonybench.metrics.ssim import ssim_map, ssim_map_fast, ssim_mean
from harmonybench.registries import get_task

TOLERANCE = 1e-4


def _images(seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Pairs where cancellation in ``E[x^2] - mu^2`` could show: flat, saturated, noisy, smooth."""
    rng = np.random.default_rng(seed)
    shape = (64, 80, 3)
    flat = np.full(shape, 200, dtype=np.uint8)
    saturated = np.where(rng.random(shape) < 0.5, 0, 255).astype(np.uint8)
    noise = rng.integers(0, 256, shape, dtype=np.uint8)
    ramp = np.broadcast_to(np.linspace(0, 255, shape[1])[None, :, None], shape)
    smooth = np.clip(ramp + rng.normal(0, 3, shape), 0, 255).astype(np.uint8)
    pairs = []
    for base in (flat, saturated, noise, smooth):
        touched = np.clip(base.astype(int) + rng.integers(-3, 4, shape), 0, 255)
        pairs.append((touched.astype(np.uint8), base))
    pairs.append((255 - flat, flat))  # the largest change there is
    return pairs


@pytest.mark.parametrize("seed", [0, 1])
def test_the_fast_map_is_the_reference_map(seed: int) -> None:
    for edited, original in _images(seed):
        exact = ssim_map(edited, original)
        fast = ssim_map_fast(edited, original)
        assert fast.dtype == np.float64 and fast.shape == exact.shape
        assert float(np.abs(fast - exact).max()) < 1e-9
        gray_exact = ssim_map(edited[..., 0], original[..., 0])
        gray_fast = ssim_map_fast(edited[..., 0], original[..., 0])
        assert gray_fast.shape == gray_exact.shape == edited.shape[:2]
        assert float(np.abs(gray_fast - gray_exact).max()) < 1e-9


def test_the_fast_map_refuses_what_the_float64_map_refuses() -> None:
    a = np.zeros((8, 8, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match="shapes"):
        ssim_map_fast(a, np.zeros((8, 9, 3), dtype=np.uint8))
    with pytest.raises(ValueError, match="larger than 5 pixels"):
        ssim_map_fast(a[:5], a[:5])
    identical = np.random.default_rng(3).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    assert float(np.abs(ssim_map_fast(identical, identical) - 1.0).max()) < 1e-12


@pytest.mark.parametrize("rows", [1, 7, 32, 1000])
def test_the_mean_by_strips_is_the_mean_of_the_reference_map(rows: int) -> None:
    for edited, original in _images(2):
        keep = np.ones(original.shape[:2], dtype=bool)
        keep[10:30, 20:60] = False
        keep[:, :3] = False
        reference = float(ssim_map(edited, original).mean(axis=2)[keep].mean())
        assert ssim_mean(edited, original, keep, rows=rows) == pytest.approx(reference, abs=1e-12)
        gray = float(ssim_map(edited[..., 1], original[..., 1])[keep].mean())
        assert ssim_mean(edited[..., 1], original[..., 1], keep, rows=rows) == pytest.approx(
            gray, abs=1e-12)
    small = _images(2)[2][0][:6, :9]
    only = np.zeros((6, 9), dtype=bool)
    only[5, 8] = True  # one pixel, in the last row of the last strip
    assert ssim_mean(small, small[::-1], only, rows=rows) == pytest.approx(
        float(ssim_map(small, small[::-1]).mean(axis=2)[5, 8]), abs=1e-12)
    with pytest.raises(ValueError, match="no background"):
        ssim_mean(small, small, np.zeros((6, 9), dtype=bool), rows=rows)
    with pytest.raises(ValueError, match="a mask of shape"):
        ssim_mean(small, small, only[:5], rows=rows)


def _mask(shape: tuple[int, int]) -> np.ndarray:
    mask = np.zeros(shape, dtype=np.uint8)
    mask[20:40, 15:50] = 255
    return mask


def test_background_scores_equal_background_preservation() -> None:
    for edited, original in _images(4):
        mask = _mask(original.shape[:2])
        old = background_preservation(Image.fromarray(edited), Image.fromarray(original), mask,
                                      margin=SSIM_WINDOW_RADIUS)
        size = (original.shape[1], original.shape[0])
        keep = ~edit_mask(mask, size, margin=SSIM_WINDOW_RADIUS)
        psnr, ssim = background_scores(edited, original, keep)
        assert psnr == pytest.approx(old["psnr"], rel=1e-12)
        assert ssim == pytest.approx(old["ssim"], abs=1e-9)
    same = _images(4)[0][1]
    psnr, ssim = background_scores(same, same, ~edit_mask(_mask(same.shape[:2]),
                                                          (same.shape[1], same.shape[0])))
    assert math.isinf(psnr) and ssim == pytest.approx(1.0, abs=1e-6)


def test_background_scores_refuse_bad_shapes_and_an_empty_background() -> None:
    image = np.zeros((16, 16, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match="shapes differ"):
        background_scores(image, image[:8], np.ones((16, 16), dtype=bool))
    with pytest.raises(ValueError, match="no background"):
        background_scores(image, image, np.zeros((16, 16), dtype=bool))


def _old_compute(edits: tuple[EditImages, ...]) -> tuple[float, float, int]:
    """What ``BackgroundPreservation.compute`` did before the fast path (float64)."""
    psnr, ssim = [], []
    for edit in edits:
        with Image.open(edit.original) as opened:
            original = opened.convert("RGB")
        for path in edit.edited:
            with Image.open(path) as opened:
                edited = opened.convert("RGB")
            if edited.size != original.size:
                edited = edited.resize(original.size, Image.Resampling.BILINEAR)
            values = background_preservation(edited, original, edit.mask,
                                             margin=SSIM_WINDOW_RADIUS)
            psnr.append(min(values["psnr"], PSNR_CAP))
            ssim.append(values["ssim"])
    return sum(psnr) / len(psnr), sum(ssim) / len(ssim), len(psnr)


def test_compute_gives_the_old_values(tmp_path: Path) -> None:
    edits = []
    for i, (edited, original) in enumerate(_images(5)):
        paths = [tmp_path / f"{i}_{kind}.png" for kind in ("gt", "edit", "small", "mask")]
        Image.fromarray(original).save(paths[0])
        Image.fromarray(edited).save(paths[1])
        Image.fromarray(edited).resize((40, 32)).save(paths[2])  # resized back to 80x64
        Image.fromarray(_mask(original.shape[:2])).save(paths[3])
        edits.append(EditImages(str(paths[0]), str(paths[3]), (str(paths[1]), str(paths[2]))))
    result = BackgroundPreservation().compute(DatasetInputs(task="anytext-edit",
                                                            edits=tuple(edits)))
    psnr, ssim, images = _old_compute(tuple(edits))
    assert result["images"] == images == 10
    assert abs(result["psnr"] - psnr) < TOLERANCE and abs(result["ssim"] - ssim) < TOLERANCE
    assert "5 images resized" in result["note"]


def test_a_mask_that_covers_everything_leaves_the_edit_out(tmp_path: Path) -> None:
    image = np.random.default_rng(6).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    Image.fromarray(image).save(tmp_path / "gt.png")
    Image.fromarray(np.full((32, 32), 255, dtype=np.uint8)).save(tmp_path / "mask.png")
    edit = EditImages(str(tmp_path / "gt.png"), str(tmp_path / "mask.png"),
                      (str(tmp_path / "gt.png"),))
    assert BackgroundPreservation().compute(DatasetInputs(task="t", edits=(edit,))) == {
        "skipped": "no edited image with its ground-truth image"}


def test_background_off_leaves_the_protocol_out() -> None:
    assert get_task("anytext-edit", {"background": "off"}).enabled_dataset_protocols() == (
        "fid",)
    assert get_task("anytext-edit", {"background": "ON", "fid": "off"}
                    ).enabled_dataset_protocols() == ("background",)
    with pytest.raises(HarmonyBenchError, match=r"background='maybe'.*on, off"):
        get_task("anytext-edit", {"background": "maybe"})


def test_the_benchmark_runs_small_and_agrees(tmp_path: Path) -> None:
    bench = load_benchmark("bench_background")
    gt = tmp_path / "edit_gt.json"
    gt.write_text('{"data_list": [{"img_name": "1.jpg", "caption": "c", "annotations": '
                  '[{"polygon": [[40, 60], [300, 60], [300, 140], [40, 140]], "text": "WIN", '
                  '"valid": true}]}]}', encoding="utf-8")
    out = tmp_path / "results.md"
    assert bench.main(["--n", "2", "--gt", str(gt), "--output", str(out)]) == 0
    report = out.read_text(encoding="utf-8")
    assert "| path | images | seconds | images/s | ratio |" in report
    assert "Machine:" in report and "Load average" in report
    assert "(checked within 0.0001)" in report

"""FID, CLIPScore and masked PSNR/SSIM (``metrics/image_quality.py``) with tiny local models.

CLIPScore's expectations come from jmhessel/clipscore ``clipscore.py`` @ 1036465 (``w = 2.5``,
``prefix='A photo depicts'`` plus a space, ``w * np.clip(cos, 0, None)``) and microsoft/unilm
``textdiffuser/eval/clipscore.py`` @ 768a3c873f59 (the same with ``scale_weight=1``). They are
checked against CLIP features computed directly with transformers on the tiny checkpoint of
``tests/tinyclip.py``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from harmonybench.metrics import image_quality
from harmonybench.metrics.background import (
    background_preservation,
    edit_mask,
    masked_psnr,
    masked_ssim,
)
from harmonybench.metrics.image_quality import (
    CLIPSCORE,
    CLIPSCORE_PROTOCOLS,
    CLIPSCORE_TEXTDIFFUSER,
    CLIPScorer,
    FeatureModelMissingError,
    clip_score,
    fid,
)
from harmonybench.schema import ImageRef


def noise(width: int, height: int, seed: int = 0, high: int = 256) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, high, (height, width, 3), dtype=np.uint8)


# ------------------------------------------------------------------------------- CLIPScore


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tinyclip import build_tiny_clip

    return build_tiny_clip(tmp_path_factory.mktemp("clip") / "tiny-clip")


@pytest.fixture(scope="module")
def negated_clip(tiny_clip: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny CLIP with its text projection negated: every cosine changes sign."""
    import shutil

    from transformers import CLIPModel

    folder = tmp_path_factory.mktemp("clip") / "negated"
    shutil.copytree(tiny_clip, folder)
    model = CLIPModel.from_pretrained(tiny_clip)
    with torch.no_grad():
        model.text_projection.weight.neg_()
    model.save_pretrained(folder)
    return folder


def direct_cosines(folder: Path, images: list[Image.Image], texts: list[str]) -> list[float]:
    """Cosines computed with transformers directly (tokenizer truncation keeps the end token)."""
    from transformers import CLIPImageProcessorPil, CLIPModel, CLIPTokenizer

    model = CLIPModel.from_pretrained(folder).eval()
    tokens = CLIPTokenizer.from_pretrained(folder)(
        texts, padding=True, truncation=True, max_length=77, return_tensors="pt")
    pixels = CLIPImageProcessorPil.from_pretrained(folder)(images=images, return_tensors="pt")
    with torch.no_grad():
        image_features = model.get_image_features(pixel_values=pixels["pixel_values"])
        text_features = model.get_text_features(**tokens)
    image_features = getattr(image_features, "pooler_output", image_features)
    text_features = getattr(text_features, "pooler_output", text_features)
    image_features = image_features / image_features.norm(dim=-1, keepdim=True)
    text_features = text_features / text_features.norm(dim=-1, keepdim=True)
    return (image_features * text_features).sum(-1).tolist()


IMAGES = [Image.fromarray(noise(40, 50, seed=i)) for i in range(3)]
CAPTIONS = ["a red square", "the sign says 'open'", "x" * 200]  # the last one is truncated


def test_protocol_conventions() -> None:
    assert CLIPSCORE.weight == 2.5 and CLIPSCORE_TEXTDIFFUSER.weight == 1.0
    # jmhessel/clipscore appends a space to prefix='A photo depicts'; TextDiffuser kept it
    assert CLIPSCORE.prefix == CLIPSCORE_TEXTDIFFUSER.prefix == "A photo depicts "
    assert set(CLIPSCORE_PROTOCOLS) == {"clipscore", "clipscore-textdiffuser"}


@pytest.mark.slow
@pytest.mark.parametrize("protocol", ["clipscore", "clipscore-textdiffuser"])
def test_clipscore_is_w_times_clamped_cosine_with_the_prefix(tiny_clip: Path,
                                                              protocol: str) -> None:
    weight = CLIPSCORE_PROTOCOLS[protocol].weight
    scores = CLIPScorer(tiny_clip, protocol).score(IMAGES, CAPTIONS)
    cosines = direct_cosines(tiny_clip, IMAGES, ["A photo depicts " + c for c in CAPTIONS])
    assert all(c > 0 for c in cosines)
    assert scores == pytest.approx([weight * c for c in cosines], rel=1e-5)
    # the prefix matters: without it the numbers differ
    bare = direct_cosines(tiny_clip, IMAGES, CAPTIONS)
    assert all(abs(weight * b - s) > 1e-4 for b, s in zip(bare, scores, strict=True))


@pytest.mark.slow
def test_the_two_protocols_differ_by_the_weight_only(tiny_clip: Path) -> None:
    hessel = CLIPScorer(tiny_clip, "clipscore").score(IMAGES, CAPTIONS)
    textdiffuser = CLIPScorer(tiny_clip, CLIPSCORE_TEXTDIFFUSER).score(IMAGES, CAPTIONS)
    assert hessel == pytest.approx([2.5 * t for t in textdiffuser], rel=1e-6)
    mean = clip_score(IMAGES, CAPTIONS, tiny_clip, "clipscore-textdiffuser")
    assert mean == pytest.approx(sum(textdiffuser) / 3, rel=1e-6)


@pytest.mark.slow
def test_negative_cosines_score_zero(negated_clip: Path) -> None:
    cosines = direct_cosines(negated_clip, IMAGES, ["A photo depicts " + c for c in CAPTIONS])
    assert all(c < 0 for c in cosines)
    assert CLIPScorer(negated_clip, "clipscore").score(IMAGES, CAPTIONS) == [0.0, 0.0, 0.0]


@pytest.mark.slow
def test_long_captions_keep_their_first_75_tokens(tiny_clip: Path) -> None:
    scorer = CLIPScorer(tiny_clip, "clipscore")
    image = IMAGES[:1]
    # "a photo depicts " is 13 character tokens; 62 more fill the 75 between start and end
    long_a = scorer.score(image, ["y" * 62 + "a" * 50])
    long_b = scorer.score(image, ["y" * 62 + "b" * 80])
    assert long_a == long_b
    assert long_a != scorer.score(image, ["y" * 61 + "b" * 80])


@pytest.mark.slow
def test_clipscore_takes_paths_and_image_refs(tiny_clip: Path, tmp_path: Path) -> None:
    path = tmp_path / "img.png"
    IMAGES[0].save(path)
    scorer = CLIPScorer(tiny_clip, "clipscore")
    expected = scorer.score(IMAGES[:1], CAPTIONS[:1])
    assert scorer.score([path], CAPTIONS[:1]) == expected
    assert scorer.score([str(path)], CAPTIONS[:1]) == expected
    assert scorer.score([ImageRef(path=str(path))], CAPTIONS[:1]) == expected
    assert scorer.identity == "clipscore (tiny-clip)"


def test_clipscore_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        CLIPScorer(tmp_path / "missing")
    with pytest.raises(KeyError):
        CLIPScorer(tmp_path, "clipscore-100")
    assert clip_score([], [], tmp_path / "missing") == 0.0


@pytest.mark.slow
def test_clipscore_rejects_unpaired_lists(tiny_clip: Path) -> None:
    with pytest.raises(ValueError, match="2 images for 1 captions"):
        CLIPScorer(tiny_clip).score(IMAGES[:2], CAPTIONS[:1])


# ------------------------------------------------------------------------------------ FID


class ChannelMeans(torch.nn.Module):
    """Features = the three channel means in [0, 1]: a brightness shift of s grey levels moves
    them by s/255 each and leaves their covariance alone, so FID = 3 (s/255)^2 exactly."""

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        assert images.dtype == torch.uint8
        return images.double().mean(dim=(2, 3)) / 255.0


class TinyConv(torch.nn.Module):
    """A tiny linear conv feature network (uint8 in, 4 features out)."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv2d(3, 4, kernel_size=3, stride=2)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.conv(images.float() / 255.0).mean(dim=(2, 3))


REFERENCE = [noise(48, 40, seed=i, high=190) for i in range(12)]


def shifted(by: int) -> list[Image.Image]:
    return [Image.fromarray(a + np.uint8(by)) for a in REFERENCE]


@pytest.mark.parametrize("size", [299, None])
def test_fid_of_a_set_with_itself_is_zero_and_grows_with_a_shift(size: int | None) -> None:
    images = shifted(0)
    assert fid(images, images, ChannelMeans(), size=size) == pytest.approx(0.0, abs=1e-9)
    for by in (10, 30, 60):
        value = fid(shifted(by), images, ChannelMeans(), size=size, batch_size=5)
        assert value == pytest.approx(3 * (by / 255) ** 2, rel=1e-6)


def test_fid_with_a_tiny_conv_network() -> None:
    images = shifted(0)
    assert fid(images, images, TinyConv()) == pytest.approx(0.0, abs=1e-6)
    small, large = fid(shifted(10), images, TinyConv()), fid(shifted(50), images, TinyConv())
    assert 0 < small < large


def test_fid_takes_paths_and_mixed_sizes(tmp_path: Path) -> None:
    paths = []
    for i, array in enumerate(REFERENCE):
        paths.append(tmp_path / f"{i}.png")
        Image.fromarray(array).save(paths[-1])
    # mixed sizes are fine: each is resized to 299 first
    mixed = [Image.fromarray(noise(30 + i, 20, seed=i, high=190)) for i in range(6)]
    assert fid(paths, mixed, ChannelMeans()) > 0
    assert fid([str(p) for p in paths], shifted(0), ChannelMeans()) == pytest.approx(0, abs=1e-9)
    # without resizing, consecutive images of one size are batched together
    assert fid(mixed, mixed, TinyConv(), size=None) == pytest.approx(0.0, abs=1e-6)


def test_fid_needs_two_images_per_side() -> None:
    with pytest.raises(ValueError, match="at least 2 images"):
        fid(shifted(0)[:1], shifted(0), ChannelMeans())


def test_fid_without_a_feature_network_never_downloads(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    monkeypatch.setattr(image_quality, "_has_torch_fidelity", lambda: False)
    with pytest.raises(FeatureModelMissingError, match="pip install torch-fidelity"):
        fid(shifted(0), shifted(0))
    monkeypatch.setattr(image_quality, "_has_torch_fidelity", lambda: True)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    with pytest.raises(FeatureModelMissingError,
                       match=r"weights-inception-2015-12-05-6726825d\.pth"):
        fid(shifted(0), shifted(0))
    with pytest.raises(FeatureModelMissingError, match=r"nowhere\.pth"):
        fid(shifted(0), shifted(0), weights_path=tmp_path / "nowhere.pth")


# ------------------------------------------------------------------- masked PSNR and SSIM


ORIGINAL = noise(64, 48, seed=5)
MASK = np.zeros((48, 64), dtype=bool)
MASK[10:30, 20:50] = True


def edited_inside() -> np.ndarray:
    edited = ORIGINAL.copy()
    edited[10:30, 20:50] = 255 - edited[10:30, 20:50]
    return edited


def test_masked_psnr_ignores_changes_inside_the_mask() -> None:
    edited = Image.fromarray(edited_inside())
    assert masked_psnr(edited, Image.fromarray(ORIGINAL), MASK) == math.inf
    # the whole-image PSNR (an empty mask) sees them
    assert masked_psnr(edited, Image.fromarray(ORIGINAL), np.zeros_like(MASK)) < 20


def test_masked_psnr_value_outside_the_mask() -> None:
    edited = edited_inside()
    edited[0, 0, 0] = np.uint8((int(ORIGINAL[0, 0, 0]) + 10) % 256)
    diff = (int(edited[0, 0, 0]) - int(ORIGINAL[0, 0, 0])) ** 2
    background = 3 * (48 * 64 - 20 * 30)
    expected = 10 * math.log10(255**2 / (diff / background))
    got = masked_psnr(Image.fromarray(edited), Image.fromarray(ORIGINAL), MASK)
    assert got == pytest.approx(expected, rel=1e-12)


def test_mask_images_paths_and_margin(tmp_path: Path) -> None:
    mask_image = Image.fromarray(np.where(MASK, 255, 0).astype(np.uint8), mode="L")
    mask_path = tmp_path / "mask.png"
    mask_image.save(mask_path)
    np.testing.assert_array_equal(edit_mask(mask_image, (64, 48)), MASK)
    np.testing.assert_array_equal(edit_mask(mask_path, (64, 48)), MASK)
    np.testing.assert_array_equal(edit_mask(ImageRef(path=str(mask_path)), (64, 48)), MASK)
    np.testing.assert_array_equal(edit_mask(np.dstack([MASK] * 3).astype(np.uint8), (64, 48)),
                                  MASK)
    grown = edit_mask(MASK, (64, 48), margin=2)
    assert grown[8:32, 18:52].all() and not grown[7, 30] and not grown[20, 17]
    with pytest.raises(ValueError, match="the mask is 64x48, the images 48x64"):
        edit_mask(MASK, (48, 64))
    with pytest.raises(ValueError, match="margin"):
        edit_mask(MASK, (64, 48), margin=-1)


def test_masked_ssim() -> None:
    from torchmetrics.functional.image import structural_similarity_index_measure

    original = Image.fromarray(ORIGINAL)
    assert masked_ssim(original, original, MASK) == pytest.approx(1.0, abs=1e-12)
    edited = Image.fromarray(edited_inside())
    # pixels next to the mask see the edit through their 11x11 window...
    assert masked_ssim(edited, original, MASK) < 0.99
    # ...and a margin of 5 leaves every such pixel out
    assert masked_ssim(edited, original, MASK, margin=5) == pytest.approx(1.0, abs=1e-12)
    # with an empty mask it is torchmetrics' whole-image SSIM
    whole = structural_similarity_index_measure(
        torch.from_numpy(edited_inside()).double().permute(2, 0, 1)[None],
        torch.from_numpy(ORIGINAL).double().permute(2, 0, 1)[None], data_range=255.0)
    assert masked_ssim(edited, original, np.zeros_like(MASK)) == pytest.approx(float(whole),
                                                                             rel=1e-12)


def test_background_preservation_and_errors() -> None:
    original = Image.fromarray(ORIGINAL)
    outside = ORIGINAL.copy()
    outside[40:, :10] = 0
    result = background_preservation(Image.fromarray(outside), original, MASK)
    assert set(result) == {"psnr", "ssim"}
    assert result["psnr"] < 30 and result["ssim"] < 1
    with pytest.raises(ValueError, match="no background"):
        masked_psnr(original, original, np.ones_like(MASK))
    with pytest.raises(ValueError, match="the edited image is 64x48, the original 32x48"):
        masked_ssim(original, Image.fromarray(ORIGINAL[:, :32]), MASK)


@pytest.mark.parametrize("shape", [(7, 9, 3), (64, 48, 3), (37, 101, 1), (20, 20)])
def test_ssim_map_is_torchmetrics_map(shape: tuple[int, ...]) -> None:
    """The separable float64 map equals torchmetrics' conv2d map pixel by pixel."""
    from torchmetrics.functional.image import structural_similarity_index_measure

    from harmonybench.metrics.ssim import ssim_map

    rng = np.random.default_rng(sum(shape))
    a = rng.integers(0, 256, shape).astype(np.float64)
    b = np.clip(a + rng.normal(0, 40, shape), 0, 255)
    a3, b3 = (a[..., None], b[..., None]) if a.ndim == 2 else (a, b)
    _, full = structural_similarity_index_measure(
        torch.from_numpy(b3).permute(2, 0, 1)[None], torch.from_numpy(a3).permute(2, 0, 1)[None],
        data_range=255.0, return_full_image=True)
    expected = full[0].permute(1, 2, 0).numpy().reshape(b.shape)
    got = ssim_map(b, a)
    assert got.shape == b.shape
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="larger than 5 pixels"):
        ssim_map(a[:5, :5], b[:5, :5])

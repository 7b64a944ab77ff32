"""Tiny Stable Diffusion pipelines built in code, for tests that must not download anything.

Each builder writes a complete ``save_pretrained`` folder (``model_index.json`` plus one
sub-folder per component), loadable with ``AutoPipelineForText2Image``,
``AutoPipelineForInpainting`` or ``DiffusionPipeline.from_pretrained``, and returns the folder:

- :func:`build_tiny_text2image`: a :class:`diffusers.StableDiffusionPipeline` (4-channel UNet);
- :func:`build_tiny_inpaint`: a :class:`diffusers.StableDiffusionInpaintPipeline` (its UNet
  takes 9 input channels: 4 noisy latents, 1 mask, 4 masked-image latents).

Both share the same components, all tiny and with random but seeded weights (two builds with
the same ``seed`` are identical):

- a character-level :class:`transformers.CLIPTokenizer` (the vocabulary of
  :mod:`tinyclip`: printable ASCII, each character also as an end-of-word token, no merges),
  32 positions;
- a 2-layer, 32-wide :class:`transformers.CLIPTextModel`;
- a :class:`diffusers.UNet2DConditionModel` with blocks of 32 and 64 channels (one
  cross-attention down block and one up block), latent sample size 32;
- a 2-block :class:`diffusers.AutoencoderKL` (scale factor 2: 64x64 images give 32x32 latents);
- a :class:`diffusers.DDIMScheduler` with Stable Diffusion's scaled-linear betas and
  ``steps_offset=1`` (without it diffusers logs a deprecation warning).

By default there is **no** safety checker (``safety_checker=None``, as the SD-2 base model
ships). ``safety_checker="pass"`` adds a tiny :class:`StableDiffusionSafetyChecker` whose
random concept embeddings never flag an image; ``safety_checker="flag"`` one whose thresholds
flag every image (the pipeline then returns black images and ``nsfw_content_detected`` true),
with a PIL :class:`transformers.CLIPImageProcessorPil` as the feature extractor.

Generating 64x64 images with 2 inference steps takes about 0.1 s on a CPU. Example::

    from tinysd import build_tiny_text2image, build_tiny_inpaint
    t2i = build_tiny_text2image(tmp_path / "t2i")
    adapter = DiffusersText2Image(str(t2i), device="cpu")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from tinyclip import BOS, EOS, tiny_clip_vocab

#: Text positions of the tiny text encoder (real CLIP has 77).
MAX_POSITIONS = 32

#: Image side the tiny pipelines generate by default (VAE scale factor 2, latent size 32).
IMAGE_SIZE = 64

SafetyChecker = Literal["none", "pass", "flag"]


def _components(seed: int, in_channels: int, safety_checker: SafetyChecker) -> dict[str, Any]:
    import torch
    from diffusers import AutoencoderKL, DDIMScheduler, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    vocab = tiny_clip_vocab()
    tokenizer = CLIPTokenizer(vocab=vocab, merges=[], model_max_length=MAX_POSITIONS)

    torch.manual_seed(seed)
    text_encoder = CLIPTextModel(CLIPTextConfig(
        vocab_size=len(vocab), hidden_size=32, intermediate_size=37, num_hidden_layers=2,
        num_attention_heads=4, max_position_embeddings=MAX_POSITIONS,
        bos_token_id=vocab[BOS], eos_token_id=vocab[EOS], pad_token_id=vocab[EOS],
    )).eval()
    unet = UNet2DConditionModel(
        in_channels=in_channels, out_channels=4, block_out_channels=(32, 64),
        layers_per_block=1, sample_size=IMAGE_SIZE // 2, cross_attention_dim=32,
        norm_num_groups=32, down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
    ).eval()
    vae = AutoencoderKL(
        block_out_channels=[32, 64], latent_channels=4, norm_num_groups=32,
        sample_size=IMAGE_SIZE, down_block_types=["DownEncoderBlock2D"] * 2,
        up_block_types=["UpDecoderBlock2D"] * 2,
    ).eval()
    scheduler = DDIMScheduler(
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", clip_sample=False,
        set_alpha_to_one=False, steps_offset=1,
    )
    components: dict[str, Any] = {
        "vae": vae, "text_encoder": text_encoder, "tokenizer": tokenizer, "unet": unet,
        "scheduler": scheduler, "safety_checker": None, "feature_extractor": None,
        "requires_safety_checker": False,
    }
    if safety_checker != "none":
        components.update(_safety_checker(safety_checker == "flag"))
    return components


def _safety_checker(flag: bool) -> dict[str, Any]:
    import torch
    from diffusers.pipelines.stable_diffusion.safety_checker import (
        StableDiffusionSafetyChecker,
    )
    from transformers import CLIPConfig, CLIPImageProcessorPil, CLIPTextConfig, CLIPVisionConfig

    config = CLIPConfig(
        text_config=CLIPTextConfig(hidden_size=32, intermediate_size=37, num_hidden_layers=1,
                                   num_attention_heads=4).to_dict(),
        vision_config=CLIPVisionConfig(hidden_size=32, intermediate_size=37,
                                       num_hidden_layers=1, num_attention_heads=4,
                                       image_size=32, patch_size=8).to_dict(),
        projection_dim=16,
    )
    checker = StableDiffusionSafetyChecker(config).eval()
    if flag:  # a concept score is cosine - threshold: thresholds below -1 flag everything
        with torch.no_grad():
            checker.concept_embeds_weights.fill_(-2.0)
            checker.special_care_embeds_weights.fill_(-2.0)
    extractor = CLIPImageProcessorPil(size={"shortest_edge": 32},
                                      crop_size={"height": 32, "width": 32})
    return {"safety_checker": checker, "feature_extractor": extractor,
            "requires_safety_checker": True}


def build_tiny_text2image(folder: Path, seed: int = 0,
                          safety_checker: SafetyChecker = "none") -> Path:
    """Write a tiny :class:`~diffusers.StableDiffusionPipeline` to ``folder`` and return it.

    Args:
        folder: where to write it (created if missing).
        seed: seeds the random weights.
        safety_checker: ``"none"`` (default), ``"pass"`` or ``"flag"`` (see the module doc).
    """
    from diffusers import StableDiffusionPipeline

    folder.mkdir(parents=True, exist_ok=True)
    pipe = StableDiffusionPipeline(**_components(seed, 4, safety_checker))
    pipe.save_pretrained(folder)
    return folder


def build_tiny_inpaint(folder: Path, seed: int = 0,
                       safety_checker: SafetyChecker = "none") -> Path:
    """Write a tiny :class:`~diffusers.StableDiffusionInpaintPipeline` to ``folder``.

    Args:
        folder: where to write it (created if missing).
        seed: seeds the random weights.
        safety_checker: ``"none"`` (default), ``"pass"`` or ``"flag"`` (see the module doc).
    """
    from diffusers import StableDiffusionInpaintPipeline

    folder.mkdir(parents=True, exist_ok=True)
    pipe = StableDiffusionInpaintPipeline(**_components(seed, 9, safety_checker))
    pipe.save_pretrained(folder)
    return folder

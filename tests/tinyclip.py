"""A tiny CLIP checkpoint built in code, for CLIPScore tests that must not download anything.

:func:`build_tiny_clip` writes a complete checkpoint folder, laid out like a real
``openai/clip-vit-*`` download, and returns the folder:

- ``config.json`` + ``model.safetensors``: a :class:`transformers.CLIPModel` with a 2-layer,
  32-wide text tower (77 positions, as real CLIP, so that caption truncation is exercised), a
  2-layer, 32-wide ViT vision tower on 32x32 images in 8x8 patches, and 16-d projections. The
  weights are random but seeded (two builds with the same ``seed`` are identical).
- ``vocab.json`` + ``merges.txt`` (+ the tokenizer's own files): a character-level
  :class:`transformers.CLIPTokenizer` (printable ASCII characters, each also as an end-of-word
  ``c</w>`` token, no merges). Every character is one token, so a caption's token count is
  easy to reason about in tests.
- ``preprocessor_config.json``: a :class:`transformers.CLIPImageProcessorPil` (the PIL backend,
  which needs no torchvision) resizing the shortest edge to 32 (bicubic) and centre-cropping
  32x32, with CLIP's normalisation constants.

Load it the way :mod:`harmonybench.metrics.image_quality` does (``CLIPModel.from_pretrained``,
``CLIPTokenizer.from_pretrained``, ``CLIPImageProcessorPil.from_pretrained``). The model has
about 51 thousand parameters; building and saving it takes well under a second once
transformers is imported.

Example::

    from tinyclip import build_tiny_clip
    folder = build_tiny_clip(tmp_path / "clip")
    scores = CLIPScorer(folder, "clipscore").score([image], ["a red square"])
"""

from __future__ import annotations

import json
import string
from pathlib import Path

#: Characters of the tiny vocabulary: printable ASCII without whitespace (byte-level BPE maps
#: each of them to itself).
CHARS = tuple(c for c in string.printable if not c.isspace())

#: Special tokens, in CLIP's order at the end of the vocabulary.
BOS = "<|startoftext|>"
EOS = "<|endoftext|>"

#: Image side the tiny processor resizes and crops to.
IMAGE_SIZE = 32

#: Text positions (real CLIP has 77: 75 caption tokens between BOS and EOS).
MAX_POSITIONS = 77


def tiny_clip_vocab() -> dict[str, int]:
    """The tokenizer's vocabulary: each character, then each ``c</w>``, then BOS and EOS."""
    tokens = [*CHARS, *(c + "</w>" for c in CHARS), BOS, EOS]
    return {token: i for i, token in enumerate(tokens)}


def build_tiny_clip(folder: Path, seed: int = 0) -> Path:
    """Write a tiny, loadable CLIP checkpoint (model, tokenizer, image processor) to ``folder``.

    Args:
        folder: where to write it (created if missing).
        seed: seeds the random weights.

    Returns:
        ``folder``.
    """
    import torch
    from transformers import (
        CLIPConfig,
        CLIPImageProcessorPil,
        CLIPModel,
        CLIPTextConfig,
        CLIPTokenizer,
        CLIPVisionConfig,
    )

    folder.mkdir(parents=True, exist_ok=True)
    vocab = tiny_clip_vocab()
    (folder / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    (folder / "merges.txt").write_text("#version: 0.2\n", encoding="utf-8")
    tokenizer = CLIPTokenizer(vocab=vocab, merges=[], model_max_length=MAX_POSITIONS)
    tokenizer.save_pretrained(folder)

    text = CLIPTextConfig(
        vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=2, max_position_embeddings=MAX_POSITIONS,
        bos_token_id=vocab[BOS], eos_token_id=vocab[EOS], pad_token_id=vocab[EOS],
    )
    vision = CLIPVisionConfig(
        hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
        image_size=IMAGE_SIZE, patch_size=8,
    )
    config = CLIPConfig(text_config=text.to_dict(), vision_config=vision.to_dict(),
                        projection_dim=16)
    torch.manual_seed(seed)
    model = CLIPModel(config).eval()
    model.save_pretrained(folder)

    processor = CLIPImageProcessorPil(
        size={"shortest_edge": IMAGE_SIZE}, crop_size={"height": IMAGE_SIZE, "width": IMAGE_SIZE}
    )
    processor.save_pretrained(folder)
    return folder

"""TextHarmony's generation settings, seeds and output decoding (text and images).

How harmonybench's generation keys map onto the released ``generate``'s keywords, the seeds
``evaluate.py`` and ``inference.py`` set, and the clean-up of what the model returns; the
adapter is :mod:`harmonybench.models.textharmony`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from typing import Any

from harmonybench.model import ModelArgError
from harmonybench.models.textharmony_prompts import (
    BEGIN_OF_IMAGE,
    EOS_TEXT,
    STOP_IDS,
)
from harmonybench.schema import short_hash

TEXT_SEED = 32
"""``setup_seed(32)`` in ``evaluate.py`` and ``inference.py``."""

REFERENCE_GENERATION: tuple[tuple[str, Any], ...] = (
    ("max_length", 30),
    ("min_length", 1),
    ("num_beams", 5),
    ("use_nucleus_sampling", True),
    ("repetition_penalty", 1.3),
    ("guidance_scale", 7.5),
    ("num_inference_steps", 30),
    ("num_validation_images", 1),
)
"""``inference.generation_kwargs`` of ``896-moe-eval.yaml`` (used until the config is read)."""

RENAMES: tuple[tuple[str, str], ...] = (
    ("max_new_tokens", "max_length"),
    ("min_new_tokens", "min_length"),
    ("do_sample", "use_nucleus_sampling"),
    ("num_images", "num_validation_images"),
    ("num_beams", "num_beams"),
    ("top_p", "top_p"),
    ("temperature", "temperature"),
    ("repetition_penalty", "repetition_penalty"),
    ("length_penalty", "length_penalty"),
    ("guidance_scale", "guidance_scale"),
    ("num_inference_steps", "num_inference_steps"),
)
"""harmonybench generation keys -> the keyword names TextHarmony's ``generate`` reads."""

GENERATION_ARGS: frozenset[str] = frozenset(key for key, _ in RENAMES)
"""The generation model args TextHarmony accepts (``top_k``, ``height``, ``width`` have no
counterpart in the released code and are rejected)."""


def cut_at_stop(ids: Sequence[int], stop_ids: Sequence[int] = STOP_IDS) -> list[int]:
    """``ids`` up to (not including) the first stop id."""
    out: list[int] = []
    for token in ids:
        if token in stop_ids:
            break
        out.append(int(token))
    return out


def clean_text(text: str) -> str:
    """Cut ``text`` at the first ``</s>`` or ``<|beginofimage|>`` and strip it."""
    for marker in (EOS_TEXT, BEGIN_OF_IMAGE):
        text = text.split(marker, 1)[0]
    return text.strip()


def image_file_name(sample_id: str, index: int = 0, count: int = 1) -> str:
    """``<sample id>.png`` (``_<index>`` added when ``count`` > 1), safe as a file name."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", sample_id)
    if safe != sample_id or safe in {"", ".", ".."}:
        safe = f"{safe}-{short_hash(sample_id, length=8)}"
    return f"{safe}_{index}.png" if count > 1 else f"{safe}.png"


def tensor_to_images(images: Any) -> list[Any]:
    """(N, 3, H, W) tensors in [0, 1] to PIL images, rounded as ``save_image`` does."""
    from PIL import Image

    arrays = images.detach().float().mul(255).add(0.5).clamp(0, 255)
    return [
        Image.fromarray(arr.permute(1, 2, 0).to("cpu").byte().numpy()).convert("RGB")
        for arr in arrays
    ]


# ------------------------------------------------------------------------------- generation


def translate_generation(settings: Mapping[str, Any]) -> dict[str, Any]:
    """harmonybench generation keys renamed to TextHarmony's (unknown keys dropped)."""
    renames = dict(RENAMES)
    return {renames[key]: value for key, value in settings.items() if key in renames}


def effective_generation(
    base: Mapping[str, Any], request: Mapping[str, Any], overrides: Mapping[str, Any]
) -> dict[str, Any]:
    """``base`` (the config's, released names) < translated ``request`` < ``overrides``."""
    out = dict(base)
    out.update(translate_generation(request))
    out.update(translate_generation(overrides))
    return out


def parse_seed(value: str) -> int | None:
    """``--model-arg seed``: an integer, or ``request`` (None: use each request's seed)."""
    if value.strip().lower() == "request":
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise ModelArgError(
            f"--model-arg seed={value!r}: expected an integer or 'request'"
        ) from exc


def text_seed(fixed: int | None, request_seed: int | None) -> int:
    """The seed set before a text answer: ``fixed``; else the request's; else 32."""
    if fixed is not None:
        return fixed
    return request_seed if request_seed is not None else TEXT_SEED


def setup_seed(seed: int) -> None:
    """Seed torch, CUDA, numpy and ``random`` as the scripts' ``setup_seed`` does."""
    import numpy as np
    import torch

    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    np.random.seed(seed)
    random.seed(seed)

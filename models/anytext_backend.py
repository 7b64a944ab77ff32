"""AnyText's released pipeline, driven: the loaded model and its ``process`` call, run in the
repository folder with AnyText's seeding; the adapter is :mod:`harmonybench.models.anytext`."""

from __future__ import annotations

import contextlib
import os
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harmonybench.models.anytext_inputs import (
    AnyTextInputs,
)
from harmonybench.models.anytext_settings import (
    CONTROL_SCALES,
    GLYPH_SCALE,
)

if TYPE_CHECKING:
    pass

@dataclass
class AnyTextBackend:
    """The released code, loaded: the model, its DDIM sampler, the glyph painters and font."""

    model: Any
    sampler: Any
    draw_glyph: Callable[..., Any]
    draw_glyph2: Callable[..., Any]
    font: Any
    phrases: tuple[str, ...]
    device: str
    half: bool = False


@contextlib.contextmanager
def working_folder(path: Path) -> Iterator[None]:
    """Run the block inside ``path`` (the released code opens files relative to its root)."""
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def seed_everything(seed: int) -> None:
    """Seed ``random``, ``numpy`` and ``torch`` (CPU and CUDA), as Lightning's helper does."""
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _tensor(array: Any, count: int, backend: AnyTextBackend) -> Any:
    """``arr2tensor``: H x W x C to a batch of ``count`` C x H x W tensors on the device."""
    import numpy as np
    import torch

    one = torch.from_numpy(np.transpose(array, (2, 0, 1)).copy()).float().to(backend.device)
    if backend.half:
        one = one.half()
    return torch.stack([one] * count, dim=0)


def run_process(backend: AnyTextBackend, inputs: AnyTextInputs) -> list[Any]:
    """``process`` for one sample (steps 1-5 of the module docstring): uint8 H x W x 3 arrays."""
    import numpy as np
    import torch

    params = inputs.params
    count = params.num_samples
    seed_everything(params.seed)
    info: dict[str, Any] = {"glyphs": [], "gly_line": [], "positions": [],
                            "n_lines": [len(inputs.texts)] * count}
    for text, polygon, position in zip(inputs.texts, inputs.polygons, inputs.positions,
                                       strict=True):
        line = backend.draw_glyph(backend.font, text)
        glyphs = backend.draw_glyph2(backend.font, text, polygon, scale=GLYPH_SCALE,
                                     width=params.width, height=params.height)
        info["glyphs"].append(_tensor(glyphs, count, backend))
        info["gly_line"].append(_tensor(line, count, backend))
        info["positions"].append(_tensor(position, count, backend))
    with torch.no_grad():
        masked = ((inputs.reference.astype(np.float32) / 127.5) - 1.0) * (1 - inputs.hint)
        masked_t = torch.from_numpy(np.transpose(masked, (2, 0, 1)).copy()).float()
        masked_t = masked_t.to(backend.device)
        if backend.half:
            masked_t = masked_t.half()
        posterior = backend.model.encode_first_stage(masked_t[None, ...])
        masked_x = backend.model.get_first_stage_encoding(posterior).detach()
        info["masked_x"] = torch.cat([masked_x] * count, dim=0)
        hint = _tensor(inputs.hint, count, backend)
        cond = backend.model.get_learned_conditioning({
            "c_concat": [hint],
            "c_crossattn": [[inputs.prompt + ", " + params.a_prompt] * count],
            "text_info": info,
        })
        un_cond = backend.model.get_learned_conditioning({
            "c_concat": [hint], "c_crossattn": [[params.n_prompt] * count], "text_info": info,
        })
        backend.model.control_scales = [params.strength] * CONTROL_SCALES
        samples, _ = backend.sampler.sample(
            params.ddim_steps, count, (4, params.height // 8, params.width // 8), cond,
            verbose=False, eta=params.eta, unconditional_guidance_scale=params.scale,
            unconditional_conditioning=un_cond,
        )
        decoded = backend.model.decode_first_stage(samples)
        pixels = (decoded.permute(0, 2, 3, 1) * 127.5 + 127.5).float().cpu().numpy()
    array = pixels.clip(0, 255).astype(np.uint8)
    return [array[i] for i in range(count)]

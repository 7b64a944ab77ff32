"""AnyText-benchmark prompts and generation settings, for ``anytext-t2i`` and ``anytext-edit``.

The prompt rules (the ``default`` quoting of :func:`quote_texts`, TextHarmony's instruction,
AnyText's placeholder prompt) and the generation settings of each family are described in
:mod:`harmonybench.tasks.anytext`; this module holds them, one place for both tasks.

Where each rule lives: the quoting (:func:`quote_texts`) is here only, since the task computes
the quoted caption once, at load, into ``Sample.layout.quoted_caption``, and the TextHarmony
adapter reads it from ``Request.layout``. AnyText's placeholders and TextHarmony's instructions
are needed by the adapters too, so they come from the core
(:mod:`harmonybench.prompt_rules`); this module only names the templates built on them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from harmonybench.prompt_rules import (
    anytext_caption_prompt,
    textharmony_edit,
    textharmony_t2i,
)
from harmonybench.schema import Sample
from harmonybench.task import PromptTemplate, frozen

ANYTEXT_PHRASE = ", content and position of the texts are "
"""The first of the connecting phrases of AnyText's ``t3_dataset.phrase_list``."""

ANYTEXT_A_PROMPT = "best quality, extremely detailed"
"""AnyText's ``a_prompt``, appended by its pipeline (not part of the prompt here)."""

ANYTEXT_N_PROMPT = (
    "longbody, lowres, bad anatomy, bad hands, missing fingers, extra digit, fewer digits, "
    "cropped, worst quality, low quality, watermark"
)
"""AnyText's ``n_prompt`` (``eval/anytext_singleGPU.py``)."""

ANYTEXT_SEED = 100
"""AnyText's evaluation seed, set before every prompt."""

ANYTEXT_GENERATION: Mapping[str, Any] = frozen({
    "num_images": 4, "num_inference_steps": 20, "guidance_scale": 9.0,
    "height": 512, "width": 512,
})
"""AnyText's evaluation settings (``num_samples = 4``, DDIM ``ddim_steps = 20``,
``scale = 9.0``, 512x512)."""

TEXTHARMONY_GENERATION: Mapping[str, Any] = frozen({
    "num_images": 1, "num_inference_steps": 30, "guidance_scale": 7.5,
    "height": 512, "width": 512,
})
"""TextHarmony's (``896-moe-eval.yaml``: ``num_validation_images 1``, 30 steps, 7.5, 512)."""

ANYTEXT_FAMILY: Mapping[str, Any] = frozen({
    **ANYTEXT_GENERATION, "seed": ANYTEXT_SEED, "negative_prompt": ANYTEXT_N_PROMPT,
})

T2I_DEFAULT = PromptTemplate("anytext-t2i/quoted@1", "{quoted_caption}")
T2I_TEXTHARMONY = PromptTemplate(
    "anytext-t2i/textharmony@f98ac34", textharmony_t2i("{quoted_caption}")
)
ANYTEXT_TEMPLATE = PromptTemplate(
    "anytext/eval@3d4a260", "{caption}" + ANYTEXT_PHRASE + "{placeholders}"
)
"""Names AnyText's prompt (:func:`anytext_prompt` writes it: a template cannot leave the
phrase out when there is no line)."""
EDIT_INSTRUCTION = PromptTemplate("textharmony/edit@f98ac34", textharmony_edit("{text}"))


def _is_word_char(char: str) -> bool:
    return char.isascii() and char.isalnum()


def quote_texts(caption: str, texts: Sequence[str]) -> str:
    """``caption`` with each of ``texts`` in double quotes (the module docstring's rule).

    Examples:
        >>> quote_texts("best of home advisor 2017 winner", ["WINNER"])
        'best of home advisor 2017 "WINNER"'
        >>> quote_texts("a sign", ["OPEN", "24h"])
        'a sign, with the words "OPEN", "24h"'
    """
    claimed: list[tuple[int, int, str]] = []
    missing: list[str] = []
    for text in texts:
        if not text.strip():
            continue
        found = None
        for match in re.finditer(re.escape(text), caption, flags=re.IGNORECASE):
            start, end = match.span()
            if any(start < b and a < end for a, b, _ in claimed):
                continue
            if start > 0 and _is_word_char(caption[start - 1]) and _is_word_char(text[0]):
                continue
            if end < len(caption) and _is_word_char(caption[end]) and _is_word_char(text[-1]):
                continue
            found = (start, end, text)
            break
        if found is None:
            missing.append(text)
        else:
            claimed.append(found)
    pieces: list[str] = []
    position = 0
    for start, end, text in sorted(claimed):
        pieces.append(caption[position:start])
        pieces.append(f'"{text}"')
        position = end
    pieces.append(caption[position:])
    result = "".join(pieces)
    if missing:
        listed = ", ".join(f'"{t}"' for t in missing)
        result = f"{result}, with the words {listed}" if result.strip() else listed
    return result


def anytext_prompt(caption: str, count: int) -> str:
    """AnyText's evaluation prompt: the caption with one placeholder per line (or alone),
    with the first connecting phrase (:func:`harmonybench.prompt_rules.anytext_caption_prompt`)."""
    return anytext_caption_prompt(caption, count, ANYTEXT_PHRASE)


def anytext_family_prompt(sample: Sample, template: PromptTemplate) -> str | None:
    """AnyText's prompt for ``sample`` when ``template`` is :data:`ANYTEXT_TEMPLATE` (one
    placeholder per layout text, after the raw caption), else ``None``."""
    if template.id != ANYTEXT_TEMPLATE.id:
        return None
    count = len(sample.layout.texts) if sample.layout is not None else 0
    return anytext_prompt(sample.question or "", count)

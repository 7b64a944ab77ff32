"""TextHarmony's prompts, special tokens and the Slide-LoRA gate's choice of expert group.

As the released code builds them (bytedance/TextHarmony f98ac34b206f, ``evaluate.py``,
``inference.py``, ``moe_set_gate``); the adapter is :mod:`harmonybench.models.textharmony`.

The two instructions are the core's (:mod:`harmonybench.prompt_rules`), since the tasks offer
them as their ``textharmony`` prompt family too; the image sub-sequences, the whitespace
clean-up and the gate are this adapter's alone. The caption a T2I instruction wraps is the
request layout's ``quoted_caption``, which the task computed (the adapter applies no quoting).
"""

from __future__ import annotations

from typing import Literal

from harmonybench.model import ModelArgError
from harmonybench.prompt_rules import (
    TEXTHARMONY_EDIT,
    TEXTHARMONY_T2I,
    textharmony_edit,
    textharmony_t2i,
)
from harmonybench.schema import RequestKind

BEGIN_OF_IMAGE = "<|beginofimage|>"
IMAGE_TOKEN = "<|image|>"
NUM_IMAGE_TOKENS = 512
"""``num_img_token`` in ``896-moe-eval.yaml``."""
EOS_TEXT = "</s>"
EOS_ID = 2
BEGIN_OF_IMAGE_ID = 32000
STOP_IDS: tuple[int, ...] = (EOS_ID, BEGIN_OF_IMAGE_ID)

VQA_TEMPLATE = "Based on the image, please answer the question. {image}{question} The answer is:"
"""``evaluate.py`` ``model_gen`` (before the whitespace clean-up)."""
T2I_INSTRUCTION = TEXTHARMONY_T2I
"""``docs/examples/example.json`` (the core's, shared with the tasks' ``textharmony`` family)."""
EDIT_INSTRUCTION = TEXTHARMONY_EDIT
"""``configs/release/edit_annt.json`` (the core's, shared with ``anytext-edit``)."""

TEMPLATE_IDS: tuple[tuple[str, str, str], ...] = (
    ("vqa", "textharmony/vqa@f98ac34", VQA_TEMPLATE),
    ("t2i", "textharmony/t2i@f98ac34", T2I_INSTRUCTION),
    ("edit", "textharmony/edit@f98ac34", EDIT_INSTRUCTION),
)

TASK_IDENTIFIERS: tuple[tuple[str, ...], ...] = (("Generate an image", "Fill the masked"), ("",))
"""``moe_set_gate``/``model_gen``: group 0 = image generation, group 1 = text ("" matches all)."""
IMAGE_TASK, TEXT_TASK, SHARED_TASK = 0, 1, 2

GateMode = Literal["auto", "text", "image", "shared"]
GATE_MODES: tuple[GateMode, ...] = ("auto", "text", "image", "shared")


def image_subsequence(num_image_tokens: int = NUM_IMAGE_TOKENS) -> str:
    """``<|beginofimage|>`` followed by ``num_image_tokens`` ``<|image|>`` tokens."""
    return BEGIN_OF_IMAGE + IMAGE_TOKEN * num_image_tokens


def strip_image_spaces(text: str) -> str:
    """The released whitespace clean-up: four ``str.replace`` calls, in the released order."""
    return (
        text.replace(f"{IMAGE_TOKEN} ", IMAGE_TOKEN)
        .replace(f" {IMAGE_TOKEN}", IMAGE_TOKEN)
        .replace(f" {BEGIN_OF_IMAGE}", BEGIN_OF_IMAGE)
        .replace(f"{BEGIN_OF_IMAGE} ", BEGIN_OF_IMAGE)
    )


def build_vqa_prompt(question: str, num_image_tokens: int = NUM_IMAGE_TOKENS) -> str:
    """The comprehension prompt of ``evaluate.py`` for one image."""
    text = VQA_TEMPLATE.format(image=image_subsequence(num_image_tokens), question=question)
    return strip_image_spaces(text)


def build_generation_prompt(instruction: str, num_image_tokens: int = NUM_IMAGE_TOKENS) -> str:
    """The image-generation prompt of ``inference.py``: sentences ``[instruction, ""]``, each
    preceded by an image sub-sequence, joined by a space, cleaned up."""
    sub = image_subsequence(num_image_tokens)
    return strip_image_spaces(" ".join([sub + instruction, sub + ""]))


def build_t2i_prompt(caption: str, num_image_tokens: int = NUM_IMAGE_TOKENS) -> str:
    """``S + "Generate an image according to the caption. {caption}" + S``."""
    return build_generation_prompt(textharmony_t2i(caption), num_image_tokens)


def build_edit_prompt(text: str, num_image_tokens: int = NUM_IMAGE_TOKENS) -> str:
    """``S + 'Fill the masked part in this image with "{text}".' + S``."""
    return build_generation_prompt(textharmony_edit(text), num_image_tokens)


def template_for(kind: RequestKind) -> tuple[str, str]:
    """(template id, template text) of the prompt used for ``kind``."""
    key = kind if kind in {"t2i", "edit"} else "vqa"
    for name, template_id, template in TEMPLATE_IDS:
        if name == key:
            return template_id, template
    raise KeyError(kind)


# -------------------------------------------------------------------------------------- gate


def task_id_for(text: str) -> int:
    """The released rule: the first identifier group with a phrase in ``text`` (case-folded).

    ``"Generate an image"`` or ``"Fill the masked"`` anywhere in the prompt, the question
    included, gives 0 (image generation); anything else 1 (text), since ``""`` matches all.
    """
    lowered = text.lower()
    for task_id, phrases in enumerate(TASK_IDENTIFIERS):
        if any(phrase.lower() in lowered for phrase in phrases):
            return task_id
    raise AssertionError("unreachable: the last identifier group matches every text")


def gate_task_id(mode: GateMode, text: str) -> int:
    """The task id that ``moe_set_gate`` is given: the rule (``auto``) or a forced group."""
    if mode == "auto":
        return task_id_for(text)
    return {"image": IMAGE_TASK, "text": TEXT_TASK, "shared": SHARED_TASK}[mode]


def gate_vector(task_id: int, num_experts: int = 3, task_num: int = 3) -> tuple[float, ...]:
    """The Slide-LoRA gate that ``TextHarmony.moe_set_gate`` builds for ``task_id``.

    The task's ``experts_per_task = num_experts // task_num`` experts and the last
    ``experts_per_task`` (shared) experts are set to 1, then everything is divided by
    ``2 * experts_per_task``. With the released 3 experts / 3 groups: image ->
    ``(0.5, 0, 0.5)``, text -> ``(0, 0.5, 0.5)``, and the shared group (task id 2, which the
    released rule never produces) -> ``(0, 0, 0.5)``: the shared expert at the weight it has in
    the other two gates, not at 1.

    Raises:
        ValueError: when ``num_experts`` is not a multiple of ``task_num`` or the id is out of
            range.
    """
    if task_num <= 0 or num_experts % task_num:
        raise ValueError(f"{num_experts} experts cannot be split into {task_num} groups")
    if not 0 <= task_id < task_num:
        raise ValueError(f"task id {task_id} is not in 0..{task_num - 1}")
    per_task = num_experts // task_num
    gate = [0.0] * num_experts
    for expert in range(task_id * per_task, (task_id + 1) * per_task):
        gate[expert] = 1.0
    for offset in range(per_task):
        gate[num_experts - 1 - offset] = 1.0
    return tuple(value / (2 * per_task) for value in gate)


def parse_gate(value: str) -> GateMode:
    """``auto``, ``text``, ``image`` or ``shared``."""
    for mode in GATE_MODES:
        if value.strip().lower() == mode:
            return mode
    raise ModelArgError(f"--model-arg gate={value!r}: expected one of {', '.join(GATE_MODES)}")

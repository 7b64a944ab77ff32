"""``textharmony``: TextHarmony's released code and checkpoint, as its own scripts run them.

``harmonybench run --model textharmony:REPO_PATH --model-arg checkpoint=FILE`` where
``REPO_PATH`` is a checkout of bytedance/TextHarmony (commit f98ac34b206f, the only code
commit; the folder holding ``evaluate.py`` and the ``TextHarmony`` package) with its
requirements installed and its ``./assets`` downloaded, and ``FILE`` the released
``pytorch_model.bin`` or the split parts it was published as.

Reference files (bytedance/TextHarmony at f98ac34b206f):

- ``evaluate.py`` ``model_gen`` (comprehension): the prompt is
  ``"Based on the image, please answer the question. {image}{question} The answer is:"`` with
  ``{image} = "<|beginofimage|>" + "<|image|>" * 512``, then the four whitespace replacements
  ``"<|image|> "``, ``" <|image|>"``, ``" <|beginofimage|>"``, ``"<|beginofimage|> "`` (each
  removes the space, one ``str.replace`` pass each, in that order), so the text reads
  ``...the question.<|beginofimage|><|image|>...<|image|>{question} The answer is:``;
  tokenized unpadded (``padding_side="right"``, ``max_length=2048``, truncation); one sample
  per ``generate`` call; ``setup_seed(32)``; an exception gives the answer ``''``.
- ``inference.py`` ``load_annt_data`` (generation and editing): each sentence gets the image
  sub-sequence prepended (``image_first``), sentences are joined with ``" "``, the same
  whitespace clean-up applies, and no VQA wrapper is added. The released examples use two
  sentences, the instruction and ``""``, and two images, the input and the generation target
  ``all_zero.jpg`` (a 256x256 all-black image; this adapter makes the same image in memory).
  T2I instruction ``"Generate an image according to the caption. {caption}"``
  (``docs/examples/example.json``); editing ``'Fill the masked part in this image with
  "{text}".'`` (``configs/release/edit_annt.json``). So a T2I prompt reads
  ``S + instruction + S`` with ``S`` the image sub-sequence.
- ``TextHarmony/configs/release/896-moe-eval.yaml``: ``generation_kwargs`` ``max_length: 30``
  (passed to ``generate`` as ``max_new_tokens``), ``min_length: 1``, ``num_beams: 5``,
  ``use_nucleus_sampling: True`` (``do_sample``; ``top_p`` 0.9 and ``temperature`` 1 are
  ``generate_texts``' defaults), ``repetition_penalty: 1.3``, ``guidance_scale: 7.5``,
  ``num_inference_steps: 30``, ``num_validation_images: 1``; image decoder
  ``sd_base_seed: 42`` at 512x512 (the Stable Diffusion 2 base UNet). EOS ids are
  ``[2, 32000]`` (``</s>``, ``<|beginofimage|>``).
- ``TextHarmony/models/TextHarmony.py`` ``moe_set_gate`` (Slide-LoRA): see :func:`task_id_for`,
  :func:`gate_task_id` and :func:`gate_vector`.

Model args: ``checkpoint`` (required), ``cache_dir`` (where split parts are joined when their
folder is not writable), ``config`` (default ``TextHarmony/configs/release/896-moe-eval.yaml``
in the repo), ``gate`` (``auto``/``text``/``image``/``shared``), ``seed`` (``32``, another
integer, or ``request``; see below), ``device`` and ``dtype``
(constructor arguments; by default the model runs in float32 on ``cuda`` as the scripts do),
and the generation overrides of :func:`harmonybench.model.generation_overrides`, translated to
the released names (``max_new_tokens`` -> ``max_length``, ``min_new_tokens`` -> ``min_length``,
``do_sample`` -> ``use_nucleus_sampling``, ``num_images`` -> ``num_validation_images``).
Settings: the config's ``generation_kwargs`` < ``request.generation`` < model args; the ones
used are in ``Output.metadata["generation"]``. Request keys without a counterpart (``height``,
``width``, ``top_k``: the decoder is fixed at 512x512) are ignored, and rejected as model args.

Where this adapter differs from the scripts, on purpose:

- the text seed is set before **every** sample, not once per process, so an answer does not
  depend on which samples ran before it on the same rank. It is 32 by default, whatever the
  run's ``--seed``; ``--model-arg seed=request`` uses each request's seed instead (the run's
  per-sample seeds: different ``--seed`` values then give different samples, to measure
  sampling noise), ``seed=INT`` another fixed seed. Image seeds are the decoder's own
  (``sd_base_seed`` + image index), as released;
- a sample that raises is recorded with its error instead of being answered ``''`` (the run
  then counts it as failed next to the scores instead of scoring it 0);
- answers are cut at the first EOS/``<|beginofimage|>`` and stripped (the script only
  ``batch_decode``\\ s with ``skip_special_tokens=True``);
- the editing input is ``request.images[0]``, the already-masked image as in the released
  editing set; ``request.mask`` is not used (the release does not say how masks were painted).

Generated images are written to ``context.image_dir`` as ``<sample id>.png`` (``_<k>`` added
when several are generated; characters outside ``[A-Za-z0-9._-]`` in the id become ``_`` and a
digest of the id is appended). Images are converted as ``torchvision.utils.save_image`` does.

**What was tested, and what was not.** The released code needs CUDA, a custom CUDA op,
flash-attn, mmcv and about 60 GB of weights, none of which is available to the tests. The
prompts, the gate rule, the decoding-settings translation, output parsing, image writing and
checkpoint joining are tested directly; the loading and calling sequence (``sys.path``,
config, ``TextHarmony(**config.model)``, ``load_model_weights``, ``init_tokenizer``,
``create_transform``, ``model.generate(mode=..., meta={"task_id": ...}, ...)``) is tested
against a stand-in package with the released *interface*. The real model was not run here.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar, Literal

from harmonybench.model import GenerationContext, ModelAdapter, ModelArgError, generation_overrides
from harmonybench.models.hf_vlm import check_args, resolve_dtype
from harmonybench.schema import Output, Request, RequestKind, short_hash

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
T2I_INSTRUCTION = "Generate an image according to the caption. {caption}"
"""``docs/examples/example.json``."""
EDIT_INSTRUCTION = 'Fill the masked part in this image with "{text}".'
"""``configs/release/edit_annt.json``."""

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

TEXTHARMONY_ARGS: frozenset[str] = frozenset(
    {"checkpoint", "cache_dir", "config", "gate", "seed"}
)
GENERATION_ARGS: frozenset[str] = frozenset(key for key, _ in RENAMES)
"""The generation model args TextHarmony accepts (``top_k``, ``height``, ``width`` have no
counterpart in the released code and are rejected)."""
DEFAULT_CONFIG = Path("TextHarmony") / "configs" / "release" / "896-moe-eval.yaml"
MODEL_FILE = Path("TextHarmony") / "models" / "TextHarmony.py"
PART_SUFFIX = re.compile(r"^[a-z]{2}$")
_CHUNK = 16 * 1024 * 1024


# ----------------------------------------------------------------------------------- prompts


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
    return build_generation_prompt(T2I_INSTRUCTION.format(caption=caption), num_image_tokens)


def build_edit_prompt(text: str, num_image_tokens: int = NUM_IMAGE_TOKENS) -> str:
    """``S + 'Fill the masked part in this image with "{text}".' + S``."""
    return build_generation_prompt(EDIT_INSTRUCTION.format(text=text), num_image_tokens)


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


# ---------------------------------------------------------------------------- output parsing


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


# ------------------------------------------------------------------------------- checkpoint


def _part_suffix(index: int) -> str:
    return chr(ord("a") + index // 26) + chr(ord("a") + index % 26)


def find_parts(target: Path) -> list[Path]:
    """The split parts of ``target`` (``target`` + ``aa``, ``ab``, ...) in order.

    Raises:
        ModelArgError: when the parts do not run from ``aa`` without a gap.
    """
    if not target.parent.is_dir():
        return []
    found = sorted(
        p for p in target.parent.iterdir()
        if p.name.startswith(target.name) and PART_SUFFIX.match(p.name[len(target.name):])
        and p.is_file()
    )
    for index, part in enumerate(found):
        expected = target.parent / f"{target.name}{_part_suffix(index)}"
        if part != expected:
            raise ModelArgError(
                f"checkpoint parts of {target}: {expected.name} is missing "
                f"(found {', '.join(p.name for p in found)})"
            )
    return found


def concatenate_parts(parts: Sequence[Path], target: Path) -> Path:
    """Join ``parts`` into ``target`` (streamed), unless a complete ``target`` exists.

    Complete means: its size is the sum of the parts' sizes. The join is written to
    ``target.partial`` and renamed when its size checks out, so an interrupted join is never
    mistaken for a complete one.

    Raises:
        ModelArgError: when the folder lacks space or the joined size is wrong.
    """
    total = sum(part.stat().st_size for part in parts)
    if target.is_file() and target.stat().st_size == total:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(target.parent).free
    if free < total:
        raise ModelArgError(
            f"checkpoint: joining {len(parts)} parts needs {total} bytes in {target.parent}, "
            f"only {free} free (use --model-arg cache_dir=DIR)"
        )
    partial = target.with_name(target.name + ".partial")
    with partial.open("wb") as out:
        for part in parts:
            with part.open("rb") as src:
                shutil.copyfileobj(src, out, _CHUNK)
    size = partial.stat().st_size
    if size != total:
        partial.unlink()
        raise ModelArgError(f"checkpoint: joined {size} bytes into {target}, expected {total}")
    os.replace(partial, target)
    return target


def resolve_checkpoint(value: str, cache_dir: str | None = None) -> Path:
    """The ``pytorch_model.bin`` for ``--model-arg checkpoint=value``.

    ``value`` may be the ``.bin`` file, a folder holding it (or its parts), the ``.bin`` path
    when only its parts ``.binaa``, ``.binab``, ... exist, or one of the parts. Parts are
    joined in order into the ``.bin`` next to them, or, with ``cache_dir``, into
    ``cache_dir/<digest of the parts' paths and sizes>/<name>``; an existing complete join is
    reused. A ``.bin`` with no parts next to it is used as it is.

    Raises:
        ModelArgError: when nothing usable is found, or the join cannot be written.
    """
    path = Path(value).expanduser()
    if path.is_dir():
        path = path / "pytorch_model.bin"
    elif PART_SUFFIX.match(path.name[-2:]) and path.name[:-2].endswith(".bin"):
        path = path.with_name(path.name[:-2])  # one of the parts was named
    parts = find_parts(path)
    if not parts:
        if path.is_file():
            return path
        raise ModelArgError(
            f"--model-arg checkpoint={value!r}: neither {path} nor its split parts "
            f"{path.name}aa, {path.name}ab, ... exist"
        )
    if cache_dir:
        digest = short_hash([[str(p.resolve()), p.stat().st_size] for p in parts])
        target = Path(cache_dir).expanduser() / digest / path.name
    else:
        target = path
        if not os.access(target.parent, os.W_OK):
            raise ModelArgError(
                f"checkpoint: {target.parent} is not writable, so the parts cannot be joined "
                "there; give --model-arg cache_dir=DIR"
            )
    return concatenate_parts(parts, target)


# ------------------------------------------------------------------------------- the adapter


class AttrDict(dict[str, Any]):
    """A dict whose keys are also attributes (what the released code expects of its config)."""

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError as exc:
            raise AttributeError(key) from exc


def to_attrdict(value: Any, repo: Path) -> Any:
    """Nested :class:`AttrDict`, with ``./relative`` strings made absolute under ``repo``.

    The scripts run from the repository root, so the config's ``./assets/...`` paths are
    relative to it; here they are resolved against ``repo`` whatever the working directory.
    """
    if isinstance(value, Mapping):
        return AttrDict({str(k): to_attrdict(v, repo) for k, v in value.items()})
    if isinstance(value, list):
        return [to_attrdict(v, repo) for v in value]
    if isinstance(value, str) and value.startswith("./"):
        return str((repo / value).resolve())
    return value


@dataclass
class _Loaded:
    """The released model and what goes with it."""

    model: Any
    tokenizer: Any
    transform: Any
    generation: dict[str, Any]
    num_image_tokens: int
    num_experts: int
    task_num: int
    checkpoint: Path


class TextHarmonyModel(ModelAdapter):
    """TextHarmony through its released code (see the module docstring)."""

    name: ClassVar[str] = "textharmony"
    kinds: ClassVar[frozenset[RequestKind]] = frozenset({"vqa", "recognition", "grounding",
                                                         "t2i", "edit"})
    family = "textharmony"
    frame = "448"  # its grounding answers are in the 448-px frame of its training data (§1.4)

    def __init__(
        self,
        location: str | None = None,
        *,
        device: str | None = None,
        dtype: str | None = None,
        **args: str,
    ) -> None:
        super().__init__(location, device=device, dtype=dtype, **args)
        if not location:
            raise ModelArgError(
                "textharmony needs the released code: --model textharmony:REPO_PATH "
                "(a checkout of bytedance/TextHarmony)"
            )
        check_args(self.name, self.args, TEXTHARMONY_ARGS | GENERATION_ARGS)
        if not self.args.get("checkpoint"):
            raise ModelArgError(
                "textharmony needs --model-arg checkpoint=FILE (pytorch_model.bin, or the "
                "released parts pytorch_model.binaa/ab/ac)"
            )
        self.repo = Path(location).expanduser()
        self.gate: GateMode = parse_gate(self.args.get("gate", "auto"))
        self.seed = parse_seed(self.args.get("seed", str(TEXT_SEED)))
        self.overrides = generation_overrides(self.args)
        self.torch_dtype = resolve_dtype(dtype)
        self._loaded: _Loaded | None = None

    def spec(self) -> dict[str, Any]:
        """Base spec plus the gate mode and the prompt templates' hashes."""
        out = super().spec()
        out["gate"] = self.gate
        out["templates"] = {tid: short_hash(text) for _, tid, text in TEMPLATE_IDS}
        return out

    # -- loading -------------------------------------------------------------------------

    def config_path(self) -> Path:
        """The eval config: ``--model-arg config`` or the release's ``896-moe-eval.yaml``."""
        given = self.args.get("config")
        return Path(given).expanduser() if given else self.repo / DEFAULT_CONFIG

    def load(self) -> _Loaded:
        """Import the released code from the repo and load the checkpoint (once)."""
        if self._loaded is None:
            self._loaded = self._load()
        return self._loaded

    def _load(self) -> _Loaded:
        import torch
        import yaml

        if not (self.repo / MODEL_FILE).is_file():
            raise ModelArgError(
                f"textharmony: {self.repo} is not a checkout of bytedance/TextHarmony "
                f"({MODEL_FILE} is missing)"
            )
        config_file = self.config_path()
        if not config_file.is_file():
            raise ModelArgError(f"textharmony: config {config_file} is missing")
        checkpoint = resolve_checkpoint(self.args["checkpoint"], self.args.get("cache_dir"))
        config = to_attrdict(yaml.safe_load(config_file.read_text(encoding="utf-8")), self.repo)
        for key in ("model", "inference"):
            if key not in config:
                raise ModelArgError(f"textharmony: config {config_file} has no {key!r} section")
        if str(self.repo) not in sys.path:
            sys.path.insert(0, str(self.repo))
        try:
            from TextHarmony.models.utils.monkey_patch import (
                replace_beam_search,
                replace_blip2_attn_with_qknorm_attn,
                replace_stable_diffusion_pipeline_call,
                replace_stable_diffusion_unet_forward,
            )

            replace_beam_search()
            replace_blip2_attn_with_qknorm_attn()
            replace_stable_diffusion_unet_forward()
            replace_stable_diffusion_pipeline_call()
            from TextHarmony.custom_datasets.utils import create_transform
            from TextHarmony.custom_datasets.wds_utils import init_tokenizer
            from TextHarmony.models import TextHarmony
            from TextHarmony.utils import load_model_weights
        except ImportError as exc:
            raise ModelArgError(
                f"textharmony: cannot import the released code from {self.repo}: {exc} (install "
                "its requirements.txt, mmcv-full and flash-attn, and build "
                "TextHarmony/models/utils/ops)"
            ) from exc
        model = TextHarmony(**config.model)
        load_model_weights(model, str(checkpoint), image_upscale=config.get("image_upscale", 1))
        device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        model = model.to(device=device)
        if self.torch_dtype not in (None, "auto"):
            model = model.to(dtype=self.torch_dtype)
        model.eval()
        inference = config.inference
        moe = config.model.get("moe_config") or {}
        return _Loaded(
            model=model,
            tokenizer=init_tokenizer(inference.tokenizer_path),
            transform=create_transform(**inference.transform),
            generation=dict(inference.get("generation_kwargs") or dict(REFERENCE_GENERATION)),
            num_image_tokens=int(config.model.get("num_img_token", NUM_IMAGE_TOKENS)),
            num_experts=int(moe.get("moe_lora_num_experts", 3)),
            task_num=int(moe.get("task_num", 3)),
            checkpoint=checkpoint,
        )

    # -- generation ----------------------------------------------------------------------

    def generate(self, requests: Sequence[Request], context: GenerationContext) -> list[Output]:
        """Answer each request on its own (the released scripts run one sample at a time)."""
        loaded: _Loaded | None = None
        outputs: list[Output] = []
        for request in requests:
            if not self.supports(request.kind):
                outputs.append(Output(sample_id=request.sample_id, unsupported=True,
                                      error=f"{self.name} does not serve {request.kind!r} "
                                            "requests"))
                continue
            loaded = loaded or self.load()
            started = time.perf_counter()
            try:
                output = self._answer(loaded, request, context)
            except Exception as exc:  # the released script also goes on after a failure
                output = Output(sample_id=request.sample_id, error=f"{type(exc).__name__}: {exc}")
            outputs.append(replace(output, latency_s=time.perf_counter() - started))
        return outputs

    def prompt_for(self, request: Request, num_image_tokens: int = NUM_IMAGE_TOKENS) -> str:
        """The full prompt text for ``request`` (see the module docstring)."""
        if request.kind == "t2i":
            # the caption with the words to render in double quotes, as TextHarmony's examples
            # write it (docs/examples/example.json); the raw caption only when the task has none
            quoted = request.metadata.get("quoted_caption")
            caption = (str(quoted) if quoted else
                       request.question if request.question is not None else request.prompt)
            return build_t2i_prompt(caption, num_image_tokens)
        if request.kind == "edit":
            text = request.metadata.get("text", request.question)
            if text is None:
                raise ValueError("an edit request needs the text to write (metadata 'text' "
                                 "or question)")
            return build_edit_prompt(str(text), num_image_tokens)
        if request.question is None:
            raise ValueError("textharmony builds its prompt from request.question, which is "
                             "missing")
        return build_vqa_prompt(request.question, num_image_tokens)

    def input_images(self, request: Request) -> list[Any]:
        """The images the model sees: the question's image; for T2I/editing, the input (a
        blank image for T2I) followed by the blank generation target."""
        from PIL import Image

        blank = Image.new("RGB", (256, 256))
        if request.kind == "t2i":
            return [blank, blank.copy()]
        if not request.images:
            raise ValueError(f"a {request.kind} request needs an input image")
        first = request.images[0].open()
        if request.kind == "edit":
            return [first, blank]
        return [first]

    def _answer(self, loaded: _Loaded, request: Request, context: GenerationContext) -> Output:
        import numpy as np
        import torch

        text = self.prompt_for(request, loaded.num_image_tokens)
        task_id = gate_task_id(self.gate, text)
        images = self.input_images(request)
        tokenizer = loaded.tokenizer
        tokenizer.padding_side = "right"
        encoded = tokenizer(text, max_length=2048, truncation=True, padding="do_not_pad",
                            return_tensors="np", return_attention_mask=True)
        image_tensors = torch.from_numpy(np.stack([loaded.transform(im) for im in images]))
        if self.torch_dtype not in (None, "auto"):
            image_tensors = image_tensors.to(self.torch_dtype)
        generation = effective_generation(loaded.generation, request.generation, self.overrides)
        device = next(loaded.model.parameters()).device
        inputs: dict[str, Any] = {
            "image_tensors": image_tensors.to(device),
            "image_tensors_dec": None,
            "text_ids": torch.from_numpy(encoded["input_ids"][0])[None, ...].to(device),
            "attention_mask": torch.from_numpy(encoded["attention_mask"][0])[None, ...].to(device),
            "num_image_per_seq": torch.tensor([len(images)]).to(device),
            "nearest_bos_idxs": None,
            "meta": {"task_id": task_id},
            "target_image_idxs": torch.tensor([len(images) - 1], dtype=torch.long).to(device),
            **generation,
        }
        template_id, template = template_for(request.kind)
        metadata = {"gate": list(gate_vector(task_id, loaded.num_experts, loaded.task_num)),
                    "task_id": task_id, "generation": generation}
        common: dict[str, Any] = {"sample_id": request.sample_id, "template_id": template_id,
                                  "template_hash": short_hash(template)}
        if request.kind in {"t2i", "edit"}:
            with torch.no_grad():
                result = loaded.model.generate(mode="generate_images", **inputs)
            paths = self._save_images(result["image"], request.sample_id, context)
            return Output(images=paths, metadata=metadata, **common)
        seed = text_seed(self.seed, request.seed)
        metadata["seed"] = seed
        setup_seed(seed)
        with torch.no_grad():
            result = loaded.model.generate(mode="generate_texts", **inputs)
        ids = cut_at_stop([int(t) for t in result["text_ids"][0]])
        answer = clean_text(tokenizer.decode(ids, skip_special_tokens=True))
        return Output(text=answer, metadata=metadata, **common)

    def _save_images(self, images: Any, sample_id: str, context: GenerationContext
                     ) -> tuple[str, ...]:
        folder = Path(context.image_dir)
        folder.mkdir(parents=True, exist_ok=True)
        pils = tensor_to_images(images)
        paths: list[str] = []
        for index, image in enumerate(pils):
            target = folder / image_file_name(sample_id, index, len(pils))
            image.save(target)
            paths.append(str(target))
        return tuple(paths)

    def close(self) -> None:
        """Drop the model."""
        self._loaded = None


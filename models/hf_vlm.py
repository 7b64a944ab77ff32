"""``hf-vlm``: any transformers image-text-to-text model, batched.

``harmonybench run --model hf-vlm:PATH_OR_ID --model-arg KEY=VALUE ...`` loads the model with
``AutoModelForImageTextToText.from_pretrained`` and its inputs are built in one of two ways:

1. **processor**: ``AutoProcessor.from_pretrained`` (the model's own processor, which expands the
   image placeholder tokens itself);
2. **fallback**, when no processor loads (typically ``Qwen2VLProcessor`` needs torchvision for its
   video processor) or what loads is only a tokenizer: ``AutoTokenizer`` + ``AutoImageProcessor``
   (transformers 5 picks the PIL image processors when torchvision is missing), and the adapter
   expands the image placeholder itself. Covered layouts:

   - **Qwen2-VL style** (``model_type`` ``qwen2_vl``/``qwen2_5_vl``; the image processor returns
     ``image_grid_thw``): each ``<|image_pad|>`` becomes ``prod(grid_thw) / merge_size**2``
     tokens; without a chat template an image is written ``<|vision_start|><|image_pad|>
     <|vision_end|>`` (no spaces) before the prompt;
   - **LLaVA style** (``model_type`` ``llava``; one fixed-size image): the image token is
     repeated ``(H/patch) * (W/patch)`` times, plus one for the CLS token when
     ``vision_feature_select_strategy`` is ``"full"`` and the vision tower is CLIP-like (SigLIP
     has no CLS token), which is what ``LlavaProcessor`` does.

   Other architectures (LLaVA-NeXT's any-resolution tiling, Idefics, ...) need their own
   processor; the adapter then raises a :class:`~harmonybench.model.ModelArgError` naming the
   processor error.

**Prompt.** When the processor (or, in the fallback, the tokenizer) has a chat template, the
request's ``prompt`` becomes one user turn ``[image, ..., image, text]`` rendered with
``add_generation_prompt=True``. Otherwise the text is plain: one image placeholder per image,
then a newline, then the prompt (``<image>\\n{prompt}`` for LLaVA; Qwen-style vision blocks are
not followed by a newline). ``--model-arg chat_template=false`` forces the plain format. A
rendered prompt that already starts with the BOS token is tokenized without adding another.
Which format was used is recorded in ``Output.metadata["prompt_format"]``.

**Generation.** Requests are grouped by their generation settings (and by whether they carry
images) and each group is generated as one batch, LEFT-padded; only the new tokens are decoded,
with special tokens skipped, and stripped. Settings: greedy defaults (``do_sample=False``,
``num_beams=1``, ``max_new_tokens=32``) < ``request.generation`` < ``--model-arg`` overrides
(:func:`harmonybench.model.generation_overrides`); only ``transformers`` text-generation keys
are passed on (image-generation keys such as ``num_inference_steps`` are ignored). When
sampling is on and the requests carry seeds, torch is seeded before each batch with the
batch's seed (the seed itself when all requests share it, otherwise a digest of the list):
sampled outputs then depend on batch composition, as with every batched sampler.

**Model args**: ``device_map``, ``trust_remote_code`` (bool, default false),
``attn_implementation``, ``chat_template`` (bool, default true), ``lora`` (see
:mod:`harmonybench.models.lora`: ``PATH`` or ``PATH@WEIGHT``, several comma-separated),
``lora_combination`` (``cat``/``linear``/``svd``), ``merge_lora`` (bool), and the text
generation keys of :func:`~harmonybench.model.generation_overrides` (``max_new_tokens``,
``min_new_tokens``, ``do_sample``, ``num_beams``, ``top_p``, ``top_k``, ``temperature``,
``repetition_penalty``, ``length_penalty``). ``dtype`` and ``device`` are constructor
arguments. Anything else is rejected.

Model inputs are built by :mod:`~harmonybench.models.hf_vlm_encoder`; this module holds the
adapter and the settings helpers other adapters share.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from harmonybench.errors import ImageError
from harmonybench.model import (
    GenerationContext,
    ModelAdapter,
    ModelArgError,
    generation_overrides,
    parse_bool,
    unsupported_outputs,
)
from harmonybench.models.hf_vlm_encoder import (
    InputEncoder,
    load_encoder,
    transformers_module,
)
from harmonybench.models.lora import LoraSpec, apply_lora, parse_combination, parse_lora_specs
from harmonybench.models.weights import load_errors, load_failure
from harmonybench.schema import TEXT_OUT_KINDS, Output, Request, RequestKind, short_hash

GENERATION_KEYS: frozenset[str] = frozenset(
    {"max_new_tokens", "min_new_tokens", "do_sample", "num_beams", "top_p", "top_k",
     "temperature", "repetition_penalty", "length_penalty", "no_repeat_ngram_size"}
)
"""Generation settings passed on to ``model.generate`` (others are ignored)."""

DEFAULT_GENERATION: tuple[tuple[str, Any], ...] = (
    ("max_new_tokens", 32),
    ("do_sample", False),
    ("num_beams", 1),
)
"""Settings used when neither the request nor the model args give them (greedy decoding)."""

SAMPLING_ONLY_KEYS: frozenset[str] = frozenset({"top_p", "top_k", "temperature"})

HF_ARGS: frozenset[str] = frozenset(
    {"device_map", "trust_remote_code", "attn_implementation", "chat_template", "lora",
     "lora_combination", "merge_lora"}
)
GENERATION_ARGS: frozenset[str] = frozenset(
    {"max_new_tokens", "min_new_tokens", "num_beams", "top_p", "top_k", "temperature",
     "repetition_penalty", "length_penalty", "num_inference_steps", "guidance_scale",
     "num_images", "height", "width", "do_sample"}
)
"""The keys :func:`harmonybench.model.generation_overrides` understands."""
TEXT_GENERATION_ARGS: frozenset[str] = GENERATION_ARGS & GENERATION_KEYS
"""The generation model args a text-out adapter accepts (image-generation keys are rejected)."""
_DTYPES: tuple[tuple[str, str], ...] = (
    ("float32", "float32"), ("fp32", "float32"), ("float", "float32"),
    ("float16", "float16"), ("fp16", "float16"), ("half", "float16"),
    ("bfloat16", "bfloat16"), ("bf16", "bfloat16"),
)


def resolve_dtype(value: str | None) -> Any:
    """``torch.dtype`` for a name (``bfloat16``, ``bf16``, ``float16``, ...); ``"auto"``/None as is.

    Raises:
        ModelArgError: for an unknown name.
    """
    if value is None or value == "auto":
        return value
    import torch

    for alias, name in _DTYPES:
        if value.strip().lower() == alias:
            return getattr(torch, name)
    known = ", ".join(alias for alias, _ in _DTYPES)
    raise ModelArgError(f"dtype={value!r}: expected auto or one of {known}")


def check_args(adapter: str, args: dict[str, str], allowed: frozenset[str]) -> None:
    """Reject ``--model-arg`` keys an adapter does not know, naming the ones it does."""
    unknown = sorted(set(args) - allowed)
    if unknown:
        raise ModelArgError(
            f"{adapter}: unknown --model-arg {', '.join(unknown)}; "
            f"known: {', '.join(sorted(allowed))}"
        )


def batch_seed(seeds: Sequence[int | None]) -> int | None:
    """The torch seed of a batch: the shared seed, a digest of several, None when none is set."""
    given = [s for s in seeds if s is not None]
    if not given:
        return None
    if len(set(seeds)) == 1:
        return given[0]
    return int(short_hash([str(s) for s in seeds], length=15), 16)


def generation_settings(request: Request, overrides: dict[str, Any]) -> dict[str, Any]:
    """The ``generate`` keyword arguments for ``request``.

    Defaults (:data:`DEFAULT_GENERATION`) < ``request.generation`` < ``overrides``, restricted
    to :data:`GENERATION_KEYS`; sampling-only keys are dropped when ``do_sample`` is false.
    """
    settings: dict[str, Any] = dict(DEFAULT_GENERATION)
    settings.update({k: v for k, v in request.generation.items() if k in GENERATION_KEYS})
    settings.update({k: v for k, v in overrides.items() if k in GENERATION_KEYS})
    if not settings.get("do_sample"):
        for key in SAMPLING_ONLY_KEYS:
            settings.pop(key, None)
    return settings


def file_digest(path: Path) -> str:
    """sha256 (16 hex digits) of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


class HFVisionLanguageModel(ModelAdapter):
    """A transformers image-text-to-text model (see the module docstring for every rule)."""

    name: ClassVar[str] = "hf-vlm"
    kinds: ClassVar[frozenset[RequestKind]] = TEXT_OUT_KINDS
    family = "default"

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
            raise ModelArgError("hf-vlm needs a model: --model hf-vlm:PATH_OR_HUB_ID")
        check_args(self.name, self.args, HF_ARGS | TEXT_GENERATION_ARGS)
        self.torch_dtype = resolve_dtype(dtype)
        self.trust_remote_code = parse_bool(
            "trust_remote_code", self.args.get("trust_remote_code", "false")
        )
        self.use_chat_template = parse_bool("chat_template", self.args.get("chat_template", "true"))
        self.merge_lora = parse_bool("merge_lora", self.args.get("merge_lora", "false"))
        self.lora: tuple[LoraSpec, ...] = (
            parse_lora_specs(self.args["lora"]) if self.args.get("lora") else ()
        )
        self.lora_combination = parse_combination(self.args.get("lora_combination", "cat"))
        self.overrides = generation_overrides(self.args)
        self.device_map = self.args.get("device_map")
        self.model, self.encoder, self.config = self._load(location)
        self.encoder.tokenizer.padding_side = "left"
        if self.encoder.tokenizer.pad_token is None:
            self.encoder.tokenizer.pad_token = self.encoder.tokenizer.eos_token

    def _load(self, location: str) -> tuple[Any, InputEncoder, Any]:
        import torch

        tf = transformers_module()
        kwargs: dict[str, Any] = {"trust_remote_code": self.trust_remote_code}
        if self.torch_dtype is not None:
            kwargs["dtype"] = self.torch_dtype
        if self.device_map:
            kwargs["device_map"] = self.device_map
        if "attn_implementation" in self.args:
            kwargs["attn_implementation"] = self.args["attn_implementation"]
        try:
            config = tf.AutoConfig.from_pretrained(
                location, trust_remote_code=self.trust_remote_code
            )
            model = tf.AutoModelForImageTextToText.from_pretrained(location, **kwargs)
        except load_errors() as exc:
            raise load_failure("hf-vlm", "a model", location, exc) from exc
        if not self.device_map:
            target = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
            model = model.to(target)
        if self.lora:
            model = apply_lora(model, self.lora, merge=self.merge_lora,
                               combination=self.lora_combination)
        model.eval()
        return model, load_encoder(location, config, self.trust_remote_code), config

    def spec(self) -> dict[str, Any]:
        """Base spec plus the config digest, the hub commit and the LoRA adapters."""
        out = super().spec()
        out["config_sha256"], out["commit"] = self._config_identity()
        out["lora"] = [spec.to_json() for spec in self.lora]
        out["inputs"] = self.encoder.mode
        return out

    def _config_identity(self) -> tuple[str | None, str | None]:
        assert self.location is not None
        local = Path(self.location).expanduser() / "config.json"
        if local.is_file():
            return file_digest(local), None
        commit = getattr(self.config, "_commit_hash", None)
        try:
            resolved = transformers_module().utils.cached_file(self.location, "config.json")
        except (OSError, ValueError):
            resolved = None
        digest = file_digest(Path(resolved)) if resolved else None
        return digest, commit

    def generate(self, requests: Sequence[Request], context: GenerationContext) -> list[Output]:
        """Answer ``requests`` (text-out kinds) in batches of equal generation settings."""
        outputs: dict[int, Output] = {}
        groups: dict[str, list[tuple[int, Request, list[Any]]]] = {}
        for index, request in enumerate(requests):
            if not self.supports(request.kind):
                outputs[index] = unsupported_outputs([request], self.name)[0]
                continue
            try:
                images = [ref.open() for ref in request.images]
            except ImageError as exc:  # names the file
                outputs[index] = Output(sample_id=request.sample_id, error=str(exc))
                continue
            settings = generation_settings(request, self.overrides)
            key = short_hash({"g": settings, "images": bool(images)})
            groups.setdefault(key, []).append((index, request, images))
        for members in groups.values():
            for index, output in self._generate_group(members):
                outputs[index] = output
        return [outputs[i] for i in range(len(requests))]

    def _generate_group(
        self, members: list[tuple[int, Request, list[Any]]]
    ) -> list[tuple[int, Output]]:
        import torch

        started = time.perf_counter()
        settings = generation_settings(members[0][1], self.overrides)
        texts: list[str] = []
        formats: list[str] = []
        for _, request, images in members:
            text, fmt = self.encoder.render(request.prompt, len(images), self.use_chat_template)
            texts.append(text)
            formats.append(fmt)
        bos = getattr(self.encoder.tokenizer, "bos_token", None)
        add_special = not (bos and all(t.startswith(bos) for t in texts))
        inputs = self.encoder.encode(texts, [m[2] for m in members], add_special)
        inputs = inputs.to(self.model.device)
        if "pixel_values" in inputs and inputs["pixel_values"].is_floating_point():
            inputs["pixel_values"] = inputs["pixel_values"].to(self.model.dtype)
        seed = batch_seed([m[1].seed for m in members])
        if settings.get("do_sample") and seed is not None:
            torch.manual_seed(seed)
        with torch.inference_mode():
            generated = self.model.generate(
                **inputs, **settings, pad_token_id=self.encoder.tokenizer.pad_token_id
            )
        new_tokens = generated[:, inputs["input_ids"].shape[1]:]
        decoded = self.encoder.tokenizer.batch_decode(new_tokens, skip_special_tokens=True)
        latency = (time.perf_counter() - started) / len(members)
        return [
            (index, Output(sample_id=request.sample_id, text=text.strip(), latency_s=latency,
                           metadata={"prompt_format": fmt, "generation": settings}))
            for (index, request, _), text, fmt in zip(members, decoded, formats, strict=True)
        ]

    def close(self) -> None:
        """Drop the model and free accelerator memory."""
        import torch

        self.model = None
        if torch.cuda.is_available():
            torch.cuda.empty_cache()

"""``diffusers``: any diffusers text-to-image pipeline, batched, seeded per sample.

``harmonybench run --model diffusers:PATH_OR_ID --model-arg KEY=VALUE ...`` loads the pipeline
with ``diffusers.AutoPipelineForText2Image.from_pretrained`` and, when AutoPipeline does not
know the checkpoint's pipeline class (it raises ``ValueError``), with
``diffusers.DiffusionPipeline.from_pretrained``. ``dtype`` (``float16``, ``bf16`` ...) is
passed as ``dtype`` (as ``torch_dtype`` to diffusers releases that predate that keyword); the
pipeline is moved to ``device`` (default ``cuda`` when available, else ``cpu``) and its
progress bar is switched off.

**Requests** (``kind="t2i"``, the image-out contract of :mod:`harmonybench.models.imageio`): the
prompt is ``request.prompt``, as the task rendered it (no prompt rule lives here: the
``default`` family gives the caption with its texts quoted for AnyText, the prompt line for
MARIO-Eval; ``Request.layout``'s polygons are not used, since a plain pipeline takes no
positions). Settings: ``request.generation`` < ``--model-arg`` overrides,
among ``num_images`` (images per prompt, passed as ``num_images_per_prompt``; default 1),
``num_inference_steps``, ``guidance_scale``, ``height``, ``width`` and ``negative_prompt``; a
setting neither gives is left to the pipeline (Stable Diffusion: 50 steps, guidance 7.5, the
UNet's native size). Requests with equal settings are generated as one batch. The settings used
(pipeline defaults filled in from its signature) are in ``Output.metadata["generation"]``.

**Seeds.** Every sample gets its own CPU ``torch.Generator`` seeded with ``request.seed``
(``--model-arg seed=INT`` uses one fixed seed for every sample instead, e.g. TextHarmony's
``sd_base_seed`` 42; a request without a seed gets 0). The pipeline receives one generator per
image, the sample's generator repeated ``num_images`` times in diffusers' sample-major image
order, so a sample's ``k``-th image is made from the ``k``-th draws of its own generator: its
images do not depend on which other samples share the batch, nor on their order (up to the
last bit of batched floating point arithmetic). CPU generators make the initial noise the same
on every device.

**Safety checker.** Pipelines that ship one (Stable Diffusion 1.x checkpoints list a
``safety_checker`` component) run it by default: an image it flags is replaced by a black one
and the pipeline reports ``nsfw_content_detected``, which is kept per image in
``Output.metadata["nsfw_content_detected"]`` (a black image reads as no text, so a flagged
sample scores 0). Checkpoints without one (SD 2.x, SDXL) check nothing. ``--model-arg
safety_checker=false`` loads the pipeline without it (``safety_checker=None``); only that
explicit setting turns it off.

**Output**: ``num_images`` PNG files ``{sample_id}_{k}.png`` in ``context.image_dir``
(:mod:`harmonybench.models.imageio`). A batch that raises (out of memory, a pipeline error) is
raised to the run loop, which retries sample by sample; a request the adapter cannot serve as
given (no prompt, a bad setting) gets ``Output(error=...)``.

**Model args**: ``seed`` (``request``, the default, or an integer), ``safety_checker``
(bool), ``variant`` (the weights variant to load, e.g. ``fp16``), and the settings above.
``spec()`` adds the pipeline class, whether a safety checker is loaded, and for each component
its class and a digest of its configuration (the tokenizer: of its vocabulary).
"""

from __future__ import annotations

import importlib
import inspect
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from harmonybench.model import (
    GenerationContext,
    ModelAdapter,
    ModelArgError,
    generation_overrides,
    parse_bool,
    parse_number,
    unsupported_outputs,
)
from harmonybench.models.hf_vlm import check_args, resolve_dtype
from harmonybench.models.imageio import RequestError, positive_int, write_images
from harmonybench.models.weights import load_errors, load_failure
from harmonybench.schema import Output, Request, RequestKind, short_hash

IMAGE_SETTINGS: frozenset[str] = frozenset(
    {"num_images", "num_inference_steps", "guidance_scale", "height", "width", "negative_prompt"}
)
"""The generation settings a text-to-image request may carry (others are ignored)."""

PIPELINE_ARGS: frozenset[str] = frozenset({"seed", "safety_checker", "variant"})
"""Model args that are not generation settings."""

DEFAULT_SEED = 0
"""The seed of a request that carries none."""

_SEED_MODULUS = 2**63


def parse_seed(value: str) -> int | None:
    """``--model-arg seed``: ``request`` (None: each request's seed) or an integer."""
    if value.strip().lower() == "request":
        return None
    number = parse_number("seed", value)
    if not isinstance(number, int):
        raise ModelArgError(f"--model-arg seed={value!r}: expected request or an integer")
    return number


def parse_settings(args: Mapping[str, str], keys: frozenset[str]) -> dict[str, Any]:
    """The generation settings among ``args``, parsed (``negative_prompt`` stays text)."""
    out: dict[str, Any] = {k: v for k, v in generation_overrides(args).items() if k in keys}
    if "negative_prompt" in keys and "negative_prompt" in args:
        out["negative_prompt"] = args["negative_prompt"]
    if "strength" in keys and "strength" in args:
        out["strength"] = parse_number("strength", args["strength"])
    return out


def request_settings(request: Request, overrides: Mapping[str, Any],
                     keys: frozenset[str]) -> dict[str, Any]:
    """``request.generation`` < ``overrides``, restricted to ``keys`` and checked.

    Raises:
        RequestError: a setting of the wrong type or out of range.
    """
    settings = {k: v for k, v in request.generation.items() if k in keys and v is not None}
    settings.update(overrides)
    for key in ("num_images", "num_inference_steps", "height", "width"):
        if key in settings:
            settings[key] = positive_int(key, settings[key])
    for key in ("guidance_scale", "strength"):
        if key in settings:
            value = settings[key]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise RequestError(f"{key} must be a number, got {value!r}")
            settings[key] = float(value)
    if "strength" in settings and not 0.0 < settings["strength"] <= 1.0:
        raise RequestError(f"strength must be in (0, 1], got {settings['strength']}")
    negative = settings.get("negative_prompt")
    if negative is not None and not isinstance(negative, str):
        raise RequestError(f"negative_prompt must be text, got {negative!r}")
    return settings


def dtype_keyword() -> str:
    """``dtype`` where diffusers understands it (it deprecates ``torch_dtype``), else
    ``torch_dtype`` (older releases)."""
    try:
        module = importlib.import_module("diffusers.utils.deprecation_utils")
    except ImportError:
        return "torch_dtype"
    return "dtype" if hasattr(module, "_resolve_dtype") else "torch_dtype"


def component_digest(component: Any) -> str | None:
    """A digest of a pipeline component's configuration (a tokenizer's: of its vocabulary)."""
    config = getattr(component, "config", None)
    if config is not None:
        data = config.to_dict() if hasattr(config, "to_dict") else dict(config)
    elif hasattr(component, "get_vocab"):
        data = component.get_vocab()
    elif hasattr(component, "to_dict"):
        data = component.to_dict()
    else:
        return None
    kept = {k: v for k, v in data.items()
            if not str(k).startswith("_") or k == "_class_name"}
    return short_hash(kept, length=16)


@dataclass
class Prepared:
    """One request ready for the pipeline: its inputs and the key of its batch."""

    index: int
    request: Request
    settings: dict[str, Any]
    seed: int
    inputs: dict[str, Any] = field(default_factory=dict)
    group: str = ""


class DiffusersText2Image(ModelAdapter):
    """Any diffusers text-to-image pipeline, batched and seeded per sample."""

    name: ClassVar[str] = "diffusers"
    kinds: ClassVar[frozenset[RequestKind]] = frozenset({"t2i"})
    family = "default"
    auto_class: ClassVar[str] = "AutoPipelineForText2Image"
    settings_keys: ClassVar[frozenset[str]] = IMAGE_SETTINGS
    reported_defaults: ClassVar[tuple[str, ...]] = ("num_inference_steps", "guidance_scale")
    """Settings recorded with the pipeline's default when neither request nor args give them."""

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
            raise ModelArgError(f"{self.name} needs a pipeline: --model {self.name}:PATH_OR_ID")
        check_args(self.name, self.args, PIPELINE_ARGS | self.settings_keys)
        self.fixed_seed = parse_seed(self.args.get("seed", "request"))
        self.safety_checker: bool | None = (
            parse_bool("safety_checker", self.args["safety_checker"])
            if "safety_checker" in self.args else None
        )
        self.overrides = parse_settings(self.args, self.settings_keys)
        self.torch_dtype = resolve_dtype(dtype)
        self.pipe = self._load(location)
        parameters = inspect.signature(self.pipe.__call__).parameters.values()
        self.call_defaults = {p.name: p.default for p in parameters
                              if p.default is not inspect.Parameter.empty}
        self.takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)

    # -- loading ---------------------------------------------------------------------------

    def _load(self, location: str) -> Any:
        import diffusers
        import torch

        kwargs: dict[str, Any] = {}
        if self.torch_dtype not in (None, "auto"):
            kwargs[dtype_keyword()] = self.torch_dtype
        if "variant" in self.args:
            kwargs["variant"] = self.args["variant"]
        if self.safety_checker is False:
            kwargs["safety_checker"] = None
            kwargs["requires_safety_checker"] = False
        auto: Any = getattr(diffusers, self.auto_class)
        generic: Any = diffusers.DiffusionPipeline
        try:
            pipe = auto.from_pretrained(location, **kwargs)
        except ValueError as auto_error:
            try:
                pipe = generic.from_pretrained(location, **kwargs)
            except load_errors() as exc:
                raise ModelArgError(
                    f"{self.name}: cannot load a pipeline from {location!r}: {self.auto_class} "
                    f"says {auto_error}; DiffusionPipeline says {exc}"
                ) from exc
        except load_errors() as exc:
            raise load_failure(self.name, "a pipeline", location, exc) from exc
        self._check_pipeline(pipe)
        target = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        pipe = pipe.to(target)
        if hasattr(pipe, "set_progress_bar_config"):
            pipe.set_progress_bar_config(disable=True)
        return pipe

    def _check_pipeline(self, pipe: Any) -> None:
        """Reject a pipeline this adapter cannot drive (the base takes any that has a prompt)."""
        if "prompt" not in inspect.signature(pipe.__call__).parameters:
            raise ModelArgError(f"{self.name}: {type(pipe).__name__} takes no prompt")

    def spec(self) -> dict[str, Any]:
        """Base spec plus the pipeline class, the safety checker and component digests."""
        components = {
            name: {"class": type(component).__name__, "config_sha256": component_digest(component)}
            for name, component in sorted(self.pipe.components.items())
            if component is not None and not isinstance(component, bool | int | float | str)
        }
        return {
            **super().spec(),
            "pipeline": type(self.pipe).__name__,
            "safety_checker": getattr(self.pipe, "safety_checker", None) is not None,
            "components": components,
        }

    # -- generation ------------------------------------------------------------------------

    def prepare(self, index: int, request: Request) -> Prepared:
        """Check one request and gather its inputs (raises :class:`RequestError`)."""
        if not request.prompt or not request.prompt.strip():
            raise RequestError("the request has no prompt")
        settings = request_settings(request, self.overrides, self.settings_keys)
        seed = self.fixed_seed if self.fixed_seed is not None else (
            request.seed if request.seed is not None else DEFAULT_SEED
        )
        prepared = Prepared(index, request, settings, int(seed))
        prepared.group = short_hash(settings)
        return prepared

    def generate(self, requests: Sequence[Request], context: GenerationContext) -> list[Output]:
        """Answer ``requests`` in batches of equal settings (see the module docstring)."""
        outputs: dict[int, Output] = {}
        groups: dict[str, list[Prepared]] = {}
        for index, request in enumerate(requests):
            if not self.supports(request.kind):
                outputs[index] = unsupported_outputs([request], self.name)[0]
                continue
            try:
                prepared = self.prepare(index, request)
            except (RequestError, OSError) as exc:
                outputs[index] = Output(sample_id=request.sample_id, error=str(exc))
                continue
            groups.setdefault(prepared.group, []).append(prepared)
        for members in groups.values():
            for index, output in self._generate_group(members, context):
                outputs[index] = output
        return [outputs[i] for i in range(len(requests))]

    def call_inputs(self, members: Sequence[Prepared], count: int) -> dict[str, Any]:
        """The prompt arguments of one pipeline call: one prompt per sample, ``count`` each."""
        return {"prompt": [m.request.prompt for m in members], "num_images_per_prompt": count}

    def _generate_group(self, members: list[Prepared], context: GenerationContext
                        ) -> list[tuple[int, Output]]:
        import torch

        started = time.perf_counter()
        settings = members[0].settings
        count = int(settings.get("num_images", 1))
        kwargs = self.call_inputs(members, count)
        negative = settings.get("negative_prompt")
        if negative is not None:
            kwargs["negative_prompt"] = [negative] * len(kwargs["prompt"])
        for key in ("num_inference_steps", "guidance_scale", "height", "width", "strength"):
            if key in settings:
                kwargs[key] = settings[key]
        unknown = sorted(k for k in kwargs if k not in self.call_defaults and k != "prompt")
        if unknown and not self.takes_any:
            error = f"{type(self.pipe).__name__} does not take {', '.join(unknown)}"
            return [(m.index, Output(sample_id=m.request.sample_id, error=error))
                    for m in members]
        generators = []
        for member in members:
            generator = torch.Generator(device="cpu").manual_seed(member.seed % _SEED_MODULUS)
            generators.extend([generator] * count)
        with torch.inference_mode():
            result = self.pipe(**kwargs, generator=generators, output_type="pil")
        images = list(result.images)
        if len(images) != len(members) * count:
            error = (f"{type(self.pipe).__name__} returned {len(images)} images for "
                     f"{len(members)} prompts x {count}")
            return [(m.index, Output(sample_id=m.request.sample_id, error=error))
                    for m in members]
        flags = getattr(result, "nsfw_content_detected", None)
        latency = (time.perf_counter() - started) / len(members)
        used = self._used_settings(settings, count)
        out: list[tuple[int, Output]] = []
        for position, member in enumerate(members):
            mine = images[position * count:(position + 1) * count]
            paths = write_images(mine, context.image_dir, member.request.sample_id)
            metadata: dict[str, Any] = {"generation": used, "seed": member.seed,
                                        "size": list(mine[0].size)}
            if flags is not None:
                metadata["nsfw_content_detected"] = [
                    bool(f) for f in flags[position * count:(position + 1) * count]
                ]
            out.append((member.index, Output(sample_id=member.request.sample_id, images=paths,
                                             latency_s=latency, metadata=metadata)))
        return out

    def _used_settings(self, settings: Mapping[str, Any], count: int) -> dict[str, Any]:
        used = dict(settings)
        used["num_images"] = count
        for key in self.reported_defaults:
            if key not in used and key in self.call_defaults:
                used[key] = self.call_defaults[key]
        return used

    def close(self) -> None:
        """Drop the pipeline and free accelerator memory."""
        import torch

        self.pipe = None
        if torch.cuda.is_available():
            torch.cuda.empty_cache()

"""``anytext``: AnyText's released code and checkpoint, driven as its evaluation script drives it.

``harmonybench run --model anytext:REPO_PATH --model-arg checkpoint=FILE`` where ``REPO_PATH``
is a checkout of tyxsspa/AnyText (read at 3d4a260c67d9) with its own environment installed
(``environment.yaml``: PyTorch with CUDA, pytorch-lightning, omegaconf, open_clip/transformers,
OpenCV, and Pillow older than 10, since ``t3_dataset.draw_glyph`` calls the removed
``FreeTypeFont.getsize``), its font at ``font/Arial_Unicode.ttf`` (not shipped; or
``--model-arg font=PATH``) and a checkpoint (default ``models/anytext_v1.1.ckpt``).

**Reference.** ``eval/anytext_singleGPU.py`` (the script behind AnyText's benchmark numbers:
``load_data``, ``get_item``, ``process``), with ``t3_dataset.py`` (``draw_glyph``,
``draw_glyph2``, ``get_caption_pos``, ``phrase_list``), ``cldm/model.py`` (``create_model``,
``load_state_dict``) and ``cldm/ddim_hacked.py`` (``DDIMSampler``); for editing, the
ModelScope pipeline ``ms_wrapper.py`` that ``inference.py``/``demo.py`` load as
``my-anytext-task`` (read through copies of it in other repositories; it is not in the GitHub
repository). The adapter imports ``cldm.model``, ``cldm.ddim_hacked`` and ``t3_dataset`` from
the checkout and re-implements ``process`` (it cannot call the script's: the script opens its
font relative to the working folder at import and moves everything to CUDA), step for step:

1. seed ``random``, ``numpy`` and ``torch`` with the seed (what ``seed_everything`` does);
2. per line: ``draw_glyph(font, text)`` (the 80x512 line glyph), ``draw_glyph2(font, text,
   polygon, scale=2, width=W, height=H)`` (the 2x glyph image in place), and the position mask:
   the polygon filled with ``cv2.fillPoly`` (value 255, then divided by 255) on an ``H x W x 1``
   zero image (:func:`~harmonybench.models.anytext_inputs.position_mask`); the hint is the masks'
   sum clipped to [0, 1];
3. the reference image, ``127.5`` grey for ``t2i`` (the script) or the input image for ``edit``
   (``ms_wrapper``: clipped to [1, 255]), mapped to [-1, 1] and multiplied by ``1 - hint``, is
   encoded (``encode_first_stage`` then ``get_first_stage_encoding``) into ``masked_x``;
4. ``cond = model.get_learned_conditioning({c_concat: [hint], c_crossattn: [[prompt + ", " +
   a_prompt] * n], text_info: {glyphs, gly_line, positions, n_lines, masked_x}})``, ``un_cond``
   the same with ``n_prompt``; ``model.control_scales = [strength] * 13``;
5. ``DDIMSampler.sample(ddim_steps, n, (4, H/8, W/8), cond, verbose=False, eta=eta,
   unconditional_guidance_scale=scale, unconditional_conditioning=un_cond)``, then
   ``decode_first_stage`` and ``x * 127.5 + 127.5`` clipped to uint8.

Settings (the script's constants): ``num_images`` 4, DDIM ``num_inference_steps`` 20,
``guidance_scale`` 9.0, ``eta`` 0.0, ``strength`` 1.0, seed 100 for every sample, 512x512,
``a_prompt`` ``"best quality, extremely detailed"`` and the script's ``n_prompt``
(:data:`~harmonybench.models.anytext_settings.N_PROMPT`); at most 20 lines (``max_lines``), each
text cut to 20 characters (``max_chars``). ``request.generation`` overrides them (``num_images``,
``num_inference_steps``, ``guidance_scale``, ``eta``, ``strength``, ``seed``, ``width``, ``height``,
``negative_prompt`` for ``n_prompt``), and ``--model-arg`` overrides both (the same keys plus
``a_prompt``/``n_prompt``; ``seed=request`` takes each request's own seed). Width and height default
to the layout's canvas (``Request.layout.width`` x ``height``) and must be multiples of 64.

**Prompt** (:func:`~harmonybench.models.anytext_inputs.build_prompt`; the rule used is in
``Output.metadata["prompt_rule"]``, and when the adapter built the prompt itself,
``Output.template_id`` is ``anytext-adapter:<rule>``):

- ``placeholders``: a prompt that already holds one ``*`` per line (the task's ``anytext``
  prompt family) is used as is;
- ``quotes``: otherwise, when the prompt quotes exactly as many texts as there are lines
  (``"..."``; curly quotes are straightened first), each quoted text becomes ``" * "``, as
  ``ms_wrapper``'s ``modify_prompt`` does (e.g. TextHarmony's edit instruction);
- ``caption``: otherwise the script's form is built from the raw caption
  (``Request.layout.caption``, else ``request.question``; any ``*`` in it replaced by a space, as
  ``load_data`` does): caption + connective phrase + ``"* , * ."`` (one ``*`` per line,
  ``get_caption_pos`` with probability 0; the form is the core's
  :func:`~harmonybench.prompt_rules.anytext_caption_prompt`, which the task's ``anytext`` family
  also writes, with the first phrase). The script picks the phrase with
  ``random.choice(phrase_list)`` right after ``random.choice([" middle", " center"])``, on the
  generator that the previous sample's ``seed_everything(100)`` left (nothing in between draws from
  ``random``), so every sample but the run's first gets the phrase a generator freshly seeded with
  the seed gives on its second draw; :func:`~harmonybench.models.anytext_inputs.pick_phrase` gives
  that phrase to every sample (the script's first sample gets an unseeded one). ``phrase_list`` is
  read from the checkout's ``t3_dataset``. A request without texts keeps its caption unchanged, as
  ``get_item`` does.

**Edit** requests use the input image ``request.images[0]`` resized to W x H (bicubic) and the
layout's polygons (``Request.layout``) for the positions and glyphs (``request.mask`` is not
needed: AnyText masks the polygons' region itself). **Output**: ``num_images`` PNG files
``{sample_id}_{k}.png`` (the script writes JPEG with OpenCV's default quality, which the OCR
then reads; PNG keeps the generated pixels). One sample is generated per call, as in the script.

**What was tested, and what was not.** AnyText's code needs CUDA, its own environment and a
5.7 GB checkpoint, none of which is available to the tests. The adapter's own logic (the
prompt rules, the position masks, the glyph calls, the parameters, the conditioning dicts and
the sampler call, seeding, writing images) is tested against a stand-in checkout with the
released modules' *interface* (``create_model``, ``load_state_dict``, ``DDIMSampler.sample``,
``draw_glyph``, ``draw_glyph2``, ``phrase_list``, the model's ``encode_first_stage``,
``get_first_stage_encoding``, ``get_learned_conditioning``, ``decode_first_stage`` and
``control_scales``). The real model was not run here. When the checkout, its font, its
checkpoint or an import is missing, construction raises a
:class:`~harmonybench.model.ModelArgError` naming what is missing.

**Modules**: this one holds the adapter; :mod:`~harmonybench.models.anytext_settings` the
sampling settings, :mod:`~harmonybench.models.anytext_inputs` the prompt, position masks and
reference image, :mod:`~harmonybench.models.anytext_backend` the driven pipeline.
"""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from harmonybench.model import (
    GenerationContext,
    ModelAdapter,
    ModelArgError,
    unsupported_outputs,
)
from harmonybench.models.anytext_backend import (
    AnyTextBackend,
    run_process,
    working_folder,
)
from harmonybench.models.anytext_inputs import (
    build_inputs,
)
from harmonybench.models.anytext_settings import (
    Params,
    parse_overrides,
)
from harmonybench.models.hf_vlm import file_digest, resolve_dtype
from harmonybench.models.imageio import (
    RequestError,
    write_images,
)
from harmonybench.models.weights import load_errors, load_failure
from harmonybench.prompt_rules import PLACE_HOLDER
from harmonybench.schema import IMAGE_OUT_KINDS, Output, Request, RequestKind, short_hash

if TYPE_CHECKING:
    pass

DEFAULT_CONFIG = "models_yaml/anytext_sd15.yaml"
DEFAULT_CHECKPOINT = "models/anytext_v1.1.ckpt"
DEFAULT_FONT = "font/Arial_Unicode.ttf"
REQUIRED_FILES: tuple[str, ...] = ("cldm/model.py", "cldm/ddim_hacked.py", "t3_dataset.py")

ANYTEXT_ARGS: frozenset[str] = frozenset(
    {"checkpoint", "config", "font", "clip", "seed", "num_images", "num_inference_steps",
     "guidance_scale", "eta", "strength", "width", "height", "a_prompt", "n_prompt"}
)


class AnyTextModel(ModelAdapter):
    """AnyText's released code and checkpoint, run as its evaluation script runs them."""

    name: ClassVar[str] = "anytext"
    kinds: ClassVar[frozenset[RequestKind]] = IMAGE_OUT_KINDS
    family = "anytext"

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
            raise ModelArgError("anytext needs the released code: --model anytext:REPO_PATH "
                                "(a checkout of tyxsspa/AnyText)")
        unknown = sorted(set(self.args) - ANYTEXT_ARGS)
        if unknown:
            raise ModelArgError(f"anytext: unknown --model-arg {', '.join(unknown)} "
                                f"(known: {', '.join(sorted(ANYTEXT_ARGS))})")
        self.repo = Path(location).expanduser().resolve()
        self.overrides = parse_overrides(self.args)
        self.torch_dtype = resolve_dtype(dtype)
        self.files = self._check_files()
        self.backend = self._load()

    def _path(self, key: str, default: str) -> Path:
        given = self.args.get(key)
        return Path(given).expanduser().resolve() if given else self.repo / default

    def _check_files(self) -> dict[str, Path]:
        if not self.repo.is_dir():
            raise ModelArgError(f"anytext: {self.repo} is not a folder")
        missing = [name for name in REQUIRED_FILES if not (self.repo / name).is_file()]
        if missing:
            raise ModelArgError(
                f"anytext: {self.repo} is not a checkout of tyxsspa/AnyText "
                f"({', '.join(missing)} missing)"
            )
        files = {
            "config": self._path("config", DEFAULT_CONFIG),
            "checkpoint": self._path("checkpoint", DEFAULT_CHECKPOINT),
            "font": self._path("font", DEFAULT_FONT),
        }
        hints = {
            "config": "--model-arg config=FILE",
            "checkpoint": "download anytext_v1.1.ckpt from ModelScope "
                          "damo/cv_anytext_text_generation_editing, or --model-arg "
                          "checkpoint=FILE",
            "font": "AnyText does not ship its font: put Arial Unicode at font/"
                    "Arial_Unicode.ttf, or --model-arg font=FILE",
        }
        for key, path in files.items():
            if not path.is_file():
                raise ModelArgError(f"anytext: {key} {path} is missing ({hints[key]})")
        return files

    def _import(self, module: str) -> Any:
        try:
            return importlib.import_module(module)
        except ImportError as exc:
            raise ModelArgError(
                f"anytext: cannot import {module} from {self.repo}: {exc} (install the "
                "checkout's environment.yaml: CUDA PyTorch, pytorch-lightning, omegaconf, "
                "OpenCV, Pillow<10 ...)"
            ) from exc

    def _load(self) -> AnyTextBackend:
        import torch
        from PIL import ImageFont

        if str(self.repo) not in sys.path:
            sys.path.insert(0, str(self.repo))
        half = self.torch_dtype is torch.float16
        device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        with working_folder(self.repo):
            model_module = self._import("cldm.model")
            ddim_module = self._import("cldm.ddim_hacked")
            glyph_module = self._import("t3_dataset")
            kwargs: dict[str, Any] = {"use_fp16": True} if half else {}
            if self.args.get("clip"):
                kwargs["cond_stage_path"] = self.args["clip"]
            model = model_module.create_model(str(self.files["config"]), **kwargs)
            try:
                state = model_module.load_state_dict(str(self.files["checkpoint"]),
                                                     location=device)
            except load_errors() as exc:
                raise load_failure("anytext", "the checkpoint", self.files["checkpoint"],
                                   exc) from exc
            model.load_state_dict(state, strict=True)
            model = model.to(device)
            if half:
                model = model.half()
            model.eval()
            sampler = ddim_module.DDIMSampler(model)
        font = ImageFont.truetype(str(self.files["font"]), size=60)
        return AnyTextBackend(
            model=model, sampler=sampler, draw_glyph=glyph_module.draw_glyph,
            draw_glyph2=glyph_module.draw_glyph2, font=font,
            phrases=tuple(getattr(glyph_module, "phrase_list", ())), device=device, half=half,
        )

    def spec(self) -> dict[str, Any]:
        """Base spec plus the checkpoint (name, size), config and font digests, the defaults."""
        checkpoint = self.files["checkpoint"]
        return {
            **super().spec(),
            "checkpoint": {"name": checkpoint.name, "bytes": checkpoint.stat().st_size},
            "config_sha256": file_digest(self.files["config"]),
            "font_sha256": file_digest(self.files["font"]),
            "defaults": Params().to_json(),
        }

    def answer(self, request: Request, context: GenerationContext) -> Output:
        """Generate one request's images (errors in its inputs become ``Output.error``)."""
        started = time.perf_counter()
        try:
            inputs = build_inputs(request, self.backend.phrases, self.overrides)
        except RequestError as exc:
            return Output(sample_id=request.sample_id, error=str(exc))
        from PIL import Image

        arrays = run_process(self.backend, inputs)
        paths = write_images([Image.fromarray(a) for a in arrays], context.image_dir,
                             request.sample_id)
        template: dict[str, Any] = {}
        if inputs.prompt_rule != "placeholders":  # the adapter built the prompt itself
            template = {
                "template_id": f"anytext-adapter:{inputs.prompt_rule}",
                "template_hash": short_hash([inputs.prompt_rule, PLACE_HOLDER,
                                             list(self.backend.phrases)]),
            }
        return Output(
            sample_id=request.sample_id, images=paths, latency_s=time.perf_counter() - started,
            metadata={"prompt": inputs.prompt, "prompt_rule": inputs.prompt_rule,
                      "texts": list(inputs.texts), "params": inputs.params.to_json()},
            **template,
        )

    def generate(self, requests: Sequence[Request], context: GenerationContext) -> list[Output]:
        """One sample at a time, in order, as the evaluation script runs them."""
        outputs: list[Output] = []
        for request in requests:
            if self.supports(request.kind):
                outputs.append(self.answer(request, context))
            else:
                outputs.extend(unsupported_outputs([request], self.name))
        return outputs

    def close(self) -> None:
        """Release the accelerator memory the model held."""
        import torch

        self.backend.model = None
        self.backend.sampler = None
        if torch.cuda.is_available():
            torch.cuda.empty_cache()

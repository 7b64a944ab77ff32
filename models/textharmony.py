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
  ``S + instruction + S`` with ``S`` the image sub-sequence. The caption is
  ``Request.layout.quoted_caption`` (the task's quoting; the raw ``question`` for a request
  without a layout), the edit text ``Request.layout.edit_text`` (else ``question``).
- ``TextHarmony/configs/release/896-moe-eval.yaml``: ``generation_kwargs`` ``max_length: 30``
  (passed to ``generate`` as ``max_new_tokens``), ``min_length: 1``, ``num_beams: 5``,
  ``use_nucleus_sampling: True`` (``do_sample``; ``top_p`` 0.9 and ``temperature`` 1 are
  ``generate_texts``' defaults), ``repetition_penalty: 1.3``, ``guidance_scale: 7.5``,
  ``num_inference_steps: 30``, ``num_validation_images: 1``; image decoder
  ``sd_base_seed: 42`` at 512x512 (the Stable Diffusion 2 base UNet). EOS ids are
  ``[2, 32000]`` (``</s>``, ``<|beginofimage|>``).
- ``TextHarmony/models/TextHarmony.py`` ``moe_set_gate`` (Slide-LoRA): see
  :mod:`~harmonybench.models.textharmony_prompts` (``task_id_for``, ``gate_task_id``,
  ``gate_vector``).

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

**Modules**: this one holds the adapter; :mod:`~harmonybench.models.textharmony_prompts` the
prompts, special tokens and gate, :mod:`~harmonybench.models.textharmony_generation` the
generation settings, seeds and output decoding, :mod:`~harmonybench.models.textharmony_checkpoint`
the checkpoint parts and the config.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

from harmonybench.model import GenerationContext, ModelAdapter, ModelArgError, generation_overrides
from harmonybench.models.hf_vlm import check_args, resolve_dtype
from harmonybench.models.textharmony_checkpoint import (
    DEFAULT_CONFIG,
    MODEL_FILE,
    resolve_checkpoint,
    to_attrdict,
)
from harmonybench.models.textharmony_generation import (
    GENERATION_ARGS,
    REFERENCE_GENERATION,
    TEXT_SEED,
    clean_text,
    cut_at_stop,
    effective_generation,
    image_file_name,
    parse_seed,
    setup_seed,
    tensor_to_images,
    text_seed,
)
from harmonybench.models.textharmony_prompts import (
    NUM_IMAGE_TOKENS,
    TEMPLATE_IDS,
    GateMode,
    build_edit_prompt,
    build_t2i_prompt,
    build_vqa_prompt,
    gate_task_id,
    gate_vector,
    parse_gate,
    template_for,
)
from harmonybench.schema import Output, Request, RequestKind, short_hash

TEXTHARMONY_ARGS: frozenset[str] = frozenset(
    {"checkpoint", "cache_dir", "config", "gate", "seed"}
)


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
        layout = request.layout
        if request.kind == "t2i":
            # the caption with the words to render in double quotes, as TextHarmony's examples
            # write it (docs/examples/example.json), from the layout; the raw caption only for
            # a request without one
            caption = (layout.quoted_caption if layout is not None and layout.quoted_caption
                       else request.question if request.question is not None
                       else request.prompt)
            return build_t2i_prompt(caption, num_image_tokens)
        if request.kind == "edit":
            text = (layout.edit_text if layout is not None and layout.edit_text is not None
                    else request.question)
            if text is None:
                raise ValueError("an edit request needs the text to write (Request.layout's "
                                 "edit_text, else the question)")
            return build_edit_prompt(text, num_image_tokens)
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

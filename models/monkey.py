"""``monkey``: Monkey and TextMonkey (Qwen-VL remote-code models), as their eval scripts run them.

Reference: Yuliang-Liu/Monkey at commit 498e1d92baff, ``eval/evaluate_vqa.py`` (Monkey) and
``eval/evaluate_vqa_doc.py`` (TextMonkey). What this adapter reproduces from them:

- **Prompt**: Monkey ``'<img>{}</img>{} Answer:'`` (no space after ``</img>``; the script's
  comment notes that a spaced variant scores better, but the released numbers use this one);
  TextMonkey (``--model-arg variant=textmonkey``) ``'<img>{}</img> {} Answer:'``. The first
  field is the image *path*: Qwen-VL's tokenizer turns the path between ``<img>`` and
  ``</img>`` into the image's placeholder tokens and the model opens the file itself. Images
  given as embedded bytes are therefore first written to a temporary file (named by the
  bytes' digest, removed by :meth:`MonkeyModel.close`). Paths are made absolute. The text
  after the image tag is ``request.prompt``: the task's ``monkey``/``textmonkey`` prompt
  family (``"{question} Answer:"`` and ``" {question} Answer:"`` for the VQA tasks, OCRBench's
  ``" {question} Answer: "`` from MultimodalOCR's Monkey script), so that every task's exact
  reference prompt, with its template id and hash, is what the records show;
  ``<img>PATH</img>`` + that text reproduces the scripts' strings above. Monkey's VizWiz
  prompt variant and few-shot prompts are not reproduced.
- **Tokenizer**: ``padding_side = "left"``, ``pad_token_id = tokenizer.eod_id``; the batch is
  tokenized with ``padding="longest"``. For TextMonkey the tokenizer's ``IMG_TOKEN_SPAN`` is
  set to the config's ``visual["n_queries"]`` as ``evaluate_vqa_doc.py`` does.
- **Decoding**: greedy (``do_sample=False``, ``num_beams=1``), ``min_new_tokens=1``,
  ``length_penalty=1``, ``num_return_sequences=1``, ``output_hidden_states=True``,
  ``use_cache=True``, ``pad_token_id = eos_token_id = tokenizer.eod_id``; ``max_new_tokens``
  is per dataset in the scripts (10 for the VQA-score sets, 100 for the others), so it comes
  from the request (the task's ``monkey``/``textmonkey`` generation settings; 100 when the
  request has none). Layering: these settings < ``request.generation`` < ``--model-arg``
  generation overrides; the settings used are in ``Output.metadata["generation"]``.
- **Decoding the answer**: the new tokens only (``output[input_len:]``), special tokens
  skipped, stripped; TextMonkey then also removes any literal ``<|endoftext|>``.

Loading: ``AutoModelForCausalLM`` and ``AutoTokenizer`` with ``trust_remote_code=True`` (the
checkpoint's ``auto_map`` selects ``MonkeyLMHeadModel``/``TextMonkeyLMHeadModel`` and
``QWenTokenizer``), which runs code shipped with the checkpoint: it is refused unless
``--model-arg trust_remote_code=true`` is given. Model args: ``trust_remote_code``, ``variant``
(``monkey``/``textmonkey``), ``device_map`` (default: the ``device`` argument, else ``cuda``
when available), and the generation overrides; ``dtype`` is a constructor argument.

**What was tested, and what was not.** The remote code (``modeling_monkey.py``,
``tokenization_qwen.py``) needs ``tiktoken`` and, to run, the multi-GB checkpoint, so it was
not run here. The tests drive this adapter through :meth:`MonkeyModel.from_loaded` with a
fake tokenizer and model that follow the *interface* the scripts use (``__call__`` with
``padding='longest'``, ``padding_side``, ``pad_token_id``, ``eod_id``, ``IMG_TOKEN_SPAN``,
``decode(..., skip_special_tokens=True)``, ``generate(input_ids=, attention_mask=, ...)``):
prompt assembly, temp files for embedded images, batching, left padding, the generate keyword
arguments and answer decoding are tested; the real model's outputs are not.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

from harmonybench.model import (
    GenerationContext,
    ModelAdapter,
    ModelArgError,
    generation_overrides,
    parse_bool,
)
from harmonybench.models.hf_vlm import TEXT_GENERATION_ARGS, check_args, resolve_dtype
from harmonybench.models.hf_vlm_encoder import transformers_module
from harmonybench.models.weights import load_errors, load_failure
from harmonybench.schema import TEXT_OUT_KINDS, ImageRef, Output, Request, RequestKind, short_hash

Variant = Literal["monkey", "textmonkey"]

MONKEY_PROMPT = "<img>{}</img>{} Answer:"
"""``evaluate_vqa.py``: ``prompt = '<img>{}</img>{} Answer:'`` (image path, question)."""
TEXTMONKEY_PROMPT = "<img>{}</img> {} Answer:"
"""``evaluate_vqa_doc.py``: ``prompt = '<img>{}</img> {} Answer:'`` (image path, question)."""

REFERENCE_GENERATION: tuple[tuple[str, Any], ...] = (
    ("do_sample", False),
    ("num_beams", 1),
    ("max_new_tokens", 100),
    ("min_new_tokens", 1),
    ("length_penalty", 1),
    ("num_return_sequences", 1),
    ("output_hidden_states", True),
    ("use_cache", True),
)
"""The ``model.generate`` settings of both scripts (``max_new_tokens`` varies per dataset)."""

REQUEST_KEYS: frozenset[str] = frozenset(
    {"max_new_tokens", "min_new_tokens", "do_sample", "num_beams", "top_p", "top_k",
     "temperature", "repetition_penalty", "length_penalty"}
)
MONKEY_ARGS: frozenset[str] = frozenset({"trust_remote_code", "variant", "device_map"})


def build_prompt(image_path: str, text: str) -> str:
    """``<img>PATH</img>`` followed by the task's rendered prompt text (no space between)."""
    return f"<img>{image_path}</img>{text}"


def parse_variant(value: str) -> Variant:
    """``monkey`` or ``textmonkey``."""
    lowered = value.strip().lower()
    if lowered == "monkey":
        return "monkey"
    if lowered == "textmonkey":
        return "textmonkey"
    raise ModelArgError(f"--model-arg variant={value!r}: expected monkey or textmonkey")


def clean_answer(variant: Variant, decoded: str) -> str:
    """``decoded.strip()``; TextMonkey then removes literal ``<|endoftext|>`` (in that order)."""
    answer = decoded.strip()
    if variant == "textmonkey":
        answer = answer.replace("<|endoftext|>", "")
    return answer


class MonkeyModel(ModelAdapter):
    """Monkey / TextMonkey through their remote code (see the module docstring)."""

    name: ClassVar[str] = "monkey"
    kinds: ClassVar[frozenset[RequestKind]] = TEXT_OUT_KINDS
    family = "monkey"
    frame = "1000"  # Qwen-VL boxes: <box>(x1,y1),(x2,y2)</box> in [0, 1000)

    def __init__(
        self,
        location: str | None = None,
        *,
        device: str | None = None,
        dtype: str | None = None,
        **args: str,
    ) -> None:
        self._configure(location, device, dtype, args)
        if not location:
            raise ModelArgError("monkey needs a checkpoint: --model monkey:PATH_OR_HUB_ID")
        if not self.trust_remote_code:
            raise ModelArgError(
                f"monkey: {location!r} is a Qwen-VL remote-code checkpoint; loading it runs the "
                "Python files shipped with it (modeling_monkey.py, tokenization_qwen.py). "
                "If you trust them, pass --model-arg trust_remote_code=true"
            )
        model, tokenizer = self._load(location)
        self._attach(model, tokenizer)

    @classmethod
    def from_loaded(
        cls,
        model: Any,
        tokenizer: Any,
        *,
        location: str | None = None,
        dtype: str | None = None,
        **args: str,
    ) -> MonkeyModel:
        """An adapter around an already loaded model and tokenizer (tests, notebooks).

        The tokenizer is configured as the eval scripts do (left padding, ``eod_id`` as pad).
        """
        adapter = cls.__new__(cls)
        adapter._configure(location, None, dtype, dict(args))
        adapter._attach(model, tokenizer)
        return adapter

    def _configure(
        self, location: str | None, device: str | None, dtype: str | None, args: dict[str, str]
    ) -> None:
        ModelAdapter.__init__(self, location, device=device, dtype=dtype, **args)
        check_args(self.name, self.args, MONKEY_ARGS | TEXT_GENERATION_ARGS)
        self.trust_remote_code = parse_bool(
            "trust_remote_code", self.args.get("trust_remote_code", "false")
        )
        self.variant: Variant = parse_variant(self.args.get("variant", self.default_variant()))
        self.overrides = generation_overrides(self.args)
        self.torch_dtype = resolve_dtype(dtype)
        self._tmpdir: Path | None = None
        # The prompt family follows the variant: the tasks' monkey and textmonkey templates
        # (and max_new_tokens) differ.
        self.family = self.variant

    @classmethod
    def default_variant(cls) -> str:
        """The variant used when ``--model-arg variant`` is not given."""
        return "monkey"

    def _load(self, location: str) -> tuple[Any, Any]:
        import torch

        tf = transformers_module()
        device_map = self.args.get("device_map") or self.device or (
            "cuda" if torch.cuda.is_available() else "cpu"
        )
        kwargs: dict[str, Any] = {"trust_remote_code": True, "device_map": device_map}
        if self.torch_dtype is not None:
            kwargs["dtype"] = self.torch_dtype
        try:
            config = tf.AutoConfig.from_pretrained(location, trust_remote_code=True)
            model = tf.AutoModelForCausalLM.from_pretrained(location, config=config, **kwargs)
            tokenizer = tf.AutoTokenizer.from_pretrained(location, trust_remote_code=True)
        except load_errors(ImportError) as exc:
            raise load_failure("monkey", "the model", location, exc) from exc
        return model.eval(), tokenizer

    def _attach(self, model: Any, tokenizer: Any) -> None:
        tokenizer.padding_side = "left"
        tokenizer.pad_token_id = tokenizer.eod_id
        if self.variant == "textmonkey":
            visual = getattr(getattr(model, "config", None), "visual", None)
            if isinstance(visual, dict) and "n_queries" in visual:
                tokenizer.IMG_TOKEN_SPAN = visual["n_queries"]
        self.model = model
        self.tokenizer = tokenizer

    def spec(self) -> dict[str, Any]:
        """Base spec plus the variant (prompts are the tasks' and recorded per task)."""
        out = super().spec()
        out.update(variant=self.variant)
        return out

    def generation_settings(self, request: Request) -> dict[str, Any]:
        """Reference settings < ``request.generation`` < model-arg overrides; pad/eos = eod."""
        settings: dict[str, Any] = dict(REFERENCE_GENERATION)
        settings.update({k: v for k, v in request.generation.items() if k in REQUEST_KEYS})
        settings.update({k: v for k, v in self.overrides.items() if k in REQUEST_KEYS})
        settings["pad_token_id"] = self.tokenizer.eod_id
        settings["eos_token_id"] = self.tokenizer.eod_id
        return settings

    def image_path(self, ref: ImageRef) -> str:
        """An absolute file path for ``ref``; embedded bytes are written to a temp file first."""
        if ref.path is not None and ref.data is None:
            return str(Path(ref.path).expanduser().resolve())
        data = ref.data or b""
        if self._tmpdir is None:
            self._tmpdir = Path(tempfile.mkdtemp(prefix="harmonybench-monkey-"))
        suffix = Path(ref.name).suffix if ref.name and Path(ref.name).suffix else ".img"
        target = self._tmpdir / f"{hashlib.sha256(data).hexdigest()[:24]}{suffix}"
        if not target.exists():
            target.write_bytes(data)
        return str(target)

    def generate(self, requests: Sequence[Request], context: GenerationContext) -> list[Output]:
        """Answer ``requests`` in batches of equal generation settings, in order."""
        outputs: dict[int, Output] = {}
        groups: dict[str, list[tuple[int, Request, str]]] = {}
        for index, request in enumerate(requests):
            problem = self._problem(request)
            if problem is not None:
                outputs[index] = problem
                continue
            prompt = build_prompt(self.image_path(request.images[0]), request.prompt)
            key = short_hash({k: v for k, v in self.generation_settings(request).items()})
            groups.setdefault(key, []).append((index, request, prompt))
        for members in groups.values():
            for index, output in self._generate_group(members):
                outputs[index] = output
        return [outputs[i] for i in range(len(requests))]

    def _problem(self, request: Request) -> Output | None:
        if not self.supports(request.kind):
            return Output(sample_id=request.sample_id, unsupported=True,
                          error=f"{self.name} does not serve {request.kind!r} requests")
        if len(request.images) != 1:
            return Output(sample_id=request.sample_id,
                          error=f"{self.variant} takes exactly one image per question, "
                                f"got {len(request.images)}")
        ref = request.images[0]
        if ref.data is None and not Path(ref.path or "").expanduser().is_file():
            return Output(sample_id=request.sample_id,
                          error=f"image file not found: {ref.describe()}")
        if not request.prompt:
            return Output(sample_id=request.sample_id,
                          error=f"{self.variant}: the request has no prompt text")
        return None

    def _generate_group(self, members: list[tuple[int, Request, str]]) -> list[tuple[int, Output]]:
        import torch

        started = time.perf_counter()
        settings = self.generation_settings(members[0][1])
        encoded = self.tokenizer([m[2] for m in members], return_tensors="pt", padding="longest")
        device = getattr(self.model, "device", None)
        input_ids = encoded.input_ids if device is None else encoded.input_ids.to(device)
        attention_mask = (
            encoded.attention_mask if device is None else encoded.attention_mask.to(device)
        )
        with torch.inference_mode():
            generated = self.model.generate(
                input_ids=input_ids, attention_mask=attention_mask, **settings
            )
        length = input_ids.size(1)
        answers = [
            clean_answer(self.variant,
                         self.tokenizer.decode(row[length:].cpu(), skip_special_tokens=True))
            for row in generated
        ]
        latency = (time.perf_counter() - started) / len(members)
        shown = {k: v for k, v in settings.items() if k not in {"pad_token_id", "eos_token_id"}}
        return [
            (index, Output(sample_id=request.sample_id, text=answer, latency_s=latency,
                           metadata={"prompt": prompt, "generation": shown}))
            for (index, request, prompt), answer in zip(members, answers, strict=True)
        ]

    def close(self) -> None:
        """Remove the temporary image files and drop the model."""
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None
        self.model = None


class TextMonkeyModel(MonkeyModel):
    """TextMonkey: :class:`MonkeyModel` with ``variant=textmonkey`` by default."""

    name: ClassVar[str] = "textmonkey"
    family = "textmonkey"

    @classmethod
    def default_variant(cls) -> str:
        """TextMonkey's prompt unless ``--model-arg variant`` says otherwise."""
        return "textmonkey"

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
   zero image (:func:`position_mask`); the hint is the masks' sum clipped to [0, 1];
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
(:data:`N_PROMPT`); at most 20 lines (``max_lines``), each text cut to 20 characters
(``max_chars``). ``request.generation`` overrides them (``num_images``,
``num_inference_steps``, ``guidance_scale``, ``eta``, ``strength``, ``seed``, ``width``,
``height``, ``negative_prompt`` for ``n_prompt``), and ``--model-arg`` overrides both (the same
keys plus ``a_prompt``/``n_prompt``; ``seed=request`` takes each request's own seed). Width and
height default to the metadata canvas and must be multiples of 64.

**Prompt** (:func:`build_prompt`; the rule used is in ``Output.metadata["prompt_rule"]``, and
when the adapter built the prompt itself, ``Output.template_id`` is ``anytext-adapter:<rule>``):

- ``placeholders``: a prompt that already holds one ``*`` per line (the task's ``anytext``
  prompt family) is used as is;
- ``quotes``: otherwise, when the prompt quotes exactly as many texts as there are lines
  (``"..."``; curly quotes are straightened first), each quoted text becomes ``" * "``, as
  ``ms_wrapper``'s ``modify_prompt`` does (e.g. TextHarmony's edit instruction);
- ``caption``: otherwise the script's form is built from the raw caption
  (``request.question``, any ``*`` in it replaced by a space, as ``load_data`` does): caption +
  connective phrase + ``"* , * ."`` (one ``*`` per line, ``get_caption_pos`` with probability
  0). The script picks the phrase with ``random.choice(phrase_list)`` right after
  ``random.choice([" middle", " center"])``, on the generator that the previous sample's
  ``seed_everything(100)`` left (nothing in between draws from ``random``), so every sample
  but the run's first gets the phrase a generator freshly seeded with the seed gives on its
  second draw; :func:`pick_phrase` gives that phrase to every sample (the script's first sample
  gets an unseeded one). ``phrase_list`` is read from the checkout's ``t3_dataset``.
  A request without texts keeps its caption unchanged, as ``get_item`` does.

**Edit** requests use the input image ``request.images[0]`` resized to W x H (bicubic) and the
metadata polygons for the positions and glyphs (``request.mask`` is not needed: AnyText masks the
polygons' region itself). **Output**: ``num_images`` PNG files ``{sample_id}_{k}.png`` (the
script writes JPEG with OpenCV's default quality, which the OCR then reads; PNG keeps the
generated pixels). One sample is generated per call, as in the script.

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
"""

from __future__ import annotations

import contextlib
import importlib
import os
import random
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from harmonybench.errors import ImageError
from harmonybench.model import (
    GenerationContext,
    ModelAdapter,
    ModelArgError,
    parse_number,
    unsupported_outputs,
)
from harmonybench.models.hf_vlm import file_digest, resolve_dtype
from harmonybench.models.imageio import (
    Polygon,
    RequestError,
    positive_int,
    text_targets,
    write_images,
)
from harmonybench.schema import IMAGE_OUT_KINDS, Output, Request, RequestKind, short_hash

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

NUM_SAMPLES = 4
DDIM_STEPS = 20
CFG_SCALE = 9.0
ETA = 0.0
STRENGTH = 1.0
SEED = 100
IMAGE_SIZE = 512
MAX_LINES = 20
MAX_CHARS = 20
GLYPH_SCALE = 2
PLACE_HOLDER = "*"
CONTROL_SCALES = 13
"""The number of ControlNet scales ``process`` sets (``[strength] * 13``)."""

A_PROMPT = "best quality, extremely detailed"
"""``a_prompt`` of ``eval/anytext_singleGPU.py``, appended to the prompt after ``", "``."""

N_PROMPT = (
    "longbody, lowres, bad anatomy, bad hands, missing fingers, extra digit, fewer digits, "
    "cropped, worst quality, low quality, watermark"
)
"""``n_prompt`` of ``eval/anytext_singleGPU.py``, the unconditional prompt."""

POSITION_WORDS: tuple[str, str] = (" middle", " center")
"""The choice ``get_caption_pos`` draws before the connective phrase (see :func:`pick_phrase`)."""

DEFAULT_CONFIG = "models_yaml/anytext_sd15.yaml"
DEFAULT_CHECKPOINT = "models/anytext_v1.1.ckpt"
DEFAULT_FONT = "font/Arial_Unicode.ttf"
REQUIRED_FILES: tuple[str, ...] = ("cldm/model.py", "cldm/ddim_hacked.py", "t3_dataset.py")

ANYTEXT_ARGS: frozenset[str] = frozenset(
    {"checkpoint", "config", "font", "clip", "seed", "num_images", "num_inference_steps",
     "guidance_scale", "eta", "strength", "width", "height", "a_prompt", "n_prompt"}
)

_QUOTED = re.compile(r'"(.*?)"')

if TYPE_CHECKING:
    FloatArray = npt.NDArray[np.float64]


# ------------------------------------------------------------------------------ settings


@dataclass(frozen=True)
class Params:
    """The sampling parameters of one sample (names as in ``process``)."""

    num_samples: int = NUM_SAMPLES
    ddim_steps: int = DDIM_STEPS
    scale: float = CFG_SCALE
    eta: float = ETA
    strength: float = STRENGTH
    seed: int = SEED
    a_prompt: str = A_PROMPT
    n_prompt: str = N_PROMPT
    width: int = IMAGE_SIZE
    height: int = IMAGE_SIZE

    def to_json(self) -> dict[str, Any]:
        """The parameters as a plain dict (recorded in ``Output.metadata``)."""
        return dict(self.__dict__)


_RENAMES: tuple[tuple[str, str], ...] = (
    ("num_images", "num_samples"), ("num_inference_steps", "ddim_steps"),
    ("guidance_scale", "scale"), ("eta", "eta"), ("strength", "strength"), ("seed", "seed"),
    ("width", "width"), ("height", "height"), ("negative_prompt", "n_prompt"),
    ("a_prompt", "a_prompt"), ("n_prompt", "n_prompt"),
)
_INTS = frozenset({"num_samples", "ddim_steps", "width", "height"})
_FLOATS = frozenset({"scale", "eta", "strength"})


def _apply(values: dict[str, Any], source: Mapping[str, Any], what: str) -> None:
    for key, name in _RENAMES:
        if key not in source or source[key] is None:
            continue
        value = source[key]
        if name in _INTS:
            values[name] = positive_int(key, value)
        elif name in _FLOATS:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise RequestError(f"{what} {key} must be a number, got {value!r}")
            values[name] = float(value)
        elif name == "seed":
            if isinstance(value, bool) or not isinstance(value, int):
                raise RequestError(f"{what} seed must be an integer, got {value!r}")
            values[name] = value
        elif not isinstance(value, str):
            raise RequestError(f"{what} {key} must be text, got {value!r}")
        else:
            values[name] = value


def resolve_params(request: Request, overrides: Mapping[str, Any],
                   canvas: tuple[int, int] | None) -> Params:
    """The script's constants < metadata canvas < ``request.generation`` < ``overrides``.

    ``overrides["seed"] == "request"`` takes ``request.seed``.

    Raises:
        RequestError: a setting of the wrong type, or a size not a multiple of 64.
    """
    values: dict[str, Any] = {}
    if canvas is not None:
        values["width"], values["height"] = canvas
    _apply(values, request.generation, "generation")
    fixed = {k: v for k, v in overrides.items() if k != "seed" or v != "request"}
    _apply(values, fixed, "--model-arg")
    if overrides.get("seed") == "request":
        if request.seed is None:
            raise RequestError("--model-arg seed=request, but the request has no seed")
        values["seed"] = request.seed
    params = Params(**values)
    if params.width % 64 or params.height % 64:
        raise RequestError(
            f"AnyText generates sizes in multiples of 64, got {params.width}x{params.height}"
        )
    return params


def parse_overrides(args: Mapping[str, str]) -> dict[str, Any]:
    """The ``--model-arg`` settings, parsed (``seed`` may be ``request``)."""
    out: dict[str, Any] = {}
    for key in ("num_images", "num_inference_steps", "guidance_scale", "eta", "strength",
                "width", "height"):
        if key in args:
            out[key] = parse_number(key, args[key])
    for key in ("a_prompt", "n_prompt"):
        if key in args:
            out[key] = args[key]
    if "seed" in args:
        if args["seed"].strip().lower() == "request":
            out["seed"] = "request"
        else:
            seed = parse_number("seed", args["seed"])
            if not isinstance(seed, int):
                raise ModelArgError(f"--model-arg seed={args['seed']!r}: expected an integer "
                                    "or request")
            out["seed"] = seed
    return out


# ------------------------------------------------------------------------------ inputs


def pick_phrase(phrases: Sequence[str], seed: int) -> str:
    """The connective phrase the script's ``get_caption_pos`` draws after ``seed_everything``.

    A ``random.Random(seed)`` draws the position word first, then the phrase (see the module
    docstring).
    """
    if not phrases:
        raise RequestError("AnyText's phrase_list is empty")
    rng = random.Random(seed)
    rng.choice(POSITION_WORDS)
    return rng.choice(list(phrases))


def placeholders(count: int) -> str:
    """``"* , * ."`` with ``count`` placeholders (``"* ."`` for one, ``""`` for none)."""
    if count == 0:
        return ""
    return (f"{PLACE_HOLDER} , " * count)[:-2] + "."


def build_prompt(request: Request, count: int, phrases: Sequence[str], seed: int
                 ) -> tuple[str, str]:
    """The prompt with one ``*`` per line, and the rule used (see the module docstring)."""
    prompt = request.prompt or ""
    if count > 0 and prompt.count(PLACE_HOLDER) == count:
        return prompt, "placeholders"
    straight = prompt.replace("\u201c", '"').replace("\u201d", '"')
    quoted = _QUOTED.findall(straight)
    if count > 0 and len(quoted) == count:
        for text in quoted:
            straight = straight.replace(f'"{text}"', f" {PLACE_HOLDER} ", 1)
        return straight, "quotes"
    caption = (request.question if request.question is not None else prompt)
    caption = caption.replace(PLACE_HOLDER, " ")
    if count == 0:
        return caption, "caption"
    return caption + pick_phrase(phrases, seed) + placeholders(count), "caption"


def position_mask(polygon: Polygon, width: int, height: int) -> FloatArray:
    """The polygon filled into an ``H x W x 1`` float image: 1.0 inside, 0.0 outside.

    As ``draw_pos`` (``cv2.fillPoly`` with 255 on zeros, divided by 255); coordinates are
    rounded to whole pixels first (the benchmark's are integers).
    """
    import cv2
    import numpy as np

    image = np.zeros((height, width, 1))
    points = np.rint(np.asarray(polygon, dtype=np.float64)).astype(np.int32).reshape(-1, 1, 2)
    cv2.fillPoly(image, [points], color=255)
    result: FloatArray = image / 255.0
    return result


@dataclass
class AnyTextInputs:
    """Everything ``process`` needs for one sample, glyphs aside (those need the font).

    Attributes:
        prompt: the prompt with one ``*`` per line.
        prompt_rule: which rule built it (``placeholders``, ``quotes`` or ``caption``).
        texts: the lines' texts, cut to :data:`MAX_CHARS`.
        polygons: the lines' polygons in pixels of the ``width`` x ``height`` image (int32).
        positions: one ``H x W x 1`` position mask per line.
        hint: the masks' sum clipped to [0, 1].
        reference: the ``H x W x 3`` image the masked latent is made from (0-255 floats).
        params: the sampling parameters.
    """

    prompt: str
    prompt_rule: str
    texts: tuple[str, ...]
    polygons: tuple[Any, ...]
    positions: list[Any]
    hint: Any
    reference: Any
    params: Params
    extra: dict[str, Any] = field(default_factory=dict)


def _reference_image(request: Request, params: Params) -> Any:
    import numpy as np

    if request.kind != "edit":
        return np.ones((params.height, params.width, 3)) * 127.5
    if not request.images:
        raise RequestError("the edit request has no input image")
    ref = request.images[0]
    try:
        image = ref.open()
    except ImageError as exc:  # names the file
        raise RequestError(str(exc)) from exc
    from PIL import Image

    if image.size != (params.width, params.height):
        image = image.resize((params.width, params.height), Image.Resampling.BICUBIC)
    return np.asarray(image, dtype=np.float64).clip(1, 255)


def build_inputs(request: Request, phrases: Sequence[str], overrides: Mapping[str, Any]
                 ) -> AnyTextInputs:
    """The prompt, lines, position masks, hint, reference image and parameters of a request.

    Raises:
        RequestError: missing or malformed texts/polygons, settings or input image.
    """
    import numpy as np

    targets = text_targets(request)
    params = resolve_params(request, overrides, targets.canvas)
    size = (params.width, params.height)
    texts = tuple(text[:MAX_CHARS] for text in targets.texts[:MAX_LINES])
    scaled = targets.scaled(size)[:MAX_LINES]
    polygons = tuple(
        np.rint(np.asarray(p, dtype=np.float64)).astype(np.int32) for p in scaled
    )
    positions = [position_mask(p, params.width, params.height) for p in scaled]
    hint = (np.sum(positions, axis=0) if positions
            else np.zeros((params.height, params.width, 1))).clip(0, 1)
    prompt, rule = build_prompt(request, len(texts), phrases, params.seed)
    return AnyTextInputs(prompt=prompt, prompt_rule=rule, texts=texts, polygons=polygons,
                         positions=positions, hint=hint,
                         reference=_reference_image(request, params), params=params)


# ------------------------------------------------------------------------------ backend


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
            state = model_module.load_state_dict(str(self.files["checkpoint"]),
                                                 location=device)
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

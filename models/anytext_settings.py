"""AnyText's sampling settings: the evaluation's defaults and how a request and model args
override them (:class:`Params`); the adapter is :mod:`harmonybench.models.anytext`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from harmonybench.model import (
    ModelArgError,
    parse_number,
)
from harmonybench.models.imageio import (
    RequestError,
    positive_int,
)
from harmonybench.schema import Request

if TYPE_CHECKING:
    pass

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
"""The choice ``get_caption_pos`` draws before the connective phrase (see
:func:`~harmonybench.models.anytext_inputs.pick_phrase`)."""


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

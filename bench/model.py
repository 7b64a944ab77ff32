"""The model adapter interface: one batched call, plus the request kinds an adapter serves.

``harmonybench run --model ADAPTER[:LOCATION] --model-arg KEY=VALUE ...`` builds an adapter as
``cls(location, device=..., dtype=..., **args)``; argument values arrive as strings and each
adapter parses its own (the helpers below give one spelling for booleans, numbers and lists).
A unified model serves text and image kinds; a specialist serves one.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from harmonybench.errors import HarmonyBenchError
from harmonybench.schema import Output, Request, RequestKind


class ModelArgError(HarmonyBenchError):
    """A ``--model-arg`` value an adapter cannot use."""


@dataclass
class GenerationContext:
    """Where and how a batch is generated.

    Args:
        image_dir: the run folder's image directory; image-out adapters write there and
            return the paths in :attr:`Output.images`.
        rank: this process's rank (0 when not distributed).
        world_size: how many processes share the samples.
    """

    image_dir: Path
    rank: int = 0
    world_size: int = 1
    extra: dict[str, Any] = field(default_factory=dict)


class ModelAdapter(ABC):
    """A model that answers batches of requests.

    Subclasses set :attr:`name`, :attr:`kinds` and :attr:`family`, take their settings in
    ``__init__`` and implement :meth:`generate`. An adapter must answer every request: a
    request it cannot serve gets ``Output(unsupported=True)``, a sample it failed on gets
    ``Output(error=...)``. Exceptions are for whole-batch failures (the run loop then retries
    sample by sample, and halves the batch on CUDA out-of-memory).
    """

    name: ClassVar[str]
    kinds: ClassVar[frozenset[RequestKind]]
    family: str = "default"
    """The prompt family the tasks render for this adapter (``default``, ``monkey`` ...); an
    instance may change it (Monkey's ``variant=textmonkey`` selects the ``textmonkey`` one)."""
    frame: str | None = None
    """The coordinate frame the model answers boxes in (``pixel``, ``448``, ``999``, ``1000``,
    ``norm``), when it is fixed; tasks whose protocols depend on it (grounding, detection)
    headline the matching protocol variant. ``None``: unknown (the task's default applies)."""
    default_batch_size: int = 8
    """Requests per :meth:`generate` call when ``--batch-size`` is not given (an adapter that
    keeps requests in flight sets it to its concurrency: the run loop journals per batch)."""

    def __init__(
        self,
        location: str | None = None,
        *,
        device: str | None = None,
        dtype: str | None = None,
        **args: str,
    ) -> None:
        self.location = location
        self.device = device
        self.dtype = dtype
        self.args: dict[str, str] = dict(args)

    @abstractmethod
    def generate(self, requests: Sequence[Request], context: GenerationContext) -> list[Output]:
        """Answer ``requests`` in order, one :class:`Output` each."""

    def supports(self, kind: RequestKind) -> bool:
        """Whether this adapter can serve requests of ``kind``."""
        return kind in self.kinds

    @classmethod
    def declared_kinds(cls, args: Mapping[str, str]) -> frozenset[RequestKind]:
        """The kinds an adapter built with ``--model-arg`` ``args`` can serve at most, known
        before it is built (no weights loaded); once built, :meth:`supports` may narrow them.

        The run loop checks its tasks against this first, so that a task the adapter cannot
        serve fails before any model is loaded. By default :attr:`kinds`.
        """
        return cls.kinds

    def spec(self) -> dict[str, Any]:
        """What identifies this model in ``run.json`` and in the run id.

        A ``transport`` entry (where and how requests travel: a server's address, a client's
        concurrency) is written into ``run.json`` but left out of the run id
        (:func:`harmonybench.runfolder.run_id`): it does not change the answers.
        """
        return {
            "adapter": self.name,
            "location": self.location,
            "args": dict(sorted(self.args.items())),
            "dtype": self.dtype,
        }

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release the model (called once, after the last batch)."""


def unsupported_outputs(requests: Sequence[Request], adapter: str) -> list[Output]:
    """Outputs that mark each request as a kind ``adapter`` cannot serve."""
    return [
        Output(
            sample_id=r.sample_id,
            unsupported=True,
            error=f"{adapter} does not serve {r.kind!r} requests",
        )
        for r in requests
    ]


def parse_bool(key: str, value: str | bool) -> bool:
    """``true/false/1/0/yes/no/on/off`` (any case) as a bool; anything else is an error."""
    if isinstance(value, bool):
        return value
    lowered = value.strip().lower()
    if lowered in {"true", "1", "yes", "on"}:
        return True
    if lowered in {"false", "0", "no", "off"}:
        return False
    raise ModelArgError(f"--model-arg {key}={value!r}: expected true or false")


def parse_number(key: str, value: str | float) -> float | int:
    """An int when the text is one, else a float; anything else is an error."""
    if isinstance(value, int | float):
        return value
    try:
        return int(value)
    except ValueError:
        pass
    try:
        return float(value)
    except ValueError as exc:
        raise ModelArgError(f"--model-arg {key}={value!r}: expected a number") from exc


def parse_model_args(pairs: Sequence[str]) -> dict[str, str]:
    """``["k=v", ...]`` as a dict; a key given twice keeps every value, joined by commas."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ModelArgError(f"--model-arg {pair!r}: expected KEY=VALUE")
        out[key] = f"{out[key]},{value}" if key in out else value
    return out


NUMERIC_GENERATION_KEYS: frozenset[str] = frozenset({
    "max_new_tokens", "min_new_tokens", "num_beams", "top_p", "top_k", "temperature",
    "repetition_penalty", "length_penalty", "num_inference_steps", "guidance_scale",
    "num_images", "height", "width",
})
BOOLEAN_GENERATION_KEYS: frozenset[str] = frozenset({"do_sample"})
GENERATION_KEYS: frozenset[str] = NUMERIC_GENERATION_KEYS | BOOLEAN_GENERATION_KEYS
"""``--model-arg`` keys that are generation settings: the run loop puts them into every
request's ``generation`` (and ``run.json``)."""


def generation_overrides(args: Mapping[str, str]) -> dict[str, Any]:
    """The generation settings among ``args`` (numbers and booleans parsed)."""
    out: dict[str, Any] = {}
    for key, value in args.items():
        if key in NUMERIC_GENERATION_KEYS:
            out[key] = parse_number(key, value)
        elif key in BOOLEAN_GENERATION_KEYS:
            out[key] = parse_bool(key, value)
    return out

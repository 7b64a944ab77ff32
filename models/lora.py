"""Loading one or several peft LoRA adapters onto a transformers model, with weights.

The ``--model-arg lora=...`` value is parsed by :func:`parse_lora_specs`: a comma-separated list
(a repeated ``--model-arg lora=...`` arrives comma-joined, see
:func:`harmonybench.model.parse_model_args`) of ``PATH`` or ``PATH@WEIGHT`` items, for example
``lora=/ckpt/ocr-lora@0.7,/ckpt/gen-lora@0.3``. A weight is optional (default 1.0) and may be
negative; a path may not contain a comma, and an ``@`` is read as a weight separator only when
what follows it is a number.

:func:`apply_lora` then loads them:

- **one adapter with weight 1.0**: ``peft.PeftModel.from_pretrained(model, path)``, the adapter
  exactly as saved;
- **one adapter with another weight, or several adapters**: each is loaded under its own name
  (``lora0``, ``lora1``, ...) and peft's ``add_weighted_adapter`` builds a new adapter
  ``weighted`` from them, which is made the active one. The default ``combination="cat"``
  concatenates the LoRA matrices, which is *exact*: the combined update is
  ``sum_i weight_i * scaling_i * B_i @ A_i`` (ranks may differ; the combined rank is their sum).
  ``"linear"`` (same ranks only) and ``"svd"`` are peft's approximations, available for
  comparison. A single weighted adapter is always combined linearly, which is exact for one
  adapter. The source adapters stay loaded but inactive.
- ``merge=True`` folds the active adapter into the base weights (``merge_and_unload``), which
  gives a plain transformers model (outputs differ from the unmerged model by rounding only).

This is also how a Slide-LoRA-style fixed mixture of experts can be evaluated with a plain
transformers checkpoint: save each expert as a LoRA adapter and give the gate as weights
(``text@0.5,shared@0.5``).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from harmonybench.model import ModelArgError
from harmonybench.models.weights import broken_weight_file, load_errors

Combination = Literal["cat", "linear", "svd"]
COMBINATIONS: tuple[Combination, ...] = ("cat", "linear", "svd")
WEIGHTED_ADAPTER_NAME = "weighted"
"""The name of the combined adapter that :func:`apply_lora` activates."""


@dataclass(frozen=True)
class LoraSpec:
    """One LoRA adapter to load, and the weight its update is multiplied by.

    Args:
        path: a folder holding ``adapter_config.json`` and the adapter weights (or a hub id).
        weight: the factor on the adapter's update (1.0 as saved).
    """

    path: str
    weight: float = 1.0

    def to_json(self) -> dict[str, Any]:
        """How the adapter is named in ``run.json``: path, weight, adapter-config digest."""
        out: dict[str, Any] = {"path": self.path, "weight": self.weight}
        config = Path(self.path).expanduser() / "adapter_config.json"
        if config.is_file():
            out["config_sha256"] = hashlib.sha256(config.read_bytes()).hexdigest()[:16]
        return out


def parse_lora_specs(value: str, key: str = "lora") -> tuple[LoraSpec, ...]:
    """Parse ``PATH[@WEIGHT],PATH[@WEIGHT],...`` into :class:`LoraSpec` objects.

    Raises:
        ModelArgError: for an empty item or a weight that is not a finite number.
    """
    specs: list[LoraSpec] = []
    for raw in value.split(","):
        item = raw.strip()
        if not item:
            raise ModelArgError(
                f"--model-arg {key}={value!r}: empty adapter path (expected PATH or PATH@WEIGHT, "
                "comma-separated)"
            )
        path, sep, tail = item.rpartition("@")
        weight = 1.0
        if sep and path:
            try:
                weight = float(tail)
            except ValueError:
                path = item  # an '@' that is part of the path
            else:
                if not math.isfinite(weight):
                    raise ModelArgError(
                        f"--model-arg {key}: weight {tail!r} of {path!r} is not finite"
                    )
        else:
            path = item
        specs.append(LoraSpec(path=path, weight=weight))
    return tuple(specs)


def parse_combination(value: str, key: str = "lora_combination") -> Combination:
    """Check a ``lora_combination`` value (``cat``, ``linear`` or ``svd``)."""
    for name in COMBINATIONS:
        if value.strip().lower() == name:
            return name
    raise ModelArgError(f"--model-arg {key}={value!r}: expected one of {', '.join(COMBINATIONS)}")


def _check_exists(spec: LoraSpec) -> None:
    folder = Path(spec.path).expanduser()
    if folder.exists() and not (folder / "adapter_config.json").is_file():
        raise ModelArgError(
            f"--model-arg lora: {spec.path!r} has no adapter_config.json "
            "(not a peft adapter folder)"
        )


def apply_lora(
    model: Any,
    specs: Sequence[LoraSpec],
    *,
    merge: bool = False,
    combination: Combination = "cat",
) -> Any:
    """Load the adapters in ``specs`` onto ``model`` as described in the module docstring.

    Args:
        model: a transformers ``PreTrainedModel``.
        specs: the adapters and their weights (at least one).
        merge: fold the adapters into the base weights and return the plain model.
        combination: how several (or weighted) adapters are combined.

    Returns:
        A ``peft.PeftModel`` wrapping ``model`` (or, with ``merge``, the merged base model).

    Raises:
        ModelArgError: when an adapter cannot be loaded or the adapters cannot be combined.
    """
    if not specs:
        raise ModelArgError("--model-arg lora: no adapter given")
    from peft import PeftModel

    for spec in specs:
        _check_exists(spec)
    try:
        if len(specs) == 1 and specs[0].weight == 1.0:
            peft_model = PeftModel.from_pretrained(model, specs[0].path)
        else:
            names = [f"lora{i}" for i in range(len(specs))]
            peft_model = PeftModel.from_pretrained(model, specs[0].path, adapter_name=names[0])
            for name, spec in zip(names[1:], specs[1:], strict=True):
                peft_model.load_adapter(spec.path, adapter_name=name)
            peft_model.add_weighted_adapter(
                adapters=names,
                weights=[spec.weight for spec in specs],
                adapter_name=WEIGHTED_ADAPTER_NAME,
                combination_type=combination,
            )
            peft_model.set_adapter(WEIGHTED_ADAPTER_NAME)
    except load_errors() as exc:
        paths = ", ".join(spec.path for spec in specs)
        broken = next((b for b in map(broken_weight_file, (s.path for s in specs)) if b), None)
        why = (f"the weight file {broken[0]} is truncated or corrupt ({broken[1]})"
               if broken is not None else str(exc))
        raise ModelArgError(
            f"--model-arg lora: cannot load LoRA adapter(s) {paths}: {why}"
        ) from exc
    peft_model.eval()
    if merge:
        return peft_model.merge_and_unload()
    return peft_model

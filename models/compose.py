"""``compose``: a text-out model and an image-out model glued into one pipeline system.

The natural baseline a unified model must beat: two specialists behind one interface. Text
requests (vqa, recognition, grounding, detection, spotting) go to the ``text`` adapter, image
requests (t2i, edit) to the ``image`` adapter::

    --model compose --model-arg text=rapidocr --model-arg image=render
    --model-arg text.engine=tesseract      # KEY=VALUE for the text adapter (prefix "text.")
    --model-arg text=hf-vlm:/ckpt --model-arg image=diffusers:/sd --model-arg image.guidance_scale=9

Each part is built from the registry exactly as ``--model`` would build it (``ADAPTER[:LOCATION]``
plus its prefixed args); the spec records both, so runs of different pairs never share a run id.
The prompt family is the text adapter's (image tasks render their own family-independent
prompts unless the image adapter asks for one).

Two handicaps make the pipeline an honest stand-in for a unified model built from weaker
parts (:mod:`harmonybench.models.resolution`): ``text_input_scale=F`` gives the text part each
input image as seen at ``F`` times its resolution (a vision encoder with a small input), and
``image_output_scale=F`` passes the image part's outputs through ``F`` times their resolution
(an image decoder that cannot draw finer strokes). Both default to 1 (no change) and are
recorded in the spec.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from harmonybench.model import (
    GENERATION_KEYS,
    GenerationContext,
    ModelAdapter,
    ModelArgError,
    unsupported_outputs,
)
from harmonybench.models.resolution import (
    file_at_resolution,
    parse_scale,
    request_at_resolution,
)
from harmonybench.registries import MODELS
from harmonybench.schema import IMAGE_OUT_KINDS, REQUEST_KINDS, Output, Request, RequestKind

SCALE_KEYS: tuple[str, ...] = ("text_input_scale", "image_output_scale")
"""compose's own handicaps (see the module docstring)."""


def _build(role: str, target: str, args: dict[str, str], device: str | None,
           dtype: str | None) -> ModelAdapter:
    adapter, _, location = target.partition(":")
    if adapter == "compose":
        raise ModelArgError("compose: a part cannot itself be compose")
    cls = MODELS.load(adapter)
    part: ModelAdapter = cls(location or None, device=device, dtype=dtype, **args)
    return part


class ComposedModel(ModelAdapter):
    """A text-out specialist and an image-out specialist as one system."""

    name: ClassVar[str] = "compose"
    kinds: ClassVar[frozenset[RequestKind]] = frozenset(REQUEST_KINDS)

    def __init__(self, location: str | None = None, *, device: str | None = None,
                 dtype: str | None = None, **args: str) -> None:
        super().__init__(location, device=device, dtype=dtype, **args)
        if location:
            raise ModelArgError("compose takes no location; give --model-arg text=... and "
                                "--model-arg image=...")
        unknown = [k for k in args if k not in {"text", "image", *SCALE_KEYS} | GENERATION_KEYS
                   and not k.startswith(("text.", "image."))]
        if unknown:
            raise ModelArgError(f"compose: unknown --model-arg {', '.join(sorted(unknown))} "
                                "(known: text, image, text.KEY, image.KEY, "
                                f"{', '.join(SCALE_KEYS)} and generation "
                                "settings, which reach both parts through the requests)")
        if "text" not in args or "image" not in args:
            raise ModelArgError("compose needs both --model-arg text=ADAPTER[:LOCATION] and "
                                "--model-arg image=ADAPTER[:LOCATION]")
        parts = {}
        for role in ("text", "image"):
            sub = {k[len(role) + 1:]: v for k, v in args.items() if k.startswith(f"{role}.")}
            parts[role] = _build(role, args[role], sub, device, dtype)
        self.text_model, self.image_model = parts["text"], parts["image"]
        self.text_input_scale = parse_scale("text_input_scale",
                                            args.get("text_input_scale", "1"))
        self.image_output_scale = parse_scale("image_output_scale",
                                              args.get("image_output_scale", "1"))
        self.family = self.text_model.family
        self.frame = self.text_model.frame

    @staticmethod
    def role_for(kind: RequestKind) -> str:
        """``"image"`` or ``"text"``: the role of the part that gets requests of ``kind``."""
        return "image" if kind in IMAGE_OUT_KINDS else "text"

    def part_for(self, kind: RequestKind) -> ModelAdapter:
        """The part that gets requests of ``kind``."""
        return self.image_model if self.role_for(kind) == "image" else self.text_model

    @classmethod
    def declared_kinds(cls, args: Mapping[str, str]) -> frozenset[RequestKind]:
        """The kinds each named part declares, among those routed to it (nothing is built).

        Without both parts named, or with compose as a part, every kind: the constructor
        then says what is wrong.
        """
        targets = {role: args.get(role, "").partition(":")[0] for role in ("text", "image")}
        if not all(targets.values()) or cls.name in targets.values():
            return cls.kinds
        kinds: set[RequestKind] = set()
        for role, target in targets.items():
            sub = {k[len(role) + 1:]: v for k, v in args.items() if k.startswith(f"{role}.")}
            declared = MODELS.load(target).declared_kinds(sub)
            kinds.update(k for k in declared if cls.role_for(k) == role)
        return frozenset(kinds)

    def supports(self, kind: RequestKind) -> bool:
        """Whether the part that would get ``kind`` serves it."""
        return self.part_for(kind).supports(kind)

    def spec(self) -> dict[str, Any]:
        """Both parts' specs."""
        return {"adapter": self.name, "location": None, "dtype": self.dtype,
                "text": self.text_model.spec(), "image": self.image_model.spec(),
                "args": dict(sorted(self.args.items()))}

    def generate(self, requests: Sequence[Request], context: GenerationContext) -> list[Output]:
        """Each request answered by its part, in the original order."""
        by_part: dict[int, list[int]] = {}
        parts = [self.part_for(r.kind) for r in requests]
        outputs: dict[int, Output] = {}
        for i, part in enumerate(parts):
            if part.supports(requests[i].kind):
                by_part.setdefault(id(part), []).append(i)
            else:
                outputs[i] = unsupported_outputs([requests[i]], part.name)[0]
        for indices in by_part.values():
            part = parts[indices[0]]
            if part is self.text_model:
                sent = [request_at_resolution(requests[i], self.text_input_scale)
                        for i in indices]
            else:
                sent = [requests[i] for i in indices]
            answered = part.generate(sent, context)
            if part is self.image_model:
                for output in answered:
                    for path in output.images:
                        file_at_resolution(path, self.image_output_scale)
            outputs.update(zip(indices, answered, strict=True))
        return [outputs[i] for i in range(len(requests))]

    def close(self) -> None:
        """Close both parts."""
        self.text_model.close()
        self.image_model.close()

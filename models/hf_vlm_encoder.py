"""How the ``hf-vlm`` adapter builds model inputs from prompts and images: the checkpoint's
processor where it can expand the image token itself, else a fallback (tokenizer, image
processor, and the image token expanded here); the rules are described in
:mod:`harmonybench.models.hf_vlm`."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from harmonybench.model import (
    ModelArgError,
)

QWEN_LAYOUTS: frozenset[str] = frozenset({"qwen2_vl", "qwen2_5_vl"})
LLAVA_LAYOUTS: frozenset[str] = frozenset({"llava"})


def expand_image_tokens(text: str, token: str, counts: Sequence[int]) -> str:
    """Replace the i-th ``token`` in ``text`` with ``counts[i]`` copies of it.

    Raises:
        ValueError: when ``text`` holds a different number of ``token`` than ``counts``.
    """
    pieces = text.split(token)
    if len(pieces) - 1 != len(counts):
        raise ValueError(
            f"prompt has {len(pieces) - 1} {token!r} placeholders for {len(counts)} images"
        )
    out = [pieces[0]]
    for count, piece in zip(counts, pieces[1:], strict=True):
        out.append(token * count)
        out.append(piece)
    return "".join(out)


def transformers_module() -> Any:
    """The ``transformers`` module, untyped (its stubs are partial; the adapters use it as Any)."""
    return importlib.import_module("transformers")


@dataclass
class InputEncoder:
    """Builds model inputs from prompts and images: the processor or the fallback.

    Attributes:
        tokenizer: the text tokenizer (left padding is set on it).
        template_owner: the object whose chat template renders prompts, if any.
        image_token: the image placeholder string the model expects.
        plain_image: the text written for one image in the plain format.
        plain_separator: what follows the images in the plain format.
        encode: turns (texts, images per text, add_special_tokens) into a ``BatchFeature``.
        mode: ``"processor"`` or ``"fallback:<layout>"``.
    """

    tokenizer: Any
    template_owner: Any
    image_token: str
    plain_image: str
    plain_separator: str
    encode: Callable[[list[str], list[list[Any]], bool], Any]
    mode: str

    def render(self, prompt: str, n_images: int, use_chat: bool) -> tuple[str, str]:
        """The text for one request and the format used (``chat`` or ``plain``)."""
        owner = self.template_owner
        if use_chat and owner is not None and getattr(owner, "chat_template", None):
            content: list[dict[str, Any]] = [{"type": "image"} for _ in range(n_images)]
            content.append({"type": "text", "text": prompt})
            rendered = owner.apply_chat_template(
                [{"role": "user", "content": content}],
                add_generation_prompt=True,
                tokenize=False,
            )
            return str(rendered), "chat"
        head = self.plain_image * n_images
        return (f"{head}{self.plain_separator}{prompt}" if n_images else prompt), "plain"


def _processor_encoder(processor: Any, config: Any) -> InputEncoder:
    tokenizer = processor.tokenizer
    image_token = str(getattr(processor, "image_token", None) or "<image>")
    plain_image, separator = image_token, "\n"
    if getattr(config, "vision_start_token_id", None) is not None:
        start = tokenizer.convert_ids_to_tokens(int(config.vision_start_token_id))
        end = tokenizer.convert_ids_to_tokens(int(config.vision_end_token_id))
        plain_image, separator = f"{start}{image_token}{end}", ""

    def encode(texts: list[str], images: list[list[Any]], add_special: bool) -> Any:
        kwargs: dict[str, Any] = {"text": texts, "padding": True, "return_tensors": "pt",
                                  "add_special_tokens": add_special}
        if any(images):
            kwargs["images"] = images
        return processor(**kwargs)

    return InputEncoder(tokenizer, processor, image_token, plain_image, separator, encode,
                    "processor")


def _fallback_encoder(
    location: str, config: Any, trust_remote_code: bool, why: str
) -> InputEncoder:
    tf = transformers_module()
    layout = str(getattr(config, "model_type", ""))
    if layout not in QWEN_LAYOUTS | LLAVA_LAYOUTS:
        raise ModelArgError(
            f"hf-vlm: no processor loads for {location!r} ({why}); the tokenizer + image "
            f"processor fallback covers {', '.join(sorted(QWEN_LAYOUTS | LLAVA_LAYOUTS))} "
            f"models, not {layout or 'this model'}"
        )
    try:
        tokenizer = tf.AutoTokenizer.from_pretrained(location, trust_remote_code=trust_remote_code)
        image_processor = tf.AutoImageProcessor.from_pretrained(
            location, trust_remote_code=trust_remote_code
        )
    except (ImportError, OSError, ValueError) as exc:
        raise ModelArgError(
            f"hf-vlm: no processor loads for {location!r} ({why}), and neither does the "
            f"tokenizer + image processor fallback: {exc}"
        ) from exc
    token_id = getattr(config, "image_token_id", None)
    if token_id is None:
        token_id = getattr(config, "image_token_index", None)
    if token_id is None:
        raise ModelArgError(f"hf-vlm: the config of {location!r} names no image token id")
    image_token = str(tokenizer.convert_ids_to_tokens(int(token_id)))

    if layout in QWEN_LAYOUTS:
        start = tokenizer.convert_ids_to_tokens(int(config.vision_start_token_id))
        end = tokenizer.convert_ids_to_tokens(int(config.vision_end_token_id))
        plain_image, separator = f"{start}{image_token}{end}", ""
        merge = int(getattr(image_processor, "merge_size", 0)
                    or config.vision_config.spatial_merge_size)

        def counts(features: Any) -> list[int]:
            grid = features["image_grid_thw"]
            return [int(row.prod()) // (merge * merge) for row in grid]
    else:
        plain_image, separator = image_token, "\n"
        vision = config.vision_config
        patch = int(vision.patch_size)
        has_cls = "siglip" not in str(getattr(vision, "model_type", ""))
        full = getattr(config, "vision_feature_select_strategy", "default") == "full"

        def counts(features: Any) -> list[int]:
            height, width = features["pixel_values"].shape[-2:]
            n = (int(height) // patch) * (int(width) // patch) + (1 if has_cls and full else 0)
            return [n] * int(features["pixel_values"].shape[0])

    def encode(texts: list[str], images: list[list[Any]], add_special: bool) -> Any:
        flat = [img for group in images for img in group]
        data: dict[str, Any] = {}
        if flat:
            features = image_processor(images=flat, return_tensors="pt")
            per_image = counts(features)
            expanded: list[str] = []
            start = 0
            for text, group in zip(texts, images, strict=True):
                expanded.append(
                    expand_image_tokens(text, image_token, per_image[start:start + len(group)])
                )
                start += len(group)
            texts = expanded
            data.update(features)
        tokens = tokenizer(texts, padding=True, return_tensors="pt",
                           add_special_tokens=add_special)
        data.update(tokens)
        return tf.BatchFeature(data=data)

    return InputEncoder(tokenizer, tokenizer, image_token, plain_image, separator, encode,
                    f"fallback:{layout}")


def load_encoder(location: str, config: Any, trust_remote_code: bool) -> InputEncoder:
    """The model's processor when one loads, otherwise the tokenizer + image-processor fallback."""
    tf = transformers_module()
    try:
        processor = tf.AutoProcessor.from_pretrained(
            location, trust_remote_code=trust_remote_code
        )
    except (ImportError, OSError, ValueError, TypeError, KeyError) as exc:
        lines = str(exc).strip().splitlines()
        why = f"{type(exc).__name__}: {lines[0] if lines else ''}"
        return _fallback_encoder(location, config, trust_remote_code, why)
    if getattr(processor, "tokenizer", None) is None or not hasattr(processor, "image_processor"):
        return _fallback_encoder(location, config, trust_remote_code,
                                 f"AutoProcessor gave a {type(processor).__name__}")
    if hasattr(processor, "patch_size") and processor.patch_size is None:
        # A LlavaProcessor assembled from a tokenizer and an image processor alone: it does
        # not know the patch size, so it cannot expand the image token.
        return _fallback_encoder(location, config, trust_remote_code,
                                 f"{type(processor).__name__} without a patch_size")
    return _processor_encoder(processor, config)

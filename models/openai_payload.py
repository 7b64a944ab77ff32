"""What the ``openai`` adapter sends: the chat-completion body of one request.

**Messages.** One user turn: the request's images as ``image_url`` parts holding base64 PNG
data URLs (``data:image/png;base64,...``, the form the OpenAI API documents for inline images,
https://platform.openai.com/docs/guides/images-vision), then the task's rendered prompt as one
``text`` part: the same order the ``hf-vlm`` adapter gives its chat template (images, then
text), so a server applying the model's own chat template builds the same prompt. A request
without images sends its prompt as plain string content. Images are converted to RGB and
re-encoded as PNG (lossless, so the server decodes the pixels the dataset holds); with
``max_side=N`` an image whose longer side exceeds N is first scaled down (aspect kept,
bicubic), which bounds the upload size and a hosted API's image-token bill.

**Generation settings** come from the same place as ``hf-vlm``'s
(:func:`harmonybench.models.hf_vlm.generation_settings`: greedy defaults < the request's <
``--model-arg``), and map onto the API's fields:

- ``max_new_tokens`` (``max_tokens=`` is accepted as its alias) -> ``max_tokens``, or
  ``max_completion_tokens`` with ``token_field=max_completion_tokens`` (OpenAI's reasoning
  models accept only that one);
- ``do_sample=false`` (the default) -> ``temperature: 0``, which every OpenAI-compatible
  server treats as greedy decoding; ``do_sample=true`` -> the ``temperature`` setting (1.0
  when none is given) and ``top_p`` when set;
- the request's seed (a digest of the run seed and the sample id, so it does not depend on
  batching) -> ``seed``, unless ``seed=false``;
- ``stop=`` (comma-separated; ``\\n`` and ``\\t`` are read as newline and tab) -> ``stop``.

Settings the API has no field for (``num_beams`` above 1, ``top_k``, ``repetition_penalty``,
``min_new_tokens``, ...) are not sent; they are recorded in each output's
``metadata["unmapped"]`` so that a run never claims settings it did not use.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from harmonybench.schema import Request

if TYPE_CHECKING:
    from PIL import Image

MAPPED_KEYS: frozenset[str] = frozenset({"max_new_tokens", "do_sample", "temperature", "top_p"})
"""Generation settings that have an API field."""

NEUTRAL_SETTINGS: tuple[tuple[str, Any], ...] = (("num_beams", 1),)
"""Settings whose value here is what the API does anyway (not reported as unmapped)."""

TOKEN_FIELDS: tuple[str, ...] = ("max_tokens", "max_completion_tokens")


def image_data_url(image: Image.Image, max_side: int | None = None) -> str:
    """``image`` as a ``data:image/png;base64,...`` URL, scaled down to ``max_side`` first."""
    from PIL import Image as PILImage

    rgb = image.convert("RGB")
    if max_side is not None and max(rgb.size) > max_side:
        scale = max_side / max(rgb.size)
        size = (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale)))
        rgb = rgb.resize(size, PILImage.Resampling.BICUBIC)
    buffer = io.BytesIO()
    rgb.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def parse_stop(value: str) -> list[str]:
    """``stop=`` as a list: comma-separated, with ``\\n``, ``\\t`` and ``\\\\`` unescaped."""
    out: list[str] = []
    for part in value.split(","):
        text = part.replace("\\\\", "\0").replace("\\n", "\n").replace("\\t", "\t")
        text = text.replace("\0", "\\")
        if text:
            out.append(text)
    return out


def sampling_fields(settings: Mapping[str, Any], token_field: str) -> dict[str, Any]:
    """The API fields of ``settings`` (a :func:`generation_settings` result)."""
    fields: dict[str, Any] = {token_field: int(settings["max_new_tokens"])}
    if settings.get("do_sample"):
        fields["temperature"] = float(settings.get("temperature", 1.0))
        if "top_p" in settings:
            fields["top_p"] = float(settings["top_p"])
    else:
        fields["temperature"] = 0.0
    return fields


def unmapped_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The settings of ``settings`` that are not sent (see the module docstring)."""
    neutral = dict(NEUTRAL_SETTINGS)
    return {k: v for k, v in sorted(settings.items())
            if k not in MAPPED_KEYS and not (k in neutral and v == neutral[k])}


def messages(request: Request, image_urls: Sequence[str],
             detail: str | None = None) -> list[dict[str, Any]]:
    """The one user turn of ``request``: its images, then its prompt."""
    if not image_urls:
        return [{"role": "user", "content": request.prompt}]
    parts: list[dict[str, Any]] = []
    for url in image_urls:
        image: dict[str, Any] = {"url": url}
        if detail is not None:
            image["detail"] = detail
        parts.append({"type": "image_url", "image_url": image})
    parts.append({"type": "text", "text": request.prompt})
    return [{"role": "user", "content": parts}]


def chat_body(
    model: str,
    request: Request,
    image_urls: Sequence[str],
    fields: Mapping[str, Any],
    *,
    seed: bool = True,
    stop: Sequence[str] = (),
    detail: str | None = None,
) -> dict[str, Any]:
    """The JSON body of ``request``'s chat completion (``fields`` from
    :func:`sampling_fields`)."""
    body: dict[str, Any] = {"model": model, "messages": messages(request, image_urls, detail)}
    body.update(fields)
    if seed and request.seed is not None:
        body["seed"] = int(request.seed)
    if stop:
        body["stop"] = list(stop)
    return body


def sent_settings(body: Mapping[str, Any]) -> dict[str, Any]:
    """What ``body`` asks of generation (everything but the model and the messages)."""
    return {k: v for k, v in body.items() if k not in {"model", "messages"}}

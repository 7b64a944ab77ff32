"""``diffusers-inpaint``: any diffusers inpainting pipeline, for ``edit`` requests.

``harmonybench run --model diffusers-inpaint:PATH_OR_ID`` loads the pipeline with
``diffusers.AutoPipelineForInpainting.from_pretrained`` (``DiffusionPipeline`` when AutoPipeline
does not know the class; the pipeline must take ``image`` and ``mask_image``). Loading, device,
dtype, seeds, the safety checker, settings, batching, output files and model args are those of
:mod:`harmonybench.models.diffusers_t2i` (read its docstring), plus the setting ``strength``
(how much of the masked region is re-noised; the pipeline's default, 1.0 for Stable Diffusion,
when neither the request nor ``--model-arg strength=`` gives it).

**Inputs** (``kind="edit"``, the image-out contract of :mod:`harmonybench.models.imageio`): the
prompt is ``request.prompt`` (e.g. TextHarmony's ``Fill the masked part in this image with
"WINNER".``), the image ``request.images[0]`` (the masked input) and the mask ``request.mask``
(white: the region to repaint), resized to the image's size with nearest-neighbour sampling if
it differs and thresholded at 128. A request without a mask gets one rasterised from its
layout's polygons (``Request.layout.polygons``, scaled from the layout's ``width`` x ``height``
canvas to the image); one with neither gets ``Output(error=...)``, as does an image that cannot
be opened.

**Batching.** diffusers' inpainting pipelines repeat a list of ``n`` input images ``k`` times
as a whole (``[a, b, a, b]``) while they repeat prompts one by one (``[p, p, q, q]``), so a
batch of several prompts with ``num_images_per_prompt = k > 1`` would pair prompts with the
wrong images. This adapter therefore passes every list already expanded, one entry per output
image in sample-major order (prompt, image and mask each repeated ``k`` times), with
``num_images_per_prompt=1``. Requests are batched only with others of equal settings and equal
input size (the pipeline resizes every image of a batch to one size, so mixing sizes would make
a sample's result depend on its batch). Without ``height``/``width`` the adapter asks for the
input's own size rounded down to a multiple of the pipeline's ``vae_scale_factor`` (8 for
Stable Diffusion), so that the edit keeps the input's frame (the pipeline itself would default
to its UNet's native size, resizing the input); the sizes used are in
``Output.metadata["generation"]``.

The pipeline's output is returned as it comes: Stable Diffusion's inpainting pipeline decodes
the whole image through the VAE, so the unmasked region is a close reconstruction of the input,
not a copy of it (background-preservation metrics measure exactly that).
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any, ClassVar

from harmonybench.model import ModelArgError
from harmonybench.models.diffusers_t2i import IMAGE_SETTINGS, DiffusersText2Image, Prepared
from harmonybench.models.imageio import (
    RequestError,
    binary_mask,
    edit_input,
    polygons_mask,
    request_layout,
)
from harmonybench.schema import Request, RequestKind, short_hash

INPAINT_SETTINGS: frozenset[str] = IMAGE_SETTINGS | {"strength"}
"""The generation settings an edit request may carry."""


class DiffusersInpaint(DiffusersText2Image):
    """Any diffusers inpainting pipeline, for edit requests (masked image + mask)."""

    name: ClassVar[str] = "diffusers-inpaint"
    kinds: ClassVar[frozenset[RequestKind]] = frozenset({"edit"})
    auto_class: ClassVar[str] = "AutoPipelineForInpainting"
    settings_keys: ClassVar[frozenset[str]] = INPAINT_SETTINGS
    reported_defaults: ClassVar[tuple[str, ...]] = (
        "num_inference_steps", "guidance_scale", "strength"
    )

    def _check_pipeline(self, pipe: Any) -> None:
        parameters = inspect.signature(pipe.__call__).parameters
        missing = [name for name in ("prompt", "image", "mask_image") if name not in parameters]
        if missing:
            raise ModelArgError(
                f"{self.name}: {type(pipe).__name__} is not an inpainting pipeline (its call "
                f"takes no {', '.join(missing)})"
            )

    def prepare(self, index: int, request: Request) -> Prepared:
        """Check one edit request and open its image and mask (raises :class:`RequestError`)."""
        prepared = super().prepare(index, request)
        image = edit_input(request)
        if request.mask is not None:
            try:
                mask = binary_mask(request.mask.open(), image.size)
            except Exception as exc:
                raise RequestError(
                    f"cannot open mask {request.mask.describe()}: {exc}"
                ) from exc
        else:
            try:
                layout = request_layout(request)
            except RequestError as exc:
                raise RequestError(f"the edit request has no mask, and no polygons: {exc}"
                                   ) from exc
            mask = polygons_mask(image.size, layout.scaled(image.size))
        factor = int(getattr(self.pipe, "vae_scale_factor", 8) or 8)
        for key, side in (("width", image.size[0]), ("height", image.size[1])):
            if key not in prepared.settings:
                if side < factor:
                    raise RequestError(f"the input image is {image.size[0]}x{image.size[1]}, "
                                       f"smaller than the pipeline's {factor}-pixel unit")
                prepared.settings[key] = side // factor * factor
        prepared.inputs = {"image": image, "mask_image": mask}
        prepared.group = short_hash({"settings": prepared.settings, "size": list(image.size)})
        return prepared

    def call_inputs(self, members: Sequence[Prepared], count: int) -> dict[str, Any]:
        """Prompts, images and masks expanded to one entry per output image."""
        return {
            "prompt": [m.request.prompt for m in members for _ in range(count)],
            "image": [m.inputs["image"] for m in members for _ in range(count)],
            "mask_image": [m.inputs["mask_image"] for m in members for _ in range(count)],
            "num_images_per_prompt": 1,
        }

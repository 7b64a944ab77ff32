"""The ``diffusers`` and ``diffusers-inpaint`` adapters, end to end on tiny pipelines.

The pipelines come from :mod:`tinysd` (random weights, 64x64 images, 2 DDIM steps), so these
tests check the adapters' own rules: settings, batching, seeding, files, safety checker, errors.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from imagedata import write_anytext, write_textharmony_edit
from PIL import Image
from tinysd import build_tiny_inpaint, build_tiny_text2image

from harmonybench.layout import TextLayout
from harmonybench.model import GenerationContext, ModelArgError
from harmonybench.models.diffusers_inpaint import DiffusersInpaint
from harmonybench.models.diffusers_t2i import DiffusersText2Image, component_digest
from harmonybench.registries import MODELS, get_task
from harmonybench.schema import ImageRef, Request

STEPS = "2"

pytestmark = pytest.mark.slow  # builds and runs tiny pipelines: seconds, not milliseconds


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tinysd")
    return {
        "t2i": build_tiny_text2image(root / "t2i"),
        "inpaint": build_tiny_inpaint(root / "inpaint"),
        "flag": build_tiny_text2image(root / "flag", safety_checker="flag"),
    }


@pytest.fixture(scope="module")
def t2i(folders: dict[str, Path]) -> DiffusersText2Image:
    return DiffusersText2Image(str(folders["t2i"]), device="cpu", num_inference_steps=STEPS)


@pytest.fixture(scope="module")
def inpaint(folders: dict[str, Path]) -> DiffusersInpaint:
    return DiffusersInpaint(str(folders["inpaint"]), device="cpu", num_inference_steps=STEPS)


class CountingPipe:
    """Wraps a pipeline, recording the keyword arguments of every call."""

    def __init__(self, pipe: Any) -> None:
        self.pipe = pipe
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        return self.pipe(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pipe, name)


@pytest.fixture
def counting(t2i: DiffusersText2Image) -> Iterator[CountingPipe]:
    original = t2i.pipe
    wrapper = CountingPipe(original)
    t2i.pipe = wrapper
    yield wrapper
    t2i.pipe = original


def t2i_request(sample_id: str, seed: int | None, prompt: str = "a sign that says hello",
                **generation: Any) -> Request:
    return Request(sample_id=sample_id, task="anytext-t2i", kind="t2i", prompt=prompt,
                   template_id="default", template_hash="h", seed=seed,
                   generation={"num_images": 2, **generation})


def pixels(path: str) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)


def max_diff(a: str, b: str) -> int:
    return int(np.abs(pixels(a) - pixels(b)).max())


def context(tmp_path: Path, name: str) -> GenerationContext:
    return GenerationContext(image_dir=tmp_path / name)


# ------------------------------------------------------------------------ text-to-image


def test_t2i_writes_num_images_pngs_per_sample(t2i: DiffusersText2Image, tmp_path: Path
                                                ) -> None:
    outputs = t2i.generate([t2i_request("laion/001.jpg", 5), t2i_request("b", 7, "bye")],
                           context(tmp_path, "images"))
    assert [o.sample_id for o in outputs] == ["laion/001.jpg", "b"]
    first = outputs[0]
    assert first.ok
    assert [Path(p).name for p in first.images] == ["laion_001.jpg_0.png", "laion_001.jpg_1.png"]
    for path in (*first.images, *outputs[1].images):
        assert Path(path).parent == tmp_path / "images"
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert image.size == (64, 64)
    assert first.metadata["generation"] == {"num_images": 2, "num_inference_steps": 2,
                                            "guidance_scale": 7.5}
    assert first.metadata["seed"] == 5
    assert "nsfw_content_detected" not in first.metadata  # this pipeline has no checker
    assert max_diff(*first.images) > 0  # two draws of one generator differ


def test_images_do_not_depend_on_batching(t2i: DiffusersText2Image, tmp_path: Path) -> None:
    a, b = t2i_request("a", 11), t2i_request("b", 12, "other words")
    together = t2i.generate([a, b], context(tmp_path, "ab"))
    swapped = t2i.generate([b, a], context(tmp_path, "ba"))
    alone = t2i.generate([a], context(tmp_path, "a"))
    for k in range(2):
        assert max_diff(together[0].images[k], swapped[1].images[k]) <= 2
        assert max_diff(together[0].images[k], alone[0].images[k]) <= 2
        assert max_diff(together[1].images[k], swapped[0].images[k]) <= 2
    again = t2i.generate([a], context(tmp_path, "again"))
    assert max_diff(alone[0].images[0], again[0].images[0]) == 0
    other_seed = t2i.generate([t2i_request("a", 99)], context(tmp_path, "seed99"))
    assert max_diff(alone[0].images[0], other_seed[0].images[0]) > 10


def test_requests_are_batched_by_settings(t2i: DiffusersText2Image, counting: CountingPipe,
                                          tmp_path: Path) -> None:
    requests = [
        t2i_request("a", 1), t2i_request("b", 2, height=32, width=32),
        t2i_request("c", 3, negative_prompt="blurry"), t2i_request("d", 4),
    ]
    outputs = t2i.generate(requests, context(tmp_path, "groups"))
    assert len(counting.calls) == 3
    batched = counting.calls[0]
    assert batched["prompt"] == ["a sign that says hello"] * 2
    assert batched["num_images_per_prompt"] == 2
    assert len(batched["generator"]) == 4
    assert batched["generator"][0] is batched["generator"][1]  # one generator per sample
    assert batched["generator"][1] is not batched["generator"][2]
    assert [o.sample_id for o in outputs] == ["a", "b", "c", "d"]
    with Image.open(outputs[1].images[0]) as image:
        assert image.size == (32, 32)
    assert counting.calls[2]["negative_prompt"] == ["blurry"]
    assert outputs[2].metadata["generation"]["negative_prompt"] == "blurry"


def test_model_args_override_request_settings(folders: dict[str, Path], tmp_path: Path) -> None:
    adapter = DiffusersText2Image(str(folders["t2i"]), device="cpu", dtype="float32",
                                  num_inference_steps="1", num_images="1", guidance_scale="1.0",
                                  seed="42")
    assert adapter.spec()["dtype"] == "float32"
    assert str(adapter.pipe.unet.dtype) == "torch.float32"
    outputs = adapter.generate([t2i_request("a", 1), t2i_request("b", 2)],
                               context(tmp_path, "fixed"))
    assert [len(o.images) for o in outputs] == [1, 1]
    assert outputs[0].metadata["generation"] == {"num_images": 1, "num_inference_steps": 1,
                                                 "guidance_scale": 1.0}
    assert outputs[0].metadata["seed"] == outputs[1].metadata["seed"] == 42
    assert max_diff(outputs[0].images[0], outputs[1].images[0]) <= 2  # same prompt, same seed


def test_bad_requests_get_errors_and_other_kinds_are_unsupported(
    t2i: DiffusersText2Image, tmp_path: Path
) -> None:
    vqa = Request(sample_id="q", task="textvqa", kind="vqa", prompt="what?", template_id="t",
                  template_hash="h")
    outputs = t2i.generate(
        [t2i_request("empty", 1, prompt="  "), t2i_request("zero", 1, num_images=0), vqa,
         t2i_request("fine", 1, num_images=1)],
        context(tmp_path, "bad"),
    )
    assert outputs[0].error == "the request has no prompt"
    assert outputs[1].error is not None and "num_images" in outputs[1].error
    assert outputs[2].unsupported
    assert outputs[3].ok and len(outputs[3].images) == 1


def test_spec_names_the_pipeline_and_component_digests(
    t2i: DiffusersText2Image, folders: dict[str, Path]
) -> None:
    spec = t2i.spec()
    assert spec["adapter"] == "diffusers"
    assert spec["pipeline"] == "StableDiffusionPipeline"
    assert spec["safety_checker"] is False
    assert set(spec["components"]) == {"scheduler", "text_encoder", "tokenizer", "unet", "vae"}
    assert spec["components"]["unet"]["class"] == "UNet2DConditionModel"
    assert spec["components"]["unet"]["config_sha256"] == component_digest(t2i.pipe.unet)
    inpaint_spec = DiffusersInpaint(str(folders["inpaint"]), device="cpu").spec()
    assert (inpaint_spec["components"]["unet"]["config_sha256"]
            != spec["components"]["unet"]["config_sha256"])  # in_channels 9 vs 4
    assert (inpaint_spec["components"]["vae"]["config_sha256"]
            == spec["components"]["vae"]["config_sha256"])


def test_safety_checker_runs_unless_turned_off(folders: dict[str, Path], tmp_path: Path) -> None:
    checked = DiffusersText2Image(str(folders["flag"]), device="cpu", num_inference_steps="1")
    assert checked.spec()["safety_checker"] is True
    output = checked.generate([t2i_request("a", 1)], context(tmp_path, "checked"))[0]
    assert output.metadata["nsfw_content_detected"] == [True, True]
    assert pixels(output.images[0]).max() == 0  # the pipeline blacks flagged images out
    unchecked = DiffusersText2Image(str(folders["flag"]), device="cpu", num_inference_steps="1",
                                    safety_checker="false")
    assert unchecked.spec()["safety_checker"] is False
    output = unchecked.generate([t2i_request("a", 1)], context(tmp_path, "unchecked"))[0]
    assert "nsfw_content_detected" not in output.metadata
    assert pixels(output.images[0]).max() > 0


def test_falls_back_to_diffusion_pipeline(folders: dict[str, Path],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import diffusers

    monkeypatch.setattr(diffusers.AutoPipelineForText2Image, "from_pretrained", _no_class)
    adapter = DiffusersText2Image(str(folders["t2i"]), device="cpu")
    assert adapter.spec()["pipeline"] == "StableDiffusionPipeline"


def test_construction_errors(folders: dict[str, Path], tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    import diffusers

    with pytest.raises(ModelArgError, match="needs a pipeline"):
        DiffusersText2Image(None)
    with pytest.raises(ModelArgError, match="unknown --model-arg max_new_tokens"):
        DiffusersText2Image(str(folders["t2i"]), max_new_tokens="3")
    with pytest.raises(ModelArgError, match="cannot load a pipeline"):
        DiffusersText2Image(str(tmp_path / "missing"))
    with pytest.raises(ModelArgError, match="seed"):
        DiffusersText2Image(str(folders["t2i"]), seed="often")
    # the generic loader gives the text-to-image pipeline, which takes no image and mask
    monkeypatch.setattr(diffusers.AutoPipelineForInpainting, "from_pretrained", _no_class)
    with pytest.raises(ModelArgError, match="not an inpainting pipeline"):
        DiffusersInpaint(str(folders["t2i"]), device="cpu")


def _no_class(*args: Any, **kwargs: Any) -> Any:
    raise ValueError("AutoPipeline can't find a pipeline linked to this class")


def test_registered() -> None:
    assert MODELS.load("diffusers") is DiffusersText2Image
    assert MODELS.load("diffusers-inpaint") is DiffusersInpaint


# ------------------------------------------------------------------------ inpainting


def noise_image(path: Path, seed: int, size: tuple[int, int] = (64, 64)) -> Path:
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)).save(path)
    return path


def mask_image(path: Path, size: tuple[int, int] = (64, 64)) -> Path:
    mask = Image.new("L", size, 0)
    mask.paste(255, (8, 16, 56, 40))
    mask.save(path)
    return path


def edit_request(sample_id: str, seed: int, image: Path, mask: Path | None,
                 **generation: Any) -> Request:
    return Request(
        sample_id=sample_id, task="anytext-edit", kind="edit",
        prompt='Fill the masked part in this image with "WINNER".', template_id="default",
        template_hash="h", seed=seed, images=(ImageRef(path=str(image)),),
        mask=ImageRef(path=str(mask)) if mask else None,
        generation={"num_images": 2, **generation},
        layout=TextLayout(texts=("WINNER",), polygons=(((8, 16), (56, 16), (56, 40), (8, 40)),),
                          width=64, height=64, edit_text="WINNER"),
    )


def test_inpaint_batches_do_not_mix_inputs(inpaint: DiffusersInpaint, tmp_path: Path) -> None:
    mask = mask_image(tmp_path / "mask.png")
    a = edit_request("a", 1, noise_image(tmp_path / "a.png", 1), mask)
    b = edit_request("b", 2, noise_image(tmp_path / "b.png", 2), mask)
    together = inpaint.generate([a, b], context(tmp_path, "ab"))
    alone_a = inpaint.generate([a], context(tmp_path, "a"))
    alone_b = inpaint.generate([b], context(tmp_path, "b"))
    assert [len(o.images) for o in together] == [2, 2]
    for k in range(2):
        assert max_diff(together[0].images[k], alone_a[0].images[k]) <= 2
        assert max_diff(together[1].images[k], alone_b[0].images[k]) <= 2
    assert together[0].metadata["generation"]["strength"] == 1.0
    # the unmasked region stays close to each sample's own input, not the other's
    own = np.abs(pixels(together[1].images[1])[:8] - pixels(str(tmp_path / "b.png"))[:8])
    other = np.abs(pixels(together[1].images[1])[:8] - pixels(str(tmp_path / "a.png"))[:8])
    assert own.mean() < other.mean()


def test_inpaint_mask_from_polygons_sizes_and_errors(inpaint: DiffusersInpaint,
                                                     tmp_path: Path) -> None:
    image = noise_image(tmp_path / "wide.png", 3, size=(96, 64))
    outputs = inpaint.generate(
        [
            edit_request("polygon", 1, image, None, num_images=1),
            edit_request("missing", 1, tmp_path / "nope.png", None),
            Request(sample_id="nomask", task="t", kind="edit", prompt="fill", template_id="t",
                    template_hash="h", images=(ImageRef(path=str(image)),)),
            t2i_request("t2i", 1),
        ],
        context(tmp_path, "edit"),
    )
    assert outputs[0].ok
    with Image.open(outputs[0].images[0]) as result:
        assert result.size == (96, 64)
    assert outputs[1].error is not None and "cannot open image" in outputs[1].error
    assert outputs[2].error is not None and "no mask" in outputs[2].error
    assert outputs[3].unsupported


# ------------------------------------------------------------------ requests built by the tasks


def test_task_requests_reach_the_pipelines(t2i: DiffusersText2Image, inpaint: DiffusersInpaint,
                                           counting: CountingPipe, tmp_path: Path) -> None:
    """The t2i pipeline gets the prompt the task rendered from its layout (the quoted caption);
    an edit without a mask gets one rasterised from the layout's polygons, whatever the
    request's metadata says."""
    stale = {"quoted_caption": "WRONG", "polygons": [[[0, 0], [9, 0], [9, 9]]], "width": 8,
             "height": 8}
    task = get_task("anytext-t2i")
    sample = task.load(write_anytext(tmp_path / "t2i", 1))[0]
    request = dataclasses.replace(
        task.request(sample, seed=1, generation={"num_images": 1, "height": 64, "width": 64}),
        metadata=stale)
    assert request.layout is not None and request.prompt == request.layout.quoted_caption
    (output,) = t2i.generate([request], context(tmp_path, "t2i-out"))
    assert output.ok, output.error
    assert counting.calls[-1]["prompt"] == ['a poster that says "WINNER" in big letters']
    edit_task = get_task("anytext-edit", {"masked_dir": str(tmp_path / "built")})
    edit = edit_task.request(edit_task.load(write_textharmony_edit(tmp_path / "edit", 1))[0])
    prepared = inpaint.prepare(0, dataclasses.replace(edit, mask=None, metadata=stale))
    ys, xs = np.nonzero(np.asarray(prepared.inputs["mask_image"]))
    # box(60, 90, 420, 170) of the 512 x 512 layout canvas, the input's own size
    assert (xs.min(), xs.max(), ys.min(), ys.max()) == (60, 420, 90, 170)

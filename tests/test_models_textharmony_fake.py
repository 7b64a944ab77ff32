"""The ``textharmony`` adapter's calling sequence against a stand-in for the released package
(bytedance/TextHarmony f98ac34b206f).

The stand-in package written by :func:`fake_repo` has the module layout and the call
signatures the adapter uses from the release (``TextHarmony.models.TextHarmony``,
``TextHarmony.utils.load_model_weights``, ``TextHarmony.custom_datasets.wds_utils.init_tokenizer``,
``TextHarmony.custom_datasets.utils.create_transform``, the monkey patches); its model records
what it is called with and answers with fixed token ids.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from textharmony_support import BOX, make_request, write_parts

from harmonybench.layout import TextLayout
from harmonybench.model import GenerationContext, ModelArgError
from harmonybench.models.textharmony import TextHarmonyModel
from harmonybench.models.textharmony_prompts import (
    BEGIN_OF_IMAGE,
    IMAGE_TOKEN,
    build_edit_prompt,
    build_t2i_prompt,
    build_vqa_prompt,
)
from harmonybench.schema import ImageRef

S = BEGIN_OF_IMAGE + IMAGE_TOKEN * 512


# --------------------------------------------------------- the released interface (fake)

FAKE_FILES = {
    "TextHarmony/__init__.py": "",
    "TextHarmony/models/__init__.py": "from .TextHarmony import TextHarmony\n",
    "TextHarmony/models/TextHarmony.py": '''
        import torch

        INSTANCES = []

        class TextHarmony(torch.nn.Module):
            def __init__(self, **kwargs):
                super().__init__()
                self.init_kwargs = kwargs
                self.weight = torch.nn.Parameter(torch.zeros(1))
                self.calls = []
                self.loaded_from = None
                INSTANCES.append(self)

            def generate(self, mode="generate_images", **kwargs):
                self.calls.append((mode, kwargs, torch.rand(1).item()))
                if mode == "generate_texts":
                    ids = [ord(c) + 3 for c in " Paris "] + [2, 32000, 70]
                    return {"text_ids": torch.tensor([ids])}
                n = kwargs["num_validation_images"]
                return {"image": torch.full((n, 3, 4, 6), 0.5)}
    ''',
    "TextHarmony/models/utils/__init__.py": "",
    "TextHarmony/models/utils/monkey_patch/__init__.py": '''
        APPLIED = []

        def replace_beam_search():
            APPLIED.append("beam_search")

        def replace_blip2_attn_with_qknorm_attn():
            APPLIED.append("qknorm")

        def replace_stable_diffusion_unet_forward():
            APPLIED.append("unet")

        def replace_stable_diffusion_pipeline_call():
            APPLIED.append("pipeline")
    ''',
    "TextHarmony/custom_datasets/__init__.py": "",
    "TextHarmony/custom_datasets/utils.py": '''
        import numpy as np

        def create_transform(aug_type="numpy", resolution=224, **kwargs):
            def transform(image):
                arr = np.asarray(image.resize((resolution, resolution)), dtype=np.float32)
                return arr.transpose(2, 0, 1) / 255.0
            transform.resolution = resolution
            return transform
    ''',
    "TextHarmony/custom_datasets/wds_utils.py": '''
        import numpy as np

        SPECIAL = {"<|beginofimage|>": 32000, "<|image|>": 32001}

        class Tokenizer:
            def __init__(self, path):
                self.path = path
                self.padding_side = "left"
                self.calls = []

            def encode(self, text):
                ids, i = [1], 0
                while i < len(text):
                    for token, token_id in SPECIAL.items():
                        if text.startswith(token, i):
                            ids.append(token_id)
                            i += len(token)
                            break
                    else:
                        ids.append(ord(text[i]) + 3)
                        i += 1
                return ids

            def __call__(self, text, **kwargs):
                self.calls.append((text, self.padding_side, kwargs))
                ids = self.encode(text)
                return {"input_ids": np.array([ids]), "attention_mask": np.ones((1, len(ids)), int)}

            def decode(self, ids, skip_special_tokens=False):
                names = {v: k for k, v in SPECIAL.items()}
                names.update({1: "<s>", 2: "</s>", 31999: "<unk>"})
                out = []
                for t in ids:
                    t = int(t)
                    if t in names:
                        if not skip_special_tokens:
                            out.append(names[t])
                    else:
                        out.append(chr(t - 3))
                return "".join(out)

        def init_tokenizer(tokenizer_path, add_grounding_special_tokens=False):
            return Tokenizer(tokenizer_path)
    ''',
    "TextHarmony/utils/__init__.py": '''
        def load_model_weights(model, ckpt_path, image_upscale=1.0, use_lora=False, vit_lora=False):
            model.loaded_from = (ckpt_path, image_upscale)
    ''',
    "TextHarmony/configs/release/896-moe-eval.yaml": '''
        load_from: /somewhere/pytorch_model.bin
        image_upscale: 1
        model:
          llm_model_path: &tokenizer_path ./assets/lmsys/vicuna-13b-v1.3
          num_img_token: &img_len 512
          visual_tokenizer_config:
            encoder_model_path: ./assets/openai/clip-vit-large-patch14
            image_size: 896
          moe_config:
            moe_lora_num_experts: 3
            task_num: 3
        inference:
          tokenizer_path: *tokenizer_path
          num_img_token: *img_len
          transform:
            aug_type: numpy
            resolution: 16
          generation_kwargs:
            max_length: 30
            min_length: 1
            num_beams: 5
            use_nucleus_sampling: True
            repetition_penalty: 1.3
            guidance_scale: 7.5
            num_inference_steps: 30
            num_validation_images: 1
    ''',
}


@pytest.fixture()
def fake_repo(tmp_path: Path) -> Iterator[Path]:
    """A stand-in checkout with the released package layout; forgotten again afterwards."""
    repo = tmp_path / "TextHarmony-repo"
    for name, text in FAKE_FILES.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    (repo / "assets" / "lmsys" / "vicuna-13b-v1.3").mkdir(parents=True)
    write_parts(tmp_path / "ckpt")
    saved_path = list(sys.path)
    yield repo
    sys.path[:] = saved_path
    for name in [m for m in sys.modules if m == "TextHarmony" or m.startswith("TextHarmony.")]:
        del sys.modules[name]


def png_ref(color: tuple[int, int, int] = (10, 20, 30)) -> ImageRef:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), color).save(buffer, format="PNG")
    return ImageRef(data=buffer.getvalue(), name="q.png")


def harmony(repo: Path, **args: str) -> TextHarmonyModel:
    return TextHarmonyModel(str(repo), checkpoint=str(repo.parent / "ckpt"), device="cpu", **args)


def test_vqa_through_the_released_interface(fake_repo: Path, tmp_path: Path) -> None:
    adapter = harmony(fake_repo)
    context = GenerationContext(image_dir=tmp_path / "images")
    request = make_request("vqa", images=(png_ref(),), generation={"max_new_tokens": 12})
    out = adapter.generate([request], context)[0]
    assert out.ok and out.text == "Paris"  # cut at </s>, stripped
    assert out.template_id == "textharmony/vqa@f98ac34"
    loaded = adapter.load()
    model = loaded.model
    assert str(fake_repo) in sys.path
    from TextHarmony.models.utils.monkey_patch import APPLIED  # the stand-in's record

    assert APPLIED == ["beam_search", "qknorm", "unet", "pipeline"]
    assert model.loaded_from == (str(tmp_path / "ckpt" / "pytorch_model.bin"), 1)
    llm_path = model.init_kwargs["llm_model_path"]
    assert llm_path == str((fake_repo / "assets/lmsys/vicuna-13b-v1.3").resolve())
    assert model.init_kwargs["visual_tokenizer_config"].image_size == 896
    encoder_path = model.init_kwargs["visual_tokenizer_config"].encoder_model_path
    assert encoder_path == str(fake_repo.resolve() / "assets/openai/clip-vit-large-patch14")
    assert loaded.tokenizer.path == llm_path
    text, side, kwargs = loaded.tokenizer.calls[0]
    assert text == build_vqa_prompt("What is written?")
    assert side == "right" and kwargs["padding"] == "do_not_pad" and kwargs["max_length"] == 2048
    mode, call, _ = model.calls[0]
    assert mode == "generate_texts" and call["meta"] == {"task_id": 1}
    assert tuple(call["image_tensors"].shape) == (1, 3, 16, 16)
    assert call["num_image_per_seq"].tolist() == [1] and call["target_image_idxs"].tolist() == [0]
    assert call["max_length"] == 12 and call["num_beams"] == 5  # request over config
    assert call["use_nucleus_sampling"] is True and call["repetition_penalty"] == 1.3
    assert out.metadata["gate"] == [0.0, 0.5, 0.5]


def test_text_seed_is_set_per_sample(fake_repo: Path, tmp_path: Path) -> None:
    context = GenerationContext(image_dir=tmp_path)
    plain = make_request("vqa", images=(png_ref(),))
    seeded = make_request("vqa", images=(png_ref(),), seed=5)
    fixed = harmony(fake_repo)
    out = fixed.generate([plain, seeded, plain], context)
    draws = [c[2] for c in fixed.load().model.calls]
    assert draws[0] == draws[1] == draws[2]  # 32 before every sample, whatever request.seed
    assert [o.metadata["seed"] for o in out] == [32, 32, 32]
    per_request = harmony(fake_repo, seed="request")
    out = per_request.generate([plain, seeded], context)
    draws = [c[2] for c in per_request.load().model.calls]
    assert draws[0] != draws[1] and [o.metadata["seed"] for o in out] == [32, 5]
    assert harmony(fake_repo, seed="7").generate([seeded], context)[0].metadata["seed"] == 7


def test_seed_arg_rejected() -> None:
    with pytest.raises(ModelArgError, match="seed='x'"):
        TextHarmonyModel("/repo", checkpoint="/c.bin", seed="x")


def test_t2i_and_edit_write_images(fake_repo: Path, tmp_path: Path) -> None:
    adapter = harmony(fake_repo, num_images="2")
    context = GenerationContext(image_dir=tmp_path / "images")
    t2i = make_request("t2i", sample_id="gen/1", question='A sign of "OPEN"')
    edit = make_request("edit", sample_id="e1", question="ignored", images=(png_ref(),),
                        layout=TextLayout(texts=("WINNER",), polygons=(BOX,), width=512,
                                          height=512, edit_text="WINNER"))
    outputs = adapter.generate([t2i, edit], context)
    assert all(o.ok for o in outputs)
    assert [Path(p).name for p in outputs[1].images] == ["e1_0.png", "e1_1.png"]
    first = Path(outputs[0].images[0])
    assert first.parent == tmp_path / "images" and "/" not in first.name[:-4]
    from PIL import Image

    with Image.open(first) as saved:
        assert saved.size == (6, 4) and saved.getpixel((0, 0)) == (128, 128, 128)
    calls = adapter.load().model.calls
    texts = [c[0] for c in adapter.load().tokenizer.calls]
    assert texts == [build_t2i_prompt('A sign of "OPEN"'), build_edit_prompt("WINNER")]
    for mode, call, _ in calls:
        assert mode == "generate_images" and call["meta"] == {"task_id": 0}
        assert call["num_image_per_seq"].tolist() == [2]
        assert call["target_image_idxs"].tolist() == [1]
        assert call["num_validation_images"] == 2 and call["guidance_scale"] == 7.5
    # T2I: both inputs are the blank placeholder; editing: the masked image, then the blank
    assert float(calls[0][1]["image_tensors"].abs().sum()) == 0.0
    assert float(calls[1][1]["image_tensors"][0].sum()) > 0.0
    assert float(calls[1][1]["image_tensors"][1].sum()) == 0.0
    assert outputs[0].template_id == "textharmony/t2i@f98ac34"
    assert outputs[1].template_id == "textharmony/edit@f98ac34"


def test_forced_gate_reaches_the_model(fake_repo: Path, tmp_path: Path) -> None:
    adapter = harmony(fake_repo, gate="shared")
    context = GenerationContext(image_dir=tmp_path)
    out = adapter.generate([make_request("t2i", question="c"),
                            make_request("vqa", images=(png_ref(),))], context)
    assert [c[1]["meta"] for c in adapter.load().model.calls] == [{"task_id": 2}] * 2
    assert out[1].metadata["gate"] == [0.0, 0.0, 0.5]


def test_sample_failures_are_recorded(fake_repo: Path, tmp_path: Path) -> None:
    adapter = harmony(fake_repo)
    context = GenerationContext(image_dir=tmp_path)
    out = adapter.generate([
        make_request("vqa", images=()),
        make_request("vqa", question=None, images=(png_ref(),)),
        make_request("vqa", images=(ImageRef(data=b"junk", name="junk.png"),)),
        make_request("vqa", images=(png_ref(),)),
    ], context)
    assert [o.error is not None for o in out] == [True, True, True, False]
    assert "question" in (out[1].error or "")
    assert out[3].text == "Paris"



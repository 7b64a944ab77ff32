"""The ``anytext`` adapter, against a stand-in for the released code (tyxsspa/AnyText 3d4a260).

AnyText's code needs CUDA, its own environment and a 5.7 GB checkpoint, so the adapter's own
logic is tested here: the prompt rules, the position masks, the glyph calls, the parameters,
the conditioning dicts and the sampler call, seeding and the files written. The stand-in
checkout written by :func:`fake_repo` has the released module layout (``cldm/model.py``,
``cldm/ddim_hacked.py``, ``t3_dataset.py``, ``models_yaml/``, ``font/``, ``models/``) and the
released call signatures; its model records every call in ``cldm.model.CALLS``.
"""

from __future__ import annotations

import random
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from harmonybench.layout import TextLayout
from harmonybench.model import GenerationContext, ModelArgError
from harmonybench.models.anytext import AnyTextModel
from harmonybench.models.anytext_inputs import (
    build_prompt,
    pick_phrase,
    position_mask,
)
from harmonybench.models.anytext_settings import A_PROMPT, N_PROMPT
from harmonybench.prompt_rules import anytext_placeholders as placeholders
from harmonybench.registries import MODELS
from harmonybench.schema import ImageRef, Request

MODEL_PY = '''
import os
import torch
import torch.nn.functional as F

CALLS = []


class FakeControlLDM(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))
        self.control_scales = None

    def encode_first_stage(self, x):
        CALLS.append(("encode", x.detach().clone()))
        return {"posterior": x}

    def get_first_stage_encoding(self, posterior):
        x = posterior["posterior"]
        return F.avg_pool2d(x.mean(1, keepdim=True).repeat(1, 4, 1, 1), 8)

    def get_learned_conditioning(self, cond):
        CALLS.append(("cond", cond))
        return {"cond": cond}

    def decode_first_stage(self, z):
        return torch.tanh(F.interpolate(z[:, :3], scale_factor=8))


def create_model(config_path, cond_stage_path=None, use_fp16=False):
    CALLS.append(("create", config_path, cond_stage_path, use_fp16, os.getcwd()))
    return FakeControlLDM()


def load_state_dict(ckpt_path, location="cpu"):
    CALLS.append(("load", ckpt_path, location))
    return {"weight": torch.zeros(1)}
'''

DDIM_PY = '''
import torch
from cldm.model import CALLS


class DDIMSampler:
    def __init__(self, model, schedule="linear", **kwargs):
        self.model = model

    def sample(self, S, batch_size, shape, conditioning=None, verbose=True, eta=0.0,
               unconditional_guidance_scale=1.0, unconditional_conditioning=None, **kwargs):
        CALLS.append(("sample", S, batch_size, shape, verbose, eta,
                      unconditional_guidance_scale, unconditional_conditioning is not None,
                      self.model.control_scales))
        return torch.randn(batch_size, *shape), {}
'''

T3_PY = '''
import numpy as np
from cldm.model import CALLS

phrase_list = [", phrase zero ", ", phrase one ", ", phrase two ", ", phrase three "]


def draw_glyph(font, text):
    CALLS.append(("draw_glyph", font, text))
    return np.zeros((80, 512, 1))


def draw_glyph2(font, text, polygon, vertAng=10, scale=1, width=512, height=512,
                add_space=True):
    CALLS.append(("draw_glyph2", text, polygon.copy(), scale, width, height))
    return np.ones((height * scale, width * scale, 1))
'''

MODULES = ("cldm", "cldm.model", "cldm.ddim_hacked", "t3_dataset")


def write_repo(root: Path) -> Path:
    from matplotlib import font_manager

    (root / "cldm").mkdir(parents=True)
    (root / "cldm" / "__init__.py").write_text("", encoding="utf-8")
    (root / "cldm" / "model.py").write_text(MODEL_PY, encoding="utf-8")
    (root / "cldm" / "ddim_hacked.py").write_text(DDIM_PY, encoding="utf-8")
    (root / "t3_dataset.py").write_text(T3_PY, encoding="utf-8")
    (root / "models_yaml").mkdir()
    (root / "models_yaml" / "anytext_sd15.yaml").write_text("model: {}\n", encoding="utf-8")
    (root / "models").mkdir()
    (root / "models" / "anytext_v1.1.ckpt").write_bytes(b"stand-in checkpoint")
    (root / "font").mkdir()
    shutil.copyfile(font_manager.findfont("DejaVu Sans"), root / "font" / "Arial_Unicode.ttf")
    return root


def forget(root: Path) -> None:
    for name in MODULES:
        sys.modules.pop(name, None)
    while str(root) in sys.path:
        sys.path.remove(str(root))


@pytest.fixture
def fake_repo(tmp_path: Path) -> Iterator[Path]:
    root = write_repo(tmp_path / "AnyText").resolve()
    forget(root)
    yield root
    forget(root)


def calls(kind: str) -> list[Any]:
    from cldm.model import CALLS  # the stand-in's record

    return [c for c in CALLS if c[0] == kind]


def clear_calls() -> None:
    from cldm.model import CALLS

    CALLS.clear()


POLYGONS = [[[209, 426], [209, 380], [438, 380], [438, 426]], [[10, 10], [100, 10], [100, 40]]]


def t2i(sample_id: str = "001253546.jpg", prompt: str = "caption * , * .",
        texts: list[str] | None = None, polygons: list[Any] | None = None,
        **generation: Any) -> Request:
    return Request(
        sample_id=sample_id, task="anytext-t2i", kind="t2i", prompt=prompt,
        question="best of home advisor", template_id="anytext", template_hash="h", seed=7,
        generation=generation,
        metadata={"img_name": "001253546.jpg"},
        layout=TextLayout(texts=tuple(texts if texts is not None else ["WINNER", "home"]),
                          polygons=tuple(polygons if polygons is not None else POLYGONS),
                          width=512, height=512, caption="best of home advisor"),
    )


# ------------------------------------------------------------------------ pure input building


def test_placeholders() -> None:
    assert placeholders(0) == ""
    assert placeholders(1) == "* ."
    assert placeholders(3) == "* , * , * ."


def test_pick_phrase_follows_the_scripts_draws() -> None:
    phrases = [f", phrase {i} " for i in range(10)]
    for seed in (100, 0, 12345):
        random.seed(seed)  # the script: seed_everything(seed), then get_caption_pos draws
        random.choice([" middle", " center"])
        expected = random.choice(phrases)
        assert pick_phrase(phrases, seed) == expected


def test_prompt_rules() -> None:
    phrases = [", reads ", ", says "]
    own, rule = build_prompt(t2i(prompt="a sign, that reads * , * ."), 2, phrases, 100)
    assert (own, rule) == ("a sign, that reads * , * .", "placeholders")
    quoted, rule = build_prompt(
        t2i(prompt='Fill the masked part in this image with \u201cWIN\u201d and "home".'), 2,
        phrases, 100)
    assert rule == "quotes"
    assert quoted == "Fill the masked part in this image with  *  and  * ."
    built, rule = build_prompt(t2i(prompt="no quotes here"), 2, phrases, 100)
    assert rule == "caption"
    assert built == "best of home advisor" + pick_phrase(phrases, 100) + "* , * ."
    starred = Request(sample_id="s", task="t", kind="t2i", prompt="x", template_id="t",
                      template_hash="h", question="5* hotel")
    assert build_prompt(starred, 1, phrases, 1)[0].startswith("5  hotel, ")
    assert build_prompt(starred, 0, phrases, 1) == ("5  hotel", "caption")


def test_position_mask_fills_the_polygon_with_its_edges() -> None:
    mask = position_mask([(10, 10), (20, 10), (20, 15), (10, 15)], 32, 24)
    assert mask.shape == (24, 32, 1)
    assert mask.dtype == np.float64
    assert set(np.unique(mask)) == {0.0, 1.0}
    assert mask.sum() == 11 * 6  # rows 10..15, columns 10..20: cv2.fillPoly includes edges
    assert mask[10, 10, 0] == 1.0 and mask[16, 10, 0] == 0.0


# ------------------------------------------------------------------------ through the interface


def test_t2i_through_the_released_interface(fake_repo: Path, tmp_path: Path) -> None:
    adapter = AnyTextModel(str(fake_repo), device="cpu")
    created = calls("create")[0]
    assert created[1] == str(fake_repo / "models_yaml" / "anytext_sd15.yaml")
    assert created[4] == str(fake_repo)  # loaded inside the checkout (relative paths)
    assert calls("load")[0][1:] == (str(fake_repo / "models" / "anytext_v1.1.ckpt"), "cpu")
    clear_calls()
    output = adapter.generate([t2i("laion/1")], GenerationContext(image_dir=tmp_path))[0]
    assert output.ok
    assert [Path(p).name for p in output.images] == [f"laion_1_{k}.png" for k in range(4)]
    with Image.open(output.images[0]) as image:
        assert image.size == (512, 512) and image.mode == "RGB"
    assert output.metadata["prompt_rule"] == "placeholders"
    assert output.template_id is None  # the task's own prompt, as rendered
    assert output.metadata["params"]["ddim_steps"] == 20

    cond, un_cond = (c[1] for c in calls("cond"))
    assert cond["c_crossattn"] == [["caption * , * ., " + A_PROMPT] * 4]
    assert un_cond["c_crossattn"] == [[N_PROMPT] * 4]
    info = cond["text_info"]
    assert info["n_lines"] == [2, 2, 2, 2]
    assert len(info["positions"]) == len(info["glyphs"]) == len(info["gly_line"]) == 2
    first = info["positions"][0]
    assert tuple(first.shape) == (4, 1, 512, 512)
    assert float(first[0, 0, 400, 300]) == 1.0 and float(first[0, 0, 300, 300]) == 0.0
    assert float(first[0].sum()) == (438 - 209 + 1) * (426 - 380 + 1)
    hint = cond["c_concat"][0]
    assert tuple(hint.shape) == (4, 1, 512, 512)
    assert float(hint.max()) == 1.0
    assert tuple(info["glyphs"][0].shape) == (4, 1, 1024, 1024)
    assert tuple(info["masked_x"].shape) == (4, 4, 64, 64)
    encoded = calls("encode")[0][1]
    assert tuple(encoded.shape) == (1, 3, 512, 512)
    assert float(encoded.abs().max()) == 0.0  # 127.5 grey maps to 0 in [-1, 1]

    glyph2 = calls("draw_glyph2")
    assert [g[1] for g in glyph2] == ["WINNER", "home"]
    assert glyph2[0][2].dtype == np.int32
    assert glyph2[0][2].tolist() == POLYGONS[0]
    assert glyph2[0][3:] == (2, 512, 512)
    assert [g[2] for g in calls("draw_glyph")] == ["WINNER", "home"]
    sample = calls("sample")[0]
    assert sample[1:8] == (20, 4, (4, 64, 64), False, 0.0, 9.0, True)
    assert sample[8] == [1.0] * 13


def test_same_request_same_images_and_seed_settings(fake_repo: Path, tmp_path: Path) -> None:
    adapter = AnyTextModel(str(fake_repo), device="cpu")
    a = adapter.generate([t2i("a")], GenerationContext(image_dir=tmp_path / "a"))[0]
    b = adapter.generate([t2i("a")], GenerationContext(image_dir=tmp_path / "b"))[0]
    assert Path(a.images[2]).read_bytes() == Path(b.images[2]).read_bytes()
    assert a.metadata["params"]["seed"] == 100
    other = adapter.generate([t2i("a", seed=5)], GenerationContext(image_dir=tmp_path / "c"))[0]
    assert other.metadata["params"]["seed"] == 5
    assert Path(a.images[0]).read_bytes() != Path(other.images[0]).read_bytes()
    per_request = AnyTextModel(str(fake_repo), device="cpu", seed="request")
    got = per_request.generate([t2i("a", seed=5)], GenerationContext(image_dir=tmp_path / "d"))
    assert got[0].metadata["params"]["seed"] == 7  # the request's own seed


def test_settings_from_request_and_model_args(fake_repo: Path, tmp_path: Path) -> None:
    adapter = AnyTextModel(str(fake_repo), device="cpu", guidance_scale="5",
                           a_prompt="sharp")
    clear_calls()
    output = adapter.generate(
        [t2i(num_images=1, num_inference_steps=30, guidance_scale=7.5, width=256, height=256,
             negative_prompt="blurry")],
        GenerationContext(image_dir=tmp_path),
    )[0]
    assert len(output.images) == 1
    assert calls("sample")[0][1:7] == (30, 1, (4, 32, 32), False, 0.0, 5.0)
    cond, un_cond = (c[1] for c in calls("cond"))
    assert cond["c_crossattn"] == [["caption * , * ., sharp"]]
    assert un_cond["c_crossattn"] == [["blurry"]]
    position = cond["text_info"]["positions"][0]
    assert tuple(position.shape) == (1, 1, 256, 256)  # polygons scaled from the 512 canvas
    assert float(position[0, 0, 200, 150]) == 1.0


def test_edit_masks_the_input_image(fake_repo: Path, tmp_path: Path) -> None:
    Image.new("RGB", (256, 256), (255, 0, 0)).save(tmp_path / "masked.png")
    request = Request(
        sample_id="e", task="anytext-edit", kind="edit",
        prompt='Fill the masked part in this image with "WINNER".', template_id="default",
        template_hash="h", images=(ImageRef(path=str(tmp_path / "masked.png")),),
        layout=TextLayout(texts=("WINNER",), polygons=(POLYGONS[0],), width=512, height=512,
                          caption="a poster", edit_text="WINNER"),
    )
    adapter = AnyTextModel(str(fake_repo), device="cpu")
    clear_calls()
    output = adapter.generate([request], GenerationContext(image_dir=tmp_path / "out"))[0]
    assert output.ok and output.metadata["prompt_rule"] == "quotes"
    assert output.template_id == "anytext-adapter:quotes" and output.template_hash
    assert calls("cond")[0][1]["c_crossattn"] == [
        ["Fill the masked part in this image with  * ., " + A_PROMPT] * 4
    ]
    encoded = calls("encode")[0][1][0]  # the input, resized to 512, in [-1, 1], text masked
    assert float(encoded[0, 10, 10]) == pytest.approx(1.0)
    assert float(encoded[1, 10, 10]) == pytest.approx(2 / 255 - 1)  # clipped to [1, 255]
    assert float(encoded[:, 400, 300].abs().max()) == 0.0


def test_lines_and_characters_are_capped(fake_repo: Path, tmp_path: Path) -> None:
    texts = [f"line{i}" for i in range(21)] + ["x" * 25]
    polygons = [[[0, 0], [50, 0], [50, 20], [0, 20]]] * 22
    adapter = AnyTextModel(str(fake_repo), device="cpu")
    clear_calls()
    small = {"width": 128, "height": 128, "num_images": 1}  # 20 lines of 2x glyphs are big
    output = adapter.generate(
        [t2i(prompt="plain caption", texts=texts, polygons=polygons, **small)],
        GenerationContext(image_dir=tmp_path))[0]
    assert output.metadata["texts"] == texts[:20]
    assert calls("cond")[0][1]["text_info"]["n_lines"] == [20]
    assert output.metadata["prompt"].endswith(placeholders(20))
    long = adapter.generate([t2i(prompt="c *", texts=["y" * 25], polygons=polygons[:1], **small)],
                            GenerationContext(image_dir=tmp_path))[0]
    assert long.metadata["texts"] == ["y" * 20]


def test_request_errors(fake_repo: Path, tmp_path: Path) -> None:
    adapter = AnyTextModel(str(fake_repo), device="cpu")
    no_layout = Request(sample_id="n", task="t", kind="t2i", prompt="a 'b'", template_id="t",
                        template_hash="h", metadata={"texts": ["b"], "polygons": POLYGONS[:1]})
    outputs = adapter.generate(
        [no_layout, t2i(width=500), t2i(),
         Request(sample_id="q", task="t", kind="vqa", prompt="?", template_id="t",
                 template_hash="h")],
        GenerationContext(image_dir=tmp_path),
    )
    # metadata keys are no contract: without a layout there is nothing to render
    assert outputs[0].error is not None and "has no layout" in outputs[0].error
    assert outputs[1].error is not None and "multiples of 64" in outputs[1].error
    assert outputs[2].ok
    assert outputs[3].unsupported


def test_missing_pieces_are_named(fake_repo: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelArgError, match="needs the released code"):
        AnyTextModel(None)
    with pytest.raises(ModelArgError, match=r"not a checkout of tyxsspa/AnyText \(t3_dataset"):
        bare = tmp_path / "bare"
        (bare / "cldm").mkdir(parents=True)
        (bare / "cldm" / "model.py").write_text("", encoding="utf-8")
        (bare / "cldm" / "ddim_hacked.py").write_text("", encoding="utf-8")
        AnyTextModel(str(bare))
    (fake_repo / "font" / "Arial_Unicode.ttf").rename(fake_repo / "font" / "other.ttf")
    with pytest.raises(ModelArgError, match="does not ship its font"):
        AnyTextModel(str(fake_repo))
    with pytest.raises(ModelArgError, match=r"checkpoint .*missing"):
        AnyTextModel(str(fake_repo), font=str(fake_repo / "font" / "other.ttf"),
                     checkpoint=str(tmp_path / "none.ckpt"))
    (fake_repo / "t3_dataset.py").write_text("import not_installed_module\n", encoding="utf-8")
    with pytest.raises(ModelArgError, match=r"cannot import t3_dataset.*not_installed_module"):
        AnyTextModel(str(fake_repo), font=str(fake_repo / "font" / "other.ttf"))
    with pytest.raises(ModelArgError, match="unknown --model-arg"):
        AnyTextModel(str(fake_repo), ddim_steps="3")


def test_spec_and_registry(fake_repo: Path) -> None:
    spec = AnyTextModel(str(fake_repo), device="cpu", clip="/local/clip").spec()
    assert calls("create")[-1][2] == "/local/clip"
    assert spec["adapter"] == "anytext"
    assert spec["checkpoint"] == {"name": "anytext_v1.1.ckpt", "bytes": 19}
    assert len(spec["font_sha256"]) == 16
    assert spec["defaults"]["scale"] == 9.0 and spec["defaults"]["num_samples"] == 4
    assert MODELS.load("anytext") is AnyTextModel
    assert AnyTextModel.family == "anytext"

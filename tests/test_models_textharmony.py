"""The ``textharmony`` adapter: prompts, Slide-LoRA gate, parsing, checkpoints, and the calling
sequence against a stand-in for the released package (bytedance/TextHarmony f98ac34b206f).

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
from typing import Any

import pytest

from harmonybench.layout import TextLayout
from harmonybench.model import GenerationContext, ModelArgError
from harmonybench.models.textharmony import TextHarmonyModel
from harmonybench.models.textharmony_checkpoint import concatenate_parts, resolve_checkpoint
from harmonybench.models.textharmony_generation import (
    clean_text,
    cut_at_stop,
    effective_generation,
    image_file_name,
    tensor_to_images,
    translate_generation,
)
from harmonybench.models.textharmony_prompts import (
    BEGIN_OF_IMAGE,
    IMAGE_TOKEN,
    build_edit_prompt,
    build_t2i_prompt,
    build_vqa_prompt,
    gate_task_id,
    gate_vector,
    parse_gate,
    strip_image_spaces,
    task_id_for,
)
from harmonybench.schema import ImageRef, Request

S = BEGIN_OF_IMAGE + IMAGE_TOKEN * 512


# ------------------------------------------------------------------------------ prompts


def test_vqa_prompt_matches_evaluate_py() -> None:
    prompt = build_vqa_prompt("What is the brand?")
    assert prompt == (
        "Based on the image, please answer the question." + S + "What is the brand? The answer is:"
    )
    assert prompt.count(IMAGE_TOKEN) == 512 and prompt.count(BEGIN_OF_IMAGE) == 1


def test_vqa_prompt_whitespace_cleanup_is_one_pass() -> None:
    # one replace pass per pattern: one leading space of the question goes, a second stays
    assert build_vqa_prompt(" x").endswith(IMAGE_TOKEN + "x The answer is:")
    assert build_vqa_prompt("  x").endswith(IMAGE_TOKEN + " x The answer is:")
    assert build_vqa_prompt("x", num_image_tokens=2) == (
        "Based on the image, please answer the question.<|beginofimage|><|image|><|image|>"
        "x The answer is:"
    )
    assert strip_image_spaces("a <|beginofimage|> <|image|> b") == "a<|beginofimage|><|image|>b"


def test_generation_prompts_match_inference_py() -> None:
    assert build_t2i_prompt('A cake of "Good Time".') == (
        S + 'Generate an image according to the caption. A cake of "Good Time".' + S
    )
    assert build_edit_prompt("WINNER") == (
        S + 'Fill the masked part in this image with "WINNER".' + S
    )


# --------------------------------------------------------------------------------- gate


def test_task_id_rule() -> None:
    assert task_id_for(build_t2i_prompt("a sign")) == 0
    assert task_id_for(build_edit_prompt("OPEN")) == 0
    assert task_id_for(build_vqa_prompt("What is written?")) == 1
    assert task_id_for("please GENERATE AN IMAGE of") == 0  # case-folded
    # G16: a question with an identifier phrase is routed to the image expert
    assert task_id_for(build_vqa_prompt("Does the sign say fill the masked area?")) == 0
    assert task_id_for("") == 1


def test_gate_vector_matches_moe_set_gate() -> None:
    assert gate_vector(0) == (0.5, 0.0, 0.5)
    assert gate_vector(1) == (0.0, 0.5, 0.5)
    assert gate_vector(2) == (0.0, 0.0, 0.5)
    assert gate_vector(1, num_experts=6, task_num=3) == (0.0, 0.0, 0.25, 0.25, 0.25, 0.25)
    assert gate_vector(0, num_experts=6, task_num=3) == (0.25, 0.25, 0.0, 0.0, 0.25, 0.25)
    with pytest.raises(ValueError, match="cannot be split"):
        gate_vector(0, num_experts=4, task_num=3)
    with pytest.raises(ValueError, match=r"not in 0\.\.2"):
        gate_vector(3)


def test_gate_modes() -> None:
    vqa, t2i = build_vqa_prompt("q"), build_t2i_prompt("c")
    assert [gate_task_id("auto", t) for t in (vqa, t2i)] == [1, 0]
    assert [gate_task_id("text", t) for t in (vqa, t2i)] == [1, 1]
    assert [gate_task_id("image", t) for t in (vqa, t2i)] == [0, 0]
    assert [gate_task_id("shared", t) for t in (vqa, t2i)] == [2, 2]
    assert parse_gate(" Shared ") == "shared"
    with pytest.raises(ModelArgError, match="gate='moe'"):
        parse_gate("moe")


# ------------------------------------------------------------------------------ parsing


def test_cut_and_clean() -> None:
    assert cut_at_stop([5, 6, 2, 7]) == [5, 6]
    assert cut_at_stop([5, 32000, 2]) == [5]
    assert cut_at_stop([5, 6]) == [5, 6]
    assert clean_text("  Paris </s> junk") == "Paris"
    assert clean_text("Paris<|beginofimage|><|image|>") == "Paris"
    assert clean_text(" \n ") == ""


def test_image_file_names() -> None:
    assert image_file_name("001253546") == "001253546.png"
    assert image_file_name("7", 1, 3) == "7_1.png"
    odd = image_file_name("laion/1 2")
    assert odd.startswith("laion_1_2-") and odd.endswith(".png") and "/" not in odd
    assert image_file_name("laion/1 2") != image_file_name("laion_1 2")
    assert image_file_name("..") != "...png"


def test_tensor_to_images_rounds_like_save_image() -> None:
    import torch

    values = torch.tensor([0.0, 0.5, 1.0, 0.999, 1.2, -0.1]).reshape(1, 1, 1, 6).expand(1, 3, 1, 6)
    image = tensor_to_images(values)[0]
    assert image.size == (6, 1)
    assert [image.getpixel((x, 0))[0] for x in range(6)] == [0, 128, 255, 255, 255, 0]


def test_generation_translation() -> None:
    assert translate_generation({"max_new_tokens": 10, "do_sample": False, "height": 512,
                                 "num_images": 2, "min_new_tokens": 1}) == {
        "max_length": 10, "use_nucleus_sampling": False, "num_validation_images": 2,
        "min_length": 1}
    base = {"max_length": 30, "num_beams": 5}
    assert effective_generation(base, {"max_new_tokens": 12}, {"num_beams": 1}) == {
        "max_length": 12, "num_beams": 1}


# --------------------------------------------------------------------------- checkpoints


def write_parts(folder: Path, sizes: tuple[int, ...] = (1000, 700, 33)) -> bytes:
    folder.mkdir(parents=True, exist_ok=True)
    data = b""
    for index, size in enumerate(sizes):
        chunk = bytes((index * 7 + i) % 251 for i in range(size))
        suffix = chr(ord("a") + index // 26) + chr(ord("a") + index % 26)
        (folder / f"pytorch_model.bin{suffix}").write_bytes(chunk)
        data += chunk
    return data


def test_parts_are_joined_in_order_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = write_parts(tmp_path)
    joined = resolve_checkpoint(str(tmp_path / "pytorch_model.bin"))
    assert joined == tmp_path / "pytorch_model.bin" and joined.read_bytes() == data
    assert not (tmp_path / "pytorch_model.bin.partial").exists()

    def no_copy(*args: Any) -> None:
        raise AssertionError("a complete join must not be redone")

    monkeypatch.setattr("shutil.copyfileobj", no_copy)
    assert resolve_checkpoint(str(tmp_path)) == joined  # a folder works too
    assert resolve_checkpoint(str(tmp_path / "pytorch_model.binab")) == joined  # so does a part


def test_incomplete_join_is_redone(tmp_path: Path) -> None:
    data = write_parts(tmp_path)
    (tmp_path / "pytorch_model.bin").write_bytes(data[:100])  # an interrupted `cat`
    assert resolve_checkpoint(str(tmp_path / "pytorch_model.bin")).read_bytes() == data


def test_join_is_streamed_in_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    data = write_parts(tmp_path)
    lengths: list[int] = []
    real = shutil.copyfileobj

    def spy(src: Any, dst: Any, length: int = 0) -> None:
        lengths.append(length)
        real(src, dst, length)

    monkeypatch.setattr("shutil.copyfileobj", spy)
    parts = sorted(tmp_path.glob("pytorch_model.bin??"))
    assert concatenate_parts(parts, tmp_path / "out.bin").read_bytes() == data
    assert lengths and all(0 < n <= 64 * 1024 * 1024 for n in lengths)


def test_join_into_cache_dir(tmp_path: Path) -> None:
    data = write_parts(tmp_path / "ckpt")
    joined = resolve_checkpoint(str(tmp_path / "ckpt" / "pytorch_model.bin"),
                                cache_dir=str(tmp_path / "cache"))
    assert joined.is_relative_to(tmp_path / "cache") and joined.name == "pytorch_model.bin"
    assert joined.read_bytes() == data
    assert not (tmp_path / "ckpt" / "pytorch_model.bin").exists()


def test_missing_part_is_named(tmp_path: Path) -> None:
    write_parts(tmp_path)
    (tmp_path / "pytorch_model.binab").unlink()
    with pytest.raises(ModelArgError, match=r"pytorch_model\.binab is missing"):
        resolve_checkpoint(str(tmp_path / "pytorch_model.bin"))


def test_plain_bin_and_nothing(tmp_path: Path) -> None:
    single = tmp_path / "model.bin"
    single.write_bytes(b"weights")
    assert resolve_checkpoint(str(single)) == single
    with pytest.raises(ModelArgError, match="nor its split parts"):
        resolve_checkpoint(str(tmp_path / "absent.bin"))


def test_unwritable_folder_needs_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    write_parts(tmp_path / "ro")
    monkeypatch.setattr("os.access", lambda path, mode: False)
    with pytest.raises(ModelArgError, match=r"not writable.*cache_dir"):
        resolve_checkpoint(str(tmp_path / "ro" / "pytorch_model.bin"))
    joined = resolve_checkpoint(str(tmp_path / "ro" / "pytorch_model.bin"),
                                cache_dir=str(tmp_path / "cache"))
    assert joined.is_file()


# ------------------------------------------------------------------ adapter arguments


def test_adapter_arguments() -> None:
    with pytest.raises(ModelArgError, match="checkpoint=FILE"):
        TextHarmonyModel("/repo")
    with pytest.raises(ModelArgError, match="textharmony:REPO_PATH"):
        TextHarmonyModel(None, checkpoint="/c.bin")
    with pytest.raises(ModelArgError, match="unknown --model-arg lora"):
        TextHarmonyModel("/repo", checkpoint="/c.bin", lora="/x")
    with pytest.raises(ModelArgError, match="unknown --model-arg height"):
        TextHarmonyModel("/repo", checkpoint="/c.bin", height="1024")
    with pytest.raises(ModelArgError, match="gate='both'"):
        TextHarmonyModel("/repo", checkpoint="/c.bin", gate="both")
    spec = TextHarmonyModel("/repo", checkpoint="/c.bin", gate="text").spec()
    assert spec["gate"] == "text" and "textharmony/vqa@f98ac34" in spec["templates"]


BOX = ((0, 0), (100, 0), (100, 40), (0, 40))


def make_request(kind: str, **kwargs: Any) -> Request:
    fields: dict[str, Any] = {
        "sample_id": "s1", "task": "toy", "kind": kind, "prompt": "rendered", "template_id": "t",
        "template_hash": "h", "question": "What is written?", "images": (),
    }
    fields.update(kwargs)
    return Request(**fields)


def test_missing_repo_is_named_when_the_model_is_first_needed(tmp_path: Path) -> None:
    adapter = TextHarmonyModel(str(tmp_path / "nowhere"), checkpoint=str(tmp_path / "c.bin"))
    context = GenerationContext(image_dir=tmp_path)
    # an unsupported request needs no model
    out = adapter.generate([make_request("detection")], context)
    assert out[0].unsupported
    with pytest.raises(ModelArgError, match=r"TextHarmony/models/TextHarmony\.py is missing"):
        adapter.generate([make_request("vqa")], context)


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


def test_t2i_prompt_uses_the_quoted_caption(tmp_path: Path) -> None:
    """The task's caption with the words in double quotes, as TextHarmony's examples write it."""
    adapter = TextHarmonyModel(str(tmp_path), checkpoint=str(tmp_path / "c.bin"))
    quoted = make_request("t2i", question="a sign that says open", layout=TextLayout(
        texts=("OPEN",), polygons=(BOX,), width=512, height=512,
        caption="a sign that says open", quoted_caption='a sign that says "OPEN"'))
    assert adapter.prompt_for(quoted) == build_t2i_prompt('a sign that says "OPEN"')
    plain = make_request("t2i", question="a sign")
    assert adapter.prompt_for(plain) == build_t2i_prompt("a sign")

"""The ``textharmony`` adapter's own rules: prompts, Slide-LoRA gate, parsing, checkpoints and
arguments (bytedance/TextHarmony f98ac34b206f); the calling sequence against a stand-in for the
released package is in ``test_models_textharmony_fake.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textharmony_support import BOX, make_request, write_parts

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


def test_missing_repo_is_named_when_the_model_is_first_needed(tmp_path: Path) -> None:
    adapter = TextHarmonyModel(str(tmp_path / "nowhere"), checkpoint=str(tmp_path / "c.bin"))
    context = GenerationContext(image_dir=tmp_path)
    # an unsupported request needs no model
    out = adapter.generate([make_request("detection")], context)
    assert out[0].unsupported
    with pytest.raises(ModelArgError, match=r"TextHarmony/models/TextHarmony\.py is missing"):
        adapter.generate([make_request("vqa")], context)


def test_t2i_prompt_uses_the_quoted_caption(tmp_path: Path) -> None:
    """The task's caption with the words in double quotes, as TextHarmony's examples write it."""
    adapter = TextHarmonyModel(str(tmp_path), checkpoint=str(tmp_path / "c.bin"))
    quoted = make_request("t2i", question="a sign that says open", layout=TextLayout(
        texts=("OPEN",), polygons=(BOX,), width=512, height=512,
        caption="a sign that says open", quoted_caption='a sign that says "OPEN"'))
    assert adapter.prompt_for(quoted) == build_t2i_prompt('a sign that says "OPEN"')
    plain = make_request("t2i", question="a sign")
    assert adapter.prompt_for(plain) == build_t2i_prompt("a sign")

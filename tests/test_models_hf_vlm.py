"""The ``hf-vlm`` adapter and the LoRA helper, on tiny LLaVA and Qwen2-VL checkpoints."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from tinymodels import (
    build_tiny_llava,
    build_tiny_lora,
    build_tiny_qwen2_vl,
    make_image,
)

from harmonybench.model import GenerationContext, ModelArgError
from harmonybench.models.hf_vlm import (
    HFVisionLanguageModel,
    batch_seed,
    generation_settings,
    resolve_dtype,
)
from harmonybench.models.hf_vlm_encoder import expand_image_tokens
from harmonybench.models.lora import LoraSpec, parse_combination, parse_lora_specs
from harmonybench.schema import ImageRef, Request

QUESTIONS = (
    "What is the text?",
    "Read the text in the image, please answer the question now.",
    "Where?",
)


def png_ref(index: int, width: int = 48, height: int = 32) -> ImageRef:
    buffer = io.BytesIO()
    make_image(width, height, text=f"T{index}", color=index).save(buffer, format="PNG")
    return ImageRef(data=buffer.getvalue(), name=f"img{index}.png")


def make_request(index: int, question: str, **kwargs: Any) -> Request:
    fields: dict[str, Any] = {
        "sample_id": str(index),
        "task": "toy",
        "kind": "vqa",
        "prompt": question,
        "template_id": "toy/default@1",
        "template_hash": "0" * 12,
        "question": question,
        "images": (png_ref(index, 48 + 8 * index, 32 + 20 * index),),
        "generation": {"max_new_tokens": 8},
    }
    fields.update(kwargs)
    return Request(**fields)


def requests() -> list[Request]:
    return [make_request(i, q) for i, q in enumerate(QUESTIONS)]


def texts(outputs: list[Any]) -> list[str | None]:
    return [o.text for o in outputs]


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every tiny checkpoint and adapter the tests load (built once per module)."""
    root = tmp_path_factory.mktemp("tinymodels")
    paths = {
        "llava": build_tiny_llava(root / "llava"),
        "llava_split": build_tiny_llava(root / "llava_split", save_processor=False),
        "llava_default": build_tiny_llava(root / "llava_default", strategy="default"),
        "llava_default_split": build_tiny_llava(
            root / "llava_default_split", strategy="default", save_processor=False
        ),
        "qwen": build_tiny_qwen2_vl(root / "qwen"),
        "qwen_plain": build_tiny_qwen2_vl(root / "qwen_plain", chat_template=False),
    }
    paths["lora1"] = build_tiny_lora(paths["llava"], root / "lora1", seed=1)
    paths["lora2"] = build_tiny_lora(paths["llava"], root / "lora2", seed=7, rank=2)
    paths["qwen_lora"] = build_tiny_lora(paths["qwen"], root / "qwen_lora", seed=3)
    return paths


@pytest.fixture()
def context(tmp_path: Path) -> GenerationContext:
    return GenerationContext(image_dir=tmp_path / "images")


# ------------------------------------------------------------------------- pure helpers


def test_parse_lora_specs_weights_and_paths() -> None:
    specs = parse_lora_specs("/a/one@0.5, /b/two ,/c/x@y@-1.5,/d/at@home")
    assert specs == (
        LoraSpec("/a/one", 0.5),
        LoraSpec("/b/two", 1.0),
        LoraSpec("/c/x@y", -1.5),
        LoraSpec("/d/at@home", 1.0),
    )


@pytest.mark.parametrize("value", ["", "/a,,/b", "/a@inf", "/a@nan"])
def test_parse_lora_specs_rejects(value: str) -> None:
    with pytest.raises(ModelArgError, match="lora"):
        parse_lora_specs(value)


def test_parse_combination() -> None:
    assert parse_combination("CAT") == "cat"
    with pytest.raises(ModelArgError, match="lora_combination"):
        parse_combination("ties")


def test_expand_image_tokens() -> None:
    assert expand_image_tokens("a<i>b<i>c", "<i>", [2, 3]) == "a<i><i>b<i><i><i>c"
    with pytest.raises(ValueError, match="1 '<i>' placeholders for 2 images"):
        expand_image_tokens("a<i>b", "<i>", [1, 1])


def test_generation_settings_layering() -> None:
    request = make_request(0, "q", generation={"max_new_tokens": 5, "top_p": 0.5,
                                               "num_inference_steps": 30})
    assert generation_settings(request, {}) == {"max_new_tokens": 5, "do_sample": False,
                                                "num_beams": 1}
    sampled = generation_settings(request, {"do_sample": True, "max_new_tokens": 7})
    assert sampled == {"max_new_tokens": 7, "do_sample": True, "num_beams": 1, "top_p": 0.5}


def test_batch_seed() -> None:
    assert batch_seed([None, None]) is None
    assert batch_seed([3, 3]) == 3
    mixed = batch_seed([3, 4])
    assert mixed is not None and mixed == batch_seed([3, 4]) and mixed != batch_seed([4, 3])


def test_resolve_dtype() -> None:
    import torch

    assert resolve_dtype("bf16") is torch.bfloat16
    assert resolve_dtype("auto") == "auto"
    with pytest.raises(ModelArgError, match="dtype='int3'"):
        resolve_dtype("int3")


# ------------------------------------------------------------------- argument checking


def test_unknown_model_arg_rejected_before_loading() -> None:
    with pytest.raises(ModelArgError, match=r"unknown --model-arg flash, temprature.*known:"):
        HFVisionLanguageModel("/nowhere", temprature="1", flash="1")


def test_image_generation_args_rejected() -> None:
    with pytest.raises(ModelArgError, match="unknown --model-arg num_inference_steps"):
        HFVisionLanguageModel("/nowhere", num_inference_steps="30")


def test_missing_location_rejected() -> None:
    with pytest.raises(ModelArgError, match="hf-vlm:PATH_OR_HUB_ID"):
        HFVisionLanguageModel(None)


def test_bad_bool_rejected() -> None:
    with pytest.raises(ModelArgError, match="trust_remote_code='maybe'"):
        HFVisionLanguageModel("/nowhere", trust_remote_code="maybe")


def test_missing_model_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelArgError, match="cannot load a model from"):
        HFVisionLanguageModel(str(tmp_path / "missing"), device="cpu")


def test_lora_folder_without_config_rejected(models: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(ModelArgError, match=r"no adapter_config\.json"):
        HFVisionLanguageModel(str(models["llava"]), device="cpu", lora=str(tmp_path))


# ---------------------------------------------------------------------- tiny models


@pytest.mark.slow
@pytest.mark.parametrize("name", ["llava", "qwen", "llava_split"])
def test_batched_equals_one_at_a_time(
    models: dict[str, Path], name: str, context: GenerationContext
) -> None:
    adapter = HFVisionLanguageModel(str(models[name]), device="cpu")
    batched = adapter.generate(requests(), context)
    single = [adapter.generate([r], context)[0] for r in requests()]
    assert texts(batched) == texts(single)
    assert [o.sample_id for o in batched] == ["0", "1", "2"]
    assert all(o.ok and o.text for o in batched)
    assert all(o.text == o.text.strip() for o in batched if o.text)


@pytest.mark.slow
def test_inputs_are_left_padded(models: dict[str, Path]) -> None:
    adapter = HFVisionLanguageModel(str(models["qwen"]), device="cpu")
    encoder = adapter.encoder
    assert encoder.mode == "fallback:qwen2_vl"
    prompts = [encoder.render(q, 1, True)[0] for q in ("a", QUESTIONS[1])]
    images = [[make_image()], [make_image(color=1)]]
    batch = encoder.encode(prompts, images, True)
    mask = batch["attention_mask"]
    pad = encoder.tokenizer.pad_token_id
    assert mask[0, 0] == 0 and mask[0, -1] == 1 and bool(mask[1].all())
    assert batch["input_ids"][0, 0] == pad


@pytest.mark.slow
def test_processor_path_and_chat_template(models: dict[str, Path]) -> None:
    adapter = HFVisionLanguageModel(str(models["llava"]), device="cpu")
    assert adapter.encoder.mode == "processor"
    assert adapter.encoder.render("Q?", 1, True) == ("USER: <image>\nQ? ASSISTANT:", "chat")
    assert adapter.encoder.render("Q?", 1, False) == ("<image>\nQ?", "plain")


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["", "_default"])
def test_llava_fallback_matches_processor(
    models: dict[str, Path], strategy: str, context: GenerationContext
) -> None:
    """Expanding <image> by hand gives the same answers as LlavaProcessor (CLS or not)."""
    with_processor = HFVisionLanguageModel(str(models[f"llava{strategy}"]), device="cpu")
    fallback = HFVisionLanguageModel(str(models[f"llava{strategy}_split"]), device="cpu")
    assert fallback.encoder.mode == "fallback:llava"
    assert texts(fallback.generate(requests(), context)) == texts(
        with_processor.generate(requests(), context)
    )


@pytest.mark.slow
def test_plain_prompt_without_chat_template(
    models: dict[str, Path], context: GenerationContext
) -> None:
    plain = HFVisionLanguageModel(str(models["qwen_plain"]), device="cpu")
    assert plain.encoder.render("Q?", 2, True) == (
        "<|vision_start|><|image_pad|><|vision_end|>" * 2 + "Q?",
        "plain",
    )
    outputs = plain.generate(requests(), context)
    assert {o.metadata["prompt_format"] for o in outputs} == {"plain"}
    forced = HFVisionLanguageModel(str(models["llava"]), device="cpu", chat_template="false")
    chat = HFVisionLanguageModel(str(models["llava"]), device="cpu")
    forced_out = forced.generate(requests(), context)
    assert forced_out[0].metadata["prompt_format"] == "plain"
    assert texts(forced_out) != texts(chat.generate(requests(), context))


@pytest.mark.slow
def test_lora_changes_output_and_weights_combine(
    models: dict[str, Path], context: GenerationContext
) -> None:
    base_path = str(models["llava"])
    lora1, lora2 = str(models["lora1"]), str(models["lora2"])
    base = texts(HFVisionLanguageModel(base_path, device="cpu").generate(requests(), context))
    one = HFVisionLanguageModel(base_path, device="cpu", lora=lora1)
    with_one = texts(one.generate(requests(), context))
    assert with_one != base
    assert one.spec()["lora"][0]["path"] == lora1 and one.spec()["lora"][0]["weight"] == 1.0
    # 'cat' combination is exact: weight 0 on the second adapter leaves the first one's output
    exact = HFVisionLanguageModel(base_path, device="cpu", lora=f"{lora1}@1,{lora2}@0")
    assert texts(exact.generate(requests(), context)) == with_one
    mixed = HFVisionLanguageModel(base_path, device="cpu", lora=f"{lora1}@0.5,{lora2}@0.5")
    assert [(d["path"], d["weight"]) for d in mixed.spec()["lora"]] == [(lora1, 0.5), (lora2, 0.5)]
    assert mixed.model.active_adapters == ["weighted"]
    assert texts(mixed.generate(requests(), context)) not in (base, with_one)
    merged = HFVisionLanguageModel(base_path, device="cpu", lora=lora1, merge_lora="true")
    assert type(merged.model).__name__ == "LlavaForConditionalGeneration"
    assert texts(merged.generate(requests(), context)) == with_one


@pytest.mark.slow
def test_weighted_lora_with_unequal_ranks_needs_cat(models: dict[str, Path]) -> None:
    with pytest.raises(ModelArgError, match="same r value"):
        HFVisionLanguageModel(
            str(models["llava"]), device="cpu",
            lora=f"{models['lora1']}@0.5,{models['lora2']}@0.5", lora_combination="linear",
        )


@pytest.mark.slow
@pytest.mark.parametrize("name", ["llava", "qwen"])
def test_bfloat16_on_cpu(models: dict[str, Path], name: str, context: GenerationContext) -> None:
    import torch

    lora = {"llava": "lora1", "qwen": "qwen_lora"}[name]
    adapter = HFVisionLanguageModel(str(models[name]), device="cpu", dtype="bfloat16",
                                    lora=str(models[lora]))
    assert adapter.model.base_model.model.dtype == torch.bfloat16
    outputs = adapter.generate(requests(), context)
    assert all(o.ok and isinstance(o.text, str) for o in outputs)


@pytest.mark.slow
def test_unsupported_kinds_and_bad_images_keep_order(
    models: dict[str, Path], context: GenerationContext
) -> None:
    adapter = HFVisionLanguageModel(str(models["qwen"]), device="cpu")
    batch = [
        make_request(0, QUESTIONS[0]),
        make_request(1, "draw", kind="t2i", images=()),
        make_request(2, QUESTIONS[2], images=(ImageRef(data=b"not a png", name="bad.png"),)),
        make_request(3, QUESTIONS[1]),
    ]
    out = adapter.generate(batch, context)
    assert [o.sample_id for o in out] == ["0", "1", "2", "3"]
    assert out[1].unsupported and "t2i" in (out[1].error or "")
    assert out[2].error is not None and "bad.png" in out[2].error
    assert out[0].ok and out[3].ok
    assert out[0].text == adapter.generate([batch[0]], context)[0].text


@pytest.mark.slow
def test_generation_overrides_and_groups(
    models: dict[str, Path], context: GenerationContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    adapter = HFVisionLanguageModel(str(models["qwen"]), device="cpu", max_new_tokens="2")
    calls: list[tuple[dict[str, Any], int]] = []
    real_generate = adapter.model.generate

    def spy(**kwargs: Any) -> Any:
        result = real_generate(**kwargs)
        calls.append((kwargs, result.shape[1] - kwargs["input_ids"].shape[1]))
        return result

    monkeypatch.setattr(adapter.model, "generate", spy)
    out = adapter.generate(requests(), context)
    assert {o.metadata["generation"]["max_new_tokens"] for o in out} == {2}
    assert len(calls) == 1 and calls[0][1] <= 2
    assert calls[0][0]["max_new_tokens"] == 2 and calls[0][0]["do_sample"] is False
    assert calls[0][0]["pad_token_id"] == adapter.encoder.tokenizer.pad_token_id
    plain = HFVisionLanguageModel(str(models["qwen"]), device="cpu")
    mixed = [make_request(0, QUESTIONS[0], generation={"max_new_tokens": 1}),
             make_request(1, QUESTIONS[1], generation={"max_new_tokens": 6})]
    answers = plain.generate(mixed, context)
    assert answers[0].metadata["generation"]["max_new_tokens"] == 1
    assert answers[1].metadata["generation"]["max_new_tokens"] == 6


@pytest.mark.slow
def test_sampling_is_seeded(models: dict[str, Path], context: GenerationContext) -> None:
    adapter = HFVisionLanguageModel(str(models["qwen"]), device="cpu")
    gen = {"max_new_tokens": 8, "do_sample": True, "temperature": 5.0}
    seeded = [make_request(i, q, seed=11, generation=gen) for i, q in enumerate(QUESTIONS)]
    first = texts(adapter.generate(seeded, context))
    assert texts(adapter.generate(seeded, context)) == first
    other = [make_request(i, q, seed=12, generation=gen) for i, q in enumerate(QUESTIONS)]
    assert texts(adapter.generate(other, context)) != first


@pytest.mark.slow
def test_spec_names_config_digest(models: dict[str, Path]) -> None:
    adapter = HFVisionLanguageModel(str(models["qwen"]), device="cpu", max_new_tokens="4")
    spec = adapter.spec()
    digest = hashlib.sha256((models["qwen"] / "config.json").read_bytes()).hexdigest()[:16]
    assert spec["config_sha256"] == digest
    assert spec["adapter"] == "hf-vlm" and spec["args"] == {"max_new_tokens": "4"}
    assert spec["lora"] == [] and spec["inputs"] == "fallback:qwen2_vl"

"""The ``monkey`` adapter, driven with a fake Qwen-VL tokenizer and model.

The fakes follow the interface Monkey's eval scripts use (Yuliang-Liu/Monkey 498e1d92baff,
``eval/evaluate_vqa.py`` and ``eval/evaluate_vqa_doc.py``): the tokenizer is called on a list of
prompts with ``padding='longest'`` and honours ``padding_side``/``pad_token_id``; the model's
``generate`` returns the prompt ids followed by the new ids.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch

from harmonybench.model import GenerationContext, ModelArgError
from harmonybench.models.monkey import (
    MONKEY_PROMPT,
    TEXTMONKEY_PROMPT,
    MonkeyModel,
    TextMonkeyModel,
    build_prompt,
    clean_answer,
)
from harmonybench.schema import ImageRef, Request

EOD = 0
SHIFT = 10


class FakeQwenTokenizer:
    """Character-level stand-in for ``QWenTokenizer`` (id = code point + 10; 0 = eod)."""

    def __init__(self) -> None:
        self.eod_id = EOD
        self.padding_side = "right"
        self.pad_token_id: int | None = None
        self.IMG_TOKEN_SPAN = 1280

    def encode(self, text: str) -> list[int]:
        return [ord(c) + SHIFT for c in text]

    def __call__(self, texts: list[str], return_tensors: str, padding: str) -> Any:
        assert return_tensors == "pt" and padding == "longest"
        assert self.pad_token_id is not None
        rows = [self.encode(t) for t in texts]
        width = max(len(r) for r in rows)
        ids, mask = [], []
        for row in rows:
            pad = [self.pad_token_id] * (width - len(row))
            zeros = [0] * len(pad)
            if self.padding_side == "left":
                ids.append(pad + row)
                mask.append(zeros + [1] * len(row))
            else:
                ids.append(row + pad)
                mask.append([1] * len(row) + zeros)
        return SimpleNamespace(input_ids=torch.tensor(ids), attention_mask=torch.tensor(mask))

    def decode(self, ids: Any, skip_special_tokens: bool = False) -> str:
        out = []
        for token in [int(t) for t in ids]:
            if token == EOD:
                if not skip_special_tokens:
                    out.append("<|endoftext|>")
                continue
            out.append(chr(token - SHIFT))
        return "".join(out)


class FakeMonkey:
    """Answers ``' <question length> <|endoftext|>'`` then eod, padded with eod."""

    def __init__(self, tokenizer: FakeQwenTokenizer, n_queries: int | None = None) -> None:
        self.tokenizer = tokenizer
        self.device = torch.device("cpu")
        visual = {"n_queries": n_queries} if n_queries else {}
        self.config = SimpleNamespace(visual=visual)
        self.calls: list[dict[str, Any]] = []
        self.seen_images: list[bytes] = []

    def generate(self, input_ids: Any, attention_mask: Any, **kwargs: Any) -> Any:
        prompts = [self.tokenizer.decode(row[mask.bool()]) for row, mask in
                   zip(input_ids, attention_mask, strict=True)]
        self.calls.append({"input_ids": input_ids.clone(), "attention_mask": attention_mask,
                           "prompts": prompts, **kwargs})
        answers = []
        for prompt in prompts:
            match = re.match(r"<img>(.*?)</img>(.*) Answer:$", prompt)
            assert match, prompt
            self.seen_images.append(Path(match.group(1)).read_bytes())
            text = f"  {len(match.group(2))} <|endoftext|>"
            answers.append([*self.tokenizer.encode(text), EOD])
        width = max(len(a) for a in answers)
        new = torch.tensor([a + [EOD] * (width - len(a)) for a in answers])
        return torch.cat([input_ids, new], dim=1)


@pytest.fixture()
def context(tmp_path: Path) -> GenerationContext:
    return GenerationContext(image_dir=tmp_path / "images")


@pytest.fixture()
def image_file(tmp_path: Path) -> Path:
    path = tmp_path / "scene.jpg"
    path.write_bytes(b"jpeg bytes")
    return path


def request(sample_id: str, question: str | None, images: tuple[ImageRef, ...],
            **kwargs: Any) -> Request:
    fields: dict[str, Any] = {
        "sample_id": sample_id, "task": "textvqa", "kind": "vqa",
        "prompt": "" if question is None else f"{question} Answer:",
        "template_id": "textvqa/monkey@1", "template_hash": "x" * 12, "question": question,
        "images": images, "generation": {"max_new_tokens": 10, "do_sample": False},
    }
    fields.update(kwargs)
    return Request(**fields)


def adapter(variant: str = "monkey", **args: str) -> tuple[MonkeyModel, FakeMonkey]:
    tokenizer = FakeQwenTokenizer()
    model = FakeMonkey(tokenizer, n_queries=256)
    return MonkeyModel.from_loaded(model, tokenizer, variant=variant, **args), model


def test_prompts_are_the_scripts() -> None:
    assert MONKEY_PROMPT == "<img>{}</img>{} Answer:"
    assert TEXTMONKEY_PROMPT == "<img>{}</img> {} Answer:"
    # the tasks' monkey/textmonkey prompt families after the image tag give the scripts' strings
    from harmonybench.registries import get_task

    for task in ("textvqa", "docvqa", "infovqa", "stvqa", "chartqa", "ocrvqa"):
        for family, script in (("monkey", MONKEY_PROMPT), ("textmonkey", TEXTMONKEY_PROMPT)):
            text = get_task(task).template(family).render(question="what is it?")
            assert build_prompt("/d/a.jpg", text) == script.format("/d/a.jpg", "what is it?")
    # MultimodalOCR's OCRBench script for Monkey: '<img>{}</img> {} Answer: '
    ocrbench = get_task("ocrbench").template("monkey").render(question="what is it?")
    assert build_prompt("/d/a.jpg", ocrbench) == "<img>/d/a.jpg</img> what is it? Answer: "


def test_clean_answer() -> None:
    assert clean_answer("monkey", "  yes<|endoftext|> ") == "yes<|endoftext|>"
    assert clean_answer("textmonkey", "  yes<|endoftext|> ") == "yes"
    assert clean_answer("textmonkey", " a <|endoftext|>") == "a "  # stripped before replace


def test_remote_code_needs_explicit_flag() -> None:
    with pytest.raises(ModelArgError, match="trust_remote_code=true"):
        MonkeyModel("echo840/Monkey")
    with pytest.raises(ModelArgError, match="trust_remote_code=true"):
        MonkeyModel("echo840/Monkey", trust_remote_code="false")


def test_unknown_args_and_variant_rejected() -> None:
    with pytest.raises(ModelArgError, match="unknown --model-arg lora"):
        MonkeyModel("x", trust_remote_code="true", lora="/a")
    with pytest.raises(ModelArgError, match="variant='qwen'"):
        MonkeyModel("x", trust_remote_code="true", variant="qwen")


def test_unloadable_checkpoint_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelArgError, match="monkey: cannot load"):
        MonkeyModel(str(tmp_path / "missing"), trust_remote_code="true", device="cpu")


def test_tokenizer_configured_as_the_scripts() -> None:
    monkey, _ = adapter()
    assert monkey.tokenizer.padding_side == "left"
    assert monkey.tokenizer.pad_token_id == EOD
    assert monkey.tokenizer.IMG_TOKEN_SPAN == 1280  # Monkey leaves it alone
    assert monkey.family == "monkey"
    text, _ = adapter("textmonkey")
    assert text.tokenizer.IMG_TOKEN_SPAN == 256  # config.visual["n_queries"]
    assert text.family == "textmonkey"
    assert MonkeyModel.family == "monkey"  # the class attribute is untouched


def test_batch_prompts_padding_and_generate_kwargs(
    image_file: Path, context: GenerationContext
) -> None:
    monkey, model = adapter()
    png = b"\x89PNG fake bytes"
    batch = [
        request("q1", "what is written?", (ImageRef(path=str(image_file)),)),
        request("q2", "brand?", (ImageRef(data=png, name="sub/x.png"),)),
    ]
    outputs = monkey.generate(batch, context)
    assert len(model.calls) == 1
    call = model.calls[0]
    prompt1 = f"<img>{image_file.resolve()}</img>what is written? Answer:"
    assert call["prompts"][0] == prompt1
    assert re.fullmatch(r"<img>/.+\.png</img>brand\? Answer:", call["prompts"][1])
    assert model.seen_images == [b"jpeg bytes", png]
    # left padding with eod: the shorter prompt starts with pads
    lengths = [len(p) for p in call["prompts"]]
    short = lengths.index(min(lengths))
    assert call["input_ids"][short, 0] == EOD and call["attention_mask"][short, 0] == 0
    assert call["attention_mask"][short, -1] == 1
    expected = {"do_sample": False, "num_beams": 1, "max_new_tokens": 10, "min_new_tokens": 1,
                "length_penalty": 1, "num_return_sequences": 1, "output_hidden_states": True,
                "use_cache": True, "pad_token_id": EOD, "eos_token_id": EOD}
    assert {k: call[k] for k in expected} == expected
    assert [o.text for o in outputs] == [f"{len('what is written?')} <|endoftext|>",
                                         f"{len('brand?')} <|endoftext|>"]
    assert outputs[0].template_id is None, "records keep the task's template id and hash"
    assert outputs[0].metadata["prompt"] == prompt1
    tmpdir = Path(call["prompts"][1][5:].split("</img>")[0]).parent
    assert tmpdir.is_dir()
    monkey.close()
    assert not tmpdir.exists()


def test_textmonkey_prompt_and_answer(image_file: Path, context: GenerationContext) -> None:
    monkey, model = adapter("textmonkey")
    out = monkey.generate([request("q", "total?", (ImageRef(path=str(image_file)),),
                                   prompt=" total? Answer:")], context)
    assert model.calls[0]["prompts"][0] == f"<img>{image_file.resolve()}</img> total? Answer:"
    assert out[0].text == f"{len(' total?')} "


def test_textmonkey_class_defaults_to_its_variant() -> None:
    tokenizer = FakeQwenTokenizer()
    text = TextMonkeyModel.from_loaded(FakeMonkey(tokenizer), tokenizer)
    assert text.variant == "textmonkey" and text.family == "textmonkey"


def test_groups_by_settings_and_keeps_order(
    image_file: Path, context: GenerationContext
) -> None:
    monkey, model = adapter()
    ref = (ImageRef(path=str(image_file)),)
    batch = [
        request("a", "one", ref, generation={"max_new_tokens": 100}),
        request("b", "two", ref, kind="t2i"),
        request("c", "three", ref),
        request("d", None, ref),
        request("e", "five", ref + ref),
        request("f", "six", ref, generation={"max_new_tokens": 100}),
        request("g", "seven", (ImageRef(path=str(image_file.parent / "gone.jpg")),)),
    ]
    out = monkey.generate(batch, context)
    assert [o.sample_id for o in out] == list("abcdefg")
    assert sorted(c["max_new_tokens"] for c in model.calls) == [10, 100]
    assert [len(c["prompts"]) for c in model.calls] == [2, 1]
    assert out[1].unsupported
    assert out[3].error is not None and "no prompt text" in out[3].error
    assert out[4].error is not None and "one image" in out[4].error
    assert out[6].error is not None and "gone.jpg" in out[6].error
    assert [out[i].text for i in (0, 2, 5)] == ["3 <|endoftext|>", "5 <|endoftext|>",
                                                "3 <|endoftext|>"]


def test_model_arg_overrides_win(image_file: Path, context: GenerationContext) -> None:
    monkey, model = adapter(max_new_tokens="7", num_beams="3")
    monkey.generate([request("a", "q", (ImageRef(path=str(image_file)),))], context)
    assert model.calls[0]["max_new_tokens"] == 7 and model.calls[0]["num_beams"] == 3
    assert model.calls[0]["pad_token_id"] == EOD


def test_spec_names_variant() -> None:
    monkey, _ = adapter("textmonkey")
    spec = monkey.spec()
    assert spec["adapter"] == "monkey" and spec["variant"] == "textmonkey"

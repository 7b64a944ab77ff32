"""Snapshot tests of the rendered prompts, template hashes and generation settings.

A change here changes what models are asked: bump the template id's ``@version`` with it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harmonybench.registries import get_task
from harmonybench.schema import ImageRef, Sample, short_hash
from harmonybench.tasks.common import QuestionTemplate

QUESTION = "What brand is the SODA?"
SHORT = "\nAnswer the question using a single word or phrase."

# task -> (rendered default prompt, template id, template hash, default generation)
DEFAULTS = {
    "textvqa": ("What brand is the soda?" + SHORT, "textvqa/default@1", "2ea9b73397b4",
                {"max_new_tokens": 32, "do_sample": False}),
    "docvqa": (QUESTION + SHORT, "docvqa/default@1", "40f71b484711",
               {"max_new_tokens": 32, "do_sample": False}),
    "infovqa": (QUESTION + SHORT, "infovqa/default@1", "40f71b484711",
                {"max_new_tokens": 32, "do_sample": False}),
    "stvqa": (QUESTION + SHORT, "stvqa/default@1", "40f71b484711",
              {"max_new_tokens": 32, "do_sample": False}),
    "chartqa": (QUESTION + "\nAnswer the question with a single word.", "chartqa/default@1",
                "4c92263b2a7c", {"max_new_tokens": 16, "do_sample": False}),
    "ocrvqa": (QUESTION + SHORT, "ocrvqa/default@1", "40f71b484711",
               {"max_new_tokens": 32, "do_sample": False}),
    "ocrbench": (QUESTION, "ocrbench/default@1", "30a1609cba62",
                 {"max_new_tokens": 128, "do_sample": False}),
}

MONKEY_SCRIPT = "<img>{}</img>{} Answer:"  # Monkey eval/evaluate_vqa.py (498e1d92baff)
TEXTMONKEY_SCRIPT = "<img>{}</img> {} Answer:"  # TextMonkey eval/evaluate_vqa_doc.py
MONKEY_TOKENS = {"textvqa": 10, "docvqa": 100, "infovqa": 100, "stvqa": 100, "chartqa": 100,
                 "ocrvqa": 100, "ocrbench": 100}
GREEDY = {"do_sample": False, "num_beams": 1, "min_new_tokens": 1}
TEXTHARMONY = {"max_new_tokens": 30, "min_new_tokens": 1, "num_beams": 5, "do_sample": True,
               "top_p": 0.9, "temperature": 1.0, "repetition_penalty": 1.3}


def sample(task: str, question: str = " " + QUESTION + " ") -> Sample:
    return Sample(id="7", task=task, question=question, answers=("x",),
                  images=(ImageRef(path="/data/img/7.png", name="img/7.png"),),
                  metadata={"type": "human_test"})


@pytest.mark.parametrize("task", sorted(DEFAULTS))
def test_default_prompt_snapshot(task: str) -> None:
    prompt, template_id, template_hash, generation = DEFAULTS[task]
    t = get_task(task)
    s = sample(task, QUESTION)
    request = t.request(s)
    assert request.prompt == prompt
    assert (request.template_id, request.template_hash) == (template_id, template_hash)
    assert dict(request.generation) == generation
    assert request.kind == "vqa"
    assert request.question == QUESTION
    assert request.images == s.images
    assert request.metadata == {"type": "human_test"}


def test_plain_templates_hash_their_text() -> None:
    template = get_task("docvqa").template()
    assert template.hash == short_hash("{question}" + SHORT)


def test_question_transforms_follow_lmms_eval() -> None:
    # lmms-eval textvqa_doc_to_text: doc["question"].capitalize() lowercases the rest
    textvqa = get_task("textvqa")
    assert textvqa.request(sample("textvqa", "what does the SIGN say")).prompt.startswith(
        "What does the sign say\n"
    )
    assert textvqa.request(sample("textvqa", " leading space")).prompt.startswith(
        " leading space\n"
    )
    # lmms-eval ocrbench_doc_to_text: doc["question"].strip()
    assert get_task("ocrbench").request(sample("ocrbench")).prompt == QUESTION
    # other families keep the question as it is
    assert get_task("textvqa").request(sample("textvqa"), "textharmony").prompt == (
        " " + QUESTION + " "
    )


def test_the_transform_is_part_of_the_hash() -> None:
    a = QuestionTemplate("x@1", "{question}", "strip")
    b = QuestionTemplate("x@1", "{question}", "capitalize")
    assert a.hash != b.hash
    assert a.hash == short_hash({"template": "{question}", "question": "strip"})


@pytest.mark.parametrize("task", sorted(DEFAULTS))
def test_monkey_families_reproduce_the_reference_strings(task: str) -> None:
    """An adapter that prepends ``<img>{path}</img>`` gets the reference scripts' prompt."""
    t = get_task(task)
    s = sample(task, QUESTION)
    image = "data/img/7.png"
    monkey = t.request(s, "monkey")
    textmonkey = t.request(s, "textmonkey")
    if task == "ocrbench":  # MultimodalOCR OCRBench/scripts/monkey.py
        assert f"<img>{image}</img>{monkey.prompt}" == f"<img>{image}</img> {QUESTION} Answer: "
    else:  # Monkey eval/evaluate_vqa.py
        assert f"<img>{image}</img>{monkey.prompt}" == MONKEY_SCRIPT.format(image, QUESTION)
    # TextMonkey eval/evaluate_vqa_doc.py
    assert f"<img>{image}</img>{textmonkey.prompt}" == TEXTMONKEY_SCRIPT.format(image, QUESTION)
    assert monkey.template_id == f"{task}/monkey@1"
    assert dict(monkey.generation) == {**GREEDY, "max_new_tokens": MONKEY_TOKENS[task]}
    assert dict(textmonkey.generation) == {**GREEDY, "max_new_tokens": 100}


@pytest.mark.parametrize("task", sorted(DEFAULTS))
def test_textharmony_family(task: str) -> None:
    request = get_task(task).request(sample(task, QUESTION), "textharmony")
    assert request.prompt == QUESTION
    assert request.template_id == f"{task}/textharmony@1"
    assert request.template_hash == short_hash("{question}")
    assert dict(request.generation) == TEXTHARMONY


def test_overrides_seed_and_unknown_family() -> None:
    t = get_task("docvqa")
    request = t.request(sample("docvqa"), "monkey", generation={"max_new_tokens": 5}, seed=3)
    assert request.generation["max_new_tokens"] == 5
    assert request.generation["num_beams"] == 1
    assert request.seed == 3
    fallback = t.request(sample("docvqa"), "no-such-family")
    assert fallback.template_id == "docvqa/default@1"
    # class-level defaults are read-only and unchanged
    with pytest.raises(TypeError):
        t.generation["max_new_tokens"] = 1  # type: ignore[index]
    assert t.generation["max_new_tokens"] == 32


def test_requests_of_loaded_samples_carry_the_image(tmp_path: Path) -> None:
    import taskdata as td

    [s] = get_task("stvqa").load(td.write_stvqa(tmp_path, 1))
    request = get_task("stvqa").request(s, "monkey")
    assert request.images[0].path == str(tmp_path / "coco-text" / "COCO_0.jpg")
    assert request.prompt == "question 0? Answer:"

"""The ``openai`` adapter's own rules, without a server: arguments, bodies, retries, usage.

The retry loop is driven through ``httpx.MockTransport`` (scripted answers, a recorded sleep),
so these tests never wait; ``tests/test_models_openai_serve.py`` runs the adapter against a
real ``transformers serve``.
"""

from __future__ import annotations

import base64
import io
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from harmonybench.model import GenerationContext, ModelArgError
from harmonybench.models.openai_chat import OpenAIChatModel
from harmonybench.models.openai_client import (
    ChatClient,
    RequestFailedError,
    RetryPolicy,
    retry_after_seconds,
)
from harmonybench.models.openai_payload import image_data_url, parse_stop
from harmonybench.registries import MODELS
from harmonybench.runfolder import run_id
from harmonybench.schema import ImageRef, Record, Request
from harmonybench.summary import usage_totals

URL = "http://127.0.0.1:9/v1"


def completion(text: str = "hello", prompt: int = 7, completion_tokens: int = 2) -> dict[str, Any]:
    return {"id": "x", "object": "chat.completion", "model": "served",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion_tokens}}


def scripted(answers: list[Callable[[httpx.Request], httpx.Response]],
             seen: list[dict[str, Any]]) -> httpx.MockTransport:
    """A transport answering request n with ``answers[n]`` (the last one repeats)."""

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append({"body": json.loads(request.content), "headers": dict(request.headers)})
        return answers[min(len(seen) - 1, len(answers) - 1)](request)

    return httpx.MockTransport(handle)


def ok(_: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=completion())


def status(code: int, headers: dict[str, str] | None = None) -> Callable[..., httpx.Response]:
    return lambda _: httpx.Response(code, text=f"error {code}", headers=headers)


def raise_(exc: type[Exception]) -> Callable[[httpx.Request], httpx.Response]:
    def handle(request: httpx.Request) -> httpx.Response:
        raise exc("scripted", request=request)  # type: ignore[call-arg]
    return handle


def client(answers: list[Any], seen: list[dict[str, Any]], sleeps: list[float],
           attempts: int = 4) -> ChatClient:
    return ChatClient(URL, api_key="sk-unit", policy=RetryPolicy(attempts, 0.5, 4.0),
                      sleep=sleeps.append, transport=scripted(answers, seen))


def request(sample: str = "1", images: tuple[ImageRef, ...] = (), **generation: Any) -> Request:
    return Request(sample_id=sample, task="textvqa", kind="vqa", prompt=f"question {sample}?",
                   template_id="t", template_hash="h", images=images, seed=42,
                   generation=generation)


# ----------------------------------------------------------------------------- retries


def test_429_500_timeouts_and_dropped_connections_are_retried_until_an_answer() -> None:
    seen: list[dict[str, Any]] = []
    sleeps: list[float] = []
    c = client([status(429, {"Retry-After": "3"}), status(503), raise_(httpx.ReadTimeout),
                raise_(httpx.RemoteProtocolError), ok], seen, sleeps, attempts=5)
    reply = c.complete({"model": "m", "messages": []})
    assert (reply.text, reply.attempts, reply.prompt_tokens, reply.completion_tokens) == (
        "hello", 5, 7, 2)
    assert len(sleeps) == 4
    assert sleeps[0] >= 3.0                    # Retry-After is a lower bound
    for attempt, wait in enumerate(sleeps[1:], start=2):
        cap = min(4.0, 0.5 * 2 ** (attempt - 1))
        assert cap / 2 <= wait <= cap          # equal jitter within the doubling cap
    assert seen[0]["headers"]["authorization"] == "Bearer sk-unit"


def test_a_request_out_of_attempts_fails_with_the_last_reason_and_the_count() -> None:
    seen: list[dict[str, Any]] = []
    c = client([status(500)], seen, [], attempts=3)
    with pytest.raises(RequestFailedError, match=r"HTTP 500: error 500 \(after 3 attempts\)"):
        c.complete({"model": "m"})
    assert len(seen) == 3


@pytest.mark.parametrize("code", [400, 401, 404, 422])
def test_client_errors_are_not_retried(code: int) -> None:
    seen: list[dict[str, Any]] = []
    with pytest.raises(RequestFailedError, match=f"HTTP {code}.*after 1 attempt\\)"):
        client([status(code)], seen, []).complete({"model": "m"})
    assert len(seen) == 1


def test_a_200_that_is_not_a_chat_completion_names_what_is_missing() -> None:
    answers = [lambda _: httpx.Response(200, json={"object": "error"})]
    with pytest.raises(RequestFailedError, match=r"no choices\[0\]\.message"):
        client(answers, [], []).complete({"model": "m"})


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after_seconds("2.5") == 2.5
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490.0) == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_backoff_doubles_up_to_its_cap_and_retry_after_can_exceed_it() -> None:
    policy = RetryPolicy(max_attempts=10, backoff_s=1.0, backoff_max_s=8.0)
    rng = random.Random(0)
    waits = [policy.delay(n, None, rng) for n in range(1, 8)]
    for n, wait in enumerate(waits, start=1):
        cap = min(8.0, 2.0 ** (n - 1))
        assert cap / 2 <= wait <= cap
    assert policy.delay(1, 30.0, rng) == 30.0


# ----------------------------------------------------------------------------- the adapter


def adapter(monkeypatch: pytest.MonkeyPatch, answers: list[Any], seen: list[dict[str, Any]],
            **args: str) -> OpenAIChatModel:
    model = OpenAIChatModel("served-model", base_url=URL, **args)
    model.client.close()
    model.client = ChatClient(URL, policy=model.client.policy, sleep=lambda _: None,
                              transport=scripted(answers, seen))
    return model


def test_bodies_are_greedy_by_default_with_seed_and_images_as_png_data_urls(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "a.jpg"
    Image.new("RGB", (40, 20), (200, 10, 10)).save(path)
    seen: list[dict[str, Any]] = []
    model = adapter(monkeypatch, [ok], seen, max_side="10", stop="\\n,###")
    outputs = model.generate([request("1", (ImageRef(str(path)),), max_new_tokens=5)],
                             GenerationContext(tmp_path))
    body = seen[0]["body"]
    assert body["model"] == "served-model"
    assert (body["max_tokens"], body["temperature"], body["seed"], body["stop"]) == (
        5, 0.0, 42, ["\n", "###"])
    assert "top_p" not in body
    content = body["messages"][0]["content"]
    assert [part["type"] for part in content] == ["image_url", "text"]
    assert content[1]["text"] == "question 1?"
    url = content[0]["image_url"]["url"]
    assert url.startswith("data:image/png;base64,")
    sent = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    assert (sent.format, sent.size) == ("PNG", (10, 5))
    out = outputs[0]
    assert out.text == "hello" and out.latency_s > 0
    assert out.metadata["usage"] == {"prompt_tokens": 7, "completion_tokens": 2, "requests": 1}
    assert out.metadata["generation"]["temperature"] == 0.0


def test_sampling_settings_map_and_unmapped_ones_are_recorded(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: list[dict[str, Any]] = []
    model = adapter(monkeypatch, [ok], seen, do_sample="true", temperature="0.7",
                    top_p="0.9", max_tokens="9", seed="false", token_field="max_completion_tokens")
    out = model.generate([request("1", num_beams=3, top_k=5)], GenerationContext(tmp_path))[0]
    body = seen[0]["body"]
    assert (body["max_completion_tokens"], body["temperature"], body["top_p"]) == (9, 0.7, 0.9)
    assert "seed" not in body and "max_tokens" not in body
    assert body["messages"] == [{"role": "user", "content": "question 1?"}]
    assert out.metadata["unmapped"] == {"num_beams": 3, "top_k": 5}


def test_a_failed_request_is_that_samples_error_and_the_others_are_answered(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: list[dict[str, Any]] = []
    model = adapter(monkeypatch, [status(400), ok], seen, concurrency="1")
    missing = ImageRef(str(tmp_path / "missing.png"))
    outs = model.generate([request("1"), request("2"), request("3", (missing,))],
                          GenerationContext(tmp_path))
    assert outs[0].error is not None and "HTTP 400" in outs[0].error
    assert outs[0].metadata["usage"]["requests"] == 1
    assert outs[1].text == "hello"
    assert outs[2].error is not None and "missing.png" in outs[2].error
    model.close()


def test_the_api_key_is_read_from_the_environment_and_never_in_the_spec(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MY_KEY", "sk-secret-123")
    model = OpenAIChatModel("m", base_url=URL, api_key_env="MY_KEY")
    assert model.client.api_key == "sk-secret-123"
    assert "sk-secret-123" not in json.dumps(model.spec())
    monkeypatch.delenv("MY_KEY")
    with pytest.raises(ModelArgError, match="MY_KEY is not set"):
        OpenAIChatModel("m", base_url=URL, api_key_env="MY_KEY")
    with pytest.raises(ModelArgError, match="never a --model-arg"):
        OpenAIChatModel("m", base_url=URL, api_key="sk-x")


@pytest.mark.parametrize(("args", "message"), [
    ({}, "base_url=http://HOST:PORT/v1 is required"),
    ({"base_url": URL, "concurrency": "0"}, "concurrency='0': expected a positive integer"),
    ({"base_url": URL, "token_field": "tokens"}, "expected one of max_tokens"),
    ({"base_url": URL, "frame": "999x"}, "frame='999x'"),
    ({"base_url": URL, "num_inference_steps": "4"}, "unknown --model-arg num_inference_steps"),
])
def test_bad_model_args_are_one_clear_error(
    monkeypatch: pytest.MonkeyPatch, args: dict[str, str], message: str
) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(ModelArgError, match=message.replace("(", r"\(").replace("[", r"\[")):
        OpenAIChatModel("m", **args)


def test_registered_with_its_family_frame_and_batch_size_from_args() -> None:
    model = MODELS.load("openai")("m", base_url=URL, family="monkey", frame="1000",
                                  concurrency="5")
    assert (model.family, model.frame, model.default_batch_size) == ("monkey", "1000", 5)


def test_where_the_server_is_does_not_change_the_run_id() -> None:
    a = OpenAIChatModel("m", base_url="http://127.0.0.1:8000/v1", concurrency="4").spec()
    b = OpenAIChatModel("m", base_url="http://10.0.0.2:9000/v1", concurrency="64").spec()
    c = OpenAIChatModel("m", base_url="http://127.0.0.1:8000/v1", max_side="512").spec()
    assert a["transport"]["base_url"] != b["transport"]["base_url"]
    assert run_id(a, []) == run_id(b, [])
    assert run_id(a, []) != run_id(c, [])


def test_image_data_urls_keep_small_images_as_they_are() -> None:
    image = Image.new("RGB", (6, 4), (1, 2, 3))
    url = image_data_url(image, max_side=10)
    decoded = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    assert decoded.size == (6, 4) and decoded.getpixel((0, 0)) == (1, 2, 3)
    assert parse_stop("a,,\\\\n") == ["a", "\\n"]


def test_usage_totals_sum_the_journaled_usage() -> None:
    def rec(sample: str, usage: dict[str, int] | None, latency: float) -> Record:
        return Record(run_id="r", task="t", sample_id=sample, request_hash="h",
                      template_id="t", template_hash="h", latency_s=latency,
                      metadata={"usage": usage} if usage is not None else {})

    records = [rec("1", {"prompt_tokens": 10, "completion_tokens": 3, "requests": 1}, 0.5),
               rec("2", {"prompt_tokens": 0, "completion_tokens": 0, "requests": 6}, 2.0),
               rec("3", None, 9.0)]
    assert usage_totals(records) == {"completion_tokens": 3, "prompt_tokens": 10,
                                     "requests": 7, "samples": 2, "latency_s": 2.5}
    assert usage_totals(records[2:]) is None

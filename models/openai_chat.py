"""``openai``: any model behind an OpenAI-compatible chat-completions endpoint, many requests
in flight.

``harmonybench run --model openai:MODEL_NAME --model-arg base_url=http://HOST:PORT/v1 ...``
sends each request to ``{base_url}/chat/completions`` as the model ``MODEL_NAME`` (what the
server's ``/v1/models`` lists: vLLM's ``--served-model-name``, a hosted API's model id). The
server (vLLM, SGLang, LMDeploy, TGI, ``transformers serve``, a hosted API: docs/serving.md)
renders the model's chat template, batches, and shards the model over its GPUs; this adapter
keeps up to ``concurrency`` requests in flight, so that its batching has work.

**Prompts.** The task's template for the prompt family ``family=`` (``default`` unless
given, e.g. ``family=monkey`` for a served Monkey), rendered by the task as for any adapter;
the body is built by :mod:`harmonybench.models.openai_payload` (images as base64 PNG data URLs,
generation settings mapped, greedy by default).

**Concurrency and faults.** One ``generate`` call sends its batch through a pool of
``concurrency`` threads sharing one connection pool (:mod:`harmonybench.models.openai_client`:
retries with exponential backoff and jitter on 429, 5xx, timeouts and dropped connections,
``Retry-After`` honoured, at most ``max_attempts`` attempts, ``timeout`` seconds per attempt).
A request that still fails becomes that sample's ``Output(error=...)``: the run loop journals
it as a failure, ``--retry-failed`` sends only those again, and a killed run resumes from its
journal without sending journaled samples again. The run loop journals after each batch, so
with no ``--batch-size`` given this adapter's batch is its concurrency
(:attr:`default_batch_size`): every request of a batch is in flight at once, and a killed run
loses at most the batch in flight.

**What is recorded.** Each output's ``latency_s`` is its own wall time (first attempt to
answer, waits included) and ``metadata`` holds ``usage`` (``prompt_tokens`` and
``completion_tokens`` as the server counts them, ``requests``: the HTTP attempts made),
``finish_reason``, the ``served_model`` the server names, ``generation`` (the fields sent) and
``unmapped`` settings; ``scores.json`` sums ``usage`` per task
(:func:`harmonybench.summary.usage_totals`).

**Model args**: ``base_url`` (required unless ``OPENAI_BASE_URL`` is set), ``api_key_env``
(the variable holding the key: ``OPENAI_API_KEY`` unless given; a local server needs none),
``family``, ``concurrency`` (16), ``max_attempts`` (6), ``timeout`` (seconds per attempt, 120),
``backoff`` (1.0 s, doubling) and ``backoff_max`` (60 s), ``max_side``, ``max_tokens``,
``stop``, ``seed`` (bool, true), ``token_field`` (``max_tokens`` or
``max_completion_tokens``), ``image_detail`` (``low``/``high``/``auto``, OpenAI's), ``frame``
(the coordinate frame the served model answers boxes in: ``pixel``, ``448``, ``999``,
``1000``, ``norm``) and the text generation keys of ``hf-vlm``. The key itself is never a
model arg: it would be written into ``run.json``.

**Run identity.** ``base_url``, ``api_key_env``, ``concurrency``, ``max_attempts``,
``timeout``, ``backoff`` and ``backoff_max`` change where and how requests travel, not the
answers: :meth:`spec` files them under ``transport``, which the run id leaves out, so a run
resumed against a server restarted elsewhere (another port, another node) continues in the
same run folder.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

from harmonybench.errors import ImageError
from harmonybench.model import (
    GenerationContext,
    ModelAdapter,
    ModelArgError,
    generation_overrides,
    parse_bool,
    parse_number,
    unsupported_outputs,
)
from harmonybench.models.hf_vlm import TEXT_GENERATION_ARGS, check_args, generation_settings
from harmonybench.models.openai_client import ChatClient, Reply, RequestFailedError, RetryPolicy
from harmonybench.models.openai_payload import (
    TOKEN_FIELDS,
    chat_body,
    image_data_url,
    parse_stop,
    sampling_fields,
    sent_settings,
    unmapped_settings,
)
from harmonybench.schema import TEXT_OUT_KINDS, Output, Request, RequestKind

log = logging.getLogger(__name__)

TRANSPORT_ARGS: frozenset[str] = frozenset(
    {"base_url", "api_key_env", "concurrency", "max_attempts", "timeout", "backoff",
     "backoff_max"}
)
"""Args that do not change answers (in ``spec()["transport"]``, outside the run id)."""
ANSWER_ARGS: frozenset[str] = frozenset(
    {"family", "max_side", "max_tokens", "stop", "seed", "token_field", "image_detail", "frame"}
)
FRAMES: tuple[str, ...] = ("pixel", "448", "999", "1000", "norm")
DETAILS: tuple[str, ...] = ("low", "high", "auto")
DEFAULT_KEY_ENV = "OPENAI_API_KEY"


def _positive(key: str, value: str, *, integer: bool) -> float:
    number = parse_number(key, value)
    if number <= 0 or (integer and not isinstance(number, int)):
        kind = "a positive integer" if integer else "a positive number"
        raise ModelArgError(f"openai: --model-arg {key}={value!r}: expected {kind}")
    return number


def _choice(key: str, value: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise ModelArgError(f"openai: --model-arg {key}={value!r}: expected one of "
                            f"{', '.join(allowed)}")
    return value


class OpenAIChatModel(ModelAdapter):
    """A served model, reached over the OpenAI Chat Completions API (see the module docstring)."""

    name: ClassVar[str] = "openai"
    kinds: ClassVar[frozenset[RequestKind]] = TEXT_OUT_KINDS

    def __init__(
        self,
        location: str | None = None,
        *,
        device: str | None = None,
        dtype: str | None = None,
        **args: str,
    ) -> None:
        super().__init__(location, device=device, dtype=dtype, **args)
        if not location:
            raise ModelArgError("openai needs the served model's name: --model openai:NAME")
        if "api_key" in self.args:
            raise ModelArgError("openai: the API key is never a --model-arg (it would be written "
                                "into run.json); put it in OPENAI_API_KEY, or in a variable "
                                "named by --model-arg api_key_env=NAME")
        if dtype is not None:
            raise ModelArgError("openai: --dtype is the server's setting, not the client's")
        check_args(self.name, self.args, TRANSPORT_ARGS | ANSWER_ARGS | TEXT_GENERATION_ARGS)
        self.base_url = self.args.get("base_url") or os.environ.get("OPENAI_BASE_URL", "")
        if not self.base_url.startswith(("http://", "https://")):
            raise ModelArgError("openai: --model-arg base_url=http://HOST:PORT/v1 is required "
                                f"(or OPENAI_BASE_URL); got {self.base_url!r}")
        self.family = self.args.get("family", "default")
        self.concurrency = int(_positive("concurrency", self.args.get("concurrency", "16"),
                                         integer=True))
        self.max_side = (int(_positive("max_side", self.args["max_side"], integer=True))
                         if "max_side" in self.args else None)
        self.send_seed = parse_bool("seed", self.args.get("seed", "true"))
        self.stop = parse_stop(self.args.get("stop", ""))
        self.token_field = _choice("token_field", self.args.get("token_field", "max_tokens"),
                                   TOKEN_FIELDS)
        self.detail = (_choice("image_detail", self.args["image_detail"], DETAILS)
                       if "image_detail" in self.args else None)
        if "frame" in self.args:
            self.frame = _choice("frame", self.args["frame"], FRAMES)
        self.overrides = generation_overrides(self.args)
        if "max_tokens" in self.args:
            self.overrides["max_new_tokens"] = int(
                _positive("max_tokens", self.args["max_tokens"], integer=True))
        policy = RetryPolicy(
            max_attempts=int(_positive("max_attempts", self.args.get("max_attempts", "6"),
                                       integer=True)),
            backoff_s=float(_positive("backoff", self.args.get("backoff", "1.0"), integer=False)),
            backoff_max_s=float(_positive("backoff_max", self.args.get("backoff_max", "60"),
                                          integer=False)),
        )
        self.client = ChatClient(
            self.base_url, api_key=self._api_key(),
            timeout_s=float(_positive("timeout", self.args.get("timeout", "120"),
                                      integer=False)),
            policy=policy, pool_size=self.concurrency,
        )
        self.default_batch_size = self.concurrency
        self._pool: ThreadPoolExecutor | None = ThreadPoolExecutor(
            max_workers=self.concurrency, thread_name_prefix="openai")
        self._warned: set[str] = set()

    def _api_key(self) -> str | None:
        name = self.args.get("api_key_env")
        if name is None:
            return os.environ.get(DEFAULT_KEY_ENV) or None
        key = os.environ.get(name)
        if not key:
            raise ModelArgError(f"openai: --model-arg api_key_env={name}: the variable {name} "
                                "is not set (or empty)")
        return key

    def spec(self) -> dict[str, Any]:
        """Base spec with the answer-changing args; the others under ``transport``."""
        out = super().spec()
        out["args"] = {k: v for k, v in sorted(self.args.items()) if k not in TRANSPORT_ARGS}
        out["transport"] = {
            **{k: v for k, v in sorted(self.args.items()) if k in TRANSPORT_ARGS},
            "base_url": self.base_url,
            "concurrency": self.concurrency,
        }
        return out

    def generate(self, requests: Sequence[Request], context: GenerationContext) -> list[Output]:
        """Answer ``requests``, up to ``concurrency`` at once, in their order."""
        if self._pool is None:
            raise RuntimeError("openai: generate() after close()")
        futures = {}
        outputs: dict[int, Output] = {}
        for index, request in enumerate(requests):
            if not self.supports(request.kind):
                outputs[index] = unsupported_outputs([request], self.name)[0]
            else:
                futures[index] = self._pool.submit(self._answer, request)
        for index, future in futures.items():
            outputs[index] = future.result()
        return [outputs[i] for i in range(len(requests))]

    def _answer(self, request: Request) -> Output:
        """One request, end to end (runs in a pool thread)."""
        try:
            urls = [image_data_url(ref.open(), self.max_side) for ref in request.images]
        except ImageError as exc:  # names the file
            return Output(sample_id=request.sample_id, error=str(exc))
        settings = generation_settings(request, self.overrides)
        unmapped = unmapped_settings(settings)
        for key in unmapped:
            if key not in self._warned:
                self._warned.add(key)
                log.warning("openai: %s=%r has no chat-completions field and is not sent",
                            key, unmapped[key])
        body = chat_body(str(self.location), request, urls,
                         sampling_fields(settings, self.token_field),
                         seed=self.send_seed, stop=self.stop, detail=self.detail)
        metadata: dict[str, Any] = {"prompt_format": "chat", "generation": sent_settings(body)}
        if unmapped:
            metadata["unmapped"] = unmapped
        try:
            reply = self.client.complete(body)
        except RequestFailedError as exc:
            metadata["usage"] = {"prompt_tokens": 0, "completion_tokens": 0,
                                 "requests": exc.attempts}
            return Output(sample_id=request.sample_id, error=f"openai: {exc}",
                          latency_s=max(exc.latency_s, 1e-9), metadata=metadata)
        return self._output(request, reply, metadata)

    @staticmethod
    def _output(request: Request, reply: Reply, metadata: dict[str, Any]) -> Output:
        metadata.update({
            "usage": {"prompt_tokens": reply.prompt_tokens,
                      "completion_tokens": reply.completion_tokens,
                      "requests": reply.attempts},
            "finish_reason": reply.finish_reason,
            "served_model": reply.model,
        })
        return Output(sample_id=request.sample_id, text=reply.text.strip(),
                      latency_s=max(reply.latency_s, 1e-9), metadata=metadata)

    def close(self) -> None:
        """Stop the threads (requests not started are dropped) and close the connections."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        self.client.close()

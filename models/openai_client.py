"""The HTTP side of the ``openai`` adapter: one chat-completion request, retried.

:class:`ChatClient` posts JSON bodies to ``{base_url}/chat/completions`` (the OpenAI Chat
Completions API, https://platform.openai.com/docs/api-reference/chat/create, which vLLM,
SGLang, LMDeploy, TGI and ``transformers serve`` all implement) over one pooled
``httpx.Client``, which is thread-safe: the adapter calls :meth:`ChatClient.complete` from as
many threads as it keeps requests in flight.

**What is retried.** HTTP 408 (request timeout), 409 (conflict, which OpenAI documents as
retryable), 429 (rate limit) and every 5xx; a timeout (connect, read, write or pool) and a
dropped or refused connection (``httpx.TransportError``). Anything else (400 bad request, 401,
404 model not found, a 200 whose JSON is not a chat completion) fails at once: sending it
again would give the same answer.

**How long it waits** before attempt ``n + 1`` (:meth:`RetryPolicy.delay`): exponential
backoff with "equal jitter" (M. Brooker, *Exponential Backoff And Jitter*, AWS Architecture
Blog, 2015): ``cap = min(backoff_max_s, backoff_s * 2 ** (n - 1))``, then a uniform draw in
``[cap / 2, cap]``, so that clients that failed together do not come back together, yet
never wait close to nothing. A ``Retry-After`` header (RFC 9110 section 10.2.3: seconds, or an
HTTP date) is honoured as a lower bound: the wait is the larger of the two. After
``max_attempts`` attempts the request fails with :class:`RequestFailedError`, which says how many
were made and why the last one failed.

The API key goes into the ``Authorization: Bearer`` header only; nothing here logs or returns
it.
"""

from __future__ import annotations

import email.utils
import json
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

RETRY_STATUSES: frozenset[int] = frozenset({408, 409, 429})
"""Statuses below 500 that are retried (every 5xx is)."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a request is retried.

    Args:
        max_attempts: attempts in all, the first one included (1: never retry).
        backoff_s: the wait cap before the second attempt; it doubles with each attempt.
        backoff_max_s: the largest wait cap (a ``Retry-After`` may ask for longer).
    """

    max_attempts: int = 6
    backoff_s: float = 1.0
    backoff_max_s: float = 60.0

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait after failed attempt ``attempt`` (1-based), before the next one."""
        cap = min(self.backoff_max_s, self.backoff_s * 2.0 ** (attempt - 1))
        jittered = cap / 2.0 + rng.uniform(0.0, cap / 2.0)
        return max(jittered, retry_after or 0.0)


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """A ``Retry-After`` header as seconds from ``now``: delta-seconds or an HTTP date.

    ``None`` when the header is absent or unreadable; a date in the past is 0.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


class RequestFailedError(Exception):
    """A request that did not succeed: not retryable, or out of attempts.

    Args:
        reason: the last attempt's failure, in words (status and the server's message).
        attempts: how many HTTP requests were sent.
        latency_s: seconds from the first attempt's start to giving up (0: not measured).
    """

    def __init__(self, reason: str, attempts: int, latency_s: float = 0.0) -> None:
        self.reason = reason
        self.attempts = attempts
        self.latency_s = latency_s
        tries = f"after {attempts} attempt{'s' if attempts != 1 else ''}"
        super().__init__(f"{reason} ({tries})")


@dataclass(frozen=True)
class Reply:
    """A chat completion's answer and what it cost.

    Args:
        text: the first choice's message content (``""`` when the server sent none).
        finish_reason: why generation stopped (``stop``, ``length``, ...), as the server says.
        prompt_tokens: the server's ``usage.prompt_tokens`` (0 when it reports no usage).
        completion_tokens: the server's ``usage.completion_tokens`` (0 likewise).
        model: the model the server says answered.
        attempts: how many HTTP requests it took.
        latency_s: seconds from the first attempt's start to the answer, waits included.
    """

    text: str
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    model: str | None
    attempts: int
    latency_s: float


class _RetryableError(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


@dataclass
class ChatClient:
    """Posts chat completions to one OpenAI-compatible endpoint, with retries.

    Args:
        base_url: the API root, e.g. ``http://127.0.0.1:8000/v1`` (``/chat/completions`` is
            appended).
        api_key: sent as ``Authorization: Bearer ...``; ``None`` sends no such header.
        timeout_s: per-request timeout: connecting, and waiting for the answer.
        policy: the retry policy.
        pool_size: connections kept open (the adapter's concurrency).
        sleep: how to wait between attempts (tests pass a recorder).
        transport: an ``httpx`` transport to use instead of the network (tests pass
            ``httpx.MockTransport``).
    """

    base_url: str
    api_key: str | None = field(default=None, repr=False)
    timeout_s: float = 120.0
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    pool_size: int = 16
    sleep: Callable[[float], None] = time.sleep
    transport: Any = field(default=None, repr=False)
    _client: Any = field(init=False, repr=False, default=None)
    _rng: random.Random = field(init=False, repr=False, default_factory=random.Random)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        import httpx

        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        self._client = httpx.Client(
            base_url=self.base_url.rstrip("/") + "/",
            headers=headers,
            timeout=httpx.Timeout(self.timeout_s),
            limits=httpx.Limits(max_connections=self.pool_size,
                                max_keepalive_connections=self.pool_size),
            transport=self.transport,
        )

    def complete(self, body: Mapping[str, Any]) -> Reply:
        """Post ``body`` until it succeeds, fails for good, or runs out of attempts.

        Raises:
            RequestFailedError: with the last failure and the number of attempts.
        """
        started = time.perf_counter()
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        attempt = 0
        while True:
            attempt += 1
            try:
                data = self._attempt(payload)
            except _RetryableError as exc:
                if attempt >= self.policy.max_attempts:
                    raise RequestFailedError(exc.reason, attempt,
                                        time.perf_counter() - started) from None
                with self._lock:
                    wait = self.policy.delay(attempt, exc.retry_after, self._rng)
                self.sleep(wait)
                continue
            except RequestFailedError as exc:
                raise RequestFailedError(exc.reason, attempt,
                                         time.perf_counter() - started) from None
            return parse_completion(data, attempt, time.perf_counter() - started)

    def _attempt(self, payload: bytes) -> Any:
        import httpx

        try:
            response = self._client.post("chat/completions", content=payload)
        except httpx.TimeoutException as exc:
            raise _RetryableError(f"timed out ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise _RetryableError(f"connection failed ({type(exc).__name__}: {exc})") from None
        status = response.status_code
        if status == 200:
            try:
                return response.json()
            except ValueError:
                raise RequestFailedError(f"HTTP 200 with a body that is not JSON: "
                                    f"{_snippet(response.text)}", 1) from None
        reason = f"HTTP {status}: {_snippet(response.text)}"
        if status in RETRY_STATUSES or status >= 500:
            raise _RetryableError(reason, retry_after_seconds(response.headers.get("retry-after")))
        raise RequestFailedError(reason, 1)

    def close(self) -> None:
        """Close the connection pool."""
        if self._client is not None:
            self._client.close()
            self._client = None


def parse_completion(data: Any, attempts: int, latency_s: float) -> Reply:
    """The :class:`Reply` of a chat-completion JSON object.

    Raises:
        RequestFailedError: ``data`` has no ``choices[0].message`` (the field is named).
    """
    try:
        choice = data["choices"][0]
        message = choice["message"]
    except (KeyError, IndexError, TypeError):
        raise RequestFailedError(f"the answer has no choices[0].message: {_snippet(str(data))}",
                            attempts) from None
    content = message.get("content") if isinstance(message, Mapping) else None
    usage = data.get("usage") or {}
    return Reply(
        text=content if isinstance(content, str) else "",
        finish_reason=choice.get("finish_reason"),
        prompt_tokens=int(usage.get("prompt_tokens") or 0),
        completion_tokens=int(usage.get("completion_tokens") or 0),
        model=data.get("model"),
        attempts=attempts,
        latency_s=latency_s,
    )


def _snippet(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "..."

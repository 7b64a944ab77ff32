"""A real OpenAI-compatible server for tests, and a fault-injecting proxy in front of it.

- :class:`ServedModel` runs ``transformers serve CHECKPOINT`` (fastapi + uvicorn, from the
  ``serve`` extra) on a free loopback port, waits for ``/health``, and can be killed
  (``SIGKILL``, as a crash) and started again on the same port.
- :class:`FaultProxy` listens on another loopback port and forwards ``/v1/chat/completions``
  to the server, except for the faults scripted per question (the task's question is in the
  prompt, so a fault hits one sample whatever the order of arrival): ``"429"`` (with
  ``Retry-After: 1``), ``"500"``, ``"slow"`` (waits ``slow_s`` seconds, then answers nothing)
  and ``"drop"`` (closes the connection without an answer). When the server is down, a
  forwarded request is dropped the same way, as a load balancer in front of a dead node
  would. It logs each request's question, outcome and ``Authorization`` header.

Checked on this machine (transformers 5, CPU): ``transformers serve`` loads a local tiny LLaVA
folder with ``HF_HUB_OFFLINE=1`` (the tests' setting, :mod:`conftest`) and needs nothing from
a hub: the folder is passed as the model to preload (``FORCE_MODEL``), and requests name the
model by that same path. Start-up takes 10-25 s on two loaded cores (importing torch and
fastapi), a 32-token answer about 0.6 s.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def transformers_cli() -> str:
    """The ``transformers`` console script of this interpreter's environment."""
    script = Path(sys.executable).with_name("transformers")
    if not script.exists():
        raise RuntimeError(f"no transformers CLI beside {sys.executable}")
    return str(script)


@dataclass
class ServedModel:
    """``transformers serve`` on one checkpoint and one loopback port."""

    checkpoint: Path
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def model(self) -> str:
        """The model name requests must use (the preloaded folder's path)."""
        return str(self.checkpoint)

    def start(self, timeout_s: float = 180.0) -> None:
        """Start the server and wait until ``/health`` answers."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [transformers_cli(), "serve", str(self.checkpoint), "--host", "127.0.0.1",
                 "--port", str(self.port), "--device", "cpu", "--log-level", "warning"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True, env={**os.environ, "TRANSFORMERS_VERBOSITY": "error"},
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"transformers serve exited {self.process.returncode}:\n"
                                   f"{self.tail()}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=2).status_code \
                        == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"transformers serve not healthy after {timeout_s} s:\n{self.tail()}")

    def kill(self) -> None:
        """``SIGKILL`` the server, as a crash would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """Stop the server (``SIGTERM``, then ``SIGKILL`` after 10 s)."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


def question_of(body: Any) -> str:
    """The question of a chat-completion body: its prompt's first line, lowercased (the
    textvqa template is the capitalised question, a newline, then the answer instruction)."""
    try:
        content = body["messages"][-1]["content"]
    except (KeyError, IndexError, TypeError):
        return ""
    if not isinstance(content, str):
        texts = [part.get("text", "") for part in content if part.get("type") == "text"]
        content = texts[-1] if texts else ""
    return content.split("\n", 1)[0].strip().lower()


@dataclass
class ProxyEntry:
    """One request the proxy received."""

    question: str
    outcome: str
    authorization: str | None


class FaultProxy:
    """Forwards chat completions to ``upstream``, injecting the scripted faults."""

    def __init__(self, upstream: str, slow_s: float = 3.0) -> None:
        self.upstream = upstream.rstrip("/")
        self.slow_s = slow_s
        self.faults: dict[str, list[str]] = {}
        self.log: list[ProxyEntry] = []
        self.after_forward: Callable[[int], None] | None = None
        """Called with the number of requests forwarded so far, after each one."""
        self.forwarded = 0
        self._lock = threading.Lock()
        self._http = httpx.Client(timeout=120)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def questions(self, outcome: str | None = None) -> list[str]:
        """The questions received, in order (only those with ``outcome`` when given)."""
        with self._lock:
            return [e.question for e in self.log if outcome is None or e.outcome == outcome]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._http.close()

    def _next_fault(self, question: str) -> str | None:
        with self._lock:
            queue = self.faults.get(question)
            return queue.pop(0) if queue else None

    def _record(self, question: str, outcome: str, authorization: str | None) -> None:
        with self._lock:
            self.log.append(ProxyEntry(question, outcome, authorization))

    def _forward(self, payload: bytes) -> httpx.Response | None:
        try:
            return self._http.post(f"{self.upstream}/chat/completions", content=payload,
                                   headers={"Content-Type": "application/json"})
        except httpx.TransportError:
            return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for key, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                try:
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the client gave up (its timeout) and closed the connection
                    self.close_connection = True

            def _drop(self) -> None:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)

            def do_POST(self) -> None:
                payload = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                question = question_of(json.loads(payload or b"{}"))
                auth = self.headers.get("Authorization")
                fault = proxy._next_fault(question)
                proxy._record(question, fault or "forwarded", auth)
                if fault == "429":
                    self._reply(429, b'{"error": "rate limited"}', {"Retry-After": "1"})
                elif fault == "500":
                    self._reply(500, b'{"error": "injected"}', {})
                elif fault == "slow":
                    time.sleep(proxy.slow_s)
                    self._drop()
                elif fault == "drop":
                    self._drop()
                else:
                    answer = proxy._forward(payload)
                    if answer is None:
                        self._drop()
                        return
                    self._reply(answer.status_code, answer.content, {})
                    with proxy._lock:
                        proxy.forwarded += 1
                        count = proxy.forwarded
                    if proxy.after_forward is not None:
                        proxy.after_forward(count)

        return Handler

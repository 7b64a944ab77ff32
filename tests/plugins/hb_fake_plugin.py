"""A third-party plugin used by the tests: a scripted adapter, a tiny task, two protocols.

It is registered through the ``harmonybench.models``, ``harmonybench.tasks`` and
``harmonybench.protocols`` entry-point groups by a ``dist-info`` folder the tests write (see
``tests/plugin_env.py``), exactly as an installed plugin package would be.

``fake:ANSWERS.json`` answers from a JSON object ``{sample_id: text}``; these texts script
failures:

- ``"!raise"``: the whole batch raises (the run loop then retries sample by sample, and the
  sample raises again alone);
- ``"!oom"``: raises an ``OutOfMemoryError`` while the batch has more than one request;
- ``"!error"``: an ``Output`` with an error for this sample only;
- ``"!kill"``: the process kills itself with SIGKILL if ``--model-arg killfile=PATH`` exists
  (and deletes it first, so that the resumed run answers ``"survived"``).

``--model-arg delay=SECONDS`` sleeps per batch (to be killed mid-run); ``--model-arg
log=FILE`` appends the batch sizes it was called with.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from harmonybench.model import GenerationContext, ModelAdapter
from harmonybench.protocol import Protocol
from harmonybench.schema import Output, Request, RequestKind, Sample
from harmonybench.task import PromptTemplate, Task, frozen


class OutOfMemoryError(RuntimeError):
    """Named like torch's, which is how the run loop recognises it."""


class FakeModel(ModelAdapter):
    """Scripted answers for tests."""

    name: ClassVar[str] = "fake"
    kinds: ClassVar[frozenset[RequestKind]] = frozenset({"vqa"})

    def __init__(self, location: str | None = None, **kwargs: Any) -> None:
        super().__init__(location, **kwargs)
        self.answers: dict[str, str] = (
            json.loads(Path(location).read_text()) if location else {}
        )
        self.delay = float(self.args.get("delay", "0"))
        self.log = Path(self.args["log"]) if "log" in self.args else None
        self.killfile = Path(self.args["killfile"]) if "killfile" in self.args else None

    def generate(self, requests: Sequence[Request], context: GenerationContext) -> list[Output]:
        if self.log is not None:
            with self.log.open("a") as fh:
                fh.write(f"{len(requests)}\n")
        if self.delay:
            time.sleep(self.delay)
        texts = [self.answers.get(r.sample_id, "") for r in requests]
        if "!kill" in texts and self.killfile is not None and self.killfile.exists():
            self.killfile.unlink()
            os.kill(os.getpid(), signal.SIGKILL)
        if "!raise" in texts:
            raise ValueError("scripted failure")
        if "!oom" in texts and len(requests) > 1:
            raise OutOfMemoryError("CUDA out of memory (scripted)")
        return [
            Output(sample_id=r.sample_id, error="scripted error") if t == "!error"
            else Output(sample_id=r.sample_id,
                        text=t.replace("!oom", "oom-ok").replace("!kill", "survived"))
            for r, t in zip(requests, texts, strict=True)
        ]


class WordsTask(Task):
    """A plugin task: a JSON list of {"q": ..., "a": ...}; ids are positions."""

    name: ClassVar[str] = "fakewords"
    summary: ClassVar[str] = "test plugin task"
    default_protocol: ClassVar[str] = "fake-exact"
    protocols: ClassVar[tuple[str, ...]] = ("fake-exact", "fake-contains")
    prompts = frozen({"default": PromptTemplate("fakewords/default@1", "Q: {question}")})

    def load(self, path: str | Path, images: str | Path | None = None) -> list[Sample]:
        items = json.loads(Path(path).read_text())
        return [Sample(id=str(i), task=self.name, question=it["q"], answers=(it["a"],))
                for i, it in enumerate(items)]


class FakeExact(Protocol):
    """Plugin protocol: the prediction equals an answer."""

    name: ClassVar[str] = "fake-exact"
    metric: ClassVar[str] = "accuracy"
    reference: ClassVar[str] = "tests"
    summary: ClassVar[str] = "test plugin protocol: equality"

    def score(self, prediction: str, sample: Sample) -> float:
        return float(prediction in sample.answers)


class FakeContains(Protocol):
    """Plugin protocol: an answer occurs in the prediction."""

    name: ClassVar[str] = "fake-contains"
    metric: ClassVar[str] = "accuracy"
    reference: ClassVar[str] = "tests"
    summary: ClassVar[str] = "test plugin protocol: containment"

    def score(self, prediction: str, sample: Sample) -> float:
        return float(any(a in prediction for a in sample.answers))

"""``null``: answers every text request at once with a fixed text, touching no model.

It measures the harness itself (loading, requests, journaling, scoring): the overhead
benchmark in ``benchmarks/bench_harness.py`` runs it. ``--model-arg text=...`` sets the answer
(default: empty), ``--model-arg echo=question`` answers with the question instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from harmonybench.model import (
    GenerationContext,
    ModelAdapter,
    ModelArgError,
    unsupported_outputs,
)
from harmonybench.schema import TEXT_OUT_KINDS, Output, Request, RequestKind


class NullModel(ModelAdapter):
    """Answers instantly with a fixed text (or the question): the harness-overhead probe."""

    name: ClassVar[str] = "null"
    kinds: ClassVar[frozenset[RequestKind]] = TEXT_OUT_KINDS

    def __init__(self, location: str | None = None, *, device: str | None = None,
                 dtype: str | None = None, **args: str) -> None:
        super().__init__(location, device=device, dtype=dtype, **args)
        unknown = set(args) - {"text", "echo"}
        if unknown:
            raise ModelArgError(f"null: unknown --model-arg {', '.join(sorted(unknown))} "
                                "(known: text, echo)")
        self.text = args.get("text", "")
        self.echo = args.get("echo")
        if self.echo not in (None, "question"):
            raise ModelArgError(f"null: --model-arg echo={self.echo!r}: only 'question'")

    def generate(self, requests: Sequence[Request], context: GenerationContext) -> list[Output]:
        """One output per request, in order; image-out kinds are unsupported."""
        return [
            Output(sample_id=r.sample_id,
                   text=(r.question or "") if self.echo == "question" else self.text)
            if self.supports(r.kind) else unsupported_outputs([r], self.name)[0]
            for r in requests
        ]

"""Calling a model adapter on a batch: retried sample by sample, halved on out-of-memory.

:class:`BatchRunner` is what the run loop (:mod:`harmonybench.runner`) hands each batch of
requests to. A batch that raises is retried sample by sample; CUDA (or other accelerator)
out-of-memory halves the batch size, which then stays halved for the rest of the task; a
request that still fails alone becomes ``Output(error=...)``, so that it is journaled with its
error instead of stopping the run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import replace

from harmonybench.model import GenerationContext, ModelAdapter
from harmonybench.schema import Output, Request

log = logging.getLogger(__name__)


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` is a CUDA (or other accelerator) out-of-memory error."""
    return type(exc).__name__ == "OutOfMemoryError" or "out of memory" in str(exc).lower()


def _free_accelerator_memory() -> None:
    import sys

    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


class BatchRunner:
    """Runs batches through an adapter with retries; keeps the current batch size."""

    def __init__(self, adapter: ModelAdapter, context: GenerationContext, batch_size: int):
        self.adapter = adapter
        self.context = context
        self.batch_size = max(1, batch_size)

    def _call(self, requests: Sequence[Request]) -> list[Output]:
        start = time.perf_counter()
        outputs = self.adapter.generate(requests, self.context)
        elapsed = time.perf_counter() - start
        if len(outputs) != len(requests) or any(
            o.sample_id != r.sample_id for o, r in zip(outputs, requests, strict=False)
        ):
            raise RuntimeError(
                f"{self.adapter.name} returned {len(outputs)} outputs for {len(requests)} "
                "requests (or in another order)"
            )
        share = elapsed / max(1, len(requests))
        return [o if o.latency_s else _with_latency(o, share) for o in outputs]

    def run(self, requests: Sequence[Request]) -> list[Output]:
        """Outputs for ``requests``: whole batch, halves on OOM, one by one on other errors."""
        try:
            return self._call(requests)
        except Exception as exc:
            if is_out_of_memory(exc) and len(requests) > 1:
                _free_accelerator_memory()
                self.batch_size = max(1, len(requests) // 2)
                log.warning("out of memory with batch %d; retrying with batch size %d",
                            len(requests), self.batch_size)
                half = len(requests) // 2
                return self.run(requests[:half]) + self.run(requests[half:])
            if len(requests) == 1:
                return [Output(sample_id=requests[0].sample_id,
                               error=f"{type(exc).__name__}: {exc}")]
            log.warning("batch of %d failed (%s: %s); retrying sample by sample",
                        len(requests), type(exc).__name__, exc)
            return [out for r in requests for out in self.run([r])]


def _with_latency(output: Output, latency: float) -> Output:
    return replace(output, latency_s=latency)

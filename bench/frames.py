"""Which protocols read a model's coordinates in a frame other than the model's own.

Grounding, detection and spotting protocols come in one variant per coordinate frame
(:mod:`harmonybench.metrics.grounding`, :mod:`harmonybench.metrics.detection`); each registered
variant names its frame in a ``frame`` class attribute (``th448``, ``norm999``, ``norm1000``,
``norm1``, ``pixel``). A run headlines, per task, the variant of the model's own frame: that is
the task's ``default_protocol`` in ``scores.json`` (see
:meth:`harmonybench.task.Task.headline_protocol`). Every variant is scored in every run, but the
other frames' variants read the same answers as if they were in another frame (and score near
0), so run summaries, ``compare`` and the leaderboard headline leave them out; they stay in
``scores.json`` and in the details.

A protocol without a ``frame`` attribute (or not installed) has no frame, and a default
protocol without one makes no protocol "another frame".
"""

from __future__ import annotations

from harmonybench.errors import HarmonyBenchError


class FrameLookup:
    """Protocol frames read from the protocol registry, each protocol looked up once."""

    def __init__(self) -> None:
        self._known: dict[str, str | None] = {}

    def frame(self, protocol: str) -> str | None:
        """The coordinate frame ``protocol`` reads answers in (``None``: none, or unknown)."""
        if protocol not in self._known:
            from harmonybench.registries import PROTOCOLS

            try:
                value = getattr(PROTOCOLS.load(protocol), "frame", None)
            except HarmonyBenchError:
                value = None
            self._known[protocol] = value if isinstance(value, str) else None
        return self._known[protocol]

    def other_frame(self, protocol: str, headline: str) -> bool:
        """Whether ``protocol`` reads coordinates in another frame than ``headline``, the
        protocol the run headlines for the task (its ``default_protocol``)."""
        mine, own = self.frame(protocol), self.frame(headline)
        return mine is not None and own is not None and mine != own

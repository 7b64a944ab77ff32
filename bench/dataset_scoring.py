"""The scoring stage's dataset-level part: run a task's dataset protocols on its scored outputs.

:func:`dataset_scores` asks the task which dataset-level protocols its options enable
(:meth:`~harmonybench.task.Task.enabled_dataset_protocols`), loads them from
:data:`~harmonybench.registries.DATASET_PROTOCOLS`, refuses one that does not apply to the
task, has the task prepare the inputs once (:meth:`~harmonybench.task.Task.dataset_inputs`)
and runs each protocol on them. See :mod:`harmonybench.dataset_protocol`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from harmonybench.dataset_protocol import DatasetProtocol
from harmonybench.errors import RegistryError
from harmonybench.meaning import table_to_json
from harmonybench.schema import Record, Sample
from harmonybench.task import Task


def dataset_protocols_for(task: Task, names: Sequence[str]) -> list[DatasetProtocol]:
    """Instances of the dataset protocols ``names``, checked to apply to ``task``.

    Raises:
        RegistryError: an unknown name, or a protocol that does not apply to the task.
    """
    from harmonybench.registries import DATASET_PROTOCOLS

    protocols = []
    for name in names:
        cls = DATASET_PROTOCOLS.load(name)
        if not cls.applies_to(task.name, type(task).dataset_protocols):
            own = ", ".join(type(task).dataset_protocols) or "none"
            raise RegistryError(f"dataset protocol {name!r} does not apply to task "
                                f"{task.name!r} (its dataset protocols: {own})")
        protocols.append(cls())
    return protocols


def dataset_scores(
    task: Task, samples: Sequence[Sample], records: Sequence[Record]
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """The dataset-level scores of ``task`` and what their numbers mean.

    Args:
        task: the task, built with its options.
        samples: the scored samples.
        records: their records, aligned with ``samples``.

    Returns:
        ``(scores, metrics_info)``: ``scores`` maps each enabled protocol's name to its
        numbers (or ``{"skipped": "<why>"}``; a protocol with nothing to report is left
        out), in the order the task names them, as ``scores.json``'s ``protocols`` holds
        them; ``metrics_info`` maps the same names to their declarations in
        ``scores.json``'s form (:func:`harmonybench.meaning.table_to_json`).

    Raises:
        RegistryError: the task names an unknown dataset protocol, or one that does not
            apply to it.
        ValueError: ``samples`` and ``records`` differ in length.
    """
    if len(samples) != len(records):
        raise ValueError(f"{len(samples)} samples for {len(records)} records")
    protocols = dataset_protocols_for(task, task.enabled_dataset_protocols())
    scores: dict[str, dict[str, Any]] = {}
    info: dict[str, dict[str, Any]] = {}
    if not protocols:
        return scores, info
    inputs = task.dataset_inputs(samples, records)
    for protocol in protocols:
        result = protocol.compute(inputs)
        if result is None:
            continue
        scores[protocol.name] = dict(result)
        info[protocol.name] = table_to_json(type(protocol).metrics)
    return scores, info

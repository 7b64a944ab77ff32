"""What a metric's numbers mean: direction, unit, main metric, sufficient statistic.

Every protocol declares, per metric it reports, a :class:`MetricInfo`
(:attr:`harmonybench.protocol.BaseProtocol.metrics`), and so does every dataset-level protocol
(FID, CLIPScore, background PSNR/SSIM:
:attr:`harmonybench.dataset_protocol.DatasetProtocol.metrics`). The scoring stage writes the
declarations into ``scores.json`` (``metrics_info: {protocol: {metric: {...}}}`` per task),
and every table, chart and gate reads them from there (:class:`MetricMeanings`), falling back
to the installed registry's declaration for files written before the declarations existed.
Nothing guesses a metric's meaning from its name.

Units follow the references' own scales: ``fraction`` in [0, 1] (tables show percent),
``count`` (OCRBench's score out of 1000, line and image counts), ``sum`` (a per-sample sum
journaled to recompute a dataset number), ``fid`` (Heusel et al. 2017, lower is better),
``clipscore`` (Hessel et al. 2021, ``w * max(cos, 0)``), ``db`` (PSNR) and ``ssim`` (Wang et
al. 2004); ``number`` is what an undeclared value is shown as.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, get_args

from harmonybench.errors import HarmonyBenchError

if TYPE_CHECKING:  # resultmodels imports Unit from here
    from harmonybench.resultmodels import TaskEntry

Unit = Literal["fraction", "count", "sum", "fid", "clipscore", "db", "ssim", "number"]
UNITS: tuple[Unit, ...] = get_args(Unit)


@dataclass(frozen=True)
class MetricInfo:
    """What one metric's values mean.

    Attributes:
        unit: the scale values are stored in (see the module docstring).
        higher_is_better: the direction in which the metric improves.
        main: the protocol's main metric (one per protocol: the headline and the gate's
            first row).
        statistic: a sufficient statistic (summed matches, line or image counts) or a
            diagnostic count: kept in ``scores.json`` and the details, never headlined or
            gated.
    """

    unit: Unit = "fraction"
    higher_is_better: bool = True
    main: bool = False
    statistic: bool = False

    def to_json(self) -> dict[str, Any]:
        """The ``scores.json`` form."""
        return {"unit": self.unit, "higher_is_better": self.higher_is_better,
                "main": self.main, "statistic": self.statistic}

    @classmethod
    def from_json(cls, data: Any) -> MetricInfo:
        """Parse :meth:`to_json`'s form; raises ``ValueError`` on anything else."""
        if not isinstance(data, Mapping):
            raise ValueError("a metric declaration must be an object")
        unit = data.get("unit")
        if unit not in UNITS:
            raise ValueError(f"unit {unit!r} is not one of {', '.join(UNITS)}")
        flags = {k: data.get(k, default) for k, default in
                 (("higher_is_better", True), ("main", False), ("statistic", False))}
        for key, value in flags.items():
            if not isinstance(value, bool):
                raise ValueError(f"{key} must be true or false, got {value!r}")
        return cls(unit, flags["higher_is_better"], flags["main"], flags["statistic"])


MetricTable = Mapping[str, MetricInfo]
"""One protocol's declarations: ``{metric: MetricInfo}``."""

UNDECLARED = MetricInfo(unit="number", statistic=True)
"""The meaning of a value nobody declared: shown as a plain number, never headlined or gated."""
MAIN = MetricInfo(main=True)
"""A main metric that is a higher-is-better fraction (accuracy, ANLS, h-mean)."""
FRACTION = MetricInfo()
"""A further higher-is-better fraction (precision, recall)."""
COUNT = MetricInfo(unit="count", statistic=True)
"""A sufficient statistic that counts (lines, images, matched regions)."""
SUM = MetricInfo(unit="sum", statistic=True)
"""A per-sample sum journaled to recompute a dataset number."""
FAULTS = MetricInfo(unit="count", higher_is_better=False, statistic=True)
"""A diagnostic count of bad outputs (unparseable answers, invalid polygons)."""


def declare(**metrics: MetricInfo) -> MetricTable:
    """A read-only declaration table; exactly one metric must be ``main``.

    Raises:
        ValueError: no main metric, or more than one.
    """
    mains = [name for name, info in metrics.items() if info.main]
    if len(mains) != 1:
        raise ValueError(f"a protocol declares exactly one main metric, got {mains}")
    return MappingProxyType(dict(metrics))


def main_metric(table: MetricTable) -> str | None:
    """The declared main metric of ``table`` (``None``: none declared)."""
    return next((name for name, info in table.items() if info.main), None)


def table_to_json(table: MetricTable) -> dict[str, dict[str, Any]]:
    """A declaration table in its ``scores.json`` form."""
    return {name: info.to_json() for name, info in table.items()}


def table_from_json(data: Any) -> MetricTable:
    """Parse :func:`table_to_json`'s form; raises ``ValueError`` naming the bad metric."""
    if not isinstance(data, Mapping):
        raise ValueError("must map metric names to declarations")
    out: dict[str, MetricInfo] = {}
    for name, value in data.items():
        try:
            out[str(name)] = MetricInfo.from_json(value)
        except ValueError as exc:
            raise ValueError(f"metric {name!r}: {exc}") from None
    return MappingProxyType(out)


class MetricMeanings:
    """Declarations from a ``scores.json`` task entry, else from the installed registries.

    The registry fallback (for files written before ``metrics_info`` existed) asks the
    protocol registry first, then the dataset-level protocol registry; each is looked up
    once per instance.
    """

    def __init__(self) -> None:
        self._registry: dict[tuple[str, str], MetricTable] = {}

    def table(self, task: str, protocol: str,
              entry: TaskEntry | Mapping[str, Any] | None = None) -> MetricTable:
        """``protocol``'s declarations on ``task`` (empty when nobody declares them).

        ``entry`` is the task's ``scores.json`` entry: read and validated
        (:class:`harmonybench.resultmodels.TaskEntry`), or a plain mapping.

        Raises:
            ValueError: a plain entry's ``metrics_info`` for ``protocol`` is malformed.
        """
        if entry is not None and not isinstance(entry, Mapping):
            declared = entry.metrics_info.get(protocol)
            if declared is not None:
                return MappingProxyType({
                    metric: MetricInfo(d.unit, d.higher_is_better, d.main, d.statistic)
                    for metric, d in declared.items()})
        recorded = entry.get("metrics_info") if isinstance(entry, Mapping) else None
        if isinstance(recorded, Mapping) and protocol in recorded:
            return table_from_json(recorded[protocol])
        key = (task, protocol)
        if key not in self._registry:
            self._registry[key] = _registry_table(protocol)
        return self._registry[key]

    def info(self, task: str, protocol: str, metric: str,
             entry: TaskEntry | Mapping[str, Any] | None = None) -> MetricInfo:
        """The meaning of ``metric`` (:data:`UNDECLARED` when nobody declares it)."""
        return self.table(task, protocol, entry).get(metric, UNDECLARED)


def _registry_table(protocol: str) -> MetricTable:
    from harmonybench.registries import DATASET_PROTOCOLS, PROTOCOLS

    if protocol in PROTOCOLS:
        try:
            return PROTOCOLS.load(protocol).declared_metrics()
        except HarmonyBenchError:
            pass
    if protocol in DATASET_PROTOCOLS:
        try:
            return DATASET_PROTOCOLS.load(protocol).metrics
        except HarmonyBenchError:
            pass
    return MappingProxyType({})

"""Bar charts of degradation and of modality averages, as PNG or SVG bytes.

matplotlib is imported lazily and drawn through its Agg canvas on a :class:`Figure` of our own:
pyplot and its global figure manager are never touched, so nothing changes the caller's
backend. SVG text is drawn as paths (no font files, no external references) and its comments
are removed, so the SVG can be inlined in an HTML page as it is; each bar is a
``<g id="bar-SERIES-ROW">`` element.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from harmonybench.errors import DataError
from harmonybench.outputs import write_output

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from harmonybench.degradation import Degradation
    from harmonybench.leaderboard import Leaderboard

ImageFormat = Literal["png", "svg"]
FORMATS: tuple[ImageFormat, ...] = ("png", "svg")
PALETTE: tuple[str, ...] = (
    "#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C",
)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _grouped_bars(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]],
                  title: str, xlabel: str) -> Figure:
    """Horizontal grouped bars: one group per label, one bar per series."""
    rows = max(len(labels), 1)
    bars = max(len(series), 1)
    figure = _figure(8.0, min(2.0 + 0.28 * rows * bars + 0.25 * rows, 30.0))
    axes = figure.add_subplot()
    height = 0.8 / bars
    for i, (name, values) in enumerate(series):
        positions = [r + (i - (bars - 1) / 2) * height for r in range(len(labels))]
        shown = [0.0 if math.isnan(v) else v for v in values]
        container = axes.barh(positions, shown, height=height * 0.95, label=name,
                              color=PALETTE[i % len(PALETTE)])
        for j, bar in enumerate(container):
            bar.set_gid(f"bar-{i}-{j}")  # the SVG's <g id="bar-SERIES-ROW">, one per bar
        axes.bar_label(container, labels=["n/a" if math.isnan(v) else f"{v:+.1f}"
                                          for v in values], padding=2, fontsize=7)
    axes.set_yticks(range(len(labels)), labels)
    for tick in axes.get_yticklabels():
        if tick.get_text().endswith("MEAN"):
            tick.set_fontweight("bold")
    axes.invert_yaxis()
    axes.axvline(0.0, color="black", linewidth=0.8)
    axes.set_xlabel(xlabel)
    axes.set_title(title, fontsize=11)
    axes.grid(axis="x", alpha=0.3)
    axes.margins(x=0.15)
    if series:
        axes.legend(fontsize=8, loc="best")
    return figure


def degradation_figure(result: Degradation) -> Figure:
    """Degradation (%) of each unified model per task, then its per-modality means."""
    models = list(dict.fromkeys(r.model for r in result.rows))
    labels: list[str] = []
    keys: list[tuple[str, str]] = []
    for modality in ("text", "image"):
        tasks = list(dict.fromkeys(r.task for r in result.rows if r.modality == modality))
        for task in tasks:
            labels.append(f"{modality}-out · {task}")
            keys.append((modality, task))
        if any(m.modality == modality for m in result.means):
            labels.append(f"{modality}-out · MEAN")
            keys.append((modality, ""))
    series = []
    for model in models:
        values = []
        for modality, task in keys:
            if task:
                row = next((r for r in result.rows if r.model == model and r.task == task),
                           None)
                values.append(row.degradation if row else math.nan)
            else:
                mean = next((m for m in result.means
                             if m.model == model and m.modality == modality), None)
                values.append(mean.mean if mean else math.nan)
        series.append((model, values))
    return _grouped_bars(labels, series,
                         "Degradation of unified models vs their reference (positive = worse)",
                         "degradation (%) relative to the reference")


def averages_figure(board: Leaderboard) -> Figure:
    """Each model's per-modality coverage average (percent), its coverage in the legend."""
    headline = board.headline
    modalities = headline.modalities()
    labels = [f"{m}-out average" for m in modalities]
    series = []
    for model in board.models:
        coverage = [headline.coverage[(model.name, m)] for m in modalities]
        covers = ", ".join(f"{m}-out {c.label}" for m, c in zip(modalities, coverage,
                                                                strict=True))
        series.append((f"{model.name} ({covers})", [c.average for c in coverage]))
    return _grouped_bars(labels, series, "Per-modality average of the main metrics over the "
                         "tasks each model covers", "%")


def render(figure: Figure, fmt: ImageFormat) -> bytes:
    """The figure as PNG or SVG bytes (SVG: text as paths, comments removed)."""
    buffer = io.BytesIO()
    if fmt == "svg":
        from matplotlib import rc_context

        with rc_context({"svg.fonttype": "path", "svg.hashsalt": "harmonybench"}):
            figure.savefig(buffer, format="svg", metadata={"Date": None})
        return _COMMENT.sub("", buffer.getvalue().decode("utf-8")).encode("utf-8")
    figure.savefig(buffer, format="png", dpi=120, metadata={"Software": None})
    return buffer.getvalue()


def inline_svg(figure: Figure) -> str:
    """The figure as an ``<svg>`` element for an HTML page (no XML prolog, doctype or RDF
    metadata)."""
    text = render(figure, "svg").decode("utf-8")
    return _METADATA.sub("", text[text.index("<svg"):])


def format_of(path: str | Path) -> ImageFormat:
    """``png`` or ``svg`` from the file name.

    Raises:
        DataError: any other suffix.
    """
    suffix = Path(path).suffix.lower().lstrip(".")
    for fmt in FORMATS:
        if suffix == fmt:
            return fmt
    raise DataError(path, "a plot must be written to a .png or .svg file", field="--plot")


def save(figure: Figure, path: str | Path) -> Path:
    """Write the figure to ``path`` (PNG or SVG by its suffix)."""
    target = Path(path).expanduser()
    data = render(figure, format_of(target))
    return write_output(target, data, what="the plot")

"""The "Systems" section of a leaderboard: what each compared system is, in a sentence.

A spec entry's ``about`` (see :mod:`harmonybench.degradation`) says what the system is and,
for a unified model, why it may degrade; the section lists every model that has one, with its
role, above the tables, so a reader knows which system is unified and which are specialists
before reading a number. Models without ``about`` are listed by name and role only when some
other model has one.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from harmonybench.board_runs import ModelScores


def _role(model: ModelScores) -> str:
    """The role as the tables name it (``unified``, ``text-specialist`` ...)."""
    return model.role or "no role"


def systems_markdown(models: Sequence[ModelScores]) -> str:
    """A markdown list of the systems, or ``""`` when no model says what it is."""
    if not any(m.about for m in models):
        return ""
    lines = ["## Systems", ""]
    for model in models:
        about = f": {model.about}" if model.about else ""
        lines.append(f"- **{model.name}** ({_role(model)}){about}")
    return "\n".join(lines) + "\n"


def systems_html(models: Sequence[ModelScores]) -> str:
    """The same as an HTML section, or ``""``."""
    if not any(m.about for m in models):
        return ""
    items = "".join(
        f'<li><b>{escape(m.name)}</b> <span class="role">{escape(_role(m))}</span>'
        f"{': ' + escape(m.about) if m.about else ''}</li>" for m in models)
    return f'<section id="systems"><h2>Systems</h2><ul class="systems">{items}</ul></section>'

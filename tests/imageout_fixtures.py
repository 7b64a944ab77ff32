"""The fixtures the image-out task tests share: one task, AnyText-benchmark data, a private cache.

Test modules load them with ``pytest_plugins = ("imageout_fixtures",)`` (and never import this
module, so that pytest rewrites its asserts).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from imagedata import write_anytext

from harmonybench.registries import get_task
from harmonybench.tasks.anytext import AnyTextT2I


@pytest.fixture(scope="module")
def t2i() -> AnyTextT2I:
    """One task (one RapidOCR engine) shared by the extraction tests."""
    task = get_task("anytext-t2i")
    assert isinstance(task, AnyTextT2I)
    return task


@pytest.fixture(scope="module")
def anytext_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_anytext(tmp_path_factory.mktemp("anytext"), 4)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private XDG cache (where anytext-edit builds its inputs by default)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg"

"""Test-wide settings: no network, caches in a temporary folder."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_CACHE = Path(tempfile.mkdtemp(prefix="harmonybench-tests-"))
# Set before anything imports huggingface_hub/datasets, so that no test can reach a hub.
os.environ.update(
    HF_HUB_OFFLINE="1",
    HF_DATASETS_OFFLINE="1",
    TRANSFORMERS_OFFLINE="1",
    HF_HOME=str(_CACHE / "hf"),
    XDG_CACHE_HOME=str(_CACHE / "xdg-cache"),
    MPLCONFIGDIR=str(_CACHE / "mpl"),
    TOKENIZERS_PARALLELISM="false",
)


@pytest.fixture(autouse=True)
def _home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Point HOME at a temporary folder so no tool writes into the real one."""
    monkeypatch.setenv("HOME", str(tmp_path_factory.getbasetemp() / "home"))
    yield


@pytest.fixture
def plugin_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test plugin installed in a temporary site folder on ``sys.path``."""
    from plugin_env import install_plugin

    site = install_plugin(tmp_path / "site")
    monkeypatch.syspath_prepend(str(site))
    return site

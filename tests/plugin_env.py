"""Register ``tests/plugins/hb_fake_plugin.py`` as an installed plugin distribution.

Writes a ``dist-info`` folder with ``entry_points.txt`` into a folder that is put on
``sys.path`` (and on ``PYTHONPATH`` for subprocesses), the way pip installs a plugin package.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

PLUGIN_SOURCE = Path(__file__).parent / "plugins" / "hb_fake_plugin.py"

ENTRY_POINTS = """\
[harmonybench.models]
fake = hb_fake_plugin:FakeModel

[harmonybench.tasks]
fakewords = hb_fake_plugin:WordsTask

[harmonybench.protocols]
fake-exact = hb_fake_plugin:FakeExact
fake-contains = hb_fake_plugin:FakeContains
"""


def install_plugin(site: Path) -> Path:
    """Lay the plugin out in ``site`` as pip would; returns ``site``."""
    site.mkdir(parents=True, exist_ok=True)
    shutil.copy(PLUGIN_SOURCE, site / PLUGIN_SOURCE.name)
    info = site / "hb_fake_plugin-0.1.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hb-fake-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS)
    return site


def subprocess_env(site: Path) -> dict[str, str]:
    """An environment whose Python processes see the plugin."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(site), env.get("PYTHONPATH", "")] if p)
    return env

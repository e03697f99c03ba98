"""Test-session setup shared by tests/ and the example plugin's tests.

The example plugin must be seen the way users see plugins, through its entry point, so the test
session installs it into the test environment when it is not there yet.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import subprocess
import sys
from pathlib import Path

PLUGIN = Path(__file__).resolve().parent / "examples" / "ftlint-plugin-example"


def pytest_sessionstart(session):
    try:
        importlib.metadata.distribution("ftlint-plugin-example")
    except importlib.metadata.PackageNotFoundError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                        str(PLUGIN)], check=True)
        importlib.invalidate_caches()

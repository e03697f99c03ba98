"""Local state of submissions: outside the dataset repository by default, one file per
submission key, written atomically, with a lock so that two concurrent runs of one submission
cannot both create. It never holds a secret: ids, digests, statuses and times only."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from ..fsutil import atomic_write_text


def state_dir(env: dict | None = None) -> Path:
    """``FTLINT_STATE_DIR``, else ``$XDG_STATE_HOME/ftlint``, else ``~/.local/state/ftlint``."""
    env = os.environ if env is None else env
    if env.get("FTLINT_STATE_DIR"):
        return Path(env["FTLINT_STATE_DIR"])
    base = env.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "ftlint"


class StateStore:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or state_dir()

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def load(self, key: str) -> dict[str, Any]:
        try:
            return orjson.loads(self._path(key).read_bytes())
        except FileNotFoundError:
            return {}
        except (OSError, orjson.JSONDecodeError):
            return {}  # a damaged state file is no worse than none: the server is asked

    def save(self, key: str, state: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(str(self._path(key)), orjson.dumps(state, option=orjson.OPT_INDENT_2).decode())

    @contextlib.contextmanager
    def lock(self, key: str) -> Iterator[None]:
        """Hold the submission's lock: a second run of the same submission waits here until the
        first has created (or adopted) its job, then finds it."""
        import fcntl

        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / f"{key}.lock", "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

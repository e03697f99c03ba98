"""Writing files safely: ftlint only writes what the user asked for, never half a file, and never
over one of the files it was asked to read."""

from __future__ import annotations

import contextlib
import io
import os
import stat
from collections.abc import Iterable, Iterator
from typing import TextIO


class OutputError(Exception):
    """The report cannot (or must not) be written where the user asked; the message says why."""


def identity(path: str) -> tuple[int, int] | None:
    """(device, inode) of the file ``path`` names, through any links and spellings; None when
    there is no such file."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def refuse_overwriting_inputs(output: str, inputs: Iterable[str], stdin=None) -> None:
    """Raise :class:`OutputError` when ``output`` is one of ``inputs`` by identity: the same file
    through another spelling, a symbolic link or a hard link, or the file standard input
    (``-``) was redirected from. Called before anything is read."""
    target = identity(output)
    if target is None:  # a new file cannot be an input
        return
    for path in inputs:
        if path == "-":
            try:
                st = os.fstat(stdin.fileno()) if stdin is not None else None
            except (OSError, ValueError, AttributeError):
                st = None
            same = st is not None and (st.st_dev, st.st_ino) == target and stat.S_ISREG(st.st_mode)
            name = "standard input"
        else:
            same = identity(path) == target
            name = path
        if same:
            raise OutputError(f"the output file {output} is {name}, one of the files to lint; "
                              "writing the report there would replace the data. Choose another --output-file")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: str, text: str) -> None:
    """Write ``text`` to ``path`` as :func:`atomic_text` does."""
    with atomic_text(path) as fh:
        fh.write(text)


@contextlib.contextmanager
def atomic_text(path: str) -> Iterator[TextIO]:
    """A text stream whose writes reach ``path`` whole when the ``with`` block ends, through a
    temporary file in the same folder and a rename, as a shell's ``>`` would leave it: a symbolic
    link is written through to its target, an existing file keeps its mode, a new one gets the
    mode the umask allows, and a read-only file is refused. An exception in the block leaves the
    old file as it was. Lines end as a text-mode write ends them.

    A device, pipe or terminal such as /dev/null or /dev/stdout is written to directly, never
    swapped for a file."""
    target = os.path.realpath(path)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        with open(target, "w", encoding="utf-8") as fh:
            yield fh
        return
    if st is not None:
        # root may write anywhere; a file with no write bit at all was still meant to stay as it is
        if not os.access(target, os.W_OK) or not st.st_mode & 0o222:
            raise OutputError(f"{path} is read-only; make it writable or choose another --output-file")
        mode = stat.S_IMODE(st.st_mode)
    else:
        mode = 0o666 & ~_umask()
    # not synced: a report can be made again
    with AtomicFile(target, mode, sync=False) as raw:
        text = io.TextIOWrapper(raw.fh, encoding="utf-8")
        try:
            yield text
            text.flush()
        finally:
            text.detach()  # the file is AtomicFile's to close, whole or removed
        raw.commit()


class AtomicFile:
    """A new file written beside ``path`` (a hidden ``.ftlint-*.tmp`` in the same folder) that
    takes the name in one rename on :meth:`commit`, with ``mode`` (default: what the umask
    allows); :meth:`abort` (or leaving a ``with`` block by an exception, Ctrl-C included) removes
    it, so a reader of ``path`` sees the old file or the whole new one, never half."""

    def __init__(self, path: str, mode: int | None = None, prefix: str = ".ftlint-", sync: bool = True) -> None:
        self.path, self.sync = path, sync
        import tempfile  # 4 ms (shutil, random) that a lint writing no file should not pay

        fd, self.tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=os.path.dirname(path) or ".")
        try:
            os.fchmod(fd, 0o666 & ~_umask() if mode is None else mode)
            self.fh = os.fdopen(fd, "wb", buffering=1 << 20)
        except BaseException:
            os.close(fd)
            os.unlink(self.tmp)
            raise
        self.done = False

    def write(self, data: bytes) -> None:
        self.fh.write(data)

    def commit(self, before=None) -> None:
        """Flush to disk and rename into place; ``before()``, when given, runs after the flush and
        may raise to keep the old file (it then stays, and the new one is removed)."""
        self.fh.flush()
        if self.sync:  # the user's data: on disk before the old file goes
            os.fsync(self.fh.fileno())
        self.fh.close()
        if before is not None:
            before()
        os.replace(self.tmp, self.path)
        self.done = True

    def abort(self) -> None:
        if not self.done:
            self.fh.close()
            if os.path.exists(self.tmp):
                os.unlink(self.tmp)
            self.done = True

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(self, *exc) -> None:
        self.abort()


def write_private(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all, readable by the user only: ftlint's own
    files (cache entries, tokenizer copies), never the user's."""
    _replace(path, data)


def _replace(path: str, data: bytes, mode: int | None = None) -> None:
    """``data`` written whole to ``path`` (0600, or ``mode``) through :class:`AtomicFile`, without
    waiting for the disk: the cache's entries and the report, which can be made again."""
    with AtomicFile(path, 0o600 if mode is None else mode, sync=False) as fh:
        fh.write(data)
        fh.commit()


def git_top(start: str) -> str | None:
    """The top of the git repository ``start`` (a folder) is in, or None."""
    here = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(here, ".git")):  # a folder, or a worktree's file
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def temporary_files(prefix: str, count: int) -> list | None:
    """``count`` new temporary files, or None where the temporary folder cannot be written (the
    caller then keeps its rows in memory)."""
    import tempfile  # 4 ms (shutil, random) that a lint writing no file should not pay

    files: list = []
    try:
        for _ in range(count):
            files.append(tempfile.TemporaryFile(prefix=prefix))
    except OSError:
        for fh in files:
            fh.close()
        return None
    return files

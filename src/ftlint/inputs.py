"""The run's inputs: which files (folders walked, validation files given their role, each file
once), whether they changed while read, and how they are cut into chunks (whole files, or
newline-aligned byte ranges of large ones) for the processes that lint them."""

from __future__ import annotations

import contextlib
import dataclasses
import mmap
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from xxhash import xxh3_64_intdigest, xxh3_128

from .config import Config, bytes_from_env
from .diagnostics import ToolError
from .example import FileContext
from .fsutil import identity
from .reader import iter_dataset_files, open_dataset, utf8_lines
from .sniff import SAMPLE, sniff
from .splits import SplitNames

STDIN = "-"


@dataclass(frozen=True)
class Chunk:
    """A part of one input: a whole file, a newline-aligned byte range of one, or standard input."""

    index: int  # position in the run, which fixes the order of merges and output
    path: str  # the file to read, or "-"
    display: str
    role: str = "train"
    file_index: int = 0
    start: int = 0
    end: int | None = None  # None: to the end of the file
    first_line: int = 1
    #: For the cache (see :func:`plan_parts`): the xxh3-128 digest of the part's bytes and the
    #: number of lines it holds; None when the input is not a regular file.
    digest: bytes | None = None
    count: int = 0


def chunk_lines(path: str, start: int, end: int | None, ctx: FileContext):
    with open_dataset(path) as fh:
        if start:
            fh.seek(start)
        elif end is None:  # a whole file: it may be UTF-16 (never cut into parts, see plan_chunks)
            yield from utf8_lines(fh, ctx)
            return
        if end is None:
            yield from fh
            return
        pos = start
        for line in fh:
            yield line
            pos += len(line)
            if pos >= end:
                return


def plan_chunks(paths: list[tuple[str, str]], splittable: bool, jobs: int, chunk_bytes: int,
                 stdin_name: str = "<stdin>") -> Iterator[Chunk]:
    """Whole files, and large files in newline-aligned byte ranges when several jobs run.

    Lazy: a part is yielded as soon as its byte range is known, and the lines of a part are
    counted (for the next part's first line number) only after that, so workers start on the
    first parts while the rest of a large file is still being planned."""
    split = jobs > 1 and splittable
    index = 0
    for file_index, (path, role) in enumerate(paths):
        display = stdin_name if path == STDIN else path
        size = file_size(path) if split and path != STDIN else None
        if size is None or size < 2 * chunk_bytes:
            yield Chunk(index, path, display, role, file_index)
            index += 1
            continue
        try:
            fh = open(path, "rb")
        except OSError:  # reading it will fail again, and be reported, in run_chunk
            yield Chunk(index, path, display, role, file_index)
            index += 1
            continue
        with fh:
            if not sniff(fh.read(SAMPLE)).plain:  # decoded or split as a whole, by one process
                yield Chunk(index, path, display, role, file_index)
                index += 1
                continue
            pos, line = 0, 1
            while True:
                end = None
                if pos + chunk_bytes < size:
                    fh.seek(pos + chunk_bytes)
                    end = pos + chunk_bytes + len(fh.readline())  # to the end of the line it fell in
                    if end >= size:
                        end = None
                yield Chunk(index, path, display, role, file_index, pos, end, line)
                index += 1
                if end is None:
                    break
                fh.seek(pos)
                line += _count_newlines(fh, end - pos)
                pos = end


def plan_parts(paths: list[tuple[str, str]], splittable: bool, part_bytes: int,
               stdin_name: str = "<stdin>") -> list[Chunk]:
    """Every input in parts cut where its content says, each with its digest, for the cache.

    A part ends after a line whose xxh3 falls under a threshold proportional to the line's length,
    at least half of ``part_bytes`` and at most twice it after the part's start, so parts average
    about ``part_bytes``. The cuts depend on the lines, not on offsets: a line inserted or edited
    changes the part it is in, and the parts after it are cut as before (shifted, with new first
    line numbers, and found in the cache). Small files, files that are not plain UTF-8 JSONL and
    runs whose file rules cannot merge are one part each. Line numbers are added by
    :func:`with_first_lines`. The file is mapped, not read: digests and cuts see the page cache
    without copying it."""
    out: list[Chunk] = []
    for file_index, (path, role) in enumerate(paths):
        display = stdin_name if path == STDIN else path
        fh = None
        try:
            if path != STDIN and stat.S_ISREG(os.stat(path).st_mode):
                fh = open(path, "rb")
        except OSError:  # reading it will fail again, and be reported, in run_chunk
            fh = None
        if fh is None:
            out.append(Chunk(len(out), path, display, role, file_index))
            continue
        with fh:
            size = os.fstat(fh.fileno()).st_size
            if size == 0:
                out.append(Chunk(len(out), path, display, role, file_index, digest=xxh3_128(b"").digest()))
                continue
            try:
                mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
            except (OSError, ValueError):  # a file that shrank since, or a system that cannot map it
                out.append(Chunk(len(out), path, display, role, file_index))
                continue
            with mapped:
                view = memoryview(mapped)
                try:
                    size = len(mapped)
                    cuts: Iterable[int] = [size]
                    if splittable and size >= 2 * part_bytes and sniff(bytes(view[:SAMPLE])).plain:
                        cuts = _content_cuts(mapped, view, size, part_bytes)  # lazily: a part is let go of at once
                    start = 0
                    for end in cuts:
                        out.append(Chunk(len(out), path, display, role, file_index, start,
                                         None if end == size else end, 1, xxh3_128(view[start:end]).digest()))
                        _forget(mapped, start, end)
                        start = end
                finally:
                    view.release()
    return out


def with_first_lines(chunks: list[Chunk], counts: dict[int, int]) -> list[Chunk]:
    """``chunks`` of :func:`plan_parts` with their first line numbers and line counts: from
    ``counts`` (by chunk index; what the cache remembers of a part), else counted now."""
    out = []
    line, file_index = 1, None
    for c in chunks:
        if c.file_index != file_index:
            line, file_index = 1, c.file_index
        count = counts.get(c.index)
        if count is None:
            count = count_lines(c) if c.digest is not None else 0
        out.append(dataclasses.replace(c, first_line=line, count=count))
        line += count
    return out


def count_lines(c: Chunk) -> int:
    """The lines of a part: its newlines, and a last line without one."""
    try:
        with open(c.path, "rb") as fh:
            fh.seek(c.start)
            n = (c.end - c.start) if c.end is not None else os.fstat(fh.fileno()).st_size - c.start
            count = _count_newlines(fh, n)
            if n:
                fh.seek(c.start + n - 1)
                count += fh.read(1) != b"\n"
            return count
    except OSError:  # reading it fails again, and is reported, in run_chunk
        return 0


def _forget(mapped: mmap.mmap, start: int, end: int) -> None:
    """Let go of the pages of a part once it is digested: the file stays in the page cache, but
    the process does not hold a gigabyte file's pages in its own memory."""
    if hasattr(mmap, "MADV_DONTNEED"):
        first = start - start % mmap.PAGESIZE
        with contextlib.suppress(OSError, ValueError):
            mapped.madvise(mmap.MADV_DONTNEED, first, end - first)


def _content_cuts(mapped: mmap.mmap, view: memoryview, size: int, target: int) -> Iterator[int]:
    low, high = target // 2, 2 * target
    scale = (1 << 64) // (target - low)  # a line of n bytes ends a part with a chance of n / (target - low)
    find = mapped.find
    pos = 0
    while True:
        nl = find(b"\n", pos + low)  # the end of the line the minimum falls in
        end = size if nl < 0 else nl + 1
        while end < size and end - pos < high:
            nl = find(b"\n", end)
            after = size if nl < 0 else nl + 1
            if xxh3_64_intdigest(view[end:after]) < (after - end) * scale:
                end = after
                break
            end = after
        if end >= size:
            yield size
            return
        yield end
        pos = end


def roles(train: list[str], validation: list[str], pair_splits: bool = True,
          names: SplitNames | None = None) -> list[tuple[str, str]]:
    """(path, role) of every input, each file once: a validation file inside a linted folder is
    validation data, not training data too (linted twice, it would leak into itself). Paths under
    the working folder are shown relative to it, however the config spelled them.

    Without named validation files, and with ``pair_splits``, files named as validation or test
    splits beside a training split take those roles (see splits.py)."""
    def shown(path: str) -> str:
        if path != STDIN and os.path.isabs(path):
            rel = os.path.relpath(path)
            if not rel.startswith(".."):
                return rel
        return path

    held = {identity(p) or p for p in validation if p != STDIN}
    names = names or SplitNames()
    paired = names.paired_roles([p for p in train if p != STDIN]) if pair_splits and not validation else {}
    return [(p, paired.get(p, "train")) for p in train if p == STDIN or (identity(p) or p) not in held] + \
        [(shown(p), "validation") for p in validation]


def stamp(path: str) -> tuple[int, int] | None:
    """(size, modification time) of a regular file, to tell whether it changed during the run."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns) if stat.S_ISREG(st.st_mode) else None


def file_size(path: str) -> int | None:
    try:
        return os.path.getsize(path)
    except OSError:
        return None


def _count_newlines(fh: BinaryIO, n: int) -> int:
    count = 0
    buf = bytearray(min(n, 1 << 20))
    view = memoryview(buf)
    while n > 0:
        got = fh.readinto(view[:min(n, len(buf))])
        if not got:
            break
        count += buf.count(b"\n", 0, got)
        n -= got
    return count


def collect_paths(paths: Iterable[str], config: Config, force_exclude: bool = False,
                  errors: list[ToolError] | None = None, skipped: list | None = None) -> list[str]:
    """Expand directories into their dataset files; keep explicit files unless force-excluded.
    Files of a folder that are not regular files (FIFOs, devices) go to ``skipped``."""
    out: list[str] = []
    for p in paths:
        if p == STDIN:
            out.append(p)
        elif os.path.isdir(p):
            out.extend(iter_dataset_files(p, config.is_excluded, skipped, config.respect_gitignore))
        elif os.path.exists(p):
            if not (force_exclude and config.is_excluded(p)):
                out.append(p)
        elif errors is not None:
            errors.append(ToolError("io", f"no such file or directory: {p}", path=p))
    seen: set[str] = set()
    return [p for p in out if not (p in seen or seen.add(p))]


DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024


MIN_CHUNK_BYTES = 4096


def chunk_bytes_from_env() -> int:
    """``FTLINT_CHUNK_BYTES``, checked: a whole number of bytes, at least 4 KiB (smaller parts
    cost more in process traffic than they save), else a :class:`ConfigError`."""
    return bytes_from_env("FTLINT_CHUNK_BYTES", DEFAULT_CHUNK_BYTES, MIN_CHUNK_BYTES)


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)

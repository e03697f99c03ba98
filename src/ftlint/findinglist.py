"""The run's diagnostics, held so that memory does not grow with their number: a list of up to
:data:`HELD` in memory, sorted into runs in a temporary file beyond that, and read back merged
in order. A dataset with a problem on every line makes a finding a line (250 bytes each in
memory), so a 10 GB file of them would otherwise need gigabytes."""

from __future__ import annotations

import os
import pickle
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import fields
from heapq import merge
from itertools import islice, repeat
from operator import attrgetter
from typing import Any

from .diagnostics import Diagnostic
from .fsutil import temporary_files

HELD = 1 << 14  # diagnostics kept in memory before they are sorted into a run on disk (about 4 MB)
BLOCK = 256  # diagnostics pickled together: a run being read holds one block in memory
FAN_IN = 16  # runs of one size merged into one bigger run, so that a read merges few runs

#: The order of diagnostics (their compared fields) as a C-level key: the dataclass's own
#: ``__lt__`` is Python code, called twice a comparison by a merge.
ORDER = attrgetter(*(f.name for f in fields(Diagnostic) if f.compare))
_NAMES = [f.name for f in fields(Diagnostic)]
_GET = [attrgetter(name) for name in _NAMES]
_SET = [getattr(Diagnostic, name).__set__ for name in _NAMES]  # the slots' own setters


class FindingList:
    """A sequence of :class:`ftlint.diagnostics.Diagnostic` that is always read in sorted order
    (path, line, code, pointer; equal ones in the order they were added, as ``list.sort``
    leaves them). ``len``, iteration, indexing, ``append``, ``extend`` and comparison with a list
    work as on a sorted list; every read of a spilled list reads its file again (about a
    microsecond a diagnostic). :meth:`tally` counts without reading."""

    def __init__(self, items: Iterable = ()) -> None:
        self._held: list = []
        self._sorted = True
        #: the runs in the order they were made, each (level, its blocks' (offset, size)); a run of
        #: level L holds the diagnostics of at least FAN_IN ** L spills
        self._runs: list[tuple[int, list[tuple[int, int]]]] = []
        self._file: Any = None  # the temporary file, once made; False where none can be made
        self._end = 0
        self._count = 0
        self._tally: Counter = Counter()
        self.extend(items)

    def append(self, item: Diagnostic) -> None:
        self._held.append(item)
        self._sorted = False
        self._count += 1
        self._tally[item.code, item.severity, item.fixable] += 1
        if len(self._held) >= HELD and self._file is not False:
            self._spill()

    def extend(self, items: Iterable) -> None:
        for item in items:
            self.append(item)

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def tally(self) -> Counter:
        """How many diagnostics there are of each (code, severity, fixable)."""
        return Counter(self._tally)

    def __iter__(self) -> Iterator[Diagnostic]:
        if self._runs and (self._held or len(self._runs) > 1):
            # merged into one run once, so that each later read is a plain read of the file
            if self._held:
                self._spill()
            if len(self._runs) > 1:
                level = max(level for level, _ in self._runs)
                self._runs = [(level + 1, self._write(self._merged(self._runs)))]
        if not self._sorted:
            self._held.sort(key=ORDER)
            self._sorted = True
        if not self._runs:
            return iter(self._held)
        return self._read(self._runs[0][1])

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._count)
            return list(self)[index] if step < 0 else list(islice(self, start, stop, step))
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError("finding index out of range")
        return next(islice(self, index, None))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FindingList | list | tuple):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    def __repr__(self) -> str:
        return f"FindingList({self._count:,} diagnostics, {len(self._runs)} runs on disk)"

    @property
    def spilled(self) -> bool:
        """Whether some diagnostics are held in the temporary file."""
        return bool(self._runs)

    def _spill(self) -> None:
        if self._file is None:
            files = temporary_files("ftlint-findings-", 1)
            if files is None:  # no writable temporary folder: they stay in memory
                self._file = False
                return
            self._file = files[0]
        self._held.sort(key=ORDER)
        self._runs.append((0, self._write(self._held)))
        self._held = []
        self._sorted = True
        # FAN_IN runs of one level (the last ones made: levels only fall along the list) become
        # one run of the next: each diagnostic is written once a level, and a read merges at
        # most FAN_IN runs a level. What they took in the file is not reused.
        runs = self._runs
        while len(runs) >= FAN_IN and runs[-FAN_IN][0] == runs[-1][0]:
            level = runs[-1][0]
            runs[-FAN_IN:] = [(level + 1, self._write(self._merged(runs[-FAN_IN:])))]

    def _merged(self, runs: list) -> Iterator[Diagnostic]:
        # heapq.merge keeps equal items in the order of its inputs: the runs in the order made
        return merge(*(self._read(blocks) for _, blocks in runs), key=ORDER)

    def _write(self, items: Iterable[Diagnostic]) -> list[tuple[int, int]]:
        # A block is pickled as one list a field: the strings a block repeats are written once,
        # and it is read back without calling the dataclass's __init__ or pickle's __setstate__
        # a diagnostic (5.8 µs each; 1 µs this way).
        blocks = []
        it = iter(items)
        while block := list(islice(it, BLOCK)):
            data = pickle.dumps([list(map(get, block)) for get in _GET], pickle.HIGHEST_PROTOCOL)
            self._file.seek(self._end)
            self._file.write(data)
            blocks.append((self._end, len(data)))
            self._end += len(data)
        self._file.flush()
        return blocks

    def _read(self, blocks: list[tuple[int, int]]) -> Iterator[Diagnostic]:
        fd = self._file.fileno()
        new = object.__new__
        for offset, size in blocks:
            columns = pickle.loads(os.pread(fd, size, offset))
            made = list(map(new, repeat(Diagnostic, len(columns[0]))))
            for put, values in zip(_SET, columns):
                deque(map(put, made, values), 0)
            yield from made

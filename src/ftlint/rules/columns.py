"""The per-example keys of the dataset rules, which grow with the data: parallel typed columns
kept in memory up to :data:`SPILL_ROWS` rows, then appended to temporary files and read back
with ``pread`` when the rule finishes (:class:`FileColumn`). A 10 GB dataset's keys (some 350
MB) stay on disk; what is in memory is a bounded tail and the slice a pass is reading
(:func:`scan`). Equal keys are grouped a bucket at a time, the buckets waiting on disk too
(:func:`repeated_groups`), so memory follows the groups found, not the rows.
"""

from __future__ import annotations

import os
import sys
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from heapq import merge
from operator import itemgetter

from ..fsutil import temporary_files

SPILL_ROWS = 1 << 16  # rows a state keeps in memory before it spills (FT704: 5.5 MB)
BUCKET_ROWS = 1 << 16  # more rows than this: repeated keys are found a bucket of keys at a time
SCAN_ROWS = 1 << 16  # rows a pass over a spilled column reads at once (512 KB of 8-byte keys)
_ORDER = sys.byteorder  # array.tofile writes the machine's order


class Columns:
    """Parallel columns of unsigned integers, one typecode each (``"Q"`` 8 bytes, ``"I"`` 4)."""

    def __init__(self, codes: str) -> None:
        self.codes = codes
        self.live = [array(c) for c in codes]
        self.files: list | None = None  # one temporary file per column, once spilled
        self.spilled = 0
        self._views: list | None = None

    def __len__(self) -> int:
        return self.spilled + len(self.live[0])

    def append(self, row: Sequence[int]) -> None:
        for column, value in zip(self.live, row):
            column.append(value)
        if len(self.live[0]) >= SPILL_ROWS:
            self.spill()

    def extend(self, other: Columns) -> None:
        self._views = None
        if other.files is not None:
            other.spill()
            self.spill(force=True)
            if self.files is None:  # the temporary folder cannot be written: keep it in memory
                for mine, theirs in zip(self.live, other.columns()):
                    mine.extend(theirs)
                return
            for mine, theirs in zip(self.files, other.files):
                theirs.seek(0)
                while block := theirs.read(1 << 20):
                    mine.write(block)
            self.spilled += other.spilled
            return
        for mine, theirs in zip(self.live, other.live):
            mine.extend(theirs)
        if len(self.live[0]) >= SPILL_ROWS:
            self.spill()

    def spill(self, force: bool = False) -> None:
        """Move the rows in memory to the files (made on first use)."""
        if not self.live[0] and not force:
            return
        self._views = None
        if self.files is None:
            self.files = temporary_files("ftlint-keys-", len(self.codes))
            if self.files is None:
                return
        for column, fh in zip(self.live, self.files):
            fh.seek(0, 2)
            column.tofile(fh)
        self.spilled += len(self.live[0])
        self.live = [array(c) for c in self.codes]

    def columns(self) -> list:
        """The columns as sequences (indexing, slicing, iteration, ``len``): the arrays themselves,
        or readers of the spilled files. Valid until the next append."""
        if self.files is None:
            return self.live
        if self._views is None:
            self.spill()
            for fh in self.files:
                fh.flush()
            self._views = [FileColumn(fh.fileno(), code, self.spilled) for code, fh in zip(self.codes, self.files)]
        return self._views

    def materialize(self) -> None:
        """Bring spilled rows back into memory (a state that must cross processes or move)."""
        if self.files is None:
            return
        views = self.columns()
        live = [view[:] for view in views]  # each column in reads of SCAN_ROWS rows
        self._views = None
        for fh in self.files:
            fh.close()
        self.files, self.spilled, self.live = None, 0, live

    def __getstate__(self) -> dict:
        self.materialize()
        return {"codes": self.codes, "live": self.live}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["codes"])
        self.live = state["live"]


class FileColumn:
    """A spilled column, read with ``pread``: a row read at random costs a system call and holds
    no memory afterwards. (A memory map held what it read: on kernels that cache files in large
    folios, each fault maps up to a megabyte around the row, so reading keys at random made the
    process's resident size grow by about a megabyte a row until the pages were let go of.)"""

    __slots__ = ("fd", "typecode", "itemsize", "rows")

    def __init__(self, fd: int, typecode: str, rows: int) -> None:
        self.fd, self.typecode, self.rows = fd, typecode, rows
        self.itemsize = array(typecode).itemsize

    def __len__(self) -> int:
        return self.rows

    def __getitem__(self, index):
        if type(index) is int:
            if not 0 <= index < self.rows:
                raise IndexError("row out of range")
            return int.from_bytes(os.pread(self.fd, self.itemsize, index * self.itemsize), _ORDER)
        start, stop, step = index.indices(self.rows)
        if step != 1:
            raise ValueError("a column is read in order")
        out = array(self.typecode)
        size = self.itemsize
        while start < stop:
            got = os.pread(self.fd, min(stop - start, SCAN_ROWS) * size, start * size)
            if not got:
                raise OSError(f"a spilled column ends at row {start} of {self.rows}")
            out.frombytes(got)
            start += len(got) // size
        return out

    def __iter__(self) -> Iterator[int]:
        for part in scan(self):
            yield from part


def scan(column: Sequence[int]) -> Iterator[Sequence[int]]:
    """A column in slices of :data:`SCAN_ROWS` rows, in order: a spilled column is read a slice
    at a time, never whole."""
    for start in range(0, len(column), SCAN_ROWS):
        yield column[start:start + SCAN_ROWS]


def ascending(column: Sequence[int]) -> bool:
    """Whether a column never goes down (read once, in order, a slice at a time at C speed)."""
    last = 0
    for part in scan(column):
        values = part.tolist()  # a slice of an array or a FileColumn is an array
        if values[0] < last or values != sorted(values):
            return False
        last = values[-1]
    return True


def repeated_groups(keys: Sequence[int], locs: Sequence[int] | None) -> Iterator[list[int]]:
    """Indexes of rows sharing a key, for every key seen more than once: each group in location
    order (``locs`` None: the rows are in that order), the groups in the order of their first
    row. Above :data:`BUCKET_ROWS` rows the keys are read once, in order, and sorted into
    buckets (by their top bits) that wait in a temporary file, each key beside its row; they
    are counted a bucket at a time, so memory holds one bucket. The groups come out the same,
    in the same order."""
    n = len(keys)
    if n <= BUCKET_ROWS:
        found = _repeated(keys, range(n))
    else:
        bits = (n // BUCKET_ROWS).bit_length()
        with _Buckets(1 << bits, keys.typecode) as buckets:
            shift = keys.itemsize * 8 - bits
            rows = [b.append for b in buckets.rows]
            values = [b.append for b in buckets.keys]
            start = 0
            for part in scan(keys):
                for i, k in enumerate(part, start):
                    bucket = k >> shift
                    rows[bucket](i)
                    values[bucket](k)
                start += len(part)
                buckets.flush()
            # each bucket's groups packed into two arrays (4 bytes a member and a group, where a
            # list of lists takes about 40 a member and 70 a group), and the buckets merged by
            # their groups' first rows: each bucket lists its groups in that order already
            code = "I" if n < 1 << 32 else "Q"
            packed = [PackedGroups(_repeated(*buckets.read(bucket)), code) for bucket in range(1 << bits)]
        found = merge(*packed, key=itemgetter(0))
    if locs is None:  # the rows are in location order already: so is each group
        yield from found
        return
    for members in found:
        yield sorted(members, key=locs.__getitem__)


class _Buckets:
    """Rows and their keys sorted into buckets, appended to one temporary file a slice at a time
    and read back a bucket at a time. Where no temporary file can be made they stay in memory."""

    def __init__(self, count: int, code: str) -> None:
        self.code = code
        self.rows = [array("I") for _ in range(count)]
        self.keys = [array(code) for _ in range(count)]
        # where each bucket's slices sit in the file: offsets and row counts, 12 bytes a slice
        self.offsets = [array("Q") for _ in range(count)]
        self.counts = [array("I") for _ in range(count)]
        files = temporary_files("ftlint-groups-", 1)
        self.file = files[0] if files else None

    def __enter__(self) -> _Buckets:
        return self

    def __exit__(self, *exc) -> None:
        if self.file is not None:
            self.file.close()

    def flush(self) -> None:
        if self.file is None:
            return
        fh = self.file
        for rows, keys, offsets, counts in zip(self.rows, self.keys, self.offsets, self.counts):
            if rows:
                offsets.append(fh.tell())
                counts.append(len(rows))
                rows.tofile(fh)
                keys.tofile(fh)
                del rows[:], keys[:]

    def read(self, bucket: int) -> tuple[array, array]:
        """(keys, rows) of one bucket, rows ascending."""
        if self.file is None:
            return self.keys[bucket], self.rows[bucket]
        rows, keys = array("I"), array(self.code)
        for offset, count in zip(self.offsets[bucket], self.counts[bucket]):
            self.file.seek(offset)
            rows.fromfile(self.file, count)
            keys.fromfile(self.file, count)
        return keys, rows


class PackedGroups:
    """Groups of row indexes held in two arrays, the rows one after another and where each group
    ends; iterated, each group comes back as a list. For groups kept while others are found."""

    __slots__ = ("rows", "ends")

    def __init__(self, groups: Iterable[list[int]], code: str = "Q") -> None:
        self.rows, self.ends = array(code), array(code)
        for members in groups:
            self.add(members)

    def add(self, members: list[int]) -> None:
        self.rows.extend(members)
        self.ends.append(len(self.rows))

    def __iter__(self) -> Iterator[list[int]]:
        start = 0
        rows = self.rows
        for end in self.ends:
            yield rows[start:end].tolist()
            start = end


def _repeated(values: Sequence[int], rows: Sequence[int]) -> list[list[int]]:
    """The groups of ``rows`` (ascending indexes, ``values`` their keys) whose keys repeat, in the
    order of their first row. Counting at C speed and visiting only the repeated keys is several
    times faster than sorting every index by its key: repeats are the rare case."""
    counts = Counter(values)
    if len(counts) == len(values):
        return []
    repeated = {k for k, c in counts.items() if c > 1}
    del counts
    groups: dict[int, list[int]] = {}
    for i, k in zip(rows, values):
        if k in repeated:
            groups.setdefault(k, []).append(i)
    return list(groups.values())

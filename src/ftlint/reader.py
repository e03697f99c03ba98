"""Streaming reader: bytes in, one :class:`Example` per line out. Nothing holds the file."""

from __future__ import annotations

import io
import json
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator
from typing import BinaryIO

import orjson

from .example import HUGE_LINE, Example, FileContext, ParseError, detect_kind
from .sniff import SAMPLE, sniff

BOM = b"\xef\xbb\xbf"
#: What a folder walk lints: JSONL, plain or compressed in a way the reader undoes.
DATASET_SUFFIXES = tuple(f"{base}{packed}" for base in (".jsonl", ".ndjson")
                         for packed in ("", ".gz", ".zst", ".zstd", ".bz2", ".xz"))
#: Folders a walk never enters, as every tool that walks a project skips them (hidden folders,
#: .git and .venv among them, are skipped too; so is any folder holding a virtualenv's pyvenv.cfg).
SKIPPED_FOLDERS = frozenset({"node_modules", "__pycache__", "site-packages", "venv", "env"})


def utf8_lines(stream: BinaryIO, ctx: FileContext) -> Iterator[bytes]:
    """The lines of a whole stream, as UTF-8, whatever its first bytes show it to be (see
    :mod:`ftlint.sniff`): UTF-16 and UTF-32 (Windows PowerShell's ``>`` writes UTF-16) are
    decoded and CR-only line ends split, so the examples can still be checked; a compressed file
    yields no line. ``ctx`` records what was found, for the rules that report it."""
    head = _read_up_to(stream, SAMPLE)
    found = sniff(head, complete=len(head) < SAMPLE)
    ctx.encoding, ctx.encoding_bom = found.encoding, found.bom
    ctx.compression, ctx.cr_lines = found.compression, found.cr_lines
    if found.compression:
        opener = _DECOMPRESS.get(found.compression)
        if opener is None or ctx.decompressed:  # a zip archive, or a compressed file inside a compressed one
            return
        ctx.decompressed, ctx.compression = found.compression, None
        unpacked = _Unpacked(found.compression, opener(io.BufferedReader(_Prefixed(head, stream))), ctx)
        yield from utf8_lines(io.BufferedReader(unpacked, 1 << 20), ctx)
        return
    if found.encoding != "UTF-8":
        raw = io.BufferedReader(_Prefixed(head[found.bom_size:], stream))
        text = io.TextIOWrapper(raw, encoding=found.encoding.lower(), errors="replace", newline="")
        for line in text:
            yield line.encode("utf-8", "surrogatepass")
        return
    if found.cr_lines:
        yield from _cr_lines(head, stream)
        return
    start = 0
    while True:
        end = head.find(b"\n", start)
        if end < 0:
            break
        yield head[start:end + 1]
        start = end + 1
    rest = head[start:]
    if rest:
        yield rest + stream.readline()  # the line the sample ended in
    yield from stream


def _read_up_to(stream: BinaryIO, n: int) -> bytes:
    data = stream.read(n)
    while data and len(data) < n:  # a pipe may give less than asked before its end
        more = stream.read(n - len(data))
        if not more:
            break
        data += more
    return data


class _Prefixed(io.RawIOBase):
    """``head`` then the rest of ``stream``, as one raw stream (for a text decoder); closing it
    leaves ``stream`` open (standard input stays open)."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self.head, self.stream = head, stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.head:
            n = min(len(buffer), len(self.head))
            buffer[:n] = self.head[:n]
            self.head = self.head[n:]
            return n
        data = self.stream.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def _zstd(raw: BinaryIO) -> BinaryIO:
    import zstandard

    return zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)


def _gzip(raw: BinaryIO) -> BinaryIO:
    import gzip

    return gzip.GzipFile(fileobj=raw, mode="rb")


def _bz2(raw: BinaryIO) -> BinaryIO:
    import bz2

    return bz2.BZ2File(raw)


def _xz(raw: BinaryIO) -> BinaryIO:
    import lzma

    return lzma.LZMAFile(raw)


#: The compressions read through (a zip archive is a folder of files, not a stream: it is not read).
_DECOMPRESS = {"gzip": _gzip, "zstd": _zstd, "bzip2": _bz2, "xz": _xz}


class _Unpacked(io.RawIOBase):
    """A decompressing stream that ends where its data is damaged (a truncated or corrupt file),
    noting why in ``ctx.damaged``: what came before is checked, and the damage is a finding about
    the file (a rule's), not a crash. An error reading the file itself stays an OSError."""

    def __init__(self, kind: str, inner: BinaryIO, ctx: FileContext) -> None:
        self.kind, self.inner, self.ctx = kind, inner, ctx

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.ctx.damaged:
            return 0
        try:
            data = self.inner.read(len(buffer))
        except Exception as exc:  # EOFError, zlib.error, lzma.LZMAError, zstandard.ZstdError, BadGzipFile
            self.ctx.damaged = f"{type(exc).__name__}: {exc}"
            return 0
        buffer[:len(data)] = data
        return len(data)


def _cr_lines(head: bytes, stream: BinaryIO) -> Iterator[bytes]:
    """Lines that end with CR alone, each given an LF end as the reader expects."""
    pending = b""
    block = head
    while block:
        parts = (pending + block).split(b"\r")
        pending = parts.pop()
        for part in parts:
            yield part + b"\n"
        block = stream.read(1 << 20)
    if pending:
        yield pending


def read_examples(stream: BinaryIO | Iterable[bytes], ctx: FileContext, first_line: int = 1) -> Iterator[Example]:
    """Yield every line of ``stream`` as an Example; lines that do not parse carry an error.
    ``first_line`` is the line number of the stream's first line (parts of a file start later)."""
    loads = orjson.loads
    JSONDecodeError = orjson.JSONDecodeError
    path, method = ctx.path, ctx.method
    lineno = first_line - 1
    size = crlf = 0
    for raw in stream:
        lineno += 1
        size += len(raw)
        if raw[-1:] == b"\n":
            raw = raw[:-1]
            if raw[-1:] == b"\r":
                raw = raw[:-1]
                crlf += 1
        bom = False
        if lineno == 1 and raw.startswith(BOM):
            raw = raw[3:]
            bom = ctx.bom = True
        try:
            data = loads(raw) if len(raw) < HUGE_LINE else _loads_huge(raw)
        except JSONDecodeError:
            ex = _broken(path, lineno, raw, bom, method)
        else:
            if type(data) is dict:
                ex = Example(path, lineno, raw, data, detect_kind(data, method), None, bom)
            else:
                ex = _not_object(path, lineno, raw, data, bom)
        ex.ctx = ctx
        if ex.kind != "invalid" or ex.error.kind != "blank":
            ctx.examples += 1
        yield ex
    ctx.lines = lineno
    ctx.size = size
    ctx.crlf_lines = crlf


_LONE_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _big_int(text: str):
    # as orjson reads integers: 64-bit ones exactly, others as floats
    value = int(text)
    return value if -(1 << 63) <= value < (1 << 64) else float(value)


def _refuse_constant(name: str):
    raise orjson.JSONDecodeError(f"{name} is not JSON", "", 0)


def _loads_huge(raw: bytes):
    """``orjson.loads(raw)`` in the memory of Python's parser: the same values, and the same
    refusals (NaN, Infinity and lone surrogates send the line to :func:`_broken`, as orjson's
    refusal does)."""
    if _LONE_SURROGATE_ESCAPE.search(raw):
        return orjson.loads(raw)  # rare; let orjson judge the surrogates exactly
    try:
        return json.loads(raw, parse_int=_big_int, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and integers over 4,300 digits
        if isinstance(exc, orjson.JSONDecodeError):
            raise
        raise orjson.JSONDecodeError(str(exc), "", 0) from None


def _not_object(path: str, lineno: int, raw: bytes, data: object, bom: bool) -> Example:
    kind = type(data).__name__
    names = {"list": "an array", "str": "a string", "int": "a number", "float": "a number",
             "bool": "a boolean", "NoneType": "null"}
    error = ParseError("not-object", f"the line is {names.get(kind, kind)}, not a JSON object")
    return Example(path, lineno, raw, data, "invalid", error, bom)


def _broken(path: str, lineno: int, raw: bytes, bom: bool, method: str) -> Example:
    """Explain a line orjson rejected, in the words of Python's json module (which is what the
    OpenAI server quotes), or accept it when Python's parser does."""
    if not raw.strip():
        return Example(path, lineno, raw, None, "invalid", ParseError("blank", "blank line"), bom)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = raw[exc.start : exc.start + 4]
        msg = f"invalid UTF-8 byte sequence {bad.hex(' ')} at byte {exc.start + 1} ({exc.reason})"
        return Example(path, lineno, raw, None, "invalid", ParseError("utf8", msg, exc.start + 1), bom)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"{exc.msg}: line 1 column {exc.colno} (char {exc.pos})"
        return Example(path, lineno, raw, None, "invalid", ParseError("json", msg, exc.colno), bom)
    except RecursionError:
        return Example(path, lineno, raw, None, "invalid",
                       ParseError("json", "the JSON is nested too deeply to parse"), bom)
    except ValueError:  # an integer of more digits than Python converts (4,300 by default)
        return Example(path, lineno, raw, None, "invalid", _huge_integer(text), bom)
    if type(data) is not dict:
        return _not_object(path, lineno, raw, data, bom)
    return Example(path, lineno, raw, data, detect_kind(data, method), None, bom, lenient=True)


def _huge_integer(text: str) -> ParseError:
    match = _LONG_DIGITS.search(text)
    column = match.start() + 1 if match else None
    digits = len(match.group()) if match else 0
    return ParseError("json", f"a number of {digits:,} digits at column {column}: Python's JSON parser refuses "
                      f"integers of more than {getattr(sys, 'get_int_max_str_digits', lambda: 4300)():,} "
                      "digits, and no model "
                      "needs one", column)


_LONG_DIGITS = re.compile(r"[0-9]{4000,}")


def open_dataset(path: str) -> BinaryIO:
    # A large buffer keeps the per-line cost of iteration low on multi-GB files.
    return open(path, "rb", buffering=1 << 20)


def iter_dataset_files(root: str, is_excluded, skipped: list | None = None, gitignore: bool = True) -> Iterator[str]:
    """Walk ``root`` for dataset files in a stable order, skipping excluded, hidden and
    :data:`SKIPPED_FOLDERS` folders, virtualenvs, and, with ``gitignore``, what the ``.gitignore``
    files of the repository say (those above ``root`` up to the repository's top, and those met
    on the way down; see :mod:`ftlint.ignores`).

    Only regular files are yielded: a FIFO, socket or device named ``*.jsonl`` would block the run
    or read forever, so it is left out and, when ``skipped`` is given, listed there as (path, why).
    (Named on the command line, such a file is read: the user asked for it.)"""
    from .ignores import GitIgnores

    ignores = GitIgnores.above(root) if gitignore else None
    for dirpath, dirnames, filenames in os.walk(root):
        if ignores is not None:
            ignores.enter(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and d not in SKIPPED_FOLDERS
            and not os.path.exists(os.path.join(dirpath, d, "pyvenv.cfg"))
            and not is_excluded(os.path.join(dirpath, d))
            and not (ignores is not None and ignores.ignored(os.path.join(dirpath, d), folder=True))
        )
        for name in sorted(filenames):
            if name.endswith(DATASET_SUFFIXES):
                full = os.path.join(dirpath, name)
                if is_excluded(full) or (ignores is not None and ignores.ignored(full)):
                    continue
                kind = _special_kind(full)
                if kind is not None:
                    if skipped is not None:
                        skipped.append((full, f"{kind}, not a regular file"))
                    continue
                yield full


def _special_kind(path: str) -> str | None:
    """What a path is when it is neither a regular file nor missing (a broken link is reported
    when it is read)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a file"

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

BOM = b"\xef\xbb\xbf"
UTF16_BOMS = {b"\xff\xfe": "UTF-16LE", b"\xfe\xff": "UTF-16BE"}
DATASET_SUFFIXES = (".jsonl", ".ndjson")


def is_utf16(head: bytes) -> bool:
    return head[:2] in UTF16_BOMS


def utf8_lines(stream: BinaryIO, ctx: FileContext) -> Iterator[bytes]:
    """The lines of a whole stream, as UTF-8. A stream that starts with a UTF-16 byte order mark
    (Windows PowerShell's ``>`` and ``Out-File`` write files so) is decoded, so its examples can still be
    checked, and ``ctx.encoding`` names the encoding for the rule that reports it."""
    head = stream.read(2)
    encoding = UTF16_BOMS.get(head)
    if encoding is None:
        if head:
            if not head.endswith(b"\n"):
                head += stream.readline()
            cut = head.find(b"\n") + 1  # the two bytes read may have ended a blank first line
            if 0 < cut < len(head):
                yield head[:cut]
                head = head[cut:]
            yield head
        yield from stream
        return
    ctx.encoding = encoding
    text = io.TextIOWrapper(stream, encoding=encoding.lower(), errors="replace", newline="")
    try:
        for line in text:
            yield line.encode("utf-8", "surrogatepass")
    finally:
        text.detach()  # the caller closes its stream (standard input stays open)


def read_examples(stream: BinaryIO | Iterable[bytes], ctx: FileContext, first_line: int = 1) -> Iterator[Example]:
    """Yield every line of ``stream`` as an Example; lines that do not parse carry an error.
    ``first_line`` is the line number of the stream's first line (parts of a file start later)."""
    loads = orjson.loads
    JSONDecodeError = orjson.JSONDecodeError
    path, method = ctx.path, ctx.method
    lineno = first_line - 1
    size = 0
    for raw in stream:
        lineno += 1
        size += len(raw)
        if raw[-1:] == b"\n":
            raw = raw[:-1]
            if raw[-1:] == b"\r":
                raw = raw[:-1]
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
                      f"integers of more than {getattr(sys, 'get_int_max_str_digits', lambda: 4300)():,} digits, and no model "
                      "needs one", column)


_LONG_DIGITS = re.compile(r"[0-9]{4000,}")


def open_dataset(path: str) -> BinaryIO:
    # A large buffer keeps the per-line cost of iteration low on multi-GB files.
    return open(path, "rb", buffering=1 << 20)


def iter_dataset_files(root: str, is_excluded, skipped: list | None = None) -> Iterator[str]:
    """Walk ``root`` for dataset files in a stable order, skipping excluded and hidden folders.

    Only regular files are yielded: a FIFO, socket or device named ``*.jsonl`` would block the run
    or read forever, so it is left out and, when ``skipped`` is given, listed there as (path, why).
    (Named on the command line, such a file is read: the user asked for it.)"""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and not is_excluded(os.path.join(dirpath, d))
        )
        for name in sorted(filenames):
            if name.endswith(DATASET_SUFFIXES):
                full = os.path.join(dirpath, name)
                if is_excluded(full):
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

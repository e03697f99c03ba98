"""Fixing files (``ftlint fix``): every line read once and handed to the rules that have a fix
(:attr:`ftlint.rule.Rule.autofix`), in code order; a line no rule repaired is written back byte
for byte, a repaired one in the JSON style of the line it replaces, and a dropped one is listed.

A file is replaced only by a complete new one: the fixed lines go to a temporary file in the same
folder, which takes the old file's name (and mode) in one rename, after ftlint has checked that
the file still holds the bytes it read. A run killed half-way leaves the original as it was. The
engine's layer: no rule is named here."""

from __future__ import annotations

import copy
import datetime
import io
import json
import os
import stat
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from xxhash import xxh3_128

from .diagnostics import PLUGIN_FAILURES, Severity, ToolError
from .example import Example, FileContext, detect_kind
from .fsutil import AtomicFile
from .inputs import stamp
from .reader import BOM, read_examples, utf8_lines
from .rule import DROP, DatasetRule, FileRule, Rule


@dataclass
class FileFix:
    """What a fix did (or, with ``--diff``, would do) to one file."""

    path: str
    #: Problems repaired, by rule code; a dropped example counts once, under the rule that dropped it.
    by_code: Counter = field(default_factory=Counter)
    lines_changed: int = 0
    #: (line, code, rule name) of every example removed: never silently.
    dropped: list[tuple[int, str, str]] = field(default_factory=list)
    #: What changed in the file's bytes as a whole: "bom", "utf16", "utf32", "cr", "crlf".
    rewrites: list[str] = field(default_factory=list)
    #: Why the file was left as it was, when it was (it changed while read, it is read-only).
    refused: str | None = None

    @property
    def repaired(self) -> int:
        return sum(self.by_code.values()) + len(self.rewrites)

    @property
    def changed(self) -> bool:
        return bool(self.lines_changed or self.dropped or self.rewrites)


class FixRefused(Exception):
    """The file must not be replaced; the message says why."""


class _Tee:
    """The lines of a stream, remembering the last one handed out (with its line end)."""

    def __init__(self, lines: Iterable[bytes]) -> None:
        self.lines = lines
        self.last = b""

    def __iter__(self) -> Iterator[bytes]:
        for line in self.lines:
            self.last = line
            yield line


def json_line(value: Any, *, spaced: bool = True, escaped: bool = False) -> bytes:
    """``value`` as one line of JSON: spaced after separators (as Python's json writes) or
    compact, non-ASCII written as it is or escaped; a lone surrogate, which has no UTF-8 form, is
    always written as an escape."""
    separators = (", ", ": ") if spaced else (",", ":")
    try:
        return json.dumps(value, ensure_ascii=escaped, separators=separators).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, ensure_ascii=True, separators=separators).encode("ascii")


def dumps_like(value: Any, raw: bytes) -> bytes:
    """``value`` as one JSON line in the style of ``raw``, the line it replaces."""
    return json_line(value, spaced=b'": ' in raw or b'", "' in raw, escaped=raw.isascii() and b"\\u" in raw)


def _encoding_rewrite(ctx: FileContext) -> str:
    return "utf16" if ctx.encoding.startswith("UTF-16") else "utf32"


def _ending(line: bytes, cr_lines: bool) -> bytes:
    if line.endswith(b"\r\n"):
        return b"\r\n"
    if line.endswith(b"\n"):
        return b"\r" if cr_lines else b"\n"  # the reader gave CR-ended lines an LF
    return b""


class _Writer:
    """Writes the fixed lines as the file had them, except for what the applied fixes rewrite."""

    def __init__(self, sink: BinaryIO | None, ctx: FileContext, rewrites: set[str]) -> None:
        self.sink, self.ctx, self.rewrites = sink, ctx, rewrites
        self.started = False
        self.codec: str | None = None

    def _start(self) -> bytes:
        self.started = True
        ctx = self.ctx
        head = b""
        if ctx.encoding != "UTF-8" and _encoding_rewrite(ctx) not in self.rewrites:
            self.codec = ctx.encoding.lower()
            if ctx.encoding_bom:
                head = "\ufeff".encode(self.codec)
        elif ctx.bom and "bom" not in self.rewrites:
            head = BOM
        return head

    def ending(self, ending: bytes) -> bytes:
        if (ending == b"\r\n" and "crlf" in self.rewrites) or (ending == b"\r" and "cr" in self.rewrites):
            return b"\n"
        return ending

    def write(self, body: bytes, ending: bytes) -> None:
        if self.sink is None:
            return
        head = b"" if self.started else self._start()
        data = body + ending
        if self.codec is not None:
            data = data.decode("utf-8", "surrogatepass").encode(self.codec, "surrogatepass")
        self.sink.write(head + data)


class Fixer:
    """The fixes of one run: the rules whose fixes apply (safe ones, and unsafe ones when asked
    for) in code order, what the writer rewrites for them, and the rules' repair states, shared by
    the files in the order they are fixed (a copy in a later file of an example in an earlier one
    is a copy)."""

    def __init__(self, rules: Iterable[Rule], unsafe: bool, severities: dict | None = None) -> None:
        rules = list(rules)
        applied = sorted((r for r in rules if r.autofix is not None and (r.autofix.safe or unsafe)),
                         key=lambda r: r.code)
        # Unsafe fixes remove the examples no fix repaired that an example rule still holds to be an
        # error: what is left uploads. Each removal is listed under the rule that judged it.
        self.judges = [r for r in rules if unsafe and severities is not None and type(r).check is not Rule.check
                       and not isinstance(r, (FileRule, DatasetRule)) and severities.get(r.code) == Severity.ERROR]
        self.rules = [r for r in applied if r.autofix.rewrites is None]
        self.rewriters = [r for r in applied if r.autofix.rewrites]
        self.errors: list[ToolError] = []
        self.states: dict[str, Any] = {}
        self.broken: set[str] = set()
        for rule in self.rules:
            try:
                self.states[rule.code] = rule.repair_state()
            except PLUGIN_FAILURES as exc:
                self._crash(rule, None, None, exc)

    def _crash(self, rule: Rule, path: str | None, line: int | None, exc: BaseException) -> None:
        self.broken.add(rule.code)
        self.errors.append(ToolError("rule", f"its fix raised {type(exc).__name__}: {exc}; its repairs were left "
                                     "out from there on", plugin=rule.plugin or None, rule=rule.code, path=path,
                                     line=line, key=f"fix:{rule.code}"))

    def fix_stream(self, lines: Iterable[bytes], ctx: FileContext, sink: BinaryIO | None,
                   diff: Callable[[int, bytes, bytes | None], None] | None = None,
                   codes: set[str] | None = None) -> FileFix:
        """Fix the lines of one file (as :func:`ftlint.reader.utf8_lines` gives them), writing the
        result to ``sink`` (None: only count); ``diff(line, old, new)`` hears of every line that
        changes (``new`` None: dropped). ``codes``: the rules in force for this file (per-file
        ignores left out), when not all are."""
        result = FileFix(ctx.path)
        rules = [r for r in self.rules if codes is None or r.code in codes]
        rewrites = {r.autofix.rewrites for r in self.rewriters if codes is None or r.code in codes}
        writer = _Writer(sink, ctx, rewrites)
        tee = _Tee(lines)
        states, broken = self.states, self.broken
        judges = [r for r in self.judges if codes is None or r.code in codes]
        for ex in read_examples(tee, ctx):
            original = _ending(tee.last, ctx.cr_lines)
            ending = writer.ending(original)
            current, changed_by = ex, []
            dropped_by = None
            for rule in rules:
                if rule.code in broken or current.kind not in rule.formats:
                    continue
                try:
                    repaired = rule.repair(current, states[rule.code])
                    if repaired is None:
                        continue
                    if repaired is DROP:
                        dropped_by = rule
                        break
                    current = _reparsed(repaired, current)
                except PLUGIN_FAILURES as exc:
                    self._crash(rule, ctx.path, ex.line, exc)
                    continue
                changed_by.append(rule.code)
            if dropped_by is None and judges:
                dropped_by = self._judged(current, judges)
            if dropped_by is not None:
                result.dropped.append((ex.line, dropped_by.code, dropped_by.name))
                result.by_code[dropped_by.code] += 1
                if diff is not None:
                    diff(ex.line, ex.raw, None)
                continue
            if changed_by:
                result.lines_changed += 1
                result.by_code.update(changed_by)
            if diff is not None and (changed_by or ending != original):
                diff(ex.line, ex.raw, current.raw)
            writer.write(current.raw, ending)
        if ctx.bom and "bom" in rewrites:
            result.rewrites.append("bom")
        if ctx.encoding != "UTF-8" and _encoding_rewrite(ctx) in rewrites:
            result.rewrites.append(_encoding_rewrite(ctx))
        if ctx.cr_lines and "cr" in rewrites:
            result.rewrites.append("cr")
        if ctx.crlf_lines and "crlf" in rewrites:
            result.rewrites.append("crlf")
        return result

    def _judged(self, ex: Example, judges: list[Rule]) -> Rule | None:
        """The first rule that still finds an error in the (repaired) example, or None."""
        for rule in judges:
            if rule.code in self.broken or ex.kind not in rule.formats or \
                    (rule.when and rule.when.isdisjoint(ex.features)):
                continue  # a rule whose fix failed removes nothing more
            try:
                found = rule.check(ex)
                if found and any(True for _ in found):
                    return rule
            except PLUGIN_FAILURES:  # the lint reports a crashing rule; a fix removes nothing on its word
                continue
        return None


def _reparsed(value: Any, ex: Example) -> Example:
    raw = dumps_like(value, ex.raw)
    kind = detect_kind(value, ex.ctx.method) if type(value) is dict else "invalid"
    new = Example(ex.path, ex.line, raw, value, kind, None, ex.bom)
    new.ctx = ex.ctx
    return new


class _Hashed(io.RawIOBase):
    """A file's bytes as they are read, hashed on the way (xxh3-128)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw, self.hash = raw, xxh3_128()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.raw.readinto(buffer)
        if n:
            self.hash.update(memoryview(buffer)[:n])
        return n


def _file_hash(path: str) -> bytes:
    """The xxh3-128 of a file's bytes."""
    with open(path, "rb", buffering=0) as fh:
        hashed = _Hashed(fh)
        while hashed.read(1 << 20):
            pass
    return hashed.hash.digest()


def context_for(path: str, config: Any, model: Any = None) -> FileContext:
    return FileContext(path, config.method, target=config.target, model_name=config.model, model=model,
                       today=datetime.date.today())


def fix_file(fixer: Fixer, path: str, ctx: FileContext, *, write: bool = True,
             diff: Callable[[int, bytes, bytes | None], None] | None = None, codes: set[str] | None = None) -> FileFix:
    """Fix ``path`` in place (``write`` False: only say what would change). The file is read once
    to find what to repair and, when something is, once more to write the new file beside it;
    the new file replaces the old only if the old still holds the bytes first read."""
    real = os.path.realpath(path)
    before = stamp(real)
    # The writing pass must start where the first pass started (the examples it kept are not
    # copies of themselves; a fix that failed on line 9 still repairs lines 1 to 8).
    saved = (copy.deepcopy(fixer.states), set(fixer.broken)) if write else None
    with open(real, "rb", buffering=0) as raw:
        hashed = _Hashed(raw)  # what the first pass read is what the new file may replace
        reader = io.BufferedReader(hashed, 1 << 20)
        result = fixer.fix_stream(utf8_lines(reader, ctx), ctx, None, diff, codes)
        while reader.read(1 << 20):  # a reader that stopped early still vouches for every byte
            pass
    read = hashed.hash.digest()
    packed = ctx.compression or ctx.decompressed
    if packed:  # read through, but ftlint writes plain JSONL only
        result.refused = f"the file is {packed}-compressed; decompress it to fix it"
        return result
    if not write or not result.changed:
        return result
    st = os.stat(real)
    if not os.access(real, os.W_OK) or not st.st_mode & 0o222:
        result.refused = "the file is read-only"
        return result
    errors = len(fixer.errors)
    fixer.states, fixer.broken = saved
    again = FileContext(ctx.path, ctx.method, target=ctx.target, model_name=ctx.model_name, model=ctx.model,
                        today=ctx.today)

    def unchanged() -> None:
        if stamp(real) != before or _file_hash(real) != read or written.by_code != result.by_code:
            raise FixRefused("the file changed while ftlint read it; it was left as it is (fix it again once "
                             "nothing else writes it)")

    try:
        with AtomicFile(real, stat.S_IMODE(st.st_mode), prefix=".ftlint-fix-") as out, \
                open(real, "rb", buffering=1 << 20) as fh:
            written = fixer.fix_stream(utf8_lines(fh, again), again, out, None, codes)
            del fixer.errors[errors:]  # the same failures as the first pass's, said once
            out.commit(unchanged)
    except FixRefused as exc:
        result.refused = str(exc)
    return result


@dataclass
class FixRun:
    """What a fix of several files did: one :class:`FileFix` a file, the repaired standard input
    (when '-' was among the paths and the fix wrote), and ftlint's own errors."""

    files: list[FileFix] = field(default_factory=list)
    stdin: BinaryIO | None = None
    errors: list[ToolError] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(f.changed for f in self.files)


def fix_paths(files: list[str], ruleset: Any, config: Any, model: Any = None, *, unsafe: bool = False,
              write: bool = True, diff_for: Callable[[str], Any] | None = None, stdin: BinaryIO | None = None,
              stdin_name: str = "<stdin>") -> FixRun:
    """Fix ``files`` in the order given ('-' is ``stdin``, repaired into a temporary file kept in
    :attr:`FixRun.stdin`); ``diff_for(name)`` gives the ``diff`` callback of each file."""
    run = FixRun()
    fixer = Fixer(ruleset.rules, unsafe, ruleset.severities)
    for path in files:
        name = stdin_name if path == "-" else path
        codes = {r.code for r in ruleset.for_path(name)}
        ctx = context_for(name, config, model)
        diff = diff_for(name) if diff_for is not None else None
        try:
            if path == "-":
                spool = tempfile.SpooledTemporaryFile(max_size=64 << 20)
                result = fixer.fix_stream(utf8_lines(stdin, ctx), ctx, spool if write else None, diff, codes)
                if write:
                    spool.seek(0)
                    run.stdin = io.BufferedReader(spool)
            else:
                result = fix_file(fixer, path, ctx, write=write, diff=diff, codes=codes)
        except OSError as exc:
            run.errors.append(ToolError("io", f"cannot fix {name}: {exc.strerror or exc}", path=name))
            continue
        if result.refused:
            run.errors.append(ToolError("io", f"did not fix {name}: {result.refused}", path=name))
        run.files.append(result)
    run.errors.extend(fixer.errors)
    return run

"""The engine: runs the rules in force over every example of every file and builds the Report.

It knows rules only through the :class:`~ftlint.rule.Rule` interface, never by code or name.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import gc
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from .config import Config, ConfigError
from .diagnostics import PLUGIN_FAILURES, Diagnostic, Finding, Severity, ToolError
from .example import Example, FileContext
from .quote import show
from .reader import iter_dataset_files, open_dataset, read_examples, utf8_lines
from .report import FileResult, Report
from .rule import DatasetRule, FileRule, Rule, RuleSet
from .sniff import SAMPLE, sniff

STDIN = "-"


class _Plan:
    """The rules for one file: per example format, groups of (gate, rules); per format, file rules.

    Rules that share a gate (:attr:`Rule.when`) are skipped together with one set test when an
    example has none of the gate's features, which is what keeps ordinary examples cheap.
    """

    def __init__(self, rules: list[Rule], severities: dict[str, Severity]) -> None:
        groups: dict[str, dict[frozenset, list]] = {}
        for rule in rules:
            sev = severities[rule.code]
            if isinstance(rule, (FileRule, DatasetRule)):
                continue
            for kind in rule.formats:
                groups.setdefault(kind, {}).setdefault(rule.when, []).append((rule.check, rule, sev))
        # Ungated rules first; gated groups after, each as (gate, members).
        self.by_kind: dict[str, tuple[list, list]] = {
            kind: (g.get(frozenset(), []), [(gate, members) for gate, members in g.items() if gate])
            for kind, g in groups.items()
        }
        self.file_rules: list[tuple[FileRule, Severity]] = [
            (rule, severities[rule.code]) for rule in rules if isinstance(rule, FileRule)]
        self.codes = frozenset(rule.code for rule in rules)


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


@dataclass
class ChunkResult:
    chunk: Chunk
    diagnostics: list[Diagnostic]
    ctx: FileContext
    formats: dict[str, int]
    observed: list  # the state of each observer, in the order the run lists them
    file_states: list  # (rule code, state) of the file rules that took part
    dataset_states: list  # (rule code, state) of the dataset rules
    errors: list[ToolError]
    crashes: dict[str, int]


def _chunk_lines(path: str, start: int, end: int | None, ctx: FileContext):
    with open_dataset(path) as fh:
        if start:
            fh.seek(start)
        elif end is None:  # a whole file: it may be UTF-16 (never cut into parts, see _plan_chunks)
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


class Linter:
    """Lints chunks of input with one rule set. Reusable across files; one per process."""

    def __init__(self, ruleset: RuleSet, config: Config, model: Any = None, observers: Iterable = ()) -> None:
        self.ruleset = ruleset
        self.observers = list(observers)
        self.config = config
        self.model = model
        self.today = datetime.date.today()
        self.accounting = None
        self.errors: list[ToolError] = list(ruleset.errors)
        # With a model, tokens are counted whatever rules are selected: the cost estimate needs them.
        if model is not None:
            from .accounting import Accounting
            from .tokens import TokenizerError

            try:
                self.accounting = Accounting(model)
            except TokenizerError as exc:  # the token rules and the cost line cannot run; the rest can
                self.errors.append(ToolError("config", f"cannot count tokens for model {model.name}: {exc}"))
        self.has_validation = False
        self._crashes: dict[str, int] = {}
        self._plans: dict[tuple[str, ...], _Plan] = {}
        self.dataset_rules: list[tuple[DatasetRule, Severity]] = [
            (r, ruleset.severities[r.code]) for r in ruleset.rules if isinstance(r, DatasetRule)]

    # -- planning ------------------------------------------------------------------------------

    def plan_for(self, path: str) -> _Plan:
        rules = self.ruleset.for_path(path)
        key = tuple(r.code for r in rules)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = _Plan(rules, self.ruleset.severities)
        return plan

    def splittable(self) -> bool:
        """Whether files may be cut into parts: every file rule must know how to merge."""
        return all(type(r).merge is not FileRule.merge for r in self.ruleset.rules if isinstance(r, FileRule))

    def context(self, chunk: Chunk) -> FileContext:
        return FileContext(chunk.display, self.config.method, target=self.config.target,
                           model_name=self.config.model, model=self.model, accounting=self.accounting,
                           today=self.today, role=chunk.role, file_index=chunk.file_index,
                           has_validation=self.has_validation)

    # -- running -------------------------------------------------------------------------------

    def _crash(self, rule: Rule, path: str, line: int | None, exc: BaseException) -> None:
        n = self._crashes.get(rule.code, 0)
        self._crashes[rule.code] = n + 1
        if n == 0:
            message = str(exc) if isinstance(exc, BadFinding) else f"raised {type(exc).__name__}: {exc}"
            self.errors.append(ToolError("rule", message, plugin=rule.plugin, rule=f"{rule.code} {rule.name}",
                                         path=path, line=line))

    def _internal(self, what: str, path: str, line: int | None, exc: BaseException) -> None:
        key = f"internal:{what}"
        n = self._crashes.get(key, 0)
        self._crashes[key] = n + 1
        if n == 0:
            self.errors.append(ToolError("internal", f"{what} raised {type(exc).__name__}: {exc} (please report it)",
                                         path=path, line=line))

    def _emit(self, out: list, findings: Iterable[Finding] | None, rule: Rule, sev: Severity,
              path: str, line: int) -> None:
        for f in findings:
            if type(f) is not Finding or f.line is not None or f.path is not None or f.column is not None \
                    or type(f.message) is not str or type(f.pointer) is not str:
                _check_finding(f)
            out.append(Diagnostic(f.path or path, f.line or line, rule.code, f.pointer, f.column, rule.name,
                                  sev, f.message, f.fix))

    def run_chunk(self, chunk: Chunk, stream: BinaryIO | Iterable[bytes] | None = None) -> ChunkResult:
        """Lint one chunk: example rules report at once; file and dataset rules return states."""
        errors_before = len(self.errors)
        crashes_before = dict(self._crashes)
        display = chunk.display
        plan = self.plan_for(chunk.path)
        ctx = self.context(chunk)
        out: list[Diagnostic] = []
        formats: dict[str, int] = {}
        states = []
        for rule, sev in plan.file_rules:
            try:
                state = rule.start(ctx)
                if state is not None:
                    states.append((rule, sev, state))
            except PLUGIN_FAILURES as exc:
                self._crash(rule, display, None, exc)
        by_kind = plan.by_kind
        observers: dict[str, list] = {}
        for rule, sev, state in states:
            for kind in rule.formats:
                observers.setdefault(kind, []).append((rule, sev, state))
        dataset = []
        for rule, _ in self.dataset_rules:
            if rule.code in plan.codes:
                try:
                    dataset.append((rule, rule.new_state()))
                except PLUGIN_FAILURES as exc:
                    self._crash(rule, display, None, exc)
        for rule, state in dataset:
            for kind in rule.formats:
                observers.setdefault(kind, []).append((rule, None, state))
        # What the per-example loop needs, looked up once: (observe, gate or None, rule, severity, state)
        observing = {kind: [(rule.observe, rule.when or None, rule, sev, state) for rule, sev, state in group]
                     for kind, group in observers.items()}
        emit = self._emit
        nothing: tuple = ((), ())
        observed = [o.new_state() for o in self.observers]
        watching = [(o, o.observe, o.formats, state) for o, state in zip(self.observers, observed)]

        def run(rules: list, ex: Example) -> None:
            for check, rule, sev in rules:
                try:
                    found = check(ex)
                    if found:
                        emit(out, found, rule, sev, display, ex.line)
                except PLUGIN_FAILURES as exc:
                    self._crash(rule, display, ex.line, exc)

        if stream is None:
            stream = _chunk_lines(chunk.path, chunk.start, chunk.end, ctx)
        elif hasattr(stream, "read"):
            stream = utf8_lines(stream, ctx)
        for ex in read_examples(stream, ctx, chunk.first_line):
            kind = ex.kind
            formats[kind] = formats.get(kind, 0) + 1
            always, gated = by_kind.get(kind, nothing)
            if always:
                run(always, ex)
            if gated:
                features = ex.features
                for gate, members in gated:
                    if not gate.isdisjoint(features):
                        run(members, ex)
            for observer, observe, kinds, state in watching:
                if kind in kinds:
                    try:
                        observe(state, ex)
                    except PLUGIN_FAILURES as exc:  # its measure misses this example; the lint goes on
                        self._internal(f"observer {observer.name}", display, ex.line, exc)
            for observe, gate, rule, sev, state in observing.get(kind, ()):
                if gate is not None and gate.isdisjoint(ex.features):
                    continue
                try:
                    found = observe(state, ex)
                    if found:
                        emit(out, found, rule, sev, display, ex.line)
                except PLUGIN_FAILURES as exc:
                    self._crash(rule, display, ex.line, exc)
        new_crashes = {k: v - crashes_before.get(k, 0) for k, v in self._crashes.items()
                       if v != crashes_before.get(k, 0)}
        ctx = dataclasses.replace(ctx, accounting=None)  # results cross processes; the tokenizer stays
        return ChunkResult(chunk, out, ctx, formats, observed,
                           [(rule.code, state) for rule, _, state in states],
                           [(rule.code, state) for rule, state in dataset],
                           self.errors[errors_before:], new_crashes)


class BadFinding(Exception):
    """A rule returned a finding the report cannot hold (a line that is not a line of the file, a
    path that is not text): the rule's failure, reported as such."""


def _positive(value: Any) -> bool:
    return type(value) is int and value >= 1


def _check_finding(f: Any) -> None:
    if not isinstance(f, Finding):
        raise BadFinding(f"returned {show(f, 40)} instead of a ftlint.Finding")
    problem = None
    if f.line is not None and not _positive(f.line):
        problem = f"line {show(f.line, 40)} (lines are integers from 1)"
    elif f.column is not None and not _positive(f.column):
        problem = f"column {show(f.column, 40)} (columns are integers from 1)"
    elif f.path is not None and type(f.path) is not str:
        problem = f"path {show(f.path, 40)} (a path is a string)"
    elif type(f.message) is not str or type(f.pointer) is not str or not (f.fix is None or type(f.fix) is str):
        problem = "a message, pointer or fix that is not a string"
    if problem:
        raise BadFinding(f"reported a finding with {problem}")


def _impossible_lines(report: Report, linter: Linter) -> None:
    """Drop the diagnostics at a line their file does not have (a plugin's bug) and report it."""
    lines = {f.path: max(f.lines, 1) for f in report.files}
    kept = []
    for d in report.diagnostics:
        last = lines.get(d.path)
        if last is not None and d.line > last:
            rule = report.rules.get(d.code)
            if rule is not None:
                linter._crash(rule, d.path, None, BadFinding(f"reported a finding at line {d.line:,}, but "
                                                             f"{d.path} has {last:,} lines"))
            continue
        kept.append(d)
    report.diagnostics = kept


_WORKER: Linter | None = None


def _can_fork() -> bool:
    # Workers inherit the loaded plugins, the tokenizer and the hash key of the dataset digests.
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _worker_signals() -> None:
    # Ctrl-C reaches every process of the terminal's group; the parent alone decides what to do,
    # so a worker never prints a traceback of its own.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def _sigint_held():
    import signal

    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _stop_workers(pool) -> None:
    # ProcessPoolExecutor has no public way to stop running workers before Python 3.14.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(timeout=5)


def _run_in_worker(chunk: Chunk) -> ChunkResult | ToolError:
    try:
        return _WORKER.run_chunk(chunk)
    except OSError as exc:  # one unreadable input must not stop the others
        return _cannot_read(chunk, exc)


def _cannot_read(chunk: Chunk, exc: OSError) -> ToolError:
    return ToolError("io", f"cannot read {chunk.path}: {exc.strerror or exc}", path=chunk.path)


def _plan_chunks(paths: list[tuple[str, str]], linter: Linter, jobs: int, chunk_bytes: int,
                 stdin_name: str = "<stdin>") -> Iterator[Chunk]:
    """Whole files, and large files in newline-aligned byte ranges when several jobs run.

    Lazy: a part is yielded as soon as its byte range is known, and the lines of a part are
    counted (for the next part's first line number) only after that, so workers start on the
    first parts while the rest of a large file is still being planned."""
    split = jobs > 1 and linter.splittable()
    index = 0
    for file_index, (path, role) in enumerate(paths):
        display = stdin_name if path == STDIN else path
        size = _size(path) if split and path != STDIN else None
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


def _roles(train: list[str], validation: list[str]) -> list[tuple[str, str]]:
    """(path, role) of every input, each file once: a validation file inside a linted folder is
    validation data, not training data too (linted twice, it would leak into itself). Paths under
    the working folder are shown relative to it, however the config spelled them."""
    def identity(path: str):
        try:
            st = os.stat(path)
        except OSError:
            return path
        return st.st_dev, st.st_ino

    def shown(path: str) -> str:
        if path != STDIN and os.path.isabs(path):
            rel = os.path.relpath(path)
            if not rel.startswith(".."):
                return rel
        return path

    held = {identity(p) for p in validation if p != STDIN}
    return [(p, "train") for p in train if p == STDIN or identity(p) not in held] + \
        [(shown(p), "validation") for p in validation]


def _stamp(path: str) -> tuple[int, int] | None:
    """(size, modification time) of a regular file, to tell whether it changed during the run."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns) if stat.S_ISREG(st.st_mode) else None


def _size(path: str) -> int | None:
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


def _merge_rule_errors(errors: list[ToolError], counts: dict[str, int]) -> list[ToolError]:
    """One report per crashing rule, at its first place, with how often it crashed in all parts."""
    out: list[ToolError] = []
    seen: set[str] = set()
    for e in errors:
        if e.kind == "rule" or e.kind == "internal":
            key = e.rule.split()[0] if e.kind == "rule" else "internal:" + e.message.split(" raised ")[0]
            if key in seen:
                continue
            seen.add(key)
            e = dataclasses.replace(e, count=max(e.count, counts.get(key, 1)))
        out.append(e)
    return out


def _merge_states(rules: dict[str, Rule], first: list, second: list) -> list:
    merged = dict(first)
    for code, state in second:
        merged[code] = rules[code].merge(merged[code], state) if code in merged else state
    return list(merged.items())


def collect_paths(paths: Iterable[str], config: Config, force_exclude: bool = False,
                  errors: list[ToolError] | None = None, skipped: list | None = None) -> list[str]:
    """Expand directories into their dataset files; keep explicit files unless force-excluded.
    Files of a folder that are not regular files (FIFOs, devices) go to ``skipped``."""
    out: list[str] = []
    for p in paths:
        if p == STDIN:
            out.append(p)
        elif os.path.isdir(p):
            out.extend(iter_dataset_files(p, config.is_excluded, skipped))
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
    value = os.environ.get("FTLINT_CHUNK_BYTES")
    if value is None:
        return DEFAULT_CHUNK_BYTES
    try:
        n = int(value.strip().replace("_", ""))
    except ValueError:
        n = None
    if n is None or n < MIN_CHUNK_BYTES:
        raise ConfigError(f"FTLINT_CHUNK_BYTES must be a whole number of bytes of at least {MIN_CHUNK_BYTES:,} "
                          f"(the default is {DEFAULT_CHUNK_BYTES:,}), got {value!r}")
    return n


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def lint(paths: Iterable[str], config: Config, ruleset: RuleSet, *, force_exclude: bool = False,
         stdin: BinaryIO | None = None, stdin_name: str = "<stdin>", model: Any = None,
         validation: Iterable[str] = (), jobs: int = 1, chunk_bytes: int | None = None,
         progress: Any = None, before_read: Any = None, observers: Iterable = ()) -> Report:
    """Lint ``paths`` (and ``validation`` files) and return the Report, diagnostics sorted by path,
    line and code. With ``jobs`` > 1, files and parts of large files run in parallel processes;
    the result is the same as with one job. ``before_read``, when given, is called with the list
    of input paths once they are known and before any is read; it may raise to stop the run."""
    report = Report(target=config.target, method=config.method, model=config.model,
                    config_source=config.source, rules={r.code: r for r in ruleset.rules})
    linter = Linter(ruleset, config, model, observers)
    inputs = _roles(collect_paths(paths, config, force_exclude, linter.errors, report.skipped),
                    collect_paths(validation, config, False, linter.errors, report.skipped))
    linter.has_validation = any(role == "validation" for _, role in inputs)
    if before_read is not None:
        before_read([p for p, _ in inputs])
    stamps = {p: _stamp(p) for p, _ in inputs if p != STDIN}
    chunk_bytes = chunk_bytes or chunk_bytes_from_env()
    chunks = _plan_chunks(inputs, linter, jobs, chunk_bytes, stdin_name)
    sizes = [_size(p) or 0 for p, _ in inputs if p != STDIN]
    if progress is not None:
        progress.start(sum(sizes))

    def local(c: Chunk) -> ChunkResult | None:
        try:
            return linter.run_chunk(c, (stdin or sys.stdin.buffer) if c.path == STDIN else None)
        except OSError as exc:
            linter.errors.append(_cannot_read(c, exc))
            return None

    def remote_result(result: ChunkResult | ToolError) -> ChunkResult | None:
        if isinstance(result, ToolError):
            linter.errors.append(result)
            return None
        return result

    def results():
        """(result, from a worker process) for every chunk, in input order, as they finish."""
        # Several processes pay off with more than one file, or one file big enough to be cut.
        split = linter.splittable()
        parts = sum(size // chunk_bytes if split and size >= 2 * chunk_bytes else 1 for size in sizes)
        if not (jobs > 1 and parts > 1 and _can_fork()):
            yield from ((local(c), False) for c in chunks)
            return
        import concurrent.futures
        import multiprocessing

        global _WORKER
        _WORKER = linter
        planned: list[Chunk] = []

        def to_workers():
            for c in chunks:
                planned.append(c)
                if c.path != STDIN:
                    yield c

        # Objects alive now are shared with the forked workers; frozen, the collector leaves
        # them alone, so their pages are not copied into every worker.
        gc.freeze()
        pool = concurrent.futures.ProcessPoolExecutor(min(jobs, parts), mp_context=multiprocessing.get_context("fork"),
                                                      initializer=_worker_signals)
        try:
            # map() submits each part as planning yields it, so workers start at once. Ctrl-C is
            # held back meanwhile: raised inside submit(), it would leave the pool's lock taken
            # and the shutdown below waiting for it for ever. (Workers inherit the held-back
            # signal, and ignore it once they run: see _worker_signals.)
            with _sigint_held():
                remote = pool.map(_run_in_worker, to_workers())
            for c in planned:
                if c.path == STDIN:
                    yield local(c), False
                    continue
                try:
                    result = next(remote)
                except (Exception, concurrent.futures.process.BrokenProcessPool) as exc:
                    # a result that cannot cross back (a plugin's state that does not pickle) or a
                    # worker that died: that part is lost, the run and its report are not
                    linter.errors.append(ToolError("internal", f"a part of {c.display} could not come back from "
                                                   f"its worker: {type(exc).__name__}: {exc}", path=c.display))
                    if isinstance(exc, concurrent.futures.process.BrokenProcessPool):
                        raise
                    continue
                yield remote_result(result), True
        except BaseException:
            # Ctrl-C (or any failure here): stop the workers now rather than let them finish their parts.
            _stop_workers(pool)
            raise
        else:
            pool.shutdown()
        finally:
            _WORKER = None
            gc.unfreeze()

    rules = {r.code: r for r in ruleset.rules}
    files: dict[int, list[ChunkResult]] = {}
    dataset_states: list = []
    observed: list | None = None  # merged in input order, like the dataset rules' states
    crash_counts: dict[str, int] = {}
    try:
        for result, from_worker in results():
            if result is None:
                continue
            files.setdefault(result.chunk.file_index, []).append(result)
            for code, n in result.crashes.items():
                crash_counts[code] = crash_counts.get(code, 0) + n
            dataset_states = _merge_states(rules, dataset_states, result.dataset_states)
            observed = result.observed if observed is None else [
                o.merge(a, b) for o, a, b in zip(linter.observers, observed, result.observed)]
            if from_worker:  # a worker's errors were recorded in its own process
                linter.errors.extend(result.errors)
            if progress is not None:
                progress.advance(result.ctx.size)
    except OSError as exc:
        linter.errors.append(ToolError("io", f"cannot read input: {exc.strerror or exc}"))
    finally:
        if progress is not None:
            progress.close()

    for parts in files.values():
        first = parts[0]
        display = first.chunk.display
        ctx = first.ctx
        diags = list(first.diagnostics)
        formats = dict(first.formats)
        states = first.file_states
        for part in parts[1:]:
            diags.extend(part.diagnostics)
            for k, v in part.formats.items():
                formats[k] = formats.get(k, 0) + v
            ctx.size += part.ctx.size
            ctx.examples += part.ctx.examples
            ctx.lines = part.ctx.lines
            states = _merge_states(rules, states, part.file_states)
        plan = linter.plan_for(first.chunk.path)
        severities = dict(plan.file_rules)
        for code, state in states:
            rule = rules[code]
            try:
                found = rule.finish(state, ctx)
                if found:
                    linter._emit(diags, found, rule, severities[rule], display, 1)
            except PLUGIN_FAILURES as exc:
                linter._crash(rule, display, None, exc)
        diags.sort()
        report.diagnostics.extend(diags)
        formats.pop("invalid", None)
        report.files.append(FileResult(display, ctx.lines, ctx.examples, ctx.size, formats, first.chunk.role))
    if dataset_states:
        extra: list[Diagnostic] = []
        for code, state in dataset_states:
            rule = rules[code]
            try:
                found = rule.finish(state)
                if found:
                    linter._emit(extra, found, rule, ruleset.severities[code], "", 1)
            except PLUGIN_FAILURES as exc:
                linter._crash(rule, "", None, exc)
        report.diagnostics.extend(extra)
        report.diagnostics.sort()
    _impossible_lines(report, linter)
    for path, stamp in stamps.items():
        now = _stamp(path)
        if stamp is not None and now is not None and now != stamp:
            linter.errors.append(ToolError("io", f"{path} changed while ftlint read it ({stamp[0]:,} bytes before, "
                                                 f"{now[0]:,} after), so this report may not match it; lint it again "
                                                 "once it is written", path=path))
    report.errors = _merge_rule_errors(linter.errors, crash_counts)
    report.observed = {o.name: state for o, state in zip(linter.observers, observed or
                                                         [o.new_state() for o in linter.observers])}
    return report

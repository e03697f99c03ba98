"""The engine: runs the rules in force over every example of every file and builds the Report.

It knows rules only through the :class:`~ftlint.rule.Rule` interface, never by code or name.
"""

from __future__ import annotations

import dataclasses
import datetime
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, BinaryIO

from . import reuse
from .config import Config
from .diagnostics import PLUGIN_FAILURES, Diagnostic, Finding, Severity, TextPool, ToolError
from .example import Example, FileContext
from .findinglist import FindingList
from .findings import BadFinding, check_finding
from .inputs import (
    MIN_CHUNK_BYTES,
    STDIN,
    Chunk,
    chunk_bytes_from_env,
    chunk_lines,
    collect_paths,
    file_size,
    plan_chunks,
    plan_parts,
    roles,
    stamp,
    with_first_lines,
)
from .merge import drop_impossible_lines, merge_rule_errors, merge_states, once_per_file
from .pool import can_fork, cannot_read, run_parallel
from .position import column_and_excerpt
from .progress import ticking
from .reader import read_examples, utf8_lines
from .report import FileResult, Report
from .rule import DatasetRule, FileRule, Rule, RuleSet
from .splits import SplitNames


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


class Linter:
    """Lints chunks of input with one rule set. Reusable across files; one per process."""

    def __init__(self, ruleset: RuleSet, config: Config, model: Any = None, observers: Iterable = ()) -> None:
        self.ruleset = ruleset
        self.observers = list(observers)
        self.config = config
        self.model = model
        self.today = datetime.date.today()
        self.accounting = None
        self.tick = None  # progress of the part linted in this process, when a progress line is shown
        self._tokenizer_tried = False
        self.errors: list[ToolError] = list(ruleset.errors)
        self.has_validation = False
        self.split_names = SplitNames(config.split_names)
        self._crashes: dict[str, int] = {}
        self.texts = TextPool()  # every diagnostic this process makes or takes in holds its texts once
        self._plans: dict[tuple[str, ...], _Plan] = {}
        self.by_code: dict[str, Rule] = {r.code: r for r in ruleset.rules}
        self.dataset_rules: list[tuple[DatasetRule, Severity]] = [
            (r, ruleset.severities[r.code]) for r in ruleset.rules if isinstance(r, DatasetRule)]

    def load_tokenizer(self) -> None:
        """With a model, tokens are counted whatever rules are selected: the cost estimate needs
        them. Loaded by the process that lints, when it first lints (0.3 s and 50 MB): a run
        whose parts all come from the cache never needs it, and with several processes the
        parent, which only merges, does without it."""
        if self.model is None or self._tokenizer_tried:
            return
        self._tokenizer_tried = True
        from .accounting import Accounting
        from .tokens import TokenizerError

        try:
            self.accounting = Accounting(self.model)
        except TokenizerError as exc:  # the token rules and the cost line cannot run; the rest can
            self.errors.append(ToolError("config", f"cannot count tokens for model {self.model.name}: {exc}",
                                         key="tokenizer"))

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
                           has_validation=self.has_validation, split=self.split_names.split_of(chunk.display))

    # -- running -------------------------------------------------------------------------------

    def _count(self, key: str) -> bool:
        """Count one failure under ``key``; True for the first, the only one reported at once
        (merge.py adds how often it happened in every part)."""
        n = self._crashes.get(key, 0)
        self._crashes[key] = n + 1
        return n == 0

    def _crash(self, rule: Rule, path: str, line: int | None, exc: BaseException) -> None:
        if self._count(rule.code):
            message = str(exc) if isinstance(exc, BadFinding) else f"raised {type(exc).__name__}: {exc}"
            self.errors.append(ToolError("rule", message, plugin=rule.plugin, rule=f"{rule.code} {rule.name}",
                                         path=path, line=line, key=rule.code))

    def _internal(self, what: str, path: str, line: int | None, exc: BaseException) -> None:
        if self._count(f"internal:{what}"):
            self.errors.append(ToolError("internal", f"{what} raised {type(exc).__name__}: {exc} (please report it)",
                                         path=path, line=line, key=f"internal:{what}"))

    def _emit(self, out: list, findings: Iterable[Finding] | None, rule: Rule, sev: Severity,
              path: str, line: int, raw: bytes | None = None, ex: Example | None = None) -> None:
        key = None
        for f in findings:
            check_finding(f)
            column, excerpt = f.column, None
            if raw is not None and f.pointer and f.line is None:
                # the example's own line: point at the offending value (a rule's own column wins)
                found, excerpt = column_and_excerpt(raw, f.pointer)
                column = column or found
            fixable = rule.autofix.safety if rule.autofix is not None and f.fixable is not False else ""
            if key is None:  # only for examples with findings: a digest of every clean one would cost
                key = ex.key if ex is not None else ""
            diagnostic = Diagnostic(f.path or path, f.line or line, rule.code, f.pointer, column, rule.name, sev,
                                    f.message, f.fix, excerpt, fixable, key if f.line is None else "", f.related)
            self.texts.keep(diagnostic)
            out.append(diagnostic)

    def _start_states(self, plan: _Plan, ctx: FileContext, display: str) -> tuple[list, list, dict]:
        """The states of the file rules and dataset rules for one chunk, and, per example format,
        what the loop calls for them: (observe, gate or None, rule, severity or None, state)."""
        states = []
        for rule, sev in plan.file_rules:
            try:
                state = rule.start(ctx)
                if state is not None:
                    states.append((rule, sev, state))
            except PLUGIN_FAILURES as exc:
                self._crash(rule, display, None, exc)
        dataset = []
        for rule, _ in self.dataset_rules:
            if rule.code in plan.codes:
                try:
                    dataset.append((rule, rule.new_state()))
                except PLUGIN_FAILURES as exc:
                    self._crash(rule, display, None, exc)
        observing: dict[str, list] = {}
        for rule, sev, state in [*states, *((rule, None, state) for rule, state in dataset)]:
            for kind in rule.formats:
                observing.setdefault(kind, []).append((rule.observe, rule.when or None, rule, sev, state))
        return states, dataset, observing

    def run_chunk(self, chunk: Chunk, stream: BinaryIO | Iterable[bytes] | None = None,
                  out: list[Diagnostic] | FindingList | None = None) -> ChunkResult:
        """Lint one chunk: example rules report at once (into ``out`` when given, else into the
        result); file and dataset rules return states."""
        errors_before = len(self.errors)
        self.load_tokenizer()
        crashes_before = dict(self._crashes)
        display = chunk.display
        plan = self.plan_for(chunk.path)
        ctx = self.context(chunk)
        own = out is None
        if out is None:
            out = []
        formats: dict[str, int] = {}
        states, dataset, observing = self._start_states(plan, ctx, display)
        by_kind = plan.by_kind
        emit = self._emit
        nothing: tuple = ((), ())
        observed = [o.new_state() for o in self.observers]
        watching = [(o, o.observe, o.formats, state) for o, state in zip(self.observers, observed)]

        def run(rules: list, ex: Example) -> None:
            for check, rule, sev in rules:
                try:
                    found = check(ex)
                    if found:
                        emit(out, found, rule, sev, display, ex.line, ex.raw, ex)
                except PLUGIN_FAILURES as exc:
                    self._crash(rule, display, ex.line, exc)

        if stream is None:
            stream = chunk_lines(chunk.path, chunk.start, chunk.end, ctx)
        elif hasattr(stream, "read"):
            stream = utf8_lines(stream, ctx)
        if self.tick is not None:
            stream = ticking(stream, self.tick)
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
        return ChunkResult(chunk, out if own else [], ctx, formats, observed,
                           [(rule.code, state) for rule, _, state in states],
                           [(rule.code, state) for rule, state in dataset],
                           self.errors[errors_before:], new_crashes)


def lint(paths: Iterable[str], config: Config, ruleset: RuleSet, *, force_exclude: bool = False,
         stdin: BinaryIO | None = None, stdin_name: str = "<stdin>", model: Any = None,
         validation: Iterable[str] = (), jobs: int = 1, chunk_bytes: int | None = None,
         progress: Any = None, before_read: Any = None, observers: Iterable = (), cache: Any = None,
         suppress: Any = None) -> Report:
    """Lint ``paths`` (and ``validation`` files) and return the Report, diagnostics sorted by path,
    line and code. With ``jobs`` > 1, files and parts of large files run in parallel processes;
    the result is the same as with one job. ``before_read``, when given, is called with the list
    of input paths once they are known and before any is read; it may raise to stop the run.
    ``cache`` (a :class:`ftlint.store.Store`): parts of files linted before are taken from it,
    and the parts linted now are stored in it; the report is the same as without it.
    ``suppress`` (a :class:`ftlint.baseline.Suppress`): its ``apply(diagnostics, rules)`` takes
    out known findings before a file's conventions are folded into one finding."""
    linter = Linter(ruleset, config, model, observers)
    report = Report(target=config.target, method=config.method, model=config.model,
                    config_source=config.source, rules=linter.by_code)
    inputs = roles(collect_paths(paths, config, force_exclude, linter.errors, report.skipped),
                   collect_paths(validation, config, False, linter.errors, report.skipped), config.pair_splits,
                   linter.split_names)
    linter.has_validation = any(role != "train" for _, role in inputs)
    if before_read is not None:
        before_read([p for p, _ in inputs])
    stamps = {p: stamp(p) for p, _ in inputs if p != STDIN}
    chunk_bytes = chunk_bytes or chunk_bytes_from_env()
    sizes = [file_size(p) or 0 for p, _ in inputs if p != STDIN]
    if progress is not None:
        progress.start(sum(sizes))
    splittable = linter.splittable()
    run_key = reuse.run_key(config, linter) if cache is not None else None
    if run_key is not None:
        # Cached parts are a quarter of the parallel parts' size: an edit relints about 2 MB, and
        # the results of 500 parts a GB cross from the workers at no cost worth measuring.
        planned = plan_parts(inputs, splittable, max(MIN_CHUNK_BYTES, chunk_bytes // 4), stdin_name)
        usable, keys, chunks = _from_cache(linter, cache, run_key, planned)
        chunks = [c for c in chunks if c.index not in usable]
        parts = len(chunks)
        report.reused = (len(usable), len(chunks))
    else:
        chunks = plan_chunks(inputs, splittable, jobs, chunk_bytes, stdin_name)
        # Several processes pay off with more than one file, or one file big enough to be cut.
        parts = sum(size // chunk_bytes if splittable and size >= 2 * chunk_bytes else 1 for size in sizes)

    # Linted in this process, a part's findings go straight to the run's list, which holds a
    # bounded number in memory: one process lints each whole file as one part. (Not when parts
    # are cached: each part's findings are stored with it.)
    report.diagnostics = found = FindingList()
    direct = found if run_key is None else None

    def local(c: Chunk) -> ChunkResult | None:
        try:
            return linter.run_chunk(c, (stdin or sys.stdin.buffer) if c.path == STDIN else None, direct)
        except OSError as exc:
            linter.errors.append(cannot_read(c, exc))
            return None

    if jobs > 1 and parts > 1 and can_fork():
        results = run_parallel(linter, chunks, min(jobs, parts), local)
    else:
        linter.tick = progress.tick if progress is not None else None
        results = ((local(c), False) for c in chunks)
    if run_key is not None:
        missed: list[int] = []
        results = _stored(cache, results, usable, keys, linter, local, missed)
    files, dataset_states, observed, crashes = _gather(linter, results, progress, found)
    if run_key is not None and missed:
        report.reused = (report.reused[0] - len(missed), report.reused[1] + len(missed))
    for parts_of_file in files.values():
        report.files.append(_finish_file(linter, parts_of_file, found))
    _finish_dataset(linter, dataset_states, found)
    drop_impossible_lines(report, linter)
    if suppress is not None:
        report.diagnostics = suppress.apply(report.diagnostics, report.rules)
        report.suppressed = suppress.result
    once_per_file(report)
    for path, before in stamps.items():
        now = stamp(path)
        if before is not None and now is not None and now != before:
            linter.errors.append(ToolError("io", f"{path} changed while ftlint read it ({before[0]:,} bytes before, "
                                                 f"{now[0]:,} after), so this report may not match it; lint it again "
                                                 "once it is written", path=path))
    report.errors = merge_rule_errors(linter.errors, crashes)
    report.observed = {o.name: state for o, state in zip(linter.observers, observed or
                                                         [o.new_state() for o in linter.observers])}
    return report


def _from_cache(linter: Linter, cache: Any, run_key: bytes, chunks: list[Chunk]) -> tuple[dict, dict, list]:
    """The parts the cache holds a result for that can be used where they sit now (by chunk
    index), the key of every part that can be stored, and the chunks with their line numbers
    (the lines of a stored part are remembered, the others counted). The results themselves are
    read again when their turn comes (:func:`_stored`): held all at once from here, a whole
    file's stored states took memory in proportion to the file (36 MB of a 1 GB rerun)."""
    keys: dict[int, bytes] = {}
    places: dict[int, tuple[int, int, int]] = {}  # index -> (lines, first line, file) when stored
    for c in chunks:
        if c.digest is None:
            continue
        key = keys[c.index] = reuse.part_key(run_key, c, linter.plan_for(c.path).codes)
        entry = cache.get(key)
        if reuse.is_entry(entry):
            places[c.index] = (entry["count"], entry["first"], entry["index"])
    chunks = with_first_lines(chunks, {i: place[0] for i, place in places.items()})
    movable = reuse.movable(linter)
    usable = {}
    for c in chunks:
        place = places.get(c.index)
        # a part that moved is usable only when every rule can move its state (else linted)
        if place is not None and (movable or place[1:] == (c.first_line, c.file_index)):
            usable[c.index] = c
    return usable, keys, chunks


def _stored(cache: Any, results, usable: dict[int, Chunk], keys: dict[int, bytes], linter: Linter, local,
            missed: list[int]):
    """The linted results with the cached ones put back in input order (merges depend on it),
    each read from the cache when its turn comes; each linted part is stored on the way. A
    cached part that cannot be used after all (pruned by another run since, or a rule refused
    to move its state) is linted here, and its index added to ``missed``."""

    def store(result: ChunkResult | None) -> None:
        if result is not None and result.chunk.index in keys:
            kept = reuse.stored_form(result)
            if kept is not None:
                cache.put(keys[result.chunk.index], kept)

    def reused(index: int) -> ChunkResult | None:
        chunk = usable.pop(index)
        entry = cache.get(keys[index])
        result = reuse.moved_result(entry, chunk, linter) if reuse.is_entry(entry) else None
        if result is None:
            missed.append(index)
            result = local(chunk)
            store(result)
        return result

    pending = sorted(usable)
    for result, from_worker in results:
        if result is not None:
            while pending and pending[0] < result.chunk.index:
                yield reused(pending.pop(0)), False
            store(result)
        yield result, from_worker
    for index in pending:
        yield reused(index), False
    if cache.written:
        cache.prune()  # a scan of the folder (some 10 ms for 500 entries): only when it grew


def _gather(linter: Linter, results, progress, found: FindingList) -> tuple[dict[int, list[ChunkResult]], list,
                                                                             list | None, dict]:
    """Collect the chunk results in input order: per file, and the run's merged dataset-rule and
    observer states and crash counts. Their diagnostics go to ``found`` as they arrive."""
    rules = linter.by_code
    files: dict[int, list[ChunkResult]] = {}
    dataset_states: list = []
    observed: list | None = None  # merged in input order, like the dataset rules' states
    crashes: dict[str, int] = {}
    try:
        for result, from_worker in results:
            if result is None:
                continue
            files.setdefault(result.chunk.file_index, []).append(result)
            for code, n in result.crashes.items():
                crashes[code] = crashes.get(code, 0) + n
            dataset_states = merge_states(rules, dataset_states, result.dataset_states)
            observed = result.observed if observed is None else [
                o.merge(a, b) for o, a, b in zip(linter.observers, observed, result.observed)]
            # merged into the run's states; the part's own copies would double the memory they take
            result.dataset_states, result.observed = [], []
            if from_worker:  # recorded in its own process: its errors, and texts each part has a copy of
                linter.errors.extend(result.errors)
                linter.texts.share(result.diagnostics)  # (the cache's parts: reuse.moved_result)
            found.extend(result.diagnostics)
            result.diagnostics = []
            if progress is not None:
                progress.advance(result.ctx.size)
    except OSError as exc:
        linter.errors.append(ToolError("io", f"cannot read input: {exc.strerror or exc}"))
    finally:
        if progress is not None:
            progress.close()
    return files, dataset_states, observed, crashes


def _finish_file(linter: Linter, parts: list[ChunkResult], out: FindingList) -> FileResult:
    """Merge the parts of one file, let its file rules report, and describe it."""
    rules = linter.by_code
    first = parts[0]
    display = first.chunk.display
    ctx = first.ctx
    diags: list[Diagnostic] = []
    formats = dict(first.formats)
    states = first.file_states
    for part in parts[1:]:
        for k, v in part.formats.items():
            formats[k] = formats.get(k, 0) + v
        ctx.size += part.ctx.size
        ctx.examples += part.ctx.examples
        ctx.crlf_lines += part.ctx.crlf_lines
        ctx.lines = part.ctx.lines
        states = merge_states(rules, states, part.file_states)
    severities = dict(linter.plan_for(first.chunk.path).file_rules)
    for code, state in states:
        rule = rules[code]
        try:
            found = rule.finish(state, ctx)
            if found:
                linter._emit(diags, found, rule, severities[rule], display, 1)
        except PLUGIN_FAILURES as exc:
            linter._crash(rule, display, None, exc)
    out.extend(diags)
    formats.pop("invalid", None)
    return FileResult(display, ctx.lines, ctx.examples, ctx.size, formats, first.chunk.role)


def _finish_dataset(linter: Linter, states: list, out: FindingList) -> None:
    """Let the dataset rules report from their merged states."""
    rules = linter.by_code
    for code, state in states:
        rule = rules[code]
        try:
            found = rule.finish(state)
            if found:
                linter._emit(out, found, rule, linter.ruleset.severities[code], "", 1)
        except PLUGIN_FAILURES as exc:
            linter._crash(rule, "", None, exc)

"""The engine: runs the rules in force over every example of every file and builds the Report.

It knows rules only through the :class:`~ftlint.rule.Rule` interface, never by code or name.
"""

from __future__ import annotations

import datetime
import os
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from .config import Config
from .cost import billable as cost_billable
from .diagnostics import Diagnostic, Finding, Severity, ToolError
from .example import Example, FileContext
from .reader import iter_dataset_files, open_dataset, read_examples
from .rule import FileRule, Rule, RuleSet
from .selection import is_enabled

STDIN = "-"


@dataclass
class FileResult:
    path: str
    lines: int = 0
    examples: int = 0
    size: int = 0
    formats: dict[str, int] = field(default_factory=dict)
    billable_tokens: int = 0  # sum over SFT/DPO examples of min(limit, tokens), when a model is set
    counted: int = 0  # examples whose tokens were counted


@dataclass
class Report:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[ToolError] = field(default_factory=list)
    files: list[FileResult] = field(default_factory=list)
    rules: dict[str, Rule] = field(default_factory=dict)
    target: str = "openai"
    method: str = "auto"
    model: str | None = None
    config_source: str | None = None
    estimate: Any = None  # ftlint.cost.Estimate when a model with a tokenizer is known

    def count(self, severity: Severity) -> int:
        return sum(1 for d in self.diagnostics if d.severity == severity)

    @property
    def examples(self) -> int:
        return sum(f.examples for f in self.files)

    def by_code(self) -> list[tuple[str, int, Severity]]:
        counts = Counter(d.code for d in self.diagnostics)
        sev = {d.code: d.severity for d in self.diagnostics}
        return sorted(((c, n, sev[c]) for c, n in counts.items()), key=lambda t: (-t[1], t[0]))

    def exit_code(self, strict: bool = False, exit_zero: bool = False) -> int:
        if self.errors:
            return 2
        if exit_zero:
            return 0
        worst = Severity.WARNING if strict else Severity.ERROR
        return 1 if any(d.severity >= worst for d in self.diagnostics) else 0


class _Plan:
    """The rules for one file: per example format, groups of (gate, rules); per format, file rules.

    Rules that share a gate (:attr:`Rule.when`) are skipped together with one set test when an
    example has none of the gate's features, which is what keeps ordinary examples cheap.
    """

    def __init__(self, rules: list[Rule], severities: dict[str, Severity]) -> None:
        groups: dict[str, dict[frozenset, list]] = {}
        for rule in rules:
            sev = severities[rule.code]
            if isinstance(rule, FileRule):
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


class Linter:
    """Lints files and streams with one rule set. Reusable across files; not thread-safe."""

    def __init__(self, ruleset: RuleSet, config: Config, model: Any = None) -> None:
        self.ruleset = ruleset
        self.config = config
        self.model = model
        self.today = datetime.date.today()
        self.accounting = None
        if model is not None and any(r.needs_tokens for r in ruleset.rules):
            from .accounting import Accounting

            self.accounting = Accounting(model)
        self.errors: list[ToolError] = list(ruleset.errors)
        self._crashes: dict[str, int] = {}
        self._plans: dict[tuple[str, ...], _Plan] = {}

    # -- planning ------------------------------------------------------------------------------

    def plan_for(self, path: str) -> _Plan:
        ignores = tuple(self.config.ignores_for(path)) if path != STDIN else ()
        plan = self._plans.get(ignores)
        if plan is None:
            rules = [r for r in self.ruleset.rules if not ignores or is_enabled(type(r), ["ALL"], list(ignores))]
            plan = self._plans[ignores] = _Plan(rules, self.ruleset.severities)
        return plan

    # -- running -------------------------------------------------------------------------------

    def _crash(self, rule: Rule, path: str, line: int | None, exc: BaseException) -> None:
        n = self._crashes.get(rule.code, 0)
        self._crashes[rule.code] = n + 1
        if n == 0:
            self.errors.append(ToolError("rule", f"raised {type(exc).__name__}: {exc}",
                                         plugin=rule.plugin, rule=f"{rule.code} {rule.name}",
                                         path=path, line=line))

    def _emit(self, out: list, findings: Iterable[Finding] | None, rule: Rule, sev: Severity,
              path: str, line: int) -> None:
        for f in findings:
            out.append(Diagnostic(path, f.line or line, rule.code, f.pointer, f.column, rule.name,
                                  sev, f.message, f.fix))

    def lint_stream(self, stream: BinaryIO | Iterable[bytes], path: str,
                    display: str | None = None) -> tuple[list[Diagnostic], FileResult]:
        display = display or path
        plan = self.plan_for(path)
        ctx = FileContext(display, self.config.method, target=self.config.target, model_name=self.config.model,
                          model=self.model, accounting=self.accounting, today=self.today)
        out: list[Diagnostic] = []
        formats: dict[str, int] = {}
        states = []
        for rule, sev in plan.file_rules:
            try:
                state = rule.start(ctx)
                if state is not None:
                    states.append((rule, sev, state))
            except Exception as exc:
                self._crash(rule, display, None, exc)
        by_kind = plan.by_kind
        observers: dict[str, list] = {}
        for rule, sev, state in states:
            for kind in rule.formats:
                observers.setdefault(kind, []).append((rule, sev, state))
        emit = self._emit
        nothing: tuple = ((), ())
        accounting = self.accounting
        billable = counted = 0

        def run(rules: list, ex: Example) -> None:
            for check, rule, sev in rules:
                try:
                    found = check(ex)
                    if found:
                        emit(out, found, rule, sev, display, ex.line)
                except Exception as exc:
                    self._crash(rule, display, ex.line, exc)

        for ex in read_examples(stream, ctx):
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
            if accounting is not None and (kind == "sft" or kind == "dpo"):
                billable += cost_billable(self.model, ex.tokens.total)
                counted += 1
            for rule, sev, state in observers.get(kind, ()):
                if rule.when and rule.when.isdisjoint(ex.features):
                    continue
                try:
                    found = rule.observe(state, ex)
                    if found:
                        emit(out, found, rule, sev, display, ex.line)
                except Exception as exc:
                    self._crash(rule, display, ex.line, exc)
        for rule, sev, state in states:
            try:
                found = rule.finish(state, ctx)
                if found:
                    emit(out, found, rule, sev, display, 1)
            except Exception as exc:
                self._crash(rule, display, None, exc)
        formats.pop("invalid", None)
        return out, FileResult(display, ctx.lines, ctx.examples, ctx.size, dict(formats), billable, counted)

    def lint_path(self, path: str, display: str | None = None) -> tuple[list[Diagnostic], FileResult] | None:
        try:
            with open_dataset(path) as fh:
                return self.lint_stream(fh, path, display)
        except OSError as exc:
            self.errors.append(ToolError("io", f"cannot read {path}: {exc.strerror or exc}", path=path))
            return None


def collect_paths(paths: Iterable[str], config: Config, force_exclude: bool = False,
                  errors: list[ToolError] | None = None) -> list[str]:
    """Expand directories into their dataset files; keep explicit files unless force-excluded."""
    out: list[str] = []
    for p in paths:
        if p == STDIN:
            out.append(p)
        elif os.path.isdir(p):
            out.extend(iter_dataset_files(p, config.is_excluded))
        elif os.path.exists(p):
            if not (force_exclude and config.is_excluded(p)):
                out.append(p)
        elif errors is not None:
            errors.append(ToolError("io", f"no such file or directory: {p}", path=p))
    seen: set[str] = set()
    return [p for p in out if not (p in seen or seen.add(p))]


def lint(paths: Iterable[str], config: Config, ruleset: RuleSet, *, force_exclude: bool = False,
         stdin: BinaryIO | None = None, stdin_name: str = "<stdin>", model: Any = None) -> Report:
    """Lint ``paths`` and return the Report, diagnostics sorted by (path, line, code)."""
    report = Report(target=config.target, method=config.method, model=config.model,
                    config_source=config.source, rules={r.code: r for r in ruleset.rules})
    linter = Linter(ruleset, config, model)
    for path in collect_paths(paths, config, force_exclude, linter.errors):
        if path == STDIN:
            result = linter.lint_stream(stdin or sys.stdin.buffer, STDIN, stdin_name)
        else:
            result = linter.lint_path(path)
        if result is None:
            continue
        diags, file_result = result
        diags.sort()
        report.diagnostics.extend(diags)
        report.files.append(file_result)
    report.errors = linter.errors
    if linter.accounting is not None:
        from .cost import estimate

        report.estimate = estimate(model, sum(f.counted for f in report.files),
                                   sum(f.billable_tokens for f in report.files), config.epochs)
    return report

"""Merging what the parts of a run found: rule states of consecutive parts (in input order, so
the result is the same with one process or many), one report per crashing rule, and the
diagnostics no file can hold."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from .diagnostics import ToolError
from .findings import BadFinding
from .report import Report
from .rule import Rule

if TYPE_CHECKING:
    from .engine import Linter


def drop_impossible_lines(report: Report, linter: Linter) -> None:
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


SHOWN_LINES = 5  # lines named in a once-per-file summary


def once_per_file(report: Report) -> None:
    """Fold the findings of ``once_per_file`` rules into one per file, rule and message: the
    first, told how many lines share it and which (the diagnostics are sorted)."""
    folded = {code for code, rule in report.rules.items() if getattr(rule, "once_per_file", False)}
    if not folded or not any(d.code in folded for d in report.diagnostics):
        return
    groups: dict[tuple[str, str, str], list] = {}
    kept = []
    for d in report.diagnostics:
        if d.code not in folded:
            kept.append(d)
            continue
        key = (d.path, d.code, d.message)
        group = groups.get(key)
        if group is None:
            groups[key] = [d]
            kept.append(d)
        else:
            group.append(d)
    first_of = {id(g[0]): g for g in groups.values()}
    out = []
    for d in kept:
        group = first_of.get(id(d))
        if group is not None and len(group) > 1:
            lines = sorted({x.line for x in group})
            shown = ", ".join(map(str, lines[:SHOWN_LINES])) + (", …" if len(lines) > SHOWN_LINES else "")
            d = dataclasses.replace(d, message=f"{d.message} ({len(lines):,} lines like this one: {shown})")
        out.append(d)
    report.diagnostics = out


def merge_rule_errors(errors: list[ToolError], counts: dict[str, int]) -> list[ToolError]:
    """One report per crashing rule, at its first place, with how often it crashed in all parts;
    and one of any error made with a key (a tokenizer that failed in every worker)."""
    out: list[ToolError] = []
    seen: set[str] = set()
    for e in errors:
        if e.kind == "rule" or e.kind == "internal" or e.key:
            key = e.key or e.message  # an error made without a key is its own
            if key in seen:
                continue
            seen.add(key)
            e = dataclasses.replace(e, count=max(e.count, counts.get(key, 1)))
        out.append(e)
    return out


def merge_states(rules: dict[str, Rule], first: list, second: list) -> list:
    merged = dict(first)
    for code, state in second:
        merged[code] = rules[code].merge(merged[code], state) if code in merged else state
    return list(merged.items())

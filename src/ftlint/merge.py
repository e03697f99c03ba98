"""Merging what the parts of a run found: rule states of consecutive parts (in input order, so
the result is the same with one process or many), one report per crashing rule, and the
diagnostics no file can hold."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from .diagnostics import ToolError
from .findinglist import FindingList
from .findings import BadFinding
from .report import Report
from .rule import Rule

if TYPE_CHECKING:
    from .engine import Linter


def drop_impossible_lines(report: Report, linter: Linter) -> None:
    """Drop the diagnostics at a line their file does not have (a plugin's bug) and report it."""
    lines = {f.path: max(f.lines, 1) for f in report.files}
    if all(d.line <= lines.get(d.path, d.line) for d in report.diagnostics):
        return  # the common case: nothing to drop, and nothing copied
    kept = FindingList()
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
    first, told how many lines share it and which (the diagnostics are sorted). Two passes over
    the findings, so that a fold of a million lines holds five of them, not a million."""
    folded = {code for code, rule in report.rules.items() if getattr(rule, "once_per_file", False)}
    if not folded or not any(code in folded for code, _, _ in report.tally()):
        return
    groups: dict[tuple[str, str, str], list] = {}  # -> [distinct lines, the last, the first SHOWN_LINES]
    for d in report.diagnostics:
        if d.code in folded:
            key = (d.path, d.code, d.message)
            group = groups.get(key)
            if group is None:
                groups[key] = [1, d.line, [d.line]]
            elif d.line != group[1]:  # lines arrive in order: a new line is a larger one
                group[0] += 1
                group[1] = d.line
                if len(group[2]) < SHOWN_LINES:
                    group[2].append(d.line)
    out = FindingList()
    for d in report.diagnostics:
        if d.code in folded:
            group = groups.pop((d.path, d.code, d.message), None)
            if group is None:
                continue  # a later one of its group
            count, _, lines = group
            if count > 1:
                shown = ", ".join(map(str, lines[:SHOWN_LINES])) + (", …" if count > SHOWN_LINES else "")
                d = dataclasses.replace(d, message=f"{d.message} ({count:,} lines like this one: {shown})")
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

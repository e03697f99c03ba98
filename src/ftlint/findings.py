"""Holding rules to the findings they return: a finding the report cannot hold is the rule's
failure (its plugin's error), never a diagnostic at an impossible place or an internal error."""

from __future__ import annotations

from typing import Any

from .diagnostics import Finding
from .quote import show


class BadFinding(Exception):
    """A rule returned a finding the report cannot hold (a line that is not a line of the file, a
    path that is not text): the rule's failure, reported as such."""


def _positive(value: Any) -> bool:
    return type(value) is int and value >= 1


def check_finding(f: Any) -> None:
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
    elif type(f.fixable) is not bool:
        problem = f"fixable {show(f.fixable, 40)} (True or False)"
    elif type(f.related) is not tuple or not all(
            type(r) is tuple and len(r) == 2 and type(r[0]) is str and _positive(r[1]) for r in f.related):
        problem = "related places that are not a tuple of (path, line) pairs"
    if problem:
        raise BadFinding(f"reported a finding with {problem}")

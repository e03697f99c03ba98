"""Applying fixes for `ftlint fix` and `ftlint check --fix`: each file repaired in place (or, for
'-', standard input to standard output), or only shown with --diff; then the usual lint of what
was written, so the report shows what is left."""

from __future__ import annotations

import sys
from typing import Any

import click

from ..diagnostics import printable
from .common import out


class _Diff:
    """Prints a unified diff of the lines a fix changes, without context lines (as `diff -U0`),
    so `patch` can apply it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.shift = 0  # lines dropped so far: the new file's numbers run behind
        self.started = False

    def __call__(self, line: int, old: bytes, new: bytes | None) -> None:
        stream = out()
        if not self.started:
            self.started = True
            click.echo(f"--- {printable(self.path)}\n+++ {printable(self.path)}", file=stream)
        at = line - self.shift
        old_text = printable(old.decode("utf-8", "replace"))
        if new is None:
            click.echo(f"@@ -{line},1 +{at - 1},0 @@\n-{old_text}", file=stream)
            self.shift += 1
        else:
            click.echo(f"@@ -{line} +{at} @@\n-{old_text}\n+{printable(new.decode('utf-8', 'replace'))}", file=stream)


def apply_fixes(session: Any, paths: list[str], *, unsafe: bool, diff: bool, force_exclude: bool,
                stdin_name: str):
    """Fix every dataset file among ``paths`` (folders walked as `check` walks them), listing on
    standard error every line removed."""
    run = session.fix(paths, unsafe=unsafe, write=not diff, diff_for=_Diff if diff else None,
                      force_exclude=force_exclude, stdin=sys.stdin.buffer if sys.stdin is not None else None,
                      stdin_name=stdin_name)
    for result in run.files:
        for line, code, rule in result.dropped:
            verb = "would remove" if diff else "removed"
            click.echo(f"ftlint: {verb} {printable(result.path)}:{line} ({code} {rule})", err=True)
    return run


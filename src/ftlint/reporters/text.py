"""The default human format: one line per diagnostic, then a summary by code (like ruff)."""

from __future__ import annotations

import click

from ..diagnostics import Severity
from ..hookspecs import hookimpl
from . import Reporter, fixable_line, summary_line, suppressed_line

COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


class TextReporter(Reporter):
    name = "text"
    help = "One line per problem and a summary by rule (default)."
    human = True

    def style(self, text: str, **kw) -> str:
        return click.style(text, **kw) if self.color else text

    def render(self, report, out):
        s = self.style
        if not self.statistics:
            for d in report.diagnostics:
                loc = f"{d.path}:{d.line}:{d.column or 1}:"
                pointer = f" {s(d.pointer, dim=True)}" if d.pointer else ""
                fix = f" {s('fix:', fg='green')} {d.fix}" if d.fix else ""
                # ruff's mark: `ftlint fix` repairs this one (unsafe fixes are marked only when asked for)
                mark = f" {s('[*]', fg='green')}" if d.fixable == "safe" or (d.fixable and report.unsafe_fixes) else ""
                out.write(f"{s(loc, bold=True)} {s(d.code, fg=COLORS[d.severity], bold=True)}{mark} "
                          f"{s(d.severity.label, fg=COLORS[d.severity])} [{d.name}]{pointer} {d.message}.{fix}\n")
        if self.quiet and not self.statistics:
            return
        rows = report.by_code()
        if rows:
            if not self.statistics:
                out.write("\n")
            width = max(len(f"{n:,}") for _, n, _ in rows)
            for code, n, sev in rows:
                rule = report.rules.get(code)
                name = rule.name if rule else ""
                out.write(f"{n:>{width},}  {s(code, fg=COLORS[sev], bold=True)}  {name:<32} {sev.label}\n")
        if not self.statistics:
            worst = Severity.ERROR if report.count(Severity.ERROR) else None
            line = summary_line(report)
            out.write(("\n" if rows else "") + (s(line, fg="red", bold=True) if worst else s(line, fg="green"))
                      + "\n")
            known = suppressed_line(report)
            if known:
                out.write(s(known, dim=True) + "\n")
            fixes = fixable_line(report)
            if fixes:
                out.write(s(fixes, fg="green") + "\n")
            if report.estimate is not None:
                out.write(report.estimate.line() + "\n")
            if report.diagnostics and any(d.fix for d in report.diagnostics):
                out.write(s("Run `ftlint rule CODE` for what a rule checks and why.", dim=True) + "\n")


@hookimpl
def register_reporters(register):
    register(TextReporter)

"""JUnit XML, which CI services show as test reports: a test suite a file, a failed test case a
finding, and one passing case for a file with none (as ruff and flake8's reporters write it)."""

from __future__ import annotations

from itertools import groupby

from ..diagnostics import Severity
from ..hookspecs import hookimpl
from . import Reporter, repo_path

_XML_CONTROL = {c: "?" for c in range(32) if c not in (9, 10, 13)}


def _attr(text: str) -> str:
    """An XML attribute value: quoted, escaped, and without the control characters XML 1.0 forbids,
    written as xml.sax.saxutils.quoteattr writes it (not imported: it imports urllib.request and
    ssl, 20 ms of every start, since reporters load with every run)."""
    data = _text(text).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in data:
        return f'"{data}"'
    return f"'{data}'" if "'" not in data else '"' + data.replace('"', "&quot;") + '"'


class JunitReporter(Reporter):
    name = "junit"
    help = "JUnit XML test report: a test suite a file, a failed test case a finding."

    def render(self, report, out):
        by_path = {path: list(diags) for path, diags in groupby(report.diagnostics, key=lambda d: d.path)}
        failures = len(report.diagnostics)
        tests = failures + sum(1 for f in report.files if f.path not in by_path)
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write(f'<testsuites name="ftlint" tests="{tests}" failures="{failures}" errors="{len(report.errors)}">\n')
        linted = [f.path for f in report.files]
        known = set(linted)
        paths = linted + [p for p in by_path if p not in known]
        for path in paths:
            diags = by_path.get(path, [])
            name = repo_path(path)
            out.write(f'  <testsuite name={_attr(name)} tests="{max(len(diags), 1)}" failures="{len(diags)}" '
                      f'errors="0" skipped="0">\n')
            if not diags:
                out.write(f'    <testcase name="ftlint" classname={_attr(name)}/>\n')
            for d in diags:
                where = f"line {d.line}" + (f", column {d.column}" if d.column else "") + \
                        (f", at {d.pointer}" if d.pointer else "")
                body = f"{where}: {d.message}" + (f"\nfix: {d.fix}" if d.fix else "")
                kind = "error" if d.severity == Severity.ERROR else d.severity.label
                out.write(f'    <testcase name={_attr(f"{d.code} {d.name} (line {d.line})")} '
                          f'classname={_attr(name)} file={_attr(name)} line="{d.line}">\n')
                out.write(f'      <failure message={_attr(d.message)} type={_attr(kind)}>'
                          f'{_text(body)}</failure>\n')
                out.write("    </testcase>\n")
            out.write("  </testsuite>\n")
        if report.errors:
            out.write(f'  <testsuite name="ftlint" tests="{len(report.errors)}" failures="0" '
                      f'errors="{len(report.errors)}" skipped="0">\n')
            for e in report.errors:
                out.write(f'    <testcase name={_attr(e.kind)} classname="ftlint">\n'
                          f'      <error message={_attr(e.describe())} type={_attr(e.kind)}/>\n'
                          "    </testcase>\n")
            out.write("  </testsuite>\n")
        out.write("</testsuites>\n")


def _text(text: str) -> str:
    return text.translate(_XML_CONTROL).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@hookimpl
def register_reporters(register):
    register(JunitReporter)

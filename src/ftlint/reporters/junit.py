"""JUnit XML, which CI services show as test reports: a test suite a file, a failed test case a
finding, and one passing case for a file with none (as ruff and flake8's reporters write it)."""

from __future__ import annotations

from collections import Counter
from itertools import groupby
from operator import attrgetter

from ..diagnostics import Severity
from ..hookspecs import hookimpl
from . import Reporter, repo_path

_PATH = attrgetter("path")
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
        # Written as the findings are read, a file's suite at a time: the report is sorted by
        # path, so suites come in path order, each file without findings where its path sorts.
        # Two passes over the findings (the first counts them a file, for each suite's header)
        # hold a count a file, never the findings, however many spilled to disk.
        per_path = Counter(d.path for d in report.diagnostics)
        failures = sum(per_path.values())
        clean = sorted({f.path for f in report.files if f.path not in per_path})
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write(f'<testsuites name="ftlint" tests="{failures + len(clean)}" failures="{failures}" '
                  f'errors="{len(report.errors)}">\n')
        waiting = iter(clean)
        passing = next(waiting, None)
        for path, diags in groupby(report.diagnostics, key=_PATH):
            while passing is not None and passing < path:
                _passing_suite(out, passing)
                passing = next(waiting, None)
            name = repo_path(path)
            out.write(f'  <testsuite name={_attr(name)} tests="{per_path[path]}" failures="{per_path[path]}" '
                      f'errors="0" skipped="0">\n')
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
        while passing is not None:
            _passing_suite(out, passing)
            passing = next(waiting, None)
        if report.errors:
            out.write(f'  <testsuite name="ftlint" tests="{len(report.errors)}" failures="0" '
                      f'errors="{len(report.errors)}" skipped="0">\n')
            for e in report.errors:
                out.write(f'    <testcase name={_attr(e.kind)} classname="ftlint">\n'
                          f'      <error message={_attr(e.describe())} type={_attr(e.kind)}/>\n'
                          "    </testcase>\n")
            out.write("  </testsuite>\n")
        out.write("</testsuites>\n")


def _passing_suite(out, path: str) -> None:
    name = _attr(repo_path(path))
    out.write(f'  <testsuite name={name} tests="1" failures="0" errors="0" skipped="0">\n'
              f'    <testcase name="ftlint" classname={name}/>\n  </testsuite>\n')


def _text(text: str) -> str:
    return text.translate(_XML_CONTROL).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@hookimpl
def register_reporters(register):
    register(JunitReporter)

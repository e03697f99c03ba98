"""GitHub Actions workflow annotations, grouped per file, plus a Markdown job summary."""

from __future__ import annotations

import os
from itertools import groupby

from ..diagnostics import Severity
from ..hookspecs import hookimpl
from . import Reporter, most_severe, repo_path, summary_line

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


# Characters that Markdown or HTML would act on in a table cell of the job summary: data quoted
# in a message must show as text, never as a tag, a link, an image or a mention.
_MD_ESCAPES = {c: f"&#{ord(c)};" for c in "&<>\"'|\\`*_[]()~!#:@"}
_MD_ESCAPES.update({"\n": " ", "\r": " "})
_MD_TABLE = str.maketrans(_MD_ESCAPES)


def _md(text: str) -> str:
    return text.translate(_MD_TABLE)


def step_summary(report) -> str:
    lines = ["## ftlint", "", summary_line(report), ""]
    if report.estimate is not None:
        lines += [_md(report.estimate.line()), ""]
        if report.estimate.histogram:  # GitHub draws a Mermaid block as a chart
            labels = ", ".join(f'"{lo:,}-{hi:,}"' for lo, hi, _ in report.estimate.histogram)
            counts = ", ".join(str(n) for _, _, n in report.estimate.histogram)
            lines += ["```mermaid", "xychart-beta", '    title "Tokens per training example"',
                      f"    x-axis [{labels}]", '    y-axis "examples"', f"    bar [{counts}]", "```", ""]
    # errors first, then warnings and notes, each by count: a warning seen 5,000 times must not bury an error
    rows = sorted(report.by_code(), key=lambda row: (-row[2], -row[1], row[0]))
    if rows:
        lines += ["| count | rule | name | severity |", "| ---: | --- | --- | --- |"]
        for code, n, sev in rows:
            name = report.rules[code].name if code in report.rules else ""
            lines.append(f"| {n:,} | {code} | {name} | {sev.label} |")
        lines += ["", "<details><summary>Diagnostics</summary>", "",
                  "| file | line | rule | message |", "| --- | ---: | --- | --- |"]
        for d in most_severe(report.diagnostics, 1000):
            lines.append(f"| {_md(repo_path(d.path))} | {d.line} | {d.code} | {_md(d.message)} |")
        if len(report.diagnostics) > 1000:
            lines.append(f"| … | | | {len(report.diagnostics) - 1000:,} more |")
        lines += ["", "</details>"]
    for e in report.errors:
        lines.append(f"- **ftlint could not finish:** {_md(e.describe())}")
    return "\n".join(lines) + "\n"


class GithubReporter(Reporter):
    name = "github"
    help = "GitHub Actions annotations per file, and a job summary when GITHUB_STEP_SUMMARY is set."

    def render(self, report, out):
        for path, diags in groupby(report.diagnostics, key=lambda d: d.path):
            # GitHub attaches an annotation to a pull request's diff only by a workspace-relative path
            path = repo_path(path, ("GITHUB_WORKSPACE",))
            out.write(f"::group::{escape_data(path)}\n")
            for d in diags:
                props = (f"title={escape_property(f'ftlint ({d.code} {d.name})')},file={escape_property(path)},"
                         f"line={d.line}" + (f",col={d.column}" if d.column else ""))
                text = f"{path}:{d.line}: {d.code} {d.message}" + (f" (at {d.pointer})" if d.pointer else "")
                if d.fix:
                    text += f"\nfix: {d.fix}"
                out.write(f"::{LEVELS[d.severity]} {props}::{escape_data(text)}\n")
            out.write("::endgroup::\n")
        for e in report.errors:
            out.write(f"::error title=ftlint::{escape_data(e.describe())}\n")
        out.write(summary_line(report) + "\n")
        summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary_path:
            with open(summary_path, "a", encoding="utf-8") as fh:
                fh.write(step_summary(report))


@hookimpl
def register_reporters(register):
    register(GithubReporter)

"""SARIF 2.1.0 for GitHub code scanning (upload with github/codeql-action/upload-sarif).

Code scanning refuses a run of more than 25,000 results (and shows 5,000), so a run holds the
25,000 most severe, says so in a notification, and keeps the full counts in its properties.
Each rule carries its page (what it checks, why, the fix), each result a fingerprint that follows
its example when lines move, and the places it names (the first copy of a duplicate)."""

from __future__ import annotations

import os
from collections import Counter
from urllib.parse import quote

from ..__about__ import __version__
from ..diagnostics import Severity
from ..hookspecs import hookimpl
from . import LIST_MARK, Reporter, fingerprint, most_severe, repo_path, write_json

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
#: GitHub code scanning rejects a SARIF run with more results than this.
MAX_RESULTS = 25_000


def artifact_uri(path: str) -> str:
    """The path as a URI reference (RFC 3986), which SARIF requires: a relative path stays
    relative (code scanning resolves it from the repository root; a path inside the workspace is
    made relative to it), an absolute one becomes a file URI, and '#', '%', spaces and non-ASCII
    are percent-encoded, so 'data#2.jsonl' is not read as 'data' with a fragment."""
    path = repo_path(path)
    posix = path.replace(os.sep, "/")
    if os.path.isabs(path):
        return "file://" + quote(posix if posix.startswith("/") else "/" + posix, safe="/:")
    return quote(posix, safe="/")


def _rule(code: str, rule) -> dict:
    from ..docs import rule_doc, section

    if rule is None:
        return {"id": code, "name": code, "shortDescription": {"text": code}}
    doc = rule_doc(type(rule)) or ""
    checks = " ".join(section(doc, "What it checks").split()) or rule.summary
    entry = {"id": code, "name": rule.name, "shortDescription": {"text": rule.summary},
             "fullDescription": {"text": checks},
             "defaultConfiguration": {"level": LEVELS[Severity.parse(type(rule).severity)]},
             "properties": {"tags": ["ftlint", f"{code[:-2]}xx"]}}
    if doc:
        entry["help"] = {"text": doc, "markdown": doc}
    return entry


def _location(path: str, line: int, column=None, excerpt=None) -> dict:
    region = {"startLine": line}
    if column:
        region["startColumn"] = column
    if excerpt:
        region["snippet"] = {"text": excerpt}
    return {"physicalLocation": {"artifactLocation": {"uri": artifact_uri(path)}, "region": region}}


class SarifReporter(Reporter):
    name = "sarif"
    help = "SARIF 2.1.0, for GitHub code scanning (the 25,000 most severe results a run)."

    def render(self, report, out):
        # the most severe first, in file order within a severity: what a capped run keeps
        kept = most_severe(report.diagnostics, MAX_RESULTS)
        found = len(report.diagnostics)
        codes = sorted({d.code for d in kept})
        index = {code: i for i, code in enumerate(codes)}
        def results():  # made one at a time as they are written (see write_json)
            for d in kept:
                text = d.message + (f" (at {d.pointer})" if d.pointer else "") + (f". Fix: {d.fix}" if d.fix else "")
                result = {
                    "ruleId": d.code,
                    "ruleIndex": index[d.code],
                    "level": LEVELS[d.severity],
                    "message": {"text": text},
                    "locations": [_location(d.path, d.line, d.column, d.excerpt)],
                    "partialFingerprints": {"ftlintFinding/v1": fingerprint(d, repo_path(d.path))},
                }
                if d.related:
                    result["relatedLocations"] = [dict(_location(p, n), id=i, message={"text": "named in the finding"})
                                                  for i, (p, n) in enumerate(d.related)]
                yield result

        notes = [{"level": "error", "message": {"text": e.describe()}, "descriptor": {"id": e.kind}}
                 for e in report.errors]
        run = {"tool": {"driver": {"name": "ftlint", "version": __version__, "semanticVersion": __version__,
                                   "informationUri": "https://pypi.org/project/ftlint/",
                                   "rules": [_rule(c, report.rules.get(c)) for c in codes]}},
               "results": LIST_MARK,
               "invocations": [{"executionSuccessful": not report.errors, "toolExecutionNotifications": notes}],
               "properties": {"ftlint": {"results": found, "kept": len(kept),
                                         "by_level": _by_level(report),
                                         "by_rule": dict(sorted((c, n) for c, n, _ in report.by_code())),
                                         "examples": report.examples, "files": len(report.files)}}}
        if len(kept) < found:
            notes.append({"level": "warning", "message": {"text": (
                f"ftlint found {found:,} problems; GitHub code scanning takes at most {MAX_RESULTS:,} "
                f"results a run, so this run holds the {len(kept):,} most severe. The counts of all are in "
                "the run's properties; `ftlint check --format json` lists every one.")},
                "descriptor": {"id": "results-capped"}})
        doc = {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": [run]}
        write_json(out, doc, results())


def _by_level(report) -> dict[str, int]:
    """Findings at each level, the most severe first, from the report's tally: no pass over
    findings that may have spilled to disk."""
    counts: Counter = Counter()
    for (_, severity, _), n in report.tally().items():
        counts[severity] += n
    return {LEVELS[s]: counts[s] for s in sorted(counts, reverse=True)}


@hookimpl
def register_reporters(register):
    register(SarifReporter)

"""SARIF 2.1.0 for GitHub code scanning (upload with github/codeql-action/upload-sarif)."""

from __future__ import annotations

import os
from urllib.parse import quote

import orjson

from ..__about__ import __version__
from ..diagnostics import Severity
from ..hookspecs import hookimpl
from . import Reporter

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def artifact_uri(path: str) -> str:
    """The path as a URI reference (RFC 3986), which SARIF requires: a relative path stays
    relative (code scanning resolves it from the repository root), an absolute one becomes a file
    URI, and '#', '%', spaces and non-ASCII are percent-encoded, so 'data#2.jsonl' is not read as
    'data' with a fragment."""
    posix = path.replace(os.sep, "/")
    if os.path.isabs(path):
        return "file://" + quote(posix if posix.startswith("/") else "/" + posix, safe="/:")
    return quote(posix, safe="/")


class SarifReporter(Reporter):
    name = "sarif"
    help = "SARIF 2.1.0, for GitHub code scanning."

    def render(self, report, out):
        codes = sorted({d.code for d in report.diagnostics})
        rules = []
        for code in codes:
            rule = report.rules.get(code)
            rules.append({"id": code, "name": rule.name if rule else code,
                          "shortDescription": {"text": rule.summary if rule else code}})
        results = []
        for d in report.diagnostics:
            region = {"startLine": d.line}
            if d.column:
                region["startColumn"] = d.column
            if d.excerpt:
                region["snippet"] = {"text": d.excerpt}
            text = d.message + (f" (at {d.pointer})" if d.pointer else "") + (f". Fix: {d.fix}" if d.fix else "")
            results.append({
                "ruleId": d.code,
                "level": LEVELS[d.severity],
                "message": {"text": text},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": artifact_uri(d.path)},
                                                    "region": region}}],
            })
        doc = {
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{"tool": {"driver": {"name": "ftlint", "version": __version__, "rules": rules}},
                      "results": results}],
        }
        out.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n")


@hookimpl
def register_reporters(register):
    register(SarifReporter)

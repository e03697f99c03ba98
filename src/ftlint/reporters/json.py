"""Machine-readable JSON with a schema version; nothing else is written to the output."""

from __future__ import annotations

from ..__about__ import __version__
from ..diagnostics import Severity, printable
from ..hookspecs import hookimpl
from . import LIST_MARK, Reporter, write_json

SCHEMA_VERSION = 1


def _document(report) -> dict:
    """The JSON document, :data:`LIST_MARK` standing for its diagnostics (written one by one)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "ftlint", "version": __version__},
        "settings": {"target": report.target, "method": report.method, "model": report.model,
                     "config": report.config_source},
        "summary": {
            "files": len(report.files),
            "examples": report.examples,
            "errors": report.count(Severity.ERROR),
            "warnings": report.count(Severity.WARNING),
            "infos": report.count(Severity.INFO),
            "tool_errors": len(report.errors),
            "baseline": None if report.suppressed is None else {
                "path": report.suppressed.baseline, "suppressed": report.suppressed.suppressed,
                "fixed": report.suppressed.fixed, "ignored": report.suppressed.ignored},
            "by_code": [{"code": c, "name": report.rules[c].name if c in report.rules else "", "count": n,
                         "severity": s.label} for c, n, s in report.by_code()],
        },
        "estimate": None if report.estimate is None else {
            "model": report.estimate.model.name, "examples": report.estimate.examples,
            "tokens_per_epoch": report.estimate.tokens_per_epoch, "epochs": report.estimate.epochs,
            "epochs_auto": report.estimate.epochs_auto, "billed_tokens": report.estimate.billed_tokens,
            "cost_usd": report.estimate.cost, "price_per_1m": report.estimate.model.price,
            "price_source": report.estimate.model.price_source, "price_date": report.estimate.model.price_date},
        "files": [{"path": f.path, "lines": f.lines, "examples": f.examples, "bytes": f.size,
                   "formats": f.formats} for f in report.files],
        "diagnostics": LIST_MARK,
        "errors": [e.to_dict() for e in report.errors],
        "skipped": [{"path": printable(path), "reason": why} for path, why in report.skipped],
        "fixed": None if report.fixed is None else [
            {"path": printable(f.path), "repaired": dict(sorted(f.by_code.items())), "rewrites": f.rewrites,
             "lines_changed": f.lines_changed, "refused": f.refused,
             "dropped": [{"line": line, "code": code, "name": name} for line, code, name in f.dropped]}
            for f in report.fixed],
    }


class JsonReporter(Reporter):
    name = "json"
    help = "One JSON document with a schema_version, the summary and every diagnostic."

    def render(self, report, out):
        write_json(out, _document(report), (d.to_dict() for d in report.diagnostics))


@hookimpl
def register_reporters(register):
    register(JsonReporter)

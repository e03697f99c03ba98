"""JSON Lines: one finding a line, for streaming into other tools (``jq``, a log pipeline)."""

from __future__ import annotations

import orjson

from ..hookspecs import hookimpl
from . import Reporter


class JsonLinesReporter(Reporter):
    name = "json-lines"
    help = "One JSON object a finding, a line each (the fields of --format json's diagnostics)."

    def render(self, report, out):
        for d in report.diagnostics:
            out.write(orjson.dumps(d.to_dict()).decode() + "\n")


@hookimpl
def register_reporters(register):
    register(JsonLinesReporter)

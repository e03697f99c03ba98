"""GitLab Code Quality: the JSON array of issues GitLab shows in merge requests (a subset of the
Code Climate issue format), each with a fingerprint that follows its example when lines move."""

from __future__ import annotations

from ..diagnostics import Severity
from ..hookspecs import hookimpl
from . import LIST_MARK, Reporter, fingerprint, repo_path, write_json

SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


class GitlabReporter(Reporter):
    name = "gitlab"
    help = "GitLab Code Quality JSON (for artifacts:reports:codequality)."

    def render(self, report, out):
        write_json(out, LIST_MARK, self.issues(report))

    def issues(self, report):
        seen: dict[str, int] = {}
        for d in report.diagnostics:
            path = repo_path(d.path)
            mark = fingerprint(d, path)
            n = seen[mark] = seen.get(mark, 0) + 1  # a second copy of one finding is its own issue
            yield {
                "type": "issue",
                "check_name": f"{d.code} {d.name}",
                "description": d.message + (f" (at {d.pointer})" if d.pointer else "")
                + (f". Fix: {d.fix}" if d.fix else ""),
                "categories": ["Bug Risk" if d.severity == Severity.ERROR else "Style"],
                "severity": SEVERITIES[d.severity],
                "fingerprint": mark if n == 1 else f"{mark}-{n}",
                "location": {"path": path, "lines": {"begin": d.line}},
            }


@hookimpl
def register_reporters(register):
    register(GitlabReporter)

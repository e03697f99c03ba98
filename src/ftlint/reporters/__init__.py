"""Output formats. Each is a :class:`Reporter` registered through the ``register_reporters`` hook;
the built-in ones live one per module next to this file."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar, TextIO

from ..diagnostics import Severity
from ..fsutil import git_top

if TYPE_CHECKING:
    from ..report import Report


class Reporter:
    """Renders a finished :class:`~ftlint.report.Report`.

    ``human`` formats get colour, summaries and statistics; machine formats write only their
    document to the output, so it can be piped into another program.
    """

    name: ClassVar[str] = ""
    help: ClassVar[str] = ""
    human: ClassVar[bool] = False
    plugin: ClassVar[str] = ""

    def __init__(self, *, color: bool = False, statistics: bool = False, quiet: bool = False) -> None:
        self.color = color
        self.statistics = statistics
        self.quiet = quiet

    def render(self, report: Report, out: TextIO) -> None:
        raise NotImplementedError


def most_severe(diagnostics: Iterable, limit: int) -> list:
    """The first ``limit`` diagnostics by severity, the most severe first and in file order within
    a severity (``sorted(diagnostics, key=-severity)[:limit]``), read a severity at a time so that
    a capped format holds ``limit`` of them, never the whole report."""
    out: list = []
    for severity in sorted(Severity, reverse=True):
        for d in diagnostics:
            if d.severity == severity:
                if len(out) == limit:
                    return out
                out.append(d)
    return out


#: Stands in a document for the long list :func:`write_json` writes an item at a time.
LIST_MARK = "@@ftlint-list@@"


def write_json(out: TextIO, doc: Any, items: Iterable[dict]) -> None:
    """Write ``doc`` (a dict, or the list alone) as indented JSON (orjson's two spaces), where
    :data:`LIST_MARK` stands for a list of ``items``: each item is made and written in turn, so
    a report of many findings never holds them all as dicts and text at once. The text is the
    same as dumping the whole."""
    import orjson

    head, mark, tail = orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode().partition(f'"{LIST_MARK}"')
    if not mark:
        raise ValueError("the document has no place for the list")
    line = head[head.rfind("\n") + 1:]  # '      "results": ': the list's items go two spaces further in
    indent = "\n" + " " * (len(line) - len(line.lstrip(" ")) + 2)
    out.write(head)
    first = True
    for item in items:
        out.write(("[" if first else ",") + indent)
        out.write(orjson.dumps(item, option=orjson.OPT_INDENT_2).decode().replace("\n", indent))
        first = False
    out.write("[]" if first else indent[:-2] + "]")
    out.write(tail + "\n")


def suppressed_line(report: Report) -> str:
    """What the baseline and ignore-examples left out; empty when nothing was."""
    s = report.suppressed
    if s is None:
        return ""
    parts = []
    if s.baseline is not None:
        parts.append(f"{plural(s.suppressed, 'known problem')} left out by the baseline {s.baseline}"
                     + (f"; {s.fixed:,} of the problems it records are fixed" if s.fixed else "") + ".")
    if s.ignored:
        parts.append(f"{plural(s.ignored, 'problem')} of examples in ignore-examples left out.")
    return " ".join(parts)


def fixable_line(report: Report) -> str:
    """What a fix did and what ``ftlint fix`` would repair, as ruff says it; empty when neither."""
    unsafe = report.unsafe_fixes
    safe, risky = report.fixable()
    parts = []
    if report.fixed is not None:
        repaired = sum(f.repaired for f in report.fixed)
        dropped = sum(len(f.dropped) for f in report.fixed)
        changed = sum(1 for f in report.fixed if f.changed)
        what = f"Fixed {plural(repaired, 'problem')} in {plural(changed, 'file')}"
        parts.append(what + (f" ({plural(dropped, 'line')} removed)" if dropped else "") + ".")
    now = safe + risky if unsafe else safe
    if now:
        parts.append(f"[*] {plural(now, 'problem')} fixable with `ftlint fix`"
                     + (" --unsafe-fixes" if unsafe and risky else "") + ".")
    if risky and not unsafe:
        parts.append(f"{plural(risky, 'more problem')} with `--unsafe-fixes`." if safe else
                     f"{plural(risky, 'problem')} fixable with `ftlint fix --unsafe-fixes`.")
    return " ".join(parts)


@functools.lru_cache(maxsize=16)
def _top(workspace: str | None, cwd: str) -> str | None:
    return os.path.abspath(workspace) if workspace else git_top(cwd)


@functools.lru_cache(maxsize=4096)
def _relative(path: str, top: str | None, cwd: str) -> str:
    if top is not None:
        full = os.path.normpath(os.path.join(cwd, path))
        if full == top or full.startswith(top.rstrip(os.sep) + os.sep):
            return os.path.relpath(full, top).replace(os.sep, "/")
    posix = path.replace(os.sep, "/")
    while posix.startswith("./"):
        posix = posix[2:]
    return posix


def repo_path(path: str, roots: tuple[str, ...] = ("GITHUB_WORKSPACE", "CI_PROJECT_DIR")) -> str:
    """A finding's file as CI services attach findings to files: relative to the workspace
    (``GITHUB_WORKSPACE``, GitLab's ``CI_PROJECT_DIR``), else to the top of the git repository
    the run is in, when the file is inside it, with '/' and no leading './'; standard input and
    files elsewhere keep their names. Asked once a finding, it looks the folders up once a run."""
    if path.startswith("<"):
        return path
    workspace = next((os.environ[name] for name in roots if os.environ.get(name)), None)
    cwd = os.getcwd()
    return _relative(path, _top(workspace, cwd), cwd)


def fingerprint(d, path: str) -> str:
    """What identifies a finding across runs while its example moves: the rule, the file, and the
    example's content key and pointer (a file or dataset finding: its line, which is all it has)."""
    from xxhash import xxh3_64_hexdigest

    where = f"{d.example} {d.pointer}" if d.example else f"line {d.line} {d.message}"
    return xxh3_64_hexdigest(f"{d.code}\0{path}\0{where}".encode("utf-8", "surrogatepass"))


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def summary_line(report: Report) -> str:
    e, w, i = (report.count(s) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO))
    files = plural(len(report.files), "file")
    examples = plural(report.examples, "example")
    # ftlint's own errors (an unreadable file, a crashing plugin) mean some of the data went unjudged
    incomplete = (f"; the check is incomplete: {plural(len(report.errors), 'error')} stopped ftlint (listed "
                  "on standard error)") if report.errors else ""
    if not (e or w or i):
        if incomplete:
            return f"No problems found in {examples} in {files}{incomplete}."
        return f"All checks passed: {examples} in {files}."
    parts = [plural(e, "error")]
    if w:
        parts.append(plural(w, "warning"))
    if i:
        parts.append(plural(i, "note"))
    return f"Found {', '.join(parts)} in {examples} across {files}{incomplete}."

"""Known findings kept out of the report: a baseline file (``--write-baseline`` records today's
findings, later runs report only new ones) and ``ignore-examples`` (examples a team has judged).

A finding about one example is known by its file, its rule, the example's content key
(:attr:`ftlint.example.Example.key`) and its pointer, so it stays known wherever the line moves,
and counted: a new copy of a known problem is new. A finding of a file or dataset rule (a count,
a duplicate, an imbalance) has no example of its own: it is counted per file and rule, and only
findings beyond the recorded count are new."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .config import ConfigError
from .diagnostics import Diagnostic
from .findinglist import FindingList
from .rule import DatasetRule, FileRule

VERSION = 1
FORMAT_KEY = "ftlint-baseline"
EXAMPLE_KEY_RE = re.compile(r"^[0-9a-f]{16}(:[A-Z]{1,6}[0-9]{3})?$")


@dataclass
class Suppressed:
    """What a run kept out of its report, for the summary."""

    baseline: str | None = None
    suppressed: int = 0  # findings the baseline knows
    fixed: int = 0  # findings the baseline knows that were not found again
    ignored: int = 0  # findings about examples in ignore-examples


def _counted(d: Diagnostic, rules: dict) -> bool:
    return not d.example or isinstance(rules.get(d.code), (FileRule, DatasetRule))


def _key(d: Diagnostic) -> str:
    return f"{d.example} {d.pointer}"


class Suppress:
    """Applied by the engine to the sorted findings before a file's conventions are folded (so a
    new line with a known kind of problem is still new). ``baseline``: the file to read, or None;
    ``record``: keep what is left, for :meth:`write`."""

    def __init__(self, baseline: str | None = None, ignore_examples: list[str] | tuple = (),
                 record: bool = False) -> None:
        self.path = baseline
        self.known = load(baseline) if baseline else None
        self.base = os.path.dirname(os.path.abspath(baseline)) if baseline else os.getcwd()
        self.ignore_all = {k for k in ignore_examples if ":" not in k}
        self.ignore_rule = {tuple(k.split(":")) for k in ignore_examples if ":" in k}
        self.record = record
        self.kept: list[Diagnostic] | FindingList = []
        self.result = Suppressed(baseline)
        self._names: dict[str, str] = {}

    def _path(self, path: str) -> str:
        """A finding's file as the baseline names it: relative to the baseline's folder, with
        '/' (standard input keeps its name). Asked once a finding: remembered a file."""
        named = self._names.get(path)
        if named is None:
            named = path if path.startswith("<") or not os.path.exists(path) else \
                os.path.relpath(os.path.abspath(path), self.base).replace(os.sep, "/")
            self._names[path] = named
        return named

    def apply(self, diagnostics: Iterable[Diagnostic], rules: dict) -> FindingList:
        out = FindingList()
        for d in diagnostics:
            if d.example and (d.example in self.ignore_all or (d.example, d.code) in self.ignore_rule):
                self.result.ignored += 1
            else:
                out.append(d)
        if self.known is not None:
            out = self._without_known(out, rules)
        if self.record:
            self.kept = out
        return out

    def _without_known(self, diagnostics: Iterable[Diagnostic], rules: dict) -> FindingList:
        budget: dict[tuple, int] = {}
        for path, codes in self.known.items():
            for code, entry in codes.items():
                if isinstance(entry, int):
                    budget[(path, code)] = entry
                else:
                    for key, n in entry.items():
                        budget[(path, code, key)] = n
        out = FindingList()
        for d in diagnostics:
            path = self._path(d.path)
            at = (path, d.code) if _counted(d, rules) else (path, d.code, _key(d))
            left = budget.get(at, 0)
            if left > 0:
                budget[at] = left - 1
                self.result.suppressed += 1
            else:
                out.append(d)
        self.result.fixed = sum(budget.values())
        return out

    def write(self, path: str, rules: dict) -> int:
        """Write the recorded findings as a baseline at ``path`` (atomically); returns how many."""
        from .fsutil import atomic_write_text

        self.base, self._names = os.path.dirname(os.path.abspath(path)), {}
        files: dict[str, dict[str, Any]] = {}
        for d in self.kept:
            codes = files.setdefault(self._path(d.path), {})
            if _counted(d, rules):
                codes[d.code] = codes.get(d.code, 0) + 1
            else:
                keys = codes.setdefault(d.code, Counter())
                keys[_key(d)] += 1
        doc = {FORMAT_KEY: VERSION, "files": {
            p: {c: (v if isinstance(v, int) else dict(sorted(v.items()))) for c, v in sorted(codes.items())}
            for p, codes in sorted(files.items())}}
        atomic_write_text(path, json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
        return len(self.kept)


def load(path: str) -> dict[str, dict[str, Any]]:
    """The findings a baseline file records: file -> rule -> count, or key -> count. A missing
    or malformed file is a configuration error: a gate must not pass because its baseline broke."""
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"baseline {path} does not exist; write one with `ftlint check --write-baseline "
                          f"{path}`") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"baseline {path} cannot be read: {exc}") from None
    if not isinstance(doc, dict) or doc.get(FORMAT_KEY) != VERSION or not isinstance(doc.get("files"), dict):
        raise ConfigError(f"baseline {path} is not an ftlint baseline (version {VERSION}); write it again with "
                          "--write-baseline")
    for file, codes in doc["files"].items():
        ok = isinstance(codes, dict) and all(
            (type(v) is int and v >= 0) or (isinstance(v, dict) and all(type(n) is int and n >= 0 for n in v.values()))
            for v in codes.values())
        if not ok:
            raise ConfigError(f"baseline {path}: the entry for {file!r} is malformed; write it again with "
                              "--write-baseline")
    return doc["files"]

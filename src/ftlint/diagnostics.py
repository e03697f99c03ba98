"""Diagnostics, severities and exit codes: the vocabulary every other module shares."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from .quote import safe_text

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_ERROR = 2

#: What plugin code (a rule, a hook, a reporter, a plugin's import) may raise that ftlint reports
#: as that plugin's failure. ``SystemExit`` is among them: a plugin calling ``sys.exit(0)`` must not
#: end the run with a pass. ``KeyboardInterrupt`` is not: Ctrl-C stops ftlint.
PLUGIN_FAILURES = (Exception, SystemExit)


class PluginError(Exception):
    """A plugin failed where the run cannot go on without it (its output format raised)."""


class Severity(enum.IntEnum):
    """Ordered so that ``max()`` over findings gives the worst one."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, value: object) -> Severity:
        if isinstance(value, Severity):
            return value
        if isinstance(value, str):
            key = value.strip().lower()
            key = {"warn": "warning", "err": "error", "note": "info", "notice": "info"}.get(key, key)
            for member in cls:
                if member.name.lower() == key:
                    return member
        raise ValueError(f"unknown severity {value!r}; use one of: error, warning, info")

    @property
    def label(self) -> str:
        return self.name.lower()


def printable(text: str) -> str:
    """``text`` as every output can write and every terminal can show: what is not printable is
    escaped as in JSON (``\\u001b``). That covers escape sequences and newlines in keys, values
    and file names, which would otherwise drive a terminal or forge an output line, and lone
    surrogates (a "\\ud800" escape in the data, an undecodable byte in a file name), which have no
    UTF-8 form."""
    return text if text.isprintable() else safe_text(text)


def _printable_fields(obj, names: tuple[str, ...]) -> None:
    for name in names:
        value = getattr(obj, name)
        if type(value) is str and not value.isprintable():
            object.__setattr__(obj, name, safe_text(value))


class TextPool:
    """One copy of the texts that many diagnostics repeat. A file where every line has the same
    problem gives each finding its own equal pointer, message and excerpt (a worker's results
    arrive pickled, a rule formats its message anew); kept once, a finding takes about 40% less
    memory until the report is written. The columns (small integers, repeated as often) are kept
    once too. The pool holds at most :attr:`LIMIT` values: past that, it starts again, so unique
    messages cannot make it grow with the data."""

    FIELDS = ("pointer", "message", "excerpt", "column")
    LIMIT = 1 << 16

    def __init__(self) -> None:
        self.texts: dict = {}

    def keep(self, d: Diagnostic) -> None:
        texts = self.texts
        for name in self.FIELDS:
            value = getattr(d, name)
            if value is not None:
                kept = texts.setdefault(value, value)
                if kept is not value:
                    object.__setattr__(d, name, kept)
        if len(texts) > self.LIMIT:
            texts.clear()

    def share(self, diagnostics: list[Diagnostic]) -> None:
        for d in diagnostics:
            self.keep(d)


@dataclass(frozen=True, slots=True)
class Finding:
    """What a rule reports about one example; the engine adds where and which rule."""

    pointer: str
    message: str
    fix: str | None = None
    line: int | None = None  # dataset-level rules name the line themselves
    column: int | None = None
    path: str | None = None  # dataset rules name the file too
    #: False when the rule's automatic fix does not repair this finding (a weight of 2, where the
    #: fix turns only true and false into 1 and 0); by default a rule's fix repairs what it finds.
    fixable: bool = True
    #: Other places the finding names, as (path, line): the first copy of a duplicate, the training
    #: example a validation example leaks from. SARIF shows them as related locations.
    related: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True, order=True)
class Diagnostic:
    """One problem at one place. Ordered by (path, line, code) for deterministic output."""

    path: str
    line: int
    code: str
    pointer: str = ""
    column: int | None = field(default=None, compare=False)
    name: str = field(default="", compare=False)
    severity: Severity = field(default=Severity.ERROR, compare=False)
    message: str = field(default="", compare=False)
    fix: str | None = field(default=None, compare=False)
    excerpt: str | None = field(default=None, compare=False)  # the start of the value at the pointer
    #: "safe" or "unsafe" when ``ftlint fix`` repairs it (unsafe: only with --unsafe-fixes), else "".
    fixable: str = field(default="", compare=False)
    #: The example's :attr:`~ftlint.example.Example.key` for a finding about one example (an
    #: example rule's), else "": what a baseline and ``ignore-examples`` know it by.
    example: str = field(default="", compare=False)
    related: tuple[tuple[str, int], ...] = field(default=(), compare=False)  # see Finding.related

    def __post_init__(self) -> None:
        # Rules quote the data; every reporter, plugin ones included, gets text it can write.
        _printable_fields(self, ("path", "pointer", "message", "fix", "excerpt"))
        if self.related and not all(p.isprintable() for p, _ in self.related):  # file names, as `path`
            object.__setattr__(self, "related", tuple((printable(p), n) for p, n in self.related))

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "pointer": self.pointer,
            "code": self.code,
            "name": self.name,
            "severity": self.severity.label,
            "message": self.message,
            "fix": self.fix,
            "excerpt": self.excerpt,
            "fixable": self.fixable or None,
            "example": self.example or None,
            "related": [{"path": p, "line": n} for p, n in self.related],
        }


@dataclass(frozen=True, slots=True)
class ToolError:
    """Something that stopped ftlint from doing its job (exit 2): a broken plugin, a crashing rule,
    an unreadable file. Never a problem in the data."""

    kind: str  # "plugin", "rule", "io", "config"
    message: str
    plugin: str | None = None
    rule: str | None = None
    path: str | None = None
    line: int | None = None
    count: int = 1
    #: What makes two reports the same failure, for merging the parts of a run (not shown): the
    #: rule's code for a crashing rule, the failing step for an internal error.
    key: str = field(default="", compare=False, repr=False)

    def __post_init__(self) -> None:
        _printable_fields(self, ("message", "path"))

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "message": self.message,
            "plugin": self.plugin,
            "rule": self.rule,
            "path": self.path,
            "line": self.line,
            "count": self.count,
        }

    def describe(self) -> str:
        where = ""
        if self.path and (self.line or self.path not in self.message):
            where = f" at {self.path}" + (f":{self.line}" if self.line else "")
        who = ""
        if self.rule:
            who = f"rule {self.rule}"
            if self.plugin:
                who += f" (plugin {self.plugin})"
            who += ": "
        elif self.plugin:
            who = f"plugin {self.plugin}: "
        more = f" (and {self.count - 1} more times)" if self.count > 1 else ""
        return f"{who}{self.message}{where}{more}"

"""The rule API: what a built-in or third-party rule declares and implements.

A rule is a class with a stable ``code`` and kebab-case ``name``, a default ``severity``, the
``formats`` it applies to and typed ``options``. Example rules implement :meth:`Rule.check`,
called once per example; file rules (:class:`FileRule`) keep a small state per file and report
when the file ends. Rules return :class:`~ftlint.diagnostics.Finding` objects; the engine adds
the path, line, code and severity.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from .diagnostics import Finding, Severity, ToolError

if TYPE_CHECKING:
    from .example import Example, FileContext

CODE_RE = re.compile(r"^[A-Z]{1,6}[0-9]{3}$")
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")

#: Every format the reader can recognise. ``invalid`` examples are lines that did not parse.
FORMATS = frozenset({"sft", "dpo", "rft", "legacy", "foreign", "unknown", "invalid"})
TRAINABLE_CHAT = frozenset({"sft", "dpo"})


@dataclass(frozen=True)
class Option:
    """A rule option: its default, a help text and the Python type(s) a value must have."""

    default: Any
    help: str
    type: type | tuple[type, ...] | None = None
    choices: tuple[Any, ...] | None = None
    item_type: type | None = None  # for list options
    #: Bounds of a number option (inclusive); None is unbounded. A value out of them is a config
    #: error naming the key, never a rule that silently does nothing (``show = -1``).
    min: float | None = None
    max: float | None = None

    def coerce(self, value: Any) -> Any:
        expected = self.type if self.type is not None else type(self.default)
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if isinstance(value, bool) and expected in (int, float):
            raise ValueError(f"expected {expected.__name__}, got a boolean")
        if not isinstance(value, expected):
            names = expected.__name__ if isinstance(expected, type) else "/".join(t.__name__ for t in expected)
            raise ValueError(f"expected {names}, got {type(value).__name__} {value!r}")
        if self.item_type is not None and isinstance(value, list):
            for item in value:
                if not isinstance(item, self.item_type):
                    raise ValueError(f"every item must be a {self.item_type.__name__}, got {item!r}")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError(f"expected a finite number, got {value!r}")
            if self.min is not None and value < self.min:
                raise ValueError(f"must be at least {self.min:g}, got {value!r}")
            if self.max is not None and value > self.max:
                raise ValueError(f"must be at most {self.max:g}, got {value!r}")
        if self.choices is not None and value not in self.choices:
            raise ValueError(f"expected one of {', '.join(map(repr, self.choices))}, got {value!r}")
        return value


@dataclass(frozen=True)
class Fix:
    """A rule's automatic fix, as ``ftlint fix`` applies it. ``summary`` says what it does (shown
    by ``ftlint rules`` and the rule's page). A safe fix keeps what the example means and is
    applied by default; an unsafe one removes data (a key, an example) and is applied only with
    ``--unsafe-fixes``. ``rewrites`` names what the fix changes in the file's bytes rather than in
    an example, carried out by the writer: ``bom`` (drop a UTF-8 byte order mark), ``utf16`` and
    ``utf32`` (write such a file as UTF-8), ``cr`` (CR line ends to LF) or ``crlf`` (CR LF line ends to LF)."""

    summary: str
    safe: bool = True
    rewrites: str | None = None

    @property
    def safety(self) -> str:
        return "safe" if self.safe else "unsafe"


class _Drop:
    """What :meth:`Rule.repair` returns to remove the example: it cannot be repaired."""

    def __repr__(self) -> str:
        return "DROP"


DROP = _Drop()

#: What the writer of a fixed file can change about the file as a whole (see :class:`Fix`).
REWRITES = frozenset({"bom", "utf16", "utf32", "cr", "crlf"})


@dataclass(frozen=True)
class Move:
    """Where a part of a file was linted (``old_first``, ``old_index``) and where the same bytes
    sit in this run (``first``, ``index``). The cache hands a stored part's states to
    :meth:`FileRule.relocate` and :meth:`DatasetRule.relocate` with one of these instead of
    linting the part again. ``count`` is the number of lines in the part; ``ctx`` is the part's
    :class:`~ftlint.example.FileContext` in this run (its date, model and role)."""

    old_first: int
    first: int
    count: int
    old_index: int
    index: int
    ctx: Any = None

    @property
    def shift(self) -> int:
        return self.first - self.old_first

    def line(self, n: int | None) -> int | None:
        """A line number of the part where it is now; 0 and None (no line yet) stay as they are."""
        return n + self.shift if n else n

    def lines(self, numbers: Iterable[int]) -> list[int]:
        d = self.shift
        return [n + d if n else n for n in numbers]


class Rule:
    """Base class of every rule. Subclasses set the class attributes and implement ``check``."""

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    severity: ClassVar[Severity] = Severity.ERROR
    formats: ClassVar[frozenset[str]] = TRAINABLE_CHAT
    options: ClassVar[dict[str, Option]] = {}
    #: Run the rule only on examples whose :attr:`Example.features` include at least one of these
    #: (e.g. ``{"weight"}`` or ``{"tools", "tool_calls"}``); empty means every example. The engine
    #: checks a gate once for all rules that share it, so ordinary examples skip whole families.
    when: ClassVar[frozenset[str]] = frozenset()
    #: The targets the rule belongs to (e.g. ``{"acme"}``): a provider's own rule, which runs only
    #: under its profiles. Empty: every target.
    targets: ClassVar[frozenset[str]] = frozenset()
    #: The finding is a fact about the file's convention (a developer role, an extra key on every
    #: line): it is said once per file, at its first line, with how many lines have it and the
    #: first of them, instead of once per line.
    once_per_file: ClassVar[bool] = False
    #: Off unless a selector names it by code or name (``extend-select = ["FT714"]``): a rule that
    #: is noisy on ordinary data, for the teams that want it. ``ALL`` and prefixes leave it off.
    opt_in: ClassVar[bool] = False
    #: The rule's automatic fix (see :meth:`repair`); None when it has none.
    autofix: ClassVar[Fix | None] = None
    #: Set by the plugin manager: the plugin that registered the rule.
    plugin: ClassVar[str] = ""
    #: The target profile in force (:class:`ftlint.targets.Target`), set when the rule set is built.
    target: Any = None

    @property
    def provider(self) -> str:
        """Who will read the file, as messages name it: "OpenAI", "Azure OpenAI"..."""
        return self.target.provider if self.target is not None else "OpenAI"

    def __init__(self, **options: Any) -> None:
        self.opts: dict[str, Any] = {k: opt.default for k, opt in self.options.items()}
        for key, value in options.items():
            if key not in self.options:
                raise KeyError(key)
            self.opts[key] = self.options[key].coerce(value)
        self.configure()

    def configure(self) -> None:
        """Hook for rules that precompute from their options (compile patterns, build sets)."""

    def check(self, ex: Example) -> Iterable[Finding] | None:
        """Return or yield the findings for one example; return None when it is clean."""
        raise NotImplementedError

    def repair_state(self) -> Any:
        """A fresh state for :meth:`repair`, made once for a fix and shared by the files it reads,
        in order: what a repair that looks across examples remembers (the digests of the examples
        kept so far)."""
        return None

    def repair(self, ex: Example, state: Any) -> Any:
        """The example repaired, for rules with an :attr:`autofix`: a new JSON value to write in
        place of ``ex.data`` (never ``ex.data`` changed in place), :data:`DROP` to remove the
        line, or None when this rule has nothing to repair in it. Called on every example of the
        rule's ``formats``, after the repairs of rules with lower codes."""
        return None

    @classmethod
    def describe(cls) -> dict[str, Any]:
        return {
            "code": cls.code,
            "name": cls.name,
            "summary": cls.summary,
            "severity": Severity.parse(cls.severity).label,
            "formats": sorted(cls.formats),
            "scope": "file" if issubclass(cls, FileRule) else "dataset" if issubclass(cls, DatasetRule)
            else "example",
            "once_per_file": cls.once_per_file,
            "opt_in": cls.opt_in,
            "fix": None if cls.autofix is None else {"safety": cls.autofix.safety, "summary": cls.autofix.summary},
            "plugin": cls.plugin,
            "targets": sorted(cls.targets),
            "options": {
                k: {"default": o.default, "help": o.help} for k, o in cls.options.items()
            },
        }


class FileRule(Rule):
    """A rule that sees every line of a file and reports when the file ends.

    The engine calls :meth:`start` at the beginning of each file, :meth:`observe` for every
    example of a format in ``formats`` (including blank and unparseable lines when ``invalid`` is
    listed), and :meth:`finish` after the last line. State must stay small: counters and the
    first few line numbers, never the examples themselves.
    """

    formats: ClassVar[frozenset[str]] = FORMATS

    def start(self, ctx: FileContext) -> Any:
        """Return the state for a new file, or None to sit this file out (no observe, no finish)."""
        return {}

    def observe(self, state: Any, ex: Example) -> Iterable[Finding] | None:
        return None

    def merge(self, first: Any, second: Any) -> Any:
        """Combine the states of two consecutive parts of one file (``first`` comes before
        ``second``) so that large files can be linted in parallel. Rules that do not override it
        keep their file in one piece."""
        raise NotImplementedError

    def finish(self, state: Any, ctx: FileContext) -> Iterable[Finding] | None:
        return None

    def relocate(self, state: Any, move: Move) -> Any:
        """Return ``state``, computed for a part of a file, as it would be had the part been
        linted where ``move`` says it sits now (line numbers shifted). Rules that do not override
        it have their parts cached only where they were linted: a part that moves (a line was
        added above it) is linted again. Raise NotImplementedError where a state cannot move."""
        raise NotImplementedError


class DatasetRule(Rule):
    """A rule over the whole run: every example of every file, training and validation alike.

    ``new_state`` makes an empty state; ``observe`` folds one example into it and must keep it
    compact (fixed-size digests, counters, the first few line numbers), never the examples;
    ``merge`` combines the states of two consecutive parts of the input (files and file parts are
    linted in parallel processes, so states must be picklable); ``finish`` reports, naming path and
    line in each :class:`Finding`. ``ex.ctx.path`` is the file and ``ex.ctx.role`` is ``train`` or
    ``validation``.
    """

    formats: ClassVar[frozenset[str]] = TRAINABLE_CHAT

    def new_state(self) -> Any:
        raise NotImplementedError

    def observe(self, state: Any, ex: Example) -> None:
        raise NotImplementedError

    def merge(self, first: Any, second: Any) -> Any:
        raise NotImplementedError

    def finish(self, state: Any) -> Iterable[Finding] | None:
        return None

    def relocate(self, state: Any, move: Move) -> Any:
        """As :meth:`FileRule.relocate`: the state of one part, moved to where the part sits now
        (line numbers shifted, and ``ex.ctx.file_index`` from ``move.old_index`` to ``move.index``)."""
        raise NotImplementedError


@dataclass
class RuleSet:
    """The rules in force for one run, with their effective severities."""

    rules: list[Rule] = field(default_factory=list)
    severities: dict[str, Severity] = field(default_factory=dict)
    errors: list[ToolError] = field(default_factory=list)
    #: The rules in force for one file (per-file ignores applied); set by :mod:`ftlint.selection`.
    per_file: Callable[[str], list[Rule]] | None = None

    def for_path(self, path: str) -> list[Rule]:
        return self.per_file(path) if self.per_file is not None else self.rules

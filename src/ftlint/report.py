"""The Report: what one run found, and all a reporter reads. Reporters import this module and
the vocabulary in :mod:`ftlint.diagnostics`, nothing of the engine."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .diagnostics import Diagnostic, Severity, ToolError, printable

if TYPE_CHECKING:
    from .rule import Rule


@dataclass
class FileResult:
    path: str
    lines: int = 0
    examples: int = 0
    size: int = 0
    formats: dict[str, int] = field(default_factory=dict)
    role: str = "train"  # or "validation"

    def __post_init__(self) -> None:
        self.path = printable(self.path)  # as the diagnostics name it


@dataclass
class Report:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[ToolError] = field(default_factory=list)
    files: list[FileResult] = field(default_factory=list)
    rules: dict[str, Rule] = field(default_factory=dict)  # code -> the rule in force (name, summary)
    target: str = "openai"
    method: str = "auto"
    model: str | None = None
    config_source: str | None = None
    estimate: Any = None  # ftlint.cost.Estimate when a model with a tokenizer is known
    observed: dict[str, Any] = field(default_factory=dict)  # observer name -> its merged state
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why) left out of a walked folder
    #: Parts of files whose results came from the cache, and parts linted, when a cache was used.
    reused: tuple[int, int] | None = None
    #: What ``ftlint fix`` did before this report was made (one :class:`ftlint.fixing.FileFix` a
    #: file it read), or None when nothing was fixed.
    fixed: list | None = None
    #: The user asked for unsafe fixes too: the findings they repair count as fixable.
    unsafe_fixes: bool = False
    #: What the baseline and ``ignore-examples`` kept out (:class:`ftlint.baseline.Suppressed`).
    suppressed: Any = None

    def tally(self) -> Counter:
        """How many diagnostics there are of each (code, severity, fixable): what the summary
        counts, without reading a report's spilled diagnostics again."""
        diagnostics = self.diagnostics
        if hasattr(diagnostics, "tally"):  # a FindingList keeps it as diagnostics are added
            return diagnostics.tally()
        return Counter((d.code, d.severity, d.fixable) for d in diagnostics)

    def fixable(self) -> tuple[int, int]:
        """(findings a safe fix repairs, findings only an unsafe fix repairs)."""
        tally = self.tally()
        return (sum(n for (_, _, fix), n in tally.items() if fix == "safe"),
                sum(n for (_, _, fix), n in tally.items() if fix == "unsafe"))

    def count(self, severity: Severity) -> int:
        return sum(n for (_, sev, _), n in self.tally().items() if sev == severity)

    @property
    def examples(self) -> int:
        return sum(f.examples for f in self.files)

    def by_code(self) -> list[tuple[str, int, Severity]]:
        counts: Counter = Counter()
        sev = {}
        for (code, severity, _), n in self.tally().items():
            counts[code] += n
            sev[code] = severity
        return sorted(((c, n, sev[c]) for c, n in counts.items()), key=lambda t: (-t[1], t[0]))

    def exit_code(self, strict: bool = False, exit_zero: bool = False) -> int:
        if self.errors:
            return 2
        if exit_zero:
            return 0
        worst = Severity.WARNING if strict else Severity.ERROR
        return 1 if any(sev >= worst for (_, sev, _) in self.tally()) else 0

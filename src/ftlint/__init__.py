"""ftlint: lint LLM fine-tuning datasets before you pay to train on them.

The public API for plugin authors and library users::

    from ftlint import Rule, FileRule, Finding, Option, Severity, hookimpl
    from ftlint import lint_files
"""

from __future__ import annotations

from .__about__ import __version__
from .diagnostics import Diagnostic, Finding, Severity
from .example import Example
from .hookspecs import hookimpl
from .rule import DROP, DatasetRule, FileRule, Fix, Option, Rule

__all__ = ["DROP", "DatasetRule", "Diagnostic", "Example", "FileRule", "Finding", "Fix", "Option", "Rule",
           "Severity", "__version__", "hookimpl", "lint_files"]


def lint_files(paths, config=None, **overrides):
    """Lint files or folders and return the :class:`~ftlint.report.Report`.

    ``config`` is a :class:`~ftlint.config.Config` (default: the one found from the current
    directory); keyword overrides set its fields, e.g. ``lint_files(["data"], select=["FT3"])``.
    Raises :class:`~ftlint.config.ConfigError` for bad settings.
    """
    from .session import Session

    return Session.create(config=config, **overrides).lint(list(paths))

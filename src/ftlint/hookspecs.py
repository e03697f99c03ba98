"""The hooks a plugin may implement. Each is called once per plugin with a ``register`` callback.

A plugin is a module (or object) with functions decorated by ``ftlint.hookimpl`` whose names
match these specs. ftlint's own rules and reporters are plugins of exactly this kind, loaded
from the same ``ftlint`` entry-point group as third-party packages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from .catalog import Model
    from .reporters import Reporter
    from .rule import Rule
    from .targets import Target

hookspec = pluggy.HookspecMarker("ftlint")
hookimpl = pluggy.HookimplMarker("ftlint")


@hookspec
def register_rules(register: Callable[[type[Rule]], None]) -> None:
    """Contribute rules: call ``register(RuleClass)`` once for each :class:`ftlint.Rule` subclass.

    Codes (``ABC123``) and kebab-case names must be unique across all plugins; a clash is reported
    as a plugin error naming both plugins. Import heavy dependencies inside this hook or inside the
    rule, not at module level, so ``ftlint --version`` stays fast.
    """


@hookspec
def register_reporters(register: Callable[[type[Reporter]], None]) -> None:
    """Contribute output formats: call ``register(ReporterClass)`` once for each
    :class:`ftlint.reporters.Reporter` subclass; its ``name`` becomes a ``--format`` value."""


@hookspec
def register_rule_options(register: Callable[[str, dict], None]) -> None:
    """Contribute option values to rules of any plugin: call ``register(code_or_name, {option: value})``.
    A list value extends what earlier plugins gave, other values replace it; target profiles and the
    user's configuration apply on top. Example: refusal phrases in another language for
    ``refusal-ratio``'s ``extra-patterns``."""


@hookspec
def register_targets(register: Callable[[Target], None]) -> None:
    """Contribute target profiles: call ``register(ftlint.targets.Target(...))`` for each. A target
    names where data will be trained and adjusts rule severities and options where that provider's
    rules differ from OpenAI's; its models come through ``register_models``."""


@hookspec
def register_models(register: Callable[[Model], None]) -> None:
    """Contribute models to the catalog: call ``register(ftlint.catalog.Model(...))`` for each model
    on each target. A later registration of the same (target, name) replaces an earlier one, so a
    plugin can carry an organisation's prices or a provider's limits."""

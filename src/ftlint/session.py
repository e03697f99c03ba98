"""A session: configuration, loaded plugins and the rules in force, ready to lint."""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, fields
from typing import Any, BinaryIO, TextIO

from .config import METHODS, Config, ConfigError, load_config
from .cost import Billing
from .diagnostics import PLUGIN_FAILURES, PluginError
from .engine import lint
from .inputs import default_jobs
from .plugins import Registry, build_registry
from .report import Report
from .rule import RuleSet
from .selection import build_ruleset, check_selectors

_OVERRIDABLE = {f.name for f in fields(Config)} - {"source", "root"}


@dataclass
class Session:
    config: Config
    registry: Registry
    ruleset: RuleSet

    @classmethod
    def create(cls, config: Config | None = None, *, config_path: str | None = None,
               isolated: bool = False, extend_select: list[str] | None = None, ignore: list[str] | None = None,
               **overrides: Any) -> Session:
        """Load the configuration, apply ``overrides`` (command-line values: they replace the
        configured ones, except ``extend_select`` and ``ignore``, which add to them), load the
        plugins and resolve the rules in force."""
        # The caller's Config stays as it was: a reused one must not gather this run's overrides.
        config = copy.deepcopy(config) if config is not None else load_config(config_path, isolated)
        cli_selectors = {"select": overrides.get("select") or [], "extend-select": extend_select or [],
                         "ignore": ignore or []}
        config.extend_select = [*config.extend_select, *(extend_select or [])]
        config.ignore = [*config.ignore, *(ignore or [])]
        for key, value in overrides.items():
            if key not in _OVERRIDABLE:
                raise ConfigError(f"unknown setting {key!r}")
            if value is not None:
                setattr(config, key, value)
        if config.method not in METHODS:
            raise ConfigError(f"method must be one of {', '.join(METHODS)}, got {config.method!r}")
        registry = build_registry(tuple(config.plugins))
        for key, selectors in cli_selectors.items():
            check_selectors(selectors, key, registry, "command line")
        if config.models:
            from .catalog import apply_config

            apply_config(registry.catalog, config.target, config.models, config.where)
        return cls(config, registry, build_ruleset(config, registry))

    @property
    def model(self):
        """The catalog entry of the configured model on the configured target (None if unknown)."""
        if not self.config.model:
            return None
        return self.registry.catalog.resolve(self.config.model, self.config.target)

    def lint_bytes(self, data: bytes, name: str = "<bytes>") -> Report:
        """Lint an in-memory dataset, as if it were a file called ``name``."""
        import io

        return self.lint(["-"], stdin=io.BytesIO(data), stdin_name=name)

    def cache_folder(self, folder: str | None = None) -> str:
        """Where the cache is: ``folder``, else ``.ftlint_cache`` beside the configuration file
        (the project's root), else in the current folder."""
        from .store import FOLDER

        return folder or os.path.join(str(self.config.root), FOLDER)

    def open_cache(self, folder: str | None = None):
        """The cache (:class:`ftlint.store.Store`) for :meth:`lint`, or None when it cannot be
        made there (a read-only folder): linting goes on without it. Its size is bounded by
        ``FTLINT_CACHE_MAX_BYTES`` (default 512 MiB)."""
        from .store import Store, limit_from_env

        return Store.open(self.cache_folder(folder), limit_from_env())

    def lint(self, paths: list[str], *, force_exclude: bool = False, stdin: BinaryIO | None = None,
             stdin_name: str = "<stdin>", validation: list[str] | tuple = (), jobs: int | None = None,
             chunk_bytes: int | None = None, progress=None, before_read=None, observers=(), cache=None,
             baseline: str | None = None, record=None) -> Report:
        """Lint ``paths``; ``jobs`` defaults to the configured number, else the number of cores.
        ``before_read(input_paths)`` runs before anything is read and may raise to stop.
        ``cache`` (from :meth:`open_cache`): reuse and keep results of unchanged parts of files.
        Findings of the configured ``ignore-examples`` are left out, and so are the findings the
        baseline knows (``baseline``, else the configured one). ``record``: a
        :class:`ftlint.baseline.Suppress` made with ``record=True``, which keeps every finding
        instead (for :meth:`ftlint.baseline.Suppress.write`)."""
        suppress = record
        if suppress is None and (baseline or self.config.baseline or self.config.ignore_examples):
            from .baseline import Suppress

            suppress = Suppress(baseline or self.config.baseline, self.config.ignore_examples)
        model = self.model
        billing = Billing(model) if model is not None else None
        report = lint(paths, self.config, self.ruleset, force_exclude=force_exclude, stdin=stdin,
                      stdin_name=stdin_name, model=model,
                      validation=list(validation) or self.config.validation,
                      jobs=jobs or self.config.jobs or default_jobs(),
                      chunk_bytes=chunk_bytes, progress=progress, before_read=before_read,
                      observers=[*([billing] if billing else []), *observers], cache=cache, suppress=suppress)
        if billing is not None:
            report.estimate = billing.estimate(report.observed[billing.name], self.config.epochs)
        report.errors[:0] = self.registry.errors
        return report

    def fix(self, paths: list[str], *, unsafe: bool = False, write: bool = True, diff_for=None,
            force_exclude: bool = False, stdin: BinaryIO | None = None, stdin_name: str = "<stdin>"):
        """Repair the dataset files among ``paths`` in place with the fixes of the rules in force
        (safe ones; unsafe ones too with ``unsafe``), and return what was done
        (:class:`ftlint.fixing.FixRun`). ``write`` False only counts (and calls ``diff_for(path)``'s
        callback for every changed line). '-' reads ``stdin``; its repaired data is in the result."""
        from .fixing import fix_paths
        from .inputs import collect_paths

        errors: list = []
        files = collect_paths(paths, self.config, force_exclude, errors)
        run = fix_paths(files, self.ruleset, self.config, self.model, unsafe=unsafe, write=write, diff_for=diff_for,
                        stdin=stdin, stdin_name=stdin_name)
        run.errors[:0] = errors
        return run

    def reporter(self, fmt: str) -> type:
        """The output format class registered as ``fmt`` (a ConfigError names the known ones)."""
        cls = self.registry.reporters.get(fmt)
        if cls is None:
            raise ConfigError(f"unknown output format {fmt!r}; available: {', '.join(sorted(self.registry.reporters))}")
        return cls

    def render(self, report: Report, fmt: str, **options: Any) -> str:
        """The report in output format ``fmt``. A format from a third-party plugin that raises is
        that plugin's :class:`PluginError`; a built-in one that raises is ftlint's own bug and
        propagates (the CLI reports it as an internal error)."""
        import io

        buffer = io.StringIO()
        self.write(report, fmt, buffer, **options)
        return buffer.getvalue()

    def write(self, report: Report, fmt: str, out: TextIO, **options: Any) -> None:
        """Write the report in output format ``fmt`` to ``out`` as :meth:`render` makes it. A
        built-in format writes as it goes, so a report of many findings is never held whole (as
        text in a StringIO it took four bytes a character); a third-party one is rendered whole
        first, so one that raises leaves nothing half written."""
        import io

        cls = self.reporter(fmt)
        plugin = getattr(cls, "plugin", None)
        builtin = plugin is None or any(p.name == plugin and p.source == "built-in" for p in self.registry.plugins)
        target = out if builtin else io.StringIO()
        try:
            cls(**options).render(report, target)
        except PLUGIN_FAILURES as exc:
            if builtin or os.environ.get("FTLINT_DEBUG"):
                raise
            raise PluginError(f"plugin {plugin}: output format '{fmt}' raised {type(exc).__name__}: {exc}") from exc
        if target is not out:
            out.write(target.getvalue())

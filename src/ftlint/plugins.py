"""The plugin manager: built-ins and third parties through one entry-point group, plus local plugin
files or modules named in config. A plugin that fails is reported and skipped, never fatal."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import FunctionType, MethodType, ModuleType
from typing import Any

import pluggy

from . import hookspecs
from .catalog import Catalog, Model
from .diagnostics import PLUGIN_FAILURES, Severity, ToolError
from .entrypoints import entry_points
from .example import ROLE_FEATURES
from .rule import CODE_RE, FORMATS, NAME_RE, REWRITES, DatasetRule, FileRule, Fix, Rule

GROUP = "ftlint"
DISABLE_ENV = "FTLINT_DISABLE_PLUGINS"
NO_LOCAL_ENV = "FTLINT_NO_LOCAL_PLUGINS"  # config-named plugin files and modules are not imported


@dataclass
class PluginInfo:
    name: str
    source: str  # "built-in", "entry point", "local file", "local module"
    location: str = ""
    distribution: str | None = None
    version: str | None = None
    hooks: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    reporters: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "location": self.location,
            "distribution": self.distribution,
            "version": self.version,
            "hooks": self.hooks,
            "rules": self.rules,
            "reporters": self.reporters,
            "models": self.models,
            "targets": self.targets,
            "error": self.error,
        }


@dataclass
class Registry:
    """Everything the plugins contributed."""

    rules: dict[str, type[Rule]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # rule name -> code
    reporters: dict[str, type] = field(default_factory=dict)
    catalog: Catalog = field(default_factory=Catalog)
    targets: dict[str, Any] = field(default_factory=dict)
    rule_options: list[tuple[str, str, dict]] = field(default_factory=list)  # (plugin, selector, options)
    plugins: list[PluginInfo] = field(default_factory=list)
    errors: list[ToolError] = field(default_factory=list)

    def rule_by_selector(self, selector: str) -> type[Rule] | None:
        code = self.names.get(selector, selector.upper())
        return self.rules.get(code)


def _describe_exc(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _load_local(spec: str) -> Any:
    if spec.endswith(".py") or os.sep in spec or "/" in spec:
        path = Path(spec)
        if not path.is_file():
            raise FileNotFoundError(f"plugin file not found: {spec}")
        mod_name = f"ftlint_local_plugin_{path.stem}"
        module_spec = importlib.util.spec_from_file_location(mod_name, path)
        if module_spec is None or module_spec.loader is None:
            raise ImportError(f"cannot import {spec}")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[mod_name] = module
        try:
            module_spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(mod_name, None)
            raise
        return module
    return importlib.import_module(spec)


# The features a rule's `when` may name besides plain keys (see Example.features).
_FEATURE_KINDS = {"role": set(ROLE_FEATURES), "content": {"list", "null", "empty", "other"},
                  "message": {"not-object"}, "json": {"lenient"}}


def _gate_problem(cls: type[Rule]) -> str | None:
    """What is wrong with a rule's ``formats`` and ``when`` (a typo there means it never runs);
    None when nothing is. Both are turned into frozensets, which the engine groups rules by."""
    formats, when = cls.__dict__.get("formats", cls.formats), cls.__dict__.get("when", cls.when)
    if isinstance(formats, str) or not isinstance(formats, (set, frozenset, list, tuple)):
        return f"formats must be a set of format names, got {formats!r}"
    unknown = sorted(str(f) for f in formats if f not in FORMATS)
    if unknown:
        return (f"formats names {', '.join(map(repr, unknown))}, which no example has; "
                f"formats are {', '.join(sorted(FORMATS))}")
    if isinstance(when, str) or not isinstance(when, (set, frozenset, list, tuple)) or \
            not all(isinstance(w, str) for w in when):
        return f"when must be a set of feature names, got {when!r}"
    for feature in when:
        kind, _, value = feature.partition(":")
        if value and (kind not in _FEATURE_KINDS or value not in _FEATURE_KINDS[kind]):
            known = ", ".join(f"{k}:{v}" for k in sorted(_FEATURE_KINDS) for v in sorted(_FEATURE_KINDS[k]))
            return f"when names {feature!r}, which no example has; besides plain keys, features are {known}"
    targets = cls.__dict__.get("targets", cls.targets)
    if isinstance(targets, str) or not isinstance(targets, (set, frozenset, list, tuple)):
        return f"targets must be a set of target names, got {targets!r}"
    autofix = cls.__dict__.get("autofix", cls.autofix)
    if autofix is not None and not isinstance(autofix, Fix):
        return f"autofix must be a ftlint.Fix or None, got {autofix!r}"
    if autofix is not None and autofix.rewrites is not None and autofix.rewrites not in REWRITES:
        return f"autofix rewrites {autofix.rewrites!r}; the writer rewrites {', '.join(sorted(REWRITES))}"
    cls.formats, cls.when, cls.targets = frozenset(formats), frozenset(when), frozenset(targets)
    return None


class _Collector:
    """Receives ``register(...)`` calls for one plugin and validates them."""

    def __init__(self, registry: Registry, info: PluginInfo) -> None:
        self.registry = registry
        self.info = info

    def _error(self, message: str) -> None:
        self.registry.errors.append(ToolError("plugin", message, plugin=self.info.name))

    def rule(self, cls: Any) -> None:
        reg = self.registry
        if not (isinstance(cls, type) and issubclass(cls, Rule)) or cls in (Rule, FileRule, DatasetRule):
            self._error(f"register_rules received {cls!r}, which is not a ftlint.Rule subclass")
            return
        code, name = getattr(cls, "code", ""), getattr(cls, "name", "")
        if not isinstance(code, str) or not CODE_RE.match(code):
            self._error(f"rule {cls.__name__} has code {code!r}; codes are 1-6 capital letters and 3 digits")
            return
        if not isinstance(name, str) or not NAME_RE.match(name):
            self._error(f"rule {code} has name {name!r}; names are kebab-case, like 'banned-phrase'")
            return
        try:
            Severity.parse(cls.severity)
        except ValueError as exc:
            self._error(f"rule {code}: {exc}")
            return
        problem = _gate_problem(cls)
        if problem:
            self._error(f"rule {code} ({name}): {problem}")
            return
        for key, taken in ((code, reg.rules.get(code)), (name, reg.rules.get(reg.names.get(name, "")))):
            if taken is not None:
                self._error(f"rule {code} ({name}) clashes with {taken.code} ({taken.name}) "
                            f"from plugin {taken.plugin}: '{key}' is already registered")
                return
        cls.plugin = self.info.name
        reg.rules[code] = cls
        reg.names[name] = code
        self.info.rules.append(code)

    def model(self, model: Any) -> None:
        if not isinstance(model, Model):
            self._error(f"register_models received {model!r}, which is not a ftlint.catalog.Model")
            return
        from .tokens import VOCABULARIES

        if model.encoding not in VOCABULARIES:
            self._error(f"model {model.name} names encoding {model.encoding!r}, which ftlint does not ship "
                        f"(known: {', '.join(VOCABULARIES)})")
            return
        self.registry.catalog.add(model)
        self.info.models.append(f"{model.target}:{model.name}")

    def target(self, target: Any) -> None:
        from .targets import Target

        if not isinstance(target, Target):
            self._error(f"register_targets received {target!r}, which is not a ftlint.targets.Target")
            return
        if target.name in self.registry.targets:
            self._error(f"target '{target.name}' is already registered")
            return
        self.registry.targets[target.name] = target
        self.info.targets.append(target.name)

    def rule_options(self, selector: Any, options: Any = None) -> None:
        if not isinstance(selector, str) or not isinstance(options, dict):
            self._error(f"register_rule_options takes (code or name, dict of options), got {selector!r}, {options!r}")
            return
        self.registry.rule_options.append((self.info.name, selector, options))

    def reporter(self, cls: Any) -> None:
        from .reporters import Reporter

        if not (isinstance(cls, type) and issubclass(cls, Reporter)) or not getattr(cls, "name", ""):
            self._error(f"register_reporters received {cls!r}, which is not a named Reporter subclass")
            return
        if cls.name in self.registry.reporters:
            self._error(f"output format '{cls.name}' is already registered")
            return
        cls.plugin = self.info.name
        self.registry.reporters[cls.name] = cls
        self.info.reporters.append(cls.name)


class _Manager(pluggy.PluginManager):
    """pluggy's manager, with a faster look at a module's attributes."""

    def parse_hookimpl_opts(self, plugin: Any, name: str) -> Any:
        # pluggy looks at every name a plugin has with inspect.getattr_static, so that no property
        # runs: 9 ms of every start-up for the ~800 names of the built-in modules. A module's
        # attributes are its __dict__, which runs no code either; a plain function there is read
        # directly, and anything else pluggy can hook (a staticmethod, classmethod or bound
        # method) still goes the general way.
        if type(plugin) is ModuleType:
            value = plugin.__dict__.get(name)
            if type(value) is FunctionType:
                opts = getattr(value, self.project_name + "_impl", None)
                return opts if isinstance(opts, dict) else None
            if not isinstance(value, (staticmethod, classmethod, MethodType)):
                return None
        return super().parse_hookimpl_opts(plugin, name)


def build_registry(local_plugins: tuple[str, ...] = ()) -> Registry:
    """Load every plugin one by one and collect what each registers."""
    registry = Registry()
    pm = _Manager(GROUP)
    pm.add_hookspecs(hookspecs)
    blocked = {b.strip() for b in os.environ.get(DISABLE_ENV, "").split(",") if b.strip()}
    infos: dict[str, PluginInfo] = {}

    def add(obj: Any, info: PluginInfo) -> None:
        try:
            pm.register(obj, name=info.name)
            pm.check_pending()
        except PLUGIN_FAILURES as exc:  # pluggy raises ValueError / PluginValidationError
            if pm.is_registered(obj):
                pm.unregister(obj)
            info.error = _describe_exc(exc)
            registry.errors.append(ToolError("plugin", f"cannot register: {info.error}", plugin=info.name))
        registry.plugins.append(info)
        infos[info.name] = info

    for ep in sorted(entry_points(GROUP), key=lambda ep: (ep.dist != "ftlint", ep.name)):
        dist, version = ep.dist, ep.version
        builtin = dist == "ftlint"
        info = PluginInfo(ep.name, "built-in" if builtin else "entry point", ep.value, dist, version)
        if ep.name in blocked or (dist and dist in blocked):
            info.error = f"disabled by {DISABLE_ENV}"
            registry.plugins.append(info)
            continue
        try:
            obj = ep.load()
        except PLUGIN_FAILURES as exc:
            info.error = _describe_exc(exc)
            registry.errors.append(ToolError(
                "plugin", f"failed to import {ep.value} ({info.error}); check that it is compatible "
                f"with this ftlint version", plugin=f"{ep.name} ({dist} {info.version})"))
            registry.plugins.append(info)
            continue
        add(obj, info)

    for spec in local_plugins:
        is_file = spec.endswith(".py") or os.sep in spec or "/" in spec
        name = Path(spec).stem if is_file else spec
        info = PluginInfo(name if name not in infos else spec, "local file" if is_file else "local module", spec)
        if os.environ.get(NO_LOCAL_ENV, "").strip() not in ("", "0"):
            # Linting a pull request from a fork runs the plugins its config names: its own code.
            info.error = f"not loaded: {NO_LOCAL_ENV} is set"
            registry.plugins.append(info)
            continue
        try:
            obj = _load_local(spec)
        except PLUGIN_FAILURES as exc:
            info.error = _describe_exc(exc)
            registry.errors.append(ToolError("plugin", f"failed to load {spec}: {info.error}", plugin=info.name))
            registry.plugins.append(info)
            continue
        add(obj, info)

    for hookname, collect in (("register_rules", "rule"), ("register_reporters", "reporter"),
                              ("register_models", "model"), ("register_targets", "target"),
                              ("register_rule_options", "rule_options")):
        caller = getattr(pm.hook, hookname)
        # Built-ins first, so a clash is blamed on the plugin that came later.
        impls = sorted(caller.get_hookimpls(), key=lambda i: infos[i.plugin_name].source != "built-in")
        for impl in impls:
            info = infos[impl.plugin_name]
            info.hooks.append(hookname)
            collector = _Collector(registry, info)
            try:
                impl.function(register=getattr(collector, collect))
            except PLUGIN_FAILURES as exc:
                info.error = _describe_exc(exc)
                registry.errors.append(ToolError("plugin", f"{hookname} raised {info.error}", plugin=info.name))
    if not any(p.source == "built-in" for p in registry.plugins):
        registry.errors.append(ToolError(
            "plugin", "ftlint's built-in rules were not found: the package metadata is missing. "
            "Reinstall ftlint with `pip install .` (or `pip install ftlint`)."))
    return registry

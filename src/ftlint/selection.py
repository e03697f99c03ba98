"""Turn select / ignore / severity / per-rule options into the rules in force."""

from __future__ import annotations

import functools
import re
from typing import Any

from .config import Config, ConfigError
from .diagnostics import PLUGIN_FAILURES, Severity, ToolError
from .plugins import Registry
from .quote import closest
from .rule import Rule, RuleSet

_PREFIX_RE = re.compile(r"^[A-Za-z]{1,6}[0-9]{0,3}$")
EXACT = 1000


def specificity(selector: str, rule: type[Rule]) -> int:
    """How specifically ``selector`` names ``rule``: -1 not at all, 0 for ALL, the prefix length for
    a code prefix, and the most for an exact code or name. The most specific selector wins."""
    if selector == "ALL":
        return 0
    if selector == rule.name or selector.upper() == rule.code:
        return EXACT
    if _PREFIX_RE.match(selector) and rule.code.startswith(selector.upper()):
        return len(selector)
    return -1


def check_selectors(selectors: list[str], key: str, registry: Registry, where: str) -> None:
    for sel in selectors:
        if not any(specificity(sel, cls) >= 0 for cls in registry.rules.values()):
            known = [*registry.rules, *registry.names]
            close = closest(sel, known)
            hint = f"; did you mean {close!r}?" if close else "; `ftlint rules` lists them"
            raise ConfigError(f"{where}: '{key}' names no known rule: {sel!r}{hint}")


def _best(selectors: list[str], cls: type[Rule]) -> int:
    return max((specificity(s, cls) for s in selectors), default=-1)


def is_enabled(cls: type[Rule], select: list[str], ignore: list[str]) -> bool:
    pos = _best(select, cls)
    return pos >= 0 and pos > _best(ignore, cls)


def _severity_table(table: dict[str, str], cls: type[Rule], where: str) -> tuple[int, Severity | None]:
    best, level = -1, None
    for sel, value in table.items():
        spec = specificity(sel, cls)
        if spec > best:
            try:
                best, level = spec, Severity.parse(value)
            except ValueError as exc:
                raise ConfigError(f"{where}: severity for {sel!r}: {exc}") from None
    return best, level


def build_ruleset(config: Config, registry: Registry) -> RuleSet:
    where = config.where
    target = registry.targets.get(config.target)
    if target is None:
        raise ConfigError(f"{where}: unknown target {config.target!r}; known targets: "
                          f"{', '.join(sorted(registry.targets))}")
    select = config.select if config.select is not None else ["ALL"]
    check_selectors(select, "select", registry, where)
    check_selectors(config.extend_select, "extend-select", registry, where)
    check_selectors(config.ignore, "ignore", registry, where)
    check_selectors(list(config.severity), "severity", registry, where)
    check_selectors(list(target.ignore), "ignore", registry, f"target {target.name}")
    # The user's own selection names a rule explicitly (not through ALL): it overrides the target.
    chosen = [s for s in [*(config.select or []), *config.extend_select] if s != "ALL"]
    for pattern, sels in config.per_file_ignores.items():
        check_selectors(sels, f"per-file-ignores.{pattern}", registry, where)

    # Option layers, later ones on top: plugins (whose lists extend each other), the target
    # profile, the user's configuration.
    layers = [(f"plugin {plugin}", sel, opts, True) for plugin, sel, opts in registry.rule_options]
    layers += [(f"target {target.name}", sel, opts, False) for sel, opts in target.rules.items()]
    layers += [(where, sel, opts, False) for sel, opts in config.rules.items()]
    options: dict[str, dict[str, Any]] = {}
    sources: dict[str, list[str]] = {}  # rule code -> where its options came from
    for source, sel, opts, extend in layers:
        cls = registry.rule_by_selector(sel)
        if cls is None:
            check_selectors([sel], f"rules.{sel}", registry, source)
            raise ConfigError(f"{source}: 'rules.{sel}' must name one rule by code or name, not a prefix")
        merged = options.setdefault(cls.code, {})
        sources.setdefault(cls.code, []).append(source)
        for key, value in opts.items():
            if key not in cls.options:
                known = ", ".join(cls.options) or "none"
                close = closest(key, cls.options)
                hint = f"; did you mean {close!r}?" if close else f" (its options: {known})"
                raise ConfigError(f"{source}: rule {cls.code} ({cls.name}) has no option {key!r}{hint}")
            try:
                value = cls.options[key].coerce(value)
            except ValueError as exc:
                raise ConfigError(f"{source}: rules.{sel}.{key}: {exc}") from None
            previous = merged.get(key, cls.options[key].default)
            merged[key] = previous + value if extend and isinstance(previous, list) else value

    ruleset = RuleSet()
    for code in sorted(registry.rules):
        cls = registry.rules[code]
        if cls.targets and target.name not in cls.targets:
            continue  # another provider's own rule
        if not is_enabled(cls, [*select, *config.extend_select], config.ignore):
            continue
        if cls.opt_in and not any(s in (cls.code, cls.name) for s in chosen):
            continue  # selected only by its own code or name
        if target.ignore and _best(list(target.ignore), cls) >= 0 and _best(chosen, cls) < 0:
            continue  # the target turns it off, and the user did not ask for it by name
        _, level = _severity_table(target.severity, cls, f"target {target.name}")
        spec, user_level = _severity_table(config.severity, cls, where)
        if user_level is not None:
            level = user_level
        try:
            rule = cls(**options.get(code, {}))
        except PLUGIN_FAILURES as exc:
            if isinstance(exc, ValueError) and code in options:
                # options each valid alone but not together (the rule's configure() says why)
                raise ConfigError(f"{' and '.join(dict.fromkeys(sources[code]))}: rules.{code} ({cls.name}): "
                                  f"{exc}") from None
            ruleset.errors.append(ToolError("rule", f"failed to initialise: {type(exc).__name__}: {exc}",
                                            plugin=cls.plugin, rule=code))
            continue
        rule.target = target
        ruleset.rules.append(rule)
        ruleset.severities[code] = level if level is not None else Severity.parse(cls.severity)
    ruleset.per_file = functools.partial(_rules_for_path, ruleset.rules, config)
    return ruleset


def _rules_for_path(rules: list[Rule], config: Config, path: str) -> list[Rule]:
    """The rules in force for one file: ``per-file-ignores`` applied (standard input has none)."""
    ignores = config.ignores_for(path) if path != "-" else []
    if not ignores:
        return rules
    return [r for r in rules if is_enabled(type(r), ["ALL"], ignores)]

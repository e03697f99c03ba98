"""The listings: rules, one rule's page, plugins, target profiles, the model catalog."""

from __future__ import annotations

import click

from ..diagnostics import Severity
from ..quote import closest
from .common import (
    CONTEXT,
    config_option,
    echo,
    echo_json,
    exit_after_listing,
    fail,
    listing_format,
    session_for,
    target_option,
)


def rules_command() -> click.Command:
    @click.command("rules", context_settings=CONTEXT)
    @listing_format
    @config_option
    def rules(fmt, config_path):
        """List every rule: code, name, default severity and summary."""
        session = session_for(config_path=config_path)
        classes = [session.registry.rules[c] for c in sorted(session.registry.rules)]
        enabled = {r.code for r in session.ruleset.rules}
        if fmt == "json":
            data = [dict(cls.describe(), enabled=cls.code in enabled) for cls in classes]
            echo_json(data)
        else:
            for cls in classes:
                mark = " " if cls.code in enabled else "-"
                fix = cls.autofix.safety if cls.autofix is not None else ""
                echo(f"{cls.code} {mark} {cls.name:<32} {Severity.parse(cls.severity).label:<8} {fix:<6} "
                     f"{cls.summary}")
            echo(f"\n{len(classes)} rules; '-' marks rules disabled by the configuration; 'safe' and 'unsafe' "
                 "mark the rules `ftlint fix` repairs (unsafe: with --unsafe-fixes). `ftlint rule CODE` explains one.")
        exit_after_listing(session)

    return rules


def rule_command() -> click.Command:
    @click.command("rule", context_settings=CONTEXT)
    @click.argument("selector")
    @click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
    @config_option
    def rule(selector, fmt, config_path):
        """Show the documentation of one rule, by code or by name."""
        from ..docs import rule_doc

        session = session_for(config_path=config_path)
        cls = session.registry.rule_by_selector(selector)
        if cls is None:
            close = closest(selector, [*session.registry.rules, *session.registry.names])
            fail(f"no rule {selector!r}" + (f"; did you mean {close!r}?" if close else "; see `ftlint rules`"))
        doc = rule_doc(cls) or f"# {cls.code} {cls.name}\n\n{cls.summary}\n"
        if cls.autofix is not None and "\n## Fix" not in doc:  # a plugin rule's docstring: say it here
            doc = doc.rstrip("\n") + f"\n\n## Fix\n\n{cls.autofix.safety.capitalize()}: {cls.autofix.summary}.\n"
        if fmt == "json":
            echo_json(dict(cls.describe(), documentation=doc))
        else:
            echo(doc.rstrip("\n"))

    return rule


def plugins_command() -> click.Command:
    @click.command("plugins", context_settings=CONTEXT)
    @listing_format
    @config_option
    def plugins(fmt, config_path):
        """List the plugins that loaded, where from, their versions and what they contribute."""
        session = session_for(config_path=config_path)
        infos = session.registry.plugins
        if fmt == "json":
            echo_json([p.to_dict() for p in infos])
        else:
            for p in infos:
                version = f" {p.distribution} {p.version}" if p.distribution else ""
                gave = ", ".join(p.rules + p.reporters) or ""
                if p.models:
                    gave += (", " if gave else "") + f"{len(p.models)} models"
                if p.targets:
                    gave += (", " if gave else "") + "targets " + ", ".join(p.targets)
                gave = gave or "nothing"
                status = f"  FAILED: {p.error}" if p.error else ""
                echo(f"{p.name:<20} {p.source:<12}{version}  ({p.location})\n    {gave}{status}")
        exit_after_listing(session)

    return plugins


def targets_command() -> click.Command:
    @click.command("targets", context_settings=CONTEXT)
    @listing_format
    @config_option
    def targets(fmt, config_path):
        """List the target profiles: the API each speaks, and what it changes from OpenAI's rules."""
        session = session_for(config_path=config_path)
        rows = [session.registry.targets[name] for name in sorted(session.registry.targets)]
        if fmt == "json":
            echo_json([t.describe() for t in rows])
        else:
            for t in rows:
                api = t.api
                reach = "no API" if api is None else \
                    f"{api.kind} API at {api.base_url or 'your own endpoint'}, {api.auth} auth (${api.key_env})"
                echo(f"{t.name:<14} {t.title}\n    {reach}")
                changes = [f"off: {', '.join(t.ignore)}"] if t.ignore else []
                changes += [f"{sel}: {level}" for sel, level in t.severity.items()]
                changes += [f"{sel}.{k} = {v!r}" for sel, opts in t.rules.items() for k, v in opts.items()]
                echo(f"    {'; '.join(changes) if changes else 'OpenAI rules as they are'}\n    source: {t.source}")
        exit_after_listing(session)

    return targets


def models_command() -> click.Command:
    @click.command("models", context_settings=CONTEXT)
    @target_option
    @listing_format
    @config_option
    def models(target, fmt, config_path):
        """List the model catalog of a target: limits, tokenizers, prices, methods, end dates."""
        session = session_for(config_path=config_path, target=target)
        rows = session.registry.catalog.for_target(session.config.target)
        if fmt == "json":
            echo_json([m.to_dict() for m in rows])
        else:
            echo(f"{'model':<26} {'encoding':<12} {'limit':>7} {'price':>14} {'methods':<28} "
                       f"{'vision':<6} training until")
            for m in rows:
                price = "-" if m.price is None else f"${m.price:g}/{'1M' if m.price_unit != 'hour' else 'h'}"
                limit = f"{m.example_limit:,}" if m.example_limit else "-"
                until = m.training_until.isoformat() if m.training_until else "-"
                echo(f"{m.name:<26} {m.encoding:<12} {limit:>7} {price:>14} "
                           f"{', '.join(sorted(m.methods)) or 'none':<28} {'yes' if m.vision else 'no':<6} {until}")
            echo(f"\nTarget {session.config.target}. Prices: USD per 1M training tokens "
                       "(o4-mini RFT: per hour). `--format json` shows each value's source.")
            for m in rows:
                notes = [f"trains on the {' or '.join(m.training_types)} tier only"] if m.training_types else []
                notes += [f"token counts approximate ({m.token_note})"] if m.token_note else []
                if notes:
                    echo(f"{m.name}: {'; '.join(notes)}.")
        exit_after_listing(session)

    return models

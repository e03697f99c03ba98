"""The command line. The click group is built by a factory: importing this module has no side effects."""

from __future__ import annotations

import os
import sys
from typing import Any

import click
import orjson

from .__about__ import __version__
from .config import METHODS, ConfigError
from .diagnostics import EXIT_ERROR, EXIT_OK, PluginError, Severity, printable

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class RegisteredOption(click.Option):
    """An option whose help lists what the plugins registered (targets, output formats), looked up
    only when help is shown, so other commands do not pay for loading the plugins."""

    def __init__(self, *args: Any, names: str, **kw: Any) -> None:
        self.names = names  # "targets" or "reporters"
        super().__init__(*args, **kw)

    def get_help_record(self, ctx: click.Context):
        from .plugins import build_registry

        plain = self.help
        self.help = f"{plain}. One of: {', '.join(sorted(getattr(build_registry(), self.names)))}."
        try:
            return super().get_help_record(ctx)
        finally:
            self.help = plain


def _split(values: tuple[str, ...]) -> list[str] | None:
    if not values:
        return None
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def use_color(choice: str, stream) -> bool:
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


def fail(message: str) -> None:
    click.echo(f"ftlint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


_STDOUT = "ftlint.stdout"


def _out():
    """The stream a command's own output goes to: standard output as it was when ftlint started.
    While a command runs, ``sys.stdout`` points at standard error, so whatever a plugin prints
    (at import, in a hook, in a rule) cannot corrupt a machine-readable report."""
    return click.get_current_context().meta.get(_STDOUT, sys.stdout)


def echo(text: str = "", *, nl: bool = True, color: bool | None = None) -> None:
    """Write the command's output; a closed or full standard output is an error (exit 2), never a
    report lost in silence."""
    out = _out()
    if out is None:
        fail("standard output is closed, so the report has nowhere to go; use --output-file FILE")
    try:
        click.echo(text, file=out, nl=nl, color=color)
        out.flush()
    except BrokenPipeError:
        raise  # the reader went away (`| head`): main() ends quietly
    except OSError as exc:
        _discard_stdout()
        fail(f"cannot write to standard output: {exc.strerror or exc}")


def _discard_stdout() -> None:
    # Python flushes standard output again at exit; a failed flush there would print a traceback.
    try:
        devnull = open(os.devnull, "w")
        sys.stdout = devnull
        click.get_current_context().meta[_STDOUT] = devnull
    except (OSError, RuntimeError):
        pass


class DefaultGroup(click.Group):
    """`ftlint PATHS...` means `ftlint check PATHS...`: when the first word is a path (one that
    exists, or has a dot or a slash), ``-`` or an option of ``check``. Any other word is a usage
    error that names the commands, so a mistyped command (`ftlint sats x.jsonl`) never runs a lint
    of something else."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args:
            args = ["check"]
        elif args[0] not in self.commands and args[0] not in ("-h", "--help", "--version"):
            first = args[0]
            # a word with a dot or a slash is a path (no command has either): check says if it is missing
            if first.startswith("-") or os.path.lexists(first) or "." in first or "/" in first or os.sep in first:
                args = ["check", *args]
            else:
                import difflib

                close = difflib.get_close_matches(first, list(self.commands), n=1)
                hint = f" Did you mean '{close[0]}'?" if close else ""
                raise click.UsageError(f"'{first}' is neither a command nor a file or folder.{hint} "
                                       f"Commands: {', '.join(sorted(self.commands))}; `ftlint PATH` lints a path.",
                                       ctx)
        return super().parse_args(ctx, args)


def _session(**kw: Any):
    from .session import Session

    try:
        return Session.create(**kw)
    except ConfigError as exc:
        fail(str(exc))


def _print_tool_errors(errors) -> None:
    for e in errors:
        click.echo(f"ftlint: error: {e.describe()}", err=True)


def exit_after_listing(session) -> None:
    """Listings still name plugins that failed to load, and exit 2 for them."""
    _print_tool_errors(session.registry.errors)
    sys.exit(EXIT_ERROR if session.registry.errors else EXIT_OK)


def check_command() -> click.Command:
    @click.command("check", context_settings=CONTEXT)
    @click.argument("paths", nargs=-1, type=click.Path(allow_dash=True))
    @click.option("--select", multiple=True, metavar="RULES", help="Rules to enable: codes, prefixes or names, "
                                                                   "comma-separated (replaces the config).")
    @click.option("--extend-select", multiple=True, metavar="RULES", help="Rules to enable on top of the selection.")
    @click.option("--ignore", multiple=True, metavar="RULES", help="Rules to disable.")
    @click.option("--method", type=click.Choice(METHODS), help="Training method the data is for (default: "
                                                               "auto-detect).")
    @click.option("--target", cls=RegisteredOption, names="targets", help="Target profile (default: from "
                                                                          "config, else openai)")
    @click.option("--model", help="Base model the data will train (used by token and cost rules).")
    @click.option("--epochs", type=click.IntRange(1, 50), help="Epochs for the cost estimate (default: the auto "
                                                               "heuristic).")
    @click.option("--validation", multiple=True, type=click.Path(exists=True, dir_okay=False),
                  help="A validation file: linted too, checked for overlap with the training data, not billed.")
    @click.option("-j", "--jobs", type=click.IntRange(1, 256), help="Processes to lint with (default: the "
                                                                    "number of cores).")
    @click.option("--no-progress", is_flag=True, help="Never show the progress line on standard error.")
    @click.option("--format", "--output-format", "fmt", envvar="FTLINT_OUTPUT_FORMAT", default="text",
                  show_default=True, cls=RegisteredOption, names="reporters", help="Output format")
    @click.option("-o", "--output-file", type=click.Path(dir_okay=False, writable=True), envvar="FTLINT_OUTPUT_FILE",
                  help="Write the report to this file instead of standard output.")
    @click.option("--statistics", is_flag=True, help="Show only the count of problems per rule.")
    @click.option("-q", "--quiet", is_flag=True, help="Show the problems only, without the summary.")
    @click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
                  help="Colour the text output (NO_COLOR and FORCE_COLOR are honoured in auto mode).")
    @click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
    @click.option("--exit-zero", is_flag=True, help="Exit 0 even when problems are found (never hides exit 2).")
    @click.option("--force-exclude", is_flag=True, help="Apply 'exclude' to paths given on the command line too "
                                                        "(for pre-commit).")
    @click.option("--stdin-filename", default="<stdin>", help="Name to report for data read from '-'.")
    @click.option("--allow-no-files", is_flag=True,
                  help="Pass when the paths hold no dataset file (by default that is an error: a mistyped path "
                       "must not pass).")
    @click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Use this ftlint.toml or "
                                                                                   "pyproject.toml.")
    @click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
    def check(paths, select, extend_select, ignore, method, target, model, epochs, validation, jobs, no_progress, fmt,
              output_file, statistics, quiet, color, strict, exit_zero, force_exclude, stdin_filename, allow_no_files,
              config_path, isolated):
        """Lint fine-tuning JSONL files (the default command).

        PATHS are files, folders (searched for *.jsonl and *.ndjson) or '-' for standard input;
        the default is the current folder. Exit status: 0 no errors, 1 errors found (or warnings
        with --strict), 2 a usage, configuration, plugin or internal error.
        """
        if not output_file and _out() is None:
            fail("standard output is closed, so the report has nowhere to go; use --output-file FILE")
        if "-" in paths and sys.stdin is None:
            fail("standard input is closed, so '-' has nothing to read")
        session = _session(config_path=config_path, isolated=isolated, method=method, target=target, model=model,
                           epochs=epochs, select=_split(select), extend_select=_split(extend_select),
                           ignore=_split(ignore))
        try:
            reporter_cls = session.reporter(fmt)
        except ConfigError as exc:
            fail(str(exc))
        from .fsutil import OutputError, atomic_write_text, refuse_overwriting_inputs
        from .progress import Progress, wanted

        progress = Progress() if not no_progress and wanted(reporter_cls.human and not output_file) else None

        def guard(inputs: list[str]) -> None:
            if output_file:
                refuse_overwriting_inputs(output_file, inputs, sys.stdin)

        try:
            report = session.lint(list(paths) or ["."], force_exclude=force_exclude,
                                  stdin=sys.stdin.buffer if sys.stdin is not None else None,
                                  stdin_name=stdin_filename, validation=list(validation), jobs=jobs,
                                  progress=progress, before_read=guard)
        except (OutputError, ConfigError) as exc:
            fail(str(exc))
        # Files named one by one and all excluded (--force-exclude, as pre-commit runs it) were left out on
        # purpose; folders with nothing in them are more likely a mistyped path.
        if not report.files and not report.errors and not allow_no_files and \
                not (force_exclude and paths and all(os.path.isfile(p) for p in paths)):
            fail(f"no dataset files (*.jsonl, *.ndjson) in {', '.join(paths) or '.'}; check the paths "
                 "(or pass --allow-no-files where finding none is fine)")
        colored = reporter_cls.human and output_file is None and use_color(color, _out())
        try:
            text = session.render(report, fmt, color=colored, statistics=statistics, quiet=quiet)
        except PluginError as exc:
            fail(str(exc))
        if output_file:
            try:
                atomic_write_text(output_file, text)
            except OutputError as exc:
                fail(str(exc))
            except OSError as exc:
                fail(f"cannot write the report to {output_file}: {exc.strerror or exc}")
        else:
            echo(text, nl=False, color=colored)
        for path, why in report.skipped:
            click.echo(f"ftlint: warning: skipped {printable(path)}: {why}", err=True)
        _print_tool_errors(report.errors)
        sys.exit(report.exit_code(strict=strict, exit_zero=exit_zero))

    return check


def rules_command() -> click.Command:
    @click.command("rules", context_settings=CONTEXT)
    @click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
    @click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Use this config (for its plugins).")
    def rules(fmt, config_path):
        """List every rule: code, name, default severity and summary."""
        session = _session(config_path=config_path)
        classes = [session.registry.rules[c] for c in sorted(session.registry.rules)]
        enabled = {r.code for r in session.ruleset.rules}
        if fmt == "json":
            data = [dict(cls.describe(), enabled=cls.code in enabled) for cls in classes]
            echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())
        else:
            for cls in classes:
                mark = " " if cls.code in enabled else "-"
                echo(f"{cls.code} {mark} {cls.name:<32} {Severity.parse(cls.severity).label:<8} {cls.summary}")
            echo(f"\n{len(classes)} rules; '-' marks rules disabled by the configuration. "
                       "`ftlint rule CODE` explains one.")
        exit_after_listing(session)

    return rules


def rule_command() -> click.Command:
    @click.command("rule", context_settings=CONTEXT)
    @click.argument("selector")
    @click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
    @click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Use this config (for its plugins).")
    def rule(selector, fmt, config_path):
        """Show the documentation of one rule, by code or by name."""
        from .docs import rule_doc

        session = _session(config_path=config_path)
        cls = session.registry.rule_by_selector(selector)
        if cls is None:
            import difflib

            close = difflib.get_close_matches(selector, [*session.registry.rules, *session.registry.names], n=1)
            fail(f"no rule {selector!r}" + (f"; did you mean {close[0]!r}?" if close else "; see `ftlint rules`"))
        doc = rule_doc(cls) or f"# {cls.code} {cls.name}\n\n{cls.summary}\n"
        if fmt == "json":
            echo(orjson.dumps(dict(cls.describe(), documentation=doc), option=orjson.OPT_INDENT_2).decode())
        else:
            echo(doc.rstrip("\n"))

    return rule


def plugins_command() -> click.Command:
    @click.command("plugins", context_settings=CONTEXT)
    @click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
    @click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Use this config (for its "
                                                                                   "local plugins).")
    def plugins(fmt, config_path):
        """List the plugins that loaded, where from, their versions and what they contribute."""
        session = _session(config_path=config_path)
        infos = session.registry.plugins
        if fmt == "json":
            echo(orjson.dumps([p.to_dict() for p in infos], option=orjson.OPT_INDENT_2).decode())
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
    @click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
    @click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Use this config (for its plugins).")
    def targets(fmt, config_path):
        """List the target profiles: the API each speaks, and what it changes from OpenAI's rules."""
        session = _session(config_path=config_path)
        rows = [session.registry.targets[name] for name in sorted(session.registry.targets)]
        if fmt == "json":
            echo(orjson.dumps([t.describe() for t in rows], option=orjson.OPT_INDENT_2).decode())
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
    @click.option("--target", cls=RegisteredOption, names="targets",
                  help="Target whose catalog to list (default: from config, else openai)")
    @click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
    @click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Use this config.")
    def models(target, fmt, config_path):
        """List the model catalog of a target: limits, tokenizers, prices, methods, end dates."""
        session = _session(config_path=config_path, target=target)
        rows = session.registry.catalog.for_target(session.config.target)
        if fmt == "json":
            echo(orjson.dumps([m.to_dict() for m in rows], option=orjson.OPT_INDENT_2).decode())
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
        exit_after_listing(session)

    return models


def stats_command() -> click.Command:
    @click.command("stats", context_settings=CONTEXT)
    @click.argument("paths", nargs=-1, type=click.Path(allow_dash=True))
    @click.option("--model", help="Base model (or ft: model) to count and price for.")
    @click.option("--target", cls=RegisteredOption, names="targets", help="Target profile (default: from "
                                                                          "config, else openai)")
    @click.option("--method", type=click.Choice(METHODS), help="Training method (default: auto-detect).")
    @click.option("--epochs", type=click.IntRange(1, 50), help="Epochs (default: the auto heuristic).")
    @click.option("--validation", type=click.Path(exists=True, dir_okay=False), help="Validation file (not billed).")
    @click.option("--all-models", is_flag=True, help="Compare models whose training has ended too.")
    @click.option("-j", "--jobs", type=click.IntRange(1, 256), help="Processes (default: the number of cores).")
    @click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
    @click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Use this config.")
    @click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
    def stats(paths, model, target, method, epochs, validation, all_models, jobs, fmt, config_path, isolated):
        """Token statistics and the training cost estimate for PATHS (the training file, or - for
        standard input)."""
        from .stats import Measures, StatsReport

        if "-" in paths and sys.stdin is None:
            fail("standard input is closed, so '-' has nothing to read")
        # The same pass as check, in parallel, with no rule selected: only the measures are wanted.
        session = _session(config_path=config_path, isolated=isolated, model=model, target=target,
                           method=method, epochs=epochs, select=[])
        cfg = session.config
        if not cfg.model:
            fail("stats needs a model: --model NAME or model = \"NAME\" in the config; `ftlint models` lists them")
        chosen = session.model
        if chosen is None:
            fail(f"unknown model {cfg.model!r} for target {cfg.target}; `ftlint models --target {cfg.target}` "
                 "lists the known ones")
        catalog = session.registry.catalog
        measures = Measures([chosen, *(m for m in catalog.for_target(cfg.target) if m is not chosen)])
        try:
            run = session.lint(list(paths) or ["."], stdin=sys.stdin.buffer if sys.stdin is not None else None,
                               validation=[validation] if validation else [], jobs=jobs, observers=[measures])
        except ConfigError as exc:
            fail(str(exc))
        if run.errors:
            _print_tool_errors(run.errors)
            sys.exit(EXIT_ERROR)
        if not run.files:
            fail(f"no dataset files (*.jsonl, *.ndjson) in {', '.join(paths) or '.'}; check the paths")
        measured = run.observed[measures.name]
        data, val = measured["train"], (measured["validation"] if validation else None)
        report = StatsReport(chosen, cfg.target, data, val, validation, cfg.epochs, catalog, all_models)
        if fmt == "json":
            echo(orjson.dumps(report.to_dict(), option=orjson.OPT_INDENT_2).decode())
        else:
            echo("\n".join(report.lines()))
        sys.exit(EXIT_OK)

    return stats


def create_cli() -> click.Group:
    @click.group(cls=DefaultGroup, context_settings=CONTEXT)
    @click.version_option(__version__, "--version", prog_name="ftlint")
    @click.pass_context
    def cli(ctx: click.Context):
        """ftlint: lint LLM fine-tuning datasets (OpenAI chat SFT and DPO JSONL) before you train."""
        real = sys.stdout
        ctx.meta[_STDOUT] = real
        sys.stdout = sys.stderr  # what plugins print goes to standard error (see _out)

        def restore() -> None:
            if sys.stdout is sys.stderr:
                sys.stdout = real
        ctx.call_on_close(restore)

    for factory in (check_command, stats_command, models_command, targets_command, rules_command, rule_command,
                    plugins_command):
        cli.add_command(factory())
    return cli


def main(argv: list[str] | None = None) -> None:
    # Not click's standalone mode: it turns Ctrl-C into "Aborted!" and exit 1, which reads as
    # "problems found". An interrupt is exit 130, one line, as a shell reports it.
    try:
        code = create_cli().main(args=argv, prog_name="ftlint", standalone_mode=False)
    except SystemExit:
        raise
    except (KeyboardInterrupt, click.exceptions.Abort):
        _interrupted()
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        # the reader of our output went away (`ftlint check | head`): nothing more to say
        _discard_stdout_at_exit()
        sys.exit(EXIT_ERROR)
    except Exception as exc:  # the last line of defence: never a bare traceback
        if os.environ.get("FTLINT_DEBUG"):
            raise
        click.echo(f"ftlint: internal error: {type(exc).__name__}: {exc} "
                   "(set FTLINT_DEBUG=1 for the traceback, and please report it)", err=True)
        sys.exit(EXIT_ERROR)
    sys.exit(code if isinstance(code, int) else EXIT_OK)


def _interrupted() -> None:
    try:
        click.echo("ftlint: interrupted", err=True)
    except OSError:
        pass
    sys.exit(130)


def _discard_stdout_at_exit() -> None:
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass

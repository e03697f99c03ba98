"""`ftlint check`: lint the data and write the report."""

from __future__ import annotations

import os
import sys

import click

from ..config import ConfigError
from ..diagnostics import PluginError, printable
from .common import (
    CONTEXT,
    Echo,
    RegisteredOption,
    cache_options,
    config_options,
    fail,
    jobs_option,
    model_options,
    out,
    print_tool_errors,
    session_for,
    split_list,
    target_option,
    use_color,
    write_data,
)

FIX_HELP = """Repair fine-tuning JSONL files in place, then lint them (`check --fix`).

PATHS are files, folders or '-' (standard input: the repaired data goes to standard output and the
report to standard error). Safe fixes keep what an example means; --unsafe-fixes also removes
unknown keys, copies and lines that cannot be repaired (each one listed). --diff shows the changes
without writing them. A file is replaced whole (same folder, rename, its mode kept), and only if
it still holds what was read. `ftlint rules` marks the rules with a fix."""


def check_command(command: str = "check") -> click.Command:
    fixing = command == "fix"

    @click.command(command, context_settings=CONTEXT, help=FIX_HELP if fixing else None)
    @click.argument("paths", nargs=-1, type=click.Path(allow_dash=True))
    @click.option("--select", multiple=True, metavar="RULES", help="Rules to enable: codes, prefixes or names, "
                                                                   "comma-separated (replaces the config).")
    @click.option("--extend-select", multiple=True, metavar="RULES", help="Rules to enable on top of the selection.")
    @click.option("--ignore", multiple=True, metavar="RULES", help="Rules to disable.")
    @model_options
    @target_option
    @click.option("--validation", multiple=True, type=click.Path(exists=True, dir_okay=False),
                  help="A validation file: linted too, checked for overlap with the training data, not billed.")
    @jobs_option
    @cache_options
    @click.option("--no-progress", is_flag=True, help="Never show the progress line on standard error.")
    @click.option("--format", "--output-format", "fmt", envvar="FTLINT_OUTPUT_FORMAT", default="text",
                  show_default=True, cls=RegisteredOption, names="reporters", help="Output format")
    @click.option("-o", "--output-file", type=click.Path(dir_okay=False, writable=True), envvar="FTLINT_OUTPUT_FILE",
                  help="Write the report to this file instead of standard output.")
    @click.option("--report", "reports", multiple=True, metavar="FORMAT=FILE",
                  help="Also write the report in FORMAT to FILE, from the same run (repeatable), e.g. "
                       "--report sarif=ftlint.sarif --report junit=junit.xml.")
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
    @click.option("--baseline", type=click.Path(dir_okay=False),
                  help="Report only findings this baseline file does not know (replaces 'baseline' in the config).")
    @click.option("--write-baseline", type=click.Path(dir_okay=False),
                  help="Record every finding of this run in a baseline file and exit 0.")
    @click.option("--fix", "fix", is_flag=True, default=fixing, hidden=fixing,
                  help="Repair what the rules' safe fixes repair, in place, then report what is left.")
    @click.option("--unsafe-fixes", is_flag=True, help="With --fix: apply the unsafe fixes too (they remove keys or "
                                                        "examples; every removed example is listed).")
    @click.option("--diff", is_flag=True, help="Show the fixes as a diff instead of writing them (exit 1 if any "
                                               "would be made).")
    @config_options
    def check(paths, select, extend_select, ignore, method, target, model, epochs, validation, jobs, no_progress, fmt,
              no_cache, cache_dir, output_file, reports, statistics, quiet, color, strict, exit_zero, force_exclude,
              stdin_filename, allow_no_files, baseline, write_baseline, fix, unsafe_fixes, diff, config_path, isolated):
        """Lint fine-tuning JSONL files (the default command).

        PATHS are files, folders (searched for *.jsonl and *.ndjson) or '-' for standard input;
        the default is the current folder. Exit status: 0 no errors, 1 errors found (or warnings
        with --strict), 2 a usage, configuration, plugin or internal error.
        """
        if not output_file and out() is None:
            fail("standard output is closed, so the report has nowhere to go; use --output-file FILE")
        if "-" in paths and sys.stdin is None:
            fail("standard input is closed, so '-' has nothing to read")
        session = session_for(config_path=config_path, isolated=isolated, method=method, target=target, model=model,
                           epochs=epochs, select=split_list(select), extend_select=split_list(extend_select),
                           ignore=split_list(ignore))
        try:
            reporter_cls = session.reporter(fmt)
            extra = []
            for spec in reports:
                name, sep, target = spec.partition("=")
                if not sep or not name or not target:
                    fail(f"--report takes FORMAT=FILE, e.g. sarif=ftlint.sarif; got {spec!r}")
                session.reporter(name)
                extra.append((name, target))
        except ConfigError as exc:
            fail(str(exc))
        from ..fsutil import OutputError, atomic_text, refuse_overwriting_inputs
        from ..progress import Progress, wanted

        progress = Progress() if not no_progress and wanted(reporter_cls.human and not output_file) else None
        def guard(inputs: list[str]) -> None:
            """No file this run writes may be one it reads."""
            for written in (output_file, write_baseline, *(target for _, target in extra)):
                if written:
                    refuse_overwriting_inputs(written, inputs, sys.stdin)

        def write_report(target: str, name: str, **options) -> None:
            try:
                with atomic_text(target) as fh:
                    session.write(report, name, fh, **options)
            except (PluginError, OutputError) as exc:
                fail(str(exc))
            except OSError as exc:
                fail(f"cannot write the report to {target}: {exc.strerror or exc}")

        fixed = None
        stdin = sys.stdin.buffer if sys.stdin is not None else None
        if fix or diff:
            from .fix import apply_fixes

            try:
                guard(list(paths))  # the fix writes first: what it writes must be safe to write before
            except OutputError as exc:
                fail(str(exc))
            fixed = apply_fixes(session, list(paths) or ["."], unsafe=unsafe_fixes, diff=diff,
                                force_exclude=force_exclude, stdin_name=stdin_filename)
            if diff:
                print_tool_errors(fixed.errors)
                sys.exit(2 if fixed.errors else 1 if fixed.changed else 0)
            if fixed.stdin is not None:
                stdin = fixed.stdin

        record = None
        if write_baseline:
            from ..baseline import Suppress

            record = Suppress(None, session.config.ignore_examples, record=True)

        try:
            report = session.lint(list(paths) or ["."], force_exclude=force_exclude, stdin=stdin,
                                  stdin_name=stdin_filename, validation=list(validation), jobs=jobs,
                                  progress=progress, before_read=guard,
                                  cache=None if no_cache else session.open_cache(cache_dir),
                                  baseline=baseline, record=record)
        except (OutputError, ConfigError) as exc:
            fail(str(exc))
        report.unsafe_fixes = unsafe_fixes
        if fixed is not None:
            report.fixed = fixed.files
            report.errors.extend(fixed.errors)
            if fixed.stdin is not None:  # the repaired data goes to standard output; the report moves aside
                write_data(fixed.stdin)
        aside = fixed is not None and fixed.stdin is not None and not output_file
        # Files named one by one and all excluded (--force-exclude, as pre-commit runs it) were left out on
        # purpose; folders with nothing in them are more likely a mistyped path.
        if not report.files and not report.errors and not allow_no_files and \
                not (force_exclude and paths and all(os.path.isfile(p) for p in paths)):
            fail(f"no dataset files (*.jsonl, *.ndjson) in {', '.join(paths) or '.'}; check the paths "
                 "(or pass --allow-no-files where finding none is fine)")
        colored = reporter_cls.human and output_file is None and use_color(color, sys.stderr if aside else out())
        if output_file:
            write_report(output_file, fmt, color=colored, statistics=statistics, quiet=quiet)
        else:
            stream = Echo(colored, err=aside)
            try:
                session.write(report, fmt, stream, color=colored, statistics=statistics, quiet=quiet)
            except PluginError as exc:
                fail(str(exc))
            stream.flush()
        for name, target in extra:
            write_report(target, name, statistics=statistics, quiet=quiet)
        for path, why in report.skipped:
            click.echo(f"ftlint: warning: skipped {printable(path)}: {why}", err=True)
        print_tool_errors(report.errors)
        if write_baseline:
            if report.errors:  # part of the data went unjudged: its findings would pass as known later
                fail(f"did not write the baseline {write_baseline}: the check is incomplete")
            try:
                n = record.write(write_baseline, report.rules)
            except (OutputError, OSError) as exc:
                fail(f"cannot write the baseline {write_baseline}: {getattr(exc, 'strerror', None) or exc}")
            click.echo(f"ftlint: wrote {n:,} finding(s) to the baseline {write_baseline}; runs with "
                       f"`baseline = \"{write_baseline}\"` (or --baseline) report only new ones", err=True)
            sys.exit(0)
        sys.exit(report.exit_code(strict=strict, exit_zero=exit_zero))

    return check

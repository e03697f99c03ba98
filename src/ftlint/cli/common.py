"""What every command shares: the standard output kept for the report, errors, the session,
and the options several commands take."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from ..config import METHODS, ConfigError
from ..diagnostics import EXIT_ERROR, EXIT_OK

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class RegisteredOption(click.Option):
    """An option whose help lists what the plugins registered (targets, output formats), looked up
    only when help is shown, so other commands do not pay for loading the plugins."""

    def __init__(self, *args: Any, names: str, **kw: Any) -> None:
        self.names = names  # "targets" or "reporters"
        super().__init__(*args, **kw)

    def get_help_record(self, ctx: click.Context):
        from ..plugins import build_registry

        plain = self.help
        self.help = f"{plain}. One of: {', '.join(sorted(getattr(build_registry(), self.names)))}."
        try:
            return super().get_help_record(ctx)
        finally:
            self.help = plain


def split_list(values: tuple[str, ...]) -> list[str] | None:
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
    force = os.environ.get("FORCE_COLOR")
    if force:  # "0" and "false" ask for no colour, as Node's tools read it; any other value forces it
        return force.strip().lower() not in ("0", "false")
    return bool(getattr(stream, "isatty", lambda: False)())


def fail(message: str) -> None:
    click.echo(f"ftlint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


STDOUT_KEY = "ftlint.stdout"


def out():
    """The stream a command's own output goes to: standard output as it was when ftlint started.
    While a command runs, ``sys.stdout`` points at standard error, so whatever a plugin prints
    (at import, in a hook, in a rule) cannot corrupt a machine-readable report."""
    return click.get_current_context().meta.get(STDOUT_KEY, sys.stdout)


def from_service(text: str, *, lines: bool = True) -> str:
    """Text a remote service wrote (messages, errors, events), fit to print: any secret of the
    environment's replaced by '***', and, for text output (``lines``), every control character
    escaped line by line, so a service cannot move the cursor or rewrite the terminal."""
    from ..jobs.client import redact, secrets_in
    from ..quote import safe_text

    text = redact(text, *secrets_in())
    return "\n".join(map(safe_text, text.split("\n"))) if lines else text


def echo(text: str = "", *, nl: bool = True, color: bool | None = None) -> None:
    """Write the command's output; a closed or full standard output is an error (exit 2), never a
    report lost in silence."""
    stream = out()
    if stream is None:
        fail("standard output is closed, so the report has nowhere to go; use --output-file FILE")
    try:
        click.echo(text, file=stream, nl=nl, color=color)
        stream.flush()
    except BrokenPipeError:
        raise  # the reader went away (`| head`): main() ends quietly
    except OSError as exc:
        discard_stdout()
        fail(f"cannot write to standard output: {exc.strerror or exc}")


class Echo:
    """A text stream over :func:`echo`, for a report written as it is made: writes are gathered
    into blocks of about 64 KB, so a report of many findings is neither held whole nor echoed a
    line at a time."""

    def __init__(self, color: bool | None = None, err: bool = False) -> None:
        self.color, self.err = color, err
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> int:
        self.parts.append(text)
        self.size += len(text)
        if self.size >= 1 << 16:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if self.parts:
            block = "".join(self.parts)
            self.parts, self.size = [], 0
            if self.err:
                click.echo(block, nl=False, color=self.color, err=True)
            else:
                echo(block, nl=False, color=self.color)


def echo_json(doc: Any, *, service: bool = False) -> None:
    """Write one indented JSON document as the command's output. ``service``: the document holds
    what a remote service sent, so secrets of the environment are replaced (see from_service)."""
    import orjson

    text = orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode()
    echo(from_service(text, lines=False) if service else text)


def discard_stdout() -> None:
    # Python flushes standard output again at exit; a failed flush there would print a traceback.
    try:
        devnull = open(os.devnull, "w")
        sys.stdout = devnull
        click.get_current_context().meta[STDOUT_KEY] = devnull
    except (OSError, RuntimeError):
        pass


def session_for(**kw: Any):
    from ..session import Session

    try:
        return Session.create(**kw)
    except ConfigError as exc:
        fail(str(exc))


def print_tool_errors(errors) -> None:
    for e in errors:
        click.echo(f"ftlint: error: {e.describe()}", err=True)


def lint_written(session, paths: list[str], validation: list[str] | tuple = ()) -> int:
    """Lint the files a command just wrote (split, convert), print the report, and return its
    exit status."""
    report = session.lint(paths, validation=list(validation))
    echo(session.render(report, "text"), nl=False)
    print_tool_errors(report.errors)
    return report.exit_code()


def write_data(data) -> None:
    """Data a command made (repaired or converted JSONL, in a file object) to standard output."""
    import shutil

    stream = out()
    if stream is None:
        fail("standard output is closed, so the data has nowhere to go")
    data.seek(0)
    target = getattr(stream, "buffer", stream)
    stream.flush()
    shutil.copyfileobj(data, target, 1 << 20)
    target.flush()


def exit_after_listing(session) -> None:
    """Listings still name plugins that failed to load, and exit 2 for them."""
    print_tool_errors(session.registry.errors)
    sys.exit(EXIT_ERROR if session.registry.errors else EXIT_OK)


# Options several commands share: one definition each, so their names and help agree.

def config_option(command):
    """``--config FILE``."""
    return click.option("--config", "config_path", type=click.Path(dir_okay=False),
                        help="Use this ftlint.toml or pyproject.toml (and the plugins it names).")(command)


def config_options(command):
    """``--config FILE`` and ``--isolated``."""
    command = click.option("--isolated", is_flag=True, help="Ignore every configuration file.")(command)
    return config_option(command)


def target_option(command):
    return click.option("--target", cls=RegisteredOption, names="targets",
                        help="Target profile (default: from config, else openai)")(command)


def model_options(command):
    """``--model``, ``--method`` and ``--epochs``: what the data will train, and how."""
    command = click.option("--epochs", type=click.IntRange(1, 50),
                           help="Epochs for the cost estimate (default: the auto heuristic).")(command)
    command = click.option("--method", type=click.Choice(METHODS),
                           help="Training method the data is for (default: auto-detect).")(command)
    return click.option("--model", help="Base model (or ft: model) the data will train: token limits, the "
                                        "tokenizer and the cost estimate.")(command)


def cache_dir_option(command):
    return click.option("--cache-dir", envvar="FTLINT_CACHE_DIR", type=click.Path(file_okay=False),
                        help="Folder of the cache (default: .ftlint_cache beside the configuration file, "
                             "else in the current folder).")(command)


def cache_options(command):
    """``--no-cache`` and ``--cache-dir``: where results of parts of files are kept between runs."""
    command = cache_dir_option(command)
    return click.option("--no-cache", is_flag=True, envvar="FTLINT_NO_CACHE",
                        help="Lint every part of every file again; read and write no cache.")(command)


def jobs_option(command):
    return click.option("-j", "--jobs", type=click.IntRange(1, 256),
                        help="Processes to read with (default: the config, else the number of cores).")(command)


def listing_format(command):
    return click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
                        show_default=True)(command)

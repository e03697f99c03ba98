"""The command line. The click group is built by a factory: importing this package has no side
effects, and loads neither plugins nor the engine (``ftlint --version`` stays fast). One module
per command group; what they share is in ``common``."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

import click

from ..__about__ import __version__
from ..diagnostics import EXIT_ERROR, EXIT_OK
from ..quote import closest
from .check import check_command
from .clean import clean_command
from .common import CONTEXT, STDOUT_KEY, discard_stdout, use_color
from .convert import convert_command
from .jobs import jobs_group
from .listings import models_command, plugins_command, rule_command, rules_command, targets_command
from .split import split_command
from .stats import stats_command
from .submit import submit_command

__all__ = ["create_cli", "main", "use_color", "discard_stdout"]


class DefaultGroup(click.Group):
    """`ftlint PATHS...` means `ftlint check PATHS...`: when the first word is a path (one that
    exists, or has a dot or a slash), ``-`` or an option of ``check``. Any other word is a usage
    error that names the commands, so a mistyped command (`ftlint sats x.jsonl`) never runs a lint
    of something else."""

    factories: dict[str, Callable[[], click.Command]] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.factories})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in self.factories:
            self.add_command(self.factories[name](), name)
        return self.commands.get(name)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args:
            args = ["check"]
        elif args[0] not in self.factories and args[0] not in ("-h", "--help", "--version"):
            first = args[0]
            # a word with a dot or a slash is a path (no command has either): check says if it is missing
            if first.startswith("-") or os.path.lexists(first) or "." in first or "/" in first or os.sep in first:
                args = ["check", *args]
            else:
                close = closest(first, self.factories)
                hint = f" Did you mean '{close}'?" if close else ""
                raise click.UsageError(f"'{first}' is neither a command nor a file or folder.{hint} "
                                       f"Commands: {', '.join(sorted(self.factories))}; `ftlint PATH` lints a path.",
                                       ctx)
        return super().parse_args(ctx, args)


def create_cli() -> click.Group:
    @click.group(cls=DefaultGroup, context_settings=CONTEXT)
    @click.version_option(__version__, "--version", prog_name="ftlint")
    @click.pass_context
    def cli(ctx: click.Context):
        """ftlint: lint LLM fine-tuning datasets (OpenAI chat SFT and DPO JSONL) before you train."""
        real = sys.stdout
        ctx.meta[STDOUT_KEY] = real
        sys.stdout = sys.stderr  # what plugins print goes to standard error (see out)

        def restore() -> None:
            if sys.stdout is sys.stderr:
                sys.stdout = real
        ctx.call_on_close(restore)

    # Only the command that runs is built: each of click's options looks for message catalogues
    # on disk (gettext) as it is made, a few milliseconds of every start-up for all 13 commands.
    cli.factories = {"check": check_command, "fix": lambda: check_command("fix"), "stats": stats_command,
                     "models": models_command, "targets": targets_command, "rules": rules_command,
                     "rule": rule_command, "plugins": plugins_command, "submit": submit_command,
                     "jobs": jobs_group, "clean": clean_command, "split": split_command,
                     "convert": convert_command}
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

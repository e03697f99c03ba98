"""`ftlint convert`: ShareGPT, Alpaca, Dolly, TRL preference and legacy rows as OpenAI SFT or DPO."""

from __future__ import annotations

import sys

import click

from ..diagnostics import printable
from .common import CONTEXT, config_options, fail, lint_written, session_for, write_data


def convert_command() -> click.Command:
    @click.command("convert", context_settings=CONTEXT)
    @click.argument("path", type=click.Path(allow_dash=True, dir_okay=False))
    @click.option("--to", "to", type=click.Choice(["sft", "dpo"]), required=True,
                  help="sft: chat messages; dpo: input, preferred_output, non_preferred_output.")
    @click.option("-o", "--output", required=True, type=click.Path(allow_dash=True, dir_okay=False),
                  help="The converted file ('-': standard output).")
    @click.option("--from", "source", type=click.Choice(["auto", "sharegpt", "alpaca", "dolly", "preference",
                                                         "legacy", "openai"]), default="auto", show_default=True,
                  help="The source format; auto tells it by each row's keys.")
    @click.option("--no-lint", is_flag=True, help="Write the file without linting it.")
    @config_options
    def convert(path, to, output, source, no_lint, config_path, isolated):
        """Convert another trainer's dataset to OpenAI chat SFT or DPO, row by row. A row that
        cannot be converted is left out and listed with the reason; exit 1 when any was."""
        import tempfile

        from ..convert import convert_stream, skipped_lines
        from ..fsutil import AtomicFile, OutputError, refuse_overwriting_inputs

        if path == "-" and sys.stdin is None:
            fail("standard input is closed, so '-' has nothing to read")
        session = session_for(config_path=config_path, isolated=isolated, method=to)
        name = "<stdin>" if path == "-" else path
        if output != "-":
            try:
                refuse_overwriting_inputs(output, [path], sys.stdin)
            except OutputError:
                fail(f"the output {output} is the file to convert; writing there would replace the data it is "
                     "read from. Choose another --output")
        try:
            source_stream = sys.stdin.buffer if path == "-" else open(path, "rb", buffering=1 << 20)
        except OSError as exc:
            fail(f"cannot read {path}: {exc.strerror or exc}")
        try:
            sink = tempfile.SpooledTemporaryFile(max_size=64 << 20) if output == "-" else \
                AtomicFile(output, prefix=".ftlint-convert-")
            with sink:
                result = convert_stream(source_stream, name, sink, to, source)
                if output == "-":
                    write_data(sink)
                else:
                    sink.commit()
        except OSError as exc:
            fail(f"cannot convert {path} to {output}: {exc.strerror or exc}")
        finally:
            if path != "-":
                source_stream.close()
        for text in skipped_lines(result, printable(name)):
            click.echo(f"ftlint: {text}", err=True)
        sources = ", ".join(f"{n:,} {k}" for k, n in result.by_source.most_common())
        click.echo(f"ftlint: converted {result.converted:,} row(s) to {to.upper()} ({sources or 'none'}); "
                   f"{len(result.skipped):,} left out" + (f", {result.blank:,} blank lines" if result.blank else ""),
                   err=True)
        code = 1 if result.skipped else 0
        if not no_lint and output != "-":
            code = max(code, lint_written(session, [output]))
        sys.exit(code)

    return convert


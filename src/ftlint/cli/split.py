"""`ftlint split`: training, validation (and test) files from one dataset, then a lint of them."""

from __future__ import annotations

import sys

import click

from ..diagnostics import printable
from .common import CONTEXT, config_options, fail, lint_written, session_for


def _fraction(ctx, param, value):
    if value is not None and not 0 <= value < 1:
        raise click.BadParameter("a fraction is at least 0 and below 1", ctx, param)
    return value


def split_command() -> click.Command:
    @click.command("split", context_settings=CONTEXT)
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--validation-fraction", type=float, callback=_fraction, metavar="F",
                  help="Share of the examples for validation (e.g. 0.1).")
    @click.option("--validation-count", type=click.IntRange(min=0), metavar="N",
                  help="Exactly this many validation examples instead (whole prompts: it may pass by a few).")
    @click.option("--test-fraction", type=float, callback=_fraction, metavar="F", help="Share for a test file.")
    @click.option("--test-count", type=click.IntRange(min=0), metavar="N", help="Exactly this many test examples.")
    @click.option("--seed", type=click.IntRange(min=0, max=(1 << 64) - 1), default=0, show_default=True,
                  help="Another seed, another split; the same seed, the same split.")
    @click.option("--stratify", is_flag=True, help="Keep each label's share alike on every side (the label the "
                                                    "label-imbalance rule reads, its options from the config).")
    @click.option("-d", "--output-dir", required=True, type=click.Path(file_okay=False),
                  help="Where <stem>.train.jsonl, <stem>.validation.jsonl (and <stem>.test.jsonl) go.")
    @click.option("--method", type=click.Choice(["auto", "sft", "dpo", "rft"]), default=None)
    @click.option("--no-lint", is_flag=True, help="Write the files without linting them.")
    @config_options
    def split(path, validation_fraction, validation_count, test_fraction, test_count, seed, stratify, output_dir,
              method, no_lint, config_path, isolated):
        """Split PATH into training and validation (and test) files, deterministically by content:
        examples with the same prompt stay on one side, and a rerun on a grown dataset keeps the
        earlier examples where they were. The files are then linted together (leakage included)."""
        from ..splitter import Quota, SplitError, label_reader, split_file

        if validation_fraction is None and validation_count is None:
            fail("say how much goes to validation: --validation-fraction F or --validation-count N")
        if validation_fraction is not None and validation_count is not None:
            fail("--validation-fraction and --validation-count say the same thing twice; give one")
        if test_fraction is not None and test_count is not None:
            fail("--test-fraction and --test-count say the same thing twice; give one")
        session = session_for(config_path=config_path, isolated=isolated, method=method)
        label_of = label_reader(session) if stratify else None
        try:
            result = split_file(path, output_dir, seed=seed, method=session.config.method, label_of=label_of,
                                validation=Quota(validation_fraction or 0.0, validation_count),
                                test=Quota(test_fraction or 0.0, test_count))
        except SplitError as exc:
            fail(str(exc))
        except OSError as exc:
            fail(f"cannot split {path}: {exc.strerror or exc}")
        total = sum(result.counts.values())
        for side, target in result.paths.items():
            n = result.counts[side]
            share = f"{n / total:.1%}" if total else "0%"
            click.echo(f"ftlint: wrote {printable(target)}: {n:,} examples ({share})", err=True)
        if result.shared_prompts:
            click.echo(f"ftlint: {result.shared_prompts:,} prompts with more than one example were each kept on "
                       "one side", err=True)
        if result.blank:
            click.echo(f"ftlint: left out {result.blank:,} blank lines", err=True)
        if result.labels is not None:
            for label, sides in sorted(result.labels.items(), key=lambda kv: -sum(kv[1].values()))[:20]:
                counts = ", ".join(f"{s} {sides[s]:,}" for s in result.paths)
                click.echo(f"ftlint:   label {printable(label)[:40]!s}: {counts}", err=True)
        if no_lint:
            sys.exit(0)
        sys.exit(lint_written(session, [result.paths["train"]],
                              [p for s, p in result.paths.items() if s != "train"]))

    return split

"""`ftlint stats`: the measures of the data and the cost across models."""

from __future__ import annotations

import sys

import click

from ..config import ConfigError
from ..diagnostics import EXIT_ERROR, EXIT_OK
from .common import (
    CONTEXT,
    cache_options,
    config_options,
    echo,
    echo_json,
    fail,
    jobs_option,
    model_options,
    print_tool_errors,
    session_for,
    target_option,
)


def stats_command() -> click.Command:
    @click.command("stats", context_settings=CONTEXT)
    @click.argument("paths", nargs=-1, type=click.Path(allow_dash=True))
    @model_options
    @target_option
    @click.option("--validation", type=click.Path(exists=True, dir_okay=False), help="Validation file (not billed).")
    @click.option("--all-models", is_flag=True, help="Compare models whose training has ended too.")
    @jobs_option
    @cache_options
    @click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
    @config_options
    def stats(paths, model, target, method, epochs, validation, all_models, jobs, no_cache, cache_dir, fmt,
              config_path, isolated):
        """Token statistics and the training cost estimate for PATHS (the training file, or - for
        standard input)."""
        from ..stats import Measures, StatsReport

        if "-" in paths and sys.stdin is None:
            fail("standard input is closed, so '-' has nothing to read")
        # The same pass as check, in parallel, with no rule selected: only the measures are wanted.
        session = session_for(config_path=config_path, isolated=isolated, model=model, target=target,
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
                               validation=[validation] if validation else [], jobs=jobs, observers=[measures],
                               cache=None if no_cache else session.open_cache(cache_dir))
        except ConfigError as exc:
            fail(str(exc))
        if run.errors:
            print_tool_errors(run.errors)
            sys.exit(EXIT_ERROR)
        if not run.files:
            fail(f"no dataset files (*.jsonl, *.ndjson) in {', '.join(paths) or '.'}; check the paths")
        measured = run.observed[measures.name]
        data, val = measured["train"], (measured["validation"] if validation else None)
        report = StatsReport(chosen, cfg.target, data, val, validation, cfg.epochs, catalog, all_models)
        if fmt == "json":
            echo_json(report.to_dict())
        else:
            echo("\n".join(report.lines()))
        sys.exit(EXIT_OK)

    return stats

"""`ftlint submit`: lint, price and launch a fine-tuning job, once, and follow it."""

from __future__ import annotations

import sys

import click

from ..config import TRAINING_TYPES, ConfigError
from .common import (
    CONTEXT,
    config_options,
    echo,
    echo_json,
    fail,
    from_service,
    model_options,
    session_for,
    target_option,
)


def _pairs(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key:
            fail(f"--metadata takes KEY=VALUE, got {value!r}")
        out[key] = val
    return out


def _print_json(outcome, error: dict | None) -> None:
    """The one JSON document of ``--format json``, whatever the ending; ``error`` says why it
    stopped early (its exit code and message), or is null."""
    doc = {"schema_version": 1, "lint": outcome.lint, "estimate": outcome.estimate, "key": outcome.key,
           "files": outcome.files, "job": outcome.job, "resumed": outcome.resumed, "error": error}
    echo_json(doc, service=True)


def _compression(path: str) -> str | None:
    from ..sniff import SAMPLE, sniff

    try:
        with open(path, "rb") as fh:
            return sniff(fh.read(SAMPLE)).compression
    except OSError:  # the lint reports the file it cannot read
        return None


def submit_command() -> click.Command:
    @click.command("submit", context_settings=CONTEXT)
    @click.argument("train", type=click.Path(exists=True, dir_okay=False))
    @click.option("--validation", type=click.Path(exists=True, dir_okay=False), help="Validation file.")
    @model_options
    @target_option
    @click.option("--batch-size", type=click.IntRange(1, 256))
    @click.option("--learning-rate-multiplier", type=click.FloatRange(0, 100, min_open=True))
    @click.option("--beta", type=click.FloatRange(0, 2, min_open=True), help="DPO only.")
    @click.option("--suffix", help="Up to 64 characters in the fine-tuned model's name.")
    @click.option("--seed", type=int)
    @click.option("--metadata", multiple=True, metavar="KEY=VALUE", help="A metadata pair for the job (repeat).")
    @click.option("--base-url", help="The API endpoint (Azure: https://RESOURCE.openai.azure.com/openai/v1/).")
    @click.option("--training-type", type=click.Choice(TRAINING_TYPES),
                  help="Azure OpenAI's training tier.")
    @click.option("--max-cost", type=click.FloatRange(0), metavar="USD", help="Refuse when the estimate is higher.")
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    @click.option("--detach", is_flag=True, help="Return once the job exists instead of following it.")
    @click.option("--dry-run", is_flag=True, help="Lint and price, say what would be uploaded and created, stop.")
    @click.option("--new", is_flag=True, help="Start a new job when this submission's job failed or was cancelled.")
    @click.option("--force", is_flag=True, help="Submit despite lint errors (the job's metadata says so).")
    @click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
    @config_options
    def submit(train, validation, model, method, epochs, target, batch_size, learning_rate_multiplier, beta, suffix,
               seed, metadata, base_url, training_type, max_cost, yes, detach, dry_run, new, force, fmt,
               config_path, isolated):
        """Lint TRAIN (and --validation), show the cost, upload each file once, create the job once
        (a rerun resumes, never duplicates), and follow it to the end.

        Keys come from the environment only: OPENAI_API_KEY, or AZURE_OPENAI_API_KEY with
        --target azure-openai. Exit status: 0 succeeded (or detached), 1 lint errors, 2 usage or
        config, 3 the file or job failed, 4 over budget or not confirmed, 5 API or network
        failure, 130 interrupted (the job goes on)."""
        from ..jobs.submit import EXIT_INTERRUPTED, Outcome, Request, SubmitError
        from ..jobs.submit import submit as run_submit

        session = session_for(config_path=config_path, isolated=isolated, model=model, target=target,
                              method=method, epochs=epochs)
        cfg = session.config
        if not cfg.model:
            fail("submit needs --model (the base model to fine-tune), or 'model' in [tool.ftlint]; "
                 "`ftlint models` lists them")
        if cfg.method not in ("auto", "sft", "dpo"):
            fail("submit trains sft or dpo data (--method sft|dpo)")
        settings = cfg.submit  # [tool.ftlint.submit]; an option given on the command line wins
        for path in (train, validation):
            packed = _compression(path) if path else None
            if packed:  # the lint reads through it; the Files API would take the compressed bytes and fail
                fail(f"{path} is {packed}-compressed; the Files API takes plain JSONL. Decompress it and submit "
                     "the .jsonl")

        def pick(value, name):
            return value if value is not None else settings.get(name)

        request = Request(train, validation, cfg.method if cfg.method in ("sft", "dpo") else "sft", cfg.epochs,
                          pick(batch_size, "batch-size"), pick(learning_rate_multiplier, "learning-rate-multiplier"),
                          pick(beta, "beta"), pick(suffix, "suffix"), pick(seed, "seed"),
                          {**settings.get("metadata", {}), **_pairs(metadata)}, pick(base_url, "base-url"),
                          pick(training_type, "training-type"), pick(max_cost, "max-cost"), yes,
                          detach or settings.get("detach", False), dry_run, new, force,
                          uploads_above=settings.get("uploads-above"), part_size=settings.get("part-size"))

        def say(text: str) -> None:
            if fmt == "text":
                click.echo(from_service(text), err=True)

        def confirm() -> bool:
            if sys.stdin is None or not sys.stdin.isatty():
                return False
            return click.confirm("Upload and start the job?", err=True)

        outcome = Outcome()
        try:
            code, outcome = run_submit(session, request, say=say, confirm=confirm, outcome=outcome)
        except SubmitError as exc:
            click.echo(f"ftlint: {'error: ' if exc.code in (2, 5) else ''}{from_service(str(exc))}", err=True)
            if fmt == "json":
                _print_json(outcome, {"exit_code": exc.code, "message": str(exc)})
            sys.exit(exc.code)
        except ConfigError as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            click.echo("ftlint: interrupted. The same submit again resumes where this one stopped, with no second "
                       "upload or job.", err=True)
            sys.exit(EXIT_INTERRUPTED)
        if fmt == "json":
            _print_json(outcome, None)
        elif outcome.job is not None:
            job = outcome.job
            echo(from_service(f"{job['id']} {job['status']}" + (f" {job['fine_tuned_model']}"
                                                                 if job["fine_tuned_model"] else "")))
        sys.exit(code)

    return submit
